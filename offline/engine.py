"""The one recording mock, and the runner that executes the real program under it.

Shared by the tests (`tests/conftest.py`) and the offline plan command (`offline`).

`RecordingMocks` answers every registration with realistic computed outputs
(ids, ARNs, URLs, endpoints in the provider's camelCase and each cloud's real
formats, from the table in `offline.mock_outputs`) and every invoke the
program makes (availability zones, caller identity, region, IAM policy
documents). `RecordingMonitor` records the type, name, inputs, parent and
resource options of every registration, so tests assert on the inventory.

`run_stack()` runs `infra/__main__.py` the way the Pulumi language host does:
current directory = the `main` directory, `runpy.run_path` of that directory,
config = `Pulumi.yaml` defaults overlaid with `Pulumi.<stack>.yaml`.
"""

from __future__ import annotations

import hashlib
import json
import os
import runpy
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import rpc, settings
from pulumi.runtime.mocks import MockMonitor, MockResourceArgs
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from infra.config import OperatorValue, operator_values
from offline import mock_outputs
from offline.inputs import read_yaml, stack_names

ROOT = Path(__file__).resolve().parents[1]  # the repository: Pulumi.yaml and the stack files
PROJECT = "aevon"


STACKS = stack_names()  # every Pulumi.<stack>.yaml, by name
ACCOUNT_ID = mock_outputs.ACCOUNT_ID
DEFAULT_REGION = mock_outputs.DEFAULT_REGION
# The Elastic Load Balancing account per region, as hashicorp/terraform-provider-aws
# internal/service/elb/service_account_data_source.go and the ALB guide ("Enable access
# logs", regions available before August 2022) list them.
ELB_ACCOUNTS = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "eu-west-1": "156460612806",
    "eu-central-1": "054676820928",
}
# Stand-in for `secure:` values, which only the real secrets provider can decrypt.
TEST_SECRET_VALUE = "test-secret-value-not-real"


# --------------------------------------------------------------------------- stack files
def _config_text(value: Any) -> str:
    """Config the way the CLI hands it to the program: objects as JSON, scalars as text."""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _stand_in_secrets(value: Any) -> tuple[Any, bool]:
    """Replace `secure:` values (at any depth, as `--path` writes them) with a stand-in.

    Returns the value and whether it held a secret; like the CLI, a key holding any
    secret is secret as a whole.
    """
    if isinstance(value, dict) and set(value) == {"secure"}:
        return TEST_SECRET_VALUE, True
    if isinstance(value, dict):
        pairs = {k: _stand_in_secrets(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        items = [_stand_in_secrets(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def project_file(project_dir: Path = ROOT) -> dict[str, Any]:
    """`Pulumi.yaml`. Raises `offline.inputs.BadInputError` (one line) if it cannot be read."""
    return read_yaml(project_dir / "Pulumi.yaml")


def stack_file(stack: str, project_dir: Path = ROOT) -> dict[str, Any]:
    """`Pulumi.<stack>.yaml` as it is. Raises `offline.inputs.BadInputError` (one line) for a
    missing file, bytes that are not UTF-8 and YAML errors, and `DuplicateKeyError` (also a
    ConfigError) for a key given twice."""
    return read_yaml(project_dir / f"Pulumi.{stack}.yaml", stack=stack) or {}


def _merged_config(
    stack: str, overrides: Mapping[str, Any] | None, project_dir: Path
) -> dict[str, Any]:
    """Project defaults overlaid with the stack file and overrides, values as YAML gives them."""
    project = project_file(project_dir)
    raw: dict[str, Any] = {}
    for key, decl in (project.get("config") or {}).items():
        full = key if ":" in key else f"{project['name']}:{key}"
        if isinstance(decl, dict) and "default" in decl:
            raw[full] = decl["default"]
        elif isinstance(decl, dict) and "value" in decl:
            raw[full] = decl["value"]
    raw.update(stack_file(stack, project_dir).get("config") or {})
    raw.update(overrides or {})
    return json.loads(json.dumps(raw))  # a copy: stand-ins are set into it


def _get_path(raw: Mapping[str, Any], key: str) -> Any:
    top, *path = key.split(".")
    value: Any = raw.get(top)
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _set_path(raw: dict[str, Any], key: str, value: Any) -> None:
    top, *path = key.split(".")
    if not path:
        raw[top] = value
        return
    node = raw.setdefault(top, {})
    if isinstance(node, str):
        node = raw[top] = json.loads(node) if node.strip() else {}
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def missing_operator_values(raw: Mapping[str, Any]) -> list[OperatorValue]:
    """The operator-set values (`infra.config.operator_values`) the raw config leaves unset."""
    return [v for v in operator_values(raw) if _get_path(raw, v.key) in (None, "")]


def stack_config(
    stack: str,
    overrides: Mapping[str, Any] | None = None,
    project_dir: Path = ROOT,
    *,
    stand_ins: bool = True,
) -> tuple[dict[str, str], list[str]]:
    """Project defaults overlaid with the stack file (and test overrides), as the CLI merges them.

    Returns the config map handed to the program and the keys that are secret. With
    `stand_ins`, each value an operator sets by hand (a Slack channel id, a pager URL, a
    DSN: `infra.config.operator_values`) that the stack file leaves unset gets a stand-in
    in its real shape (`offline.mock_outputs.operator_value_stand_in`), secret where the
    real one is: what the stack is once the operator has set it. The first-deploy check
    lists each as a prerequisite with its command.
    """
    raw = _merged_config(stack, overrides, project_dir)
    stood_in: set[str] = set()
    if stand_ins:
        for value in missing_operator_values(raw):
            _set_path(raw, value.key, mock_outputs.operator_value_stand_in(value, stack))
            if value.secret:
                stood_in.add(value.key.split(".")[0])
    secret_keys: list[str] = []
    config: dict[str, str] = {}
    for key, value in raw.items():
        if value is None:
            continue
        decrypted, secret = _stand_in_secrets(value)
        if secret or key in stood_in:
            secret_keys.append(key)
        config[key] = _config_text(decrypted)
    return config, secret_keys


# --------------------------------------------------------------------------- recording
def child_urn(parent: str, type_: str, name: str, stack: str, project: str) -> str:
    """The URN the engine gives a resource: the parent's whole type chain, `$`, its type.

    As the engine and the SDK's `create_urn` build it (`<parent urn up to its last
    '::'>$<type>::<name>`); a top-level resource (parent: none or the Stack) has only
    its own type. `MockMonitor.make_urn` keeps only the parent's last type, which
    differs from the real URN for a grandchild.
    """
    if parent and parent.split("::")[2] != "pulumi:pulumi:Stack":
        return f"{parent[: parent.rfind('::')]}${type_}::{name}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


@dataclass(frozen=True)
class Alias:
    """One alias as the SDK sends it: a whole old URN, or a spec whose unset parts
    default to the resource's own (name, type, stack, project, parent)."""

    urn: str = ""
    name: str = ""
    type: str = ""
    stack: str = ""
    project: str = ""
    parent_urn: str = ""
    no_parent: bool = False

    @classmethod
    def of(cls, proto: Any) -> Alias:
        if proto.HasField("urn"):
            return cls(urn=proto.urn)
        spec = proto.spec
        return cls(
            name=spec.name,
            type=spec.type,
            stack=spec.stack,
            project=spec.project,
            parent_urn=spec.parentUrn if spec.HasField("parentUrn") else "",
            no_parent=spec.noParent if spec.HasField("noParent") else False,
        )


@dataclass
class Registration:
    """One resource registration as the engine would see it."""

    urn: str
    type: str
    name: str
    inputs: dict[str, Any]
    custom: bool
    parent: str
    provider: str
    protect: bool | None
    retain_on_delete: bool | None
    delete_before_replace: bool
    depends_on: list[str]
    aliases: list[Alias]
    ignore_changes: list[str]
    additional_secret_outputs: list[str]
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    id: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    import_id: str = ""  # the `import` option: an existing object adopted, not created

    @classmethod
    def fixture(
        cls, type_: str, name: str, inputs: Mapping[str, Any] | None = None, **options: Any
    ) -> Registration:
        """A hand-made registration (for the preflight's fixtures): a custom resource of
        the test project with the given inputs and options."""
        fields: dict[str, Any] = {
            "urn": f"urn:pulumi:test::{PROJECT}::{type_}::{name}",
            "type": type_,
            "name": name,
            "inputs": dict(inputs or {}),
            "custom": True,
            "parent": "",
            "provider": "",
            "protect": None,
            "retain_on_delete": None,
            "delete_before_replace": False,
            "depends_on": [],
            "aliases": [],
            "ignore_changes": [],
            "additional_secret_outputs": [],
        }
        fields.update(options)
        return cls(**fields)

    def input(self, key: str, default: Any = None) -> Any:
        """An input with any secret wrapper removed."""
        return rpc.unwrap_rpc_secret(self.inputs.get(key, default))

    def is_secret_input(self, key: str) -> bool:
        return rpc.is_rpc_secret(self.inputs.get(key))


def _short_hash(text: str, length: int = 17) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


# A world the invoke answers depend on (the first-deploy check, `offline.first_deploy`):
# called with the token, the invoke's arguments, the inputs of the provider it runs
# under (region, owner, team, project) and the default answer; returns the answer.
InvokeHook = Callable[[str, dict[str, Any], Mapping[str, Any], dict[str, Any]], dict[str, Any]]


class RecordingMocks(pulumi.runtime.Mocks):
    """Realistic computed outputs and invoke answers; see the module docstring."""

    def __init__(self, invoke_hook: InvokeHook | None = None) -> None:
        self.provider_regions: dict[str, str] = {}
        self.provider_accounts: dict[str, str] = {}
        self.provider_projects: dict[str, str] = {}
        self.provider_inputs: dict[str, dict[str, Any]] = {}
        self.invokes: list[tuple[str, dict[str, Any]]] = []
        self.invoke_hook = invoke_hook

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        """The id and state the provider would return: inputs plus the computed outputs
        of the type's row in `offline.mock_outputs` (ids, ARNs, endpoints in real shapes)."""
        inputs = dict(args.inputs)
        if args.typ.startswith("pulumi:providers:"):
            return f"{args.name}-provider-id", inputs
        context = mock_outputs.Context(
            type=args.typ,
            logical=args.name,
            inputs={key: rpc.unwrap_rpc_secret(value) for key, value in inputs.items()},
            region=self._region_of(args.provider),
            account=self._account_of(args.provider),
            project=self._project_of(args.provider),
        )
        rid, outputs = mock_outputs.outputs_for(context)
        return rid, {**inputs, **outputs, "id": rid}

    def _project_of(self, provider_ref: str | None) -> str:
        if not provider_ref:
            return mock_outputs.GCP_DEFAULT_PROJECT
        return self.provider_projects.get(
            self._provider_urn(provider_ref), mock_outputs.GCP_DEFAULT_PROJECT
        )

    @staticmethod
    def _provider_urn(provider_ref: str) -> str:
        urn = provider_ref.split("::")
        return "::".join(urn[:-1]) if len(urn) > 1 else provider_ref

    def _account_of(self, provider_ref: str | None) -> str:
        """The account an AWS provider's credentials reach: the one its allowedAccountIds
        names (a real provider refuses credentials of any other), else the mock's."""
        if not provider_ref:
            return ACCOUNT_ID
        return self.provider_accounts.get(self._provider_urn(provider_ref), ACCOUNT_ID)

    def _region_of(self, provider_ref: str | None) -> str:
        if not provider_ref:
            return DEFAULT_REGION
        return self.provider_regions.get(self._provider_urn(provider_ref), DEFAULT_REGION)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        token, params = args.token, dict(args.args)
        self.invokes.append((token, params))
        answer = self._answer(
            token, params, self._region_of(args.provider), self._account_of(args.provider)
        )
        if self.invoke_hook is None:
            return answer
        provider = self.provider_inputs.get(self._provider_urn(args.provider or ""), {})
        return self.invoke_hook(token, params, provider, answer)

    def _answer(
        self, token: str, params: dict[str, Any], region: str, account: str
    ) -> dict[str, Any]:
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            letters = "abcdef"
            return {
                "names": [f"{region}{c}" for c in letters],
                "zoneIds": [f"use1-az{i + 1}" for i in range(len(letters))],
                "groupNames": [region] * len(letters),
                "id": region,
            }
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": account,
                "arn": f"arn:aws:sts::{account}:assumed-role/deploy/session",
                "userId": "AROAEXAMPLE:session",
                "id": account,
            }
        if token == "aws:index/getRegion:getRegion":
            return {
                "name": region,
                "region": region,
                "id": region,
                "endpoint": f"ec2.{region}.amazonaws.com",
                "description": region,
            }
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        if token == "aws:elb/getServiceAccount:getServiceAccount":
            # The provider's table of Elastic Load Balancing accounts per region (no API
            # call); the same accounts as the ALB guide's access-log bucket policy.
            elb_account = ELB_ACCOUNTS.get(region)
            if elb_account is None:
                raise NotImplementedError(f"no Elastic Load Balancing account for {region}")
            return {"id": elb_account, "arn": f"arn:aws:iam::{elb_account}:root", "region": region}
        if token == "aws:ssm/getParameter:getParameter":
            # The release parameter the deploy workflow writes: a git SHA. pulumi-aws 7
            # always marks `value` secret (whatever the parameter's type); `insecureValue`
            # never is. In the Python SDK one secret property makes the whole invoke
            # result secret, as the real engine does.
            sha = "0f3c2a9e8d7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a"
            return {
                "name": params["name"],
                "value": rpc.wrap_rpc_secret(sha),
                "insecureValue": sha,
                "type": "String",
                "arn": f"arn:aws:ssm:{region}:{account}:parameter{params['name']}",
                "version": 3,
                "id": params["name"],
            }
        if token == "aws:route53/getZone:getZone":
            return {
                "name": params["name"],
                "zoneId": f"Z{_short_hash(params['name'], 13).upper()}",
                "id": f"Z{_short_hash(params['name'], 13).upper()}",
                "privateZone": False,
            }
        if token == "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider":
            url = params.get("url", "https://token.actions.githubusercontent.com")
            host = url.removeprefix("https://")
            return {
                "arn": f"arn:aws:iam::{account}:oidc-provider/{host}",
                "url": host,
                "clientIdLists": ["sts.amazonaws.com"],
                "thumbprintLists": [],
                "id": f"arn:aws:iam::{account}:oidc-provider/{host}",
                "tags": {},
            }
        if token == "aws:chatbot/getSlackWorkspace:getSlackWorkspace":
            # The Slack workspace authorized in AWS Chatbot, by name: its team id (T...).
            name = params["slackTeamName"]
            team_id = "T" + mock_outputs.stable_alnum(f"slack-team::{name}", 10, upper=True)
            return {
                "slackTeamName": name,
                "slackTeamId": team_id,
                "region": params.get("region", region),
                "id": team_id,
            }
        if token == "aws:ecr/getRepository:getRepository":
            # An account repository bootstrap/ created: the same shapes as the resource's
            # row in offline.mock_outputs (ARN, `<account>.dkr.ecr.<region>.amazonaws.com/<name>`).
            name = params["name"]
            return {
                "name": name,
                "arn": f"arn:aws:ecr:{region}:{account}:repository/{name}",
                "registryId": account,
                "repositoryUrl": f"{account}.dkr.ecr.{region}.amazonaws.com/{name}",
                "imageTagMutability": "IMMUTABLE",
                "imageScanningConfigurations": [{"scanOnPush": True}],
                "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": ""}],
                "mostRecentImageTags": [],
                "tags": {},
                "id": name,
            }
        if token == "github:index/getTeam:getTeam":
            slug = params["slug"]
            return {"id": str(int(_short_hash(slug, 6), 16)), "nodeId": f"T_{slug}", "slug": slug,
                    "name": slug, "members": [], "repositories": []}  # fmt: skip
        if token == "github:index/getUser:getUser":
            username = params["username"]
            return {
                "id": str(int(_short_hash(username, 6), 16)),
                "login": username,
                "nodeId": f"U_{username}",
            }
        if token == "vercel:index/getProject:getProject":
            return {"id": mock_outputs.vercel_project_id(params["name"]), "name": params["name"]}
        if token == "aws:iam/getPolicyDocument:getPolicyDocument":
            return {"json": render_policy_document(params), "id": "policy"}
        raise NotImplementedError(f"the recording mock has no answer for invoke {token}")


def render_policy_document(params: Mapping[str, Any]) -> str:
    """Render getPolicyDocument's arguments to IAM JSON as the provider would."""
    statements = []
    for raw in params.get("statements") or []:
        statement: dict[str, Any] = {}
        if raw.get("sid"):
            statement["Sid"] = raw["sid"]
        statement["Effect"] = raw.get("effect", "Allow")
        for src, dst in (
            ("actions", "Action"),
            ("notActions", "NotAction"),
            ("resources", "Resource"),
            ("notResources", "NotResource"),
        ):
            if raw.get(src):
                values = list(raw[src])
                statement[dst] = values[0] if len(values) == 1 else values
        for src, dst in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            if raw.get(src):
                principal: dict[str, Any] = {}
                for p in raw[src]:
                    ids = list(p["identifiers"])
                    principal[p["type"]] = ids[0] if len(ids) == 1 else ids
                statement[dst] = principal
        if raw.get("conditions"):
            condition: dict[str, dict[str, Any]] = {}
            for c in raw["conditions"]:
                values = list(c["values"])
                condition.setdefault(c["test"], {})[c["variable"]] = (
                    values[0] if len(values) == 1 else values
                )
            statement["Condition"] = condition
        statements.append(statement)
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


class RecordingMonitor(MockMonitor):
    """A MockMonitor that also records parent and options of every registration."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recording_mocks = mocks
        self.registrations: list[Registration] = []

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return child_urn(parent, type_, name, pulumi.get_stack(), pulumi.get_project())

    def of_type(self, typ: str) -> list[Registration]:
        """Registrations of one type, ordered by logical name (they arrive concurrently)."""
        return sorted((r for r in self.registrations if r.type == typ), key=lambda r: r.name)

    def named(self, name: str) -> Registration:
        found = [r for r in self.registrations if r.name == name]
        assert len(found) == 1, f"expected one resource named {name}, found {len(found)}"
        return found[0]

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        _ensure_event_loop()
        inputs = rpc.deserialize_properties(request.object)
        resource_id, state = self.recording_mocks.new_resource(
            MockResourceArgs(
                typ=request.type,
                name=request.name,
                inputs=inputs,
                provider=request.provider,
                resource_id=request.importId,
                custom=request.custom or False,
            )
        )
        # The engine marks these outputs secret (e.g. RandomPassword.result); so do we.
        for key in request.additionalSecretOutputs:
            if key in state and not rpc.is_rpc_secret(state[key]):
                state[key] = rpc.wrap_rpc_secret(state[key])
        response_object = _sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, resource_id or "", state)
        if request.type.startswith("pulumi:providers:"):
            self.recording_mocks.provider_inputs[urn] = inputs
            region = rpc.unwrap_rpc_secret(inputs.get("region"))
            if isinstance(region, str):
                self.recording_mocks.provider_regions[urn] = region
            accounts = rpc.unwrap_rpc_secret(inputs.get("allowedAccountIds"))
            if isinstance(accounts, str) and accounts.startswith("["):
                accounts = json.loads(accounts)  # provider inputs reach the engine as JSON text
            if isinstance(accounts, list) and accounts:
                self.recording_mocks.provider_accounts[urn] = str(accounts[0])
            project = rpc.unwrap_rpc_secret(inputs.get("project"))
            if isinstance(project, str):
                self.recording_mocks.provider_projects[urn] = project
        self.registrations.append(
            Registration(
                urn=urn,
                type=request.type,
                name=request.name,
                inputs=inputs,
                custom=bool(request.custom),
                parent=request.parent,
                provider=request.provider,
                protect=request.protect if request.HasField("protect") else None,
                retain_on_delete=(
                    request.retainOnDelete if request.HasField("retainOnDelete") else None
                ),
                delete_before_replace=bool(request.deleteBeforeReplace),
                depends_on=list(request.dependencies),
                aliases=[Alias.of(a) for a in request.aliases],
                ignore_changes=list(request.ignoreChanges),
                additional_secret_outputs=list(request.additionalSecretOutputs),
                property_dependencies={
                    key: list(deps.urns) for key, deps in request.propertyDependencies.items()
                },
                id=resource_id or "",
                outputs=state,
                import_id=request.importId or "",
            )
        )
        return resource_pb2.RegisterResourceResponse(
            urn=urn, id=resource_id or "", object=response_object
        )


# --------------------------------------------------------------------------- inventory
@dataclass
class Inventory:
    """What one run of the program registered and exported."""

    stack: str
    registrations: list[Registration]
    outputs: dict[str, Any]
    secret_outputs: set[str]
    invokes: list[tuple[str, dict[str, Any]]]
    # Operator-set values the stack file leaves unset, stood in for (`stack_config`), and
    # the stack whose config holds them (the copied stack's, for `as_stack` runs).
    stand_ins: list[OperatorValue] = field(default_factory=list)
    config_stack: str = ""

    @classmethod
    def of(cls, *registrations: Registration, invokes: Any = ()) -> Inventory:
        """A hand-made inventory (for the preflight's fixtures)."""
        return cls("test", list(registrations), {}, set(), list(invokes))

    def of_type(self, typ: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == typ]

    def one(self, typ: str) -> Registration:
        found = self.of_type(typ)
        assert len(found) == 1, f"expected one {typ}, found {[r.urn for r in found]}"
        return found[0]

    def by_name(self, name: str) -> Registration:
        found = [r for r in self.registrations if r.name == name]
        assert len(found) == 1, f"expected one resource named {name}, found {len(found)}"
        return found[0]

    def custom(self) -> Iterator[Registration]:
        return (
            r for r in self.registrations if r.custom and not r.type.startswith("pulumi:providers:")
        )


@contextmanager
def _cwd(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def _start(
    stack: str,
    config: dict[str, str],
    secret_keys: list[str],
    project: str = PROJECT,
    invoke_hook: InvokeHook | None = None,
) -> RecordingMonitor:
    mocks = RecordingMocks(invoke_hook)
    monitor = RecordingMonitor(mocks)
    ambient: Any = settings.SETTINGS  # context-var properties that pyright cannot see through
    ambient.rpc_manager.clear()
    ambient.outputs.clear()
    settings.set_root_resource(None)  # type: ignore[arg-type]  # a fresh Stack per run
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(config, secret_keys)
    return monitor


def _as_stored(value: Any) -> Any:
    """A stack output as the engine stores it: enum keys and values (the blueprint's
    `Service`, `QueueRole`) become their text, as serializing them to the engine does."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {_as_stored(k): _as_stored(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_stored(v) for v in value]
    return value


def run_stack(
    stack: str,
    overrides: Mapping[str, Any] | None = None,
    project_dir: Path = ROOT,
    as_stack: str | None = None,
    invoke_hook: InvokeHook | None = None,
) -> Inventory:
    """Run the real entry point with the stack's real config and return what it registered.

    As the language host does: cwd = the project's `main` directory, `runpy.run_path` of it.
    `as_stack` runs another stack name with this stack's config (`pulumi config cp`);
    `invoke_hook` lets a world decide the invoke answers (see `InvokeHook`).
    """
    project = project_file(project_dir)
    main_dir = (project_dir / project.get("main", ".")).resolve()
    config, secret_keys = stack_config(stack, overrides, project_dir)
    stand_ins = missing_operator_values(_merged_config(stack, overrides, project_dir))
    config_stack = stack
    stack = as_stack or stack
    monitor = _start(stack, config, secret_keys, project["name"], invoke_hook)
    outputs: dict[str, Any] = {}
    secret_outputs: set[str] = set()

    async def program() -> None:
        with _cwd(main_dir):
            # Absolute, not ".": the import system caches finders per path entry, and
            # one test process runs programs from more than one directory.
            runpy.run_path(str(main_dir), run_name="__main__")
        root = settings.get_root_resource()
        exported: dict[str, Any] = getattr(root, "outputs", {})
        for key, value in exported.items():
            out = pulumi.Output.from_input(value)
            outputs[key] = _as_stored(await out.future(with_unknowns=True))
            if await out.is_secret():
                secret_outputs.add(key)

    _sync_await(run_pulumi_func(program))
    return Inventory(
        stack=stack,
        registrations=monitor.registrations,
        outputs=outputs,
        secret_outputs=secret_outputs,
        invokes=monitor.recording_mocks.invokes,
        stand_ins=stand_ins,
        config_stack=config_stack,
    )


@contextmanager
def component_harness(stack: str = "test") -> Iterator[RecordingMonitor]:
    """Mocks for a component test; the recorded registrations are on the monitor."""
    monitor = _start(stack, {}, [])
    yield monitor


def build(program: Callable[[], object]) -> RecordingMonitor:
    """Run `program` (which builds components and may return an Output to await) as a
    `@pulumi.runtime.test`, wait for every registration, and return the recording."""
    with component_harness() as monitor:
        pulumi.runtime.test(program)()
    return monitor

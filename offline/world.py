"""What a stack's first `up` meets outside itself: which objects it reads, who creates them.

A stack reads objects it does not create: by lookup (`vercel.get_project`,
`aws.route53.get_zone`, ...) and by naming them in its resources' inputs (the
GitHub repository its environments live in, the Google Cloud project of its
provider). On a first deploy from empty accounts each of those must have been
created before: by `bootstrap/`, by a stack deployed earlier, or by a person
(a *prerequisite*, with the exact command). Three tables say how:

- `KINDS`: each kind of object, how to name it (`ObjectKey`), which resource types
  create one (and how their inputs give its key and their outputs the lookup's
  answer), and the prerequisite command when a person may create it instead;
- `LOOKUPS`: per invoke token, `FACT` (caller identity, region, zones, partition,
  policy documents exist in every account) or how the invoke's arguments and its
  provider give the key of the object it reads;
- `REFERENCES`: per resource type, the objects its inputs name.

Keys live in the object's real namespace: AWS objects per account (and region where
they are regional), GitHub objects per organization, Vercel projects per team, GCP
projects globally. A lookup token or kind missing from the tables is reported by
the first-deploy check, never guessed.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from offline.engine import DEFAULT_REGION, Inventory, Registration


@dataclass(frozen=True)
class Scope:
    """Where a lookup runs or a resource lives: the deployment's AWS account and the
    inputs of the provider it uses (`region` for aws, `owner` for github, `team` for
    vercel, `project` for gcp)."""

    account: str
    provider: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: str = "") -> str:
        value = self.provider.get(key)
        return str(value) if isinstance(value, (str, int)) and value != "" else default

    @property
    def region(self) -> str:
        return self.get("region", DEFAULT_REGION)


@dataclass(frozen=True, order=True)
class ObjectKey:
    """One object in the world: its kind, the namespace it lives in, its name."""

    kind: str
    scope: str
    name: str

    def describe(self) -> str:
        return KINDS[self.kind].noun.format(scope=self.scope, name=self.name)


@dataclass(frozen=True)
class Creator:
    """A resource type that creates objects of a kind.

    `key` gives the object's (scope, name) from the registration and its scope;
    `answer` maps fields of the lookup's result to the creator's outputs ("id": its id).
    """

    key: Callable[[Registration, Scope], tuple[str, str] | None]
    answer: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Prerequisite:
    """An object a person creates once, by hand, before the stack's first `up`."""

    key: ObjectKey
    commands: tuple[str, ...]  # exact shell commands, in order
    note: str  # what the commands cannot do, or what to check afterwards
    source: str  # where the commands are documented


# (key, the inventory of the deployment that needs it, the inventories of the deployments
# before it) -> (commands, note), or None when nobody can create it in time
PrerequisiteSteps = Callable[
    [ObjectKey, Inventory, Sequence[Inventory]], tuple[tuple[str, ...], str] | None
]


@dataclass(frozen=True)
class Kind:
    """A kind of object a stack may read without creating it."""

    noun: str  # format string over {scope} and {name}
    creators: Mapping[str, Creator] = field(default_factory=dict)
    prerequisite: PrerequisiteSteps | None = None  # None: a deployment must create it
    source: str = ""

    def prerequisite_for(
        self, key: ObjectKey, inventory: Inventory, before: Sequence[Inventory] = ()
    ) -> Prerequisite | None:
        steps = None if self.prerequisite is None else self.prerequisite(key, inventory, before)
        if steps is None:
            return None
        commands, note = steps
        return Prerequisite(key, commands, note, self.source)


# ------------------------------------------------------------------ prerequisite steps
def _github_organization(
    key: ObjectKey, _: Inventory, __: Sequence[Inventory]
) -> tuple[tuple[str, ...], str]:
    return (), (
        f"create the organization '{key.name}' at https://github.com/account/organizations/new "
        "(GitHub has no API that creates an organization on github.com)"
    )


def _github_repository(
    key: ObjectKey, _: Inventory, __: Sequence[Inventory]
) -> tuple[tuple[str, ...], str]:
    return (f"gh repo create {key.scope}/{key.name} --private",), ""


def _environment_repositories(owner: str, inventory: Inventory) -> list[str]:
    return sorted(
        {
            f"{owner}/{r.input('repository')}"
            for r in inventory.of_type("github:index/repositoryEnvironment:RepositoryEnvironment")
            if isinstance(r.input("repository"), str)
        }
    )


def _github_team(
    key: ObjectKey, inventory: Inventory, _: Sequence[Inventory]
) -> tuple[tuple[str, ...], str]:
    org, slug = key.scope, key.name
    commands = [f"gh api -X POST orgs/{org}/teams -f name={slug} -f privacy=closed"]
    commands += [
        f"gh api -X PUT orgs/{org}/teams/{slug}/repos/{repo} -f permission=pull"
        for repo in _environment_repositories(org, inventory)
    ]
    return tuple(commands), (
        "add the team's members; an environment's reviewers need at least read access "
        "to its repository"
    )


def _github_user(
    key: ObjectKey, inventory: Inventory, _: Sequence[Inventory]
) -> tuple[tuple[str, ...], str]:
    org, login = key.scope, key.name
    commands = [f"gh api -X PUT orgs/{org}/memberships/{login} -f role=member"]
    commands += [
        f"gh api -X PUT repos/{repo}/collaborators/{login} -f permission=pull"
        for repo in _environment_repositories(org, inventory)
    ]
    return tuple(commands), f"'{login}' must have a GitHub account and accept the invitation"


def _vercel_team(
    key: ObjectKey, _: Inventory, __: Sequence[Inventory]
) -> tuple[tuple[str, ...], str]:
    return (
        "curl --fail -X POST https://api.vercel.com/v1/teams "
        '-H "Authorization: Bearer $VERCEL_API_TOKEN" -H "Content-Type: application/json" '
        f'-d \'{{"slug": "{key.name}"}}\'',
    ), "or create it in the Vercel dashboard; the token's owner becomes the team's owner"


def _vercel_github_app(
    key: ObjectKey, _: Inventory, __: Sequence[Inventory]
) -> tuple[tuple[str, ...], str]:
    return (), (
        f"install the Vercel GitHub App on {key.scope}/{key.name} "
        "(https://github.com/apps/vercel/installations/new) so the project can connect to it"
    )


def _gcp_project(
    key: ObjectKey, _: Inventory, __: Sequence[Inventory]
) -> tuple[tuple[str, ...], str]:
    return (
        f"gcloud projects create {key.name}",
        f"gcloud billing projects link {key.name} --billing-account=<BILLING_ACCOUNT_ID>",
    ), "<BILLING_ACCOUNT_ID>: one of `gcloud billing accounts list` (GKE needs billing)"


def _route53_zone(
    key: ObjectKey, _: Inventory, __: Sequence[Inventory]
) -> tuple[tuple[str, ...], str]:
    zone = key.name
    parent = zone.split(".", 1)[1] if zone.count(".") >= 2 else None
    where = (
        f"add an NS record {zone} in its parent zone {parent} (in the account that holds it)"
        if parent
        else f"point {zone}'s NS records at the registrar"
    )
    return (
        f'aws route53 create-hosted-zone --name {zone} --caller-reference "{zone}-$(date +%s)"',
    ), (
        f"then {where} with the zone's DelegationSet name servers (printed by the command); "
        "ACM's DNS validation waits for them"
    )


def _ssm_parameter(
    key: ObjectKey, _: Inventory, __: Sequence[Inventory]
) -> tuple[tuple[str, ...], str]:
    region = key.scope.split("/")[-1]
    return (
        f"aws ssm put-parameter --region {region} --name {key.name} --type String "
        "--value <GIT_SHA>",
    ), (
        "<GIT_SHA>: the tag of the api image the migration task runs (the serving tag at "
        "first); the deploy workflow overwrites it"
        if key.name.endswith("/migration-tag")
        else "<GIT_SHA>: the tag of the images the services run; the deploy workflow overwrites it"
    )


def _slack_workspace(
    key: ObjectKey, _: Inventory, __: Sequence[Inventory]
) -> tuple[tuple[str, ...], str]:
    return (), (
        f"in the AWS Chatbot console (https://console.aws.amazon.com/chatbot/, now 'Amazon Q "
        f"Developer in chat applications') of account {key.scope}: Configure new client, "
        f"Slack, and allow access to workspace '{key.name}' (OAuth; there is no API for it); "
        "then invite the AWS app to each private alert channel"
    )


def _cost_allocation_tags(
    key: ObjectKey, _: Inventory, __: Sequence[Inventory]
) -> tuple[tuple[str, ...], str]:
    entries = " ".join(f"TagKey={k},Status=Active" for k in key.name.split(", "))
    return (
        f"aws ce update-cost-allocation-tags-status --cost-allocation-tags-status {entries}",
    ), (
        "a key is listed for activation once a resource carries it (bootstrap's do; allow up "
        "to 24 hours); in an organization only the management account activates them; until "
        "they are active the budget's tag filter matches no cost"
    )


def _operator_value(
    key: ObjectKey, inventory: Inventory, _: Sequence[Inventory]
) -> tuple[tuple[str, ...], str]:
    value = next(v for v in inventory.stand_ins if v.key == key.name)
    secret = "a secret: " if value.secret else ""
    return (value.command(key.scope),), f"{secret}{value.what}"


# The application workflow of examples/application-release.yml, as the publishing
# repository installs it.
RELEASE_WORKFLOW = "release.yml"


def _role_policies(role: Registration, inventory: Inventory) -> list[Registration]:
    names = {role.name, role.id, str(role.input("name"))}
    return [
        p for p in inventory.of_type("aws:iam/rolePolicy:RolePolicy") if p.input("role") in names
    ]


def _trusted_subject(role: Registration) -> str:
    document = json.loads(str(role.input("assumeRolePolicy") or "{}"))
    for statement in document.get("Statement") or []:
        for condition in (statement.get("Condition") or {}).values():
            subject = condition.get("token.actions.githubusercontent.com:sub")
            if isinstance(subject, str):
                return subject
    return ""


def publishers(repository_arn: str, before: Sequence[Inventory]) -> list[tuple[str, str]]:
    """(role name, the GitHub subject it trusts) of every role an earlier deployment
    created whose policies let it push (`ecr:PutImage`) to `repository_arn`."""
    from offline.preflight.iam import Grants, Statement  # noqa: PLC0415 - offline tooling

    found = []
    for inventory in before:
        for role in inventory.of_type("aws:iam/role:Role"):
            statements = tuple(
                s
                for p in _role_policies(role, inventory)
                for s in Statement.parse(json.loads(str(p.input("policy"))), p.name)
            )
            if Grants(statements, None).allows("ecr:PutImage", repository_arn, {}) is None:
                found.append((str(role.input("name") or role.name), _trusted_subject(role)))
    return found


def replication_sources(
    account: str, region: str, repository: str, before: Sequence[Inventory]
) -> list[str]:
    """The accounts whose registry an earlier deployment set to replicate `repository`
    into `account`'s registry in `region` (ECR private replication, prefix filters)."""
    found = []
    for inventory in before:
        for config in inventory.of_type(
            "aws:ecr/replicationConfiguration:ReplicationConfiguration"
        ):
            for rule in (config.input("replicationConfiguration") or {}).get("rules") or []:
                lands = any(
                    str(d.get("registryId")) == account and d.get("region") == region
                    for d in rule.get("destinations") or []
                )
                filters = rule.get("repositoryFilters") or []
                matches = not filters or any(
                    repository.startswith(str(f.get("filter"))) for f in filters
                )
                if lands and matches:
                    found += [
                        r.outputs["arn"].split(":")[4]
                        for r in inventory.of_type("aws:ecr/repository:Repository")
                        if r.input("name") == repository
                    ]
    return found


def _ecr_image(
    key: ObjectKey, inventory: Inventory, before: Sequence[Inventory]
) -> tuple[tuple[str, ...], str] | None:
    account, region = key.scope.split("/")
    repository, _tag = key.name.rsplit(":", 1)
    for source in replication_sources(account, region, repository, before):
        # Pushed to the source account's repository, copied here by ECR replication.
        pushed = _ecr_image(ObjectKey(key.kind, f"{source}/{region}", key.name), inventory, before)
        if pushed is not None:
            commands, how = pushed
            return commands, (
                f"{how}; ECR replicates it from account {source} to this account "
                "(bootstrap/image_registry.py: a push made after replication is configured)"
            )
    arn = f"arn:aws:ecr:{region}:{account}:repository/{repository}"
    for role, subject in publishers(arn, before):
        match = re.fullmatch(r"repo:([^/]+/[^:]+):environment:(.+)", subject)
        if match is None:
            continue
        repo, environment = match.groups()
        return (
            f'gh variable set AWS_PUBLISH_ROLE_ARN --repo {repo} --body "arn:aws:iam::'
            f'<ACCOUNT_ID>:role/{role}"',
            f"gh workflow run {RELEASE_WORKFLOW} --repo {repo} --ref main",
        ), (
            f"{repo}'s {RELEASE_WORKFLOW} (examples/application-release.yml) pushes "
            f"{repository}:<GIT_SHA> (the head of main) through {role}, which jobs in its "
            f"environment {environment} assume; <ACCOUNT_ID>: {account}; <GIT_SHA> is the "
            "release parameter's value. Check: aws ecr describe-images --repository-name "
            f"{repository} --image-ids imageTag=<GIT_SHA>"
        )
    return None


# ------------------------------------------------------------------ creators
def _host(url: Any) -> str:
    return str(url or "").removeprefix("https://").rstrip("/")


def _owner_and_name(value: Any) -> tuple[str, str] | None:
    owner, _, name = str(value or "").partition("/")
    return (owner, name) if owner and name else None


def _github_slug(name: str) -> str:
    """GitHub derives a team's slug from its name: lower case, runs of other characters -> '-'."""
    return re.sub(r"[^a-z0-9_]+", "-", name.lower()).strip("-")


def _named(input_key: str, scope: Callable[[Scope], str]) -> Callable[..., tuple[str, str] | None]:
    def key(r: Registration, where: Scope) -> tuple[str, str] | None:
        value = r.input(input_key)
        return (scope(where), str(value).rstrip(".")) if isinstance(value, str) else None

    return key


def _created(
    input_key: str, scope: Callable[[Scope], str]
) -> Callable[..., tuple[str, str] | None]:
    """Like `_named`, for a registration that creates the object: an adopted one (the
    `import` option) names an object that must already exist."""
    named = _named(input_key, scope)
    return lambda r, where: None if r.import_id else named(r, where)


def _account(where: Scope) -> str:
    return where.account


def _account_region(where: Scope) -> str:
    return f"{where.account}/{where.region}"


AWS_CLI = "AWS CLI reference (docs.aws.amazon.com/cli/latest/reference/{}.html)"

KINDS: dict[str, Kind] = {
    "aws-oidc-provider": Kind(
        "IAM OIDC provider {name} in account {scope}",
        {
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider": Creator(
                lambda r, w: (w.account, _host(r.input("url"))), {"arn": "arn", "id": "arn"}
            )
        },
    ),
    "aws-ssm-parameter": Kind(
        "SSM parameter {name} in {scope}",
        {
            "aws:ssm/parameter:Parameter": Creator(
                _named("name", _account_region), {"value": "value", "arn": "arn"}
            )
        },
        _ssm_parameter,
        AWS_CLI.format("ssm/put-parameter"),
    ),
    "aws-ecr-repository": Kind(
        "ECR repository {name} in {scope}",
        {
            "aws:ecr/repository:Repository": Creator(
                _named("name", _account_region),
                {"arn": "arn", "repositoryUrl": "repositoryUrl", "registryId": "registryId"},
            )
        },
    ),
    # An image is pushed, never created by a deployment: a prerequisite that a role an
    # earlier deployment created (bootstrap's publisher) may push, or nothing.
    "aws-ecr-image": Kind(
        "ECR image {name} in {scope}",
        prerequisite=_ecr_image,
        source="bootstrap/image_registry.py; examples/application-release.yml; "
        "docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html",
    ),
    "aws-route53-zone": Kind(
        "Route 53 hosted zone {name} in account {scope}",
        {
            "aws:route53/zone:Zone": Creator(
                _named("name", _account), {"zoneId": "zoneId", "id": "zoneId"}
            )
        },
        _route53_zone,
        AWS_CLI.format("route53/create-hosted-zone"),
    ),
    "aws-s3-bucket": Kind(
        "S3 bucket {name} in account {scope}",
        {"aws:s3/bucket:Bucket": Creator(_named("bucket", _account), {"arn": "arn", "id": "id"})},
    ),
    "aws-kms-alias": Kind(
        "KMS alias {name} in {scope}",
        {
            "aws:kms/alias:Alias": Creator(
                _named("name", _account_region), {"arn": "arn", "targetKeyId": "targetKeyId"}
            )
        },
    ),
    "chatbot-slack-workspace": Kind(
        "Slack workspace {name} authorized in AWS Chatbot (account {scope})",
        prerequisite=_slack_workspace,
        source="docs.aws.amazon.com/chatbot/latest/adminguide/slack-setup.html",
    ),
    "cost-allocation-tags": Kind(
        "cost allocation tags {name} active in account {scope}",
        prerequisite=_cost_allocation_tags,
        source=AWS_CLI.format("ce/update-cost-allocation-tags-status")
        + "; AWS Billing User Guide, Activating user-defined cost allocation tags",
    ),
    "operator-value": Kind(
        "stack config {name} of stack {scope}",
        prerequisite=_operator_value,
        source="infra/config/operations.py (operator_values); pulumi config set --path",
    ),
    "github-organization": Kind(
        "GitHub organization {name}",
        prerequisite=_github_organization,
        source="docs.github.com: Creating a new organization from scratch",
    ),
    "github-repository": Kind(
        "GitHub repository {scope}/{name}",
        {
            "github:index/repository:Repository": Creator(
                _created("name", lambda w: w.get("owner")), {"id": "id", "nodeId": "nodeId"}
            )
        },
        _github_repository,
        "cli.github.com/manual/gh_repo_create",
    ),
    "github-team": Kind(
        "GitHub team {scope}/{name}",
        {
            "github:index/team:Team": Creator(
                lambda r, w: (w.get("owner"), _github_slug(str(r.input("name") or ""))),
                {"id": "id", "nodeId": "nodeId"},
            )
        },
        _github_team,
        "docs.github.com/rest/teams/teams (Create a team; Add or update team repository "
        "permissions); reviewers need read access: "
        "docs.github.com/actions/reference/deployments-and-environments",
    ),
    "github-user": Kind(
        "GitHub user {name} in organization {scope}",
        prerequisite=_github_user,
        source="docs.github.com/rest/orgs/members (Set organization membership for a user)",
    ),
    "vercel-team": Kind(
        "Vercel team {name}",
        prerequisite=_vercel_team,
        source="vercel.com/docs/rest-api/teams/create-a-team",
    ),
    "vercel-project": Kind(
        "Vercel project {scope}/{name}",
        {
            "vercel:index/project:Project": Creator(
                lambda r, w: (str(r.input("teamId") or w.get("team")), str(r.input("name"))),
                {"id": "id"},
            )
        },
    ),
    "vercel-github-app": Kind(
        "Vercel GitHub App on {scope}/{name}",
        prerequisite=_vercel_github_app,
        source="vercel.com/docs/git/vercel-for-github",
    ),
    "gcp-project": Kind(
        "Google Cloud project {name}",
        {
            "gcp:organizations/project:Project": Creator(
                _named("projectId", lambda _: ""), {"projectId": "projectId", "number": "number"}
            )
        },
        _gcp_project,
        "cloud.google.com/sdk/gcloud/reference/projects/create, "
        "cloud.google.com/sdk/gcloud/reference/billing/projects/link",
    ),
}


# ------------------------------------------------------------------ lookups
# An invoke token -> FACT (exists in every account), or a function of the invoke's
# arguments and scope giving the key of the object it reads.
LookupKey = Callable[[Mapping[str, Any], Scope], ObjectKey]
FACT = None


def _oidc_lookup(args: Mapping[str, Any], where: Scope) -> ObjectKey:
    url = args.get("url") or str(args.get("arn", "")).partition("oidc-provider/")[2]
    return ObjectKey("aws-oidc-provider", where.account, _host(url))


LOOKUPS: dict[str, LookupKey | None] = {
    "aws:chatbot/getSlackWorkspace:getSlackWorkspace": lambda a, w: ObjectKey(
        "chatbot-slack-workspace", w.account, str(a.get("slackTeamName"))
    ),
    "aws:index/getCallerIdentity:getCallerIdentity": FACT,
    "aws:index/getRegion:getRegion": FACT,
    "aws:index/getAvailabilityZones:getAvailabilityZones": FACT,
    "aws:index/getPartition:getPartition": FACT,
    "aws:iam/getPolicyDocument:getPolicyDocument": FACT,  # rendered locally, reads nothing
    # The Elastic Load Balancing account of the region: the provider's table, in every account.
    "aws:elb/getServiceAccount:getServiceAccount": FACT,
    "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": _oidc_lookup,
    "aws:ssm/getParameter:getParameter": lambda a, w: ObjectKey(
        "aws-ssm-parameter", _account_region(w), str(a.get("name"))
    ),
    "aws:ecr/getRepository:getRepository": lambda a, w: ObjectKey(
        "aws-ecr-repository", _account_region(w), str(a.get("name"))
    ),
    "aws:route53/getZone:getZone": lambda a, w: ObjectKey(
        "aws-route53-zone", w.account, str(a.get("name") or f"id {a.get('zoneId')}").rstrip(".")
    ),
    "aws:s3/getBucket:getBucket": lambda a, w: ObjectKey(
        "aws-s3-bucket", w.account, str(a.get("bucket"))
    ),
    "aws:kms/getAlias:getAlias": lambda a, w: ObjectKey(
        "aws-kms-alias", _account_region(w), str(a.get("name"))
    ),
    "github:index/getTeam:getTeam": lambda a, w: ObjectKey(
        "github-team", w.get("owner"), str(a.get("slug"))
    ),
    "github:index/getUser:getUser": lambda a, w: ObjectKey(
        "github-user", w.get("owner"), str(a.get("username"))
    ),
    "github:index/getRepository:getRepository": lambda a, w: ObjectKey(
        "github-repository",
        *(_owner_and_name(a.get("fullName")) or (w.get("owner"), str(a.get("name")))),
    ),
    "vercel:index/getProject:getProject": lambda a, w: ObjectKey(
        "vercel-project", str(a.get("teamId") or w.get("team")), str(a.get("name"))
    ),
    "gcp:organizations/getProject:getProject": lambda a, w: ObjectKey(
        "gcp-project", "", str(a.get("projectId") or w.get("project"))
    ),
}


# ------------------------------------------------------------------ references
# A resource-type pattern -> the keys of the objects a registration's inputs name.
ReferenceKeys = Callable[[Registration, Scope], list[ObjectKey]]


def _vercel_git_repository(r: Registration, _: Scope) -> list[ObjectKey]:
    repo = _owner_and_name((r.input("gitRepository") or {}).get("repo"))
    if repo is None:
        return []
    return [ObjectKey("github-repository", *repo), ObjectKey("vercel-github-app", *repo)]


def _provider_input(kind: str, input_key: str) -> ReferenceKeys:
    def keys(r: Registration, _: Scope) -> list[ObjectKey]:
        value = r.input(input_key)
        return [ObjectKey(kind, "", str(value))] if isinstance(value, str) and value else []

    return keys


_ECR_IMAGE = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([^:@]+):(.+)$")


def _task_images(r: Registration, _: Scope) -> list[ObjectKey]:
    """The ECR images a task definition's containers run (pulled when a task starts)."""
    try:
        containers = json.loads(str(r.input("containerDefinitions") or "[]"))
    except json.JSONDecodeError:
        return []
    keys = []
    for container in containers:
        match = _ECR_IMAGE.match(str(container.get("image", "")))
        if match:
            account, region, repository, tag = match.groups()
            keys.append(ObjectKey("aws-ecr-image", f"{account}/{region}", f"{repository}:{tag}"))
    return keys


def _github_repository_input(r: Registration, where: Scope) -> list[ObjectKey]:
    if r.type == "github:index/repository:Repository":
        # Adopted (import): it names the repository it adopts.
        return (
            [ObjectKey("github-repository", where.get("owner"), str(r.input("name")))]
            if r.import_id
            else []
        )
    repository = r.input("repository")
    if not isinstance(repository, str) or not repository:
        return []
    return [
        ObjectKey(
            "github-repository", *(_owner_and_name(repository) or (where.get("owner"), repository))
        )
    ]


def _budget_tags(r: Registration, where: Scope) -> list[ObjectKey]:
    """The tag keys a budget's filter expression names: cost allocation tags to activate."""
    expression = r.input("filterExpression") or {}
    nodes = [expression, *(expression.get("ands") or []), *(expression.get("ors") or [])]
    keys = [
        n["tags"]["key"] for n in nodes if isinstance(n.get("tags"), dict) and "key" in n["tags"]
    ]
    return [ObjectKey("cost-allocation-tags", where.account, ", ".join(keys))] if keys else []


REFERENCES: dict[str, ReferenceKeys] = {
    "aws:budgets/budget:Budget": _budget_tags,
    "pulumi:providers:github": _provider_input("github-organization", "owner"),
    "pulumi:providers:vercel": _provider_input("vercel-team", "team"),
    "pulumi:providers:gcp": _provider_input("gcp-project", "project"),
    "github:*": _github_repository_input,
    "vercel:index/project:Project": _vercel_git_repository,
    "aws:ecs/taskDefinition:TaskDefinition": _task_images,
}


# ------------------------------------------------------------------ over an inventory
def scope_of(r: Registration, inventory: Inventory, account: str) -> Scope:
    """The scope of a registration: its provider's inputs (a provider is its own)."""
    if r.type.startswith("pulumi:providers:"):
        return Scope(account, r.inputs)
    urn = r.provider.rsplit("::", 1)[0] if r.provider else ""
    provider = next((p for p in inventory.registrations if p.urn == urn), None)
    return Scope(account, provider.inputs if provider else {})


def created(inventory: Inventory, account: str) -> Iterator[tuple[ObjectKey, Registration]]:
    """The objects of a kind in `KINDS` that the inventory's resources create."""
    for r in inventory.registrations:
        for kind_name, kind in KINDS.items():
            creator = kind.creators.get(r.type)
            if creator is None:
                continue
            where = creator.key(r, scope_of(r, inventory, account))
            if where is not None and where[1]:
                yield ObjectKey(kind_name, *where), r


def referenced(inventory: Inventory, account: str) -> Iterator[tuple[ObjectKey, Registration]]:
    """The objects the inventory's resources name in their inputs (`REFERENCES`)."""
    for r in inventory.registrations:
        for pattern, keys in REFERENCES.items():
            if fnmatch.fnmatchcase(r.type, pattern):
                for key in keys(r, scope_of(r, inventory, account)):
                    yield key, r


def answer_from(key: ObjectKey, creator: Registration, default: dict[str, Any]) -> dict[str, Any]:
    """The lookup's answer as the real provider would read it from the creator."""
    answer = dict(default)
    for field_name, output in KINDS[key.kind].creators[creator.type].answer.items():
        value = creator.id if output == "id" else creator.outputs.get(output)
        if value not in (None, ""):
            answer[field_name] = value
    return answer

"""Which config keys a stack file may hold: every other key is a mistake, named with the fix.

A stack's config is a flat map of `namespace:key`. The program reads the `aevon:`
keys (validated by `StackConfig`, which refuses unknown ones), `aws:region`,
`aws:allowedAccountIds`, and the `pulumi:` keys below. Everything else is refused:

- a namespace no package of the program has (`aevonn:network`): a typo;
- a key its provider does not have (`aws:regoin`): a typo, with the closest known
  key (the providers' keys are read from the installed SDKs' `config/vars.py`);
- a real provider key this program does not read (`aws:profile`): `infra/providers.py`
  creates explicit providers and passes them only what config validates, so the
  provider never sees it and the setting would silently do nothing;
- a credential (`github:token`, `vercel:apiToken`, `aws:secretKey`, `gcp:credentials`,
  ...) written in plaintext: the stack file is committed. The providers take their
  credentials from the job (OIDC roles, `GITHUB_TOKEN`, `VERCEL_API_TOKEN`), never
  from config, so an encrypted one is refused too, as unread;
- a value in plaintext that has the shape of a credential (a GitHub token, an AWS
  access key id, a PEM private key), whatever its key.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import re
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from infra.config._base import FOREIGN_KEYS, PROJECT_NAMESPACE
from infra.config.operations import ERROR_TRACKING_DSN_KEY, PAGER_URLS_KEY

# Provider namespace -> the installed SDK package whose `config/vars.py` lists its keys.
PROVIDER_PACKAGES = {
    "aws": "pulumi_aws",
    "gcp": "pulumi_gcp",
    "github": "pulumi_github",
    "vercel": "pulumiverse_vercel",
    "random": "pulumi_random",
}
# The `pulumi:` keys the CLI knows (Pulumi docs: "Configuration", "Disabling default
# providers", "Stack tags", "Autonaming"), and the ones this program accepts.
PULUMI_KEYS = frozenset({"disable-default-providers", "tags", "autonaming"})
PULUMI_ACCEPTED = frozenset({"pulumi:disable-default-providers", "pulumi:tags"})
# Credentials of the providers (their SDKs' config docs: "secret" values) and where this
# program's jobs get them instead.
CREDENTIALS = {
    "aws:accessKey": "the AWS role the job assumes through GitHub OIDC",
    "aws:secretKey": "the AWS role the job assumes through GitHub OIDC",
    "aws:token": "the AWS role the job assumes through GitHub OIDC",
    "gcp:credentials": "workload identity federation (google-github-actions/auth)",
    "gcp:accessToken": "workload identity federation (google-github-actions/auth)",
    "github:token": "GITHUB_TOKEN, an App installation token minted in the job",
    "github:appAuth": "GITHUB_TOKEN, an App installation token minted in the job",
    "vercel:apiToken": "VERCEL_API_TOKEN, a secret of the job's GitHub environment",
}
# Keys holding secrets the program itself reads: set only with `--secret`; the maps
# among them take one secret per name (`--path KEY.NAME`).
SECRET_MAPS = frozenset({f"{PROJECT_NAMESPACE}:thirdPartyTokens", PAGER_URLS_KEY})
SECRET_KEYS = frozenset({*SECRET_MAPS, ERROR_TRACKING_DSN_KEY})
# Documented credential formats: GitHub token prefixes (GitHub Docs, "About authentication
# to GitHub": ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), AWS access key ids (IAM User
# Guide, "Unique identifiers": AKIA long-term, ASIA temporary), PEM private keys.
CREDENTIAL_SHAPES = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|(?:AKIA|ASIA)[A-Z0-9]{16})\b"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)
_SDK_KEY = re.compile(r"__config__\.get\w*\('([A-Za-z0-9_]+)'\)")


@functools.cache
def provider_keys(namespace: str) -> frozenset[str]:
    """The config keys the installed SDK of a provider namespace reads (`aws` -> region, ...)."""
    package = PROVIDER_PACKAGES.get(namespace)
    spec = importlib.util.find_spec(package) if package else None
    if spec is None or spec.origin is None:
        return frozenset()
    source = Path(spec.origin).parent / "config" / "vars.py"
    if not source.is_file():
        return frozenset()
    return frozenset(_SDK_KEY.findall(source.read_text(encoding="utf-8")))


def _known(namespace: str) -> list[str]:
    if namespace == "pulumi":
        return [f"pulumi:{k}" for k in sorted(PULUMI_KEYS)]
    return [f"{namespace}:{k}" for k in sorted(provider_keys(namespace))]


def _closest(key: str, candidates: Iterable[str]) -> str:
    found = difflib.get_close_matches(key, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {found[0]}?" if found else ""


def _reads() -> str:
    return ", ".join(sorted(FOREIGN_KEYS))


def _plaintext_values(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _plaintext_values(v)
    elif isinstance(value, list):
        for v in value:
            yield from _plaintext_values(v)


def key_problems(
    raw: Mapping[str, Any],
    secret_keys: Collection[str] | None,
    project_keys: Collection[str],
    decode: Any = lambda v: v,
) -> list[str]:
    """One line per key the program would not read as the author meant, naming the key
    and what to do; `project_keys` are the `aevon:` keys StackConfig knows (it reports
    unknown ones itself). `secret_keys` None: secrecy unknown, not checked."""
    namespaces = {PROJECT_NAMESPACE, "pulumi", *PROVIDER_PACKAGES}
    every_key = [*project_keys, *FOREIGN_KEYS, *PULUMI_ACCEPTED]
    problems: list[str] = []
    for key in sorted(raw):
        value = raw[key]
        namespace, _, name = key.partition(":")
        secret = secret_keys is not None and key in secret_keys
        if key in CREDENTIALS:
            if secret_keys is not None and not secret:
                problems.append(
                    f"{key}: a credential in plaintext in the committed stack file: rotate it "
                    f"and `pulumi config rm {key}` (`pulumi config set --secret` would encrypt "
                    "it, but this program's providers never read credentials from config: "
                    f"they use {CREDENTIALS[key]})"
                )
            else:
                problems.append(
                    f"{key}: this program's providers never read credentials from config "
                    f"(infra/providers.py); they use {CREDENTIALS[key]}; `pulumi config rm {key}`"
                )
            continue
        if key in SECRET_KEYS and secret_keys is not None and not secret:
            if decode(value) not in (None, "", {}):
                how = f"--path {key}.NAME <value>`" if key in SECRET_MAPS else f"{key} <value>`"
                problems.append(
                    f"{key}: is set in plaintext; set it with `pulumi config set --secret {how}"
                )
            continue
        if not secret and any(CREDENTIAL_SHAPES.search(v) for v in _plaintext_values(value)):
            problems.append(
                f"{key}: holds a value shaped like a credential (a GitHub token, an AWS access "
                "key id or a private key) in plaintext in the committed stack file: rotate it "
                "and remove it"
            )
            continue
        if namespace not in namespaces:
            problems.append(
                f"{key}: unknown namespace '{namespace}' (the program reads "
                f"{', '.join(sorted(namespaces))}){_closest(key, every_key)}"
            )
        elif namespace == PROJECT_NAMESPACE or key in FOREIGN_KEYS or key in PULUMI_ACCEPTED:
            continue
        elif name in (PULUMI_KEYS if namespace == "pulumi" else provider_keys(namespace)):
            problems.append(
                f"{key}: a key of {namespace} that this program does not read (its providers "
                "are explicit and take only validated config, infra/providers.py); it reads "
                f"{_reads()} and {', '.join(sorted(PULUMI_ACCEPTED))}; remove it"
            )
        else:
            problems.append(
                f"{key}: unknown key of {namespace}"
                f"{_closest(key, [*every_key, *_known(namespace)])}"
            )
    return problems

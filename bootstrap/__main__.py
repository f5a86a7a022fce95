"""Composition root of the bootstrap project (one stack per AWS account): config ->
StateBackend, OidcProviders -> exports."""

import pulumi
import pulumi_aws as aws

from bootstrap.oidc_providers import OidcProviders, OidcProvidersArgs
from bootstrap.state_backend import StateBackend, StateBackendArgs, allowed_account_ids

config = pulumi.Config()
args = StateBackendArgs.from_config(config)
provider = aws.Provider(
    "aws",
    region=pulumi.Config("aws").require("region"),
    # The one account this bootstrap stack is for: any other account's credentials are refused.
    allowed_account_ids=allowed_account_ids(pulumi.Config("aws")),
    default_tags=aws.ProviderDefaultTagsArgs(
        tags={"Project": "aevon", "Environment": "bootstrap", "ManagedBy": "pulumi"}
    ),
)
opts = pulumi.ResourceOptions(providers=[provider])
backend = StateBackend("state", args, opts=opts)
# The providers were the state backend's children ("state-github-oidc"); aliases keep them.
oidc = OidcProviders("oidc", OidcProvidersArgs.from_config(config, (backend, "state")), opts=opts)

pulumi.export("backendUrl", backend.backend_url)
pulumi.export("secretsProvider", backend.secrets_provider)
pulumi.export("stateKeyArn", backend.key_arn)
pulumi.export("githubOidcProviderArn", oidc.github_oidc_provider_arn)
pulumi.export("vercelOidcProviderArn", oidc.vercel_oidc_provider_arn)

"""Composition root of the bootstrap project: config -> StateBackend -> exports."""

import pulumi
import pulumi_aws as aws

from bootstrap.state_backend import StateBackend, StateBackendArgs

args = StateBackendArgs.from_config(pulumi.Config())
provider = aws.Provider(
    "aws",
    region=pulumi.Config("aws").require("region"),
    default_tags=aws.ProviderDefaultTagsArgs(
        tags={"Project": "aevon", "Environment": "bootstrap", "ManagedBy": "pulumi"}
    ),
)
backend = StateBackend("state", args, opts=pulumi.ResourceOptions(providers=[provider]))

pulumi.export("backendUrl", backend.backend_url)
pulumi.export("secretsProvider", backend.secrets_provider)
pulumi.export("stateKeyArn", backend.key_arn)
pulumi.export("githubOidcProviderArn", backend.github_oidc_provider_arn)
pulumi.export("vercelOidcProviderArn", backend.vercel_oidc_provider_arn)

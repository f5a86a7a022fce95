"""Composition root of the bootstrap project (one stack per AWS account): config ->
StateBackend, OidcProviders, ImageRegistry -> exports."""

import pulumi
import pulumi_aws as aws

from bootstrap.image_registry import ImageRegistry, ImageRegistryArgs, ImageRegistrySettings
from bootstrap.oidc_providers import GITHUB_OIDC_URL, OidcProviders, OidcProvidersArgs
from bootstrap.state_backend import StateBackend, StateBackendArgs, allowed_account_ids

config = pulumi.Config()
# All config is validated before the first resource.
args = StateBackendArgs.from_config(config)
image_settings = ImageRegistrySettings.from_config(config)
provider = aws.Provider(
    "aws",
    region=pulumi.Config("aws").require("region"),
    # The one account this bootstrap stack is for: any other account's credentials are refused.
    allowed_account_ids=allowed_account_ids(pulumi.Config("aws")),
    default_tags=aws.ProviderDefaultTagsArgs(
        tags={"Project": "aevon", "Environment": "bootstrap", "ManagedBy": "pulumi"}
    ),
)
on_aws = pulumi.ResourceOptions(providers=[provider])
backend = StateBackend("state", args, opts=on_aws)
# The providers were the state backend's children ("state-github-oidc"); aliases keep them.
oidc = OidcProviders("oidc", OidcProvidersArgs.from_config(config, (backend, "state")), opts=on_aws)

# The publishers trust the account's GitHub OIDC provider: the one created above, or the
# one the account already has (createGithubOidcProvider: false).
github_oidc_provider_arn = oidc.github_oidc_provider_arn or (
    aws.iam.get_open_id_connect_provider_output(
        url=GITHUB_OIDC_URL, opts=pulumi.InvokeOptions(provider=provider)
    ).arn
)
images = ImageRegistry(
    "images",
    ImageRegistryArgs(
        settings=image_settings,
        oidc_provider_arn=github_oidc_provider_arn,
        region=pulumi.Config("aws").require("region"),
        account_id=aws.get_caller_identity_output(
            opts=pulumi.InvokeOptions(provider=provider)
        ).account_id,
        protect=args.protect,
    ),
    opts=on_aws,
)

pulumi.export("backendUrl", backend.backend_url)
pulumi.export("secretsProvider", backend.secrets_provider)
pulumi.export("stateKeyArn", backend.key_arn)
pulumi.export("githubOidcProviderArn", oidc.github_oidc_provider_arn)
pulumi.export("vercelOidcProviderArn", oidc.vercel_oidc_provider_arn)
pulumi.export("imageRepositoryUrls", images.repository_urls)
pulumi.export("imagePublisherRoleArns", images.publisher_role_arns)

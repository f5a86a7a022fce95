"""The Checkov scan: each stack's inventory as a Terraform plan, Checkov over it, the waivers.

Pulumi's AWS and Google Cloud providers are bridged from the Terraform providers,
so what a stack registers is what a Terraform plan of the same resources would
hold. Checkov reads Terraform plans (`terraform show -json`,
`--framework terraform_plan`); this package writes one per stack and judges
Checkov's findings against the one reviewed waiver file:

- `terraform_types`: the reviewed table from each Pulumi type token to its
  Terraform resource type and each input to its Terraform attribute;
- `terraform_plan`: an `Inventory` (`offline.engine`) as a plan document;
- `policy.waivers` (shared with the policy pack): `security-waivers.yaml`, loaded
  and validated, and the matching of findings against it (a finding no entry
  covers, an entry nothing matches);
- `checkov`: running Checkov (from its own locked environment, `tools/checkov/`:
  its pins conflict with Pulumi's) over the plans and reading its findings.

`scripts/checkov_plan.py` ties them together; `.ci/run` fails on any finding the
waiver file does not cover and on any waiver nothing needs.
"""

"""The analyzer entry point: serves the aevon-guardrails pack to the Pulumi engine.

pulumi preview --stack prod --policy-pack policy
"""

from pulumi_policy import PolicyPack

from policy.pack import policies

PolicyPack(name="aevon-guardrails", policies=policies())

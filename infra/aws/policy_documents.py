"""IAM and resource-policy documents that several components need, built once."""

from __future__ import annotations

from typing import Any

import pulumi


def service_trust(service: str, account: pulumi.Input[str]) -> pulumi.Output[str]:
    """A role trust policy for an AWS service principal, limited to this account's use
    (`aws:SourceAccount`: the confused-deputy guard)."""
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                }
            ],
        }
    )


def deny_insecure_transport(action: str, resource: Any) -> dict[str, Any]:
    """The resource-policy statement that refuses any request not made over TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": resource,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }

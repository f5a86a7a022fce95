"""The aevon-bootstrap Pulumi project (account-level, run once)."""

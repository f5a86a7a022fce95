"""The aevon-infra Pulumi program: one package, one component per module."""

"""The offline proof of the Pulumi program in `infra/`, with no cloud account and no Pulumi CLI.

The mock engine runs the real program with the real stack files (`engine`), the
report shows what a stack would contain (`report`) and `aevon` is the command
(`cli`). Nothing here is part of what `pulumi up` runs: `Pulumi.yaml` points the
language host at `infra/` only.
"""

"""The offline plan: the real program under the Pulumi mock engine, reported for review."""

"""Command lines whose usage errors are one line: the standard library only.

`scripts/gha.py` and `scripts/pr_stacks.py` run under a runner's system `python3`
before any dependency is installed, so this module imports nothing else.
"""

from __future__ import annotations

import argparse
from typing import NoReturn


class ArgumentParser(argparse.ArgumentParser):
    """argparse, with a usage error reported as one line (and exit code 2), not usage + error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")

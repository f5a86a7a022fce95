"""`python -m infra.plan dev` is `aevon plan dev`."""

import sys

from infra.plan import cli

sys.argv = [sys.argv[0], "plan", *sys.argv[1:]]
cli.run()

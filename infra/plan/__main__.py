"""`python -m infra.plan dev` is `aevon plan dev`."""

import sys

from infra.plan.cli import main

raise SystemExit(main(["plan", *sys.argv[1:]]))

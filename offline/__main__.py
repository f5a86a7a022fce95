"""`python -m offline plan dev` is `aevon plan dev`."""

from offline import cli

cli.run()

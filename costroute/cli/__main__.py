"""``python -m costroute.cli``."""

from costroute.cli import script

script()

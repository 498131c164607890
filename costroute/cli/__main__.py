"""``python -m costroute.cli``."""

import sys

from costroute.cli import main

sys.exit(main())

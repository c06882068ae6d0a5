"""``python -m mnist``: see ``mnist.cli``."""

import sys

from .cli import main

sys.exit(main())

"""``python -m comptoir.cli``: the same command line as the ``comptoir`` script."""

import sys

from comptoir.cli import main

sys.exit(main())

"""``python -m inksight``: the same command line as the ``inksight`` script."""

import sys

from inksight.ui.cli import main

sys.exit(main())

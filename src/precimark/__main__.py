"""``python -m precimark`` is the ``precimark`` command."""

import sys

from precimark.cli import main

sys.exit(main())

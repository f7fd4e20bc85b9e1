"""``python -m viewer`` runs the ``outpost`` command."""

import sys

from viewer.cli import main

sys.exit(main())

"""``python -m viewer`` runs the ``outpost`` command."""

import sys

from viewer.cli import main

if __name__ == "__main__":  # not when a spawned AI worker imports this module
    sys.exit(main())

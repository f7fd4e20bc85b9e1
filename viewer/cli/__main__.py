"""``python -m viewer.cli``: the ``outpost`` command."""

import sys

from viewer.cli.program import main

sys.exit(main())

"""The frozen program's entry point: the ``outpost`` command, as ``python -m viewer`` runs it."""

import multiprocessing
import sys

from viewer.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a child process started by torch or pydicom must not rerun the CLI
    sys.exit(main())

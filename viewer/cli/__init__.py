"""The ``outpost`` command line: :mod:`~viewer.cli.program` builds the parser and runs a command.

Sub-modules: :mod:`~viewer.cli.terminal` (progress, scanning, choosing a series: public helpers
every command uses), :mod:`~viewer.cli.export` and :mod:`~viewer.cli.pacs` (their commands).
"""

from viewer.cli.program import build_parser, main

__all__ = ["build_parser", "main"]

"""Shared fixtures: the real data in ../shared/data, Debian tools, and strict mode.

Tests that need ../shared/data or a Debian tool skip on a user's fresh clone
without them, but fail when ``OUTPOST_STRICT=1`` (CI sets it), so nothing
skips silently in CI.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("OUTPOST_SHARED_DATA", ROOT.parent / "shared" / "data"))
STRICT = os.environ.get("OUTPOST_STRICT") == "1"


def missing(reason: str) -> None:
    """Skip, or fail under ``OUTPOST_STRICT=1``."""
    if STRICT:
        pytest.fail(f"{reason} (OUTPOST_STRICT=1 forbids skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real third-party data (never copied into the repository)."""
    if not (SHARED_DATA / "MANIFEST.md").is_file():
        missing(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def require_tool():
    """Return a function that finds a command-line tool, or skips/fails without it."""

    def find(name: str) -> str:
        path = shutil.which(name)
        if path is None:
            missing(f"the tool {name!r} is not installed (Debian package needed)")
        return path

    return find

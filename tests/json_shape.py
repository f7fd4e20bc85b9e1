"""The structure of a JSON value, for tests that compare a command's output with its documented example."""

from __future__ import annotations

from typing import Any


def shape(value: Any) -> Any:
    """A JSON value's structure: keys, nesting and value types (lists by their first item), no values."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__

"""Read the parts of a MONAI bundle config that Outpost needs, without running the pack's code.

Only ``network_def``, ``preprocessing``, ``inferer`` and ``postprocessing`` are
read, with whatever they reference; ``imports``, datasets, evaluators,
handlers and ``run`` are never looked at. ``@`` references are followed,
``$`` expressions go through :mod:`ai.packs.expressions`, a few runtime
expressions (the device choice) become Outpost's own setting, and ``_target_``
names resolve only against the allow table of :mod:`ai.packs.allowed`, which
also types every keyword argument.

Resolution is bounded: each key is resolved once and shared by every reference
to it (a chain of keys that each name the previous one twice stays linear),
references nest at most :data:`MAX_REFERENCE_DEPTH` deep, and every value
comes from JSON already bounded in size and depth (:mod:`ai.packs.files`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ai.errors import PackRefusedError
from ai.packs import expressions

NEEDED_KEYS = ("network_def", "preprocessing", "inferer", "postprocessing")

#: Runtime expressions recognised and replaced by Outpost's own value.
RUNTIME_EXPRESSIONS = {
    "device": re.compile(
        r"^torch\.device\(\s*(['\"])cuda(:\d+)?\1\s+if\s+torch\.cuda\.is_available\(\)\s+else\s+"
        r"(['\"])cpu\3\s*\)$"),
}

#: ``_target_`` spellings dropped while reading, before any argument is resolved: MONAI's image
#: writers (Outpost saves results itself). Other spellings of them are dropped when built, by class
#: object (:mod:`ai.packs.allowed`).
DROPPED_SPELLING = re.compile(r"(monai\.transforms\.)?SaveImage(d|D|Dict)?")
#: How deep ``@`` references may nest (a chain of keys each naming the next).
MAX_REFERENCE_DEPTH = 64


@dataclass(frozen=True)
class RuntimeValue:
    """A value Outpost supplies at run time (e.g. ``device``)."""

    name: str


@dataclass(frozen=True)
class Reference:
    """A resolved ``@id`` whose object must be shared by everything that names it."""

    key: str
    value: Any


class _Dropped:
    """Marks a component removed from a list."""


DROPPED = _Dropped()


class BundleConfig:
    """The needed parts of one bundle config, resolved on demand.

    Parameters
    ----------
    raw
        The parsed JSON of ``configs/inference.json``.
    source
        The file name, used in refusals.
    """

    def __init__(self, raw: dict[str, Any], source: str = "inference.json") -> None:
        if not isinstance(raw, dict):
            raise PackRefusedError(f"{source}: the config is not a JSON object")
        self.raw, self.source = raw, source
        self._resolving: list[str] = []
        self._resolved: dict[str, Any] = {}

    # ------------------------------------------------------------------ resolution
    def resolve_all(self) -> dict[str, Any]:
        """Resolve every needed key that the config has; refuses the pack on any bad part."""
        return {key: Reference(key, self.resolve_key(key)) for key in NEEDED_KEYS if key in self.raw}

    def resolve_key(self, key: str) -> Any:
        """The resolved value of a top-level key or of an ``id#sub#path`` reference (resolved once).

        Raises
        ------
        PackRefusedError
            The reference is circular, nests too deep, names nothing, or its value is refused.
        """
        if key in self._resolved:
            return self._resolved[key]
        if key in self._resolving:
            raise PackRefusedError(f"{self.source}: circular reference through {key!r}")
        if len(self._resolving) >= MAX_REFERENCE_DEPTH:
            raise PackRefusedError(f"{self.source}: references nest more than {MAX_REFERENCE_DEPTH} deep "
                                   f"(at {key!r})")
        self._resolving.append(key)
        try:
            value = self._resolve(self._lookup(key), key)
        except RecursionError as e:
            raise PackRefusedError(f"{self.source}: key {key!r} nests too deep to read") from e
        finally:
            self._resolving.pop()
        self._resolved[key] = value
        return value

    def _lookup(self, reference: str) -> Any:
        parts = reference.split("#")
        node: Any = self.raw
        for part in parts:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise PackRefusedError(f"{self.source}: reference @{reference} names nothing")
        return node

    def _resolve(self, value: Any, key: str) -> Any:
        if isinstance(value, str):
            return self._resolve_text(value, key)
        if isinstance(value, list):
            items = [self._resolve(item, f"{key}#{index}") for index, item in enumerate(value)]
            return [item for item in items if item is not DROPPED]
        if isinstance(value, dict):
            target = value.get("_target_")
            if isinstance(target, str) and DROPPED_SPELLING.fullmatch(target):
                return DROPPED
            if value.get("_disabled_") in (True, "true", "True"):
                return DROPPED
            resolved = {}
            for name, item in value.items():
                if name in ("_desc_", "_disabled_", "_requires_"):
                    continue
                if name == "_mode_" and item != "default":
                    raise PackRefusedError(f"{self.source}: key {key!r} asks for _mode_ {item!r}, "
                                           "which Outpost does not run")
                resolved[name] = self._resolve(item, f"{key}#{name}")
            return resolved
        return value

    def _resolve_text(self, text: str, key: str) -> Any:
        if text.startswith("@") and expressions.REFERENCE.fullmatch(text):
            value = self.resolve_key(text[1:])
            return Reference(text[1:], value) if isinstance(value, dict | list) else value
        if text.startswith("$"):
            body = text[1:].strip()
            for name, pattern in RUNTIME_EXPRESSIONS.items():
                if pattern.match(body):
                    return RuntimeValue(name)
            return expressions.evaluate(body, self.resolve_key, key)
        if text.startswith("%"):
            raise PackRefusedError(f"{self.source}: key {key!r} includes another file ({text[:60]!r}), "
                                   "which Outpost does not follow")
        return text


# --------------------------------------------------------------------------- instantiation
class Instantiator:
    """Builds objects from resolved config values; one object per referenced id.

    Every ``_target_`` goes through the allow table (:func:`ai.packs.allowed.find_entry`):
    its keyword names are checked before anything is built, a nested component is built
    only where the keyword takes one, and the built values are type-checked before the
    class is called.

    Parameters
    ----------
    runtime
        Values for :class:`RuntimeValue` markers (``{"device": torch.device(...)}``).
    """

    def __init__(self, runtime: dict[str, Any]) -> None:
        self.runtime = runtime
        self._built: dict[str, Any] = {}

    def build_part(self, value: Any, key: str, role: str) -> Any:
        """Build a top-level part (``network_def``...), which must be a ``role`` from the allow table.

        Raises
        ------
        PackRefusedError
            The part is not a component of that role, or any component in it is refused.
        """
        from ai.packs.allowed import allow_table

        built = self.build(value, key)
        entry = allow_table().get(type(built))
        if entry is None or entry.role != role:
            article = "an" if role[0] in "aeiou" else "a"
            raise PackRefusedError(f"config key {key!r} is not {article} {role} built from the allow table")
        return built

    def build(self, value: Any, key: str) -> Any:
        """Instantiate ``value`` (components become instances, references are shared)."""
        if isinstance(value, Reference):
            if value.key not in self._built:
                self._built[value.key] = self.build(value.value, value.key)
            return self._built[value.key]
        if isinstance(value, RuntimeValue):
            if value.name not in self.runtime:
                raise PackRefusedError(f"config key {key!r}: no runtime value for {value.name!r}")
            return self.runtime[value.name]
        if isinstance(value, list):
            items = [self.build(item, f"{key}#{i}") for i, item in enumerate(value)]
            return [item for item in items if item is not DROPPED]
        if isinstance(value, dict):
            if "_target_" not in value:
                return {name: self.build(item, f"{key}#{name}") for name, item in value.items()}
            return self._component(value, key)
        return value

    def _component(self, value: dict[str, Any], key: str) -> Any:
        from ai.packs.allowed import accepts_component, find_entry

        entry = find_entry(value["_target_"], key)
        if entry.action == "drop":
            return DROPPED
        raw = {name: item for name, item in value.items() if name not in ("_target_", "_mode_")}
        reason = entry.check_names(raw)
        if reason is None:
            nested = next((name for name, item in raw.items()
                           if _holds_component(item) and not accepts_component(entry.arguments[name])), None)
            if nested is not None:
                reason = f"argument {nested!r} may not hold a component"
        if reason is None:
            arguments = {name: self.build(item, f"{key}#{name}") for name, item in raw.items()}
            reason = entry.check(arguments)
        if reason is not None:
            raise PackRefusedError(f"config key {key!r}: _target_ {value['_target_']!r}: {reason}")
        try:
            return entry.built_class(**arguments)
        except (TypeError, ValueError, AssertionError, NotImplementedError) as e:
            raise PackRefusedError(f"config key {key!r}: cannot build {value['_target_']}: "
                                   f"{str(e).splitlines()[0][:200] if str(e) else type(e).__name__}") from e


def _holds_component(value: Any, seen: dict[int, bool] | None = None) -> bool:
    """Whether a resolved value is, or contains, a ``_target_`` component (shared parts looked at once)."""
    seen = {} if seen is None else seen
    if isinstance(value, Reference):
        if id(value.value) not in seen:
            seen[id(value.value)] = False
            seen[id(value.value)] = _holds_component(value.value, seen)
        return seen[id(value.value)]
    if isinstance(value, dict):
        return "_target_" in value or any(_holds_component(item, seen) for item in value.values())
    if isinstance(value, list):
        return any(_holds_component(item, seen) for item in value)
    return False

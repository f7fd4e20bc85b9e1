"""Read the parts of a MONAI bundle config that Outpost needs, without running the pack's code.

Only ``network_def``, ``preprocessing``, ``inferer`` and ``postprocessing`` are
read, with whatever they reference; ``imports``, datasets, evaluators,
handlers and ``run`` are never looked at. ``@`` references are followed,
``$`` expressions go through :mod:`ai.packs.expressions`, a few runtime
expressions (the device choice) become Outpost's own setting, and ``_target_``
names resolve only against an allow-list.
"""

from __future__ import annotations

import importlib
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

#: Transforms Outpost does itself or does not need: dropped, their arguments never read.
DROPPED_TARGETS = {"SaveImaged", "SaveImage"}
#: Transforms that Outpost replaces by its own in-memory equivalent.
REPLACED_TARGETS = {"LoadImaged": "ai.packs.transforms.LoadVolumed",
                    "AsDiscrete": "ai.packs.transforms.AsDiscrete",
                    "AsDiscreted": "ai.packs.transforms.AsDiscreted"}
#: Never instantiated even though their module is allowed: they run or read arbitrary things.
DENIED_TARGETS = {"Lambda", "Lambdad", "RandLambda", "RandLambdad", "LoadImage", "SaveImage",
                  "DataStats", "DataStatsd", "ClassesToIndices"}
#: Modules whose public classes may be named by ``_target_``.
ALLOWED_MODULES = ("monai.networks.nets", "monai.transforms", "monai.inferers", "ai.networks",
                   "ai.packs.transforms")


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
        self._resolving: set[str] = set()

    # ------------------------------------------------------------------ resolution
    def resolve_all(self) -> dict[str, Any]:
        """Resolve every needed key that the config has; refuses the pack on any bad part."""
        return {key: Reference(key, self.resolve_key(key)) for key in NEEDED_KEYS if key in self.raw}

    def resolve_key(self, key: str) -> Any:
        """The resolved value of a top-level key or of an ``id#sub#path`` reference."""
        if key in self._resolving:
            raise PackRefusedError(f"{self.source}: circular reference through {key!r}")
        self._resolving.add(key)
        try:
            return self._resolve(self._lookup(key), key)
        finally:
            self._resolving.discard(key)

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
            if isinstance(target, str) and target.split(".")[-1] in DROPPED_TARGETS:
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
def locate_target(name: str, key: str) -> type:
    """The class a ``_target_`` names, from the allow-list only.

    Raises
    ------
    PackRefusedError
        The name is not allowed, or not found in the allowed modules.
    """
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][\w.]*", name):
        raise PackRefusedError(f"config key {key!r}: _target_ {name!r} is not a class name")
    short = name.split(".")[-1]
    if short in REPLACED_TARGETS and (name == short or name.startswith("monai.transforms.")):
        name = REPLACED_TARGETS[short]
    if short in DENIED_TARGETS:
        raise PackRefusedError(f"config key {key!r}: _target_ {name!r} is not allowed")
    if "." in name:
        module_name, _, attribute = name.rpartition(".")
        allowed = any(module_name == m or module_name.startswith(m + ".") for m in ALLOWED_MODULES)
        candidates = [module_name] if allowed else []
    else:
        attribute, candidates = name, list(ALLOWED_MODULES)
    for module_name in candidates:
        module = importlib.import_module(module_name)
        found = getattr(module, attribute, None)
        if isinstance(found, type) and not attribute.startswith("_"):
            return found
    raise PackRefusedError(f"config key {key!r}: _target_ {name!r} is not on the allow-list "
                           f"(MONAI networks, transforms and inferers, and ai.networks)")


class Instantiator:
    """Builds objects from resolved config values; one object per referenced id.

    Parameters
    ----------
    runtime
        Values for :class:`RuntimeValue` markers (``{"device": torch.device(...)}``).
    """

    def __init__(self, runtime: dict[str, Any]) -> None:
        self.runtime = runtime
        self._built: dict[str, Any] = {}

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
            return [self.build(item, f"{key}#{i}") for i, item in enumerate(value)]
        if isinstance(value, dict):
            if "_target_" not in value:
                return {name: self.build(item, f"{key}#{name}") for name, item in value.items()}
            target = locate_target(value["_target_"], key)
            arguments = {name: self.build(item, f"{key}#{name}")
                         for name, item in value.items() if not name.startswith("_")}
            try:
                return target(**arguments)
            except (TypeError, ValueError) as e:
                raise PackRefusedError(f"config key {key!r}: cannot build {value['_target_']}: {e}") from e
        return value

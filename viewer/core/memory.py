"""How much memory this process may still allocate, where it actually runs.

The memory a machine has free is not what a process may use: a container's
cgroup limit, or an ``ulimit -v`` (RLIMIT_AS) / RLIMIT_DATA set by a site's
launcher, ends an allocation long before the machine runs short. Every place
that is about to allocate something large (a volume, a resampled overlay)
asks :func:`check_allocation` first, so a header that claims a terabyte is
refused with a reason instead of crashing the process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import psutil

from viewer.core.errors import OutOfMemoryError
from viewer.core.files import format_size

#: Share of the free memory that one allocation may take: the rest is left for
#: decoding buffers, the GUI and the other programs on the machine.
MEMORY_SHARE = 0.8

#: cgroup v1 reports "no limit" as a page-rounded 2**63; anything above this is none.
_NO_LIMIT = 2**60

#: What each limit is called in messages.
LIMIT_NAMES = {
    "system": "free system memory",
    "cgroup": "the container's memory limit",
    "RLIMIT_AS": "the process's address-space limit (ulimit -v)",
    "RLIMIT_DATA": "the process's data limit (ulimit -d)",
}


@dataclass(frozen=True)
class MemoryBudget:
    """The memory this process may still allocate, and which limit says so.

    Attributes
    ----------
    free
        Bytes that can still be allocated (the smallest of the limits).
    limited_by
        Key of :data:`LIMIT_NAMES`: ``"system"``, ``"cgroup"``, ``"RLIMIT_AS"`` or ``"RLIMIT_DATA"``.
    limits
        Every limit found, in bytes free under it.
    """

    free: int
    limited_by: str
    limits: dict[str, int]

    @property
    def allowed(self) -> int:
        """The largest single allocation :func:`check_allocation` lets through."""
        return int(MEMORY_SHARE * self.free)

    def describe(self) -> str:
        """``"12.3 GiB free (free system memory)"``, for messages."""
        return f"{format_size(self.free)} free ({LIMIT_NAMES[self.limited_by]})"


def memory_budget(cgroup_root: str | os.PathLike[str] = "/sys/fs/cgroup",
                  proc_cgroup: str | os.PathLike[str] = "/proc/self/cgroup") -> MemoryBudget:
    """The smallest of the machine's available memory, the cgroup's and the rlimits' headroom.

    Parameters
    ----------
    cgroup_root, proc_cgroup
        Where the cgroup file systems and this process's cgroup list are
        (the kernel's places unless a test lays out its own).

    Returns
    -------
    MemoryBudget
    """
    limits = {"system": int(psutil.virtual_memory().available)}
    cgroup = cgroup_free(Path(cgroup_root), Path(proc_cgroup))
    if cgroup is not None:
        limits["cgroup"] = cgroup
    limits.update(_rlimit_free())
    limited_by = min(limits, key=limits.__getitem__)
    return MemoryBudget(free=max(0, limits[limited_by]), limited_by=limited_by, limits=limits)


def check_allocation(nbytes: float, what: str, hint: str = "close other programs") -> MemoryBudget:
    """Refuse, before allocating, ``nbytes`` that do not fit in :func:`memory_budget`.

    Parameters
    ----------
    nbytes
        The size about to be allocated (all buffers together).
    what
        What it is for, as the message's subject: ``"the series (512 x 512 x 9000 voxels)"``.
    hint
        What the user can do about it.

    Returns
    -------
    MemoryBudget
        The budget it was checked against.

    Raises
    ------
    OutOfMemoryError
        ``nbytes`` exceed :data:`MEMORY_SHARE` of the free memory.
    """
    budget = memory_budget()
    if nbytes > budget.allowed:
        raise OutOfMemoryError(f"{what} needs {format_size(nbytes)} of memory but only "
                               f"{budget.describe()}; {hint}")
    return budget


def out_of_memory(action: str, nbytes: float, hint: str = "close other programs") -> OutOfMemoryError:
    """The error that replaces a ``MemoryError`` raised part-way (numpy, a decoder).

    Parameters
    ----------
    action
        What was running: ``"loading series 3 (CT chest)"``.
    nbytes
        What it needed in all.
    hint
        What the user can do about it.
    """
    return OutOfMemoryError(f"ran out of memory {action}: needs {format_size(nbytes)}, "
                            f"{memory_budget().describe()}; {hint}")


def cgroup_free(root: Path, proc_cgroup: Path) -> int | None:
    """Bytes the process's memory cgroup (v2 or v1) still allows, or ``None`` without a limit.

    Reclaimable page cache (``inactive_file``) counts as free: the kernel drops
    it before it refuses an allocation. Every ancestor group's limit applies too.
    """
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return None
    found: list[int] = []
    for line in lines:
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        relative = path.strip("/")
        if hierarchy == "0" and controllers == "":
            for base in (root, root / "unified"):
                found += _walk_up(base, relative, "memory.max", "memory.current", "inactive_file")
        elif "memory" in controllers.split(","):
            found += _walk_up(root / "memory", relative, "memory.limit_in_bytes",
                              "memory.usage_in_bytes", "total_inactive_file")
    return min(found) if found else None


def _walk_up(base: Path, relative: str, limit_name: str, usage_name: str, cache_key: str) -> list[int]:
    """Free bytes under each limited group from ``base/relative`` up to ``base``.

    Inside a container the process's group path often does not exist (the
    namespace's root is mounted at ``base``), so missing levels are passed over.
    """
    found = []
    parts = relative.split("/") if relative else []
    for depth in range(len(parts), -1, -1):
        group = base.joinpath(*parts[:depth])
        try:
            limit_text = (group / limit_name).read_text().strip()
            usage = int((group / usage_name).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit_text == "max" or int(limit_text) >= _NO_LIMIT:
            continue
        found.append(int(limit_text) - usage + _stat_value(group / "memory.stat", cache_key))
    return found


def _stat_value(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _rlimit_free() -> dict[str, int]:
    """Headroom under RLIMIT_AS and RLIMIT_DATA (Unix; nothing elsewhere)."""
    try:
        import resource
    except ImportError:  # Windows: no rlimits
        return {}
    info = psutil.Process().memory_info()
    used = {"RLIMIT_AS": info.vms,
            # Linux's RLIMIT_DATA counts private writable mappings; psutil's "data" is that.
            "RLIMIT_DATA": getattr(info, "data", info.vms)}
    free = {}
    for name, used_bytes in used.items():
        soft, _hard = resource.getrlimit(getattr(resource, name))
        if soft != resource.RLIM_INFINITY:
            free[name] = int(soft) - int(used_bytes)
    return free

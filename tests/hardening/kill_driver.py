"""A child process that runs a real write operation and SIGKILLs itself at a chosen moment.

Run as ``python -m tests.hardening.kill_driver SCENARIO KILL_AT ARGS...``. The
moments are the operation's own durability steps: every ``os.fsync``,
``os.replace``/``os.rename`` and ``shutil.rmtree``, and the end of every SQLite
transaction of the study store just before its COMMIT (the rows are written but
not committed). The process kills itself just before step number ``KILL_AT``
(``0``: never, and it prints ``steps N`` at the end, so a test can spread its
kill points over the whole operation). What it has durably done is printed as it
happens (``indexed <sop>``, ``deleting <study> <steps so far>``, ``saved <label>``), flushed,
so the test knows what must survive.

Scenarios
---------
``save-result OUT SERIES_FOLDER LABEL``
    :func:`ai.results.save_result` of a result of the demo pack on the phantom
    series in ``SERIES_FOLDER``, its label map shifted by ``LABEL`` voxels (so
    each save is recognisably different), into ``OUT``.
``store ROOT IMPORT_FOLDER DELETE_STUDY``
    Import ``IMPORT_FOLDER`` into the store at ``ROOT``, then delete the study
    ``DELETE_STUDY`` if the store holds it (with ``-`` nothing is deleted).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_PACK = ROOT / "resources" / "packs" / "outpost-demo-ct"
#: The phantom of the result scenario: small, so that a save takes a moment, not seconds.
PHANTOM_SHAPE = (12, 48, 48)

_steps = 0
_kill_at = 0


def _step() -> None:
    """Count one durability step; die here when it is the chosen one."""
    global _steps
    _steps += 1
    if _steps == _kill_at:
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)


def _counting(function):
    def wrapper(*args, **kwargs):
        _step()
        return function(*args, **kwargs)

    return wrapper


def install_kill_points(kill_at: int) -> None:
    """Count (and maybe die at) every fsync, rename, tree removal and store transaction."""
    global _kill_at
    _kill_at = kill_at
    os.fsync = _counting(os.fsync)
    os.replace = _counting(os.replace)
    os.rename = _counting(os.rename)
    shutil.rmtree = _counting(shutil.rmtree)

    from viewer.pacs import store as store_module

    plain = store_module.LocalStore._transaction

    @contextlib.contextmanager
    def transaction(self):
        with plain(self) as db:
            yield db
            _step()  # the rows are written; the COMMIT has not happened yet

    store_module.LocalStore._transaction = transaction


def make_phantom_result(series_folder: str, shift: int):
    """The phantom series as scanned and loaded, the demo pack, and a result whose labels are shifted."""
    import numpy as np

    from ai.demo.phantom import make_phantom
    from ai.inference import Result
    from ai.packs.pack import read_pack
    from viewer.core.dicom import load_series, scan

    (series,) = scan(sorted(Path(series_folder).glob("*.dcm"))).series  # not the saved SEG beside them
    volume = load_series(series)
    phantom = make_phantom(shape=PHANTOM_SHAPE)
    labels = np.roll(phantom.labels, shift, axis=2).astype(np.uint8)
    pack = read_pack(DEMO_PACK)
    provenance = {"pack": pack.name, "version": pack.version, "date": f"2026-01-01T00:00:{shift:02d}"}
    result = Result(task="segmentation", labels=labels, label_names=dict(phantom.label_names),
                    provenance=provenance)
    return volume, series, pack, result


def _save_result(out: str, series_folder: str, label: str) -> None:
    from ai.results import save_result

    volume, series, pack, result = make_phantom_result(series_folder, int(label))
    save_result(Path(out), volume, series, pack, result)
    print(f"saved {label}", flush=True)


def _store(root: str, folder: str, delete: str) -> None:
    from viewer.pacs.store import LocalStore

    plain_index = LocalStore._index

    def index(self, record, keys, path):
        plain_index(self, record, keys, path)
        print(f"indexed {keys[2]}", flush=True)  # committed

    LocalStore._index = index
    with LocalStore(root) as store:
        store.import_paths([folder])
        if delete != "-" and any(study.study_uid == delete for study in store.studies()):
            print(f"deleting {delete} {_steps}", flush=True)
            store.delete_study(delete)
            print(f"deleted {delete}", flush=True)


SCENARIOS = {"save-result": _save_result, "store": _store}


def main(argv: list[str]) -> int:
    scenario, kill_at, *arguments = argv
    install_kill_points(int(kill_at))
    SCENARIOS[scenario](*arguments)
    print(f"steps {_steps}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

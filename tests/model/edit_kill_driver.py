"""A child process that edits a segmentation with a journal and is killed in the middle.

Run as ``python -m tests.model.edit_kill_driver MODE STROKES`` with ``OUTPOST_DATA_DIR``
set. It opens the demo phantom's label map in a journalled :class:`SegmentEditor` and
plays :func:`actions` (locks, undos, new segments and brush strokes of several dabs),
printing ``done K`` (flushed) once stroke ``K`` has ended, i.e. once its journal
record is on disk. Then, in stroke ``STROKES + 1``:

``external``
    it paints half the dabs, prints ``mid`` and waits to be killed (SIGKILL from the test);
``torn``
    it kills itself with SIGKILL halfway through writing that stroke's journal record.
"""

from __future__ import annotations

import os
import signal
import sys
import time

import numpy as np

#: The phantom edited: small enough to build in a moment.
SHAPE, SPACING, SEED = (32, 96, 96), (1.5, 1.5, 3.0), 2
LOCKED = 6


def make_source():
    """The phantom CT, its label overlay and the AI-result source they stand for."""
    from ai.demo.phantom import make_phantom
    from viewer.core.overlays import LabelOverlay
    from viewer.model.segment_editor import SegmentationSource

    phantom = make_phantom(shape=SHAPE, spacing=SPACING, seed=SEED)
    overlay = LabelOverlay.from_names(phantom.labels, phantom.label_names)
    source = SegmentationSource("ai-result", "Demo liver pack 1.0", pack_name="outpost-demo-ct",
                                pack_version="1.0", pack_checksum="ab" * 32, source_series_uid="1.2.826.0.1.77")
    return phantom, overlay, source


def actions() -> list[tuple]:
    """The edits, in order: ``("lock", n)``, ``("undo",)``, ``("add",)`` and strokes.

    A stroke is ``("stroke", segment, erase, sphere, dabs)``; ``dabs`` are ``(center_zyx, radius_mm)``;
    segment 7 is the one ``("add",)`` makes.
    """
    rng = np.random.default_rng(11)
    found: list[tuple] = [("lock", LOCKED)]
    for k in range(10):
        if k == 4:
            found.append(("undo",))
        if k == 6:
            found.append(("add",))
        segment = 7 if k >= 6 else int(rng.choice([1, 2, 3]))
        start = rng.uniform((6, 25, 25), (26, 70, 70))
        step = rng.uniform(-3, 3, size=3) * (0.2, 1, 1)
        dabs = [(tuple(float(c) for c in start + i * step), float(rng.uniform(4, 9))) for i in range(6)]
        found.append(("stroke", segment, bool(k in (2, 8)), bool(k % 3 == 0), dabs))
    return found


def _kill() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def main(mode: str, strokes: int) -> None:
    from viewer.model import edit_journal
    from viewer.model.segment_editor import SegmentEditor

    phantom, overlay, source = make_source()
    editor = SegmentEditor.from_label_overlay(phantom.volume, overlay, source, journal=True)
    print("journal", editor.journal.path, flush=True)
    done = 0
    for action in actions():
        if action[0] == "lock":
            editor.set_locked(action[1], True)
        elif action[0] == "undo":
            editor.undo()
        elif action[0] == "add":
            editor.add_segment("lesion")
        else:
            _, segment, erase, sphere, dabs = action
            editor.active = segment
            editor.begin_stroke()
            last = done == strokes
            for index, (center, radius) in enumerate(dabs):
                if last and mode == "external" and index == len(dabs) // 2:
                    print("mid", flush=True)
                    time.sleep(120)
                editor.paint(center, radius, sphere=sphere, erase=erase)
            if last and mode == "torn":
                write = edit_journal.EditJournal.write

                def torn(self, record, arrays=None, _write=write):
                    data = edit_journal._encode(record, arrays)
                    self._file.write(data[:len(data) // 2])
                    self._file.flush()
                    os.fsync(self._file.fileno())
                    _kill()

                edit_journal.EditJournal.write = torn
            editor.end_stroke()
            done += 1
            print("done", done, flush=True)
    print("finished", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))

"""The segment editor's crash journal: records survive a SIGKILL, a torn record is ignored, replay is exact.

The kill tests run a real child process (:mod:`tests.model.edit_kill_driver`) that edits
the demo phantom's label map with a journal and is killed with SIGKILL in the middle of
a stroke, or in the middle of writing a stroke's record. The recovered label map is
compared with an independent numpy replay of the same edits (explicit distance formula,
locks, undo), which must match up to the stroke the kill interrupted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.model import edit_kill_driver as driver
from viewer.core.errors import OutpostError
from viewer.core.overlays import LabelOverlay
from viewer.core.volume import Volume
from viewer.model import edit_journal
from viewer.model.edit_journal import EditJournal, pending_journals, read_journal
from viewer.model.segment_editor import SegmentEditor

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "outpost-data"
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(folder))
    return folder


# --------------------------------------------------------------------------- records
def _journal_with(path: Path, count: int) -> list[dict]:
    journal = EditJournal(path)
    journal.start({"source": {}, "base_checksum": "x"})
    written = []
    for index in range(count):
        record = {"op": "step", "id": index + 1, "name": f"r{index}"}
        journal.write(record, {"indices": np.arange(index * 7, dtype=np.uint32),
                               "old": np.full(index * 7, index, dtype=np.uint16)})
        written.append(record)
    journal.close()
    return written


def test_records_round_trip_with_their_arrays(tmp_path):
    path = tmp_path / "a.journal"
    written = _journal_with(path, 4)
    contents = read_journal(path)
    assert contents.header["op"] == "header" and not contents.torn
    assert [r for r, _ in contents.records] == written
    for index, (_, arrays) in enumerate(contents.records):
        np.testing.assert_array_equal(arrays["indices"], np.arange(index * 7, dtype=np.uint32))
        assert arrays["old"].dtype == np.uint16 and np.all(arrays["old"] == index)
    assert contents.valid_bytes == path.stat().st_size


def test_a_torn_or_damaged_last_record_is_ignored(tmp_path):
    path = tmp_path / "b.journal"
    _journal_with(path, 3)
    data = path.read_bytes()
    whole = read_journal(path)
    last_start = _end_of(path, 2)
    for cut in range(last_start + 1, len(data), 9):  # every way a kill can cut the last record
        path.write_bytes(data[:cut])
        contents = read_journal(path)
        assert len(contents.records) == 2 and contents.torn and contents.valid_bytes == last_start
    damaged = bytearray(data)
    damaged[-3] ^= 0xFF
    path.write_bytes(bytes(damaged))
    contents = read_journal(path)
    assert len(contents.records) == 2 and contents.torn
    assert [r for r, _ in contents.records] == [r for r, _ in whole.records[:2]]
    # resuming cuts the torn tail, so new records follow the last whole one
    journal = EditJournal(path)
    journal.resume()
    journal.write({"op": "undo", "id": 2})
    journal.close()
    assert [r["op"] for r, _ in read_journal(path).records] == ["step", "step", "undo"]


def _end_of(path: Path, records: int) -> int:
    """The byte offset where record ``records`` (1-based, header not counted) ends, read independently."""
    import struct

    data = path.read_bytes()
    offset = len(edit_journal.MAGIC)
    for _ in range(records + 1):
        length, _crc = struct.unpack_from("<II", data, offset)
        offset += 8 + length
    return offset


def test_a_file_that_is_not_a_journal_is_refused(tmp_path):
    path = tmp_path / "c.journal"
    path.write_bytes(b"not a journal at all")
    with pytest.raises(OutpostError):
        read_journal(path)
    path.write_bytes(edit_journal.MAGIC + b"\x05\x00")
    with pytest.raises(OutpostError):
        read_journal(path)


def test_journal_lives_under_the_user_data_folder(data_dir):
    path = edit_journal.journal_path("1.2.3", "abc")
    assert path.parent.parent == data_dir / "edits" and "1.2.3" not in str(path)
    with pytest.raises(OutpostError):
        edit_journal.journal_path("1.2.3", "../escape")


# --------------------------------------------------------------------------- editor and journal
def _editor(**kw):
    phantom, overlay, source = driver.make_source()
    return phantom, SegmentEditor.from_label_overlay(phantom.volume, overlay, source, **kw)


def test_journal_holds_uids_and_checksums_not_patient_names(data_dir):
    phantom, overlay, source = driver.make_source()
    volume = Volume(array=phantom.volume.array, spacing=phantom.volume.spacing,
                    metadata={"patient_name": "DOE^JANE", "patient_id": "PID-314159"})
    editor = SegmentEditor.from_label_overlay(volume, overlay, source, journal=True)
    editor.active = 1
    editor.paint((10, 40, 40), 8.0, sphere=True)
    editor.rename(1, "liver, corrected")
    data = editor.journal.path.read_bytes()
    assert b"DOE" not in data and b"PID-314159" not in data
    header = read_journal(editor.journal.path).header
    assert header["source"]["pack_checksum"] == "ab" * 32 and header["base_checksum"] == editor.base_checksum
    assert editor.journal.path.is_relative_to(data_dir / "edits")


def test_replay_gives_back_the_label_map_table_and_history(data_dir):
    phantom, editor = _editor(journal=True)
    editor.set_locked(6, True)
    editor.active = 2
    editor.paint((12, 50, 50), 9.0, sphere=True)
    editor.begin_stroke()
    for x in range(30, 60, 5):
        editor.paint((14, 40, x), 5.0)
    editor.end_stroke()
    editor.add_segment("lesion")
    editor.paint((20, 30, 60), 6.0, sphere=True)
    editor.undo()
    editor.remove_segment(3)
    editor.rename(1, "liver (edited)")
    assert [s.source for s in pending_journals("1.2.826.0.1.77")] == [editor.source]
    _, fresh = _editor()
    assert fresh.resume_journal(editor.journal.path) == 7  # lock, paint, stroke, add, paint, remove, rename
    np.testing.assert_array_equal(fresh.labels, editor.labels)
    assert fresh.changes_by_segment() == editor.changes_by_segment()
    assert {n: (s.name, s.locked, s.tools) for n, s in fresh.segments.items()} == {
        n: (s.name, s.locked, s.tools) for n, s in editor.segments.items()}
    assert fresh.overlay.info == editor.overlay.info and fresh.undo_steps == editor.undo_steps
    assert fresh.can_redo == editor.can_redo  # the undone paint can be redone after recovery too
    fresh.redo()
    editor.redo()
    np.testing.assert_array_equal(fresh.labels, editor.labels)
    for _step in range(fresh.undo_steps):  # every step kept, oldest last
        fresh.undo()
    np.testing.assert_array_equal(fresh.labels, phantom.labels)
    # saving clears the offer; closing after a save deletes the journal
    fresh.mark_saved()
    assert pending_journals("1.2.826.0.1.77") == []
    path = fresh.journal.path
    fresh.close()
    assert not path.exists()


def test_a_journal_of_another_source_is_refused(data_dir):
    _, editor = _editor(journal=True)
    editor.active = 1
    editor.paint((10, 40, 40), 8.0, sphere=True)
    phantom, overlay, source = driver.make_source()
    other = overlay.labels.copy()
    other[0, 0, 0] = 2
    stranger = SegmentEditor.from_label_overlay(phantom.volume, LabelOverlay.from_names(other), source)
    with pytest.raises(OutpostError, match="another segmentation"):
        stranger.resume_journal(editor.journal.path)
    # an empty segmentation is recognised by its image series
    from dataclasses import replace

    from viewer.core.volume import Provenance

    image = replace(phantom.volume, provenance=Provenance(series_uid="1.2.826.0.1.77"))
    first = SegmentEditor.empty(image, journal=True)
    first.add_segment("lesion")
    first.paint((10, 40, 40), 8.0, sphere=True)
    other = SegmentEditor.empty(replace(image, provenance=Provenance(series_uid="1.2.826.0.1.78")))
    with pytest.raises(OutpostError, match="another image series"):
        other.resume_journal(first.journal.path)
    again = SegmentEditor.empty(image)
    assert again.resume_journal(first.journal.path) == 2
    np.testing.assert_array_equal(again.labels, first.labels)


def test_close_keeps_an_unsaved_journal_unless_discarded(data_dir):
    _, editor = _editor(journal=True)
    editor.active = 1
    editor.paint((10, 40, 40), 8.0, sphere=True)
    editor.mark_saved()
    assert pending_journals("1.2.826.0.1.77") == []
    editor.paint((20, 40, 40), 8.0, sphere=True)  # an edit after the save is offered again
    path = editor.journal.path
    (path.parent / "damaged.journal").write_bytes(b"\x00" * 40)  # unreadable files are skipped
    editor.close()
    assert path.exists() and [s.path for s in pending_journals("1.2.826.0.1.77")] == [path]
    assert pending_journals("1.2.826.0.1.78") == []
    _, again = _editor()
    SegmentEditor.recover(path, again)
    again.close(discard=True)
    assert not path.exists()


# --------------------------------------------------------------------------- SIGKILL
def _oracle(strokes: int, *, then: bool = True) -> np.ndarray:
    """The label map after ``strokes`` strokes of :func:`driver.actions`, computed with numpy alone.

    With ``then``, the actions between that stroke and the next (undo, new segment) are done too.
    """
    phantom, _, _ = driver.make_source()
    labels = phantom.labels.copy()
    grid = np.indices(labels.shape, dtype=np.float64)
    spacing_zyx = tuple(reversed(driver.SPACING))
    locked: set[int] = set()
    history = []  # the label map before each undo step
    done = 0
    for action in driver.actions():
        if action[0] == "lock":
            history.append(labels.copy())
            locked.add(action[1])
        elif action[0] == "add":
            history.append(labels.copy())
        elif action[0] == "undo":
            labels = history.pop()
        else:
            if done == strokes:
                break
            _, segment, erase, sphere, dabs = action
            before = labels.copy()
            for center, radius in dabs:
                axes = (0, 1, 2) if sphere else (1, 2)
                brush = sum(((grid[a] - center[a]) * spacing_zyx[a]) ** 2 for a in axes) <= radius ** 2
                if not sphere:
                    brush &= grid[0] == np.floor(center[0] + 0.5)
                if erase:
                    labels[brush & (labels == segment)] = 0
                else:
                    labels[brush & ~np.isin(labels, list(locked)) & (labels != segment)] = segment
            if not np.array_equal(before, labels):
                history.append(before)
            done += 1
            if done == strokes and not then:
                break
    return labels


def _run_driver(mode: str, strokes: int, data_dir: Path) -> tuple[list[str], Path]:
    environment = {**os.environ, "OUTPOST_DATA_DIR": str(data_dir)}
    child = subprocess.Popen([sys.executable, "-m", "tests.model.edit_kill_driver", mode, str(strokes)],
                             cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        for line in child.stdout:
            lines.append(line.strip())
            if line.strip() == "mid":
                os.kill(child.pid, signal.SIGKILL)  # in the middle of a drag
                break
        child.wait(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL, child.stderr.read()
    journal = Path(next(line.split(" ", 1)[1] for line in lines if line.startswith("journal ")))
    return lines, journal


@pytest.mark.parametrize(("mode", "strokes"), [("external", 3), ("external", 8), ("torn", 5), ("torn", 0)])
def test_a_kill_loses_at_most_the_last_stroke(data_dir, mode, strokes):
    lines, path = _run_driver(mode, strokes, data_dir)
    assert ("mid" in lines) == (mode == "external")
    assert f"done {strokes}" in lines or strokes == 0
    assert f"done {strokes + 1}" not in lines
    if mode == "torn":
        assert read_journal(path).torn  # the interrupted record is on disk, cut
    offered = pending_journals("1.2.826.0.1.77")
    assert strokes == 0 or [s.path for s in offered] == [path]
    _, editor = _editor()
    SegmentEditor.recover(path, editor)
    expected = _oracle(strokes)
    np.testing.assert_array_equal(editor.labels, expected)
    assert not np.array_equal(expected, _oracle(strokes + 1, then=False))  # the lost stroke was a real change
    source = editor.source_labels
    for number, (added, removed) in editor.changes_by_segment().items():
        assert added == np.count_nonzero((expected == number) & (source != number))
        assert removed == np.count_nonzero((source == number) & (expected != number))
    # the recovered editor goes on journalling into the same file, and undoes to the source
    editor.active = 1
    editor.paint((16, 48, 48), 6.0, sphere=True)
    assert not read_journal(path).torn
    for _step in range(editor.undo_steps):  # every step kept, oldest last
        editor.undo()
    np.testing.assert_array_equal(editor.labels, source)


def test_a_journal_that_cannot_be_written_keeps_the_edit(data_dir, monkeypatch):
    phantom, editor = _editor(journal=True)
    editor.active = 1
    editor.paint((10, 40, 40), 8.0, sphere=True)
    painted = editor.labels.copy()

    def full(self, record, arrays=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(EditJournal, "write", full)
    assert editor.paint((12, 50, 50), 8.0, sphere=True) > 0
    assert editor.journal_error and "No space left" in editor.journal_error
    assert not editor.journal.is_open and editor.undo()
    np.testing.assert_array_equal(editor.labels, painted)
    assert editor.undo() and np.array_equal(editor.labels, phantom.labels)

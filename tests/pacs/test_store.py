"""The local study store: atomic files, one SQLite transaction per instance, reconciliation after crashes."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pydicom
import pytest

from tests.pacs.conftest import partial_files
from viewer.core.errors import Cancelled
from viewer.core.tasks import CancelToken
from viewer.pacs.errors import InstanceMismatchError, MalformedInstanceError, StoreError
from viewer.pacs.store import INDEX_NAME, LocalStore, default_store_dir

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.shared_data


def _index_rows(root: Path) -> dict[str, str]:
    with sqlite3.connect(root / INDEX_NAME) as db:
        return dict(db.execute("SELECT sop_uid, path FROM instances"))


def _stored_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in (root / "files").rglob("*.dcm") if not p.name.startswith(".")}


def _assert_consistent(root: Path) -> None:
    """Every index row has its file, every file its row, and nothing half-written is left."""
    rows = _index_rows(root)
    assert set(rows.values()) == _stored_files(root)
    assert partial_files(root) == []
    for relative in rows.values():
        pydicom.dcmread(root / relative, stop_before_pixels=True)


def test_default_store_lives_in_the_user_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(tmp_path / "data"))
    assert default_store_dir() == tmp_path / "data" / "store"
    with LocalStore() as store:
        assert store.root == tmp_path / "data" / "store"
        mode = store._query("PRAGMA journal_mode")[0][0]
    assert mode == "wal"


def test_import_twice_stores_each_instance_once(store, ct_series):
    progress = []
    first = store.import_paths([ct_series.folder], progress=lambda d, t, x: progress.append((d, t, x)))
    assert len(first.added) == 20 and not first.duplicates
    assert progress[-1] == (20, 20, "importing")
    second = store.import_paths([ct_series.folder, ct_series.files[0]])
    assert not second.added and len(second.duplicates) == 20
    assert store.instance_count() == 20
    (study,) = store.studies()
    assert (study.study_uid, study.patient_id) == (ct_series.study_uid, ct_series.patient_id)
    assert study.modalities == ["CT"]
    assert (study.series_count, study.instance_count) == (1, 20)
    assert study.size_bytes == store.disk_usage(study.study_uid) == sum(p.stat().st_size for p in ct_series.files)
    assert [s.series_uid for s in store.series(study.study_uid)] == [ct_series.series_uid]
    for path in ct_series.files:  # the bytes are copied as they are
        stored = store.path_of(pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID)
        assert stored.read_bytes() == path.read_bytes()
    _assert_consistent(store.root)


def test_import_keeps_non_images_and_skips_what_is_not_dicom(store, shared_data):
    result = store.import_paths([shared_data / "ct_rt_dicompyler_example",
                                 shared_data / "ct_3slice_dicom_seg_dcmqi"])
    modalities = {m for s in store.studies() for m in s.modalities}
    assert {"CT", "RTSTRUCT", "RTPLAN", "SEG"} <= modalities
    assert len(result.added) == 3 + 5
    assert sorted(Path(s.path).suffix for s in result.skipped) == [".nrrd"] * 6


def test_files_without_uids_get_stable_stand_ins(store, shared_data):
    """The shared CT has empty study/series/SOP UIDs: it is still stored once, under stable keys."""
    folder = shared_data / "ct_abdomen_series_totalsegmentator" / "dicom"
    first = store.import_paths([folder])
    again = store.import_paths([folder])
    assert len(first.added) == 20 and len(again.duplicates) == 20
    (study,) = store.studies()
    assert study.study_uid.startswith("2.25.") and study.instance_count == 20
    assert {i.study_uid for i in again.duplicates} == {study.study_uid}


def test_delete_study_removes_files_rows_and_folders(store, ct_series, shared_data):
    store.import_paths([ct_series.folder, shared_data / "ct_3slice_dicom_seg_dcmqi" / "ct-3slice"])
    size = store.disk_usage(ct_series.study_uid)
    assert store.delete_study(ct_series.study_uid[:24]) == size  # a unique prefix is enough
    assert [s.instance_count for s in store.studies()] == [3]
    assert not (store.files_dir / ct_series.study_uid).exists()
    with pytest.raises(StoreError, match="no study"):
        store.delete_study(ct_series.study_uid)
    _assert_consistent(store.root)


def test_cancel_keeps_what_was_imported(store, ct_series):
    token = CancelToken()

    def progress(done, total, text):
        if text == "importing" and done == 5:
            token.cancel()

    with pytest.raises(Cancelled):
        store.import_paths([ct_series.folder], progress=progress, cancel=token)
    assert store.instance_count() == 5
    _assert_consistent(store.root)


def test_network_bytes_are_checked_before_they_are_stored(store, ct_series, tmp_path):
    data = ct_series.files[0].read_bytes()
    uid = pydicom.dcmread(ct_series.files[0], stop_before_pixels=True).SOPInstanceUID
    with pytest.raises(MalformedInstanceError, match="truncated"):
        store.add_bytes(data[:-4000])
    with pytest.raises(MalformedInstanceError, match="not a readable"):
        store.add_bytes(b"\0" * 128 + b"DICM" + b"\xff" * 10)
    with pytest.raises(InstanceMismatchError):
        store.add_bytes(data, sop_class_uid="1.2.840.10008.5.1.4.1.1.4")
    with pytest.raises(InstanceMismatchError):
        store.add_bytes(data, sop_instance_uid=uid + "9")
    assert store.instance_count() == 0
    assert list(store.incoming_dir.iterdir()) == []
    stored = store.add_bytes(data, sop_instance_uid=uid)
    assert stored.path.read_bytes() == data and not stored.duplicate
    assert store.add_bytes(data).duplicate
    _assert_consistent(store.root)


def test_reconcile_indexes_orphan_files_and_drops_rows_without_files(tmp_path, ct_series):
    root = tmp_path / "store"
    with LocalStore(root) as store:
        store.import_paths(ct_series.files[:10])
        gone = store.files(ct_series.study_uid)[0]
    gone.unlink()  # a row without file
    orphan = root / "files" / "x" / "y" / "orphan.dcm"  # a file without row
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(ct_series.files[15].read_bytes())
    partial = gone.parent / f".{gone.stem}.abc123.part.dcm"  # a write cut short
    partial.write_bytes(b"half")
    staged = root / ".incoming" / "0123abcd.dcm"  # a complete network arrival, never placed
    staged.write_bytes(ct_series.files[16].read_bytes())
    with LocalStore(root) as store:
        report = store.last_reconcile
        assert (report.indexed, report.dropped, report.placed, report.removed_partials) == (1, 1, 1, 1)
        assert store.instance_count() == 10 - 1 + 2
    _assert_consistent(root)


def test_an_open_store_keeps_its_temporary_files_from_other_processes(tmp_path, ct_series):
    """Only a store nobody else has open removes temporary files: they may be writes in progress."""
    root = tmp_path / "store"
    first = LocalStore(root)
    partial = root / "files" / ".1.2.3.abc.part.dcm"
    partial.write_bytes(b"being written")
    with LocalStore(root) as second:
        assert second.last_reconcile.removed_partials == 0
    assert partial.exists()
    first.close()
    with LocalStore(root) as third:
        assert third.last_reconcile.removed_partials == 1
    assert not partial.exists()


_CRASHING_IMPORT = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {root!r})
    from viewer.core import files
    from viewer.pacs import store as store_module

    mode, after = sys.argv[1], int(sys.argv[2])
    count = 0
    real_index, real_atomic = store_module.LocalStore._index, store_module.atomic_path

    def index_then_maybe_die(self, record, keys, path):
        global count
        count += 1
        if mode == "before-index" and count == after:
            os.kill(os.getpid(), signal.SIGKILL)  # the file is in place, its rows are not
        return real_index(self, record, keys, path)

    class dying_atomic_path:
        def __init__(self, destination):
            self.inner = real_atomic(destination)
        def __enter__(self):
            self.temporary = self.inner.__enter__()
            return self.temporary
        def __exit__(self, *exc):
            global count
            if mode == "mid-write" and count == after - 1:
                with open(self.temporary, "r+b") as fp:
                    fp.truncate(1000)  # half of the bytes are on disk
                os.kill(os.getpid(), signal.SIGKILL)
            return self.inner.__exit__(*exc)

    store_module.LocalStore._index = index_then_maybe_die
    store_module.atomic_path = dying_atomic_path
    with store_module.LocalStore(sys.argv[3]) as store:
        store.import_paths(sys.argv[4:], progress=lambda d, t, x: print(d, t, x, flush=True))
""")


@pytest.mark.parametrize("mode", ["before-index", "mid-write"])
def test_sigkill_during_import_loses_nothing(tmp_path, ct_series, mode):
    root = tmp_path / "store"
    script = tmp_path / "crash.py"
    script.write_text(_CRASHING_IMPORT.format(root=str(ROOT)))
    process = subprocess.run([sys.executable, str(script), mode, "8", str(root), str(ct_series.folder)],
                             capture_output=True, text=True, timeout=120)
    assert process.returncode == -signal.SIGKILL, process.stderr
    written = _stored_files(root)
    if mode == "before-index":
        assert len(written) == 8 and len(_index_rows(root)) == 7  # the crash left a file without row
    else:
        assert len(written) == 7 and len(partial_files(root)) == 1  # ... or a half-written temporary
    with LocalStore(root) as store:
        assert store.instance_count() == (8 if mode == "before-index" else 7)
        _assert_consistent(root)
        result = store.import_paths([ct_series.folder])
        assert len(result.added) + len(result.duplicates) == 20
        assert store.instance_count() == 20
    _assert_consistent(root)


def test_sigkill_at_an_arbitrary_moment_of_an_import(tmp_path, ct_series, ct_series_uncompressed):
    """Killed by another process whenever it happens to be: the store reconciles on the next start."""
    root = tmp_path / "store"
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
            "from viewer.pacs.store import LocalStore\n"
            f"LocalStore({str(root)!r}).import_paths([{str(ct_series.folder)!r}, "
            f"{str(ct_series_uncompressed.folder)!r}], progress=lambda d, t, x: print(x, d, flush=True))\n")
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    for line in process.stdout:
        if line.startswith("importing 6"):
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    with LocalStore(root) as store:
        kept = store.instance_count()
        assert kept >= 6
        _assert_consistent(root)
        store.import_paths([ct_series_uncompressed.folder])
        assert store.instance_count() == 20  # same SOP instances in both folders


# --------------------------------------------------------------------------- privacy and reused UIDs
def test_the_store_and_its_index_are_private_whatever_the_umask(tmp_path, ct_series):
    """The index holds patient names: readable by its owner only, as the folders and files are."""
    previous = os.umask(0o022)
    try:
        with LocalStore(tmp_path / "new" / "store") as store:
            (added,) = store.import_paths(ct_series.files[:1]).added
            index = [store.root / f"{INDEX_NAME}{suffix}" for suffix in ("", "-wal", "-shm")]
            modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in
                     [store.root, store.files_dir, store.incoming_dir, store.conflicts_dir, *index, added.path]}
        assert modes == {"store": 0o700, "files": 0o700, ".incoming": 0o700, "conflicts": 0o700,
                         INDEX_NAME: 0o600, f"{INDEX_NAME}-wal": 0o600, f"{INDEX_NAME}-shm": 0o600,
                         added.path.name: 0o600}
        # A store made before (or by hand) open to everyone is closed when it is opened.
        root = tmp_path / "older"
        LocalStore(root).close()
        for path in (root / "files", root / ".incoming"):
            path.chmod(0o755)
        (root / INDEX_NAME).chmod(0o644)
        LocalStore(root).close()
        assert [stat.S_IMODE((root / name).stat().st_mode) for name in ("files", ".incoming", INDEX_NAME)] == \
            [0o700, 0o700, 0o600]
    finally:
        os.umask(previous)


def _variant(path: Path, tmp_path: Path, name: str, change: int = 1) -> bytes:
    """The bytes of the instance at ``path`` with one pixel changed: other content, the same UIDs."""
    ds = pydicom.dcmread(path)
    ds.decompress(generate_instance_uid=False)
    pixels = ds.pixel_array.copy()
    pixels.flat[0] += change
    ds.PixelData = pixels.tobytes()
    ds.save_as(tmp_path / name, enforce_file_format=True)
    return (tmp_path / name).read_bytes()


def test_one_uid_offered_by_many_threads_at_once_is_stored_once_and_the_others_kept_apart(store, ct_series,
                                                                                          tmp_path):
    source = ct_series.files[0]
    uid = pydicom.dcmread(source, stop_before_pixels=True).SOPInstanceUID
    original, variant, other = (source.read_bytes(), _variant(source, tmp_path, "v.dcm"),
                                _variant(source, tmp_path, "w.dcm", change=2))
    contents = [original, original, variant, variant, other]  # five offers of one UID, three contents
    barrier = threading.Barrier(len(contents))
    results: list = [None] * len(contents)

    def offer(number: int) -> None:
        barrier.wait(timeout=30)
        results[number] = store.add_bytes(contents[number], sop_instance_uid=uid)

    threads = [threading.Thread(target=offer, args=(n,)) for n in range(len(contents))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    placed = [r for r in results if not r.duplicate]
    assert len(placed) == 1 and store.instance_count() == 1
    stored = placed[0].path.read_bytes()
    kept = sorted(p.read_bytes() for p in store.conflicts_dir.iterdir())
    assert len(kept) == 2 and sorted({c for c in contents if c != stored}) == kept  # each other one once
    assert all(r.conflict == (contents[n] != stored) for n, r in enumerate(results) if r.duplicate)
    _assert_consistent(store.root)


def test_reconcile_sets_apart_a_second_file_with_other_content_and_lists_no_empty_study(tmp_path, ct_series):
    root = tmp_path / "store"
    with LocalStore(root) as store:
        (added,) = store.import_paths(ct_series.files[:1]).added
    second = root / "files" / "x" / "y" / "second.dcm"  # a second file for the UID, as a race used to leave
    second.parent.mkdir(parents=True)
    second.write_bytes(_variant(added.path, tmp_path, "variant.dcm"))
    same = root / "files" / "x" / "y" / "same.dcm"
    same.write_bytes(added.path.read_bytes())
    with sqlite3.connect(root / INDEX_NAME) as db:  # a study row left without instances
        db.execute("INSERT INTO studies VALUES ('1.2.3.999', ?, '', '', '', '', '')",
                   db.execute("SELECT patient_key FROM patients").fetchone())
    with LocalStore(root) as store:
        assert store.last_reconcile.set_apart == 1 and store.path_of(added.sop_uid) == added.path
        assert not second.exists() and not same.exists()
        assert [p.read_bytes() for p in store.conflicts_dir.iterdir()] == [(tmp_path / "variant.dcm").read_bytes()]
        assert [s.study_uid for s in store.studies()] == [added.study_uid]
    _assert_consistent(root)


def test_a_deflated_instance_is_measured_before_it_is_inflated(store, tmp_path):
    """A few kilobytes that inflate to 64 MiB: refused without reading it whole into memory."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, DeflatedExplicitVRLittleEndian, generate_uid

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, generate_uid()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Rows = ds.Columns = 4096
    ds.BitsAllocated, ds.SamplesPerPixel, ds.PhotometricInterpretation = 16, 1, "MONOCHROME2"
    ds.PixelData = bytes(4096 * 4096 * 2)
    bomb = tmp_path / "bomb.dcm"
    ds.save_as(bomb, enforce_file_format=True)
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(StoreError, match="inflates to more than 16 MiB"):
        store.take_file(bomb, max_bytes=16 << 20)
    assert not bomb.exists() and store.instance_count() == 0 and list(store.incoming_dir.iterdir()) == []

"""The batch results database: one row per series, resumable, one pack per batch, the reader's marks."""

from __future__ import annotations

import sqlite3

import pytest

from ai.batch.database import (
    AGREE,
    DONE,
    FAILED,
    PENDING,
    RUNNING,
    UNSUITABLE,
    BatchDatabase,
    BatchError,
    SeriesEntry,
)


def _entries(n: int) -> list[SeriesEntry]:
    return [SeriesEntry(f"1.2.3.{i}", "1.2.3", f"2026010{i % 9 + 1}", "CR", "PA", f"path:/data/{i}")
            for i in range(n)]


def test_a_batch_resumes_and_counts_each_series_once(tmp_path):
    with BatchDatabase(tmp_path / "batch") as db:
        db.bind_pack("cxr", "1.0", "a" * 64)
        assert db.add(_entries(4)) == 4
        assert db.add(_entries(5)) == 1  # the four known keep their rows
        db.add([SeriesEntry("9.9", status=UNSUITABLE, reason="not a chest radiograph")])
        db.start("1.2.3.0", "worker-1")
        db.finish("1.2.3.0", DONE, score=0.9, scores={"normal": 0.1, "pneumonia": 0.9}, seconds=0.5, device="cpu")
        db.start("1.2.3.1")
        db.finish("1.2.3.1", FAILED, reason="unreadable pixels")
        db.start("1.2.3.2")  # interrupted while running
    with BatchDatabase(tmp_path / "batch", create=False) as db:
        assert db.counts() == {PENDING: 2, RUNNING: 1, DONE: 1, FAILED: 1, UNSUITABLE: 1}
        todo = {row.series_uid for row in db.todo()}
        assert todo == {"1.2.3.1", "1.2.3.2", "1.2.3.3", "1.2.3.4"}  # failed and interrupted run again
        db.finish("1.2.3.0", FAILED, reason="a late duplicate of a task that ran twice")
        done = db.row("1.2.3.0")
        assert done.status == DONE and done.scores == {"normal": 0.1, "pneumonia": 0.9} and done.attempts == 1
        assert done.worker == "worker-1"


def test_a_batch_belongs_to_one_pack_version(tmp_path):
    with BatchDatabase(tmp_path) as db:
        db.bind_pack("cxr", "1.0", "a" * 64)
        db.bind_pack("cxr", "1.0", "a" * 64)
        with pytest.raises(BatchError, match="holds a batch of cxr 1.0"):
            db.bind_pack("cxr", "1.1", "b" * 64)


def test_rows_filter_sort_and_marks(tmp_path):
    with BatchDatabase(tmp_path) as db:
        db.add(_entries(4))
        for uid, score in (("1.2.3.0", 0.2), ("1.2.3.1", 0.95), ("1.2.3.2", 0.6)):
            db.finish(uid, DONE, score=score)
        assert [r.series_uid for r in db.rows()] == ["1.2.3.1", "1.2.3.2", "1.2.3.0", "1.2.3.3"]
        assert [r.series_uid for r in db.rows(flagged=True, threshold=0.5)] == ["1.2.3.1", "1.2.3.2"]
        assert [r.series_uid for r in db.rows(status=PENDING)] == ["1.2.3.3"]
        db.mark("1.2.3.1", reader="dr-a", read=True, opinion=AGREE)
        db.mark("1.2.3.1", reader="dr-a", read=False)
        row = db.row("1.2.3.1")
        assert (row.read, row.opinion, row.marked_by) == (False, AGREE, "dr-a") and row.marked_at
        with pytest.raises(BatchError):
            db.mark("4.4.4", reader="dr-a", read=True)
        with pytest.raises(ValueError):
            db.mark("1.2.3.1", reader="dr-a", opinion="maybe")


def test_not_a_batch_is_one_line(tmp_path):
    with pytest.raises(BatchError, match="no batch in"):
        BatchDatabase(tmp_path / "none", create=False)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "batch.sqlite3").write_bytes(b"this is no database" * 100)
    with pytest.raises(BatchError, match="is not a batch database"):
        BatchDatabase(tmp_path / "bad")
    newer = tmp_path / "newer"
    BatchDatabase(newer).close()
    connection = sqlite3.connect(newer / "batch.sqlite3")
    connection.execute("PRAGMA user_version=99")
    connection.close()
    with pytest.raises(BatchError, match="newer Outpost"):
        BatchDatabase(newer)

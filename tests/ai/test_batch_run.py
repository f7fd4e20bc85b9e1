"""A real batch of the SqueezeNet chest X-ray pack over a small screening camp, in real AI worker processes.

The camp: four chest X-rays made from the shared ones with new UIDs, a CT series (unsuitable) and a
file that is not DICOM (unreadable). Checked: results in the database and on disk, a second run
that runs nothing done and retries what failed, an interrupted batch that resumes counting every
series once, and two workers that give what one gives.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ai.batch.database import DONE, FAILED, PENDING, RUNNING, UNSUITABLE, BatchDatabase, BatchError
from ai.batch.executors import Executor, LocalExecutor
from ai.batch.inputs import from_paths
from ai.batch.runner import run_batch
from ai.batch.tasks import SeriesTask, positive_classes, process_series, score_of, screening_threshold
from ai.packs.pack import read_pack
from tests.ai.batch_inputs import break_pixels, screening_camp
from tests.ai.pack_factory import squeezenet_cxr_pack
from viewer.core.tasks import CancelToken


class Recording:
    """An executor around a real one that records what it was given; it stops the batch after ``stop_after``."""

    def __init__(self, inner: Executor, stop_after: int | None = None) -> None:
        self.inner, self.stop_after = inner, stop_after
        self.workers = inner.workers
        self.tasks: list[SeriesTask] = []
        self.outcomes = []

    def run(self, tasks, on_start, on_outcome, cancel) -> None:
        self.tasks.extend(tasks)

        def outcome(result) -> None:
            self.outcomes.append(result)
            on_outcome(result)
            if self.stop_after is not None and len(self.outcomes) >= self.stop_after:
                cancel.cancel()

        self.inner.run(tasks, on_start, outcome, cancel)


@pytest.fixture(scope="module")
def pack(shared_data, tmp_path_factory):
    return read_pack(squeezenet_cxr_pack(shared_data, tmp_path_factory.mktemp("packs") / "cxr"))


@pytest.fixture(scope="module")
def camp(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("camp")
    return folder, screening_camp(shared_data, folder)


@pytest.fixture(scope="module")
def first_batch(pack, camp, tmp_path_factory):
    """One worker over the camp; one X-ray's pixels are cut short after the inputs were scanned (a share
    that changed under the batch): it fails, and is mended afterwards."""
    folder, made = camp
    found = from_paths([str(folder)])
    broken = folder / "cxr3" / "image.dcm"
    whole = break_pixels(broken)
    executor = Recording(LocalExecutor(workers=1, device="cpu"))
    batch = tmp_path_factory.mktemp("batches") / "one"
    summary = run_batch(batch, pack, found.series, executor, unreadable=found.unreadable)
    broken.write_bytes(whole)
    return batch, summary, executor, made


def _rows(batch: Path) -> dict:
    with BatchDatabase(batch, create=False) as db:
        return {row.series_uid: row for row in db.rows()}


def test_a_batch_records_every_series_with_its_outcome(first_batch, pack):
    batch, summary, executor, made = first_batch
    rows = _rows(batch)
    assert set(rows) == set(made["xrays"]) | set(made["ct"])
    assert rows[made["ct"][0]].status == UNSUITABLE and "CT" in rows[made["ct"][0]].reason
    assert rows[made["xrays"][3]].status == FAILED and rows[made["xrays"][3]].reason
    assert [summary_path for summary_path, _ in summary.unreadable] == [str(made["broken"][0])]
    for uid in made["xrays"][:3]:
        row = rows[uid]
        assert row.status == DONE and row.attempts == 1 and row.device.startswith("cpu")
        assert set(row.scores) == {"Bacterial Pneumonia", "Normal", "Viral Pneumonia"}
        positive = row.scores["Bacterial Pneumonia"] + row.scores["Viral Pneumonia"]
        assert row.score == pytest.approx(positive) and 0 <= row.score <= 1
        assert not Path(row.result_dir).is_absolute() and row.result_dir == f"results/{uid}"
        result = json.loads((batch / row.result_dir / "result.json").read_text())
        assert result["probabilities"] == pytest.approx(row.scores)
        assert score_of(pack, result) == pytest.approx(row.score)
        assert row.worker.count(":") == 1 and row.seconds > 0
    assert summary.counts == {PENDING: 0, RUNNING: 0, DONE: 3, FAILED: 1, UNSUITABLE: 1}
    assert summary.ran == 5 and not summary.cancelled
    assert not list(batch.glob("results/.*"))  # no staging folder left behind


def test_running_again_skips_what_is_done_and_retries_what_failed(first_batch, pack, camp):
    batch, _, _, made = first_batch
    before = _rows(batch)
    again = Recording(LocalExecutor(workers=1, device="cpu"))
    summary = run_batch(batch, pack, from_paths([str(camp[0])]).series, again)
    assert [task.series_uid for task in again.tasks] == [made["xrays"][3]]  # nothing done runs again
    rows = _rows(batch)
    assert rows[made["xrays"][3]].status == DONE and rows[made["xrays"][3]].attempts == 2
    for uid in made["xrays"][:3]:
        assert rows[uid].finished == before[uid].finished and rows[uid].attempts == 1
    assert summary.added == 0 and summary.counts[DONE] == 4 and summary.counts[UNSUITABLE] == 1
    third = Recording(LocalExecutor(workers=1, device="cpu"))
    assert run_batch(batch, pack, from_paths([str(camp[0])]).series, third).ran == 0 and not third.tasks


def test_a_batch_refuses_another_pack(first_batch, pack, tmp_path):
    batch = first_batch[0]
    other = tmp_path / "other"
    shutil.copytree(pack.root, other)
    metadata = json.loads((other / "configs" / "metadata.json").read_text())
    metadata["version"] = "2.0"
    (other / "configs" / "metadata.json").write_text(json.dumps(metadata))
    from ai.packs.pack import write_checksums

    write_checksums(other)
    with pytest.raises(BatchError, match="use another folder"):
        run_batch(batch, read_pack(other), [], LocalExecutor(device="cpu"))


def test_an_interrupted_batch_resumes_and_counts_each_series_once(pack, camp, first_batch, tmp_path):
    found = from_paths([str(camp[0])])
    stopped = Recording(LocalExecutor(workers=1, device="cpu"), stop_after=2)
    summary = run_batch(tmp_path / "batch", pack, found.series, stopped)
    assert summary.cancelled and summary.ran == 2
    assert summary.counts[DONE] + summary.counts[UNSUITABLE] == 2
    resumed = Recording(LocalExecutor(workers=1, device="cpu"))
    summary = run_batch(tmp_path / "batch", pack, found.series, resumed)
    assert not summary.cancelled and summary.counts[DONE] == 4 and summary.counts[UNSUITABLE] == 1
    first_uids = {outcome.series_uid for outcome in stopped.outcomes}
    assert not first_uids & {task.series_uid for task in resumed.tasks}  # what finished never runs again
    assert sum(summary.counts.values()) == 5
    rows = _rows(tmp_path / "batch")
    reference = _rows(first_batch[0])
    for uid, row in rows.items():
        assert row.score == pytest.approx(reference[uid].score, abs=1e-5)


def test_two_workers_give_what_one_gives(pack, camp, first_batch, tmp_path):
    executor = Recording(LocalExecutor(workers=2, device="cpu"))
    summary = run_batch(tmp_path / "two", pack, from_paths([str(camp[0])]).series, executor)
    assert summary.counts[DONE] == 4 and summary.counts[UNSUITABLE] == 1
    rows, reference = _rows(tmp_path / "two"), _rows(first_batch[0])
    assert {uid: row.status for uid, row in rows.items()} == {uid: row.status for uid, row in reference.items()}
    for uid, row in rows.items():
        assert row.score == pytest.approx(reference[uid].score, abs=1e-5)
        assert row.scores == pytest.approx(reference[uid].scores, abs=1e-5)
    workers = {row.worker for row in rows.values() if row.status == DONE}
    assert len(workers) == 2  # two AI worker processes shared the series


def test_process_series_reports_problems_as_outcomes(pack, camp, tmp_path):
    made = camp[1]
    task = SeriesTask(series_uid="1.2.3.404", study_uid="", paths=(str(made["broken"][0]),),
                      pack_dir=str(pack.root), pack_checksum=pack.checksum, out_dir=str(tmp_path / "out"))
    outcome = process_series(task)  # no engine started for a series that cannot be read
    assert outcome.status == FAILED and "unreadable" in outcome.reason and outcome.seconds is not None
    wrong = SeriesTask(series_uid=made["ct"][0], study_uid="", paths=(str(camp[0] / "ct"),),
                       pack_dir=str(pack.root), pack_checksum="0" * 64, out_dir=str(tmp_path / "out"))
    refused = process_series(wrong)
    assert refused.status == FAILED and "not the batch's" in refused.reason
    assert not (tmp_path / "out").exists()


def test_a_pack_changed_on_disk_during_a_batch_is_refused_for_the_next_series(pack, camp, tmp_path):
    from ai.batch.tasks import load_task_pack

    folder = tmp_path / "pack"
    shutil.copytree(pack.root, folder)
    task = SeriesTask(series_uid=camp[1]["ct"][0], study_uid="", paths=(str(camp[0] / "ct"),),
                      pack_dir=str(folder), pack_checksum=pack.checksum, out_dir=str(tmp_path / "out"))
    assert load_task_pack(task) is load_task_pack(task)  # read and hashed once while nothing changes
    weights = next(path for path in folder.rglob("*") if path.suffix in (".pt", ".pth", ".safetensors"))
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF  # same size; its modification time moves
    weights.write_bytes(bytes(data))
    outcome = process_series(task)
    assert outcome.status == FAILED and "model.safetensors does not match its checksum" in outcome.reason


def test_screening_defaults_and_the_packs_entry(pack, tmp_path):
    assert positive_classes(pack) == ["Bacterial Pneumonia", "Viral Pneumonia"]
    assert screening_threshold(pack) == 0.5
    from ai.errors import PackRefusedError
    from ai.packs.pack import write_checksums

    folder = tmp_path / "screened"
    shutil.copytree(pack.root, folder)
    metadata_path = folder / "configs" / "metadata.json"
    metadata = json.loads(metadata_path.read_text())
    for entry, accepted in (({"positive": "Viral Pneumonia", "threshold": 0.3}, True),
                            ({"positive": "Tuberculosis"}, False), ({"threshold": -1}, False),
                            ({"threshold": 1.5}, False),
                            ({"positive": ["Normal"], "cutoff": 1}, False), ("yes", False)):
        metadata["outpost"]["screening"] = entry
        metadata_path.write_text(json.dumps(metadata))
        write_checksums(folder)
        if accepted:
            screened = read_pack(folder)
            assert positive_classes(screened) == ["Viral Pneumonia"] and screening_threshold(screened) == 0.3
            assert score_of(screened, {"probabilities": {"Viral Pneumonia": 0.25, "Normal": 0.75}}) == 0.25
        else:
            with pytest.raises(PackRefusedError, match="outpost.screening"):
                read_pack(folder)


def test_the_executor_protocol_is_met():
    assert isinstance(LocalExecutor(workers=3), Executor) and LocalExecutor(workers=0).workers == 1
    executor = LocalExecutor(workers=2)
    seen = []
    executor.run([], lambda task, worker: seen.append(task), seen.append, CancelToken())
    assert seen == []


def test_the_bundled_chest_xray_pack_flags_either_pneumonia(shared_data, tmp_path):
    from installer.catalogue import PNEUMONIA_PACK, build_catalogue

    build_catalogue(shared_data, tmp_path / "catalogue")
    bundled = read_pack(tmp_path / "catalogue" / PNEUMONIA_PACK)
    assert bundled.verified and bundled.outpost["screening"]["threshold"] == 0.5
    assert positive_classes(bundled) == ["Bacterial Pneumonia", "Viral Pneumonia"]

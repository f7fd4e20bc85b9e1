"""Batches on a real ``dask.distributed`` cluster: a scheduler and two worker processes on 127.0.0.1.

The cluster is made of ``python -m ai.batch.cluster scheduler|worker`` (what ``outpost batch
scheduler|worker`` run), each worker with its own ``OUTPOST_DATA_DIR``, started and always torn down
by :func:`benchmarks.bench_batch.local_cluster`; the SqueezeNet chest X-ray pack runs through the
runner (:func:`ai.batch.runner.run_batch`) over chest X-rays made from the shared CR files with new
UIDs. The scores must be those of the embedded local pool, every series done once, and a worker
killed (SIGKILL) mid-batch must lose nothing and count nothing twice. Network: loopback only.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from ai.batch.database import DONE, FAILED, BatchDatabase
from benchmarks.bench_batch import local_cluster, make_radiographs

pytestmark = pytest.mark.shared_data
SERIES = 8
#: Generous: two busy shared cores, torch imported in each worker's AI process on its first series.
CLUSTER_START_S = 180.0


class Counting:
    """An executor that counts the outcomes it reports per series (and may act after each)."""

    def __init__(self, inner, after=None) -> None:
        self.inner, self.after = inner, after
        self.workers = inner.workers
        self.reported: Counter = Counter()

    def run(self, tasks, on_start, on_outcome, cancel) -> None:
        def counted(outcome) -> None:
            self.reported[outcome.series_uid] += 1
            on_outcome(outcome)
            if self.after is not None:
                self.after(sum(self.reported.values()))

        self.inner.run(tasks, on_start, counted, cancel)


@pytest.fixture(scope="module")
def batch_input(shared_data, tmp_path_factory):
    """The pack and the inputs: :data:`SERIES` radiographs with new UIDs."""
    from ai.batch.inputs import from_paths
    from ai.packs.pack import read_pack
    from tests.ai.pack_factory import squeezenet_cxr_pack

    root = tmp_path_factory.mktemp("dask-batch")
    pack = read_pack(squeezenet_cxr_pack(shared_data, root / "pack"))
    make_radiographs(shared_data, root / "input", SERIES)
    inputs = from_paths([str(root / "input")])
    assert len(inputs.series) == SERIES
    return pack, inputs


def run(batch: Path, batch_input, executor) -> Counting:
    from ai.batch.runner import run_batch

    pack, inputs = batch_input
    counting = executor if isinstance(executor, Counting) else Counting(executor)
    summary = run_batch(batch, pack, inputs.series, counting, device="cpu")
    assert not summary.cancelled
    return counting


@pytest.fixture(scope="module")
def local_scores(batch_input, tmp_path_factory) -> dict[str, dict[str, float]]:
    """Each series' class probabilities from the embedded local pool (one worker)."""
    from ai.batch.executors import LocalExecutor

    batch = tmp_path_factory.mktemp("local") / "batch"
    run(batch, batch_input, LocalExecutor(workers=1, device="cpu"))
    with BatchDatabase(batch, create=False) as db:
        rows = db.rows()
    assert [row.status for row in rows] == [DONE] * SERIES, [(row.status, row.reason) for row in rows]
    return {row.series_uid: row.scores for row in rows}


def check_done_once(batch: Path, reported: Counter, local: dict[str, dict[str, float]]) -> list:
    """Every series done, reported once, started once, with the local pool's scores and its result file."""
    with BatchDatabase(batch, create=False) as db:
        rows = db.rows()
        assert db.counts()[DONE] == SERIES
    assert sorted(reported) == sorted(local)
    assert set(reported.values()) == {1}, f"a series reported twice: {reported}"
    for row in rows:
        assert row.status == DONE, (row.series_uid, row.reason)
        assert row.attempts == 1
        assert row.scores.keys() == local[row.series_uid].keys()
        for name, probability in row.scores.items():
            assert probability == pytest.approx(local[row.series_uid][name], rel=1e-5, abs=1e-6)
        assert (batch / row.result_dir / "result.json").is_file()
    return rows


def test_batch_on_a_local_dask_cluster_matches_the_local_pool(batch_input, local_scores, tmp_path):
    from ai.batch.dask_executor import DaskExecutor

    batch = tmp_path / "batch"
    with local_cluster(tmp_path / "cluster", workers=2, timeout=CLUSTER_START_S) as cluster:
        executor = DaskExecutor(cluster.address)
        try:
            assert executor.workers == 2
            counting = run(batch, batch_input, executor)
            again = run(batch, batch_input, executor)  # nothing left to do: nothing runs or counts again
        finally:
            executor.close()
    rows = check_done_once(batch, counting.reported, local_scores)
    assert all(row.worker for row in rows)
    assert not again.reported
    check_done_once(batch, counting.reported, local_scores)


def test_a_worker_killed_mid_batch_loses_nothing_and_counts_nothing_twice(batch_input, local_scores, tmp_path):
    from ai.batch.dask_executor import DaskExecutor

    batch = tmp_path / "batch"
    killed: list[str] = []
    in_hand: list[int] = []
    with local_cluster(tmp_path / "cluster", workers=2, timeout=CLUSTER_START_S) as cluster:
        executor = DaskExecutor(cluster.address)

        def kill_after_two(done: int) -> None:
            if done != 2 or killed:
                return
            # The worker with the most series in hand (twice as many tasks as threads are out): they
            # must run again on the other one.
            processing = executor.client.processing()
            busiest = max(processing, key=lambda address: len(processing[address]))
            in_hand.append(len(processing[busiest]))
            killed.append(str(executor.client.scheduler_info()["workers"][busiest]["name"]))
            cluster.kill(killed[0])

        try:
            counting = run(batch, batch_input, Counting(executor, after=kill_after_two))
        finally:
            executor.close()
        assert killed and cluster.processes[killed[0]].poll() is not None
        assert in_hand[0] >= 1, "the killed worker had no series in hand"
        survivor = next(name for name in cluster.processes if name.startswith("worker") and name != killed[0])
        assert cluster.processes[survivor].poll() is None, cluster.log_tail(survivor)
    check_done_once(batch, counting.reported, local_scores)


def test_an_unreachable_scheduler_is_one_clear_line():
    from ai.batch.dask_executor import ClusterError, DaskExecutor
    from benchmarks.bench_batch import _free_port

    port = _free_port()
    with pytest.raises(ClusterError, match=rf"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"):
        DaskExecutor(f"tcp://127.0.0.1:{port}", connect_timeout=2)
    with pytest.raises(ClusterError, match="tcp://HOST:PORT"):
        DaskExecutor("not an address")


def test_without_dask_the_error_is_one_line(monkeypatch):
    from ai.batch.dask_executor import ClusterError, DaskExecutor

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(ClusterError, match=r"needs dask\[distributed\], which is not installed"):
        DaskExecutor("tcp://127.0.0.1:8786")


def test_a_lost_scheduler_stops_the_batch_in_one_line_and_the_next_run_resumes(batch_input, local_scores,
                                                                               tmp_path):
    from ai.batch.dask_executor import ClusterError, DaskExecutor

    batch = tmp_path / "batch"
    with local_cluster(tmp_path / "cluster", workers=2, timeout=CLUSTER_START_S) as cluster:
        executor = DaskExecutor(cluster.address)

        def kill_scheduler_after_two(done: int) -> None:
            if done == 2:
                cluster.kill("scheduler")

        first = Counting(executor, after=kill_scheduler_after_two)
        try:
            with pytest.raises(ClusterError, match="lost the Dask scheduler"):
                run(batch, batch_input, first)
        finally:
            executor.close()
    with BatchDatabase(batch, create=False) as db:
        counts = db.counts()
        # What came back before the loss is recorded (a result the lost scheduler could no longer
        # fetch as failed); nothing else ended, and all the rest is still to run.
        assert counts[DONE] >= 2 and counts[DONE] + counts[FAILED] == sum(first.reported.values())
        assert len(db.todo()) == SERIES - counts[DONE]
    with local_cluster(tmp_path / "cluster-again", workers=2, timeout=CLUSTER_START_S) as cluster:
        executor = DaskExecutor(cluster.address)
        try:
            second = run(batch, batch_input, executor)
        finally:
            executor.close()
    assert not set(first.reported) & set(second.reported)
    with BatchDatabase(batch, create=False) as db:
        assert db.counts()[DONE] == SERIES
        for row in db.rows():
            for name, probability in row.scores.items():
                assert probability == pytest.approx(local_scores[row.series_uid][name], rel=1e-5, abs=1e-6)


def test_workers_fetch_each_series_by_dicomweb_with_their_own_node_settings(batch_input, local_scores, tmp_path,
                                                                             require_tool, monkeypatch):
    """Inputs left on a real Orthanc: the batch queries it by QIDO-RS and each worker fetches its series
    by WADO-RS from the node of that name in its own settings (the password stays on the worker, never in
    a task), then removes its copy."""
    import shutil

    from ai.batch.dask_executor import DaskExecutor
    from ai.batch.inputs import from_dicomweb
    from tests.pacs.servers import ORTHANC_USER, OrthancServer, dicomweb_plugin, free_port
    from viewer.core.audit import read_entries
    from viewer.pacs.nodes import LocalSettings, Node, PacsSettings

    executable = require_tool("Orthanc") if shutil.which("Orthanc") else "/usr/sbin/Orthanc"
    if dicomweb_plugin() is None:
        pytest.fail("the Orthanc DICOMweb plugin is not installed (Debian package orthanc-dicomweb)")
    pack, found_here = batch_input
    server = OrthancServer(executable, tmp_path / "orthanc", receiver_port=free_port()).start()
    try:
        server.upload([path for found in found_here.series for path in found.paths])
        node = Node(name="camp-pacs", dicomweb_url=server.dicomweb_url, username=ORTHANC_USER,
                    password=server.password, allow_http_credentials=True)
        inputs = from_dicomweb(node, ["modality=CR"], local=LocalSettings())
        assert sorted(f.entry.series_uid for f in inputs.series) == sorted(local_scores)
        assert all(not f.paths and f.dicomweb_node == "camp-pacs" for f in inputs.series)
        temporary = tmp_path / "worker-tmp"
        temporary.mkdir()
        monkeypatch.setenv("TMPDIR", str(temporary))  # the workers' copies of the series go here
        monkeypatch.setenv("OUTPOST_CREDENTIAL_STORE", "file")
        batch = tmp_path / "batch"
        with local_cluster(tmp_path / "cluster", workers=2, timeout=CLUSTER_START_S) as cluster:
            for name in ("worker-1", "worker-2"):  # each worker machine knows the PACS by that name
                settings = PacsSettings(cluster.folder / f"data-{name}" / "pacs.json")
                settings.add(node)
                settings.save()
            executor = DaskExecutor(cluster.address)
            try:
                from ai.batch.runner import run_batch

                counting = Counting(executor)
                summary = run_batch(batch, pack, inputs.series, counting, device="cpu")
            finally:
                executor.close()
            logs = "".join(cluster.log_tail(name, 10**6) for name in cluster.processes)
        assert not summary.cancelled
        rows = check_done_once(batch, counting.reported, local_scores)
        assert {row.source for row in rows} == {"pacs:camp-pacs"}
        fetched = [entry["details"] for name in ("worker-1", "worker-2") for entry in
                   read_entries(cluster.folder / f"data-{name}" / "audit.jsonl", event="retrieve").entries]
        assert sorted(details["series_uid"] for details in fetched) == sorted(local_scores)
        assert all(details["protocol"] == "WADO-RS" and details["instances"] == 1 for details in fetched)
        assert not list(temporary.glob("outpost-batch-series-*")), "a worker left a copy of a series behind"
        assert server.password not in logs
    finally:
        server.stop()

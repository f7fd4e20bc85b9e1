"""Where a batch's series come from: paths, the local study store, a real PACS (Orthanc on 127.0.0.1)."""

from __future__ import annotations

import pytest

from ai.batch.database import UNSUITABLE, BatchDatabase
from ai.batch.executors import LocalExecutor
from ai.batch.inputs import from_pacs, from_paths, from_store, parse_query
from ai.batch.runner import run_batch
from ai.packs.pack import read_pack
from tests.ai.batch_inputs import screening_camp
from tests.ai.pack_factory import squeezenet_cxr_pack
from tests.pacs.conftest import (  # noqa: F401 - the PACS tests' fixtures: a real Orthanc and the shared CT
    ct_series,
    loaded_orthanc,
    local_settings,
    orthanc,
    orthanc_executable,
    orthanc_node,
    stopping_servers,
    store,
)
from viewer.core.errors import OutpostError


@pytest.fixture(scope="module")
def camp(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("camp")
    return folder, screening_camp(shared_data, folder)


def test_paths_give_each_series_its_entry_and_list_unreadable_files(camp):
    folder, made = camp
    found = from_paths([str(folder)])
    entries = {item.entry.series_uid: item for item in found.series}
    assert set(entries) == set(made["xrays"]) | set(made["ct"])
    xray = entries[made["xrays"][0]]
    assert (xray.entry.modality, xray.entry.study_date, xray.entry.source) == ("CR", "20260101", f"path:{folder}")
    assert xray.paths == (str(folder / "cxr0" / "image.dcm"),)
    assert len(entries[made["ct"][0]].paths) == 3
    assert [path for path, _ in found.unreadable] == [str(made["broken"][0])]
    assert all(reason for _, reason in found.unreadable)
    with pytest.raises(OutpostError, match="does not exist"):
        from_paths([str(folder / "nowhere")])


def test_the_store_gives_its_studies(camp, store):  # noqa: F811 - the fixture imported above
    folder, made = camp
    store.import_paths([folder / "cxr0", folder / "ct"])
    found = from_store(store)
    assert {item.entry.series_uid for item in found.series} == {made["xrays"][0], made["ct"][0]}
    for item in found.series:
        assert item.entry.source == f"store:{item.entry.study_uid}"
        assert all(path.startswith(str(store.root)) for path in item.paths)


def test_queries(monkeypatch):
    query = parse_query(["date=20260101-20260131", "modality=CR", "accession=A1"])
    assert (query.level, query.date_from, query.date_to, query.modality, query.accession_number) == \
        ("STUDY", "20260101", "20260131", "CR", "A1")
    for bad in (["name=Doe"], ["modality"], ["date=yesterday"]):
        with pytest.raises(OutpostError):
            parse_query(bad)


def test_a_pacs_query_is_retrieved_into_the_store_and_batched(
        loaded_orthanc, orthanc_node, local_settings, store, ct_series, shared_data, tmp_path):  # noqa: F811
    found = from_pacs(orthanc_node, ["modality=CT"], store, local=local_settings)
    assert [item.entry.series_uid for item in found.series] == [ct_series.series_uid]
    assert found.series[0].entry.source.startswith("pacs:") and store.instance_count() == 20
    again = from_pacs(orthanc_node, ["modality=CT"], store, local=local_settings)  # held whole: not retrieved
    assert [item.entry.series_uid for item in again.series] == [ct_series.series_uid]
    assert from_pacs(orthanc_node, ["modality=MR"], store, local=local_settings).series == []
    pack = read_pack(squeezenet_cxr_pack(shared_data, tmp_path / "pack"))
    summary = run_batch(tmp_path / "batch", pack, found.series, LocalExecutor(device="cpu"))
    assert summary.counts[UNSUITABLE] == 1  # a CT for a chest X-ray classifier: listed with the reason
    with BatchDatabase(tmp_path / "batch", create=False) as db:
        row = db.row(ct_series.series_uid)
    assert row.reason and row.source == found.series[0].entry.source and row.study_date == "20221208"

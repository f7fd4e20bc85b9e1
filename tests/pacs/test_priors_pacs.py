"""Comparison with the prior when the prior is on a PACS: a real Orthanc on 127.0.0.1, and hostile peers.

The studies are synthetic (tests/dicom_factory.py), of one Patient ID: the current chest CT
opened from a folder, its prior on the PACS only, a newer MR-only study there too, an older
study both opened and on the PACS, and another patient's. Outpost lists them, chooses the prior
from the C-FIND answers, retrieves its series into a local store and shows it beside the
current one; a PACS that is down, silent or hostile costs one line, and the opened studies are
still used.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import Tag
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, evt
from pynetdicom.sop_class import (
    CTImageStorage,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
)

from tests.dicom_factory import make_slice, write
from tests.pacs.servers import StallingDicomPeer, free_port
from tests.qt.conftest import make_window, open_study  # noqa: F401 - the Qt window fixture (and offscreen Qt)
from viewer.core.dicom import load_series, scan
from viewer.model.priors import (
    MAX_SERIES_LOOKUPS,
    OPENED,
    PACS,
    PacsSource,
    RemoteSeries,
    find_prior,
    loadable_series,
    patient_studies,
    retrieve_series,
)
from viewer.pacs.errors import PacsError
from viewer.pacs.nodes import LocalSettings, Node, Timeouts

PATIENT = "PRI-PACS-1"
#: A generous guard against a hang (a 2-core machine under load); the limits end each attack in seconds.
GUARD_S = 60.0
QUICK = Timeouts(association=5, dimse=5, network=5, query=3, transfer=5)
AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


def _uid() -> str:
    """A fresh UID short enough for the factory's Frame of Reference UID (the study's plus ".9")."""
    return f"2.25.{uuid.uuid4().int}"


def _study(folder, date, series, patient_id=PATIENT, study_uid=None):
    """Write a study; ``series`` is a list of ``(modality, description, body part)``. Returns its UID and files."""
    study_uid = study_uid or _uid()
    files = []
    for number, (modality, description, body_part) in enumerate(series, start=1):
        series_uid = _uid()
        for z in range(3):
            ds = make_slice(np.full((8, 8), 100 * number + z, dtype=np.int16), (0.0, 0.0, 2.0 * z), AXIAL,
                            study_uid=study_uid, series_uid=series_uid, instance_number=z + 1, modality=modality,
                            patient_id=patient_id, patient_name="Prior^Test", series_description=description,
                            series_number=number)
            ds.StudyDate, ds.BodyPartExamined, ds.StudyDescription = date, body_part, f"{modality} study {date}"
            files.append(write(ds, folder / f"s{number}" / f"{z}.dcm"))
    return study_uid, files


@pytest.fixture
def patient(tmp_path):
    """The current study and an older one opened from folders; on the PACS: the prior, more, and the older."""
    opened, elsewhere = tmp_path / "opened", tmp_path / "pacs-only"
    now, now_files = _study(opened / "now", "20260301", [("CT", "CT CHEST 1.25", "CHEST")])
    older, older_files = _study(opened / "older", "20240101", [("CT", "CT CHEST", "CHEST")])
    prior, prior_files = _study(elsewhere / "prior", "20250610", [("CT", "CT ABDOMEN PORTAL", "ABDOMEN"),
                                                                   ("CT", "CT CHEST 1.25mm", "CHEST"),
                                                                   ("MR", "T1 CHEST", "CHEST")])
    mr_only, mr_files = _study(elsewhere / "mr", "20251101", [("MR", "T2 CHEST", "CHEST")])
    _other, other_files = _study(elsewhere / "other", "20251201", [("CT", "CT CHEST 1.25", "CHEST")],
                                 patient_id="SOMEONE-ELSE")
    scanned = scan(opened)
    current = next(s for s in scanned.series if s.study.uid == now)
    return dict(current=current, scanned=scanned, now=now, older=older, prior=prior, mr_only=mr_only,
                on_pacs=[*now_files, *older_files, *prior_files, *mr_files, *other_files], opened=opened)


@pytest.fixture
def pacs(orthanc, orthanc_node, local_settings, patient):
    """Orthanc holding the patient's studies (and another patient's), as a C-GET source."""
    orthanc.upload(patient["on_pacs"])
    return PacsSource(orthanc_node, local_settings, "get")


def test_the_listing_has_every_study_once_newest_first(pacs, patient, store):
    found = patient_studies(patient["current"], patient["scanned"], store, pacs)
    assert found.problems == [] and found.pacs_searched
    listed = [(s.study_uid, s.where, s.study_date) for s in found.studies]
    assert listed == [(patient["mr_only"], PACS, "20251101"), (patient["prior"], PACS, "20250610"),
                      (patient["older"], OPENED, "20240101")]  # not the current study, not another patient's
    prior = found.studies[1]
    assert prior.modalities == ["CT", "MR"] and prior.description == "CT study 20250610"
    assert prior.remote_series is None  # asked for only when the study could hold the prior


def test_the_prior_is_chosen_from_the_c_find_answers_and_retrieved_into_the_store(pacs, patient, store):
    found = find_prior(patient["current"], patient["scanned"], store, pacs)
    study, remote = found.prior
    assert study.study_uid == patient["prior"] and study.where == PACS
    assert isinstance(remote, RemoteSeries)
    assert (remote.modality, remote.facts.body_part, remote.description) == ("CT", "CHEST", "CT CHEST 1.25mm")
    assert sorted(s.description for s in study.remote_series) == ["CT ABDOMEN PORTAL", "CT CHEST 1.25mm",
                                                                  "T1 CHEST"]
    progress = []
    series = retrieve_series(patient["current"], remote, pacs, store,
                             progress=lambda done, total, text: progress.append((done, total)))
    assert series.series_uid == remote.series_uid and series.description == "CT CHEST 1.25mm"
    assert progress[-1] == (3, 3)
    assert all(str(store.root) in str(f.instance.source.path) for f in series.frames)
    assert [path.parent.name for path in store.files(patient["prior"])] == [remote.series_uid] * 3  # that series
    assert load_series(series).shape_zyx == (3, 8, 8)
    # Asked again, the prior is in the store: found there, nothing to retrieve.
    again = find_prior(patient["current"], patient["scanned"], store, pacs)
    assert again.prior[0].where == "store" and again.prior[1].description == "CT CHEST 1.25mm"


def test_c_move_retrieves_the_prior_too(pacs, patient, store, orthanc_node, local_settings):
    source = PacsSource(orthanc_node, local_settings, "move")
    found = find_prior(patient["current"], patient["scanned"], None, source)
    series = loadable_series(patient["current"], found.prior[0], found.prior[1], pacs=source, store=store)
    assert len(series.frames) == 3 and store.instance_count() == 3


def test_a_dicomweb_only_node_is_searched_by_qido_and_retrieved_by_wado(pacs, patient, store, orthanc_node,
                                                                      local_settings):
    web = Node("web", dicomweb_url=orthanc_node.dicomweb_url, username=orthanc_node.username,
               password=orthanc_node.password, allow_http_credentials=True)
    source = PacsSource(web, local_settings, "wado")
    found = find_prior(patient["current"], patient["scanned"], store, source)
    study, remote = found.prior
    assert found.problems == [] and study.study_uid == patient["prior"] and remote.description == "CT CHEST 1.25mm"
    series = loadable_series(patient["current"], study, remote, pacs=source, store=store)
    assert len(series.frames) == 3 and store.instance_count() == 3


def test_a_node_that_is_down_costs_one_line_and_the_opened_prior_is_still_used(patient, store):
    down = PacsSource(Node("down", ae_title="ORTHANC", host="127.0.0.1", port=free_port()),
                      LocalSettings(timeouts=QUICK))
    found = find_prior(patient["current"], patient["scanned"], store, down)
    (problem,) = found.problems
    assert problem.startswith("The PACS was not searched: ") and "connection refused" in problem
    assert "\n" not in problem and not found.pacs_searched
    study, series = found.prior
    assert (study.study_uid, study.where, series.description) == (patient["older"], OPENED, "CT CHEST")


def test_a_silent_node_is_given_up_at_the_query_limit(patient):
    with StallingDicomPeer() as peer:
        node = Node("silent", ae_title=peer.ae_title, host="127.0.0.1", port=peer.port)
        started = time.monotonic()
        found = find_prior(patient["current"], patient["scanned"], None, PacsSource(node, LocalSettings(
            timeouts=QUICK)))
        assert time.monotonic() - started < GUARD_S
    (problem,) = found.problems
    assert "within 3 s" in problem and found.prior[0].study_uid == patient["older"]


def test_compare_with_prior_retrieves_the_pacs_prior_and_shows_it_beside(qtbot, make_window, pacs, patient,  # noqa: F811
                                                                          orthanc_node, local_settings,
                                                                          tmp_path, monkeypatch):
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(tmp_path / "outpost-data"))  # a private store and settings
    window = open_study(qtbot, make_window, patient["opened"] / "now")
    network = window.network_panel
    network.settings.local = local_settings
    network.settings.add(orthanc_node)
    network.settings.save()
    network.refresh_nodes()
    errors = []
    window.notify_error = errors.append
    job = window.compare_with_prior()
    qtbot.waitUntil(lambda: job.done, timeout=60000)
    # The CT chest hanging protocol may show the current series beside itself first: wait for the prior.
    qtbot.waitUntil(lambda: len(window.comparison.viewports) > 1
                    and window.comparison.viewports[1].state.series not in (None, window.state.series)
                    and window.comparison.viewports[1].state.volume is not None, timeout=30000)
    assert errors == [] and window.layout_name == "1x2"
    shown = window.comparison.viewports[1].state
    assert shown.volume.provenance.study_uid == patient["prior"]
    assert shown.series.description == "CT CHEST 1.25mm"
    assert "PACS, retrieved" in window.statusBar().currentMessage()
    assert network.store.instance_count() == 3  # that one series, in the panel's store


# --------------------------------------------------------------------------- a hostile PACS
def _raw(level: str, **values: bytes) -> Dataset:
    """A C-FIND answer whose values go out byte for byte (``keyword=bytes``), unvalidated."""
    vrs = {"StudyDate": "DA", "PatientID": "LO", "StudyInstanceUID": "UI", "SeriesInstanceUID": "UI",
           "StudyDescription": "LO", "SeriesDescription": "LO", "Modality": "CS", "ModalitiesInStudy": "CS",
           "BodyPartExamined": "CS", "QueryRetrieveLevel": "CS"}
    ds = Dataset()
    ds.set_original_encoding(False, True, ds._character_set)
    for keyword, value in {"QueryRetrieveLevel": level.encode(), **values}.items():
        value += b" " * (len(value) % 2)
        tag = Tag(keyword)
        ds._dict[tag] = RawDataElement(tag, vrs[keyword], len(value), value, 0, False, True)
    return ds


def _instance(study: str, series: str, number: int, patient_id: str) -> Dataset:
    ds = make_slice(np.zeros((8, 8), dtype=np.int16), (0.0, 0.0, float(number)), AXIAL, study_uid=study,
                    series_uid=series, instance_number=number, patient_id=patient_id)
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = f"{series}.{number}"
    return ds


class HostilePacs:
    """A pynetdicom SCP on 127.0.0.1 that answers C-FIND and C-GET as the test says.

    Parameters
    ----------
    studies, series
        ``studies(identifier)`` and ``series(identifier)`` yield the study- and series-level matches.
    instances
        What it sends for any C-GET.

    Attributes
    ----------
    finds
        The levels of the C-FINDs it answered.
    """

    def __init__(self, studies: Callable[[Dataset], Iterator[Dataset]],
                 series: Callable[[Dataset], Iterator[Dataset]] = lambda identifier: iter(()),
                 instances: list[Dataset] = ()) -> None:
        self._studies, self._series, self._instances = studies, series, list(instances)
        self.finds: list[str] = []
        self._ae = AE(ae_title="HOSTILE")
        self._ae.network_timeout = self._ae.dimse_timeout = 60
        self._ae.add_supported_context(StudyRootQueryRetrieveInformationModelFind, ExplicitVRLittleEndian)
        self._ae.add_supported_context(StudyRootQueryRetrieveInformationModelGet)
        self._ae.add_supported_context(CTImageStorage, [ExplicitVRLittleEndian, ImplicitVRLittleEndian],
                                       scu_role=True, scp_role=True)
        handlers = [(evt.EVT_C_FIND, self._find), (evt.EVT_C_GET, self._get)]
        self._server = self._ae.start_server(("127.0.0.1", 0), block=False, evt_handlers=handlers)
        self.port = self._server.server_address[1]

    def source(self, **settings) -> PacsSource:
        return PacsSource(Node("hostile", ae_title="HOSTILE", host="127.0.0.1", port=self.port, **settings),
                          LocalSettings(timeouts=QUICK))

    def _find(self, event):
        identifier = event.identifier
        if "SOPClassesInStudy" in identifier:  # C-GET asks first which classes the study holds
            answer = Dataset()
            answer.QueryRetrieveLevel, answer.SOPClassesInStudy = "STUDY", CTImageStorage
            yield 0xFF00, answer
            yield 0x0000, None
            return
        level = str(identifier.QueryRetrieveLevel)
        self.finds.append(level)
        for match in (self._studies if level == "STUDY" else self._series)(identifier):
            if event.is_cancelled or not event.assoc.is_established:
                return
            yield 0xFF00, match
        yield 0x0000, None

    def _get(self, event):
        yield len(self._instances)
        for ds in self._instances:
            yield 0xFF00, ds

    def __enter__(self) -> HostilePacs:
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._ae.shutdown()


HOSTILE_PRIOR = "1.2.826.0.1.3680043.8.498.77"


@pytest.mark.filterwarnings("ignore:Found unknown escape sequence")  # pydicom, on the answers' ESC bytes
def test_hostile_c_find_answers_list_no_other_patient_and_no_odd_date(patient):
    pid = PATIENT.encode()

    def studies(identifier):
        yield _raw("STUDY", PatientID=pid, StudyInstanceUID=HOSTILE_PRIOR.encode(), StudyDate=b"20250610",
                   ModalitiesInStudy=b"CT\\" + b"X" * 40 + b"\\\x1b[2J", StudyDescription=b"\x1b[31mred" * 30)
        yield _raw("STUDY", PatientID=pid, StudyInstanceUID=HOSTILE_PRIOR.encode(), StudyDate=b"20250610")  # twice
        for number, date in enumerate((b"9" * 4000, b"20251399", b"2025-13-45", b"20250101-20250202", b"1",
                                       b"\x00\xff\xfe\x1b"), start=1):
            yield _raw("STUDY", PatientID=pid, StudyInstanceUID=f"{HOSTILE_PRIOR}.{number}".encode(),
                       StudyDate=date)
        for number, other in enumerate((b"SOMEONE-ELSE", b"pri-pacs-1", PATIENT.encode() + b"\\OTHER", b"",
                                        b"PRI-PACS-*"), start=10):
            yield _raw("STUDY", PatientID=other, StudyInstanceUID=f"{HOSTILE_PRIOR}.{number}".encode(),
                       StudyDate=b"20251231")
        yield _raw("STUDY", PatientID=pid, StudyInstanceUID=b"../../etc/passwd", StudyDate=b"20251230")
        yield _raw("STUDY", PatientID=pid, StudyInstanceUID=patient["now"].encode(), StudyDate=b"20200101")

    def series(identifier):
        other_study = f"{HOSTILE_PRIOR}.999".encode()
        yield _raw("SERIES", StudyInstanceUID=other_study, SeriesInstanceUID=b"1.2.3.1", Modality=b"CT",
                   SeriesDescription=b"CT CHEST 1.25", BodyPartExamined=b"CHEST")  # of another study
        yield _raw("SERIES", StudyInstanceUID=HOSTILE_PRIOR.encode(), SeriesInstanceUID=b"1.2.3.2", Modality=b"CT",
                   SeriesDescription=b"CT CHEST " + b"x" * 60000, BodyPartExamined=b"\xff\xfe" * 8)

    with HostilePacs(studies, series) as peer:
        found = find_prior(patient["current"], patient["scanned"], None, peer.source())
    hostile = [s for s in found.studies if s.where == PACS]
    assert found.problems == [] and found.pacs_searched
    assert sorted(s.study_uid for s in hostile) == [HOSTILE_PRIOR] + [f"{HOSTILE_PRIOR}.{n}" for n in range(1, 7)]
    first = next(s for s in hostile if s.study_uid == HOSTILE_PRIOR)
    assert first.modalities == ["CT"] and len(first.description) <= 128
    assert all(s.study_date == "" for s in hostile if s is not first)  # odd dates are no dates: never a prior
    study, remote = found.prior
    assert study is first and remote.series_uid == "1.2.3.2" and len(remote.description) <= 128


def test_retrieved_images_of_another_patient_are_not_shown(patient, store):
    def studies(identifier):
        yield _raw("STUDY", PatientID=PATIENT.encode(), StudyInstanceUID=HOSTILE_PRIOR.encode(),
                   StudyDate=b"20250610")

    def series(identifier):
        yield _raw("SERIES", StudyInstanceUID=HOSTILE_PRIOR.encode(), SeriesInstanceUID=b"1.2.3.2", Modality=b"CT",
                   SeriesDescription=b"CT CHEST", BodyPartExamined=b"CHEST")

    forged = [_instance(HOSTILE_PRIOR, "1.2.3.2", n, "SOMEONE-ELSE") for n in (1, 2)]
    with HostilePacs(studies, series, forged) as peer:
        source = peer.source()
        found = find_prior(patient["current"], patient["scanned"], None, source)
        with pytest.raises(PacsError, match="images of another patient"):
            loadable_series(patient["current"], *found.prior, pacs=source, store=store)


def test_thousands_of_studies_are_listed_without_a_hang_and_few_series_asked_for(patient):
    pid = PATIENT.encode()

    def studies(identifier):
        for number in range(3000):
            yield _raw("STUDY", PatientID=pid, StudyInstanceUID=f"{HOSTILE_PRIOR}.{number}".encode(),
                       StudyDate=f"{2025 - number % 20}0{1 + number % 9}15".encode())

    def series(identifier):  # every study holds only an MR: none matches the CT on screen
        yield _raw("SERIES", StudyInstanceUID=identifier.StudyInstanceUID.encode(),
                   SeriesInstanceUID=identifier.StudyInstanceUID.encode() + b".1", Modality=b"MR")

    with HostilePacs(studies, series) as peer:
        started = time.monotonic()
        found = find_prior(patient["current"], patient["scanned"], None, peer.source(timeouts={"query": 60}))
        assert time.monotonic() - started < GUARD_S
    assert len(found.studies) == 3001 and found.problems == []
    assert peer.finds.count("SERIES") == MAX_SERIES_LOOKUPS
    assert found.prior[0].study_uid == patient["older"]  # none on the PACS matched: the opened one


def test_more_studies_than_the_node_allows_cost_one_line(patient):
    def studies(identifier):
        for number in range(500):
            yield _raw("STUDY", PatientID=PATIENT.encode(), StudyInstanceUID=f"{HOSTILE_PRIOR}.{number}".encode(),
                       StudyDate=b"20250101")

    with HostilePacs(studies) as peer:
        found = find_prior(patient["current"], patient["scanned"], None, peer.source(max_matches=100))
    (problem,) = found.problems
    assert "max_matches" in problem and "\n" not in problem
    assert [s.where for s in found.studies] == [OPENED] and found.prior[0].study_uid == patient["older"]

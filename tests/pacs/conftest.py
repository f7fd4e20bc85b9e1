"""Fixtures of the PACS tests: real servers (Orthanc, dcmtk) on 127.0.0.1 and the shared CT series.

The shared CT series (``ct_abdomen_series_totalsegmentator``) is anonymised down
to empty SOP/series/study UIDs, which no PACS accepts; the fixture writes a
copy (in a temporary folder, never in the repository) with the UIDs filled in
from the file meta and from fixed seeds, and a test patient name and ID.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import missing
from tests.pacs.servers import OrthancServer, dicomweb_plugin, free_port

CT_FOLDER = "ct_abdomen_series_totalsegmentator/dicom"
PATIENT_ID = "OUTPOST-CT-1"
PATIENT_NAME = "Testpatient^Abdomen"
ACCESSION = "ACC-CT-0001"


def _write_ct(shared_data: Path, folder: Path, *, decompress: bool) -> SimpleNamespace:
    import pydicom
    from pydicom.uid import generate_uid

    study_uid = generate_uid(entropy_srcs=["outpost-test", "ct-study"])
    series_uid = generate_uid(entropy_srcs=["outpost-test", "ct-series"])
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for source in sorted((shared_data / CT_FOLDER).iterdir()):
        ds = pydicom.dcmread(source)
        ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
        ds.PatientName, ds.PatientID, ds.AccessionNumber = PATIENT_NAME, PATIENT_ID, ACCESSION
        ds.StudyID, ds.SeriesNumber = "1", 2
        if decompress:
            ds.decompress(generate_instance_uid=False)  # lossless: the same instance
        path = folder / f"{ds.SOPInstanceUID}.dcm"
        ds.save_as(path, enforce_file_format=True)
        files.append(path)
    return SimpleNamespace(folder=folder, files=files, study_uid=study_uid, series_uid=series_uid,
                           patient_id=PATIENT_ID, patient_name=PATIENT_NAME, accession=ACCESSION,
                           study_date="20221208")


@pytest.fixture(scope="session")
def ct_series(shared_data, tmp_path_factory) -> SimpleNamespace:
    """The shared CT series (20 JPEG 2000 slices) with UIDs filled in."""
    return _write_ct(shared_data, tmp_path_factory.mktemp("ct-j2k"), decompress=False)


@pytest.fixture(scope="session")
def ct_series_uncompressed(shared_data, tmp_path_factory) -> SimpleNamespace:
    """The same instances decompressed to Explicit VR Little Endian."""
    return _write_ct(shared_data, tmp_path_factory.mktemp("ct-raw"), decompress=True)


@pytest.fixture(scope="session")
def orthanc_executable(require_tool) -> str:
    """Debian's Orthanc (package ``orthanc``) with its DICOMweb plugin (``orthanc-dicomweb``)."""
    executable = require_tool(shutil.which("Orthanc") or "/usr/sbin/Orthanc")
    if dicomweb_plugin() is None:
        missing("the Orthanc DICOMweb plugin is not installed (Debian package orthanc-dicomweb)")
    return executable


@pytest.fixture(scope="session")
def stopping_servers():
    """Servers told to stop (by PID) that are waited for once, at the end of the session.

    Orthanc takes about 3.5 s to shut down; waiting for each in its own test's
    teardown would cost more than the tests themselves.
    """
    servers: list[OrthancServer] = []
    yield servers
    for server in servers:
        server.wait()


@pytest.fixture
def orthanc(orthanc_executable, tmp_path, stopping_servers):
    """A fresh, empty Orthanc for one test; SIGTERMed by its PID afterwards."""
    server = OrthancServer(orthanc_executable, tmp_path / "orthanc", receiver_port=free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop(wait=False)
        stopping_servers.append(server)


@pytest.fixture
def loaded_orthanc(orthanc, ct_series):
    """An Orthanc holding the CT series (uploaded through its REST API)."""
    orthanc.upload(ct_series.files)
    return orthanc


@pytest.fixture
def store(tmp_path):
    """An empty local study store."""
    from viewer.pacs.store import LocalStore

    with LocalStore(tmp_path / "store") as opened:
        yield opened


@pytest.fixture
def local_settings(orthanc):
    """Outpost's settings matching the Orthanc fixture (its registered receiver port), short timeouts."""
    from viewer.pacs.nodes import LocalSettings, Timeouts

    return LocalSettings(ae_title="OUTPOST", receiver_port=orthanc.receiver_port,
                         timeouts=Timeouts(association=5, dimse=20, network=20))


@pytest.fixture
def orthanc_node(orthanc):
    """Orthanc as a node: DIMSE address and DICOMweb URL with basic auth.

    Its DICOMweb URL is plain ``http://`` on the loopback interface, so sending the
    credentials there must be allowed for the node (else Outpost refuses to).
    """
    from tests.pacs.servers import ORTHANC_AET, ORTHANC_USER
    from viewer.pacs.nodes import Node

    return Node(name="orthanc", ae_title=ORTHANC_AET, host="127.0.0.1", port=orthanc.dicom_port,
                dicomweb_url=orthanc.dicomweb_url, username=ORTHANC_USER, password=orthanc.password,
                allow_http_credentials=True)


def partial_files(root: Path) -> list[Path]:
    """Temporary files of atomic writes left anywhere under ``root``."""
    return [p for p in root.rglob("*") if p.is_file() and p.name.startswith(".") and ".part" in p.name]

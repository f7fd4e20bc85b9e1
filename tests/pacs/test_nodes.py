"""Remote nodes and Outpost's own settings: parsing, the JSON settings file, credentials kept out of sight."""

from __future__ import annotations

import json
import logging
import stat

import pytest

from viewer.pacs.errors import NodeConfigError, PacsError
from viewer.pacs.nodes import LocalSettings, Node, PacsSettings, Timeouts, default_settings_path, parse_address
from viewer.pacs.query import FindQuery, parse_date_range


@pytest.fixture(autouse=True)
def credentials_in_a_file(monkeypatch):
    """Passwords go to the owner-only file, never to the keyring of whoever runs the tests."""
    monkeypatch.setenv("OUTPOST_CREDENTIAL_STORE", "file")


@pytest.mark.parametrize(("text", "expected"), [
    ("ORTHANC@127.0.0.1:4242", ("ORTHANC", "127.0.0.1", 4242)),
    ("PACS_1@pacs.clinic.example:104", ("PACS_1", "pacs.clinic.example", 104)),
    ("CT SCANNER@[::1]:11112", ("CT SCANNER", "::1", 11112)),
    (" AE@h:1 ", ("AE", "h", 1)),
])
def test_parse_address(text, expected):
    node = parse_address(text)
    assert (node.ae_title, node.host, node.port) == expected
    assert node.has_dimse and not node.has_dicomweb


@pytest.mark.parametrize(("text", "problem"), [
    ("ORTHANC", "AET@host:port"),
    ("ORTHANC@host", "AET@host:port"),
    ("@host:104", "AET@host:port"),
    ("A@host:0", "out of range"),
    ("A@host:70000", "out of range"),
    ("WAY_TOO_LONG_AE_TITLE@host:104", "invalid AE title"),
    ("BACK\\SLASH@host:104", "invalid AE title"),
])
def test_parse_address_rejects_malformed_text(text, problem):
    with pytest.raises(NodeConfigError, match=problem):
        parse_address(text)


def test_settings_round_trip_atomic_and_private(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(tmp_path))
    assert default_settings_path() == tmp_path / "pacs.json"
    settings = PacsSettings()
    assert settings.nodes == {} and settings.local == LocalSettings()
    assert not settings.local.receiver_enabled and settings.local.receiver_host == "127.0.0.1"
    settings.local = LocalSettings(ae_title="VIEWER1", receiver_port=4006, timeouts=Timeouts(association=3))
    settings.add(Node("pacs", ae_title="PACS", host="10.0.0.5", port=104, tls=True))
    settings.add(Node("web", dicomweb_url="https://pacs.example/dicom-web/", username="reader", password="s3cret"))
    settings.save()
    # No temporary file left beside them. The password is no longer in pacs.json, which used to hold it:
    # it is in its own owner-only file (there is no keyring here).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pacs-credentials.json", "pacs.json"]
    for name in ("pacs.json", "pacs-credentials.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert "s3cret" not in (tmp_path / "pacs.json").read_text()
    document = json.loads((tmp_path / "pacs.json").read_text())
    assert document["version"] == 1 and set(document["nodes"]) == {"pacs", "web"}
    again = PacsSettings()
    assert again.local.ae_title == "VIEWER1" and again.local.timeouts.association == 3
    assert again.nodes["pacs"].tls and again.nodes["web"].dicomweb_url == "https://pacs.example/dicom-web"
    assert again.resolve("web").password == "s3cret"
    assert again.resolve("OTHER@host:11112").ae_title == "OTHER"
    again.remove("pacs")
    again.save()
    assert set(PacsSettings().nodes) == {"web"}


@pytest.mark.parametrize("content", ["{not json", "[]", '{"nodes": {"x": {"colour": "red"}}}',
                                     '{"local": {"ae_title": ""}}', '{"local": {"timeouts": {"dimse": -1}}}'])
def test_broken_settings_give_a_one_line_error(tmp_path, content):
    path = tmp_path / "pacs.json"
    path.write_text(content)
    with pytest.raises(NodeConfigError) as caught:
        PacsSettings(path)
    assert "\n" not in str(caught.value)


def test_nodes_need_an_address_and_a_good_name(tmp_path):
    settings = PacsSettings(tmp_path / "pacs.json")
    with pytest.raises(NodeConfigError, match="needs AET@host:port or a DICOMweb URL"):
        settings.add(Node("empty"))
    with pytest.raises(NodeConfigError, match="invalid node name"):
        settings.add(Node("a b", ae_title="A", host="h", port=1))
    with pytest.raises(NodeConfigError, match="http"):
        Node("x", dicomweb_url="ftp://host/dicom-web")
    with pytest.raises(NodeConfigError, match="no node named"):
        settings.remove("nothing")


def test_credentials_never_show(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    node = Node("web", dicomweb_url="http://reader:pa55word@pacs.example:8042/dicom-web")
    assert node.dicomweb_url == "http://pacs.example:8042/dicom-web"  # moved out of the URL
    assert (node.username, node.password) == ("reader", "pa55word")
    settings = PacsSettings(tmp_path / "pacs.json")
    settings.add(node)
    settings.save()
    shown = [repr(node), str(node), node.describe(), repr(settings.nodes)]
    assert all("pa55word" not in text for text in shown)
    assert "reader" not in node.describe()  # descriptions go into logs: not even the user name
    assert "pa55word" not in caplog.text


def test_find_query_validation_and_dates():
    assert parse_date_range("20240101-20240131") == ("20240101", "20240131")
    assert parse_date_range("2024-01-05") == ("20240105", "20240105")
    assert parse_date_range("20240101-") == ("20240101", "")
    assert parse_date_range("-20240101") == ("", "20240101")
    for bad in ("2024", "20240131-20240101", "yesterday", "-"):
        with pytest.raises(PacsError):
            parse_date_range(bad)
    query = FindQuery(patient_name="DOE*", date_from="20240101", date_to="20240131", modality="CT")
    identifier = query.to_identifier()
    assert (identifier.QueryRetrieveLevel, identifier.StudyDate, identifier.ModalitiesInStudy) == (
        "STUDY", "20240101-20240131", "CT")
    assert "NumberOfStudyRelatedInstances" in identifier and identifier.StudyInstanceUID == ""
    filters, fields = query.to_qido()
    assert filters == {"PatientName": "DOE*", "StudyDate": "20240101-20240131", "ModalitiesInStudy": "CT"}
    assert "StudyInstanceUID" in fields
    with pytest.raises(PacsError, match="study UID"):
        FindQuery(level="series")

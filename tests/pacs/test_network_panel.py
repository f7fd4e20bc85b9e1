"""The Network dock driven end to end: a real Orthanc as the PACS and dcmtk's storescu as a modality."""

import subprocess

import pytest

from tests.qt.conftest import make_window  # noqa: F401 - the Qt window fixture (and offscreen Qt)

pytestmark = pytest.mark.shared_data


@pytest.fixture
def panel(make_window, tmp_path, monkeypatch):  # noqa: F811 - the imported fixture
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(tmp_path / "outpost-data"))  # a private store and settings
    window = make_window()
    return window, window.network_panel


def test_find_retrieve_open_and_send_back_with_orthanc(qtbot, panel, loaded_orthanc, orthanc_node, local_settings,
                                                       ct_series, tmp_path):
    window, network = panel
    network.settings.local = local_settings
    network.settings.add(orthanc_node)
    network.settings.save()
    network.refresh_nodes()
    network.echo()
    qtbot.waitUntil(lambda: "answered" in network.remote_status.text(), timeout=20000)

    network.query_fields["patient_id"].setText(ct_series.patient_id)
    network.query_fields["dates"].setText("20221201-20221231")
    network.search()
    qtbot.waitUntil(lambda: network.matches_table.rowCount() == 1, timeout=20000)
    assert network.matches[0].study_uid == ct_series.study_uid
    network.matches_table.selectRow(0)
    network.retrieve_selected()  # C-GET into the store, then shown
    qtbot.waitUntil(lambda: window.state.volume is not None and window.load_job is not None
                    and window.load_job.done, timeout=60000)
    assert window.state.volume.shape_zyx[0] == len(ct_series.files)
    assert network.store_table.rowCount() == 1 and network.disk_label.text().startswith("1 studies")
    assert network.store.instance_count() == len(ct_series.files)

    network.send_shown_series()  # back to Orthanc: it already has them, and takes them again
    qtbot.waitUntil(lambda: network.remote_status.text().startswith("Sent"), timeout=60000)
    assert network.remote_status.text() == f"Sent {len(ct_series.files)} images"

    # A SEG Outpost made goes back the same way.
    from viewer.core.dicom.layout import slice_files
    from viewer.export.seg import write_seg

    mask = (window.state.volume.array > 200).astype("uint8")  # bone
    seg = write_seg(mask, slice_files(window.state.series), {1: "bone"}, tmp_path / "bone-seg.dcm",
                    algorithm_name="threshold", algorithm_version="1")
    network.send_files([str(seg)])
    qtbot.waitUntil(lambda: network.remote_status.text() == "Sent 1 images", timeout=60000)

    study_uid = network.store.studies()[0].study_uid
    network.delete_study(study_uid)
    assert network.store_table.rowCount() == 0 and network.store.instance_count() == 0


def test_the_receiver_lists_what_a_modality_sends_and_stores_it_once(qtbot, panel, require_tool,
                                                                     ct_series_uncompressed):
    window, network = panel
    network.receiver_port.setValue(0)  # a free port
    network.receiver_check.setChecked(True)
    assert network.receiver is not None and "Listening as OUTPOST" in network.receiver_status.text()
    command = [require_tool("storescu"), "-aet", "SCANNER", "-aec", "OUTPOST", "127.0.0.1",
               str(network.receiver.port), *map(str, ct_series_uncompressed.files)]
    for _ in range(2):  # the same series twice
        assert subprocess.run(command, capture_output=True, timeout=120).returncode == 0
    count = 2 * len(ct_series_uncompressed.files)
    qtbot.waitUntil(lambda: network.arrivals.count() == count, timeout=30000)
    assert sum("already stored" in network.arrivals.item(i).text() for i in range(count)) == count // 2
    assert network.store.instance_count() == len(ct_series_uncompressed.files)
    network.receiver_check.setChecked(False)
    assert network.receiver is None and network.receiver_status.text() == "Off"

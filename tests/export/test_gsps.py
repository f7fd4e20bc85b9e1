"""Grayscale Softcopy Presentation States: valid per dciodvfy, read back, hostile files refused in one line."""

from __future__ import annotations

import subprocess

import numpy as np
import pydicom
import pytest

from viewer.core.dicom import scan
from viewer.core.dicom.layout import slice_files
from viewer.core.display import Window
from viewer.core.errors import ExportError
from viewer.core.volume import Volume
from viewer.export.dicom_series import write_series
from viewer.export.gsps import GSPS_SOP_CLASS, Graphic, Shutter, read_gsps, write_gsps


@pytest.fixture
def ct_files(tmp_path):
    """A 4-slice synthetic CT of 40 x 50 pixels, its files in slice order."""
    values = np.zeros((4, 40, 50), dtype=np.int16)
    values[:, 10:20, 5:25] = 300
    volume = Volume(array=values, spacing=np.array([0.5, 0.8, 2.0]), direction=np.eye(3), modality="CT")
    write_series(volume, tmp_path / "ct", patient_name="Test^Gsps", patient_id="GSPS01", series_description="ct")
    return slice_files(scan(tmp_path / "ct").series[0])


#: What a reader drew: quarter pixels, exact in the file's 32-bit floats.
GRAPHICS = {
    1: [Graphic("POLYLINE", [(2.25, 3.5), (10.0, 20.75)], "12.3 mm"),
        Graphic("ELLIPSE", [(5.0, 1.0), (5.0, 9.0), (2.0, 5.0), (8.0, 5.0)],
                "mean 300.0 HU  SD 0.0\narea 4.0 mm²")],
    3: [Graphic("POLYLINE", [(1.0, 1.0), (1.0, 5.0), (4.0, 5.0), (4.0, 1.0), (1.0, 1.0)], ""),
        Graphic("POLYLINE", [(30.0, 30.0), (20.0, 40.0), (30.0, 45.0)], "42.0°")],
}


def _errors(dciodvfy: str, path) -> tuple[str, list[str]]:
    result = subprocess.run([dciodvfy, str(path)], capture_output=True, text=True)
    output = result.stdout + result.stderr
    return output, [line for line in output.splitlines() if "Error" in line]


def test_a_presentation_state_reads_back_what_was_written(ct_files, tmp_path):
    shutter = Shutter(shapes=("RECTANGULAR",), left=3, right=45, upper=2, lower=36, value=0)
    path = write_gsps(ct_files, tmp_path / "ps.dcm", window=Window(60.0, 350.0), graphics=GRAPHICS, invert=True,
                      shutter=shutter, label="my view 1", description="liver window", creator="Reader^Rita")
    assert not list(tmp_path.glob(".*"))  # written atomically
    state = read_gsps(path)
    sources = [pydicom.dcmread(f, stop_before_pixels=True) for f in ct_files]
    assert state.study_uid == sources[0].StudyInstanceUID and state.label == "MY_VIEW_1"
    assert state.description == "liver window" and state.creator == "Reader^Rita" and len(state.created) >= 15
    assert state.references == [(s.SeriesInstanceUID, s.SOPInstanceUID, ()) for s in sources]
    assert state.series_uids == {sources[0].SeriesInstanceUID}
    assert state.window == Window(60.0, 350.0) and state.invert is True and state.rescale == (1.0, 0.0)
    assert state.shutter == shutter and state.skipped == 0
    assert state.graphics == {(sources[i].SOPInstanceUID, None): GRAPHICS[i] for i in GRAPHICS}


def test_a_presentation_state_passes_dciodvfy(ct_files, tmp_path, require_tool):
    dciodvfy = require_tool("dciodvfy")
    for name, shutter in (("plain.dcm", None),
                          ("shutter.dcm", Shutter(shapes=("CIRCULAR",), center=(20, 25), radius=15, value=65535))):
        path = write_gsps(ct_files, tmp_path / name, window=Window(40.0, 400.0), graphics=GRAPHICS,
                          shutter=shutter)
        output, errors = _errors(dciodvfy, path)
        assert "GrayscaleSoftcopyPresentationState" in output  # dciodvfy recognised and checked the IOD
        assert errors == [], name
    ds = pydicom.dcmread(tmp_path / "plain.dcm")
    assert ds.SOPClassUID == GSPS_SOP_CLASS and ds.Modality == "PR" and "ShutterShape" not in ds


def test_graphics_stay_within_the_image_and_on_its_images(ct_files, tmp_path):
    outside = {0: [Graphic("POLYLINE", [(-3.0, -2.0), (45.0, 60.0)], "")]}
    state = read_gsps(write_gsps(ct_files, tmp_path / "edge.dcm", window=Window(0, 100), graphics=outside))
    # Clipped to the image's corners (-0.5 and rows - 0.5 as pixel positions).
    assert next(iter(state.graphics.values()))[0].points == [(-0.5, -0.5), (39.5, 49.5)]
    with pytest.raises(ExportError, match="image 9, but the series has 4"):
        write_gsps(ct_files, tmp_path / "bad.dcm", window=Window(0, 100), graphics={9: GRAPHICS[1]})
    with pytest.raises(ExportError, match="images it applies to"):
        write_gsps([], tmp_path / "none.dcm", window=Window(0, 100))
    assert not (tmp_path / "bad.dcm").exists() and not (tmp_path / "none.dcm").exists()


def test_shutters_hide_what_lies_outside():
    rectangle = Shutter(shapes=("RECTANGULAR",), left=2, right=4, upper=1, lower=2)
    hidden = rectangle.hidden(3, 5)
    assert hidden.tolist() == [[True, False, False, False, True], [True, False, False, False, True],
                               [True, True, True, True, True]]
    circle = Shutter(shapes=("CIRCULAR",), center=(6, 6), radius=3).hidden(11, 11)
    assert not circle[5, 5] and not circle[5, 8] and circle[5, 9] and circle[0, 0]
    polygon = Shutter(shapes=("POLYGONAL",), vertices=[(1, 1), (1, 10), (10, 1)]).hidden(10, 10)
    assert not polygon[0, 0] and not polygon[2, 2] and polygon[9, 9]
    both = Shutter(shapes=("RECTANGULAR", "CIRCULAR"), left=1, right=11, upper=1, lower=3, center=(6, 6),
                   radius=5).hidden(11, 11)
    assert both[5, 5] and not both[2, 5]  # inside both shapes only


def _one_line(path) -> str:
    with pytest.raises(ExportError) as raised:
        read_gsps(path)
    message = str(raised.value)
    assert "\n" not in message and len(message) < 300
    return message


def test_hostile_and_broken_presentation_states_are_refused_in_one_line(ct_files, tmp_path):
    good = write_gsps(ct_files, tmp_path / "good.dcm", window=Window(40, 400), graphics=GRAPHICS)
    (tmp_path / "text.dcm").write_bytes(b"not DICOM at all" * 20)
    assert "cannot read" in _one_line(tmp_path / "text.dcm")
    truncated = tmp_path / "truncated.dcm"
    truncated.write_bytes(good.read_bytes()[:700])
    _one_line(truncated)
    assert "not a grayscale softcopy presentation state" in _one_line(ct_files[0])

    ds = pydicom.dcmread(good)
    del ds.ReferencedSeriesSequence
    ds.save_as(tmp_path / "unreferenced.dcm")
    assert "references no image" in _one_line(tmp_path / "unreferenced.dcm")

    ds = pydicom.dcmread(good)
    del ds.ReferencedSeriesSequence[0].ReferencedImageSequence[0].ReferencedSOPInstanceUID
    ds.save_as(tmp_path / "no-uid.dcm")
    assert "cannot read" in _one_line(tmp_path / "no-uid.dcm")


def test_graphics_that_cannot_be_read_are_counted(ct_files, tmp_path):
    ds = pydicom.dcmread(write_gsps(ct_files, tmp_path / "good.dcm", window=Window(40, 400), graphics=GRAPHICS))
    first, second = ds.GraphicAnnotationSequence[:2]
    first.GraphicObjectSequence[0].GraphicAnnotationUnits = "DISPLAY"  # not pixels: not drawn
    second.GraphicObjectSequence[0].NumberOfGraphicPoints = 65535  # claims far more points than it has
    third = ds.GraphicAnnotationSequence[2]
    third.GraphicObjectSequence[0].GraphicData = [float("nan")] * 10
    ds.SoftcopyVOILUTSequence[0].WindowWidth = -5  # no window: the images' own stays
    ds.ShutterShape = "SPIRAL"  # not a shutter shape
    ds.save_as(tmp_path / "odd.dcm")
    state = read_gsps(tmp_path / "odd.dcm")
    assert state.skipped == 3 and state.window is None and state.shutter is None
    ds.ShutterShape = "CIRCULAR"  # without its centre and radius
    ds.save_as(tmp_path / "no-centre.dcm")
    assert read_gsps(tmp_path / "no-centre.dcm").shutter is None
    # The texts whose graphics could not be read are kept, alone.
    texts = [g for graphics in state.graphics.values() for g in graphics if g.graphic_type == "TEXT"]
    assert [g.text for g in texts] == ["12.3 mm", "mean 300.0 HU  SD 0.0\narea 4.0 mm²"]

"""The Segment editor dock: correcting the demo phantom's AI liver mask with the brush, in the real window.

Each edit is checked voxel for voxel against an independent numpy computation of what the
brush covers (a disc or ball in millimetres on the image's anisotropic grid).
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox

from tests.qt.conftest import open_study
from viewer.core.overlays import LabelOverlay

PACK = {"pack": "outpost-demo-ct", "version": "1.0.0", "checksum": "9f2c" * 16, "date": "2026-12-07T08:00:00"}
RADIUS_MM = 10.0  # with 4 mm pixels no voxel centre lies on the disc's edge (16 k == 100 has no integer k)
LIVER = 1


@pytest.fixture(autouse=True)
def no_edit_journals():
    """Each test starts with no unsaved edits left by another test (the suite shares one data folder)."""
    from viewer.model.edit_journal import journals_dir

    shutil.rmtree(journals_dir(), ignore_errors=True)
    yield
    shutil.rmtree(journals_dir(), ignore_errors=True)


@pytest.fixture
def phantom(tmp_path):
    """The demo phantom (the demo pack's input) written as a DICOM CT series, and its label map."""
    from ai.demo.phantom import make_phantom
    from viewer.export.dicom_series import write_series

    made = make_phantom(shape=(24, 96, 96), spacing=(4.0, 4.0, 6.0))
    write_series(made.volume, tmp_path / "phantom", patient_name="Phantom^Edit", patient_id="PEDIT",
                 study_description="phantom", series_description="phantom CT")
    return tmp_path / "phantom", made


def _with_ai_result(window, made) -> LabelOverlay:
    """Show the phantom's label map as the demo pack's result, as the AI panel does (overlay and provenance)."""
    from ai.demo.phantom import LABELS

    assert window.state.volume.shape_zyx == made.labels.shape
    np.testing.assert_array_equal(window.state.volume.array, made.volume.array)  # the same grid, voxel for voxel
    overlay = LabelOverlay.from_names(made.labels.copy(), LABELS, name=f"AI: {PACK['pack']}")
    window.add_overlay(overlay)
    window.set_overlay_provenance(overlay, PACK)
    return overlay


def _editing(qtbot, make_window, phantom):
    folder, made = phantom
    window = open_study(qtbot, make_window, folder)
    window.set_layout("single")  # the axial view alone (a hanging protocol may have chosen another layout)
    original = _with_ai_result(window, made)
    dock = window.show_segment_editor()
    choice = next(c for c in dock.start_choices() if c.overlay is original)
    assert choice.kind == "ai-result"
    editor = dock.start(choice)
    assert editor is not None, dock.last_error
    for viewport in window.viewports_of_state():
        if viewport.isVisible():
            viewport.repaint()  # laid out and drawn: its mouse mapping is the one on screen
    return window, dock, editor, original, made


def _shown(window, overlay) -> bool:
    return any(shown is overlay for shown in window.state.overlays)


def _widget_point(viewport, voxel_xyz) -> QPoint:
    plane = viewport.plane()
    return viewport.to_widget(*plane.pixel_of(np.asarray(voxel_xyz, dtype=float))).toPoint()


def _centre_of(viewport, point: QPoint) -> np.ndarray:
    """The continuous voxel (x, y, z) under a widget point, as a crosshair click finds it."""
    return viewport.plane().voxel_at(*viewport.to_image(QPointF(point)))


def _disc(shape, centre_xyz, radius_mm, spacing_xyz) -> np.ndarray:
    """Voxels whose centres lie within ``radius_mm`` of the centre, on its axial slice (numpy only)."""
    z, y, x = np.indices(shape, dtype=float)
    cx, cy, cz = centre_xyz
    sx, sy, _sz = spacing_xyz
    return (z == round(cz)) & (((x - cx) * sx) ** 2 + ((y - cy) * sy) ** 2 <= radius_mm ** 2)


def _edge_voxel(labels: np.ndarray, value: int, z: int) -> tuple[int, int, int]:
    """A voxel (x, y, z) of ``value`` on slice ``z`` at the edge of its region, nearest the region's middle row."""
    inside = labels[z] == value
    ys, xs = np.nonzero(inside)
    row = int(np.median(ys))
    columns = np.flatnonzero(inside[row])
    return int(columns.max()), row, z


def _brush_at_liver_edge(window, dock, made, tool: str) -> tuple:
    """The axial viewport with the liver active and the brush (``paint`` or ``erase``) of :data:`RADIUS_MM`
    chosen; and ``x, y, z`` of a voxel on the liver's edge in the slice shown."""
    viewport = window.viewports["axial"]
    dock.set_active(LIVER)
    dock.radius.setValue(RADIUS_MM)
    dock.set_tool(tool)
    z = viewport.slice_index
    x, y, _ = _edge_voxel(made.labels, LIVER, z)
    return viewport, x, y, z


def test_the_brush_outline_shows_before_the_click_and_paints_exactly_its_disc(qtbot, make_window, phantom):
    window, dock, editor, original, made = _editing(qtbot, make_window, phantom)
    # The model's overlay is never changed: it is off the views, the editor's copy is on them.
    assert not _shown(window, original) and _shown(window, editor.overlay)
    assert editor.overlay.labels is not original.labels
    assert dock.source_label.text().startswith("From the AI result outpost-demo-ct 1.0.0")
    viewport = window.viewports["axial"]
    assert viewport.isVisible()
    dock.set_active(LIVER)
    dock.radius.setValue(RADIUS_MM)
    dock.tool_buttons["paint"].click()
    assert dock.tool == "paint" and viewport.brush is dock
    z = viewport.slice_index
    # A point just outside the liver's right edge: the disc takes in background and liver.
    x, y, _ = _edge_voxel(made.labels, LIVER, z)
    point = _widget_point(viewport, (x + 1, y, z))
    qtbot.mouseMove(viewport, point)
    outline = viewport.brush_outline()
    assert outline, "no brush outline under the mouse before the click"
    # Its radius on screen is the brush's millimetres at the view's scale (screen pixels per mm).
    per_mm = viewport._fit_scale(viewport.plane()) * viewport.zoom
    centre = QPointF(np.mean([p.x() for p in outline[:-1]]), np.mean([p.y() for p in outline[:-1]]))
    assert abs(centre.x() - point.x()) < 0.6 and abs(centre.y() - point.y()) < 0.6
    assert all(abs(np.hypot(p.x() - point.x(), p.y() - point.y()) - RADIUS_MM * per_mm) < 0.6 for p in outline)
    # It is drawn: the pixel on the outline is the brush's white, not the image under it.
    picture = viewport.grab().toImage()
    on_outline = outline[16].toPoint()
    around = [picture.pixelColor(on_outline.x() + dx, on_outline.y() + dy).getRgb()[:3]
              for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    assert max(min(rgb) for rgb in around) > 220
    before = editor.labels.copy()
    shown_before = viewport.grab().toImage()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=point)
    expected = before.copy()
    disc = _disc(before.shape, _centre_of(viewport, point), RADIUS_MM, window.state.volume.spacing)
    expected[disc] = LIVER
    assert disc.sum() >= 9 and (before[disc] != LIVER).any()
    np.testing.assert_array_equal(editor.labels, expected)
    np.testing.assert_array_equal(original.labels, made.labels)  # the AI result is untouched
    # The view redrew the painted voxels (no stale cached picture): a background voxel now shows the liver.
    grown = np.argwhere(disc & (before == 0))[0]  # (z, y, x)
    spot = _widget_point(viewport, grown[::-1])
    assert viewport.grab().toImage().pixelColor(spot) != shown_before.pixelColor(spot)
    # Undo and redo by the keyboard restore the label map bit for bit.
    viewport.setFocus()
    qtbot.keyClick(viewport, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(editor.labels, before)
    qtbot.keyClick(viewport, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(editor.labels, expected)
    qtbot.keyClick(viewport, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(editor.labels, before)
    qtbot.keyClick(viewport, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    np.testing.assert_array_equal(editor.labels, expected)
    assert "Undo memory" in dock.memory_label.text() and "of 256.0 MB" in dock.memory_label.text()
    # Stopping shows the AI result again, unchanged; Ctrl+Y resynchronises scrolling again.
    dock.stop(keep_journal=False)
    assert _shown(window, original) and not _shown(window, editor.overlay)
    np.testing.assert_array_equal(original.labels, made.labels)
    assert window.menu_actions["resync"].shortcut() == QKeySequence("Ctrl+Y")
    assert viewport.brush is None


def test_a_drag_is_one_stroke_along_the_path_and_a_sphere_reaches_the_next_slices(qtbot, make_window, phantom):
    window, dock, editor, _original, made = _editing(qtbot, make_window, phantom)
    viewport = window.viewports["axial"]
    spacing = window.state.volume.spacing
    dock.set_active(LIVER)
    dock.radius.setValue(RADIUS_MM)
    dock.set_tool("erase")
    z = viewport.slice_index
    inside = np.argwhere(made.labels[z] == LIVER)
    middle = inside[len(inside) // 2]  # (y, x) inside the liver
    start = _widget_point(viewport, (middle[1] - 4, middle[0], z))
    end = _widget_point(viewport, (middle[1] + 4, middle[0] + 2, z))
    before = editor.labels.copy()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for fraction in np.linspace(0.1, 1.0, 10):
        qtbot.mouseMove(viewport, start + (end - start) * float(fraction))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    # Every erased voxel lies within the brush of the segment dragged along, and the path's core is all erased:
    # a capsule in millimetres, computed here with numpy alone.
    a, b = _centre_of(viewport, start), _centre_of(viewport, end)
    _, ys, xs = np.indices(before.shape, dtype=float)
    pa = np.stack([(xs - a[0]) * spacing[0], (ys - a[1]) * spacing[1]])
    ab = np.array([(b[0] - a[0]) * spacing[0], (b[1] - a[1]) * spacing[1]])
    t = np.clip((pa[0] * ab[0] + pa[1] * ab[1]) / (ab @ ab), 0.0, 1.0)
    distance = np.hypot(pa[0] - t * ab[0], pa[1] - t * ab[1])
    on_slice = np.zeros(before.shape, bool)
    on_slice[z] = True
    erased = (before == LIVER) & (editor.labels == 0)
    assert np.array_equal(editor.labels[erased], np.zeros(erased.sum(), editor.labels.dtype))
    # The mouse passes through whole screen pixels near the line: allow one pixel's worth of millimetres.
    slack = 1.0 / (viewport._fit_scale(viewport.plane()) * viewport.zoom)
    assert not erased[~(on_slice & (distance <= RADIUS_MM + slack))].any()
    core = on_slice & (distance <= RADIUS_MM * 0.9 - slack) & (before == LIVER)
    assert core.sum() > 30 and erased[core].all()
    assert np.array_equal(editor.labels[before != LIVER], before[before != LIVER])  # only the liver is erased
    # The whole drag is one undo step.
    editor.undo()
    np.testing.assert_array_equal(editor.labels, before)
    assert not editor.can_undo
    # A 3-D ball: the slices above and below are painted too, as far as the radius reaches in millimetres.
    dock.set_tool("paint")
    dock.sphere.setChecked(True)
    point = _widget_point(viewport, (middle[1] + 20, middle[0], z))
    qtbot.mouseMove(viewport, point)
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=point)
    cx, cy, cz = _centre_of(viewport, point)
    zz, yy, xx = np.indices(before.shape, dtype=float)
    ball = ((xx - cx) * spacing[0]) ** 2 + ((yy - cy) * spacing[1]) ** 2 + ((zz - cz) * spacing[2]) ** 2 \
        <= RADIUS_MM ** 2
    expected = before.copy()
    expected[ball] = LIVER
    np.testing.assert_array_equal(editor.labels, expected)
    assert set(np.unique(np.nonzero(ball)[0])) == {z - 1, z, z + 1}  # 6 mm slices: one each side


def test_a_locked_segment_is_not_painted_over_and_the_table_follows(qtbot, make_window, phantom):
    window, dock, editor, _original, made = _editing(qtbot, make_window, phantom)
    viewport = window.viewports["axial"]
    row = dock.row_of(LIVER)
    assert dock.table.item(row, 1).text() == "liver"
    # Lock the liver from its row's check box, and paint a new segment across its edge.
    dock.table.item(row, 3).setCheckState(Qt.CheckState.Checked)
    assert editor.segments[LIVER].locked
    added = dock.add_segment("liver correction", (250, 120, 40))
    assert editor.active == added.number and dock.row_of(added.number) >= 0
    dock.radius.setValue(RADIUS_MM)
    dock.set_tool("paint")
    z = viewport.slice_index
    x, y, _ = _edge_voxel(made.labels, LIVER, z)
    point = _widget_point(viewport, (x, y, z))
    before = editor.labels.copy()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=point)
    disc = _disc(before.shape, _centre_of(viewport, point), RADIUS_MM, window.state.volume.spacing)
    expected = before.copy()
    expected[disc & (before != LIVER)] = added.number
    assert (disc & (before == LIVER)).any()
    np.testing.assert_array_equal(editor.labels, expected)
    # The statistics follow a moment later: millilitres and mean HU of the new segment, from numpy.
    voxel_ml = float(np.prod(window.state.volume.spacing)) / 1000.0
    painted = expected == added.number
    qtbot.waitUntil(lambda: dock.table.item(dock.row_of(added.number), 4).text() != "", timeout=5000)
    new_row = dock.row_of(added.number)
    assert dock.table.item(new_row, 4).text() == f"{painted.sum() * voxel_ml:.1f}"
    assert dock.table.item(new_row, 5).text() == f"{window.state.volume.array[painted].mean():.0f} HU"
    # Renaming in the table renames the segment and the legend's label.
    dock.table.item(new_row, 1).setText("right lobe edge")
    assert editor.segments[added.number].name == "right lobe edge"
    assert editor.overlay.info[added.number].name == "right lobe edge"


def test_painting_is_refused_on_a_true_reformat(qtbot, make_window, phantom):
    from viewer.qt.qt_oblique import set_true_reformats

    window, dock, editor, _original, _made = _editing(qtbot, make_window, phantom)
    viewport = window.viewports["axial"]
    dock.set_active(LIVER)
    dock.set_tool("paint")
    set_true_reformats(window, True)
    assert viewport.resampled
    before = editor.labels.copy()
    centre = viewport.rect().center()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=centre)
    np.testing.assert_array_equal(editor.labels, before)
    assert "painted on acquired planes" in window.statusBar().currentMessage()
    assert not editor.can_undo


def test_unsaved_edits_are_offered_back_when_the_series_is_opened_again(qtbot, make_window, phantom):
    window, dock, editor, _original, made = _editing(qtbot, make_window, phantom)
    viewport, x, y, z = _brush_at_liver_edge(window, dock, made, "paint")
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_widget_point(viewport, (x + 1, y, z)))
    edited = editor.labels.copy()
    assert not np.array_equal(edited, made.labels)
    window.close()  # as a kill would: the editing is never stopped
    again = open_study(qtbot, make_window, phantom[0])
    qtbot.waitUntil(lambda: again.recovery_box is not None, timeout=10000)
    box = again.recovery_box
    assert not box.isModal() and "outpost-demo-ct" in box.text()
    _with_ai_result(again, made)  # the result the edits were made on is shown again
    box.button(QMessageBox.StandardButton.Yes).click()
    restored = again.segment_editor.editor
    assert restored is not None, again.segment_editor.last_error
    np.testing.assert_array_equal(restored.labels, edited)
    assert _shown(again, restored.overlay) and restored.can_undo


def test_save_writes_a_seg_that_reads_back_voxel_for_voxel(qtbot, make_window, phantom, tmp_path):
    seg = pytest.importorskip("viewer.export.seg")
    if not hasattr(seg, "write_edited_seg"):
        pytest.skip("write_edited_seg is not there yet")
    from viewer.core.dicom.objects import read_seg

    window, dock, editor, _original, made = _editing(qtbot, make_window, phantom)
    viewport, x, y, z = _brush_at_liver_edge(window, dock, made, "paint")
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_widget_point(viewport, (x + 1, y, z)))
    assert editor.dirty
    specs = {spec.value: spec for spec in dock.segment_specs()}
    assert specs[LIVER].algorithm_type == "SEMIAUTOMATIC" and specs[2].algorithm_type == "AUTOMATIC"
    assert specs[2].algorithm_name == PACK["pack"] and specs[2].algorithm_version == PACK["version"]
    path = dock.save(tmp_path / "saved", wait=True)
    assert path is not None and path.is_file(), dock.last_error
    assert not editor.dirty
    segments = read_seg(path, window.state.volume)
    back = np.zeros_like(editor.labels)
    for segment in segments:
        back[segment.mask] = segment.number
    np.testing.assert_array_equal(back, editor.labels)


def test_reopening_lists_the_ai_seg_and_the_edit_each_labelled_and_an_edit_of_the_edit_refers_to_it(
        qtbot, make_window, phantom):
    from ai.demo.phantom import LABELS
    from viewer.core.audit import user_name
    from viewer.core.dicom.layout import slice_files
    from viewer.core.dicom.objects import read_seg_provenance
    from viewer.export.seg import write_seg

    folder, made = phantom
    window = open_study(qtbot, make_window, folder)
    # The AI result saved as the AI panel saves it: a SEG beside the study, in outpost-results.
    ai_seg = write_seg(made.labels, slice_files(window.state.series), LABELS,
                       folder / "outpost-results" / "phantom-outpost-demo-ct" / "seg.dcm",
                       algorithm_name=PACK["pack"], algorithm_version=PACK["version"])
    window.set_layout("single")
    original = _with_ai_result(window, made)
    dock = window.show_segment_editor()
    editor = dock.start(next(c for c in dock.start_choices() if c.overlay is original))
    assert editor.source.sop_instance_uid == read_seg_provenance(ai_seg).sop_instance_uid  # its saved SEG
    window.viewports["axial"].repaint()
    viewport, x, y, z = _brush_at_liver_edge(window, dock, made, "erase")
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_widget_point(viewport, (x - 1, y, z)))
    assert editor.changes_by_segment()[LIVER][1] > 0  # voxels removed from the liver
    edited = editor.labels.copy()
    saved = dock.save(wait=True)  # where results are saved: beside the study
    assert saved is not None and saved.parent.parent == folder / "outpost-results", dock.last_error
    provenance = read_seg_provenance(saved)
    assert [r.sop_instance_uid for r in provenance.derived_from] == [read_seg_provenance(ai_seg).sop_instance_uid]
    dock.stop()
    # Reopened, the study shows both versions, each labelled.
    again = open_study(qtbot, make_window, folder)
    assert again.state.series.modality == "CT"  # the images, not a SEG with as many frames
    qtbot.waitUntil(lambda: len(again.annotation_files()) == 2, timeout=20000)
    names = sorted(o.name for o in again.state.overlays if isinstance(o, LabelOverlay))
    assert names[0].startswith(f"AI: {PACK['pack']} {PACK['version']}"), names
    assert names[1].startswith(f"Edited by {user_name()}") and f"from AI: {PACK['pack']}" in names[1], names
    # The edit shows; the model's version it was made from starts hidden (ticked back in Overlays).
    shown = {o.name: any(i.visible for i in o.info.values()) for o in again.state.overlays
             if isinstance(o, LabelOverlay)}
    assert shown == {names[0]: False, names[1]: True}
    # Editing the edit starts from its SEG, voxel for voxel, and refers to it.
    second = again.show_segment_editor()
    choice = next(c for c in second.start_choices() if c.text == names[1])
    assert choice.kind == "seg" and choice.path == str(saved)
    editor = second.start(choice)
    np.testing.assert_array_equal(editor.labels, edited)
    assert editor.source.sop_instance_uid == provenance.sop_instance_uid
    assert second.derived_from().sop_instance_uid == provenance.sop_instance_uid
    assert not _shown(again, choice.overlay) and _shown(again, editor.overlay)


def test_a_click_with_grow_from_click_grows_the_connected_region_in_the_range(qtbot, make_window, phantom):
    from scipy import ndimage

    window, dock, editor, _original, made = _editing(qtbot, make_window, phantom)
    viewport = window.viewports["axial"]
    z = viewport.slice_index
    kidney = 3  # left kidney: about 160 HU among soft tissue
    ys, xs = np.nonzero(made.labels[z] == kidney)
    if len(ys) == 0:  # the kidney is not on the middle slice: go where it is largest
        z = int(np.argmax((made.labels == kidney).sum(axis=(1, 2))))
        viewport.set_slice(z)
        viewport.repaint()
        ys, xs = np.nonzero(made.labels[z] == kidney)
    seed_voxel = (int(np.median(xs)), int(np.median(ys)), z)
    added = dock.add_segment("kidney grown")
    dock.low.setValue(110.0)
    dock.high.setValue(230.0)
    dock.set_tool("seed")
    assert viewport.brush is dock and viewport.brush_outline() == []  # a seed click has no brush outline
    before = editor.labels.copy()
    point = _widget_point(viewport, seed_voxel)
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=point)
    # numpy/scipy: the 6-connected component of 110..230 HU voxels holding the clicked voxel.
    cx, cy, cz = np.rint(_centre_of(viewport, point)).astype(int)
    image = window.state.volume.array
    inside = (image >= 110.0) & (image <= 230.0)
    components, _count = ndimage.label(inside, structure=ndimage.generate_binary_structure(3, 1))
    region = components == components[cz, cy, cx]
    assert inside[cz, cy, cx] and region.sum() > 50
    expected = before.copy()
    expected[region] = added.number
    np.testing.assert_array_equal(editor.labels, expected)
    assert "voxel(s) changed" in dock.message.text()
    editor.undo()
    np.testing.assert_array_equal(editor.labels, before)


def test_a_stroke_redraws_only_the_planes_it_crosses_and_an_empty_start_paints_too(qtbot, make_window, phantom):
    folder, _made = phantom
    window = open_study(qtbot, make_window, folder)
    window.set_layout("mpr")
    dock = window.show_segment_editor()
    editor = dock.start(next(c for c in dock.start_choices() if c.kind == "empty"))
    assert editor.source.kind == "empty" and editor.active in editor.segments  # one new segment to paint
    axial, coronal, sagittal = (window.viewports[v] for v in ("axial", "coronal", "sagittal"))
    for viewport in (axial, coronal, sagittal):
        viewport.repaint()
    cursor = window.state.cursor  # (x, y, z): the coronal plane is y = cursor[1], the sagittal x = cursor[0]
    # A dab on the axial plane, far from the coronal plane shown and across the sagittal one.
    target = (cursor[0], cursor[1] - 12, cursor[2])
    dock.radius.setValue(RADIUS_MM)
    dock.set_tool("paint")
    point = _widget_point(axial, target)
    qtbot.mouseClick(axial, Qt.MouseButton.LeftButton, pos=point)
    painted = np.argwhere(editor.labels == editor.active)
    assert len(painted) and not (painted[:, 1] == int(cursor[1])).any() and (painted[:, 2] == int(cursor[0])).any()
    assert axial._image_key is None and sagittal._image_key is None  # crossed: drawn again
    assert coronal._image_key is not None  # not crossed: its picture is kept
    # What the sagittal view now shows is the painted voxels (its picture is no stale cache).
    sagittal.repaint()
    fresh = sagittal.render_rgb()
    shown = sagittal._image.convertToFormat(sagittal._image.Format.Format_RGB888)
    width, height = shown.width(), shown.height()
    pixels = np.frombuffer(shown.constBits(), np.uint8).reshape(height, shown.bytesPerLine())[:, :3 * width]
    np.testing.assert_array_equal(pixels.reshape(height, width, 3), fresh)
    # On the coronal view the disc lies in the coronal plane: x and z in millimetres (6 mm slices).
    before = editor.labels.copy()
    coronal.repaint()
    point = _widget_point(coronal, (cursor[0] + 6, cursor[1], cursor[2] + 1))
    qtbot.mouseClick(coronal, Qt.MouseButton.LeftButton, pos=point)
    cx, cy, cz = _centre_of(coronal, point)
    assert round(cy) == round(cursor[1])
    spacing = window.state.volume.spacing
    zz, yy, xx = np.indices(before.shape, dtype=float)
    disc = (yy == round(cy)) & (((xx - cx) * spacing[0]) ** 2 + ((zz - cz) * spacing[2]) ** 2 <= RADIUS_MM ** 2)
    expected = before.copy()
    expected[disc] = editor.active
    assert len(np.unique(np.nonzero(disc)[0])) == 3  # 10 mm across 6 mm slices: three slices
    np.testing.assert_array_equal(editor.labels, expected)


def test_the_save_button_saves_in_the_background_and_no_discards_offered_edits(qtbot, make_window, phantom):
    window, dock, editor, _original, made = _editing(qtbot, make_window, phantom)
    viewport, x, y, z = _brush_at_liver_edge(window, dock, made, "paint")
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_widget_point(viewport, (x + 1, y, z)))
    dock.save_button.click()
    qtbot.waitUntil(lambda: dock.last_saved is not None or bool(dock.last_error), timeout=30000)
    assert dock.last_saved is not None and dock.last_saved.is_file(), dock.last_error
    assert not editor.dirty and "Saved as DICOM SEG" in dock.message.text()
    # After the save nothing is offered back; a later edit left unsaved is, and "No" drops it for good.
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_widget_point(viewport, (x + 3, y + 2, z)))
    assert editor.dirty
    window.close()
    again = open_study(qtbot, make_window, phantom[0])
    qtbot.waitUntil(lambda: again.recovery_box is not None, timeout=10000)
    again.recovery_box.button(QMessageBox.StandardButton.No).click()
    from viewer.model.edit_journal import pending_journals

    assert pending_journals(again.state.volume.provenance.series_uid) == []
    assert again.segment_editor.editor is None


def test_edits_of_an_ai_result_are_restored_over_its_saved_seg_when_the_result_is_not_shown(
        qtbot, make_window, phantom):
    from ai.demo.phantom import LABELS
    from viewer.core.dicom.layout import slice_files
    from viewer.export.seg import write_seg

    folder, made = phantom
    window = open_study(qtbot, make_window, folder)
    write_seg(made.labels, slice_files(window.state.series), LABELS,
              folder / "outpost-results" / "phantom-outpost-demo-ct" / "seg.dcm",
              algorithm_name=PACK["pack"], algorithm_version=PACK["version"])
    window.set_layout("single")
    original = _with_ai_result(window, made)
    dock = window.show_segment_editor()
    editor = dock.start(next(c for c in dock.start_choices() if c.overlay is original))
    viewport = window.viewports["axial"]
    viewport.repaint()
    dock.set_active(LIVER)
    dock.radius.setValue(RADIUS_MM)
    dock.set_tool("paint")
    z = viewport.slice_index
    x, y, _ = _edge_voxel(made.labels, LIVER, z)
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_widget_point(viewport, (x + 1, y, z)))
    edited = editor.labels.copy()
    window.close()
    # Reopened: the AI panel shows nothing, but the study holds the result's SEG.
    again = open_study(qtbot, make_window, folder)
    qtbot.waitUntil(lambda: again.recovery_box is not None, timeout=20000)
    assert len(again.annotation_files()) == 1
    again.recovery_box.button(QMessageBox.StandardButton.Yes).click()
    restored = again.segment_editor.editor
    assert restored is not None, again.segment_editor.last_error
    np.testing.assert_array_equal(restored.labels, edited)
    assert restored.source.kind == "ai-result" and restored.source.pack_checksum == PACK["checksum"]


def test_the_keep_largest_island_button_keeps_the_largest_6_connected_piece(qtbot, make_window, phantom):
    from scipy import ndimage

    window, dock, editor, _original, made = _editing(qtbot, make_window, phantom)
    lungs = 5
    dock.set_active(lungs)
    pieces, count = ndimage.label(made.labels == lungs, structure=ndimage.generate_binary_structure(3, 1))
    assert count >= 2  # the two lungs
    sizes = np.bincount(pieces.ravel())[1:]
    largest = pieces == (int(np.argmax(sizes)) + 1)
    dock.largest_button.click()
    expected = made.labels.copy()
    expected[(made.labels == lungs) & ~largest] = 0
    np.testing.assert_array_equal(editor.labels, expected)
    assert editor.segments[lungs].algorithm_type == "SEMIAUTOMATIC"
    qtbot.keyClick(window.viewports["axial"], Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(editor.labels, made.labels)

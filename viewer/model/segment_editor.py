"""The segment editor: correct a segmentation on the image grid, with undo and a crash journal.

The edited segmentation is a label map ``[z, y, x]`` on the image's grid (``uint8``,
``uint16`` above 255 segments): each voxel belongs to at most one segment. The
source (an AI result, a DICOM SEG, an RT structure set, or nothing) is never
changed: the editor works on a copy and counts, per segment, the voxels the reader
added and removed since the source.

Every edit is one undo step that stores only what changed (:class:`LabelDelta`:
flat indices inside a box, old and new labels). Steps are kept within a memory
budget (the oldest are dropped beyond it, never the last one) and written to an
:class:`~viewer.model.edit_journal.EditJournal` as they are made, so a crash loses
at most the step being made; :meth:`SegmentEditor.resume_journal` replays a journal
over the same source.

Painting into the active segment overwrites the background and unlocked segments;
locked segments never change. The view shows :attr:`SegmentEditor.overlay`, whose
``labels`` is the editor's label map itself (edits are in place, the view only
redraws) and whose ``info`` follows the segment table.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from viewer.core import segment_tools as tools
from viewer.core.display import label_color
from viewer.core.errors import OutpostError
from viewer.core.measure import roi_mask
from viewer.core.overlays import ContourOverlay, LabelInfo, LabelOverlay
from viewer.core.segment_tools import Box, LabelDelta, SegmentStatistics
from viewer.core.volume import Volume
from viewer.model.edit_journal import (
    EditJournal,
    SegmentationSource,
    journal_path,
    labels_checksum,
    source_key,
    source_to_json,
)
from viewer.model.events import Event

if TYPE_CHECKING:  # pydicom stays unimported until a SEG is read
    from viewer.core.dicom.objects import Segment

__all__ = ["AUTOMATIC", "MANUAL", "SEMIAUTOMATIC", "EditableSegment", "SegmentEditor", "SegmentStatistics",
           "SegmentationSource", "TOOLS"]

log = logging.getLogger(__name__)

AUTOMATIC, SEMIAUTOMATIC, MANUAL = "AUTOMATIC", "SEMIAUTOMATIC", "MANUAL"
#: The tools a segment can record; the second group makes a segment SEMIAUTOMATIC.
TOOLS = ("brush", "erase", "logical", "threshold", "region-grow", "fill-between", "islands", "smooth")
_SEMIAUTOMATIC_TOOLS = frozenset(TOOLS[3:])
_ROW_FIELDS = ("number", "name", "color", "visible", "locked", "from_source", "source_algorithm_type")
_MAX_LABEL = np.iinfo(np.uint16).max
_BINCOUNT_CHUNK = 2**20


@dataclass
class EditableSegment:
    """One row of the segment table.

    Attributes
    ----------
    number
        Its value in the label map (1..).
    name, color, visible
        How it is shown (mirrored in the overlay's ``info``).
    locked
        Locked segments are never overwritten or erased.
    from_source
        Whether it came from the source (model result or SEG).
    source_algorithm_type
        Its SegmentAlgorithmType in the source (AUTOMATIC for an AI result).
    added, removed
        Voxels the reader added to it and removed from it since the source (exact).
    tools
        The tools that changed its voxels (see :data:`TOOLS`).
    """

    number: int
    name: str
    color: tuple[int, int, int]
    visible: bool = True
    locked: bool = False
    from_source: bool = False
    source_algorithm_type: str = MANUAL
    added: int = 0
    removed: int = 0
    tools: set[str] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        """Whether its voxels differ from the source's."""
        return bool(self.added or self.removed)

    @property
    def algorithm_type(self) -> str:
        """The DICOM SegmentAlgorithmType it is saved with.

        AUTOMATIC: from the source as AUTOMATIC and unchanged. SEMIAUTOMATIC: an
        automatic source segment the reader changed, or any segment made with
        threshold, region growing, fill between slices, islands or smoothing.
        MANUAL: drawn by the reader with brush, erase and logical operations only
        (or a MANUAL source segment).
        """
        if self.from_source and self.source_algorithm_type == AUTOMATIC:
            return SEMIAUTOMATIC if self.changed else AUTOMATIC
        if self.tools & _SEMIAUTOMATIC_TOOLS:
            return SEMIAUTOMATIC
        if self.from_source and self.source_algorithm_type == SEMIAUTOMATIC:
            return SEMIAUTOMATIC
        return MANUAL

    def _row(self) -> dict[str, Any]:
        row = {name: getattr(self, name) for name in _ROW_FIELDS}
        row["color"] = [int(c) for c in self.color]
        row["tools"] = sorted(self.tools)
        return row


#: A change of the segment table: the segment's number, its row before and after (``None``: absent).
_TableChange = tuple[int, dict[str, Any] | None, dict[str, Any] | None]


@dataclass
class _Step:
    """One undo step: a voxel change, table changes, and the tools it added to segments."""

    id: int
    tool: str
    delta: LabelDelta | None = None
    table: list[_TableChange] = field(default_factory=list)
    tools_added: list[tuple[int, str]] = field(default_factory=list)

    @property
    def nbytes(self) -> int:
        return (self.delta.nbytes if self.delta is not None else 0) + 256 * (1 + len(self.table))


class SegmentEditor:
    """Edits a label map on an image's grid, with undo, statistics and a crash journal.

    Parameters
    ----------
    image
        The image segmented (3-D, or 4-D: intensity tools use :attr:`timepoint`).
    labels
        The source label map ``[z, y, x]`` on the image grid (never modified), or
        ``None`` for an empty segmentation.
    segments
        The segment table of the source; values present in ``labels`` without a
        row get one (``label N``).
    source
        What the segmentation came from.
    journal
        Where to journal the edits: an :class:`EditJournal` (started here), ``True``
        for the default place (:func:`~viewer.model.edit_journal.journal_path`), or
        ``None``/``False`` for no journal.
    undo_budget_bytes
        The memory the undo and redo history may take.

    Attributes
    ----------
    changed
        Emitted with a box (tuple of 3 slices) after a voxel edit, or ``None``
        after a table edit.
    """

    def __init__(self, image: Volume, labels: np.ndarray | None, segments: list[EditableSegment],
                 source: SegmentationSource, *, journal: EditJournal | bool | None = None,
                 undo_budget_bytes: int = 256 * 2**20) -> None:
        shape = image.shape_zyx
        if labels is None:
            top = max((s.number for s in segments), default=0)
            labels = np.zeros(shape, dtype=np.uint8 if top <= 255 else np.uint16)
        if labels.shape != shape:
            raise OutpostError(f"the label map {labels.shape} is not on the image grid {shape}")
        if labels.dtype not in (np.uint8, np.uint16) and labels.size \
                and (labels.min() < 0 or labels.max() > _MAX_LABEL):
            raise OutpostError("label values must lie in 0..65535")
        self.image = image
        self.source = source
        self.timepoint = 0
        self.undo_budget_bytes = int(undo_budget_bytes)
        self.changed = Event()
        self._source_labels = labels
        top = max([int(labels.max(initial=0))] + [int(s.number) for s in segments])
        working = np.uint8 if top <= 255 else np.uint16
        self.labels = np.array(labels, dtype=working, order="C", copy=True)
        self._voxels = np.zeros(_MAX_LABEL + 1, dtype=np.int64)
        self._added = np.zeros_like(self._voxels)
        self._removed = np.zeros_like(self._voxels)
        _bump(self._voxels, self.labels.reshape(-1), 1)
        self.segments: dict[int, EditableSegment] = {}
        for segment in sorted(segments, key=lambda s: s.number):
            self._check_number(segment.number)
            self.segments[segment.number] = segment
        for value in np.flatnonzero(self._voxels[1:]) + 1:
            if int(value) not in self.segments:
                self.segments[int(value)] = EditableSegment(int(value), f"label {value}", label_color(int(value)),
                                                            from_source=source.kind != "empty")
        self._highest = max(self.segments, default=0)
        self.overlay = LabelOverlay(labels=self.labels, name=source.description or "segmentation")
        self._locked = np.zeros(_MAX_LABEL + 1, dtype=bool)
        self._sync_table()
        self.active = min(self.segments, default=0)
        self._undo: list[_Step] = []
        self._redo: list[_Step] = []
        self._stroke: _Step | None = None
        self._stroke_deltas: list[LabelDelta] = []
        self._next_id = 1
        self._floor_id = 0
        self._saved_id = 0
        self._version = 0
        self._statistics: dict[int, tuple[int, SegmentStatistics]] = {}
        self._base_checksum: str | None = None
        self.journal: EditJournal | None = None
        #: Why the journal stopped (``None`` while it works): the UI can say edits are not crash-safe.
        self.journal_error: str | None = None
        if journal is True:
            journal = EditJournal(journal_path(source.source_series_uid, self.source_key))
        if isinstance(journal, EditJournal):
            self.journal = journal
            journal.start(self._journal_header())

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_label_overlay(cls, image: Volume, overlay: LabelOverlay, source: SegmentationSource,
                           **kw: Any) -> SegmentEditor:
        """Edit a label overlay on ``image``'s grid; an AI result's segments are AUTOMATIC."""
        kind = AUTOMATIC if source.kind == "ai-result" else MANUAL
        segments = [EditableSegment(number, info.name, _rgb(info.color), visible=info.visible, from_source=True,
                                    source_algorithm_type=kind) for number, info in sorted(overlay.info.items())]
        return cls(image, overlay.labels, segments, source, **kw)

    @classmethod
    def from_seg_segments(cls, image: Volume, segments: list[Segment], source: SegmentationSource,
                          **kw: Any) -> tuple[SegmentEditor, int]:
        """Edit the segments of a DICOM SEG (from :func:`~viewer.core.dicom.objects.read_seg` on ``image``).

        Overlapping segments are flattened with later-numbered segments on top.

        Returns
        -------
        editor, lost
            The editor, and the number of voxels whose earlier segment was covered
            by a later one (0 when no segments overlap).
        """
        shape = image.shape_zyx
        top = max((s.number for s in segments), default=0)
        labels = np.zeros(shape, dtype=np.uint8 if top <= 255 else np.uint16)
        rows, lost = [], 0
        for segment in sorted(segments, key=lambda s: s.number):
            inside = segment.binary()
            region = labels[segment.box]
            lost += int(np.count_nonzero(inside & (region != 0)))
            region[inside] = segment.number
            kind = getattr(segment, "algorithm_type", "") or (AUTOMATIC if segment.algorithm else MANUAL)
            rows.append(EditableSegment(segment.number, segment.label,
                                        _rgb(segment.color) if segment.color else label_color(segment.number),
                                        from_source=True, source_algorithm_type=str(kind).upper()))
        return cls(image, labels, rows, source, **kw), lost

    @classmethod
    def from_contour_overlay(cls, image: Volume, overlay: ContourOverlay, source: SegmentationSource,
                             **kw: Any) -> tuple[SegmentEditor, int]:
        """Edit the ROIs of an RT structure set, filled on ``image``'s grid.

        A voxel is inside an ROI when its centre is inside an odd number of the ROI's
        contours on its slice (so inner contours are holes), as
        :func:`~viewer.core.measure.roi_mask` decides for one polygon. Overlapping
        ROIs are flattened with later-numbered ROIs on top.

        Returns
        -------
        editor, lost
            The editor, and the number of voxels whose earlier ROI was covered by a later one.
        """
        shape = image.shape_zyx
        top = max(overlay.info, default=0)
        labels = np.zeros(shape, dtype=np.uint8 if top <= 255 else np.uint16)
        lost = 0
        for number in sorted(overlay.info):
            inside = np.zeros(shape, dtype=bool)
            for points in overlay.contours.get(number, []):
                _fill_polygon(inside, points)
            lost += int(np.count_nonzero(inside & (labels != 0)))
            labels[inside] = number
        rows = [EditableSegment(number, info.name, _rgb(info.color), visible=info.visible, from_source=True,
                                source_algorithm_type=MANUAL) for number, info in sorted(overlay.info.items())]
        return cls(image, labels, rows, source, **kw), lost

    @classmethod
    def empty(cls, image: Volume, source_series_uid: str = "", **kw: Any) -> SegmentEditor:
        """A new, empty segmentation of ``image`` (add segments with :meth:`add_segment`)."""
        uid = source_series_uid or image.provenance.series_uid
        return cls(image, None, [], SegmentationSource("empty", "New segmentation", source_series_uid=uid), **kw)

    @classmethod
    def recover(cls, journal_path: str | os.PathLike[str], base: SegmentEditor) -> SegmentEditor:
        """Replay a journal over ``base`` and keep journaling into it; returns ``base``.

        ``base`` is built from the same source the same way as when the journal was
        written (e.g. :meth:`from_label_overlay` on the same result), without a journal.
        """
        base.resume_journal(journal_path)
        return base

    # ------------------------------------------------------------------ identity and journal
    @property
    def base_checksum(self) -> str:
        """The checksum of the source label map (computed once)."""
        if self._base_checksum is None:
            self._base_checksum = labels_checksum(self._source_labels)
        return self._base_checksum

    @property
    def source_key(self) -> str:
        """A file-name-safe key of the source (UIDs, pack checksum, label map checksum)."""
        return source_key(self.source, self.base_checksum)

    def _journal_header(self) -> dict[str, Any]:
        return {"format": 1, "source": source_to_json(self.source), "base_checksum": self.base_checksum,
                "shape": list(self.labels.shape), "image_series_uid": self.image.provenance.series_uid,
                "undo_budget_bytes": self.undo_budget_bytes,
                "segments": [s._row() for s in self.segments.values()]}

    def _journal(self, record: dict[str, Any], arrays: dict[str, np.ndarray] | None = None) -> None:
        """Write a record; a journal that cannot be written (disk full) is given up, the edit is kept."""
        if self.journal is None or not self.journal.is_open:
            return
        try:
            self.journal.write(record, arrays)
        except OSError as error:
            self.journal_error = f"the edit journal could not be written ({error.strerror or error})"
            log.warning("segment editor: %s; edits are no longer protected against a crash", self.journal_error)
            self.journal.close()

    def resume_journal(self, path: str | os.PathLike[str]) -> int:
        """Replay the journal at ``path`` over this editor's source, then keep journaling into it.

        The editor must be fresh (no edits, no journal) and built from the same
        source: the journal's source checksum must match.

        Returns
        -------
        int
            The number of steps replayed.

        Raises
        ------
        OutpostError
            When the journal belongs to another source or does not apply.
        """
        if self._undo or self._redo or self.journal is not None:
            raise OutpostError("a journal is replayed over a fresh editor only")
        journal = EditJournal(path)
        contents = journal.resume()
        try:
            header = contents.header
            if header.get("base_checksum") != self.base_checksum or list(header.get("shape", [])) != list(
                    self.labels.shape):
                raise OutpostError("this edit journal belongs to another segmentation")
            series, ours = header.get("image_series_uid", ""), self.image.provenance.series_uid
            if series and ours and series != ours:
                raise OutpostError("this edit journal belongs to another image series")
            self.undo_budget_bytes = int(header.get("undo_budget_bytes", self.undo_budget_bytes))
            replayed = 0
            for record, arrays in contents.records:
                op = record.get("op")
                if op == "step":
                    step = _step_from_record(record, arrays)
                    if step.delta is not None and not step.delta.matches(self.labels):
                        raise OutpostError(f"edit journal step {step.id} does not apply to this label map")
                    self._apply(step, forward=True)
                    self._push(step)
                    self._next_id = max(self._next_id, step.id + 1)
                    replayed += 1
                elif op == "undo":
                    self._undo_step()
                elif op == "redo":
                    self._redo_step()
                elif op == "saved":
                    self._saved_id = self._state_id
        except BaseException:
            journal.close()
            raise
        self.journal = journal
        self.changed.emit(None)
        return replayed

    # ------------------------------------------------------------------ table
    def _check_number(self, number: int) -> None:
        if not 1 <= int(number) <= _MAX_LABEL:
            raise OutpostError(f"segment numbers lie in 1..{_MAX_LABEL}, not {number}")
        overlay = getattr(self, "overlay", None)
        if overlay is not None and int(number) > np.iinfo(cast("np.dtype[np.integer[Any]]",
                                                               self.labels.dtype)).max:
            # More than 255 segments: the map (and the view's overlay with it) widens to uint16.
            self.labels = self.labels.astype(np.uint16)
            overlay.labels = self.labels

    def _sync_table(self) -> None:
        """Mirror the table into the overlay's ``info`` and the lock lookup table."""
        info = self.overlay.info
        info.clear()
        self._locked[:] = False
        for number, segment in sorted(self.segments.items()):
            info[number] = LabelInfo(segment.name, _rgb(segment.color), segment.visible)
            self._locked[number] = segment.locked
            segment.added, segment.removed = int(self._added[number]), int(self._removed[number])

    def _row_edit(self, number: int, **changes: Any) -> None:
        segment = self._segment(number)
        before = segment._row()
        after = {**before, **changes}
        if after == before:
            return
        self._commit(_Step(self._take_id(), "table", table=[(number, before, after)]))

    def _segment(self, number: int) -> EditableSegment:
        if number not in self.segments:
            raise OutpostError(f"there is no segment {number}")
        return self.segments[number]

    def add_segment(self, name: str = "", color: tuple[int, int, int] | None = None) -> EditableSegment:
        """Add an empty segment (numbered after every segment so far) and make it active."""
        number = self._highest + 1
        self._check_number(number)
        row = EditableSegment(number, name or f"Segment {number}",
                              _rgb(int(c) for c in (color or label_color(number))))._row()
        self._commit(_Step(self._take_id(), "table", table=[(number, None, row)]))
        self.active = number
        return self.segments[number]

    def rename(self, number: int, name: str) -> None:
        """Rename segment ``number``."""
        self._row_edit(number, name=str(name))

    def recolor(self, number: int, color: tuple[int, int, int]) -> None:
        """Give segment ``number`` a new RGB colour."""
        self._row_edit(number, color=[int(c) for c in color])

    def set_visible(self, number: int, visible: bool) -> None:
        """Show or hide segment ``number``."""
        self._row_edit(number, visible=bool(visible))

    def set_locked(self, number: int, locked: bool) -> None:
        """Lock segment ``number`` (no tool changes its voxels) or unlock it."""
        self._row_edit(number, locked=bool(locked))

    def remove_segment(self, number: int) -> None:
        """Remove segment ``number`` and clear its voxels (one undo step).

        Raises
        ------
        OutpostError
            When it is locked.
        """
        segment = self._segment(number)
        if segment.locked:
            raise OutpostError(f"segment {segment.name!r} is locked")
        self._end_open_stroke()
        mask = self.labels == number
        delta = None
        box = tools.bounding_box(mask)
        if box is not None:
            region = self.labels[box]
            delta = LabelDelta.between(region, np.where(mask[box], 0, region).astype(region.dtype), box)
        step = _Step(self._take_id(), "remove", delta=delta, table=[(number, segment._row(), None)])
        self._commit(step)

    # ------------------------------------------------------------------ strokes and steps
    def _take_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    @property
    def _state_id(self) -> int:
        return self._undo[-1].id if self._undo else self._floor_id

    def begin_stroke(self) -> None:
        """Merge every voxel edit until :meth:`end_stroke` into one undo step (a mouse drag)."""
        self._end_open_stroke()
        self._stroke = _Step(0, "stroke")
        self._stroke_deltas = []

    def end_stroke(self) -> None:
        """Close the stroke: its edits become one undo step, written to the journal."""
        stroke, self._stroke = self._stroke, None
        if stroke is None:
            return
        stroke.delta = LabelDelta.merge(self._stroke_deltas)
        self._stroke_deltas = []
        if stroke.delta is None and not stroke.tools_added:
            return
        stroke.id = self._take_id()
        self._commit(stroke, apply=False, emit=False)

    def _end_open_stroke(self) -> None:
        if self._stroke is not None:
            self.end_stroke()

    def _commit(self, step: _Step, *, apply: bool = True, emit: bool = True) -> None:
        """Apply ``step`` (unless its voxels, counts and tools are already done), push it and journal it."""
        if apply:
            self._apply(step, forward=True)
        self._push(step)
        self._journal(*_step_record(step))
        if emit:
            self._emit(step)

    def _push(self, step: _Step) -> None:
        self._undo.append(step)
        self._redo.clear()
        total = self.undo_memory_bytes
        while total > self.undo_budget_bytes and len(self._undo) > 1:
            dropped = self._undo.pop(0)
            self._floor_id = dropped.id
            total -= dropped.nbytes

    def _emit(self, step: _Step) -> None:
        if step.delta is not None:
            self.changed.emit(step.delta.box)
        if step.table:
            self.changed.emit(None)

    def _apply(self, step: _Step, *, forward: bool) -> None:
        """Redo (``forward``) or undo a step: voxels, counts, table and tools."""
        if forward and step.table:
            self._apply_table(step.table, forward=True)
        if step.delta is not None:
            delta = step.delta
            delta.apply(self.labels, forward=forward)
            source = delta.take(self._source_labels)
            old, new = (delta.olds(), delta.news()) if forward else (delta.news(), delta.olds())
            self._count(old, new, source)
        for number, tool in step.tools_added:
            segment = self.segments.get(number)
            if segment is not None:
                (segment.tools.add if forward else segment.tools.discard)(tool)
        if not forward and step.table:
            self._apply_table(step.table, forward=False)
        self._sync_table()

    def _apply_table(self, changes: list[_TableChange], *, forward: bool) -> None:
        for number, before, after in (changes if forward else reversed(changes)):
            row = after if forward else before
            if row is None:
                self.segments.pop(number, None)
                if self.active == number:
                    self.active = min(self.segments, default=0)
                continue
            self._check_number(number)
            self._highest = max(self._highest, number)
            values = {k: row[k] for k in _ROW_FIELDS}
            values["color"] = tuple(int(c) for c in values["color"])
            segment = self.segments.get(number)
            if segment is None:
                self.segments[number] = EditableSegment(**values, tools=set(row.get("tools", [])))
                rows = sorted(self.segments.items())
                self.segments.clear()
                self.segments.update(rows)
            else:
                for key, value in values.items():
                    setattr(segment, key, value)
        self._sync_table()

    def _count(self, old: np.ndarray, new: np.ndarray, source: np.ndarray) -> None:
        """Update voxel, added and removed counts for voxels going from ``old`` to ``new``."""
        self._version += 1
        _bump(self._voxels, new, 1)
        _bump(self._voxels, old, -1)
        _bump(self._added, new[new != source], 1)
        _bump(self._added, old[old != source], -1)
        _bump(self._removed, old[old == source], 1)
        _bump(self._removed, new[new == source], -1)

    # ------------------------------------------------------------------ undo
    def undo(self) -> bool:
        """Undo the last step; ``False`` when there is none."""
        self._end_open_stroke()
        step = self._undo_step()
        if step is None:
            return False
        self._journal({"op": "undo", "id": step.id})
        self._emit(step)
        return True

    def redo(self) -> bool:
        """Redo the last undone step; ``False`` when there is none."""
        self._end_open_stroke()
        step = self._redo_step()
        if step is None:
            return False
        self._journal({"op": "redo", "id": step.id})
        self._emit(step)
        return True

    def _undo_step(self) -> _Step | None:
        if not self._undo:
            return None
        step = self._undo.pop()
        self._apply(step, forward=False)
        self._redo.append(step)
        return step

    def _redo_step(self) -> _Step | None:
        if not self._redo:
            return None
        step = self._redo.pop()
        self._apply(step, forward=True)
        self._undo.append(step)
        return step

    @property
    def can_undo(self) -> bool:
        """Whether :meth:`undo` has a step to undo (an open stroke counts)."""
        return bool(self._undo) or bool(self._stroke_deltas)

    @property
    def can_redo(self) -> bool:
        """Whether :meth:`redo` has a step to redo."""
        return bool(self._redo)

    @property
    def undo_memory_bytes(self) -> int:
        """The memory the undo and redo history holds."""
        return sum(step.nbytes for step in self._undo) + sum(step.nbytes for step in self._redo)

    @property
    def last_step_bytes(self) -> int:
        """The memory held by the step :meth:`undo` would undo (0 when there is none)."""
        return self._undo[-1].nbytes if self._undo else 0

    @property
    def undo_steps(self) -> int:
        """The number of steps that can be undone."""
        return len(self._undo)

    @property
    def dirty(self) -> bool:
        """Whether there are edits since the source or the last :meth:`mark_saved`."""
        return self._state_id != self._saved_id or bool(self._stroke_deltas)

    def mark_saved(self) -> None:
        """Record that the current state was saved (the journal then holds nothing to offer back)."""
        self._end_open_stroke()
        self._saved_id = self._state_id
        self._journal({"op": "saved", "id": self._saved_id})

    def close(self, *, discard: bool = False) -> None:
        """Stop editing: delete the journal when nothing is unsaved or ``discard``; otherwise keep it on disk."""
        self._end_open_stroke()
        if self.journal is None:
            return
        if discard or not self.dirty:
            self.journal.finish()
        else:
            self.journal.close()
        self.journal = None

    # ------------------------------------------------------------------ voxel edits
    def _intensities(self) -> np.ndarray:
        if self.image.is_rgb:
            raise OutpostError("intensity tools need a greyscale image")
        return self.image.timepoint(self.timepoint).array

    def _editable_active(self) -> EditableSegment | None:
        segment = self.segments.get(self.active)
        return None if segment is None or segment.locked else segment

    def _edit(self, tool: str, box: Box, add: np.ndarray | None = None, remove: np.ndarray | None = None) -> int:
        """Set ``add`` voxels of ``labels[box]`` to the active segment and ``remove`` voxels of it to 0.

        Locked segments are left alone. One undo step (or part of the open stroke).
        """
        segment = self._editable_active()
        if segment is None or tools.box_size(box) == 0:
            return 0
        active = segment.number
        region = self.labels[box]
        change = np.zeros(region.shape, dtype=bool)
        if add is not None:
            np.logical_and(add, region != active, out=change)
            if self._locked.any():
                change &= ~self._locked[region]
        if remove is not None:
            change |= remove & (region == active)
        count = int(np.count_nonzero(change))
        if count == 0:
            return 0
        old = region[change]
        new = np.full(count, active, dtype=region.dtype)
        new[old == active] = 0
        delta = LabelDelta.of(box, old, new, changed=change)
        region[change] = new
        self._count(old, new, self._source_labels[box][change])
        touched = (set(np.flatnonzero(np.bincount(old)).tolist()) | {active}) - {0}
        added = [(n, tool) for n in sorted(touched) if n in self.segments and tool not in self.segments[n].tools]
        for number, name in added:
            self.segments[number].tools.add(name)
        for number in touched:
            if number in self.segments:
                self.segments[number].added = int(self._added[number])
                self.segments[number].removed = int(self._removed[number])
        if self._stroke is not None:
            self._stroke_deltas.append(delta)
            self._stroke.tools_added.extend(added)
            self.changed.emit(box)
        else:
            self._commit(_Step(self._take_id(), tool, delta=delta, tools_added=added), apply=False)
        return count

    def paint(self, center_zyx: Iterable[float], radius_mm: float, *, sphere: bool = False, plane_axis: int = 0,
              erase: bool = False, intensity_range: tuple[float, float] | None = None) -> int:
        """Paint (or erase) a round brush into the active segment.

        Parameters
        ----------
        center_zyx
            The centre in continuous voxel indices ``(z, y, x)``.
        radius_mm
            The brush radius in mm (the grid's spacing makes it an ellipse in voxels).
        sphere
            A 3-D ball; otherwise a disc in the slice normal to ``plane_axis`` through the centre.
        plane_axis
            0: axial (z), 1: coronal (y), 2: sagittal (x).
        erase
            Set the active segment's voxels in the brush to 0 (only the active segment's).
        intensity_range
            ``(low, high)``: only voxels whose image value lies in the range (inclusive).

        Returns
        -------
        int
            The voxels changed.
        """
        return self._brush(center_zyx, None, radius_mm, sphere, plane_axis, erase, intensity_range)

    def _brush(self, start_zyx: Iterable[float], end_zyx: Iterable[float] | None, radius_mm: float, sphere: bool,
               plane_axis: int, erase: bool,
               intensity_range: tuple[float, float] | None) -> int:
        box, mask = tools.brush_mask(self.labels.shape, start_zyx, radius_mm, self.image.spacing, sphere=sphere,
                                     plane_axis=plane_axis, end_zyx=end_zyx)
        if tools.box_size(box) == 0:
            return 0
        if intensity_range is not None:
            mask &= tools.in_range(self._intensities()[box], *intensity_range)
        if erase:
            return self._edit("erase", box, remove=mask)
        return self._edit("brush", box, add=mask)

    def paint_line(self, start_zyx: Iterable[float], end_zyx: Iterable[float], radius_mm: float, *,
                   sphere: bool = False, plane_axis: int = 0,
                   erase: bool = False, intensity_range: tuple[float, float] | None = None) -> int:
        """Paint (or erase) the brush swept from ``start_zyx`` to ``end_zyx`` (a mouse move in a drag).

        Every voxel within ``radius_mm`` of the segment between the two points, so a
        fast drag leaves no gaps; a disc stays in the slice of ``start_zyx``. Other
        parameters as :meth:`paint`.
        """
        return self._brush(start_zyx, end_zyx, radius_mm, sphere, plane_axis, erase, intensity_range)

    def threshold(self, low: float, high: float) -> int:
        """The active segment becomes the voxels with ``low <= value <= high`` (locked segments kept)."""
        inside = tools.in_range(self._intensities(), low, high)
        return self._edit("threshold", tools.whole_box(self.labels.shape), add=inside, remove=~inside)

    def region_grow(self, seed_zyx: Iterable[float], *, low: float | None = None, high: float | None = None,
                    multiplier: float | None = None) -> int:
        """Add to the active segment the region connected to ``seed_zyx`` (6-connectivity).

        With ``low``/``high``: the voxels in that range (SimpleITK ConnectedThreshold);
        with ``multiplier``: confidence connected (mean ± multiplier × SD of the seed's
        neighbourhood). See :func:`viewer.core.segment_tools.region_grow`.
        """
        if multiplier is None and low is None and high is None:
            raise OutpostError("region growing needs an intensity range or a multiplier")
        box, grown = tools.region_grow(self._intensities(), seed_zyx, low=low, high=high, multiplier=multiplier,
                                       spacing_xyz=self.image.spacing)
        tight = tools.bounding_box(grown)
        if tight is None:
            return 0
        box = cast(Box, tuple(slice(b.start + t.start, b.start + t.stop) for b, t in zip(box, tight, strict=True)))
        return self._edit("region-grow", box, add=grown[tight])

    def _active_box(self, pad: tuple[int, int, int] | int = 0) -> tuple[Box, np.ndarray] | None:
        """The active segment's bounding box (padded) and its mask inside it."""
        if self._editable_active() is None:
            return None
        mask = self.labels == self.active
        box = tools.bounding_box(mask, pad)
        return None if box is None else (box, mask[box])

    def fill_between_slices(self, axis: int = 0) -> int:
        """Interpolate the active segment across the empty slices between drawn ones (along ``axis``)."""
        found = self._active_box()
        if found is None:
            return 0
        box, mask = found
        return self._edit("fill-between", box, add=tools.fill_between_slices(mask, self.image.spacing, axis))

    def islands(self, *, keep_largest: bool = False, min_ml: float | None = None) -> int:
        """Remove islands of the active segment: all but the largest, or those under ``min_ml`` mL."""
        found = self._active_box()
        if found is None:
            return 0
        box, mask = found
        kept = tools.islands(mask, self.image.spacing, keep_largest=keep_largest, min_ml=min_ml)
        return self._edit("islands", box, remove=mask & ~kept)

    def smooth(self, kind: str = "median", radius_mm: float = 1.0) -> int:
        """Smooth the active segment: binary ``median`` or morphological ``closing`` of ``radius_mm``."""
        if kind not in tools.SMOOTHING_KINDS:
            raise OutpostError(f"unknown smoothing {kind!r}; expected one of {tools.SMOOTHING_KINDS}")
        reach = tools.radius_voxels(radius_mm, self.image.spacing)
        found = self._active_box(pad=cast(tuple[int, int, int], tuple(r + 1 for r in reversed(reach))))
        if found is None:
            return 0
        box, mask = found
        smoothed = tools.smooth(mask, self.image.spacing, kind, radius_mm)
        return self._edit("smooth", box, add=smoothed, remove=~smoothed)

    def logical(self, operation: str, other: int | np.ndarray) -> int:
        """Combine the active segment with ``other`` (a segment number or a boolean mask on the grid).

        ``union`` adds ``other``'s voxels to the active segment (a segment's voxels
        move, unless it is locked); ``subtract`` removes them from it; ``intersect``
        keeps only them. Segments never overlap in a label map, so ``subtract`` with
        a segment number changes nothing and ``intersect`` with one empties the
        active segment; masks (e.g. a threshold) give the general case.
        """
        if operation not in tools.LOGICAL_OPERATIONS:
            raise OutpostError(f"unknown logical operation {operation!r}; "
                               f"expected one of {tools.LOGICAL_OPERATIONS}")
        if isinstance(other, np.ndarray):
            if other.shape != self.labels.shape:
                raise OutpostError(f"the mask {other.shape} is not on the image grid {self.labels.shape}")
            other_mask = other.astype(bool, copy=False)
        else:
            self._segment(int(other))
            other_mask = self.labels == int(other)
        active = self.labels == self.active
        result = tools.logical(active, other_mask, operation)
        box = tools.whole_box(self.labels.shape)
        return self._edit("logical", box, add=result & ~active, remove=active & ~result)

    # ------------------------------------------------------------------ statistics
    def statistics(self, number: int) -> SegmentStatistics:
        """Voxels, volume (mL) and the image's mean and range inside segment ``number`` (cached until an edit)."""
        cached = self._statistics.get(number)
        if cached is not None and cached[0] == self._version:
            return cached[1]
        mask = self.labels == number
        box = tools.bounding_box(mask)
        if box is None:
            found = SegmentStatistics(0, 0.0, float("nan"), float("nan"), float("nan"))
        else:
            found = tools.mask_statistics(self._intensities()[box], mask[box], self.image.spacing)
        self._statistics[number] = (self._version, found)
        return found

    def voxel_count(self, number: int) -> int:
        """The voxels of segment ``number`` (kept up to date as edits happen; no pass over the map)."""
        return int(self._voxels[number])

    def changes_by_segment(self) -> dict[int, tuple[int, int]]:
        """``number -> (added, removed)`` voxels since the source: every segment, and removed ones that changed."""
        numbers = set(self.segments) | set((np.flatnonzero(self._added | self._removed)).tolist())
        numbers.discard(0)
        return {n: (int(self._added[n]), int(self._removed[n])) for n in sorted(numbers)}

    @property
    def source_labels(self) -> np.ndarray:
        """The source label map (read only: never change it)."""
        return self._source_labels


# --------------------------------------------------------------------------- helpers
def _rgb(color: Iterable[int]) -> tuple[int, int, int]:
    """A colour's three components as a tuple (the callers hold RGB triples)."""
    return cast(tuple[int, int, int], tuple(color))


def _fill_polygon(inside: np.ndarray, points: np.ndarray) -> None:
    """Toggle (even-odd) the voxels of ``inside`` whose centres lie in a planar contour.

    ``points`` are ``(x, y, z)`` continuous voxel indices on one axial slice; only the
    polygon's bounding box is visited.
    """
    if len(points) < 3:
        return
    z = int(np.floor(float(points[0, 2]) + 0.5))
    if not 0 <= z < inside.shape[0]:
        return
    _, rows, columns = inside.shape
    top, left = max(0, int(np.floor(points[:, 1].min()))), max(0, int(np.floor(points[:, 0].min())))
    bottom = min(rows, int(np.ceil(points[:, 1].max())) + 1)
    right = min(columns, int(np.ceil(points[:, 0].max())) + 1)
    if bottom <= top or right <= left:
        return
    local = [(y - top, x - left) for x, y in points[:, :2]]
    inside[z, top:bottom, left:right] ^= roi_mask((bottom - top, right - left), "freehand", local)


def _bump(counts: np.ndarray, values: np.ndarray, sign: int) -> None:
    """``counts[v] += sign`` for every value ``v`` of ``values``.

    Counted a million at a time: bincount widens its input to 64-bit integers, which
    for a whole 512x512x400 map would be an 800 MB temporary.
    """
    flat = values.reshape(-1)
    for start in range(0, flat.size, _BINCOUNT_CHUNK):
        found = np.bincount(flat[start:start + _BINCOUNT_CHUNK])
        counts[:found.size] += sign * found


def _step_record(step: _Step) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    record: dict[str, Any] = {"op": "step", "id": step.id, "tool": step.tool,
                              "table": [[n, b, a] for n, b, a in step.table],
                              "tools": [[n, t] for n, t in step.tools_added]}
    arrays: dict[str, np.ndarray] = {}
    if step.delta is not None:
        record["box"] = [[s.start, s.stop] for s in step.delta.box]
        delta = step.delta
        record["size"] = delta.size
        where = {"indices": delta.indices} if delta.indices is not None else {"bits": cast(np.ndarray, delta.bits)}
        arrays = {**where, "old": delta.old, "new": delta.new}
    return record, arrays


def _step_from_record(record: dict[str, Any], arrays: dict[str, np.ndarray]) -> _Step:
    delta = None
    if "box" in record:
        box = cast(Box, tuple(slice(int(a), int(b)) for a, b in record["box"]))
        indices, bits = arrays.get("indices"), arrays.get("bits")
        delta = LabelDelta(box, int(record["size"]), None if indices is None else indices.copy(),
                           None if bits is None else bits.copy(), arrays["old"].copy(), arrays["new"].copy())
    return _Step(int(record["id"]), str(record.get("tool", "")), delta=delta,
                 table=[(int(n), b, a) for n, b, a in record.get("table", [])],
                 tools_added=[(int(n), str(t)) for n, t in record.get("tools", [])])


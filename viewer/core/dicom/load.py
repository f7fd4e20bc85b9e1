"""Assemble a scanned series into a :class:`~viewer.core.volume.Volume`."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from viewer.core import audit
from viewer.core.dicom import codecs, pixels
from viewer.core.dicom.deadline import call_with_deadline, map_with_deadline
from viewer.core.dicom.headers import InstanceRecord
from viewer.core.dicom.layout import SeriesLayout, group_by_instance, plan_layout
from viewer.core.dicom.scan import FrameRef, Series
from viewer.core.errors import LoadError, OutpostError, StalledReadError
from viewer.core.memory import check_allocation, out_of_memory
from viewer.core.tasks import CancelToken, ProgressCallback, check_cancel, lower_thread_priority, report
from viewer.core.volume import Provenance, Volume

_READ_THREADS = max(2, os.cpu_count() or 2)


@dataclass
class _Task:
    """The images one instance contributes: ``(frame ref, t, z)`` each."""

    instance: InstanceRecord
    places: list[tuple[FrameRef, int, int]]


class SeriesLoader:
    """Loads a series into a volume whose array exists before its voxels do.

    The array is allocated (zero-filled) at construction, so a viewer can show
    :attr:`volume` at once and redraw slices as :meth:`load` fills them. (For
    the rare series whose values overflow the narrow dtype chosen up front,
    ``volume.array`` is replaced once by a wider copy during loading.)
    A volume larger than the memory available is refused before allocation.

    Parameters
    ----------
    series
        A series from :func:`~viewer.core.dicom.scan`.

    Raises
    ------
    LoadError
        The series cannot be laid out (no images, unsupported pixel format).
    """

    def __init__(self, series: Series) -> None:
        self.series = series
        self.layout: SeriesLayout = plan_layout(series)
        first = series.first
        if first.transfer_syntax:
            pixels.check_decodable(first.transfer_syntax)
        self._is_rgb = first.samples_per_pixel == 3 or first.photometric == "PALETTE COLOR"
        self._lock = threading.Lock()
        self._widen_to: np.dtype | None = None
        # Set when the array may be widened: stores then take turns (see _store).
        self._store_lock: threading.Lock | contextlib.nullcontext[None] = contextlib.nullcontext()
        dtype = self._output_dtype(first)
        shape: tuple[int, ...] = (self.layout.n_slices, self.layout.rows, self.layout.columns)
        if self.layout.n_timepoints > 1:
            shape = (self.layout.n_timepoints, *shape)
        if self._is_rgb:
            shape = (*shape, 3)
        self._nbytes = _check_memory(shape, dtype, series)
        try:
            array = np.zeros(shape, dtype=dtype)
        except MemoryError as e:  # the budget was right a moment ago; another program took it
            raise out_of_memory(f"loading {_series_label(series)}", self._nbytes, _HINT) from e
        self.volume = Volume(
            array=array,
            origin=self.layout.origin,
            spacing=self.layout.spacing,
            direction=self.layout.direction,
            is_rgb=self._is_rgb,
            modality=first.modality,
            photometric="RGB" if self._is_rgb else (first.photometric or "MONOCHROME2"),
            warnings=list(self.layout.warnings) + sorted(
                {w for instance in series.instances for w in instance.warnings}),
            metadata=_metadata(series),
            provenance=_provenance(series, self.layout),
        )
        self._tasks = [_Task(places[0][0].instance, places)
                       for places in group_by_instance(self.layout.grid).values()]
        self.frames_total = sum(len(task.places) for task in self._tasks)
        self._done = 0

    # ------------------------------------------------------------------ dtype
    def _output_dtype(self, first: InstanceRecord) -> np.dtype:
        if first.photometric == "PALETTE COLOR":
            return np.dtype(np.uint8 if first.palette_bits == 8 else np.uint16)
        if self._is_rgb:
            return np.dtype({8: np.uint8, 16: np.uint16}.get(first.bits_allocated, np.uint32))
        if first.modality_lut:
            return np.dtype(np.uint16)
        if first.float_pixels:
            return np.dtype(np.float64 if first.bits_allocated == 64 else np.float32)
        refs = [ref for column in self.layout.grid for ref in column]
        rescales = {(ref.frame.slope, ref.frame.intercept) for ref in refs}
        dtype = pixels.rescaled_dtype(first.bits_stored, bool(first.pixel_representation), rescales)
        if first.bits_allocated not in (8, 16, 32):
            return dtype
        container = np.dtype(f"{'i' if first.pixel_representation else 'u'}{first.bits_allocated // 8}")
        if dtype.kind in "iu" and dtype.itemsize > container.itemsize:
            # e.g. signed 16-bit CT with intercept -1024: the theoretical range needs
            # int32, real data almost never do. Start narrow and widen if a frame needs it.
            self._widen_to = dtype
            self._store_lock = threading.Lock()
            return np.dtype(f"i{container.itemsize}")
        return dtype

    # ------------------------------------------------------------------ loading
    @audit.audited("open", lambda loader, *args, **kwargs: audit.series_details(loader.series))
    def load(self, progress: ProgressCallback | None = None,
             cancel: CancelToken | None = None, first_slice: int = 0) -> Volume:
        """Decode every image into :attr:`volume` and return it.

        Progress is reported after each image is written; the first report
        marks the moment a slice can be displayed.

        Parameters
        ----------
        progress, cancel
            As for :func:`load_series`.
        first_slice
            The slice decoded first (the one a viewer shows), before the others.

        Raises
        ------
        Cancelled
            ``cancel`` was set; the volume is partly filled.
        LoadError
            An image could not be decoded.
        OutOfMemoryError
            Memory ran out part-way (a ``LoadError``; the message says how much was needed).
        """
        try:
            return self._load(progress, cancel, first_slice)
        except MemoryError as e:
            # numpy or a decoder could not allocate part-way: the load ends with a
            # reason, not the process. The caller drops this loader, and its array with it.
            raise out_of_memory(f"loading {_series_label(self.series)}", self._nbytes,
                                _HINT) from e

    def _load(self, progress: ProgressCallback | None, cancel: CancelToken | None, first_slice: int) -> Volume:
        tasks = sorted(self._tasks, key=lambda task: (
            min(abs(z - first_slice) for _, _, z in task.places) > 0,
            min(z for _, _, z in task.places)))
        if not tasks:
            raise LoadError("the series has no images")
        # The first image is decoded at once so that it can be shown while the rest load.
        self._run_tasks(tasks[:1], progress, cancel, workers=1)
        # Native reads and imagecodecs decoders release the GIL, so threads use every core.
        self._run_tasks(tasks[1:], progress, cancel, workers=_READ_THREADS, initializer=lower_thread_priority)
        check_cancel(cancel)
        return self.volume

    def _run_tasks(self, tasks: list[_Task], progress: ProgressCallback | None, cancel: CancelToken | None,
                   workers: int, initializer: Callable[[], None] | None = None) -> None:
        """Run tasks on daemon threads, each read with a deadline (a stalled share cannot hang us)."""
        outcomes = map_with_deadline(lambda task: self._run_task(task, progress, cancel), tasks,
                                     describe=lambda task: os.path.basename(str(task.instance.source)),
                                     workers=workers, initializer=initializer)
        try:
            for index, _, error in outcomes:
                if isinstance(error, StalledReadError):
                    self._leave_blank(tasks[index], error, progress)
                elif error is not None:
                    raise error
        finally:
            outcomes.close()

    def _run_task(self, task: _Task, progress: ProgressCallback | None, cancel: CancelToken | None = None) -> None:
        if cancel is not None and cancel.cancelled:
            return
        decoded = decode_frames(task.instance, [ref.frame.index for ref, _, _ in task.places])
        self._store(task, decoded, progress)

    def _leave_blank(self, task: _Task, error: StalledReadError, progress: ProgressCallback | None) -> None:
        """A file that stopped answering (share gone, disc failing) leaves its images blank.

        That is said in the volume's warnings; the rest of the series still loads.
        """
        with self._lock:
            self.volume.warnings.append(f"{len(task.places)} image(s) left blank: {error}")
            self._done += len(task.places)
            done = self._done
        report(progress, done, self.frames_total, "loading images")

    def _widen_if_needed(self, frame: np.ndarray, slope: float, intercept: float) -> None:
        """Switch to the wider dtype once a frame's values overflow the narrow one."""
        if self._widen_to is None or frame.size == 0:
            return
        ends = np.array([frame.min(), frame.max()], dtype=np.float64) * slope + intercept
        info = np.iinfo(self.volume.array.dtype)
        if ends.min() >= info.min and ends.max() <= info.max:
            return
        self.volume.array = self.volume.array.astype(self._widen_to)
        self._widen_to = None

    def _store(self, task: _Task, decoded: list[np.ndarray], progress: ProgressCallback | None) -> None:
        is_4d = self.volume.is_4d
        mosaic_cache: dict[int, np.ndarray] = {}
        for (ref, t, z), frame in zip(task.places, decoded, strict=True):
            if ref.frame.tile is not None:
                tiles = mosaic_cache.get(ref.frame.index)
                if tiles is None:
                    tiles = pixels.split_mosaic(frame, task.instance)
                    mosaic_cache[ref.frame.index] = tiles
                frame = tiles[ref.frame.tile]
            with self._store_lock:
                self._widen_if_needed(frame, ref.frame.slope, ref.frame.intercept)
                array = self.volume.array
                target = array[t, z] if is_4d else array[z]
                if frame.shape[:2] != target.shape[:2]:
                    raise LoadError(f"image size {frame.shape} differs from the series' "
                                    f"{target.shape} in {os.path.basename(str(task.instance.source))}")
                if self._is_rgb or task.instance.modality_lut or frame.dtype.kind == "f":
                    np.copyto(target, frame, casting="unsafe")
                else:
                    pixels.apply_rescale(frame, ref.frame.slope, ref.frame.intercept, target)
            with self._lock:
                self._done += 1
                done = self._done
            report(progress, done, self.frames_total, "loading images")


def decode_frames(instance: InstanceRecord, indices: list[int]) -> list[np.ndarray]:
    """Stored values of frames of one instance, by the fastest path that reads them.

    Native data are read straight from the file, JPEG 2000 goes to imagecodecs,
    the rest to pydicom's plugins. Monochrome values are masked to BitsStored;
    colour comes back as RGB; mosaic frames whole.

    Raises
    ------
    LoadError
        The frames cannot be decoded; the message names the file.
    """
    try:
        if instance.is_native:
            return [pixels.read_native_frame(instance, index) for index in indices]
        if codecs.is_preferred(instance):
            return [pixels.apply_bits_stored_mask(frame, instance.bits_stored,
                                                  bool(instance.pixel_representation))
                    for frame in codecs.decode_frames(instance, indices)]
        return pixels.decode_instance_frames(instance, indices)
    except (LoadError, OSError) as e:
        raise _wrap(e, instance) from e
    except MemoryError:
        raise  # not this file's fault: the load as a whole reports it (SeriesLoader.load)
    except Exception as e:  # a decoder's surprise is one file's reason
        raise LoadError(f"cannot decode {os.path.basename(str(instance.source))}: "
                        f"{type(e).__name__}: {e}") from e


def preview_plane(series: Series) -> np.ndarray:
    """The middle image of a series (values after the Modality LUT), for a thumbnail."""
    layout = plan_layout(series)
    ref = layout.grid[0][layout.n_slices // 2]
    (frame,) = call_with_deadline(decode_frames, ref.instance, [ref.frame.index],
                                  what=os.path.basename(str(ref.instance.source)))
    if ref.frame.tile is not None:
        frame = pixels.split_mosaic(frame, ref.instance)[ref.frame.tile]
    if frame.ndim == 3 or ref.instance.modality_lut or frame.dtype.kind == "f":
        return frame
    out = np.empty(frame.shape, dtype=np.float32)
    pixels.apply_rescale(frame, ref.frame.slope, ref.frame.intercept, out)
    return out


def preview_planes(series_list: list[Series], progress: ProgressCallback | None = None,
                   cancel: CancelToken | None = None) -> dict[str, np.ndarray]:
    """Thumbnails' planes of several series, keyed by series key; unreadable ones are left out."""
    planes = {}
    for number, series in enumerate(series_list, start=1):
        check_cancel(cancel)
        # A thumbnail is optional: without one, the series is still listed and can be opened.
        with contextlib.suppress(OutpostError, MemoryError):
            planes[series.key] = preview_plane(series)
        report(progress, number, len(series_list), "thumbnails")
    return planes


_HINT = "close other programs or load fewer slices"


def _series_label(series: Series) -> str:
    """``series 3 (CT chest)``: the words a user recognises, no patient data."""
    number = f"series {series.number}" if series.number is not None else "the series"
    return f"{number} ({series.description})" if series.description else number


def _check_memory(shape: tuple[int, ...], dtype: np.dtype, series: Series) -> float:
    """Refuse, before allocating, a volume larger than the memory this process may use.

    Returns
    -------
    float
        The volume's size in bytes.
    """
    needed = float(np.prod(shape, dtype=np.float64)) * np.dtype(dtype).itemsize
    check_allocation(needed, f"{_series_label(series)} ({' x '.join(map(str, shape))} voxels)",
                     _HINT)
    return needed


def _wrap(error: Exception, instance: InstanceRecord) -> LoadError:
    if isinstance(error, LoadError):
        return error
    return LoadError(f"cannot read {os.path.basename(str(instance.source))}: {error}")


def _metadata(series: Series) -> dict[str, Any]:
    first = series.first
    metadata = dict(first.study)
    metadata.update(first.series)
    metadata.update({
        "modality": first.modality,
        "series_key": series.key,
        "window_center": first.display.get("window_center", []),
        "window_width": first.display.get("window_width", []),
        "has_voi_lut": first.display.get("has_voi_lut", False),
        "voi_lut": first.display.get("voi_lut"),
        "slice_thickness": first.frames[0].slice_thickness if first.frames else None,
        "has_orientation": bool(first.frames) and first.frames[0].orientation is not None,
        "transfer_syntax": first.transfer_syntax,
        "bits_stored": first.bits_stored,
        "notes": list(series.notes),
    })
    return metadata


def _provenance(series: Series, layout: SeriesLayout) -> Provenance:
    first = series.first
    uids = [ref.instance.sop_instance_uid for column in layout.grid for ref in column]
    return Provenance(study_uid=first.study_uid, series_uid=first.series_uid,
                      frame_of_reference_uid=first.frame_of_reference_uid,
                      sop_instance_uids=uids, slice_positions=layout.positions)


def load_series(series: Series, progress: ProgressCallback | None = None,
                cancel: CancelToken | None = None) -> Volume:
    """Load a scanned series into a volume.

    Slices are sorted along the slice normal; spacing comes from the slice
    positions; the Modality LUT is applied per frame and the values are stored
    exactly in the smallest dtype; stored pixels are masked to BitsStored.

    Parameters
    ----------
    series
        A series from :func:`~viewer.core.dicom.scan`.
    progress
        Called as ``progress(done, total, text)`` after each image.
    cancel
        Checked between images.

    Returns
    -------
    Volume

    Raises
    ------
    LoadError
        The series cannot be loaded; the message says why.
    UnsupportedTransferSyntaxError
        No installed decoder reads the pixel data.
    Cancelled
        ``cancel`` was set.
    """
    return SeriesLoader(series).load(progress=progress, cancel=cancel)

"""Run a model pack on a volume: results on the patient's own grid, with provenance.

``run(volume, pack, device="auto", progress=None, cancel=None) -> Result``. No Qt.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ai.errors import AIError
from ai.packs.pack import Pack
from ai.suitability import unsuitable_reason
from viewer.core import audit
from viewer.core.errors import Cancelled
from viewer.core.overlays import resample_to_grid
from viewer.core.tasks import CancelToken, ProgressCallback, check_cancel, report
from viewer.core.volume import LPS_TO_RAS, Volume, reversed_axes

if TYPE_CHECKING:
    import torch

# MONAI says these on every run of a correct pack; a reader cannot act on them.
warnings.filterwarnings("ignore", message="Setting affine, but the applied meta contains an affine")
warnings.filterwarnings("ignore", message=".*Orientationd.__init__:labels: Current default value")

#: How many built packs (network with its weights, transforms, inferer) a process keeps between runs.
#: The AI worker keeps its last one: a batch's second series skips building the network again
#: (26 ms of SqueezeNet's 56 ms on a CPU), a reader's second run of a pack starts at once.
BUILT_PACKS_KEPT = 1
_built: dict[tuple[int, str, bool, str], tuple[Pack, dict[str, Any]]] = {}
_built_lock = threading.Lock()


@dataclass
class Result:
    """What a model said about a volume.

    Attributes
    ----------
    labels
        Segmentation label map ``[z, y, x]`` on the volume's grid (``None`` for
        classification).
    probabilities
        Class name to probability, highest first (``None`` for segmentation).
    label_names
        Label value to name.
    volumes_ml
        Label name to volume in millilitres.
    timings
        Seconds per stage.
    device
        Where it ran (``cpu``, ``cuda:0 (NVIDIA ...)``, ``mps``).
    notes
        Fallbacks taken (e.g. out of GPU memory), in plain words.
    provenance
        Pack name, version and checksum, input series UID, date.
    volumetry
        Brain volumetry (:func:`ai.volumetry.volumetry`): ``{"icv_ml", "icv_source", "rows":
        [{"structure", "left_ml", "right_ml", "total_ml", "percent_icv"}]}``, or ``None``.
    """

    task: str
    labels: np.ndarray | None = None
    probabilities: dict[str, float] | None = None
    label_names: dict[int, str] = field(default_factory=dict)
    volumes_ml: dict[str, float] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    device: str = "cpu"
    notes: list[str] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    volumetry: dict[str, Any] | None = None

    def summary(self) -> dict[str, Any]:
        """The JSON-serialisable part (everything but the label array)."""
        data = asdict(self)
        data.pop("labels")
        data["label_names"] = {str(k): v for k, v in self.label_names.items()}
        if self.labels is not None:
            data["labels_shape_zyx"] = list(self.labels.shape)
        return data


def choose_device(requested: str = "auto") -> torch.device:
    """CUDA, then MPS, then CPU for ``auto``; a named device must exist.

    Raises
    ------
    AIError
        The requested device is not available here.
    """
    import torch

    if requested == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda:0")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise AIError("no CUDA GPU is available here (use --device cpu or auto)")
    return torch.device(requested)


def describe_device(device: torch.device) -> str:
    """A device as a reader would name it (GPU model for CUDA)."""
    import torch

    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return str(device)


class _CountingNetwork:
    """Wraps a network: counts windows or batches, reports progress, honours cancel."""

    def __init__(self, network: Any, total: int, progress: ProgressCallback | None,
                 cancel: CancelToken | None) -> None:
        self.network, self.total, self.progress, self.cancel = network, max(1, total), progress, cancel
        self.done = 0
        self.output_dtype: Any = None  # what the network itself returned (bfloat16 under autocast, say)

    def __call__(self, x: Any) -> Any:
        check_cancel(self.cancel)
        out = self.network(x)
        self.output_dtype = getattr(out, "dtype", None)
        self.done += 1
        report(self.progress, min(self.done, self.total), self.total, "windows")
        return out


def device_summary(requested: str = "auto") -> str:
    """The device inference will use, as the AI panel shows it (a CPU with its thread count)."""
    import torch

    device = choose_device(requested)
    return describe_device(device) if device.type != "cpu" else f"CPU ({torch.get_num_threads()} threads)"


def _window_batches(inferer: Any, spatial_shape: tuple[int, ...]) -> int:
    roi = getattr(inferer, "roi_size", None)
    if roi is None:
        return 1
    from monai.data.utils import dense_patch_slices
    from monai.inferers.utils import _get_scan_interval
    from monai.utils import ensure_tuple_rep, fall_back_tuple

    roi = fall_back_tuple(roi, spatial_shape)
    padded = tuple(max(s, r) for s, r in zip(spatial_shape, roi, strict=True))
    overlap = ensure_tuple_rep(inferer.overlap, len(padded))
    interval = _get_scan_interval(padded, roi, len(padded), overlap)
    windows = len(dense_patch_slices(padded, roi, interval))
    return math.ceil(windows / max(1, int(getattr(inferer, "sw_batch_size", 1))))


def _check_suitable(volume: Volume, pack: Pack) -> None:
    reason = unsuitable_reason(volume, pack)
    if reason:
        raise AIError(reason)


def run(volume: Volume, pack: Pack, device: str = "auto", progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None) -> Result:
    """Run ``pack`` on ``volume``.

    A CUDA out-of-memory error retries with one window per batch, then on
    the CPU, and the result says so. Cancellation is checked before every
    window or batch.

    Raises
    ------
    AIError
        The pack does not suit the volume, or cannot run; the message says why.
    Cancelled
        ``cancel`` was set.
    """
    result: Result | None = None
    error: BaseException | None = None
    try:
        result = _run(volume, pack, device, progress, cancel)
        return result
    except BaseException as e:
        error = e
        raise
    finally:
        audit.record("ai-run", **pack_details(pack), series_uid=volume.provenance.series_uid,
                     study_uid=volume.provenance.study_uid, modality=volume.metadata.get("modality", ""),
                     device=result.device if result else device, outcome=audit.outcome_of(error))


def pack_details(pack: Pack) -> dict[str, Any]:
    """How the audit names a model pack: name, version, checksum and whether it was verified."""
    return {"pack": pack.name, "version": pack.version, "checksum": pack.checksum, "verified": pack.verified}


def _run(volume: Volume, pack: Pack, device: str, progress: ProgressCallback | None,
         cancel: CancelToken | None) -> Result:
    import torch

    _check_suitable(volume, pack)
    chosen = choose_device(device)
    notes: list[str] = []
    attempts: list[tuple[torch.device, int | None]] = [(chosen, None)]
    if chosen.type == "cuda":
        attempts += [(chosen, 1), (torch.device("cpu"), None)]
    last_error: Exception | None = None
    for target, batch in attempts:
        try:
            result = _run_once(volume, pack, target, batch, progress, cancel)
            result.notes = notes + result.notes
            return result
        except (MemoryError, RuntimeError) as e:  # MONAI wraps a failed allocation in RuntimeErrors
            if target.type == "cuda" and _cuda_out_of_memory(e):
                last_error = e
                forget_built_parts()  # the kept network's GPU memory goes back before the retry
                torch.cuda.empty_cache()
                notes.append(f"out of GPU memory on {describe_device(target)}"
                             + (" with one window per batch" if batch else "") + "; retried")
                continue
            detail = _host_memory_failure(e)
            if detail is None:
                raise
            raise AIError(f"out of memory on the CPU running {pack.name}: {detail}; "
                          "close other programs or use a smaller series") from e
    raise AIError(f"out of memory: {last_error}")


def built_parts(pack: Pack, device: torch.device | str) -> dict[str, Any]:
    """``pack.build(device)``, kept for the next run of the same pack object on the same device.

    The key is the pack object itself (the AI worker keeps one per folder and checksum,
    :mod:`ai.isolation`), so a pack read again, or changed in memory, is built again; the
    :data:`BUILT_PACKS_KEPT` most recent are kept. Runs use the parts read-only (inference mode).
    """
    key = (id(pack), pack.checksum, bool(pack.trusted), str(device))
    with _built_lock:
        kept = _built.pop(key, None)
    if kept is None or kept[0] is not pack:
        kept = (pack, pack.build(device))  # the pack is kept with its parts: its id is not reused meanwhile
    with _built_lock:
        _built[key] = kept
        while len(_built) > BUILT_PACKS_KEPT:
            _built.pop(next(iter(_built)))
    return kept[1]


def forget_built_parts() -> None:
    """Drop the kept built packs (their memory, GPU memory included, is freed when unused)."""
    with _built_lock:
        _built.clear()


def _cuda_out_of_memory(error: BaseException | None) -> bool:
    """Whether ``error``, or an error it wraps (MONAI wraps them in ``RuntimeError``), is CUDA out of memory."""
    import torch

    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, torch.cuda.OutOfMemoryError):
            return True
        error = error.__cause__ or error.__context__
    return False


def _host_memory_failure(error: BaseException | None) -> str | None:
    """What failed, when ``error`` (or an error it wraps) is a failed allocation in the computer's memory.

    numpy raises ``MemoryError``; torch's CPU allocator a ``RuntimeError`` naming
    itself. ``None`` for any other error.
    """
    from viewer.core.files import format_size
    from viewer.core.memory import memory_budget

    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        text = str(error)
        if isinstance(error, MemoryError) or "DefaultCPUAllocator" in text:
            asked = re.search(r"allocate (\d+) bytes", text)
            what = (f"{format_size(int(asked.group(1)))} could not be allocated" if asked
                    else text.splitlines()[0] if text else "an allocation failed")
            return f"{what}, {memory_budget().describe()}"
        error = error.__cause__ or error.__context__
    return None


def _run_once(volume: Volume, pack: Pack, device: torch.device, sw_batch: int | None,
              progress: ProgressCallback | None, cancel: CancelToken | None,
              precision: str | None = None) -> Result:
    """One run of ``pack`` on ``device``.

    ``precision`` ``None`` runs under ``torch.autocast`` only when the pack declares
    ``outpost.mixed_precision`` and ``device`` is CUDA (:func:`ai.precision.autocast_dtype`);
    ``"float32"`` never autocasts; ``"float16"`` or ``"bfloat16"`` autocasts on any device
    (:func:`ai.precision.label_agreement` compares the two).
    """
    import torch

    from ai.precision import autocast_dtype, precision_context

    dtype = autocast_dtype(pack, device) if precision is None else \
        (None if precision == "float32" else getattr(torch, precision))
    timings: dict[str, float] = {}
    start = time.perf_counter()
    # A run with its own window batch changes the inferer: it gets parts of its own.
    parts = pack.build(device) if sw_batch is not None else built_parts(pack, device)
    timings["build"] = time.perf_counter() - start
    check_cancel(cancel)

    stage = time.perf_counter()
    data: dict[str, Any] = (parts["preprocessing"]({"image": volume}) if "preprocessing" in parts
                             else {"image": volume})
    image = data["image"]
    timings["preprocessing"] = time.perf_counter() - stage
    check_cancel(cancel)

    inferer = parts.get("inferer")
    if sw_batch is not None and inferer is not None and hasattr(inferer, "sw_batch_size"):
        inferer.sw_batch_size = sw_batch
    total = _window_batches(inferer, tuple(image.shape[1:])) if inferer is not None else 1
    network = _CountingNetwork(parts["network"], total, progress, cancel)
    stage = time.perf_counter()
    with torch.inference_mode(), precision_context(device, dtype):
        batch = image[None].to(device)
        output = inferer(batch, network) if inferer is not None else network(batch)
    computed_in = str(network.output_dtype or output.dtype).removeprefix("torch.")
    if output.dtype in (torch.float16, torch.bfloat16):
        output = output.float()  # postprocessing (inversion, argmax, softmax) in full precision
    timings["inference"] = time.perf_counter() - stage
    check_cancel(cancel)

    result = Result(task=pack.task, device=describe_device(device), label_names=pack.channel_names())
    if dtype is not None:
        result.notes.append(f"mixed precision: {str(dtype).removeprefix('torch.')} autocast on {result.device}"
                            + (", as the pack allows" if precision is None else ""))
    stage = time.perf_counter()
    if pack.task == "classification":
        _classify(result, output, pack)
    else:
        if output.ndim != pack.dimensions + 2:
            raise AIError(f"{pack.name} is declared a segmentation, but its network gives an output of shape "
                          f"{tuple(output.shape)}, not a {pack.dimensions}-D image")
        data["pred"] = output[0].to("cpu")
        if "postprocessing" in parts:
            data = parts["postprocessing"](data)
        result.labels = _labels_on_grid(data["pred"], volume)
        voxel_ml = float(np.prod(volume.spacing)) / 1000.0
        counts = _label_counts(result.labels, max(result.label_names, default=0) + 1)
        result.volumes_ml = {result.label_names.get(value, f"label {value}"): round(float(c) * voxel_ml, 3)
                             for value, c in enumerate(counts)
                             if value != 0 and (c or value in result.label_names)}
    timings["postprocessing"] = time.perf_counter() - stage
    timings["total"] = time.perf_counter() - start
    result.timings = {k: round(v, 4) for k, v in timings.items()}
    result.provenance = {
        "pack": pack.name, "version": pack.version, "checksum": pack.checksum,
        "verified": pack.verified, "series_uid": volume.provenance.series_uid,
        "study_uid": volume.provenance.study_uid,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "device": result.device,
        "precision": "float32" if dtype is None else f"{str(dtype).removeprefix('torch.')} autocast",
        "network_output_dtype": computed_in,
    }
    return result


def _classify(result: Result, output: torch.Tensor, pack: Pack) -> None:
    import torch

    logits = output.detach().to("cpu").float().reshape(output.shape[0], -1)[0]
    activation = pack.outpost.get("activation", "softmax")
    values = torch.sigmoid(logits) if activation == "sigmoid" else torch.softmax(logits, dim=0)
    names = result.label_names or {i: f"class {i}" for i in range(len(values))}
    pairs = [(names.get(i, f"class {i}"), float(v)) for i, v in enumerate(values)]
    result.probabilities = dict(sorted(pairs, key=lambda p: -p[1]))


def _labels_on_grid(prediction: torch.Tensor, volume: Volume) -> np.ndarray:
    """A ``[C, X, Y, Z]`` (or 2-D ``[C, X, Y]``) prediction as ``[z, y, x]`` labels on the volume's grid."""
    array = np.asarray(prediction.detach().cpu().numpy())
    two_d = array.ndim == 3
    array = array[0] if array.shape[0] == 1 else array.argmax(0)
    if two_d:
        array = array[..., None]
    if np.issubdtype(array.dtype, np.floating):
        array = np.rint(array)
    labels = reversed_axes(array.astype(np.uint8 if array.max(initial=0) < 256 else np.uint16))
    affine = getattr(prediction, "affine", None)
    if labels.shape == volume.shape_zyx and (two_d or affine is None or _same_affine(affine, volume)):
        return labels
    if two_d or affine is None:
        raise AIError(f"the model's output {labels.shape} is not on the image grid {volume.shape_zyx}")
    return resample_to_grid(labels, grid_of(np.asarray(affine, dtype=np.float64), labels.shape), volume,
                            nearest=True).astype(labels.dtype)


def _label_counts(labels: np.ndarray, minlength: int) -> np.ndarray:
    """Voxels per label value; torch counts uint8 without numpy's widening copy (3x faster)."""
    import torch

    if labels.dtype == np.uint8:
        return torch.from_numpy(labels.reshape(-1)).bincount(minlength=minlength).numpy()
    return np.bincount(labels.reshape(-1), minlength=minlength)


def _same_affine(affine: Any, volume: Volume) -> bool:
    return np.asarray(affine).shape == (4, 4) and np.allclose(np.asarray(affine, dtype=np.float64),
                                                               volume.affine_ras, atol=1e-3)


def grid_of(affine_ras: np.ndarray, shape_zyx: tuple[int, ...]) -> Volume:
    """A geometry-only Volume for an ``(x, y, z)``-indexed RAS affine."""
    lps = np.diag([-1.0, -1.0, 1.0]) @ affine_ras[:3, :3]
    spacing = np.linalg.norm(lps, axis=0)
    direction = lps / spacing
    origin = LPS_TO_RAS @ affine_ras[:3, 3]
    return Volume(array=np.zeros(shape_zyx, dtype=np.uint8), origin=origin, spacing=spacing,
                  direction=direction)


__all__ = ["Cancelled", "Result", "choose_device", "device_summary", "run"]

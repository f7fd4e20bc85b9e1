"""``load``: Outpost's ``load_series`` against SimpleITK's ImageSeriesReader (GDCM).

A 400-slice 512x512 CT series is made from the real TotalSegmentator CT
(new positions and UIDs): once uncompressed, once keeping its JPEG 2000
lossless pixel data. Both readers run in this process on the same files with
a warm page cache; the figure for each is the median of ``--repeat`` runs.
"""

from __future__ import annotations

import gc
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

CT_FOLDER = "ct_abdomen_series_totalsegmentator/dicom"


def make_series(source_folder: Path, out: Path, slices: int, compressed: bool) -> list[Path]:
    """Write ``slices`` CT images built from the real CT's slices, with new UIDs."""
    import pydicom
    from pydicom.uid import (
        CTImageStorage,
        ExplicitVRLittleEndian,
        JPEG2000Lossless,
        generate_uid,
    )

    sources = sorted(p for p in source_folder.iterdir() if p.is_file())
    datasets = [pydicom.dcmread(p) for p in sources]
    datasets.sort(key=lambda ds: float(ds.ImagePositionPatient[2]))
    pixel_bytes = [ds.PixelData if compressed else ds.pixel_array.astype(np.uint16).tobytes()
                   for ds in datasets]
    study, series, frame_of_reference = generate_uid(), generate_uid(), generate_uid()
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    z0 = float(datasets[0].ImagePositionPatient[2])
    for index in range(slices):
        template = datasets[index % len(datasets)]
        ds = template.copy()
        ds.file_meta = template.file_meta.copy()
        uid = generate_uid()
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = uid
        ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
        ds.file_meta.MediaStorageSOPInstanceUID = uid
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.FrameOfReferenceUID = frame_of_reference
        ds.InstanceNumber = index + 1
        ds.ImagePositionPatient = [template.ImagePositionPatient[0], template.ImagePositionPatient[1],
                                   f"{z0 + 1.0 * index:.2f}"]
        ds.SliceLocation = f"{z0 + 1.0 * index:.2f}"
        if compressed:
            ds.file_meta.TransferSyntaxUID = JPEG2000Lossless
            ds.PixelData = pixel_bytes[index % len(datasets)]
        else:
            ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
            ds.PixelData = pixel_bytes[index % len(datasets)]
            ds["PixelData"].VR = "OW"
        path = out / f"IM{index:05d}"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


class PeakMemory:
    """Samples this process's resident memory to find the peak above a baseline."""

    def __init__(self, interval: float = 0.002) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self.baseline = self.peak = 0

    def __enter__(self) -> PeakMemory:
        gc.collect()
        self.baseline = self.peak = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            time.sleep(self._interval)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)

    @property
    def above_baseline(self) -> int:
        """The peak resident memory above the baseline, in bytes."""
        return self.peak - self.baseline


def _median_time(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _measure(folder: Path, paths: list[Path], repeat: int) -> dict:
    import SimpleITK as sitk

    from viewer.core.dicom import SeriesLoader, scan

    files = [str(p) for p in paths]
    for path in paths:  # warm the page cache
        path.read_bytes()

    scan_time, scanned = _median_time(lambda: scan(folder), repeat)
    series = scanned.series[0]

    def outpost_load():
        return SeriesLoader(series).load()

    outpost_load()  # warm-up: starts decoder processes where the series needs them
    outpost_time, volume = _median_time(outpost_load, repeat)

    first_slice = []
    for _ in range(repeat):
        start = time.perf_counter()
        seen = []

        def progress(done, total, text, seen=seen, start=start):
            if not seen:
                seen.append(time.perf_counter() - start)

        loader = SeriesLoader(series)
        loader.load(progress=progress)
        first_slice.append(seen[0])
        del loader

    volume_bytes = volume.nbytes
    del volume
    gc.collect()
    with PeakMemory() as memory:
        loaded = SeriesLoader(series).load()
    peak = memory.above_baseline
    del loaded

    def sitk_names():
        return sitk.ImageSeriesReader.GetGDCMSeriesFileNames(str(folder))

    names_time, names = _median_time(sitk_names, repeat)

    def sitk_load():
        reader = sitk.ImageSeriesReader()
        reader.SetFileNames(list(names))
        return reader.Execute()

    sitk_load()
    sitk_time, image = _median_time(sitk_load, repeat)
    same = np.array_equal(sitk.GetArrayViewFromImage(image), SeriesLoader(series).load().array)
    del image
    return {
        "slices": len(files),
        "outpost_load_s": round(outpost_time, 4),
        "sitk_load_s": round(sitk_time, 4),
        "ratio_load_vs_sitk": round(outpost_time / sitk_time, 3),
        "outpost_scan_s": round(scan_time, 4),
        "sitk_series_filenames_s": round(names_time, 4),
        "ratio_scan_plus_load_vs_sitk_names_plus_load": round(
            (scan_time + outpost_time) / (names_time + sitk_time), 3),
        "first_slice_s": round(statistics.median(first_slice), 4),
        "volume_mb": round(volume_bytes / 2**20, 1),
        "peak_above_baseline_mb": round(peak / 2**20, 1),
        "ratio_peak_vs_volume_bytes": round(peak / volume_bytes, 3),
        "voxels_identical_to_sitk": bool(same),
    }


def run(args) -> dict:
    """Run the load benchmark and return its figures."""
    data = Path(args.data or Path(__file__).resolve().parents[1].parent / "shared" / "data")
    source = data / CT_FOLDER
    if not source.is_dir():
        raise SystemExit(f"benchmark needs the real CT in {source}")
    work = Path(tempfile.mkdtemp(prefix="outpost-bench-load-"))
    try:
        figures = {"benchmark": "load", "peer": "SimpleITK ImageSeriesReader (GDCM)"}
        for name, compressed in (("uncompressed", False), ("jpeg2000_lossless", True)):
            folder = work / name
            paths = make_series(source, folder, args.slices, compressed)
            figures[name] = _measure(folder, paths, args.repeat)
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)

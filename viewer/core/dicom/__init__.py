"""DICOM input: scanning files into series, and assembling series into volumes."""

from viewer.core.dicom.load import SeriesLoader, load_series
from viewer.core.dicom.scan import (
    FrameRef,
    Patient,
    ScanResult,
    Series,
    SkippedFile,
    Study,
    scan,
)

__all__ = [
    "FrameRef",
    "Patient",
    "ScanResult",
    "Series",
    "SeriesLoader",
    "SkippedFile",
    "Study",
    "load_series",
    "scan",
]

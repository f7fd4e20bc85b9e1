"""Outpost: an offline desktop DICOM viewer with AI assistance."""

__version__ = "0.1.0"

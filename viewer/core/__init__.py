"""The viewer's core, outside Qt: DICOM reading, volumes, display, measurements and files."""

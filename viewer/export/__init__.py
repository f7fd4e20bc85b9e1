"""Writers: NIfTI volumes, DICOM series, and later SEG, SR and anonymised copies."""

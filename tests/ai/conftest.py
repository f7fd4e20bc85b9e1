"""Fixtures shared by the AI tests."""

import pytest


@pytest.fixture
def phantom_study(tmp_path):
    """A small synthetic CT study written as a DICOM series, for commands that take a folder."""
    from ai.demo.phantom import make_phantom
    from viewer.export.dicom_series import write_series

    phantom = make_phantom(shape=(16, 64, 64), spacing=(4.0, 4.0, 6.0))
    write_series(phantom.volume, tmp_path / "study", patient_name="Phantom^Test", patient_id="P-1")
    return tmp_path / "study"

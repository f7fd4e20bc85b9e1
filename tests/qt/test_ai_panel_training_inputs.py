"""The AI panel shows the out-of-distribution verdict: what differs from the training data, or that
nothing could be compared."""

import json

import pytest

from ai.packs.pack import write_checksums
from ai.suitability import NOT_CHECKED
from tests.ai.test_training_inputs import BITS, CXR_DICOM, INVERTED, write_10_bit_monochrome1_cr
from tests.qt.test_ai_panel import _open_with_panel, _select, _store


def _without_statistics(shared_data, root):
    """The HybridGNet pack under another name, its training-input statistics removed."""
    from tests.ai.pack_factory import hybridgnet_pack

    hybridgnet_pack(shared_data, root)
    path = root / "configs" / "metadata.json"
    metadata = json.loads(path.read_text())
    metadata["name"] = "cxr-anatomy-unchecked"
    del metadata["outpost"]["training_inputs"]
    path.write_text(json.dumps(metadata))
    write_checksums(root)
    return root


@pytest.mark.shared_data
def test_the_panel_names_what_differs_and_what_was_not_checked(qtbot, make_window, shared_data, tmp_path):
    from tests.ai.pack_factory import hybridgnet_pack

    film = write_10_bit_monochrome1_cr(shared_data / CXR_DICOM, tmp_path / "cr10" / "cr10.dcm")
    store = _store(tmp_path, shared_data, hybridgnet_pack, _without_statistics)
    window, panel = _open_with_panel(qtbot, make_window, film.parent, store)
    assert window.state.volume.photometric == "MONOCHROME1"

    _select(panel, "cxr-anatomy-unet")
    assert panel.warning.isVisibleTo(panel)
    text = panel.warning.text()
    assert text.startswith("Out of distribution: ") and BITS in text and INVERTED in text
    assert NOT_CHECKED not in text
    assert panel.run_button.isEnabled()  # a warning, not a refusal

    _select(panel, "cxr-anatomy-unchecked")
    assert panel.warning.isVisibleTo(panel) and NOT_CHECKED in panel.warning.text()
    assert BITS not in panel.warning.text()

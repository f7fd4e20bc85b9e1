"""Which packs suit a series, and the out-of-distribution checks, on real Pack objects and volumes."""

from pathlib import Path

import numpy as np

from ai.packs.card import model_card, needs_diagnostic_banner
from ai.packs.pack import Pack
from ai.suitability import distribution_warnings, unsuitable_reason
from viewer.core.volume import Volume


def _pack(**outpost) -> Pack:
    return Pack(root=Path("."), metadata={"name": "p", "outpost": outpost}, config={}, model_file="",
                checksum="0" * 64, verified=True)


def _ct(shape=(40, 64, 64), spacing=(0.8, 0.8, 2.5), value=40) -> Volume:
    array = np.full(shape, -1000, dtype=np.int16)
    array[:, 10:54, 10:54] = value
    return Volume(array=array, spacing=np.array(spacing), modality="CT")


def test_unsuitable_for_modality_body_part_dimensions_and_size():
    ct = _ct()
    assert unsuitable_reason(ct, _pack(modalities=["CT"], dimensions=3)) == ""
    assert "made for CR, DX" in unsuitable_reason(ct, _pack(modalities=["CR", "DX"]))
    ct.metadata["body_part"] = "HEAD"
    assert "made for CHEST" in unsuitable_reason(ct, _pack(body_parts=["CHEST"]))
    assert "2-D model" in unsuitable_reason(ct, _pack(dimensions=2))
    assert "3-D model" in unsuitable_reason(_ct(shape=(1, 64, 64)), _pack(dimensions=3))
    assert "smaller than" in unsuitable_reason(ct, _pack(min_shape_zyx=[96, 96, 96]))


def test_distribution_checks_name_what_failed():
    training = {"spacing_mm": {"min": [0.6, 0.6, 1.0], "max": [1.0, 1.0, 3.0]},
                "intensity": {"mean": 40.0, "std": 30.0, "body_threshold_hu": -500}}
    assert distribution_warnings(_ct(), _pack(modalities=["CT"], dimensions=3, training=training)) == []
    thick = distribution_warnings(_ct(spacing=(0.8, 0.8, 6.0)), _pack(dimensions=3, training=training))
    assert thick == ["slice spacing 6.00 mm, trained on 1-3 mm"]
    bright = distribution_warnings(_ct(value=600), _pack(dimensions=3, training=training))
    assert len(bright) == 1 and "intensity" in bright[0] and "600" in bright[0]
    percentiles = {"intensity": {"p1": 0.0, "p50": 300.0, "p99": 4000.0}}
    assert "median -1000" in distribution_warnings(_ct(), _pack(dimensions=3, training=percentiles))[0]
    film = _ct(shape=(1, 64, 64))
    film.metadata["view_position"] = "LL"
    film.photometric = "RGB"
    found = distribution_warnings(film, _pack(dimensions=2, views=["PA", "AP"], photometric=["MONOCHROME2"]))
    assert found == ["photometric interpretation RGB, trained on MONOCHROME2", "view LL, trained on PA, AP"]


def test_model_card_and_banner():
    metadata = {"task": "segmentation", "version": "1", "authors": "A", "intended_use": "Research only",
                "license": "MIT", "metrics": {"dice": 0.91}}
    card = dict(model_card(metadata))
    assert card["Published metrics"] == "dice: 0.91" and card["References"] == "not stated"
    assert needs_diagnostic_banner(metadata) and needs_diagnostic_banner({})
    assert not needs_diagnostic_banner({"intended_use": "Cleared for triage of chest films (CE class IIa)"})

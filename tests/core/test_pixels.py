"""Stored-value masking, the linear Modality LUT and the choice of dtype."""

import numpy as np
import pytest

from viewer.core.dicom.pixels import (
    apply_bits_stored_mask,
    apply_rescale,
    rescaled_dtype,
    smallest_dtype,
    stored_value_range,
)


def test_unsigned_mask_clears_bits_above_bits_stored():
    stored = np.array([0xF000 | 123, 0x0FFF, 0x8000], dtype=np.uint16)
    assert apply_bits_stored_mask(stored, 12, signed=False).tolist() == [123, 4095, 0]


def test_signed_mask_extends_the_sign_of_the_top_stored_bit():
    # 12-bit two's complement values stored in 16 bits with garbage in the top nibble.
    values = np.array([-2048, -1, 0, 2047], dtype=np.int16)
    stored = (values.view(np.uint16) & 0x0FFF) | 0xA000
    masked = apply_bits_stored_mask(stored.astype(np.uint16), 12, signed=True)
    assert masked.dtype == np.int16
    assert masked.tolist() == [-2048, -1, 0, 2047]


def test_mask_leaves_full_width_data_alone():
    stored = np.array([-5, 7], dtype=np.int16)
    assert apply_bits_stored_mask(stored, 16, signed=True).tolist() == [-5, 7]


@pytest.mark.parametrize(("bits", "signed", "expected"), [
    (12, False, (0, 4095)), (12, True, (-2048, 2047)), (16, True, (-32768, 32767)), (1, False, (0, 1)),
])
def test_stored_value_range(bits, signed, expected):
    assert stored_value_range(bits, signed) == expected


def test_output_dtype_is_the_smallest_exact_one():
    assert rescaled_dtype(12, False, {(1.0, -1024.0)}) == np.int16  # CT in HU
    assert rescaled_dtype(12, False, {(1.0, 0.0)}) == np.int16
    assert rescaled_dtype(16, False, {(1.0, 0.0)}) == np.uint16
    assert rescaled_dtype(8, False, set()) == np.uint8
    assert rescaled_dtype(16, True, {(1.0, -1024.0)}) == np.int32
    assert rescaled_dtype(12, False, {(0.5, 0.0)}) == np.float32
    assert rescaled_dtype(12, False, {(1.0, 0.0), (2.0, -100.0)}) == np.int16
    assert smallest_dtype(-1, 70000, True) == np.int32


def test_rescale_is_exact_for_integers_and_applied_for_fractions():
    stored = np.array([[0, 1000, 4095]], dtype=np.uint16)
    out = np.empty(stored.shape, np.int16)
    apply_rescale(stored, 1.0, -1024.0, out)
    assert out.tolist() == [[-1024, -24, 3071]]
    out = np.empty(stored.shape, np.int32)
    apply_rescale(stored, 3.0, 5.0, out)
    assert out.tolist() == [[5, 3005, 12290]]
    out = np.empty(stored.shape, np.float32)
    apply_rescale(stored, 0.25, 0.5, out)
    assert out.tolist() == [[0.5, 250.5, 1024.25]]

"""The fuzzer's fixed-seed corpus, and one regression test per crash it found.

The corpus runs in a child process under an address-space limit (see
``tests/hardening/fuzz.py``); every case must end as an image shown or as a
listed reason. The regression tests build a small synthetic file each, damaged
the way a fuzz case was, and check the reason the scan now gives.
"""

from __future__ import annotations

import struct
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from tests.dicom_factory import make_slice, write
from tests.hardening import fuzz
from viewer.core.dicom import load_series, scan
from viewer.core.errors import LoadError

#: Sized to take about a minute on the 2-core CI machine.
CORPUS_SEED = 8
CORPUS_CASES = 3500


def test_fixed_seed_corpus_has_no_crash_or_hang(shared_data, tmp_path):
    summary = fuzz.run(CORPUS_SEED, CORPUS_CASES, case_seconds=20.0, memory_gib=4.0,
                       crash_dir=tmp_path / "crashes")
    details = [(c["index"], c["detail"]) for c in summary["crashes"] + summary["hangs"]]
    assert not details, f"replay with: python -m tests.hardening.fuzz --seed {CORPUS_SEED} --replay INDEX"
    assert summary["refused"] > CORPUS_CASES // 4  # the mutants do damage: many are refused...
    assert summary["refused"] < CORPUS_CASES  # ...and some still show
    assert "" not in summary["reasons"]
    assert "could not be read" not in summary["reasons"]  # the files sit on a healthy disk


def test_mutants_are_a_function_of_seed_and_index(shared_data):
    seeds = [fuzz.seed_path(name).read_bytes() for name in fuzz.SEEDS]
    first = fuzz.make_case(3, 17, seeds)
    assert first == fuzz.make_case(3, 17, seeds)
    assert first != fuzz.make_case(3, 18, seeds)


# --------------------------------------------------------------------------- regressions
def _file(tmp_path: Path, **kwargs) -> tuple[Path, bytearray, fuzz.Layout]:
    ds = make_slice(np.arange(64, dtype=np.uint16).reshape(8, 8), **kwargs)
    ds.add_new(0x00091010, "OB", b"\0" * 16)  # a private long-VR element to damage
    path = write(ds, tmp_path / "damaged.dcm")
    data = bytearray(path.read_bytes())
    return path, data, fuzz.parse_layout(bytes(data))


def _element(layout: fuzz.Layout, tag: int) -> fuzz.Element:
    return next(e for e in layout.elements if e.tag == tag)


def _only_reason(folder: Path) -> str:
    result = scan(folder)
    assert not result.series
    (skipped,) = result.skipped
    return skipped.reason


def test_a_huge_value_length_is_not_allocated(tmp_path):
    # A length of 4 GiB in a small file made the buffered reader allocate 4 GiB
    # (a MemoryError under an address-space limit) before it met the end of file.
    path, data, layout = _file(tmp_path)
    struct.pack_into("<I", data, _element(layout, 0x00091010).length_at, 0xFFFFFFF0)
    path.write_bytes(data)
    tracemalloc.start()
    try:
        reason = _only_reason(tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20
    assert reason == "image without pixel data (CT Image Storage; damaged or cut short?)"


def test_deeply_nested_sequences_are_a_reason(tmp_path):
    path, data, layout = _file(tmp_path)
    item = struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)
    sequence = struct.pack("<HH", 0x0008, 0x1140) + b"SQ\0\0" + struct.pack("<I", 0xFFFFFFFF)
    at = _element(layout, 0x00091010).header
    path.write_bytes(bytes(data[:at]) + (sequence + item) * 2000 + bytes(data[at:]))
    assert _only_reason(tmp_path) == "damaged DICOM header (sequences nested too deeply)"


def test_a_deflated_syntax_on_plain_data_is_a_reason(tmp_path):
    path, data, layout = _file(tmp_path)
    element = _element(layout, 0x00020010)
    uid = b"1.2.840.10008.1.2.1.99"
    data[element.value:element.value + element.length] = uid
    struct.pack_into("<H", data, element.length_at, len(uid))
    path.write_bytes(data)
    assert _only_reason(tmp_path).startswith("damaged deflated data set")


def test_a_value_length_that_does_not_fit_its_vr_is_a_reason(tmp_path):
    path, data, layout = _file(tmp_path, patient_name="Secret^Name")
    rows = _element(layout, 0x00280010)  # US: 2 bytes a value; make it 3
    path.write_bytes(bytes(data[:rows.length_at]) + struct.pack("<H", 3) + b"\x08\0\0"
                     + bytes(data[rows.value + 2:]))
    reason = _only_reason(tmp_path)
    assert reason.startswith("damaged DICOM header") and "Secret" not in reason


def test_bits_stored_beyond_bits_allocated_is_a_reason(tmp_path):
    # BitsStored 4112 overflowed a float when the output dtype was chosen.
    path, data, layout = _file(tmp_path)
    struct.pack_into("<H", data, _element(layout, 0x00280101).value, 4112)
    path.write_bytes(data)
    assert _only_reason(tmp_path) == "invalid pixel format (BitsAllocated 16, BitsStored 4112)"


def test_an_absurd_number_of_frames_is_a_reason(tmp_path):
    ds = make_slice(np.zeros((8, 8), dtype=np.uint16))
    ds.NumberOfFrames = 999999999
    write(ds, tmp_path / "frames.dcm")
    assert _only_reason(tmp_path).startswith("damaged DICOM header (ValueError: NumberOfFrames 999999999")


def test_an_undamaged_file_still_loads(tmp_path):
    _file(tmp_path)
    (series,) = scan(tmp_path).series
    assert load_series(series).array.shape == (1, 8, 8)


@pytest.mark.parametrize("mutation", fuzz.MUTATIONS, ids=lambda m: m.__name__)
def test_every_mutation_changes_a_file(mutation, tmp_path):
    _, data, layout = _file(tmp_path)
    rng = fuzz.random.Random(5)
    assert any(bytes(mutation(rng, bytearray(data), layout)) != bytes(data) for _ in range(20))


def test_a_native_decoder_panic_is_a_reason(tmp_path):
    # pylibjpeg-rle (Rust) panics when the segments hold more than Rows x Columns; the
    # panic is a BaseException that killed the fuzz worker (and would kill a load thread).
    from pydicom.uid import RLELossless

    ds = make_slice(np.arange(64 * 64, dtype=np.uint16).reshape(64, 64))
    ds.compress(RLELossless, encoding_plugin="pydicom")
    ds.Rows = 33
    write(ds, tmp_path / "rle.dcm")
    (series,) = scan(tmp_path).series
    with pytest.raises(LoadError, match=r"^damaged pixel data in rle.dcm: the decoder failed \(index out of"):
        load_series(series)


def test_a_huge_length_inside_a_sequence_under_a_memory_limit_is_a_reason(tmp_path):
    # defer_size does not reach into sequence items: there the 4 GiB read is attempted, and
    # under an address-space limit (as in the fuzz workers) it raised MemoryError.
    path, data, layout = _file(tmp_path)
    item = struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)
    inner = struct.pack("<HH", 0x0009, 0x1020) + b"OB\0\0" + struct.pack("<I", 0xFFFFFFF0) + b"\0" * 64
    sequence = struct.pack("<HH", 0x0008, 0x1140) + b"SQ\0\0" + struct.pack("<I", 0xFFFFFFFF)
    at = _element(layout, 0x00091010).header
    path.write_bytes(bytes(data[:at]) + sequence + item + inner + bytes(data[at:]))
    script = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30)); "
              "from viewer.core.dicom import scan; r = scan(sys.argv[1]); print(r.skipped[0].reason)")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                          cwd=fuzz.ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "damaged DICOM header (a value longer than the memory available)"

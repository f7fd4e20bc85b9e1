"""A structure-aware mutation fuzzer for the DICOM core (scan, load, display).

Each case is one or two mutants of a real seed file from ``../shared/data``,
written into a folder of their own. The property checked for every case:
:func:`viewer.core.dicom.scan` the folder, load every series it finds and
render one slice through :mod:`viewer.core.display`; either that works, or the
file ends up as a listed reason (a ``SkippedFile`` from the scan, or an
:class:`~viewer.core.errors.OutpostError` with a message). Anything else is a
crash: another exception type, a case that runs past the per-case time limit
(a hang), or the death of the process (a native decoder's segfault, or memory
beyond the address-space limit).

Cases run in a child process under ``RLIMIT_AS``; the parent reads one line per
case from it and kills it when a case runs past the limit, then resumes after
the culprit. Mutants are a pure function of ``(seed, case index)``, so any case
can be written again for replay (``--replay INDEX``, which runs it in this
process to show the traceback), and crashing cases are written with a
``crash.json`` to ``--crash-dir`` (default ``$TMPDIR/outpost-fuzz-crashes``).

Run a longer campaign with::

    .venv/bin/python -m tests.hardening.fuzz --seed 1 --cases 5000 --json

which prints ``{"cases", "crashes", "hangs", "refused", "reasons", "seconds", ...}``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("OUTPOST_SHARED_DATA", ROOT.parent / "shared" / "data"))

#: Real files the mutants start from (paths under ../shared/data).
SEEDS = [
    "dicom_edge_cases/pydicom_test_files/CT_small.dcm",
    "dicom_edge_cases/pydicom_test_files/MR_small.dcm",
    "dicom_edge_cases/pydicom_test_files/MR_small_RLE.dcm",
    "dicom_edge_cases/pydicom_test_files/693_J2KI.dcm",
    "dicom_edge_cases/pydicom_test_files/JPEG2000.dcm",
    "dicom_edge_cases/pydicom_test_files/JPEGLSNearLossless_16.dcm",
    "dicom_edge_cases/pydicom_test_files/ExplVR_BigEndNoMeta.dcm",
    "dicom_edge_cases/pydicom_data/emri_small.dcm",
    "dicom_edge_cases/pydicom_data/emri_small_big_endian.dcm",
    "dicom_edge_cases/pydicom_data/emri_small_jpeg_2k_lossless.dcm",
    "dicom_edge_cases/pydicom_data/OT-PAL-8-face.dcm",
    "dicom_edge_cases/pydicom_data/SC_rgb_32bit_2frame.dcm",
    "dicom_edge_cases/pydicom_data/mlut_18.dcm",
    "dicom_edge_cases/pydicom_data/vlut_04.dcm",
    "dicom_edge_cases/pydicom_data/JPEG-LL.dcm",
    "dicom_edge_cases/pydicom_data/liver_nonbyte_aligned.dcm",
    "dicom_edge_cases/pydicom_data/parametric_map_float.dcm",
    "dicom_edge_cases/dwv/gdcm-US-RGB-8-epicard.dcm",
    "dicom_edge_cases/dwv/leadtools-flowers-8-mono2-rle.dcm",
    "dicom_edge_cases/dwv/multiframe-test1.dcm",
    "ct_abdomen_series_totalsegmentator/dicom",  # first file of the J2K CT series
    "ct_rt_dicompyler_example/ct.0.dcm",
    "mr_multivendor_dcm_qa_nih/In/20180918GE/mr_0004/axial_epi_fmri_interleaved_i_to_s-00001.dcm",
    "mr_multivendor_dcm_qa_nih/In/20180918Si/mr_0003/epi_pe_ap-00001.dcm",
    "mr_enhanced_multiframe_dcm_qa_enh/In/Siemens/XA10/6_1.dcm",
    "mr_transfer_syntaxes_dcm_qa_ts/In/4.dcm",
    "mr_transfer_syntaxes_dcm_qa_ts/In/5.dcm",
    "mr_transfer_syntaxes_dcm_qa_ts/In/7.dcm",
    "cxr_chest_xray/dwv_gdcm_cr/gdcm-CR-MONO1-10-chest.dcm",
    "cxr_chest_xray/torchxrayvision_tests/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm",
]

TRANSFER_SYNTAXES = [
    b"1.2.840.10008.1.2", b"1.2.840.10008.1.2.1", b"1.2.840.10008.1.2.2",
    b"1.2.840.10008.1.2.1.99", b"1.2.840.10008.1.2.4.50", b"1.2.840.10008.1.2.4.51",
    b"1.2.840.10008.1.2.4.57", b"1.2.840.10008.1.2.4.70", b"1.2.840.10008.1.2.4.80",
    b"1.2.840.10008.1.2.4.81", b"1.2.840.10008.1.2.4.90", b"1.2.840.10008.1.2.4.91",
    b"1.2.840.10008.1.2.4.201", b"1.2.840.10008.1.2.5", b"1.2.840.10008.1.2.4.100",
    b"1.2.3.4.5", b"",
]
VRS = [b"SQ", b"UN", b"OB", b"OW", b"US", b"SS", b"UL", b"DS", b"IS", b"UI", b"CS",
       b"FD", b"AT", b"XX", b"\x00\x00"]
#: Attributes whose values describe the pixel data (group 0028), and odd values for them.
PIXEL_TAGS = {
    0x00280010: "US", 0x00280011: "US", 0x00280100: "US", 0x00280101: "US",
    0x00280102: "US", 0x00280002: "US", 0x00280103: "US", 0x00280006: "US",
}
ODD_NUMBERS = [0, 1, 2, 3, 7, 8, 12, 15, 16, 17, 24, 31, 32, 33, 64, 255, 256, 4096, 32767, 65535]


# --------------------------------------------------------------------------- structure
@dataclass
class Element:
    """Where one top-level element sits in the file."""

    tag: int
    header: int  # offset of the tag
    value: int  # offset of the value
    length: int  # value length as written (0xFFFFFFFF: undefined)
    length_at: int  # offset of the length field
    length_size: int  # 2 or 4 bytes
    vr_at: int | None  # offset of the explicit VR, or None


@dataclass
class Layout:
    """The top-level elements of a file and its encoding."""

    little: bool = True
    implicit: bool = False
    elements: list[Element] = field(default_factory=list)


def parse_layout(data: bytes) -> Layout:
    """Walk the top-level elements (file meta and data set) without pydicom."""
    layout = Layout()
    position = 132 if data[128:132] == b"DICM" else 0
    meta_end = None
    syntax = b"1.2.840.10008.1.2.1"
    while position + 8 <= len(data):
        in_meta = meta_end is None or position < meta_end
        group = struct.unpack_from("<H", data, position)[0]
        if in_meta and group != 2:
            in_meta = False
            meta_end = position
            layout.implicit = syntax.rstrip(b"\0 ") == b"1.2.840.10008.1.2"
            layout.little = syntax.rstrip(b"\0 ") != b"1.2.840.10008.1.2.2"
        little = True if in_meta else layout.little
        implicit = False if in_meta else layout.implicit
        endian = "<" if little else ">"
        group, number = struct.unpack_from(endian + "HH", data, position)
        tag = group << 16 | number
        if implicit:
            length = struct.unpack_from(endian + "I", data, position + 4)[0]
            element = Element(tag, position, position + 8, length, position + 4, 4, None)
        else:
            vr = data[position + 4:position + 6]
            if vr in (b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"SQ", b"UC", b"UN", b"UR", b"UT"):
                if position + 12 > len(data):
                    break
                length = struct.unpack_from(endian + "I", data, position + 8)[0]
                element = Element(tag, position, position + 12, length, position + 8, 4, position + 4)
            else:
                length = struct.unpack_from(endian + "H", data, position + 6)[0]
                element = Element(tag, position, position + 8, length, position + 6, 2, position + 4)
        layout.elements.append(element)
        if tag == 0x00020010:
            syntax = data[element.value:element.value + length]
        if length == 0xFFFFFFFF:
            break  # undefined length: the structure below is not walked
        position = element.value + length
    return layout


def _set_length(data: bytearray, element: Element, length: int, little: bool) -> None:
    endian = "<" if little else ">"
    if element.length_size == 2:
        struct.pack_into(endian + "H", data, element.length_at, length & 0xFFFF)
    else:
        struct.pack_into(endian + "I", data, element.length_at, length & 0xFFFFFFFF)


def _is_meta(element: Element) -> bool:
    return element.tag >> 16 == 2


# --------------------------------------------------------------------------- mutations
def m_length(rng: random.Random, data: bytearray, layout: Layout) -> bytearray:
    """A wrong value length: zero, undefined, one off, odd, or huge."""
    if not layout.elements:
        return data
    element = rng.choice(layout.elements)
    choice = rng.choice([0, 0xFFFFFFFF, element.length + 1, max(0, element.length - 1),
                         element.length * 2 + 1, rng.randrange(1 << 32), 0xFFFE, 0x7FFFFFFF])
    _set_length(data, element, choice, True if _is_meta(element) else layout.little)
    return data


def m_vr(rng: random.Random, data: bytearray, layout: Layout) -> bytearray:
    """Another VR on an element, which changes how its length is read."""
    candidates = [e for e in layout.elements if e.vr_at is not None]
    if not candidates:
        return data
    element = rng.choice(candidates)
    data[element.vr_at:element.vr_at + 2] = rng.choice(VRS)
    return data


def m_truncate(rng: random.Random, data: bytearray, layout: Layout) -> bytearray:
    """The file cut short, often inside the header or the pixel data element."""
    if layout.elements and rng.random() < 0.5:
        element = rng.choice(layout.elements)
        cut = element.header + rng.randrange(0, 16)
    else:
        cut = rng.randrange(0, len(data) + 1)
    return data[:cut]


def m_bitflip(rng: random.Random, data: bytearray, layout: Layout) -> bytearray:
    """A few bits flipped, mostly in the header (where the parser looks)."""
    if not data:
        return data
    header_end = next((e.header for e in layout.elements if e.tag >> 16 == 0x7FE0), len(data))
    for _ in range(rng.randint(1, 8)):
        limit = header_end if rng.random() < 0.8 else len(data)
        index = rng.randrange(max(1, min(limit, len(data))))
        data[index] ^= 1 << rng.randrange(8)
    return data


def m_transfer_syntax(rng: random.Random, data: bytearray, layout: Layout) -> bytearray:
    """Another transfer syntax UID in the file meta (compressed names on raw data too)."""
    element = next((e for e in layout.elements if e.tag == 0x00020010), None)
    uid = rng.choice(TRANSFER_SYNTAXES)
    if len(uid) % 2:
        uid += b"\0"
    if element is None:
        return data
    out = data[:element.value] + uid + data[element.value + element.length:]
    _set_length(out, element, len(uid), True)
    return out


def m_preamble(rng: random.Random, data: bytearray, layout: Layout) -> bytearray:
    """The preamble missing, duplicated, or its DICM marker damaged."""
    has = data[128:132] == b"DICM"
    choice = rng.randrange(4)
    if choice == 0 and has:
        return data[132:]
    if choice == 1:
        return bytearray(b"\0" * 128 + b"DICM") + data
    if choice == 2 and has:
        data[128:132] = b"DICN"
        return data
    return bytearray(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))) + data


def _encode_us(value: int, little: bool, implicit: bool, tag: int) -> bytes:
    endian = "<" if little else ">"
    head = struct.pack(endian + "HH", tag >> 16, tag & 0xFFFF)
    if implicit:
        return head + struct.pack(endian + "IH", 2, value & 0xFFFF)
    return head + b"US" + struct.pack(endian + "HH", 2, value & 0xFFFF)


def m_pixel_attributes(rng: random.Random, data: bytearray, layout: Layout) -> bytearray:
    """Rows, Columns, bits, samples or pixel representation changed (or removed) in place."""
    present = [e for e in layout.elements if e.tag in PIXEL_TAGS and e.length == 2]
    if not present:
        return data
    for element in rng.sample(present, k=min(len(present), rng.randint(1, 2))):
        if rng.random() < 0.15:
            # Remove it: make it a private-looking tag the parser skips.
            endian = "<" if layout.little else ">"
            struct.pack_into(endian + "H", data, element.header + 2, 0x7FFF)
            continue
        value = rng.choice(ODD_NUMBERS)
        endian = "<" if layout.little else ">"
        struct.pack_into(endian + "H", data, element.value, value)
    return data


def _string_element(tag: int, value: bytes, vr: bytes, little: bool, implicit: bool) -> bytes:
    if len(value) % 2:
        value += b" "
    endian = "<" if little else ">"
    head = struct.pack(endian + "HH", tag >> 16, tag & 0xFFFF)
    if implicit:
        return head + struct.pack(endian + "I", len(value)) + value
    return head + vr + struct.pack(endian + "H", len(value)) + value


def _insert_sorted(data: bytearray, layout: Layout, tag: int, encoded: bytes) -> bytearray:
    """Insert an element where its tag belongs, replacing one with the same tag."""
    elements = [e for e in layout.elements if not _is_meta(e)]
    for element in elements:
        if element.tag == tag and element.length != 0xFFFFFFFF:
            return data[:element.header] + encoded + data[element.value + element.length:]
        if element.tag > tag:
            return data[:element.header] + encoded + data[element.header:]
    return data + encoded


def m_number_of_frames(rng: random.Random, data: bytearray, layout: Layout) -> bytearray:
    """NumberOfFrames set to a value that disagrees with the pixel data (or is not a number)."""
    value = rng.choice([b"0", b"1", b"2", b"3", b"64", b"65535", b"-1", b"1e9", b"999999999", b"abc", b"2.5", b""])
    encoded = _string_element(0x00280008, value, b"IS", layout.little, layout.implicit)
    return _insert_sorted(data, layout, 0x00280008, encoded)


def m_photometric(rng: random.Random, data: bytearray, layout: Layout) -> bytearray:
    """Another photometric interpretation (colour names on grey data and back)."""
    value = rng.choice([b"MONOCHROME1", b"MONOCHROME2", b"RGB", b"PALETTE COLOR", b"YBR_FULL",
                        b"YBR_FULL_422", b"YBR_RCT", b"YBR_ICT", b"ARGB", b"", b"\xff\xfe"])
    encoded = _string_element(0x00280004, value, b"CS", layout.little, layout.implicit)
    return _insert_sorted(data, layout, 0x00280004, encoded)


def m_pixel_size(rng: random.Random, data: bytearray, layout: Layout) -> bytearray:
    """Pixel data shortened, lengthened, or emptied (its length kept consistent)."""
    element = next((e for e in layout.elements if e.tag == 0x7FE00010), None)
    if element is None:
        return data
    if element.length == 0xFFFFFFFF:
        cut = element.value + rng.randrange(0, max(1, len(data) - element.value))
        return data[:cut] + (b"\xfe\xff\xdd\xe0\0\0\0\0" if rng.random() < 0.5 else b"")
    new_length = rng.choice([0, 2, element.length // 2, element.length - 2, element.length + 2,
                             element.length * 2])
    new_length -= new_length % 2
    value = bytes(data[element.value:element.value + element.length])
    value = (value * 3)[:new_length] if new_length > len(value) else value[:new_length]
    out = data[:element.value] + value + data[element.value + element.length:]
    _set_length(out, element, new_length, layout.little)
    return out


def m_sequence(rng: random.Random, data: bytearray, layout: Layout) -> bytearray:
    """A nested, undefined-length sequence (sometimes unterminated) in the data set."""
    endian = "<" if layout.little else ">"
    depth = rng.choice([1, 2, 8, 64, 300])
    item_start = struct.pack(endian + "HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)
    item_end = struct.pack(endian + "HHI", 0xFFFE, 0xE00D, 0)
    seq_end = struct.pack(endian + "HHI", 0xFFFE, 0xE0DD, 0)
    tag = rng.choice([0x00081140, 0x52009229, 0x52009230, 0x00289132, 0x00283010, 0x00283000])
    if layout.implicit:
        head = struct.pack(endian + "HHI", tag >> 16, tag & 0xFFFF, 0xFFFFFFFF)
        inner_head = struct.pack(endian + "HHI", 0x0008, 0x1140, 0xFFFFFFFF)
    else:
        head = (struct.pack(endian + "HH", tag >> 16, tag & 0xFFFF) + b"SQ\0\0"
                + struct.pack(endian + "I", 0xFFFFFFFF))
        inner_head = struct.pack(endian + "HH", 0x0008, 0x1140) + b"SQ\0\0" + struct.pack(endian + "I", 0xFFFFFFFF)
    body = head + (item_start + inner_head) * (depth - 1) + item_start
    if rng.random() < 0.7:
        body += (item_end + seq_end) * depth
    return _insert_sorted(data, layout, tag, body)


def m_duplicate(rng: random.Random, data: bytearray, layout: Layout) -> bytearray:
    """An element repeated or two elements swapped (tags out of order)."""
    elements = [e for e in layout.elements if not _is_meta(e) and e.length != 0xFFFFFFFF
                and e.value + e.length <= len(data)]
    if len(elements) < 2:
        return data
    a, b = sorted(rng.sample(elements, 2), key=lambda e: e.header)
    chunk_a = data[a.header:a.value + a.length]
    chunk_b = data[b.header:b.value + b.length]
    if rng.random() < 0.5:
        return data[:b.header] + chunk_a + data[b.header:]
    return (data[:a.header] + chunk_b + data[a.value + a.length:b.header] + chunk_a
            + data[b.value + b.length:])


def m_splice(rng: random.Random, data: bytearray, layout: Layout) -> bytearray:
    """A run of bytes deleted or random bytes inserted."""
    if not data:
        return data
    at = rng.randrange(len(data))
    if rng.random() < 0.5:
        return data[:at] + data[at + rng.randrange(1, 64):]
    return data[:at] + bytearray(rng.randrange(256) for _ in range(rng.randrange(1, 64))) + data[at:]


MUTATIONS = [m_length, m_vr, m_truncate, m_bitflip, m_transfer_syntax, m_preamble,
             m_pixel_attributes, m_number_of_frames, m_photometric, m_pixel_size,
             m_sequence, m_duplicate, m_splice]


def seed_path(name: str) -> Path:
    """The real file a seed name stands for (the first file of a folder)."""
    path = DATA / name
    if path.is_dir():
        path = sorted(p for p in path.iterdir() if p.is_file())[0]
    return path


def mutate(rng: random.Random, data: bytes) -> tuple[bytes, list[str]]:
    """One mutant of ``data``: one to three mutations, each on the previous result."""
    out = bytearray(data)
    applied = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        mutation = rng.choice(MUTATIONS)
        try:
            layout = parse_layout(bytes(out))
        except struct.error:
            layout = Layout()
        out = bytearray(mutation(rng, out, layout))
        applied.append(mutation.__name__[2:])
    return bytes(out), applied


def make_case(seed: int, index: int, seeds: list[bytes]) -> tuple[list[tuple[str, bytes]], dict]:
    """The files of case ``index`` (a pure function of ``seed`` and ``index``)."""
    rng = random.Random(f"{seed}:{index}")
    choice = rng.randrange(len(seeds))
    files, mutations = [], []
    for copy in range(2 if rng.random() < 0.2 else 1):
        data, applied = mutate(rng, seeds[choice])
        files.append((f"case{index}_{copy}.dcm", data))
        mutations.append(applied)
    return files, {"seed_file": SEEDS[choice], "mutations": mutations}


# --------------------------------------------------------------------------- the property
def check_case(folder: str) -> list[str]:
    """Scan, load and render; the reasons for what was refused. Other errors propagate."""
    from viewer.core import display
    from viewer.core.dicom import load_series, scan
    from viewer.core.errors import OutpostError

    reasons = []
    result = scan(folder)
    for skipped in result.skipped:
        if not skipped.reason.strip():
            raise AssertionError(f"empty reason for {skipped.path}")
        reasons.append(skipped.reason)
    for series in result.series:
        try:
            volume = load_series(series)
        except OutpostError as e:
            if not str(e).strip():
                raise AssertionError(f"{type(e).__name__} without a message") from e
            reasons.append(str(e))
            continue
        render_slice(volume, display)
    return reasons


def render_slice(volume, display) -> None:
    """Render the middle slice the way a view does (VOI LUT, window table or float path)."""
    array = volume.array[0] if volume.is_4d else volume.array
    plane = array[array.shape[0] // 2]
    metadata = volume.metadata
    invert = volume.photometric == "MONOCHROME1"
    if volume.is_rgb:
        display.apply_rgb_window(plane, None if plane.dtype == "uint8" else display.default_window(plane))
        return
    if metadata.get("voi_lut") is not None:
        display.apply_voi_lut(plane, metadata["voi_lut"], invert)
    window = display.default_window(plane, metadata)
    display.apply_window(plane, window, invert, display.window_lut(window, plane.dtype, invert))


def reason_key(reason: str) -> str:
    """A reason with file names, numbers and details removed, for the histogram."""
    text = re.sub(r"\(.*", "", reason)
    text = re.sub(r"\S*/\S*|\S+\.dcm\S*|case\d+_\d", "FILE", text)
    text = re.sub(r"\d+(\.\d+)*", "N", text)
    return " ".join(text.split()[:8])


# --------------------------------------------------------------------------- the child
def worker(seed: int, start: int, end: int, tmp: str, case_seconds: float) -> None:
    """Run cases ``start..end-1``, one ``B``/``E`` line each on stdout."""
    import warnings

    warnings.simplefilter("ignore")
    seeds = [seed_path(name).read_bytes() for name in SEEDS]
    import viewer.core.dicom  # noqa: F401 - imported before the first case's clock starts

    def on_alarm(signum, frame):
        raise TimeoutError("case ran past its time limit")

    signal.signal(signal.SIGALRM, on_alarm)
    print("R", flush=True)
    for index in range(start, end):
        folder = os.path.join(tmp, f"c{index}")
        os.makedirs(folder)
        files, _ = make_case(seed, index, seeds)
        for name, data in files:
            Path(folder, name).write_bytes(data)
        print(f"B {index}", flush=True)
        outcome: dict = {"index": index}
        signal.setitimer(signal.ITIMER_REAL, case_seconds)
        try:
            outcome["reasons"] = check_case(folder)
        except TimeoutError:
            outcome["hang"] = True
        except Exception as e:  # noqa: BLE001 - every other exception is the crash being looked for
            outcome["crash"] = f"{type(e).__name__}: {e}"[:500]
            outcome["traceback"] = traceback.format_exc()[-3000:]
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        shutil.rmtree(folder, ignore_errors=True)
        print("E " + json.dumps(outcome), flush=True)


# --------------------------------------------------------------------------- the parent
def _limit_memory(limit_bytes: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def save_case(seed: int, index: int, crash_dir: Path, detail: dict) -> Path:
    """Write a case's files and what happened to ``crash_dir/case<index>``."""
    seeds = [seed_path(name).read_bytes() for name in SEEDS]
    files, info = make_case(seed, index, seeds)
    folder = crash_dir / f"seed{seed}_case{index}"
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        (folder / name).write_bytes(data)
    (folder / "crash.json").write_text(json.dumps({**info, **detail, "seed": seed, "index": index},
                                                  indent=1))
    return folder


def run(seed: int, cases: int, case_seconds: float = 10.0, memory_gib: float = 4.0,
        crash_dir: Path | None = None) -> dict:
    """Run ``cases`` cases in child processes and summarise them.

    Returns
    -------
    dict
        ``cases``, ``crashes`` and ``hangs`` (lists of details), ``refused``
        (cases with at least one reason), ``empty_reasons``, ``reasons`` (a
        histogram), ``seconds``.
    """
    started = time.monotonic()
    crash_dir = crash_dir or Path(tempfile.gettempdir()) / "outpost-fuzz-crashes"
    crashes, hangs = [], []
    reasons: collections.Counter = collections.Counter()
    refused = 0
    next_index = 0
    with tempfile.TemporaryDirectory(prefix="outpost-fuzz-") as tmp:
        while next_index < cases:
            errors = open(os.path.join(tmp, "stderr.txt"), "w+")  # noqa: SIM115 - read after the child ends
            child = subprocess.Popen(
                [sys.executable, "-m", "tests.hardening.fuzz", "--worker", "--seed", str(seed),
                 "--start", str(next_index), "--end", str(cases), "--tmp", tmp,
                 "--case-seconds", str(case_seconds)],
                cwd=ROOT, stdout=subprocess.PIPE, stderr=errors,
                preexec_fn=_limit_memory(int(memory_gib * 2**30)), text=True, bufsize=1)
            current = None
            deadline = time.monotonic() + 120  # start-up and imports
            while True:
                # The child's own timer catches Python-level hangs; this one catches a
                # hang inside native code that never returns to the interpreter.
                ready, _, _ = select.select([child.stdout], [], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    child.kill()
                    child.wait()
                    hangs.append({"index": current, "detail": "killed: no answer"})
                    break
                line = child.stdout.readline()
                if not line:
                    code = child.wait()
                    if current is not None:
                        errors.seek(0)
                        crashes.append({"index": current, "detail": f"child died (exit {code})",
                                        "traceback": errors.read()[-3000:]})
                    break
                kind, _, rest = line.rstrip("\n").partition(" ")
                if kind == "B":
                    current = int(rest)
                    deadline = time.monotonic() + case_seconds * 2 + 5
                elif kind == "E":
                    outcome = json.loads(rest)
                    current = None
                    next_index = outcome["index"] + 1
                    if outcome.get("hang"):
                        hangs.append({"index": outcome["index"], "detail": "past the time limit"})
                    elif "crash" in outcome:
                        crashes.append({"index": outcome["index"], "detail": outcome["crash"],
                                        "traceback": outcome["traceback"]})
                    else:
                        refused += bool(outcome["reasons"])
                        reasons.update(reason_key(r) for r in outcome["reasons"])
            errors.close()
            if current is not None:
                next_index = current + 1
            elif child.returncode not in (0, None) and not crashes and not hangs:
                raise RuntimeError(f"fuzz worker failed to start (exit {child.returncode})")
    for failure in crashes + hangs:
        failure["saved_to"] = str(save_case(seed, failure["index"], crash_dir, failure))
    return {
        "seed": seed,
        "cases": cases,
        "crashes": crashes,
        "hangs": hangs,
        "refused": refused,
        "reasons": dict(reasons.most_common()),
        "seconds": round(time.monotonic() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """The command line: a campaign, a replay, or (internally) a worker."""
    parser = argparse.ArgumentParser(prog="python -m tests.hardening.fuzz", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--case-seconds", type=float, default=10.0)
    parser.add_argument("--memory-gib", type=float, default=4.0)
    parser.add_argument("--crash-dir", type=Path)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--replay", type=int, metavar="INDEX",
                        help="write case INDEX to --crash-dir and run it here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--end", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.seed, args.start, args.end, args.tmp, args.case_seconds)
        return 0
    if args.replay is not None:
        folder = save_case(args.seed, args.replay, args.crash_dir or Path(tempfile.mkdtemp()), {})
        print(folder)
        print(check_case(str(folder)))
        return 0
    summary = run(args.seed, args.cases, args.case_seconds, args.memory_gib, args.crash_dir)
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        print(f"{summary['cases']} cases, {len(summary['crashes'])} crashes, {len(summary['hangs'])} hangs, "
              f"{summary['refused']} refused, {summary['seconds']} s")
    return 1 if summary["crashes"] or summary["hangs"] else 0


if __name__ == "__main__":
    sys.exit(main())

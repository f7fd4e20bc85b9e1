"""Planted markers: a value the profile removes, empties or replaces survives nowhere in an anonymised copy.

For every attribute of PS3.15 Table E.1-1 whose value representation can hold
text (and the binary ones, with the marker's bytes), and for every name, UID,
date and time outside the table (the safety nets), a distinct marker is written
into real files: at the top level, two sequence levels down (inside sequences
the profile keeps, so that a leak there would show), and the same again encoded
as UN (each element, or the whole sequence; the safety nets' attributes then
claim VR LO instead). Each file also carries markers in its preamble, its file
meta, private attributes and an attribute no dictionary knows. The files, in two
character sets (ISO_IR 100 and ISO_IR 192, with non-ASCII markers where the VR
allows them), go through the real export, and ``outpost export --anonymize``,
with dates shifted and with dates removed. Every output byte is searched for
every marker in the file's character set, UTF-8 and UTF-16, and so is every
decoded value of every element.

Controls keep the search honest: every marker is found in the input the same
way, and a marker in an attribute the profile keeps (Manufacturer) is found in
the output, at the top level and nested.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.charset import convert_encodings
from pydicom.datadict import DicomDictionary, dictionary_VR
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO, DicomFileLike
from pydicom.filewriter import write_dataset, write_file_meta_info, write_sequence
from pydicom.tag import Tag

from tests.dicom_factory import make_slice
from viewer.export import ps315_table
from viewer.export.anonymize import EXTRA_REMOVE, AnonymizationOptions, plan_anonymization, write_anonymized

# Reading the attacker's files back, pydicom warns about the unknown attribute and the implicit VR items.
pytestmark = [pytest.mark.filterwarnings("ignore:VR lookup failed:UserWarning"),
              pytest.mark.filterwarnings("ignore:Expected implicit VR:UserWarning")]

#: The value representations that hold text; UI takes a marker of digits, the binary ones its bytes.
TEXT_VRS = {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UR", "UT"}
BINARY_VRS = {"OB", "OW", "UN"}
#: VRs whose characters follow the Specific Character Set: their markers end with non-ASCII characters.
EXTENDED_VRS = {"LO", "LT", "PN", "SH", "ST", "UC", "UT"}
#: Character set, its Python codec, and the non-ASCII tail of the markers.
CHARSETS = {"ISO_IR 100": ("latin-1", "é"), "ISO_IR 192": ("utf-8", "éЖ")}
#: Where the markers go: code to (nested two levels down?, elements encoded as UN?, the outer sequence
#: encoded as UN, its items in implicit VR as PS3.5 6.2.2 has it?).
PLACEMENTS = {"T": (False, False, False), "N": (True, False, False), "U": (False, True, False),
              "V": (True, True, False), "S": (True, False, True)}
#: The sequences the markers are nested in: not in Table E.1-1, so the profile keeps them and cleans their items.
OUTER, INNER = 0x52009229, 0x00289110  # Shared Functional Groups Sequence > Pixel Measures Sequence
PREAMBLE_MARKER = "QZPREAMBLEQZ"
CONTROL = "Manufacturer"


@dataclass(frozen=True)
class Marker:
    """One planted value: ``core`` is the ASCII part searched for, ``text`` the value written."""

    where: str
    core: str
    text: str


def _planted_tags() -> dict[int, str]:
    """The table's attributes that can hold a marker, by tag, with their value representation."""
    tags = {}
    for tag in ps315_table.TABLE:
        if tag >> 16 == 0x0002:
            continue  # the file meta: planted in the file meta itself
        vr = dictionary_VR(tag).split(" or ")[0]
        if vr in TEXT_VRS | BINARY_VRS | {"UI"}:
            tags[tag] = vr
    return tags


def _net_tags() -> dict[int, str]:
    """The safety nets' attributes: names, UIDs, dates and times outside the table (the SOP Class UID
    aside), and the text of :data:`EXTRA_REMOVE` (a content item's Text Value, ...)."""
    return {tag: vr for tag, (vr, _, _, _, keyword) in DicomDictionary.items()
            if tag not in ps315_table.TABLE and tag >> 16 >= 0x0008 and keyword != "SOPClassUID"
            and (vr in {"PN", "UI", "DA", "DT", "TM"} or (keyword in EXTRA_REMOVE and vr in TEXT_VRS))}


def _marker(file_id: int, placement: str, number: int, vr: str, tail: str) -> Marker:
    if vr == "UI":
        core = f"97{file_id}{list(PLACEMENTS).index(placement)}{number:04d}531"  # 12 digits
        return Marker(f"{vr}", core, f"1.2.826.0.1.3680043.10.{core}")
    core = f"QZ{file_id}{placement}{number:03d}K"
    return Marker(vr, core, core + tail if vr in EXTENDED_VRS else core)


@contextmanager
def _writing_anything() -> Iterator[None]:
    """Let pydicom write values that break their VR's rules, as an attacker's file does."""
    config = pydicom.config.settings
    before = config.writing_validation_mode, config.reading_validation_mode
    config.writing_validation_mode = config.reading_validation_mode = pydicom.config.IGNORE
    try:
        yield
    finally:
        config.writing_validation_mode, config.reading_validation_mode = before


def _element(tag: int, vr: str, marker: Marker, codec: str, as_un: bool) -> RawDataElement:
    """The element as its bytes, so that no rule of the VR (a DS holds a number) stops the marker."""
    raw = marker.core.encode() if vr in BINARY_VRS else marker.text.encode(codec)
    raw += (b"\0" if vr in BINARY_VRS | {"UI"} else b" ") * (len(raw) % 2)
    return RawDataElement(Tag(tag), "UN" if as_un else vr, len(raw), raw, 0, False, True)


def _datasets(ds: Dataset) -> Iterator[Dataset]:
    """``ds`` and the items of its sequences, at every depth."""
    yield ds
    for tag in ds.keys():  # noqa: SIM118 - a pydicom Dataset iterates over its elements, not its tags
        element = ds.get_item(tag)
        if isinstance(element, DataElement) and element.VR == "SQ":
            for item in element.value:
                yield from _datasets(item)


def _as_un(sequence: DataElement, charset: str) -> RawDataElement:
    """``sequence`` encoded as UN: its items in implicit VR little endian, of defined length."""
    buffer = DicomBytesIO()
    buffer.is_little_endian, buffer.is_implicit_VR = True, True
    with _writing_anything():
        write_sequence(buffer, sequence, [charset])
    raw = buffer.getvalue()
    return RawDataElement(sequence.tag, "UN", len(raw), raw, 0, False, True)


def _planted_file(path: Path, file_id: int, charset: str, placement: str) -> dict[str, Marker]:
    """Write one attacker's file; return its markers by where they are."""
    codec, tail = CHARSETS[charset]
    nested, as_un, sequence_as_un = PLACEMENTS[placement]
    ds = make_slice(np.zeros((4, 4), np.uint16), study_uid="1.2.826.0.1.3680043.10.1",
                    series_uid=f"1.2.826.0.1.3680043.10.2.{file_id}")
    ds.SpecificCharacterSet = charset
    target = ds
    if nested:
        outer, inner = Dataset(), Dataset()
        outer.SpecificCharacterSet = inner.SpecificCharacterSet = charset  # so pydicom keeps their raw bytes
        ds.add_new(OUTER, "SQ", [outer])
        outer.add_new(INNER, "SQ", [inner])
        target = inner
    markers = {}
    for number, (tag, vr) in enumerate(sorted(_planted_tags().items())):
        marker = _marker(file_id, placement, number, vr, tail)
        markers[f"{placement} ({tag >> 16:04X},{tag & 0xFFFF:04X}) {vr}"] = marker
        target[tag] = _element(tag, vr, marker, codec, as_un)
    # The safety nets: where elements are encoded as UN, these say LO instead, against the dictionary.
    for number, (tag, vr) in enumerate(sorted(_net_tags().items()), start=600):
        marker = _marker(file_id, placement, number, vr, tail)
        markers[f"{placement} net ({tag >> 16:04X},{tag & 0xFFFF:04X}) {vr}"] = marker
        element = _element(tag, vr, marker, codec, False)
        target[tag] = element._replace(VR="LO") if as_un else element
    # Private attributes: a creator, values, and a private sequence, at the same place.
    private = {0x00090010: ("LO", "creator"), 0x00091001: ("LO", "value"), 0x00091002: ("UT", "text"),
               0x00091003: ("OB", "bytes")}
    for offset, (tag, (vr, what)) in enumerate(private.items()):
        marker = _marker(file_id, placement, 900 + offset, vr, tail)
        markers[f"{placement} private {what}"] = marker
        target[tag] = _element(tag, vr, marker, codec, as_un)
    item = Dataset()
    item.CodeMeaning = (marker := _marker(file_id, placement, 910, "LO", tail)).text
    markers[f"{placement} private sequence item"] = marker
    target.add_new(0x00091010, "SQ", [item])
    # An attribute no dictionary knows (even group, so not private): removed as of unknown type.
    marker = _marker(file_id, placement, 920, "LO", tail)
    markers[f"{placement} unknown public attribute"] = marker
    target[0x00089999] = _element(0x00089999, "LO", marker, codec, as_un)
    # The control: kept by the profile, so it must be found in the output.
    control = _marker(file_id, placement, 999, "LO", tail)
    target.Manufacturer = control.text
    markers["control"] = control
    for dataset in _datasets(ds):
        # As if read from such a file: pydicom then writes the raw elements as they are (UN stays UN).
        dataset.set_original_encoding(sequence_as_un and dataset is not ds, True, convert_encodings(charset))
    if sequence_as_un:
        ds[OUTER] = _as_un(ds[OUTER], charset)
    # The file meta and the preamble: nothing of either may survive.
    meta_markers = {"SourceApplicationEntityTitle": "AE", "SendingApplicationEntityTitle": "AE",
                    "ReceivingApplicationEntityTitle": "AE", "ImplementationVersionName": "SH",
                    "SourcePresentationAddress": "UR", "PrivateInformationCreatorUID": "UI",
                    "ImplementationClassUID": "UI", "MediaStorageSOPInstanceUID": "UI", "PrivateInformation": "OB"}
    for offset, (keyword, vr) in enumerate(meta_markers.items()):
        marker = _marker(file_id, placement, 950 + offset, vr, "")
        markers[f"file meta {keyword}"] = marker
        value = marker.text.encode() if vr == "OB" else marker.text
        setattr(ds.file_meta, keyword, value)
    ds.preamble = (PREAMBLE_MARKER + f"{file_id}").encode().ljust(128, b"\0")
    markers["preamble"] = Marker("preamble", PREAMBLE_MARKER + f"{file_id}", PREAMBLE_MARKER + f"{file_id}")
    with _writing_anything(), open(path, "wb") as handle:
        # Written element by element: dcmwrite refuses command elements (0000,eeee), an attacker does not.
        fp = DicomFileLike(handle)
        fp.is_little_endian, fp.is_implicit_VR = True, False
        fp.write(ds.preamble + b"DICM")
        write_file_meta_info(fp, ds.file_meta, enforce_standard=False)
        write_dataset(fp, ds)
    return markers


def _needles(marker: Marker, codec: str) -> set[bytes]:
    """The marker's bytes in the file's character set, UTF-8 and UTF-16 (both byte orders)."""
    found = set()
    encodings = {codec, "utf-8", "utf-16-le", "utf-16-be"}
    for text, encoding in itertools.product({marker.core, marker.text}, encodings):
        with suppress(UnicodeEncodeError):  # a character the encoding lacks: the core alone is searched in it
            found.add(text.encode(encoding))
    return found


def _values(ds: Dataset) -> Iterator[str | bytes]:
    """Every value of every element of ``ds`` (its file meta too), at every depth, as read."""
    for element in itertools.chain(ds.file_meta.iterall(), ds.iterall()):
        value = element.value
        if element.VR == "SQ" or value is None:
            continue
        items = value if isinstance(value, pydicom.multival.MultiValue | list) else [value]
        for item in items:
            yield bytes(item) if isinstance(item, bytes | bytearray) else str(item)


def _found(path: Path, markers: dict[str, Marker], codec: str) -> set[str]:
    """Where the markers planted at ``markers`` show in the bytes or the values of ``path``."""
    raw = path.read_bytes()
    lowered = raw.lower()
    with _writing_anything():
        values = list(_values(pydicom.dcmread(path, force=True)))
    hits = set()
    for where, marker in markers.items():
        in_bytes = any(needle in raw or needle.lower() in lowered for needle in _needles(marker, codec))
        in_values = any(marker.core.lower() in (v.decode("latin-1") if isinstance(v, bytes) else v).lower()
                        for v in values)
        if in_bytes or in_values:
            hits.add(where)
    return hits


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> tuple[Path, dict[Path, tuple[str, dict[str, Marker]]]]:
    """Ten attacker's files (two character sets, five placements), each its own series."""
    folder = tmp_path_factory.mktemp("planted")
    files = {}
    for file_id, (charset, placement) in enumerate(itertools.product(CHARSETS, PLACEMENTS)):
        path = folder / f"{file_id}-{placement}.dcm"
        files[path] = (CHARSETS[charset][0], _planted_file(path, file_id, charset, placement))
    return folder, files


def test_every_marker_is_in_the_attackers_files(planted):
    folder, files = planted
    for path, (codec, markers) in files.items():
        assert _found(path, markers, codec) == set(markers), path.name
    assert sum(len(markers) for _, markers in files.values()) > len(files) * 450


@pytest.mark.parametrize("shift", [None, 45], ids=["dates-removed", "dates-shifted"])
def test_no_planted_marker_survives_the_export(planted, tmp_path, shift):
    folder, files = planted
    plan = plan_anonymization([folder], AnonymizationOptions(date_shift_days=shift))
    assert plan.skipped == [] and len(plan.files) == len(files)
    outputs = write_anonymized(plan, tmp_path / "out")
    by_source = {Path(planned.source.path): output for planned, output in zip(plan.files, outputs, strict=True)}
    leaks = {}
    for source, (codec, markers) in files.items():
        output = by_source[source]
        assert output.read_bytes()[:128] == bytes(128)  # the preamble is zeros
        hits = _found(output, markers, codec)
        expected_controls = {"control"}
        assert expected_controls <= hits, f"{source.name}: the search does not see kept values"
        if hits - expected_controls:
            leaks[source.name] = sorted(hits - expected_controls)
    assert leaks == {}


def test_no_planted_marker_survives_outpost_export(planted, tmp_path, capsys):
    """The command line, on one attacker's file per character set (top level and nested-UN)."""
    from viewer.cli import main

    folder, files = planted
    chosen = [path for path in files if path.name.endswith(("-T.dcm", "-V.dcm"))]
    assert len(chosen) == 4
    for index, source in enumerate(chosen):
        out = tmp_path / f"out{index}"
        dates = ["--date-shift", "-30"] if index % 2 else ["--remove-dates"]
        assert main(["export", str(source), "--out", str(out), "--anonymize", "--yes", *dates]) == 0
        assert "internal error" not in capsys.readouterr().err
        (output,) = sorted(out.iterdir())
        codec, markers = files[source]
        assert _found(output, markers, codec) == {"control"}


"""The Siemens CSA image header: both layouts (CSA2 ``SV10`` and the older CSA1) read, checked
against NiBabel's reader on real headers, and a MOSAIC described only by a CSA1 header understood."""

import struct
import warnings

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

from viewer.core.dicom.siemens import csa_slice_normal, mosaic_image_count, parse_csa_header

SIEMENS_MOSAICS = [
    "mr_transfer_syntaxes_dcm_qa_ts/In/1.dcm",
    "mr_multivendor_dcm_qa_nih/In/20180918Si/mr_0003/epi_pe_ap-00001.dcm",
]
FIELDS = [("NumberOfImagesInMosaic", "US", ["35"]),
          ("SliceNormalVector", "FD", ["0.0", "0.10799944", "0.99415095"]),
          ("ImaCoilString", "LO", ["HEA;HEP"]), ("B_value", "IS", [])]
#: The value representations NiBabel's reader turns into numbers.
NUMERIC_VRS = {"FL", "FD", "DS", "SS", "US", "SL", "UL", "IS"}
ITEMS_PER_TAG = 6  # as Siemens writes them: six items whatever the value multiplicity


def _csa(fields, csa1: bool) -> bytes:
    """A CSA header holding ``fields`` (name, VR, values), laid out as CSA1 or CSA2.

    In CSA1 an item's length is its first word less the first tag's item count; in CSA2 it
    is the second word. Both pad items to four bytes.
    """
    out = struct.pack("<2I", len(fields), 77)
    if not csa1:
        out = b"SV10\x04\x03\x02\x01" + out
    for name, vr, values in fields:
        out += struct.pack("<64si4s3i", name.encode(), len(values), vr.encode(), 3, ITEMS_PER_TAG, 77)
        for index in range(ITEMS_PER_TAG):
            data = (values[index] + "\0").encode() if index < len(values) else b""
            first = len(data) + ITEMS_PER_TAG if csa1 else len(data)
            out += struct.pack("<4i", first, len(data), 77, len(data)) + data + b"\0" * (-len(data) % 4)
    return out


def _mosaic(csa: bytes) -> Dataset:
    ds = Dataset()
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "ND", "MOSAIC"]
    ds.add_new((0x0029, 0x0010), "LO", "SIEMENS CSA HEADER")
    ds.add_new((0x0029, 0x1010), "OB", csa)
    return ds


@pytest.mark.parametrize("csa1", [True, False], ids=["CSA1", "CSA2"])
def test_both_layouts_are_read_alike(csa1):
    fields = parse_csa_header(_csa(FIELDS, csa1))
    assert fields == {"NumberOfImagesInMosaic": ["35"], "SliceNormalVector": ["0.0", "0.10799944", "0.99415095"],
                      "ImaCoilString": ["HEA;HEP"], "B_value": []}


def test_a_mosaic_described_only_by_a_csa1_header_is_understood():
    ds = _mosaic(_csa(FIELDS, csa1=True))  # no (0019,100A): the count comes from the CSA header
    assert mosaic_image_count(ds) == 35
    assert np.array_equal(csa_slice_normal(ds), [0.0, 0.10799944, 0.99415095])


@pytest.mark.parametrize("csa1", [True, False], ids=["CSA1", "CSA2"])
def test_a_damaged_header_gives_the_fields_before_the_damage_and_never_raises(csa1):
    raw = _csa(FIELDS, csa1)
    whole = parse_csa_header(raw)
    cut = parse_csa_header(raw[:len(raw) - 40])  # inside the last tag
    assert cut == {name: whole[name] for name in list(whole)[:-1]}
    for damaged in (b"", b"SV10", raw[:12], b"\xff" * 64, bytes(range(256)) * 4):
        assert parse_csa_header(damaged) == {}


def test_bytes_that_are_no_csa1_header_are_not_read_as_one():
    raw = bytearray(_csa(FIELDS, csa1=True))
    raw[4:8] = struct.pack("<I", 0)  # CSA1's unused word is always 77 ("M")
    assert parse_csa_header(bytes(raw)) == {}


@pytest.mark.shared_data
@pytest.mark.parametrize("path", SIEMENS_MOSAICS)
def test_real_csa2_headers_read_as_nibabel_reads_them(shared_data, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "The DICOM readers are highly experimental"
        from nibabel.nicom import csareader

    raw = bytes(pydicom.dcmread(shared_data / path, stop_before_pixels=True)[0x0029, 0x1010].value)
    ours, theirs = parse_csa_header(raw), csareader.read(raw)
    assert theirs["type"] == 2 and list(ours) == list(theirs["tags"]) and len(ours) > 80
    for name, tag in theirs["tags"].items():
        if tag["vr"] in NUMERIC_VRS:
            assert [float(v) for v in ours[name]] == [float(v) for v in tag["items"]], name
        else:
            assert ours[name] == [v.strip() for v in tag["items"] if v.strip()], name
    assert ours["NumberOfImagesInMosaic"] == [str(theirs["tags"]["NumberOfImagesInMosaic"]["items"][0])]


def test_nibabel_still_fails_on_csa1_the_reason_it_is_not_used():
    """NiBabel's reader is not used because it cannot read CSA1 (see viewer/core/dicom/siemens.py).

    When an upgrade of the pinned NiBabel reads this header, this fails: then switch to it.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from nibabel.nicom import csareader

    with pytest.raises(UnboundLocalError):
        csareader.read(_csa(FIELDS, csa1=True))

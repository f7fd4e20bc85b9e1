"""The catalogue of model packs (no Qt): the bundled, installed and offered packs, grouped and ordered.

Real packs: the bundled demo CT pack, the SqueezeNet pneumonia weights imported through the
torchvision importer (installed), and, offered as files, the HybridGNet U-Net as the installer's
``--extra-packs`` writes it (a GPL-3.0 .zip) and a brainchop MeshNet imported as a pack folder.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ai.importers import import_pack
from ai.packs import files
from ai.packs.catalogue import (
    ANY,
    ANY_MODALITY,
    BUNDLED,
    FILE,
    INSTALLED,
    NEEDS_TRUST,
    OFFERED_ENV,
    READY,
    REFUSED,
    build_catalogue,
    group_catalogue,
    offered_packs_dirs,
    read_offered,
    read_offered_pack,
    short_licence,
)
from ai.packs.pack import write_checksums
from ai.packs.store import PackStore, bundled_packs_dir
from tests.ai.pack_factory import squeezenet_cxr_pack
from tests.conftest import ROOT

CXR_DICOM = "cxr_chest_xray/torchxrayvision_tests/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm"
DEMO = "outpost-demo-ct"
SQUEEZENET = "cxr-pneumonia-squeezenet"
HYBRIDGNET = "cxr-anatomy-unet-hybridgnet"
MESHNET = "brain-tissue-offered"
CHEST = "cxr-pneumonia-chest"


def _tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def packs(shared_data, tmp_path_factory):
    """The stores and an offered-packs folder, built once: real packs through the importers."""
    from installer.catalogue import build_extra_packs

    tmp = tmp_path_factory.mktemp("catalogue")
    bundled = tmp / "bundled"
    shutil.copytree(bundled_packs_dir() / DEMO, bundled / DEMO)
    user = tmp / "user"
    squeezenet_cxr_pack(shared_data, user / SQUEEZENET)
    chest = squeezenet_cxr_pack(shared_data, user / CHEST)  # the same weights, said to be for the chest
    metadata = json.loads((chest / "configs" / "metadata.json").read_text())
    metadata["name"] = CHEST
    metadata["outpost"]["body_parts"] = ["CHEST"]
    (chest / "configs" / "metadata.json").write_text(json.dumps(metadata))
    write_checksums(chest)
    offered = tmp / "offered"
    (archive,) = build_extra_packs(shared_data, offered)  # the installer's GPL-3.0 .zip
    app = shared_data / "weights_brain_mri_meshnet_brainchop_app" / "public" / "models" / "model5_gw_ae"
    import_pack("brainchop", app, offered / MESHNET, name=MESHNET)
    store = PackStore(user_dir=user, bundled_dir=bundled)
    return {"store": store, "offered": offered, "archive": archive, "tmp": tmp}


@pytest.fixture(scope="module")
def volumes(shared_data):
    """A CT (the demo phantom) and the real chest X-ray."""
    from ai.demo.phantom import make_phantom
    from viewer.core.dicom import load_series, scan

    return {"ct": make_phantom(shape=(16, 64, 64), spacing=(4.0, 4.0, 6.0)).volume,
            "cxr": load_series(scan([str(shared_data / CXR_DICOM)]).series[0])}


def _by_name(items):
    return {(item.name, item.location): item for item in items}


@pytest.mark.shared_data
def test_every_pack_is_listed_with_its_licence_size_location_and_status(packs):
    items = _by_name(build_catalogue(packs["store"], [packs["offered"]]))
    assert set(items) == {(DEMO, BUNDLED), (SQUEEZENET, INSTALLED), (CHEST, INSTALLED),
                          (HYBRIDGNET, FILE), (MESHNET, FILE)}
    demo = items[(DEMO, BUNDLED)]
    assert (demo.status, demo.licence, demo.task) == (READY, "Apache-2.0", "segmentation")
    assert demo.modalities == ("CT",)
    assert demo.size_bytes == _tree_bytes(packs["store"].bundled_dir / DEMO)
    squeezenet = items[(SQUEEZENET, INSTALLED)]
    assert squeezenet.status == READY and squeezenet.task == "classification"
    assert squeezenet.licence == "Apache License" and "MIT License" in squeezenet.licence_text
    assert squeezenet.modalities == ("CR", "DX", "OT") and squeezenet.body_parts == ()
    assert squeezenet.size_bytes == _tree_bytes(packs["store"].user_dir / SQUEEZENET)
    hybrid = items[(HYBRIDGNET, FILE)]
    assert hybrid.status == READY and hybrid.reason == ""  # it has checksums: installing asks nothing
    assert hybrid.licence == "GPL-3.0" and "GNU GENERAL PUBLIC LICENSE" in hybrid.licence_text
    assert hybrid.version == "0.1" and hybrid.dimensions == 2 and hybrid.path == packs["archive"]
    assert hybrid.size_bytes == packs["archive"].stat().st_size
    with zipfile.ZipFile(packs["archive"]) as zf:
        assert hybrid.unpacked_bytes == sum(i.file_size for i in zf.infolist()) > hybrid.size_bytes
    meshnet = items[(MESHNET, FILE)]
    assert meshnet.status == READY and meshnet.reason == ""
    assert meshnet.licence == "MIT License" and meshnet.modalities == ("MR",)
    assert meshnet.size_bytes == _tree_bytes(packs["offered"] / MESHNET)


@pytest.mark.shared_data
def test_grouped_by_modality_then_body_part_without_a_series(packs):
    groups = group_catalogue(build_catalogue(packs["store"], [packs["offered"]]))
    assert [g.title for g in groups] == ["CR, DX, OT", "CT", "MR"]
    xray = groups[0]
    assert [p.title for p in xray.parts] == ["CHEST", ANY]  # "any" last among equals
    assert [i.name for i in xray.parts[0].items] == [CHEST]
    assert [(i.name, i.location) for i in xray.parts[1].items] == [(HYBRIDGNET, FILE), (SQUEEZENET, INSTALLED)]
    assert groups[1].items[0].name == DEMO and groups[2].items[0].name == MESHNET
    assert all(g.suited == 0 for g in groups)


@pytest.mark.shared_data
def test_a_ct_series_puts_the_ct_pack_first(packs, volumes):
    items = build_catalogue(packs["store"], [packs["offered"]])
    groups = group_catalogue(items, volumes["ct"])
    assert [g.title for g in groups] == ["CT", "CR, DX, OT", "MR"]
    assert groups[0].suited == 1 and groups[1].suited == 0 and groups[2].suited == 0
    demo = groups[0].items[0]
    assert demo.suits(volumes["ct"]) and demo.verdict(volumes["ct"]).checked
    squeezenet = _by_name(items)[(SQUEEZENET, INSTALLED)]
    assert "made for CR, DX, OT" in squeezenet.unsuitable_reason(volumes["ct"])


@pytest.mark.shared_data
def test_a_chest_x_ray_puts_the_x_ray_packs_first_the_file_among_them(packs, volumes):
    cxr = volumes["cxr"]
    items = build_catalogue(packs["store"], [packs["offered"]])
    groups = group_catalogue(items, cxr)
    assert groups[0].title == "CR, DX, OT" and groups[0].suited == 3
    names = [(i.name, i.location) for i in groups[0].items]
    assert set(names) == {(CHEST, INSTALLED), (HYBRIDGNET, FILE), (SQUEEZENET, INSTALLED)}
    assert all(i.suits(cxr) for i in groups[0].items)
    assert not any(i.suits(cxr) for g in groups[1:] for i in g.items)
    assert "made for CT" in _by_name(items)[(DEMO, BUNDLED)].unsuitable_reason(cxr)
    # The file's verdict reads its metadata alone: HybridGNet records its 8-bit JSRT training inputs.
    hybrid = _by_name(items)[(HYBRIDGNET, FILE)]
    verdict = hybrid.verdict(cxr)
    assert verdict.checked and verdict.warnings == []
    assert hybrid.to_json(cxr)["unsuitable_reason"] == ""


@pytest.mark.shared_data
def test_offered_files_are_read_without_installing_or_unpacking(packs):
    before = sorted(p.relative_to(packs["tmp"]) for p in packs["tmp"].rglob("*"))
    build_catalogue(packs["store"], [packs["offered"]])
    assert sorted(p.relative_to(packs["tmp"]) for p in packs["tmp"].rglob("*")) == before
    # Once installed, the file says so (installing it again replaces it).
    user = packs["tmp"] / "user-after"
    shutil.copytree(packs["store"].user_dir, user)
    store = PackStore(user_dir=user, bundled_dir=packs["store"].bundled_dir)
    store.install(packs["archive"])
    items = _by_name(build_catalogue(store, [packs["offered"]]))
    assert (HYBRIDGNET, INSTALLED) in items
    assert "installed already (version 0.1)" in items[(HYBRIDGNET, FILE)].reason


@pytest.mark.shared_data
def test_a_file_with_a_bundled_pack_name_is_refused(packs, tmp_path):
    shutil.copytree(packs["store"].bundled_dir / DEMO, tmp_path / "offered" / "copy")
    items = _by_name(build_catalogue(packs["store"], [tmp_path / "offered"]))
    assert items[(DEMO, FILE)].status == REFUSED and "bundled with Outpost" in items[(DEMO, FILE)].reason
    assert items[(DEMO, BUNDLED)].status == READY


def _zip_with(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return path


def _symlink_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.shared_data
def test_hostile_and_broken_offers_are_listed_as_refused_with_one_line(packs, tmp_path):
    offered = tmp_path / "offered"
    offered.mkdir()
    with zipfile.ZipFile(packs["archive"]) as zf:
        good = [(info.filename, zf.read(info)) for info in zf.infolist() if not info.is_dir()]
    top = good[0][0].split("/")[0]
    _zip_with(offered / "slip.zip", [*good, ("../../evil.txt", b"outside")])
    _zip_with(offered / "link.zip", [*good, (_symlink_entry(f"{top}/configs/extra.json"), b"/etc/passwd")])
    metadata = json.dumps({"name": "huge", "padding": " " * (files.MAX_JSON_BYTES + 1)}).encode()
    _zip_with(offered / "huge.zip", [("huge/configs/metadata.json", metadata),
                                     ("huge/configs/inference.json", b"{}"), ("huge/models/model.pt", b"x")])
    _zip_with(offered / "deep.zip", [("deep/configs/metadata.json", b"[" * 5000 + b"]" * 5000),
                                     ("deep/configs/inference.json", b"{}")])
    (offered / "not-a-zip.zip").write_bytes(b"PK\x03\x04 this is not an archive")
    _zip_with(offered / "empty.zip", [("readme.txt", b"no pack here")])
    folder = offered / "linked-folder"
    shutil.copytree(packs["offered"] / MESHNET, folder)
    os.symlink("/etc/hostname", folder / "LICENSE.extra")
    os.symlink(packs["offered"] / MESHNET, offered / "link-to-a-pack")
    items = {item.path.name: item for item in read_offered([offered])}
    expected = {"slip.zip": "zip-slip", "link.zip": "is a symbolic link",
                "huge.zip": "configs/metadata.json is 4,194,336 bytes; at most",
                "deep.zip": "nests lists and objects deeper", "not-a-zip.zip": "not a zip file",
                "empty.zip": "configs/metadata.json is missing", "linked-folder": "is a symbolic link",
                "link-to-a-pack": "is a symbolic link: a pack is a folder of its own"}
    assert set(items) == set(expected)
    for name, why in expected.items():
        item = items[name]
        assert item.status == REFUSED and item.location == FILE, name
        assert why in item.reason, (name, item.reason)
        assert "\n" not in item.reason and "Traceback" not in item.reason, (name, item.reason)
    assert items["not-a-zip.zip"].size_bytes == (offered / "not-a-zip.zip").stat().st_size
    # Refused files are listed, under "any modality", after what suits; the good ones are unaffected.
    catalogue = build_catalogue(packs["store"], [offered, packs["offered"]])
    assert {(HYBRIDGNET, FILE), (MESHNET, FILE)} <= set(_by_name(catalogue))
    last = group_catalogue(catalogue)[-1]
    assert last.title == ANY_MODALITY and len(last.items) == len(expected)
    assert all(i.status == REFUSED for i in last.items)
    assert not any((tmp_path / name).exists() for name in ("evil.txt", "../evil.txt"))


def test_a_pack_folder_without_checksums_or_with_torchscript_needs_trust(tmp_path):
    demo = tmp_path / "offered" / "plain"
    shutil.copytree(bundled_packs_dir() / DEMO, demo)
    metadata = json.loads((demo / "configs" / "metadata.json").read_text())
    metadata["name"] = "plain-demo"
    (demo / "configs" / "metadata.json").write_text(json.dumps(metadata))
    (demo / files.CHECKSUMS).unlink()
    scripted = tmp_path / "offered" / "scripted"
    shutil.copytree(bundled_packs_dir() / DEMO, scripted)
    metadata["name"] = "scripted-demo"
    (scripted / "configs" / "metadata.json").write_text(json.dumps(metadata))
    (scripted / "models" / "model.pt").rename(scripted / "models" / "model.ts")
    write_checksums(scripted)
    plain, code = read_offered_pack(demo), read_offered_pack(scripted)
    assert (plain.status, code.status) == (NEEDS_TRUST, NEEDS_TRUST)
    assert "no checksums.sha256" in plain.reason and "TorchScript" in code.reason
    assert plain.licence == "Apache-2.0" and plain.size_bytes == _tree_bytes(demo)


def test_short_licence_names():
    assert short_licence("MIT License (full text in LICENSE)") == "MIT License"
    assert short_licence("GPL-3.0; JSRT images under the JSRT database terms") == "GPL-3.0"
    assert short_licence("") == "not stated" and short_licence(None) == "not stated"
    assert short_licence(["MIT", "Apache-2.0"]) == "MIT, Apache-2.0"
    assert len(short_licence("x" * 500)) == 40


def test_offered_folders_beside_the_program_and_the_chosen_one(tmp_path, monkeypatch):
    beside, chosen = tmp_path / "beside", tmp_path / "chosen"
    beside.mkdir()
    chosen.mkdir()
    monkeypatch.setenv(OFFERED_ENV, os.pathsep.join([str(beside), str(tmp_path / "missing")]))
    assert offered_packs_dirs() == [beside]
    assert offered_packs_dirs(chosen) == [beside, chosen]
    assert offered_packs_dirs(beside) == [beside]  # each folder once
    monkeypatch.delenv(OFFERED_ENV)
    assert all(p.name == "extra-packs" for p in offered_packs_dirs())


def test_the_catalogue_imports_neither_torch_nor_qt(tmp_path):
    """Building and grouping the catalogue is metadata only: the viewer's process stays free of torch."""
    code = ("import sys; from ai.packs.catalogue import build_catalogue, group_catalogue; "
            "from ai.packs.store import PackStore; "
            f"items = build_catalogue(PackStore(user_dir={str(tmp_path / 'u')!r}), [{str(tmp_path)!r}]); "
            "assert any(i.location == 'bundled' for i in items), items; group_catalogue(items); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'monai', 'captum', 'PySide6')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"

"""Provenance before installation: what ``describe_for_install`` shows, and what it refuses.

Every hostile pack carries a payload that would create a marker file if any
of it ran; each test checks the marker is still absent.
"""

from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path

import pytest

from ai.packs.provenance import describe_for_install
from tests.ai.pack_factory import make_pack, write_checksums
from tests.ai.test_ai_cli import outpost
from tests.ai.test_packs_and_inference import TINY_CONFIG, TINY_META, _tiny_state

META = dict(TINY_META, authors=["Test Lab"], license="MIT", references=["doi:10/xyz"])


class _Payload:
    """Unpickling this runs ``touch <marker>``: the pickle attack on model.pt."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _zip(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for path in folder.rglob("*"):
            zf.write(path, f"{folder.name}/{path.relative_to(folder)}")
    return archive


def _hostile_packs(tmp: Path, marker: Path) -> dict[str, Path]:
    packs = {}
    pickled = make_pack(tmp / "pickled", META, TINY_CONFIG, checksums=False)
    with open(pickled / "models" / "model.pt", "wb") as fp:
        pickle.dump({"weight": _Payload(marker)}, fp)
    write_checksums(pickled)
    packs["pickle payload in model.pt"] = pickled
    packs["pickle payload, zipped"] = _zip(pickled, tmp / "pickled.zip")

    expression = dict(TINY_CONFIG, network_def=f"$__import__('os').system('touch {marker}')")
    packs["$__import__ expression"] = make_pack(tmp / "expr", META, expression, _tiny_state())

    target = dict(TINY_CONFIG, inferer={"_target_": "subprocess.Popen", "args": [["touch", str(marker)]]})
    packs["_target_ outside the allow-list"] = make_pack(tmp / "target", META, target, _tiny_state())

    altered = make_pack(tmp / "altered", META, TINY_CONFIG, _tiny_state())
    with open(altered / "models" / "model.pt", "ab") as fp:
        fp.write(b"\0")
    packs["checksum mismatch"] = altered

    slip = tmp / "slip.zip"
    with zipfile.ZipFile(slip, "w") as zf:
        zf.writestr("../../escaped.txt", "gotcha")
    packs["zip-slip"] = slip

    truncated = make_pack(tmp / "truncated", META, TINY_CONFIG, _tiny_state(), checksums=False)
    weights = truncated / "models" / "model.pt"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    write_checksums(truncated)
    packs["truncated weights"] = truncated

    link = tmp / "link.zip"
    with zipfile.ZipFile(link, "w") as zf:
        info = zipfile.ZipInfo("link/models/model.pt")
        info.external_attr = 0o120777 << 16  # a symbolic link entry
        zf.writestr(info, "/etc/passwd")
    packs["symlink entry in the zip"] = link

    bomb = tmp / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for number in range(5):  # 5 x 1 GiB declared: beyond the 4 GiB a pack may unpack to
            info = zipfile.ZipInfo(f"bomb/models/part{number}")
            with zf.open(info, "w", force_zip64=True) as fp:
                fp.write(b"")
            zf.filelist[-1].file_size = 2**30
    packs["zip bomb (declares 5 GiB)"] = bomb
    return packs


def test_every_hostile_pack_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    packs = _hostile_packs(tmp_path, marker)
    refused = {}
    for label, path in packs.items():
        preview = describe_for_install(path)
        refused[label] = preview.refused
        assert preview.refused, label
        assert any(line.startswith("REFUSED: ") for line in preview.lines())
    print(f"refused {sum(bool(r) for r in refused.values())} of {len(packs)} tried: {refused}")
    assert not marker.exists()
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_a_verified_pack_shows_its_provenance(tmp_path):
    pack = make_pack(tmp_path / "tiny", META, TINY_CONFIG, _tiny_state())
    archive = _zip(pack, tmp_path / "tiny.zip")
    preview = describe_for_install(archive)
    assert not preview.refused and not preview.needs_confirmation
    assert (preview.name, preview.version, preview.authors, preview.licence) == ("tiny", "0.1", "Test Lab", "MIT")
    assert preview.references == ["doi:10/xyz"]
    assert preview.checksums == "verified"
    import hashlib

    assert preview.source_sha256 == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert "monai.networks.nets.UNet" in preview.runs or "UNet" in preview.runs


def test_the_cli_shows_provenance_and_needs_yes_without_checksums(tmp_path):
    data = tmp_path / "data"
    plain = make_pack(tmp_path / "plain", dict(META, name="plain"), TINY_CONFIG, _tiny_state(), checksums=False)
    refused = outpost("models", "install", str(plain), data_dir=data)
    assert refused.returncode == 1, refused.stderr
    assert "made by: Test Lab" in refused.stdout and "NO checksums.sha256" in refused.stdout
    assert refused.stderr.strip().splitlines()[-1].startswith("outpost: error: plain has no checksums.sha256")
    assert not (data / "packs" / "plain").exists() and "Traceback" not in refused.stderr
    accepted = outpost("models", "install", str(plain), "--yes", data_dir=data)
    assert accepted.returncode == 0, accepted.stderr
    assert "installed plain" in accepted.stdout


def test_the_cli_refuses_a_hostile_pack_in_one_line(tmp_path):
    marker = tmp_path / "pwned"
    pickled = _hostile_packs(tmp_path, marker)["pickle payload in model.pt"]
    result = outpost("models", "install", str(pickled), "--yes", data_dir=tmp_path / "data")
    assert result.returncode == 1
    assert "REFUSED: models/model.pt: refused" in result.stdout
    assert result.stderr.strip().splitlines()[-1].startswith("outpost: error: not installed: ")
    assert not marker.exists()
    assert not list((tmp_path / "data").rglob("model.pt"))


@pytest.mark.parametrize("missing", ["nowhere.zip"])
def test_a_missing_source_is_refused(tmp_path, missing):
    assert "no such pack" in describe_for_install(tmp_path / missing).refused


def test_the_store_refuses_every_hostile_pack_when_called_directly(tmp_path):
    """``PackStore.install`` without the preview: a pickle payload whose checksums match is still refused."""
    from ai.errors import PackRefusedError
    from ai.packs.store import PackStore

    marker = tmp_path / "pwned"
    store = PackStore(user_dir=tmp_path / "user", bundled_dir=tmp_path / "bundled")
    for label, path in _hostile_packs(tmp_path, marker).items():
        with pytest.raises(PackRefusedError):
            store.install(path, trusted=True)  # even with the user's confirmation
        assert not [p for p in store.user_dir.iterdir() if not p.name.startswith(".")], label
    assert not marker.exists()
    assert not (tmp_path.parent / "escaped.txt").exists()
    assert not list(store.user_dir.iterdir())  # no staging folder left behind either


def test_the_ai_workers_process_checks_and_installs_packs(tmp_path):
    """What the viewer's Install dialog uses: the untrusted pack is built in the worker, never here."""
    from ai.errors import PackRefusedError
    from ai.isolation import IsolatedEngine

    marker = tmp_path / "pwned"
    hostile = _hostile_packs(tmp_path, marker)
    archive = _zip(make_pack(tmp_path / "tiny", META, TINY_CONFIG, _tiny_state()), tmp_path / "tiny.zip")
    engine = IsolatedEngine()
    try:
        for label, path in hostile.items():
            assert engine.describe_for_install(path).refused == describe_for_install(path).refused, label
        with pytest.raises(PackRefusedError):
            engine.install_pack(hostile["pickle payload in model.pt"], tmp_path / "user", trusted=True)
        preview = engine.describe_for_install(archive)
        assert (preview.name, preview.checksums, preview.refused) == ("tiny", "verified", "")
        installed = engine.install_pack(archive, tmp_path / "user")
        assert (installed.name, installed.version) == ("tiny", "0.1")
        assert (tmp_path / "user" / "tiny" / "checksums.sha256").is_file()
        assert engine.pid is not None and engine.pid != os.getpid()
    finally:
        engine.close()
    assert not marker.exists()

"""Cheap checks of the installer scripts, without building (installer/ci.sh builds and smoke-tests)."""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "installer"
DEMO_PACK = ROOT / "resources" / "packs" / "outpost-demo-ct"
SCRIPTS = ["build.sh", "smoke.sh", "wheelhouse.sh", "ci.sh", "setup.sh", "macos/build-macos.sh",
           "linux/outpost", "linux/install-desktop-entry.sh"]


def _bash(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", *args], capture_output=True, text=True, cwd=cwd, timeout=60)


@pytest.fixture(scope="module")
def add_packs():
    """installer/add_packs.py as a module (installer/ is not a package)."""
    spec = importlib.util.spec_from_file_location("outpost_add_packs", INSTALLER / "add_packs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _spec_constants() -> dict:
    """The literal lists assigned in outpost.spec (DROP, excludes, METADATA), without running it."""
    tree = ast.parse((INSTALLER / "outpost.spec").read_text(), "outpost.spec")
    found: dict[str, list] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if isinstance(target, ast.Name) and isinstance(node.value, ast.List):
                try:
                    found.setdefault(target.id, []).extend(ast.literal_eval(node.value))
                except ValueError:
                    continue
    return found


@pytest.mark.parametrize("script", SCRIPTS)
def test_shell_scripts_parse_and_are_strict(script):
    path = INSTALLER / script
    assert _bash("-n", str(path)).returncode == 0
    assert "set -euo pipefail" in path.read_text()
    assert os.access(path, os.X_OK), f"{script} is not executable"


def test_the_spec_parses_and_collects_what_pyinstaller_misses():
    constants = _spec_constants()
    # entry points of the AI plugin and commands, and the decoders' entry points
    for distribution in ("outpost-viewer", "pylibjpeg", "pylibjpeg-openjpeg", "pylibjpeg-libjpeg",
                         "pylibjpeg-rle", "pyjpegls"):
        assert distribution in constants["METADATA"]
    text = (INSTALLER / "outpost.spec").read_text()
    assert 'collect_submodules("monai")' in text and 'collect_data_files("highdicom")' in text
    assert '"resources/packs"' in text


def test_the_spec_keeps_what_torch_needs():
    """ENVIRONMENT.md: never drop torch_shm_manager, torch.testing._internal or torchgen."""
    constants = _spec_constants()
    for destination in ("torch/bin/torch_shm_manager", "torch/testing/_internal/common_utils.py",
                        "torchgen/model.py", "torch/lib/libtorch_cpu.so",
                        "PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/Qt/plugins/platforms/libqoffscreen.so",
                        "resources/packs/x/models/model.pt"):
        assert not any(fnmatch.fnmatch(destination, pattern) for pattern in constants["DROP"]), destination
    for module in ("torch.testing", "torch.testing._internal", "torchgen", "PySide6.QtCore", "PySide6.QtGui",
                   "PySide6.QtWidgets", "monai", "captum", "matplotlib"):
        assert module not in constants["excludes"]


def test_build_help_and_unknown_option():
    result = _bash(str(INSTALLER / "build.sh"), "--help")
    assert result.returncode == 0 and "--packs DIR" in result.stdout
    result = _bash(str(INSTALLER / "build.sh"), "--frobnicate")
    assert result.returncode == 2 and "unknown option" in result.stderr


def test_build_refuses_a_packs_folder_that_is_not_there(tmp_path):
    result = _bash(str(INSTALLER / "build.sh"), "--packs", str(tmp_path / "nowhere"))
    assert result.returncode == 1 and "not a folder" in result.stderr


def test_smoke_refuses_a_missing_artefact(tmp_path):
    result = _bash(str(INSTALLER / "smoke.sh"), str(tmp_path / "outpost-0.1.0-linux-x86_64.tar.gz"))
    assert result.returncode == 2 and "no artefact" in result.stderr
    result = _bash(str(INSTALLER / "smoke.sh"), str(tmp_path))
    assert result.returncode == 2 and "found 0" in result.stderr
    result = _bash(str(INSTALLER / "smoke.sh"))
    assert result.returncode == 2


def test_smoke_refuses_an_artefact_without_the_program(tmp_path):
    folder = tmp_path / "outpost-0.1.0-linux-x86_64"
    folder.mkdir()
    (folder / "README.txt").write_text("no program here\n")
    artefact = tmp_path / "outpost-0.1.0-linux-x86_64.tar.gz"
    subprocess.run(["tar", "-czf", str(artefact), "-C", str(tmp_path), folder.name], check=True)
    result = _bash(str(INSTALLER / "smoke.sh"), str(artefact))
    assert result.returncode == 1 and "FAIL: the artefact has no" in result.stderr


def test_wheelhouse_help_and_missing_folder():
    result = _bash(str(INSTALLER / "wheelhouse.sh"), "--help")
    assert result.returncode == 0 and "--platform" in result.stdout
    result = _bash(str(INSTALLER / "wheelhouse.sh"))
    assert result.returncode == 2 and "name the folder" in result.stderr


def test_launcher_runs_the_bundled_program_through_a_link(tmp_path):
    folder = tmp_path / "outpost-0.1.0-linux-x86_64"
    (folder / "app").mkdir(parents=True)
    shutil.copy(INSTALLER / "linux" / "outpost", folder / "outpost")
    program = folder / "app" / "outpost"
    program.write_text('#!/bin/sh\necho "program got: $*"\n')
    program.chmod(0o755)
    link = tmp_path / "bin" / "outpost"
    link.parent.mkdir()
    link.symlink_to(folder / "outpost")
    result = subprocess.run([str(link), "view", "a b"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stdout == "program got: view a b\n"


def test_desktop_entry():
    entry = (INSTALLER / "linux" / "outpost.desktop").read_text().splitlines()
    assert entry[0] == "[Desktop Entry]"
    for key in ("Type=Application", "Name=Outpost", "Exec=outpost %F", "Icon=outpost", "Terminal=false"):
        assert key in entry


def test_bundled_packs_are_found_beside_the_frozen_program(monkeypatch, tmp_path):
    from ai.packs.store import bundled_packs_dir

    monkeypatch.delenv("OUTPOST_BUNDLED_PACKS", raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert bundled_packs_dir() == tmp_path / "resources" / "packs"


def _copy_demo(tmp_path: Path, name: str = "outpost-demo-ct") -> Path:
    target = tmp_path / "source" / name
    shutil.copytree(DEMO_PACK, target)
    return target


def test_add_packs_verifies_and_copies(add_packs, tmp_path):
    from ai.packs.pack import write_checksums

    second = _copy_demo(tmp_path, "second")
    metadata = json.loads((second / "configs" / "metadata.json").read_text())
    metadata["name"] = "outpost-demo-ct-second"
    (second / "configs" / "metadata.json").write_text(json.dumps(metadata))
    write_checksums(second)
    store = tmp_path / "bundle" / "resources" / "packs"
    shutil.copytree(DEMO_PACK, store / "outpost-demo-ct")
    stored = add_packs.add_packs(tmp_path / "source", store)
    assert [pack.name for pack in stored] == ["outpost-demo-ct-second"]
    assert stored[0].verified and (store / "outpost-demo-ct-second" / "models" / "model.pt").is_file()


def test_add_packs_refuses_a_tampered_pack_and_copies_nothing(add_packs, tmp_path, capsys):
    tampered = _copy_demo(tmp_path)
    with open(tampered / "models" / "model.pt", "ab") as weights:
        weights.write(b"\0")
    store = tmp_path / "store"
    store.mkdir()
    assert add_packs.main([str(tmp_path / "source"), "--into", str(store)]) == 1
    message = capsys.readouterr().err
    assert "pack outpost-demo-ct refused" in message and "models/model.pt does not match its checksum" in message
    assert list(store.iterdir()) == []


def test_add_packs_refuses_unverified_duplicate_and_empty(add_packs, tmp_path):
    unverified = _copy_demo(tmp_path)
    (unverified / "checksums.sha256").unlink()
    with pytest.raises(add_packs.AIError, match="no checksums.sha256"):
        add_packs.add_packs(tmp_path / "source", None)
    shutil.rmtree(unverified)
    _copy_demo(tmp_path)
    store = tmp_path / "store"
    shutil.copytree(DEMO_PACK, store / "outpost-demo-ct")
    with pytest.raises(add_packs.AIError, match="already in the bundle"):
        add_packs.add_packs(tmp_path / "source", store)
    (tmp_path / "empty").mkdir()
    with pytest.raises(add_packs.AIError, match="no packs in"):
        add_packs.add_packs(tmp_path / "empty", None)


def test_catalogue_builds_only_redistributable_packs(add_packs, shared_data, tmp_path):
    spec = importlib.util.spec_from_file_location("outpost_catalogue", INSTALLER / "catalogue.py")
    catalogue = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(catalogue)
    arguments = [str(shared_data), str(tmp_path / "bundle"), "--extra-packs", str(tmp_path / "extra")]
    assert catalogue.main(arguments) == 0
    stored = add_packs.add_packs(tmp_path / "bundle", tmp_path / "store")
    assert sorted(pack.name for pack in stored) == sorted(catalogue.BUNDLED) and len(stored) == 7
    for pack in stored:
        assert (pack.root / "LICENSE").is_file() and pack.verified
        source = json.loads((pack.root / "configs" / "metadata.json").read_text())["outpost"]["source"]
        assert "MIT" in source["licence_text"] and source["files"] and all(f["sha256"] for f in source["files"])
    # the GPL HybridGNet only as a separate .zip, never among the bundled packs
    assert [p.name for p in (tmp_path / "extra").iterdir()] == ["cxr-anatomy-unet-hybridgnet.zip"]
    assert not any("hybridgnet" in pack.name for pack in stored)
    assert "--extra-packs DIR" in _bash(str(INSTALLER / "build.sh"), "--help").stdout

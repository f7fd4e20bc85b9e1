"""Add model packs to a bundle's read-only pack store, after verifying them.

Usage: ``python installer/add_packs.py SOURCE_DIR [--into STORE_DIR]``

Every pack in ``SOURCE_DIR`` (a pack folder, or a ``.zip`` of one) must carry
``checksums.sha256`` that matches its files, valid configs, and a network that
builds on the CPU. A failing pack is refused with its reason and nothing is
copied. Without ``--into`` the packs are only checked.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ai.errors import AIError  # noqa: E402
from ai.packs.pack import Pack, extract_zip, read_pack  # noqa: E402


def find_packs(source: Path) -> list[Path]:
    """The pack folders and ``.zip`` files directly inside ``source``, sorted by name.

    Parameters
    ----------
    source
        A folder of packs.

    Returns
    -------
    list of Path
        Sub-folders (not hidden) and ``.zip`` files.
    """
    if not source.is_dir():
        raise AIError(f"{source} is not a folder")
    return sorted(p for p in source.iterdir()
                  if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() == ".zip"))


def check_pack(path: Path, unpack_to: Path) -> Pack:
    """Read and verify one pack; a ``.zip`` is unpacked into ``unpack_to`` first.

    Parameters
    ----------
    path
        A pack folder or ``.zip``.
    unpack_to
        An empty folder for the unpacked ``.zip``.

    Returns
    -------
    Pack
        The verified pack (its ``root`` is the folder to copy).

    Raises
    ------
    AIError
        The pack has no checksums, a file differs from its checksum, its configs
        are wrong, or its network does not build (``PackRefusedError`` and
        ``PackUnavailableError`` are both ``AIError``).
    """
    root = extract_zip(path, unpack_to) if path.is_file() else path
    pack = read_pack(root)
    if not pack.verified:
        raise AIError("no checksums.sha256: only verified packs are bundled")
    import torch

    pack.build(torch.device("cpu"))
    return pack


def store_folder_name(name: str) -> str:
    """The folder name a pack gets in the store (as ``PackStore.install`` names it)."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._")
    return cleaned or "pack"


def add_packs(source: Path, store: Path | None) -> list[Pack]:
    """Verify every pack in ``source`` and, when ``store`` is given, copy them into it.

    Parameters
    ----------
    source
        A folder of packs (folders or ``.zip`` files).
    store
        The bundle's pack store (``_internal/resources/packs``), or ``None`` to only check.

    Returns
    -------
    list of Pack
        The packs as stored (or as checked).

    Raises
    ------
    AIError
        The folder holds no pack, a pack fails verification (the message names
        it and gives the reason), or two packs would share a store folder.
        Nothing is copied then.
    """
    paths = find_packs(source)
    if not paths:
        raise AIError(f"no packs in {source}")
    existing = {p.name for p in store.iterdir()} if store is not None and store.is_dir() else set()
    with tempfile.TemporaryDirectory(prefix="outpost-packs-") as scratch:
        checked: list[tuple[str, Pack]] = []
        for index, path in enumerate(paths):
            try:
                pack = check_pack(path, Path(scratch) / str(index))
            except AIError as e:
                raise AIError(f"pack {path.name} refused: {e}") from e
            folder = store_folder_name(pack.name)
            if folder in existing:
                raise AIError(f"pack {path.name} refused: a pack named {pack.name} is already in the bundle")
            existing.add(folder)
            checked.append((folder, pack))
        if store is None:
            return [pack for _, pack in checked]
        stored = []
        for folder, pack in checked:
            shutil.copytree(pack.root, store / folder)
            stored.append(read_pack(store / folder))
        return stored


def main(argv: list[str] | None = None) -> int:
    """Check (and add) packs; print one line per pack; exit 1 on a refused pack."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, metavar="SOURCE_DIR")
    parser.add_argument("--into", type=Path, metavar="STORE_DIR", help="the bundle's pack store")
    args = parser.parse_args(argv)
    try:
        packs = add_packs(args.source, args.into)
    except AIError as e:
        print(f"add_packs: error: {e}", file=sys.stderr)
        return 1
    for pack in packs:
        action = "added" if args.into else "verified"
        print(f"{action} pack {pack.name} {pack.version} (sha256 {pack.checksum[:16]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

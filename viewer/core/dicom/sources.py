"""Where a DICOM file's bytes come from: a plain file or a member of a .zip."""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True, order=True)
class Source:
    """The location of one DICOM file.

    Attributes
    ----------
    path
        The file on disk, or the ``.zip`` holding it.
    member
        The name inside the ``.zip``; ``None`` for a plain file.
    """

    path: str
    member: str | None = None

    def __str__(self) -> str:
        return f"{self.path}!{self.member}" if self.member else self.path

    @property
    def is_file(self) -> bool:
        """Whether the bytes sit in a plain file that can be read at an offset."""
        return self.member is None

    def open(self) -> BinaryIO:
        """Open the bytes for reading; members of a zip are read into memory."""
        if self.member is None:
            return open(self.path, "rb")
        with zipfile.ZipFile(self.path) as archive:
            return io.BytesIO(archive.read(self.member))

    def size(self) -> int:
        """Size in bytes of the file (of the uncompressed member for a zip)."""
        if self.member is None:
            return os.path.getsize(self.path)
        with zipfile.ZipFile(self.path) as archive:
            return archive.getinfo(self.member).file_size

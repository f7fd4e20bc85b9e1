"""What the reading workstation compares of a series: modality, body part, description, plane.

One description of a series for the prior search (:mod:`viewer.model.priors`: scanned series and
a PACS's C-FIND answers scored alike) and the hanging protocols (:mod:`viewer.model.hanging`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, cast

import numpy as np

from viewer.core.mpr import PROJECTION, PROJECTION_MODALITIES

if TYPE_CHECKING:
    from viewer.core.dicom.scan import Series

#: Characters of a text kept and compared: a 10,000-character description must not slow the matching.
TEXT_LIMIT = 128


def clean_text(value: object) -> str:
    """A header or peer value as short text (``""`` for none)."""
    return str(value or "").strip()[:TEXT_LIMIT]


def plane_of_orientation(orientation: Sequence[float] | None, modality: str = "") -> str:
    """The patient plane of Image Orientation (Patient) ``orientation`` (six cosines).

    ``"projection"`` for the projection modalities (a radiograph has no slice plane), ``""`` when unknown.
    """
    if (modality or "").upper() in PROJECTION_MODALITIES:
        return PROJECTION
    if orientation is None or len(orientation) != 6:
        return ""
    normal = np.cross(np.asarray(orientation[:3], dtype=float), np.asarray(orientation[3:], dtype=float))
    return ("sagittal", "coronal", "axial")[int(np.argmax(np.abs(normal)))]


@dataclass(frozen=True)
class SeriesFacts:
    """What the comparison and the hanging protocols look at in a series.

    Attributes
    ----------
    modality, body_part
        Upper case (``"CT"``, ``"CHEST"``); ``""`` when unknown.
    description
        Cut to :data:`TEXT_LIMIT` characters.
    plane
        ``"axial"``, ``"coronal"``, ``"sagittal"``, ``"projection"``, or ``""`` when unknown (a
        C-FIND answer does not say).
    """

    modality: str = ""
    body_part: str = ""
    description: str = ""
    plane: str = ""

    @classmethod
    def make(cls, modality: object, body_part: object = "", description: object = "",
             plane: str = "") -> SeriesFacts:
        """Facts from raw values (trimmed, cut short, codes upper-cased)."""
        return cls(clean_text(modality).upper(), clean_text(body_part).upper(), clean_text(description), plane)

    @classmethod
    def of_series(cls, series: Series) -> SeriesFacts:
        """The facts of a scanned :class:`viewer.core.dicom.scan.Series`."""
        orientation = next((ref.frame.orientation for ref in series.frames if ref.frame.orientation), None)
        modality = clean_text(series.modality)
        return cls.make(modality, series.first.series.get("body_part", ""), series.description,
                        plane_of_orientation(orientation, modality))


class CarriesFacts(Protocol):
    """Anything that carries its series' facts (a PACS's series)."""

    @property
    def facts(self) -> SeriesFacts:
        """The series' facts."""
        ...


def facts_of(series: Series | CarriesFacts | SeriesFacts) -> SeriesFacts:
    """The :class:`SeriesFacts` of a scanned series, of anything carrying ``facts``, or the facts themselves.

    Anything carrying ``facts`` is, say, a PACS's series.
    """
    if isinstance(series, SeriesFacts):
        return series
    carried = getattr(series, "facts", None)
    if isinstance(carried, SeriesFacts):
        return carried
    return SeriesFacts.of_series(cast("Series", series))

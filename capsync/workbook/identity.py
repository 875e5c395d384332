"""The hidden identity every generated workbook carries.

A grid that was renamed, e-mailed back or moved still says which collectif,
structure, référentiel version and layout it belongs to; ``capsync import``
and ``generate --upgrade`` rely on it rather than on file names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from capsync.workbook.grid_schema import IDENTITY_SHEET

__all__ = ["IDENTITY_SHEET", "Identity", "identity_from_rows", "identity_rows"]


@dataclass(frozen=True)
class Identity:
    kind: str  # "grille", "tableau-de-bord", "restitution", "calendrier"
    collective: str
    structure: str = ""
    referentiel_id: str = ""
    referentiel_version: str = ""
    layout_version: int = 0
    respondents: tuple[str, ...] = ()  # respondent column keys, in order
    campaign: str = ""  # a grid's campaign (« 2025-2026 »); "" for grids made before campaigns

    def as_metadata(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "collective": self.collective,
            "structure": self.structure,
            "referentiel_id": self.referentiel_id,
            "referentiel_version": self.referentiel_version,
            "layout_version": str(self.layout_version),
            "respondents": "|".join(self.respondents),
            **({"campaign": self.campaign} if self.campaign else {}),
        }


def identity_rows(metadata: Mapping[str, str]) -> list[list[Any]]:
    """The rows of the hidden identity sheet: one key and its value per row."""
    return [["clé", "valeur"], *([k, v] for k, v in metadata.items())]


def identity_from_rows(rows: Iterable[Iterable[Any]]) -> Identity | None:
    """Read an identity sheet back; None when it is not one of ours."""
    found: dict[str, str] = {}
    for row in rows:
        cells = list(row)
        if len(cells) >= 2 and isinstance(cells[0], str):
            found[cells[0]] = "" if cells[1] is None else str(cells[1])
    if "kind" not in found or "collective" not in found:
        return None
    try:
        layout = int(float(found.get("layout_version") or 0))
    except ValueError:
        layout = 0
    respondents = tuple(k for k in found.get("respondents", "").split("|") if k)
    return Identity(
        kind=found["kind"],
        collective=found["collective"],
        structure=found.get("structure", ""),
        referentiel_id=found.get("referentiel_id", ""),
        referentiel_version=found.get("referentiel_version", ""),
        layout_version=layout,
        respondents=respondents,
        campaign=found.get("campaign", ""),
    )

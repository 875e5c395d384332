"""Names of the workbooks capsync keeps, and the raw values read back from them.

Shared by every writer and reader of a workbook (layouts, parsing, backends),
so they live below all of them: a layout names what it builds without knowing
where a backend will keep it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from capsync.campaign.config import NETWORK_ID

RawValue = str | int | float | bool | dt.date | dt.datetime | dt.time | None
RawWorkbook = dict[str, list[list[Any]]]
"""Sheet name → rows of cell values as Python objects, in sheet order."""


class Kind(StrEnum):
    """The kinds of workbook capsync writes for a collectif."""

    GRID = "grille"
    DASHBOARD = "tableau-de-bord"
    RESTITUTION = "restitution"
    CALENDAR = "calendrier"
    TO_FIX = "a-corriger"  # a structure's own live workbook: anomalies and suggested services
    REGROUPEMENT = "regroupement"  # the délégué·e·s' kit for one regroupement
    PERSONAL = "grille-personnelle"  # one respondent's own file: « <structure>/<respondent> »
    NETWORK = "reseau"  # COORACE national's network workbook: ``NETWORK_REF`` only


NETWORK_FOLDER = NETWORK_ID
"""Where the network workbook lives, beside the collectifs' folders (a reserved collectif ID)."""


STRUCTURE_KINDS = (Kind.RESTITUTION, Kind.TO_FIX)
"""Kinds kept in a structure's own folder, shared with that structure's contacts only."""


@dataclass(frozen=True, order=True)
class WorkbookRef:
    """Names one workbook independently of where a backend keeps it."""

    collective: str
    kind: Kind
    name: str = ""  # the structure id; « <structure>/<file stem> » for a restitution

    def __str__(self) -> str:
        return f"{self.collective}/{self.kind.value}/{self.name}".rstrip("/")

    @property
    def structure(self) -> str:
        """The structure a grid, a restitution or an « À corriger » workbook belongs to."""
        return self.name.split("/", 1)[0]

    @property
    def stem(self) -> str:
        """The file name without its extension, inside the folder of its kind."""
        return self.name.split("/", 1)[-1]


NETWORK_REF = WorkbookRef(NETWORK_FOLDER, Kind.NETWORK)
"""The one network workbook (``capsync reseau``), read by the national contacts only."""


def restitution_ref(collective: str, structure: str, stem: str) -> WorkbookRef:
    """One dated restitution of a structure (« restitution-chapitre-2-2026-03-03 »)."""
    return WorkbookRef(collective, Kind.RESTITUTION, f"{structure}/{stem}")


def raw_cell(raw: RawWorkbook, sheet: str, row: int, col: int) -> Any:
    """The value at (row, col) of ``sheet``, None past the end."""
    rows = raw.get(sheet, [])
    if row >= len(rows) or col >= len(rows[row]):
        return None
    return rows[row][col]

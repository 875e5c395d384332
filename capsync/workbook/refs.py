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

RawValue = str | int | float | bool | dt.date | dt.datetime | dt.time | None
RawWorkbook = dict[str, list[list[Any]]]
"""Sheet name → rows of cell values as Python objects, in sheet order."""


class Kind(StrEnum):
    """The kinds of workbook capsync writes for a collectif."""

    GRID = "grille"
    DASHBOARD = "tableau-de-bord"
    RESTITUTION = "restitution"
    CALENDAR = "calendrier"


@dataclass(frozen=True, order=True)
class WorkbookRef:
    """Names one workbook independently of where a backend keeps it."""

    collective: str
    kind: Kind
    name: str = ""  # the structure id for grids and restitutions

    def __str__(self) -> str:
        return f"{self.collective}/{self.kind.value}/{self.name}".rstrip("/")


def raw_cell(raw: RawWorkbook, sheet: str, row: int, col: int) -> Any:
    """The value at (row, col) of ``sheet``, None past the end."""
    rows = raw.get(sheet, [])
    if row >= len(rows) or col >= len(rows[row]):
        return None
    return rows[row][col]

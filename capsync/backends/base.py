"""The small protocol every backend implements, and the names of what it stores.

Backends are thin: they render a :class:`~capsync.spec.WorkbookSpec`, read raw
cell values back and tell cheaply which workbooks changed. Everything else
(parsing, scoring, deciding what to write) is backend-neutral, which is what
lets one test suite run on both backends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from ..spec import WorkbookSpec

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


class Backend(Protocol):
    """What the sync needs from a place that holds workbooks."""

    name: str

    def exists(self, ref: WorkbookRef) -> bool:
        """Whether the workbook is there (generate creates only the missing ones)."""
        ...

    def write(self, ref: WorkbookRef, spec: WorkbookSpec) -> None:
        """Create or replace the workbook atomically; raise FileLocked when a person has it open."""
        ...

    def read(self, ref: WorkbookRef) -> RawWorkbook:
        """Every sheet's values; raise BackendError with a French message when unreadable."""
        ...

    def versions(self, collective: str, kind: Kind) -> dict[WorkbookRef, str]:
        """One cheap listing: each workbook of that kind and an opaque token that changes
        whenever its content may have changed (size and mtime, Drive version...)."""
        ...

    def write_file(self, ref: WorkbookRef, extension: str, content: bytes) -> object:
        """A companion file of a workbook (the calendar's .ics, a restitution's .pdf)."""
        ...

    def backup(self, ref: WorkbookRef, stamp: dt.datetime) -> str:
        """Keep a dated copy before a workbook is replaced; return where it went."""
        ...

    def location(self, ref: WorkbookRef) -> str:
        """Where a person finds the workbook (a path or a URL), for messages."""
        ...


def raw_cell(raw: RawWorkbook, sheet: str, row: int, col: int) -> Any:
    """The value at (row, col) of ``sheet``, None past the end."""
    rows = raw.get(sheet, [])
    if row >= len(rows) or col >= len(rows[row]):
        return None
    return rows[row][col]

"""Carry a grid's typed values into its new version (pure), for ``generate --upgrade``.

When the référentiel or the respondents change, a grid is rebuilt around what
people typed. Every person-typed cell of the old workbook is found by
criterion ID and column key (:mod:`capsync.grid_locate`), never by position,
and either placed — as typed, without normalisation — in the new grid, or kept
in the « Archives » sheet with where it came from. Nothing is dropped:

- answers of a criterion still applicable, for a column still in the grid → moved;
- answers of a removed or no-longer-applicable criterion, of a respondent no
  longer configured, and the content of rows, columns and sheets the structure
  added → « Archives »;
- the « Archives » rows of the old grid → kept; the plan de progrès rows → carried.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .config import Structure
from .grid_locate import LocatedSheet, locate_chapter_sheet, locate_plan_sheet
from .identity import Identity, identity_from_rows
from .layout.grid import ARCHIVE_COLUMNS, Carried
from .layout.grid_schema import (
    ARCHIVE_SHEET,
    GUIDE_SHEET,
    IDENTITY_SHEET,
    LAYOUT_VERSION,
    LEADING_COLUMNS,
    PLAN_COLUMNS,
    PLAN_SHEET,
    RESPONDENT_PREFIX,
    TRAILING_COLUMNS,
    respondent_columns,
)
from .referentiel import Referentiel
from .spec import Value, cell_a1

LISTS_SHEET = "_listes"  # written by the xlsx renderer for long drop-downs
GENERATED_KEYS = frozenset(key for key, _, _ in LEADING_COLUMNS)
TRAILING_KEYS = tuple(key for key, _, _ in TRAILING_COLUMNS)
ANONYMOUS_HEADER = re.compile(r"^Répondant·e \d+$")
ANONYMOUS_KEY = re.compile(rf"^{RESPONDENT_PREFIX}\d+$")


class Moved:
    """Names of the counters of an :class:`UpgradeReport` (French, as printed)."""

    ANSWERS = "réponses déplacées"
    REMOVED = "réponses de critères retirés archivées"
    NOT_APPLICABLE = "réponses de critères non applicables archivées"
    RESPONDENT = "réponses de répondant·e·s retiré·e·s archivées"
    ADDED_COLUMN = "cellules de colonnes ajoutées archivées"
    ADDED_ROW = "cellules de lignes ajoutées archivées"
    ADDED_SHEET = "cellules de feuilles ajoutées archivées"
    DUPLICATE = "cellules de lignes en double archivées"
    ARCHIVES_KEPT = "lignes d'archives conservées"
    PLAN_ROWS = "lignes du plan de progrès reprises"
    HEADERS = "en-têtes de répondant·e·s conservés"
    NEW_RESPONDENTS = "nouvelles colonnes de répondant·e·s"


@dataclass
class UpgradeReport:
    """What an upgrade did to one grid, counted by kind."""

    structure: str
    counts: Counter[str] = field(default_factory=Counter)
    backup: str = ""

    def text(self) -> str:
        parts = [f"{n} {kind}" for kind, n in self.counts.items() if n]
        return ", ".join(parts) if parts else "aucune donnée saisie"


def needs_upgrade(identity: Identity, referentiel: Referentiel, structure: Structure) -> bool:
    """Whether the grid was built for another layout, référentiel version or respondents."""
    keys = tuple(r.key for r in respondent_columns(structure))
    return (
        identity.layout_version != LAYOUT_VERSION
        or identity.referentiel_id != referentiel.id
        or identity.referentiel_version != referentiel.version
        or identity.respondents != keys
    )


def read_identity(raw: dict[str, list[list[Any]]]) -> Identity | None:
    rows = raw.get(IDENTITY_SHEET)
    return identity_from_rows(rows) if rows is not None else None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell(rows: Sequence[Sequence[Any]], r: int, c: int) -> Any:
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


class _Carrier:
    """Collects the moved values and the archive rows of one old grid."""

    def __init__(self, referentiel: Referentiel, structure: Structure, today: dt.date):
        self.referentiel = referentiel
        self.structure = structure
        self.today = today
        self.new_keys = [r.key for r in respondent_columns(structure)]
        self.input_keys = {*self.new_keys, *TRAILING_KEYS}
        self.applicable = {c.id for c in referentiel.criteria_for(structure.type)}
        self.carried = Carried()
        self.report = UpgradeReport(structure.id)
        self.fresh_archives: list[list[Value]] = []

    def archive(
        self, kind: str, sheet: str, r: int, c: int, cid: Any, label: str, value: Any
    ) -> None:
        row: list[Value] = [sheet, cell_a1(r, c), cid or None, label or None, value, self.today]
        self.fresh_archives.append(row)
        self.report.counts[kind] += 1

    def chapter(self, sheet: str, rows: list[list[Any]], located: LocatedSheet) -> None:
        title_col = located.columns.get("critere")
        for key, col in located.columns.items():
            if key in GENERATED_KEYS:
                continue
            header = located.headers.get(key, key)
            if (
                key.startswith(RESPONDENT_PREFIX)
                and header
                and not ANONYMOUS_HEADER.match(header)
                and ANONYMOUS_KEY.match(key)
            ):
                self._header(sheet, located.header_row, col, key, header)
        for cid, r in located.rows.items():
            title = _text(_cell(rows, r, title_col)) if title_col is not None else ""
            for key, col in located.columns.items():
                value = _cell(rows, r, col)
                if key in GENERATED_KEYS or _blank(value):
                    continue
                label = f"{title} — {located.headers.get(key) or key}" if title else key
                if cid not in self.referentiel.criteria:
                    self.archive(Moved.REMOVED, sheet, r, col, cid, label, value)
                elif cid not in self.applicable:
                    self.archive(Moved.NOT_APPLICABLE, sheet, r, col, cid, label, value)
                elif key not in self.input_keys:
                    self.archive(Moved.RESPONDENT, sheet, r, col, cid, label, value)
                elif (cid, key) in self.carried.answers:  # the same criterion on two sheets
                    self.archive(Moved.DUPLICATE, sheet, r, col, cid, label, value)
                else:
                    self.carried.answers[(cid, key)] = value
                    self.report.counts[Moved.ANSWERS] += 1
        id_col = located.columns.get("id")
        for cid, r in located.duplicate_ids:
            for key, col in located.columns.items():
                value = _cell(rows, r, col)
                if key not in GENERATED_KEYS and not _blank(value):
                    header = located.headers.get(key) or key
                    self.archive(Moved.DUPLICATE, sheet, r, col, cid, header, value)
        extra_cols = {c for c, _ in located.extra_columns}
        for r in located.extra_rows:
            for c, value in enumerate(rows[r]):
                if c not in extra_cols and c != id_col and not _blank(value):
                    header = _text(_cell(rows, located.header_row, c))
                    self.archive(Moved.ADDED_ROW, sheet, r, c, None, header, value)
        for c, header in located.extra_columns:
            for r in range(located.header_row, len(rows)):
                value = _cell(rows, r, c)
                if _blank(value):
                    continue
                cid = _text(_cell(rows, r, id_col)) if id_col is not None else ""
                label = header if r > located.header_row else "en-tête de colonne ajoutée"
                self.archive(Moved.ADDED_COLUMN, sheet, r, c, cid, label, value)

    def _header(self, sheet: str, r: int, c: int, key: str, header: str) -> None:
        if key in self.new_keys:
            if key not in self.carried.respondent_headers:
                self.carried.respondent_headers[key] = header
                self.report.counts[Moved.HEADERS] += 1
        else:
            self.archive(Moved.RESPONDENT, sheet, r, c, None, "en-tête de colonne", header)

    def plan(self, sheet: str, rows: list[list[Any]], located: LocatedSheet) -> None:
        keys = [key for key, _, _ in PLAN_COLUMNS]
        for r in located.data_rows:
            values = [
                _cell(rows, r, located.columns[k]) if k in located.columns else None for k in keys
            ]
            if any(not _blank(v) for v in values):
                self.carried.plan_rows.append(values)
                self.report.counts[Moved.PLAN_ROWS] += 1
        for c, header in located.extra_columns:
            for r in range(located.header_row, len(rows)):
                value = _cell(rows, r, c)
                if not _blank(value):
                    label = header if r > located.header_row else "en-tête de colonne ajoutée"
                    self.archive(Moved.ADDED_COLUMN, sheet, r, c, None, label, value)

    def old_archives(self, rows: list[list[Any]]) -> None:
        keys = [key for key, _, _ in ARCHIVE_COLUMNS]
        start = next(
            (i + 2 for i, row in enumerate(rows[:12]) if [_text(v) for v in row[:2]] == keys[:2]),
            3,
        )
        for row in rows[start:]:
            if any(not _blank(v) for v in row):
                self.carried.archive_rows.append(list(row))
                self.report.counts[Moved.ARCHIVES_KEPT] += 1

    def whole_sheet(self, sheet: str, rows: list[list[Any]]) -> None:
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if not _blank(value):
                    self.archive(Moved.ADDED_SHEET, sheet, r, c, None, "feuille ajoutée", value)


def carry_over(
    raw: dict[str, list[list[Any]]],
    referentiel: Referentiel,
    structure: Structure,
    today: dt.date,
) -> tuple[Carried, UpgradeReport]:
    """Everything typed in the old grid ``raw``, placed for the new grid or archived."""
    identity = read_identity(raw)
    old_keys = identity.respondents if identity else ()
    carrier = _Carrier(referentiel, structure, today)
    for sheet, rows in raw.items():
        if sheet in (IDENTITY_SHEET, LISTS_SHEET, GUIDE_SHEET):
            continue
        if sheet == ARCHIVE_SHEET:
            carrier.old_archives(rows)
            continue
        if sheet == PLAN_SHEET:
            located = locate_plan_sheet(sheet, rows)
            if located is not None:
                carrier.plan(sheet, rows, located)
                continue
        else:
            located = locate_chapter_sheet(sheet, rows, old_keys)
            if located is not None and "id" in located.columns:
                carrier.chapter(sheet, rows, located)
                continue
        carrier.whole_sheet(sheet, rows)
    carrier.carried.archive_rows += carrier.fresh_archives
    new_keys = set(carrier.new_keys) - set(old_keys)
    carrier.report.counts[Moved.NEW_RESPONDENTS] += len(new_keys) if identity else 0
    return carrier.carried, carrier.report

"""Which cells of a live grid to fill with answers recorded from another file (pure).

When a structure on Google Sheets sends back an Excel or LibreOffice copy
(``capsync import``), its answers are recorded by the ownership rules
(:mod:`capsync.store.ownership`), then typed into the Google grid. People may
be typing in that grid at the same moment, so the grid is never rewritten
whole: only the cells the store holds an answer for are candidates, and a
candidate is written only where the grid is empty *and* was empty when capsync
last read it. A non-empty cell is a person's answer: if it differs from the
store, the recording already made a « copies en conflit » anomaly (or the next
pull will), and the cell stays as the person left it. A cell emptied since
capsync last read it was emptied by a person: left empty too.

Plan de progrès rows go back to the row the store keeps them at (the row they
will be read from next time, so nothing is counted twice), when that row is
empty in the grid and was empty when last read.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from capsync.campaign.referentiel import Referentiel
from capsync.parse.locate import locate_chapter_sheet, locate_plan_sheet
from capsync.workbook.grid_schema import (
    COL_RETAINED,
    PLAN_COLUMNS,
    PLAN_COMPUTED,
    PLAN_ROWS,
    PLAN_SHEET,
    RESPONDENT_PREFIX,
    REVIEW_LEVEL_KEYS,
    chapter_sheet_name,
    plan_criterion_choice,
)
from capsync.workbook.refs import RawValue, RawWorkbook

Key = tuple[str, str]  # (criterion, column key)
CellAt = tuple[str, int, int]  # (sheet, 0-based row, 0-based column)
PLAN_KEYS = tuple(key for key, _, _ in PLAN_COLUMNS)


@dataclass
class SheetPatch:
    """The cells to type into the grid, and what stays only in the store (and why)."""

    cells: dict[CellAt, RawValue] = field(default_factory=dict)
    kept: list[Key] = field(default_factory=list)  # the grid holds a person's value here
    no_place: list[Key] = field(default_factory=list)  # row or column not in the grid
    kept_rows: list[int] = field(default_factory=list)  # plan rows the grid uses otherwise


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _at(rows: Sequence[Sequence[Any]], r: int, c: int) -> Any:
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else None


def is_level_column(key: str) -> bool:
    return key.startswith(RESPONDENT_PREFIX) or key in (COL_RETAINED, *REVIEW_LEVEL_KEYS)


def typed_value(key: str, text: str) -> RawValue:
    """What to type for a recorded cell: a level typed as a number (« 3 », « 0,5 ») goes back
    as a number, so the grid's formulas count it; anything else as the text it was."""
    if is_level_column(key):
        try:
            number = float(text.replace(",", ".").strip())
        except ValueError:
            return text
        return int(number) if number.is_integer() else number
    return text


def answers_patch(
    raw: RawWorkbook,
    referentiel: Referentiel,
    current: Mapping[Key, str],
    seen: Collection[Key],
    patch: SheetPatch | None = None,
) -> SheetPatch:
    """The answer and text cells to fill: ``current`` is the store's (criterion, column) →
    text, ``seen`` the cells capsync last saw holding something in this grid."""
    patch = patch or SheetPatch()
    chapter_of = referentiel.chapter_of
    located = {}
    for key, text in sorted(current.items()):
        if not text or key in seen:
            continue  # nothing to bring, or the grid had it: the person's to keep or clear
        chapter = chapter_of.get(key[0])
        sheet = chapter_sheet_name(chapter.id) if chapter else ""
        if sheet not in located and sheet in raw:
            located[sheet] = locate_chapter_sheet(sheet, raw[sheet],
                                                  known_ids=referentiel.criteria)  # fmt: skip
        where = located.get(sheet)
        if where is None or key[0] not in where.rows or key[1] not in where.columns:
            patch.no_place.append(key)
            continue
        r, c = where.rows[key[0]], where.columns[key[1]]
        if _blank(_at(raw[sheet], r, c)):
            patch.cells[(sheet, r, c)] = typed_value(key[1], text)
        else:
            patch.kept.append(key)
    return patch


def plan_patch(
    raw: RawWorkbook,
    referentiel: Referentiel,
    plan: Mapping[int, Sequence[Any]],
    seen_rows: Collection[int],
    patch: SheetPatch | None = None,
) -> SheetPatch:
    """The plan rows to fill: ``plan`` is the store's rows by 1-based sheet row (values in
    the order of the grid's plan columns), ``seen_rows`` the rows last seen in this grid."""
    patch = patch or SheetPatch()
    rows = raw.get(PLAN_SHEET, [])
    where = locate_plan_sheet(PLAN_SHEET, rows) if rows else None
    if where is None:
        patch.kept_rows += sorted(plan)
        return patch
    last = where.first_data_row + PLAN_ROWS  # the rows the grid was generated with
    titles = {c.id: c.title for c in referentiel.criteria.values()}
    for number, values in sorted(plan.items()):
        r = number - 1
        row = rows[r] if r < len(rows) else []
        computed = {where.columns[k] for k in PLAN_COMPUTED if k in where.columns}
        taken = any(not _blank(v) for c, v in enumerate(row) if c not in computed)
        if number in seen_rows or taken or r < where.first_data_row or r >= last:
            if not (number in seen_rows and taken):  # not simply the grid's own row
                patch.kept_rows.append(number)
            continue
        for key, value in zip(PLAN_KEYS, values, strict=True):
            if key not in where.columns or key in PLAN_COMPUTED or value in (None, ""):
                continue
            if key == "critere" and value in titles:
                value = plan_criterion_choice(str(value), titles[str(value)])
            patch.cells[(PLAN_SHEET, r, where.columns[key])] = value
    return patch

"""A grid's formulas moved to hidden twin sheets, so that a pull reads little (pure).

A chapter row's consensus formulas (:mod:`capsync.layout.consensus`) are 7 KB of
XML for four cells, and the plan's « niveau actuel » lookups 1 KB a line: together
three quarters of the bytes of the sheets a pull decompresses and hands to
calamine, for values no parser reads (the dashboards compute their own). Each
sheet with formulas gets a hidden twin, « _calculs Chapitre 1 », holding its
formulas at the very same cells; a pull never reads it (like the guide,
:data:`~capsync.workbook.grid_schema.UNPARSED_SHEETS`).

- The visible cell shows the twin's result: ``='_calculs Chapitre 1'!M5``.
- Each cell the formulas read is copied into the twin at its own place, as
  text: ``=""&'Chapitre 1'!C5``. Text is what the formulas looked at already
  (``LEFT``, ``TRIM``, ``FIND`` on « 3 - Maîtrisé » or on a typed 3), and an
  empty cell stays "" where a bare reference would give 0, a level.
- The formulas themselves are unchanged, so Excel, LibreOffice and Google
  Sheets compute the same values as when they sat in the row
  (``tests/test_consensus.py`` recalculates a grid in LibreOffice).

Rows a structure sorts, inserts or deletes keep their results with them, as
before: whether a spreadsheet shifts a moved formula's references like a copy
(Excel, LibreOffice) or makes references follow the moved cells, the visible
cell and the cells its twin reads stay on the same row, and a spreadsheet that
did neither would have broken the formulas in the row alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from capsync.workbook.grid_schema import CALC_PREFIX
from capsync.workbook.spec import Formula, SheetSpec, Value, cell_a1

SHEET_NAME_LIMIT = 31  # Excel's longest sheet name
_OTHER_SHEET = re.compile(r"(?:'(?:[^']|'')*'|[A-Za-z_][\w.]*)!\$?[A-Z]{1,3}\$?\d+"
                          r"(?::\$?[A-Z]{1,3}\$?\d+)?")  # fmt: skip
_REF = re.compile(r"(?<![\w$.])\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?(?![\w(!])")


def twin_name(sheet: str, taken: Sequence[str] = ()) -> str:
    """« _calculs Chapitre 1 »: the hidden sheet holding ``sheet``'s formulas."""
    name = (CALC_PREFIX + sheet)[:SHEET_NAME_LIMIT]
    n = 2
    while name in taken:  # two long names cut alike
        suffix = f" {n}"
        name = (CALC_PREFIX + sheet)[: SHEET_NAME_LIMIT - len(suffix)] + suffix
        n += 1
    return name


def with_twins(sheets: Sequence[SheetSpec]) -> list[SheetSpec]:
    """``sheets`` with their formulas moved to twins, the twins (hidden) after them all."""
    shown: list[SheetSpec] = []
    twins: list[SheetSpec] = []
    names = [s.name for s in sheets]
    for sheet in sheets:
        visible, twin = split_formulas(sheet, twin_name(sheet.name, names))
        shown.append(visible)
        if twin is not None:
            twins.append(twin)
            names.append(twin.name)
    return shown + twins


def split_formulas(sheet: SheetSpec, twin: str) -> tuple[SheetSpec, SheetSpec | None]:
    """The sheet showing its formulas' results from ``twin``, and that twin (None when the
    sheet has no formula)."""
    formulas = {
        (r, c): value
        for r, row in enumerate(sheet.rows)
        for c, value in enumerate(row)
        if isinstance(value, Formula)
    }
    if not formulas:
        return sheet, None
    read = set().union(*(same_sheet_cells(f.text) for f in formulas.values()))
    here, there = _quoted(sheet.name), _quoted(twin)
    shown = [list(row) for row in sheet.rows]
    twin_rows: list[list[Value]] = [[] for _ in sheet.rows]
    for (r, c), formula in formulas.items():
        shown[r][c] = Formula(f"={there}!{cell_a1(r, c)}")
        _put(twin_rows, r, c, formula)
    for r, c in sorted(read - formulas.keys()):
        _put(twin_rows, r, c, Formula(f'=""&{here}!{cell_a1(r, c)}'))
    return replace(sheet, rows=shown), SheetSpec(
        name=twin, rows=twin_rows, hidden=True, protected=True, landscape=False, fit_width=False
    )


@lru_cache(maxsize=4096)
def same_sheet_cells(formula: str) -> frozenset[tuple[int, int]]:
    """(row, col), 0-based, of every cell of its own sheet a formula refers to: ranges
    spread out; text literals and references to other sheets left out.

    Each distinct reference is spread once: a consensus formula names its row's
    range some forty times (``generate`` builds every grid's spec to compare it).
    Remembered by formula: every grid of one layout has the same formulas, and
    reading them again was a third of building a grid's spec."""
    text = " ".join(formula.split('"')[::2])  # outside text literals ("" inside one: empty)
    if "!" in text:
        text = _OTHER_SHEET.sub(" ", text)
    cells: set[tuple[int, int]] = set()
    for col1, row1, col2, row2 in set(_REF.findall(text)):
        first_col, first_row = _column(col1), int(row1) - 1
        last_col = _column(col2) if col2 else first_col
        last_row = int(row2) - 1 if row2 else first_row
        for r in range(min(first_row, last_row), max(first_row, last_row) + 1):
            cells.update(
                (r, c) for c in range(min(first_col, last_col), max(first_col, last_col) + 1)
            )
    return frozenset(cells)


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _put(rows: list[list[Value]], r: int, c: int, value: Value) -> None:
    while len(rows) <= r:
        rows.append([])
    row = rows[r]
    if len(row) <= c:
        row.extend([None] * (c + 1 - len(row)))
    row[c] = value

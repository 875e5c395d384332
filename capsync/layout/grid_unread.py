"""What a person typed that capsync could not read, put back in a recreated grid (pure).

The store keeps what it could read (levels, dates, statuses); a text typed in a level
cell (« beaucoup », « trois ») lives only in the grid, and in the open anomaly that
asks for it to be corrected, with its sheet and cell. A grid deleted by mistake and
recreated from the store (``capsync generate``) would come back without it, and the
next pull would close the anomaly: the typed text lost, nobody asked to retype it.
The recreated grid has the layout the deleted one had (the same référentiel,
respondents and version), so the text goes back in the same cell — only into a cell
people type in that the store left empty, never over a value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from capsync.workbook.spec import SheetSpec, Style, WorkbookSpec

_A1 = re.compile(r"([A-Z]{1,3})([1-9][0-9]*)")
TYPED_STYLES = frozenset({Style.INPUT, Style.INPUT_DATE, Style.REVIEW})


def cell_position(cell: str) -> tuple[int, int] | None:
    """« E4 » → (3, 4), 0-based; None for anything that is not one cell."""
    match = _A1.fullmatch(cell)
    if match is None:
        return None
    col = 0
    for letter in match.group(1):
        col = col * 26 + ord(letter) - 64
    return int(match.group(2)) - 1, col - 1


def put_back_unread(spec: WorkbookSpec, unread: Mapping[tuple[str, str], str]) -> int:
    """Write each unread text in its (sheet, cell) of ``spec`` when that cell is one people
    type in and is empty; how many went back."""
    sheets = {sheet.name: sheet for sheet in spec.sheets}
    put = 0
    for (name, cell), text in sorted(unread.items()):
        sheet, position = sheets.get(name), cell_position(cell)
        if sheet is not None and position is not None and _empty_input(sheet, *position):
            row, col = position
            sheet.rows.extend([] for _ in range(row + 1 - len(sheet.rows)))
            values = sheet.rows[row]
            values.extend(None for _ in range(col + 1 - len(values)))
            values[col] = text
            put += 1
    return put


def _empty_input(sheet: SheetSpec, row: int, col: int) -> bool:
    if sheet.style_at(row, col) not in TYPED_STYLES:
        return False
    values = sheet.rows[row] if row < len(sheet.rows) else []
    return col >= len(values) or values[col] in (None, "")

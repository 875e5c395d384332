"""Grid ranges and runs of indices, in the shape the Sheets v4 API documents (pure)."""

from __future__ import annotations

from collections.abc import Iterable

from capsync.workbook.spec import CellRange


def grid_range(area: CellRange, sheet_id: int) -> dict[str, int]:
    """A CellRange (0-based, inclusive) as a GridRange (end-exclusive)."""
    return {
        "sheetId": sheet_id,
        "startRowIndex": area.first_row,
        "endRowIndex": area.last_row + 1,
        "startColumnIndex": area.first_col,
        "endColumnIndex": area.last_col + 1,
    }


def runs(indices: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted indices → (start, end-exclusive) runs of consecutive ones."""
    found: list[tuple[int, int]] = []
    for i in sorted(set(indices)):
        if found and found[-1][1] == i:
            found[-1] = (found[-1][0], i + 1)
        else:
            found.append((i, i + 1))
    return found

"""Inserting and deleting rows or columns: shift cells, metadata and ranges.

Sheets moves everything below / right of an inserted or deleted band (cell values,
merges, named and protected ranges, row sizes), so the double must too or later reads
would disagree with Google's.
"""

from __future__ import annotations

from typing import Any

from .errors import bad_request
from .spreadsheet import Sheet, Spreadsheet

_KEYS = {
    "ROWS": ("startRowIndex", "endRowIndex"),
    "COLUMNS": ("startColumnIndex", "endColumnIndex"),
}


def _shift_range(rng: dict[str, Any], dimension: str, start: int, count: int) -> bool:
    """Shift a GridRange in place; False when a deletion swallowed it entirely."""
    lo_key, hi_key = _KEYS[dimension]
    lo, hi = rng.get(lo_key), rng.get(hi_key)
    if count >= 0:
        if lo is not None and lo >= start:
            rng[lo_key] = lo + count
        if hi is not None and hi > start:
            rng[hi_key] = hi + count
        return True
    end = start - count

    def squeeze(x: int | None) -> int | None:
        if x is None or x <= start:
            return x
        return x + count if x >= end else start

    new_lo, new_hi = squeeze(lo), squeeze(hi)
    if new_lo is not None and new_hi is not None and new_hi <= new_lo:
        return False
    if new_lo is not None:
        rng[lo_key] = new_lo
    if new_hi is not None:
        rng[hi_key] = new_hi
    return True


def _ranges(book: Spreadsheet, sheet: Sheet) -> list[tuple[list[dict[str, Any]], dict]]:
    """(owner list, GridRange) pairs on this sheet that move with its rows/columns."""
    found: list[tuple[list[dict[str, Any]], dict]] = []
    merges = sheet.items("merges")
    found.extend((merges, m) for m in merges)
    protected = sheet.items("protectedRanges")
    found.extend((protected, p["range"]) for p in protected if "range" in p)
    for named in book.named_ranges:
        if named["range"].get("sheetId", 0) == sheet.sheet_id:
            found.append((book.named_ranges, named["range"]))
    if sheet.basic_filter is not None:
        found.append(([], sheet.basic_filter["range"]))
    return found


def _move(sheet: Sheet, book: Spreadsheet, dimension: str, start: int, count: int) -> None:
    axis = 0 if dimension == "ROWS" else 1
    end = start - count if count < 0 else start
    moved: dict[tuple[int, int], dict[str, Any]] = {}
    for key, cell in sheet.cells.items():
        index = key[axis]
        if count < 0 and start <= index < end:
            continue
        new_index = index + count if index >= (end if count < 0 else start) else index
        new_key = (new_index, key[1]) if axis == 0 else (key[0], new_index)
        moved[new_key] = cell
    sheet.cells = moved
    meta = sheet.row_meta if axis == 0 else sheet.col_meta
    shifted = {}
    for index, value in meta.items():
        if count < 0 and start <= index < end:
            continue
        shifted[index + count if index >= (end if count < 0 else start) else index] = value
    meta.clear()
    meta.update(shifted)
    for owner, rng in _ranges(book, sheet):
        if not _shift_range(rng, dimension, start, count):
            owner[:] = [item for item in owner if item is not rng and item.get("range") is not rng]


def insert_dimension(book: Spreadsheet, sheet: Sheet, dimension: str, start: int, end: int) -> None:
    """Insert end-start empty rows/columns before index start."""
    size_key = "rowCount" if dimension == "ROWS" else "columnCount"
    grid = sheet.properties["gridProperties"]
    if start < 0 or end <= start or start > grid[size_key]:
        raise bad_request(f"Invalid requests[0].insertDimension: range out of bounds ({start})")
    _move(sheet, book, dimension, start, end - start)
    grid[size_key] += end - start


def delete_dimension(book: Spreadsheet, sheet: Sheet, dimension: str, start: int, end: int) -> None:
    """Delete rows/columns [start, end); Google refuses to delete them all."""
    size_key = "rowCount" if dimension == "ROWS" else "columnCount"
    grid = sheet.properties["gridProperties"]
    end = min(end, grid[size_key])
    if end - start >= grid[size_key]:
        what = "rows" if dimension == "ROWS" else "columns"
        raise bad_request(
            f"Invalid requests[0].deleteDimension: You can't delete all the {what} on the sheet."
        )
    _move(sheet, book, dimension, start, start - end)
    grid[size_key] -= end - start


def resize(sheet: Sheet, rows: int, cols: int) -> None:
    """Shrink or grow the grid; cells outside the new grid are dropped."""
    grid = sheet.properties["gridProperties"]
    grid["rowCount"], grid["columnCount"] = rows, cols
    sheet.cells = {k: v for k, v in sheet.cells.items() if k[0] < rows and k[1] < cols}

"""batchUpdate requests that change cells: updateCells, repeatCell, setDataValidation,
mergeCells, unmergeCells, sortRange, copyPaste, cutPaste, autoResizeDimensions.

Each takes (book, request body) and returns the reply object; RequestError carries the
text Google puts after "Invalid requests[i].<kind>: ".
"""

from __future__ import annotations

import copy
from typing import Any

from . import a1
from .fields import apply_mask, leaf_paths, parse_mask
from .sheets_values import set_value
from .spreadsheet import Sheet, Spreadsheet, bounds_of, grid_range, normalize_format
from .values import Cell, formula_cell, raw_cell, string_cell

Reply = dict[str, Any]


class RequestError(ValueError):
    """A request Google would refuse with 400 INVALID_ARGUMENT."""


def _area(book: Spreadsheet, rng: dict[str, Any]) -> tuple[Sheet, a1.Bounds]:
    sheet = book.sheet_by_id(rng.get("sheetId", 0))
    return sheet, bounds_of(rng).clamp(sheet.rows, sheet.cols)


def _cells(bounds: a1.Bounds) -> list[tuple[int, int]]:
    assert bounds.start_row is not None and bounds.end_row is not None
    assert bounds.start_col is not None and bounds.end_col is not None
    return [
        (r, c)
        for r in range(bounds.start_row, bounds.end_row)
        for c in range(bounds.start_col, bounds.end_col)
    ]


def _value_cell(entered: dict[str, Any]) -> Cell | None:
    if "formulaValue" in entered:
        return formula_cell(entered["formulaValue"])
    if "stringValue" in entered:
        return string_cell(entered["stringValue"])
    for key in ("numberValue", "boolValue"):
        if key in entered:
            return raw_cell(entered[key])
    return None


def apply_cell_data(sheet: Sheet, row: int, col: int, data: dict[str, Any], fields: str) -> None:
    """Write the masked parts of a CellData onto one cell (Google's updateCells rule)."""
    mask = (
        parse_mask(fields)
        if fields.strip() != "*"
        else {
            "userEnteredValue": None,
            "userEnteredFormat": None,
            "note": None,
            "dataValidation": None,
            "textFormatRuns": None,
            "hyperlink": None,
        }
    )
    for path in leaf_paths(mask):
        top = path[0]
        if top == "userEnteredValue":
            set_value(sheet, row, col, _value_cell(data.get("userEnteredValue") or {}))
            continue
        cell = sheet.cells.setdefault((row, col), {})
        source = apply_mask(data, {top: mask[top]}).get(top)
        if top == "userEnteredFormat":
            fmt = cell.setdefault("userEnteredFormat", {})
            sub = mask[top]
            if sub is None:
                cell["userEnteredFormat"] = normalize_format(source or {})
            else:
                for key in sub:
                    if source and key in source:
                        fmt[key] = source[key]
                    else:
                        fmt.pop(key, None)
                cell["userEnteredFormat"] = normalize_format(fmt)
            if not cell["userEnteredFormat"]:
                del cell["userEnteredFormat"]
        elif source in (None, "", {}):
            cell.pop(top, None)
        else:
            cell[top] = copy.deepcopy(source)
        if not cell:
            del sheet.cells[(row, col)]


def update_cells(book: Spreadsheet, req: dict[str, Any]) -> Reply:
    """updateCells: rows of CellData from `start` or over `range`, masked by `fields`."""
    if "range" in req:
        sheet, bounds = _area(book, req["range"])
        top, left = bounds.start_row or 0, bounds.start_col or 0
    else:
        start = req.get("start", {})
        sheet = book.sheet_by_id(start.get("sheetId", 0))
        top, left = start.get("rowIndex", 0), start.get("columnIndex", 0)
    fields = req.get("fields")
    if not fields:
        raise RequestError("At least one field must be updated, but none were specified.")
    for i, row in enumerate(req.get("rows", [])):
        for j, data in enumerate(row.get("values", [])):
            if top + i >= sheet.rows or left + j >= sheet.cols:
                raise RequestError("range is out of grid bounds")
            apply_cell_data(sheet, top + i, left + j, data, fields)
    return {}


def repeat_cell(book: Spreadsheet, req: dict[str, Any]) -> Reply:
    """repeatCell: one CellData applied to every cell of the range."""
    sheet, bounds = _area(book, req["range"])
    for r, c in _cells(bounds):
        apply_cell_data(sheet, r, c, req.get("cell", {}), req.get("fields", "*"))
    return {}


def set_data_validation(book: Spreadsheet, req: dict[str, Any]) -> Reply:
    """setDataValidation: a rule (or none, to clear) on every cell of the range."""
    sheet, bounds = _area(book, req["range"])
    for r, c in _cells(bounds):
        apply_cell_data(sheet, r, c, {"dataValidation": req.get("rule")}, "dataValidation")
    return {}


def _overlaps(a: dict[str, Any], b: a1.Bounds) -> bool:
    assert b.start_row is not None and b.end_row is not None
    assert b.start_col is not None and b.end_col is not None
    return (
        a["startRowIndex"] < b.end_row
        and b.start_row < a["endRowIndex"]
        and a["startColumnIndex"] < b.end_col
        and b.start_col < a["endColumnIndex"]
    )


def merge_cells(book: Spreadsheet, req: dict[str, Any]) -> Reply:
    """mergeCells: MERGE_ALL, MERGE_ROWS or MERGE_COLUMNS; only the top-left value stays."""
    sheet, bounds = _area(book, req["range"])
    assert bounds.start_row is not None and bounds.end_row is not None
    assert bounds.start_col is not None and bounds.end_col is not None
    kind = req.get("mergeType", "MERGE_ALL")
    if kind == "MERGE_ROWS":
        parts = [
            a1.Bounds(r, r + 1, bounds.start_col, bounds.end_col)
            for r in range(bounds.start_row, bounds.end_row)
        ]
    elif kind == "MERGE_COLUMNS":
        parts = [
            a1.Bounds(bounds.start_row, bounds.end_row, c, c + 1)
            for c in range(bounds.start_col, bounds.end_col)
        ]
    else:
        parts = [bounds]
    merges = sheet.items("merges")
    merges[:] = [m for m in merges if not _overlaps(m, bounds)]
    for part in parts:
        cells = _cells(part)
        if len(cells) < 2:
            continue
        for r, c in cells[1:]:
            set_value(sheet, r, c, None)
        merges.append(grid_range(sheet.sheet_id, part))
    return {}


def unmerge_cells(book: Spreadsheet, req: dict[str, Any]) -> Reply:
    """unmergeCells: drop every merge that touches the range."""
    sheet, bounds = _area(book, req["range"])
    merges = sheet.items("merges")
    merges[:] = [m for m in merges if not _overlaps(m, bounds)]
    return {}


def _sort_key(cell: Cell | None, descending: bool) -> tuple[int, Any]:
    effective = (cell or {}).get("effectiveValue")
    if effective is None:
        return (3, 0) if not descending else (-1, 0)  # blanks always last
    if "numberValue" in effective:
        return (0, effective["numberValue"])
    if "stringValue" in effective:
        return (1, effective["stringValue"].casefold())
    return (2, bool(effective.get("boolValue")))


def sort_range(book: Spreadsheet, req: dict[str, Any]) -> Reply:
    """sortRange: stable multi-key sort of the range's rows, blanks last."""
    sheet, bounds = _area(book, req["range"])
    assert bounds.start_row is not None and bounds.end_row is not None
    assert bounds.start_col is not None and bounds.end_col is not None
    rows = [
        {c: sheet.cells.get((r, c)) for c in range(bounds.start_col, bounds.end_col)}
        for r in range(bounds.start_row, bounds.end_row)
    ]
    for spec in reversed(req.get("sortSpecs", [])):
        column = bounds.start_col + spec.get("dimensionIndex", 0)
        descending = spec.get("sortOrder") == "DESCENDING"
        rows.sort(
            key=lambda row, col=column, d=descending: _sort_key(row.get(col), d), reverse=descending
        )
    for offset, row in enumerate(rows):
        for c, cell in row.items():
            key = (bounds.start_row + offset, c)
            if cell:
                sheet.cells[key] = cell
            else:
                sheet.cells.pop(key, None)
    return {}


def copy_paste(book: Spreadsheet, req: dict[str, Any]) -> Reply:
    """copyPaste: the source block tiled over the destination range."""
    src_sheet, src = _area(book, req["source"])
    dst_sheet, dst = _area(book, req["destination"])
    block = {
        (r - (src.start_row or 0), c - (src.start_col or 0)): copy.deepcopy(
            src_sheet.cells.get((r, c))
        )
        for r, c in _cells(src)
    }
    height = (src.end_row or 0) - (src.start_row or 0)
    width = (src.end_col or 0) - (src.start_col or 0)
    for r, c in _cells(dst):
        cell = block[((r - (dst.start_row or 0)) % height, (c - (dst.start_col or 0)) % width)]
        _paste(dst_sheet, r, c, cell, req.get("pasteType", "PASTE_NORMAL"))
    return {}


def _paste(sheet: Sheet, r: int, c: int, cell: Cell | None, paste_type: str) -> None:
    if paste_type == "PASTE_VALUES":
        kept = {
            k: v
            for k, v in (cell or {}).items()
            if k in ("userEnteredValue", "effectiveValue", "formattedValue")
        }
        set_value(sheet, r, c, kept or None)
    elif cell:
        sheet.cells[(r, c)] = copy.deepcopy(cell)
    else:
        sheet.cells.pop((r, c), None)


def cut_paste(book: Spreadsheet, req: dict[str, Any]) -> Reply:
    """cutPaste: move the source block so its top-left lands on the destination cell."""
    src_sheet, src = _area(book, req["source"])
    dest = req["destination"]
    dst_sheet = book.sheet_by_id(dest.get("sheetId", 0))
    moved = {(r, c): src_sheet.cells.pop((r, c), None) for r, c in _cells(src)}
    for (r, c), cell in moved.items():
        target = (
            dest.get("rowIndex", 0) + r - (src.start_row or 0),
            dest.get("columnIndex", 0) + c - (src.start_col or 0),
        )
        _paste(dst_sheet, *target, cell, req.get("pasteType", "PASTE_NORMAL"))
    return {}


def auto_resize(book: Spreadsheet, req: dict[str, Any]) -> Reply:
    """autoResizeDimensions: fit columns (or rows) to their text, approximately."""
    dims = req.get("dimensions", {})
    sheet = book.sheet_by_id(dims.get("sheetId", 0))
    rows = dims.get("dimension") == "ROWS"
    meta = sheet.row_meta if rows else sheet.col_meta
    for index in range(dims.get("startIndex", 0), dims.get("endIndex", 0)):
        texts = [
            cell.get("formattedValue", "")
            for (r, c), cell in sheet.cells.items()
            if (r if rows else c) == index
        ]
        if rows:
            lines = max((t.count("\n") + 1 for t in texts), default=1)
            meta.setdefault(index, {})["pixelSize"] = 21 * lines
        else:
            longest = max((len(line) for t in texts for line in t.split("\n")), default=0)
            meta.setdefault(index, {})["pixelSize"] = max(7 * longest + 10, 20) if texts else 100
    return {}

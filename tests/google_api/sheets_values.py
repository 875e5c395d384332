"""Sheets v4 spreadsheets.values.*: get, batchGet, update, batchUpdate, append, clear,
batchClear.

Answers follow what Google sends: the echoed range is the requested one clamped to the
grid, trailing empty cells and rows are left out of `values`, `updatedRange` is the
rectangle actually written, and append looks for the "table" the way Sheets does.
"""

from __future__ import annotations

from typing import Any

from . import a1
from .dimensions import insert_dimension
from .errors import bad_request, invalid_value
from .spreadsheet import Sheet, Spreadsheet
from .values import raw_cell, render, user_entered_cell

RENDER_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATE_OPTIONS = ("SERIAL_NUMBER", "FORMATTED_STRING")


def _option(params: dict[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = params.get(name, default) or default
    if value not in allowed:
        raise bad_request(f"Invalid value at '{_snake(name)}' (TYPE_ENUM), \"{value}\"")
    return value


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def read_range(book: Spreadsheet, text: str, params: dict[str, str]) -> dict[str, Any]:
    """One ValueRange, as values.get returns it."""
    sheet, bounds = book.resolve(text)
    b = bounds.clamp(sheet.rows, sheet.cols)
    major = params.get("majorDimension", "ROWS") or "ROWS"
    if major not in ("ROWS", "COLUMNS"):
        raise bad_request(f"Invalid value at 'major_dimension' (TYPE_ENUM), \"{major}\"")
    value_render = _option(params, "valueRenderOption", RENDER_OPTIONS, "FORMATTED_VALUE")
    date_render = _option(params, "dateTimeRenderOption", DATE_OPTIONS, "SERIAL_NUMBER")
    assert b.start_row is not None and b.end_row is not None
    assert b.start_col is not None and b.end_col is not None
    rows = [
        [
            render(sheet.cells.get((r, c)), value_render, date_render)
            for c in range(b.start_col, b.end_col)
        ]
        for r in range(b.start_row, b.end_row)
    ]
    if major == "COLUMNS":
        rows = [list(col) for col in zip(*rows, strict=False)] if rows else []
    out: dict[str, Any] = {"range": a1.format_range(sheet.title, b), "majorDimension": major}
    trimmed = trim(rows)
    if trimmed:
        out["values"] = trimmed
    return out


def trim(rows: list[list[Any]]) -> list[list[Any]]:
    """Drop trailing "" from each row, then trailing empty rows, as Google does."""
    out = []
    for row in rows:
        end = len(row)
        while end and row[end - 1] == "":
            end -= 1
        out.append(row[:end])
    while out and not out[-1]:
        out.pop()
    return out


def _matrix(body: dict[str, Any], field: str) -> list[list[Any]]:
    values = body.get("values")
    if values is None:
        return []
    if not isinstance(values, list) or any(not isinstance(row, list) for row in values):
        raise invalid_value(field, values)
    if body.get("majorDimension") == "COLUMNS":
        width = max((len(col) for col in values), default=0)
        return [[col[i] if i < len(col) else None for col in values] for i in range(width)]
    return values


def _input_option(params: dict[str, Any]) -> str:
    option = params.get("valueInputOption")
    if not option:
        raise bad_request("'valueInputOption' is required but not specified")
    if option not in ("RAW", "USER_ENTERED"):
        raise bad_request(f"Invalid value at 'value_input_option' (TYPE_ENUM), \"{option}\"")
    return str(option)


def write_matrix(
    sheet: Sheet, top: int, left: int, rows: list[list[Any]], option: str, locale: str = "en_US"
) -> set[tuple[int, int]]:
    """Write values with RAW / USER_ENTERED parsing; None leaves a cell as it was.
    Returns the (row, column) offsets actually written. ``locale`` is the spreadsheet's:
    it decides whether « 03/04/2026 » is 4 March (en_US) or 3 April (fr_FR)."""

    def parse(value: Any) -> Any:
        return raw_cell(value) if option == "RAW" else user_entered_cell(value, locale)

    written = set()
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dict | list):
                raise bad_request(f"Invalid values[{i}][{j}]: {value}")
            cell = sheet.cells.get((top + i, left + j), {})
            kind = cell.get("userEnteredFormat", {}).get("numberFormat", {}).get("type")
            if option != "RAW" and kind == "TEXT":  # « Plain text » cells store what is typed
                set_value(sheet, top + i, left + j, raw_cell(str(value)))
            else:
                set_value(sheet, top + i, left + j, parse(value))
            written.add((i, j))
    return written


def set_value(sheet: Sheet, row: int, col: int, cell: dict[str, Any] | None) -> None:
    """Replace a cell's value, keeping its format and note."""
    old = sheet.cells.get((row, col), {})
    kept = {k: v for k, v in old.items() if k in ("note", "dataValidation", "userEnteredFormat")}
    if cell and "userEnteredFormat" in cell:
        kept["userEnteredFormat"] = {
            **kept.get("userEnteredFormat", {}),
            **cell.pop("userEnteredFormat"),
        }
    new = {**(cell or {}), **kept}
    if new:
        sheet.cells[(row, col)] = new
    else:
        sheet.cells.pop((row, col), None)


def _update_result(
    book: Spreadsheet,
    sheet: Sheet,
    top: int,
    left: int,
    rows: list[list[Any]],
    written: set[tuple[int, int]],
) -> dict[str, Any]:
    """UpdateValuesResponse: the whole rectangle, but counts of what was really written."""
    out: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    width = max((len(r) for r in rows), default=0)
    if rows and width:
        bounds = a1.Bounds(top, top + len(rows), left, left + width)
        out.update(
            updatedRange=a1.format_range(sheet.title, bounds),
            updatedRows=len({i for i, _ in written}),
            updatedColumns=len({j for _, j in written}),
            updatedCells=len(written),
        )
    return out


def update_range(
    book: Spreadsheet,
    text: str,
    body: dict[str, Any],
    params: dict[str, Any],
    field: str = "data.values",
) -> dict[str, Any]:
    """values.update: write a block at the range's top-left corner."""
    rows = _matrix(body, field)
    option = _input_option(params)
    sheet, bounds = book.resolve(text)
    top, left = bounds.start_row or 0, bounds.start_col or 0
    width = max((len(r) for r in rows), default=0)
    single = bounds.end_row == top + 1 and bounds.end_col == left + 1
    if not single and bounds.end_row is not None and top + len(rows) > bounds.end_row:
        raise bad_request(
            f"Requested writing within range [{text}], but tried writing to row [{top + len(rows)}]"
        )
    if not single and bounds.end_col is not None and left + width > bounds.end_col:
        raise bad_request(
            f"Requested writing within range [{text}], but tried writing to column "
            f"[{a1.column_letters(left + width - 1)}]"
        )
    _check_grid(sheet, top + len(rows), left + width, text)
    written = write_matrix(sheet, top, left, rows, option, book.locale)
    result = _update_result(book, sheet, top, left, rows, written)
    if str(params.get("includeValuesInResponse", "")).lower() == "true":
        data_range = result.get(
            "updatedRange", a1.format_range(sheet.title, bounds.clamp(sheet.rows, sheet.cols))
        )
        result["updatedData"] = read_range(book, data_range, _response_params(params))
    return result


def _response_params(params: dict[str, Any]) -> dict[str, str]:
    return {
        "valueRenderOption": params.get("responseValueRenderOption", "FORMATTED_VALUE"),
        "dateTimeRenderOption": params.get("responseDateTimeRenderOption", "SERIAL_NUMBER"),
    }


def _check_grid(sheet: Sheet, rows: int, cols: int, text: str) -> None:
    if rows > sheet.rows or cols > sheet.cols:
        raise bad_request(
            f"Range ({text}) exceeds grid limits. Max rows: {sheet.rows}, max columns: {sheet.cols}"
        )


def append(
    book: Spreadsheet, text: str, body: dict[str, Any], params: dict[str, Any]
) -> dict[str, Any]:
    """values.append: find the table in the range and write just below it."""
    rows = _matrix(body, "data.values")
    option = _input_option(params)
    sheet, bounds = book.resolve(text)
    table = find_table(sheet, bounds)
    out: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if table is None:
        top, left = bounds.start_row or 0, bounds.start_col or 0
    else:
        out["tableRange"] = a1.format_range(sheet.title, table)
        assert table.end_row is not None and table.start_col is not None
        top, left = table.end_row, table.start_col
    width = max((len(r) for r in rows), default=0)
    if params.get("insertDataOption") == "INSERT_ROWS":
        insert_dimension(book, sheet, "ROWS", top, top + len(rows))
    grid = sheet.properties["gridProperties"]
    grid["rowCount"] = max(sheet.rows, top + len(rows))
    grid["columnCount"] = max(sheet.cols, left + width)
    written = write_matrix(sheet, top, left, rows, option, book.locale)
    out["updates"] = _update_result(book, sheet, top, left, rows, written)
    if str(params.get("includeValuesInResponse", "")).lower() == "true" and rows:
        out["updates"]["updatedData"] = read_range(
            book, out["updates"]["updatedRange"], _response_params(params)
        )
    return out


def find_table(sheet: Sheet, bounds: a1.Bounds) -> a1.Bounds | None:
    """The table append writes under: the block of touching non-empty cells that holds
    the range's only cell (single-cell range) or the last filled cell of the range."""
    b = bounds.clamp(sheet.rows, sheet.cols)
    assert b.start_row is not None and b.end_row is not None
    assert b.start_col is not None and b.end_col is not None

    def filled(r: int, c: int) -> bool:
        inside = b.start_row <= r < b.end_row and b.start_col <= c < b.end_col  # type: ignore
        return inside and "effectiveValue" in sheet.cells.get((r, c), {})

    single = (b.end_row - b.start_row, b.end_col - b.start_col) == (1, 1)
    if single:
        anchor = (b.start_row, b.start_col)
        if not filled(*anchor):
            return None
    else:
        found = sorted(key for key in sheet.cells if filled(*key))
        if not found:
            return None
        anchor = found[-1]
    seen = {anchor}
    todo = [anchor]
    while todo:
        r, c = todo.pop()
        for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if (nr, nc) not in seen and filled(nr, nc):
                seen.add((nr, nc))
                todo.append((nr, nc))
    rows = [r for r, _ in seen]
    cols = [c for _, c in seen]
    return a1.Bounds(min(rows), max(rows) + 1, min(cols), max(cols) + 1)


def clear(book: Spreadsheet, text: str) -> dict[str, Any]:
    """values.clear: remove values (formats and notes stay)."""
    sheet, bounds = book.resolve(text)
    b = bounds.clamp(sheet.rows, sheet.cols)
    assert b.start_row is not None and b.end_row is not None
    assert b.start_col is not None and b.end_col is not None
    for r, c in list(sheet.cells):
        if b.start_row <= r < b.end_row and b.start_col <= c < b.end_col:
            set_value(sheet, r, c, None)
    return {"spreadsheetId": book.spreadsheet_id, "clearedRange": a1.format_range(sheet.title, b)}


def batch_get(book: Spreadsheet, ranges: list[str], params: dict[str, str]) -> dict[str, Any]:
    """values.batchGet: one ValueRange per requested range, in order."""
    return {
        "spreadsheetId": book.spreadsheet_id,
        "valueRanges": [read_range(book, text, params) for text in ranges],
    }


def batch_update(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    """values.batchUpdate: several updates under one valueInputOption, with totals."""
    params = {
        k: body.get(k)
        for k in (
            "valueInputOption",
            "includeValuesInResponse",
            "responseValueRenderOption",
            "responseDateTimeRenderOption",
        )
    }
    params["includeValuesInResponse"] = str(params["includeValuesInResponse"] or "")
    _input_option(params)
    responses = []
    for i, item in enumerate(body.get("data", [])):
        responses.append(update_range(book, item["range"], item, params, field=f"data[{i}].values"))
    sheets = {r["updatedRange"].rpartition("!")[0] for r in responses if "updatedRange" in r}
    out: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if responses:
        out.update(
            totalUpdatedRows=sum(r.get("updatedRows", 0) for r in responses),
            totalUpdatedColumns=max(r.get("updatedColumns", 0) for r in responses),
            totalUpdatedCells=sum(r.get("updatedCells", 0) for r in responses),
            totalUpdatedSheets=len(sheets),
            responses=responses,
        )
    return out


def batch_clear(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    """values.batchClear: clear each range, reporting the clamped ranges."""
    cleared = [clear(book, text)["clearedRange"] for text in body.get("ranges", [])]
    return {"spreadsheetId": book.spreadsheet_id, "clearedRanges": cleared}

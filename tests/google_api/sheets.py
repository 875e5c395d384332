"""Sheets v4 spreadsheets.create / spreadsheets.get and the route table for Sheets.

`get` builds the full Spreadsheet resource, adds grid data only when asked
(includeGridData, or a `fields` mask reaching into sheets.data), keeps only the sheets
named by `ranges`, masks it, and trims empty grid cells the way Google does, so that
gspread's note/format/column-width lookups see exactly what Google sends.
"""

from __future__ import annotations

import copy
from typing import Any

from . import a1, batch_update, sheets_values
from .errors import bad_request
from .fields import apply_mask, parse_mask
from .spreadsheet import Sheet, Spreadsheet, new_sheet_properties
from .state import SPREADSHEET_MIME, DriveFile, State

DOCS_URL = "https://docs.google.com"


def create_book(
    state: State, title: str, file_id: str | None = None, parents: list[str] | None = None
) -> tuple[Spreadsheet, DriveFile]:
    """A new spreadsheet in both stores (Sheets content and its Drive file)."""
    file_id = file_id or state.new_file_id()
    book = Spreadsheet.new(file_id, title)
    moment = state.now()
    entry = DriveFile(
        file_id,
        title,
        SPREADSHEET_MIME,
        moment,
        moment,
        parents=parents or ["root"],
        owner=state.user_email,
    )
    state.books[file_id] = book
    state.files[file_id] = entry
    state.touch(file_id)
    return book, entry


def create(state: State, body: dict[str, Any]) -> dict[str, Any]:
    """spreadsheets.create: properties and sheets from the body, Google defaults otherwise."""
    props = body.get("properties", {})
    book, _ = create_book(state, props.get("title") or "Untitled spreadsheet")
    book.properties.update({k: copy.deepcopy(v) for k, v in props.items() if k != "title"})
    given = body.get("sheets") or []
    if given:
        book.sheets = []
        for index, sheet in enumerate(given):
            p = sheet.get("properties", {})
            grid = p.get("gridProperties", {})
            book.sheets.append(
                Sheet(
                    new_sheet_properties(
                        p.get("sheetId", 0 if index == 0 else state.new_int_id()),
                        p.get("title") or f"Sheet{index + 1}",
                        index,
                        grid.get("rowCount", 1000),
                        grid.get("columnCount", 26),
                    )
                )
            )
    return get(state, book.spreadsheet_id, {})


def get(state: State, spreadsheet_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """spreadsheets.get with includeGridData, ranges and fields."""
    book = state.book(spreadsheet_id)
    ranges: list[str] = params.get("ranges", [])
    fields = params.get("fields")
    mask = parse_mask(fields) if fields else None
    with_data = str(params.get("includeGridData", "false")).lower() == "true" or _wants_data(mask)
    out = book.to_json(DOCS_URL)
    if ranges or with_data:
        out["sheets"] = _sheets_for(book, ranges, with_data)
    if mask is not None:
        out = apply_mask(out, mask)
    for sheet in out.get("sheets", []):
        for data in sheet.get("data", []):
            _trim_grid(data)
    return out


def _wants_data(mask: dict[str, Any] | None) -> bool:
    if not mask or "sheets" not in mask:
        return False
    sub = mask["sheets"]
    return sub is None or "data" in sub


def _sheets_for(book: Spreadsheet, ranges: list[str], with_data: bool) -> list[dict[str, Any]]:
    picked: dict[int, tuple[Sheet, list[a1.Bounds]]] = {}
    if ranges:
        for text in ranges:
            sheet, bounds = book.resolve(text)
            picked.setdefault(sheet.sheet_id, (sheet, []))[1].append(bounds)
        chosen = [picked[s.sheet_id] for s in book.sheets if s.sheet_id in picked]
    else:
        chosen = [(s, [a1.Bounds(None, None, None, None)]) for s in book.sheets]
    out = []
    for sheet, bounds_list in chosen:
        item = sheet.to_json()
        if with_data:
            item["data"] = [sheet.grid_data(b) for b in bounds_list]
        out.append(item)
    return out


def _trim_grid(data: dict[str, Any]) -> None:
    rows = data.get("rowData")
    if rows is None:
        return
    for row in rows:
        values = row.get("values")
        if values is None:
            continue
        while values and not values[-1]:
            values.pop()
        if not values:
            del row["values"]
    while rows and not rows[-1]:
        rows.pop()
    if not rows:
        del data["rowData"]


def _ranges_param(params: dict[str, Any]) -> list[str]:
    ranges = params.get("ranges", [])
    if not ranges:
        raise bad_request("Must specify at least one range.")
    return list(ranges)


def route(
    state: State,
    method: str,
    spreadsheet_id: str,
    tail: str,
    params: dict[str, Any],
    body: dict[str, Any],
) -> tuple[str, str, dict[str, Any]]:
    """Dispatch one Sheets call; returns (method name, "read"/"write", answer)."""
    if method == "POST" and spreadsheet_id == "" and tail == "":
        return "spreadsheets.create", "write", create(state, body)
    if tail == "" and method == "GET":
        return "spreadsheets.get", "read", get(state, spreadsheet_id, params)
    book = state.book(spreadsheet_id)
    if tail == ":batchUpdate" and method == "POST":
        answer = batch_update.batch_update(state, book, body)
        if body.get("includeSpreadsheetInResponse"):
            answer["updatedSpreadsheet"] = get(state, spreadsheet_id, {})
        state.files[spreadsheet_id].name = book.properties["title"]
        return "spreadsheets.batchUpdate", "write", answer
    if tail == "/values:batchGet" and method == "GET":
        answer = sheets_values.batch_get(book, _ranges_param(params), params)
        return "values.batchGet", "read", answer
    if tail == "/values:batchUpdate" and method == "POST":
        return "values.batchUpdate", "write", sheets_values.batch_update(book, body)
    if tail == "/values:batchClear" and method == "POST":
        return "values.batchClear", "write", sheets_values.batch_clear(book, body)
    if tail.startswith("/values/"):
        rng, _, verb = tail[len("/values/") :].rpartition(":")
        if verb in ("append", "clear") and method == "POST":
            if verb == "append":
                return "values.append", "write", sheets_values.append(book, rng, body, params)
            return "values.clear", "write", sheets_values.clear(book, rng)
        rng = tail[len("/values/") :]
        if method == "GET":
            return "values.get", "read", sheets_values.read_range(book, rng, params)
        if method == "PUT":
            answer = sheets_values.update_range(book, rng, body, params)
            return "values.update", "write", answer
    raise bad_request(f"Unsupported Sheets call: {method} {tail}")

"""spreadsheets.batchUpdate: structural requests and the all-or-nothing dispatcher.

Google applies a batchUpdate atomically and names the failing request in its 400
("Invalid requests[2].deleteSheet: ..."), so the dispatcher works on a copy and only
keeps it when every request succeeded.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from . import cell_requests as cells
from .cell_requests import Reply, RequestError
from .dimensions import delete_dimension, insert_dimension, resize
from .errors import ApiError, bad_request
from .fields import masked_update
from .sheets_limits import check_cell_count
from .spreadsheet import Sheet, Spreadsheet, bounds_of, color, grid_range, new_sheet_properties
from .state import State


def add_sheet(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    props = copy.deepcopy(req.get("properties", {}))
    title = props.get("title") or f"Sheet{len(book.sheets) + 1}"
    if book.sheet_by_title(title):
        raise RequestError(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    sheet_id = props.get("sheetId", state.new_int_id())
    if any(s.sheet_id == sheet_id for s in book.sheets):
        raise RequestError(f"Sheet with id {sheet_id} already exists.")
    grid = props.get("gridProperties", {})
    index = min(props.get("index", len(book.sheets)), len(book.sheets))
    full = new_sheet_properties(
        sheet_id, title, index, grid.get("rowCount", 1000), grid.get("columnCount", 26)
    )
    full["gridProperties"].update(
        {k: v for k, v in grid.items() if k not in ("rowCount", "columnCount")}
    )
    for key in ("hidden", "rightToLeft"):
        if props.get(key):
            full[key] = props[key]
    if "tabColorStyle" in props or "tabColor" in props:
        _set_tab_color(full, props.get("tabColorStyle", {}).get("rgbColor", props.get("tabColor")))
    book.sheets.insert(index, Sheet(full))
    book.reindex()
    return {"addSheet": {"properties": copy.deepcopy(full)}}


def _set_tab_color(props: dict[str, Any], rgb: dict[str, Any] | None) -> None:
    if rgb is None:
        props.pop("tabColor", None)
        props.pop("tabColorStyle", None)
        return
    props["tabColor"] = color(rgb)
    props["tabColorStyle"] = {"rgbColor": color(rgb)}


def delete_sheet(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    sheet = book.sheet_by_id(req.get("sheetId", 0))
    if len(book.sheets) == 1:
        raise RequestError("You can't remove all the sheets in a document.")
    book.sheets.remove(sheet)
    book.named_ranges[:] = [
        n for n in book.named_ranges if n["range"].get("sheetId", 0) != sheet.sheet_id
    ]
    book.reindex()
    return {}


def update_sheet_properties(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    props = req.get("properties", {})
    fields = req.get("fields")
    if not fields:
        raise RequestError("At least one field must be updated, but none were specified.")
    sheet = book.sheet_by_id(props.get("sheetId", 0))
    old_index = sheet.properties["index"]
    updated = copy.deepcopy(sheet.properties)
    masked_update(updated, props, fields)
    updated["sheetId"] = sheet.sheet_id
    if "tabColorStyle" in fields or "tabColor" in fields:
        style = updated.get("tabColorStyle", {}).get("rgbColor")
        _set_tab_color(updated, style if "tabColorStyle" in fields else updated.get("tabColor"))
    for key in ("hidden", "rightToLeft"):
        if not updated.get(key):
            updated.pop(key, None)
    grid = updated.setdefault("gridProperties", {})
    for key in ("frozenRowCount", "frozenColumnCount"):
        if not grid.get(key):
            grid.pop(key, None)
    if grid.get("hideGridlines") is False:
        grid.pop("hideGridlines")
    others = [s for s in book.sheets if s is not sheet]
    if updated.get("hidden") and all(s.properties.get("hidden") for s in others):
        raise RequestError("You can't hide all the sheets in a document.")
    title = updated.get("title")
    if not title or any(s.title == title for s in others):
        raise RequestError(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    rows = grid.get("rowCount", sheet.rows)
    cols = grid.get("columnCount", sheet.cols)
    sheet.properties = updated
    resize(sheet, rows, cols)
    new_index = updated.get("index", old_index)
    if new_index != old_index:
        book.sheets.remove(sheet)
        book.sheets.insert(min(new_index, len(book.sheets)), sheet)
    book.reindex()
    return {}


def update_spreadsheet_properties(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    if not req.get("fields"):
        raise RequestError("At least one field must be updated, but none were specified.")
    masked_update(book.properties, req.get("properties", {}), req["fields"])
    return {}


def update_dimension_properties(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    rng = req["range"]
    sheet = book.sheet_by_id(rng.get("sheetId", 0))
    meta = sheet.row_meta if rng.get("dimension") == "ROWS" else sheet.col_meta
    for index in range(rng.get("startIndex", 0), rng.get("endIndex", 0)):
        entry = meta.setdefault(index, {})
        masked_update(entry, req.get("properties", {}), req.get("fields", "*"))
        if not entry.get("hiddenByUser", True):
            entry.pop("hiddenByUser")
    return {}


def insert_dimension_request(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    rng = req["range"]
    sheet = book.sheet_by_id(rng.get("sheetId", 0))
    insert_dimension(book, sheet, rng["dimension"], rng.get("startIndex", 0), rng["endIndex"])
    return {}


def delete_dimension_request(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    rng = req["range"]
    sheet = book.sheet_by_id(rng.get("sheetId", 0))
    delete_dimension(book, sheet, rng["dimension"], rng.get("startIndex", 0), rng["endIndex"])
    return {}


def append_dimension(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    sheet = book.sheet_by_id(req.get("sheetId", 0))
    key = "rowCount" if req.get("dimension") == "ROWS" else "columnCount"
    sheet.properties["gridProperties"][key] += int(req.get("length", 0))
    return {}


def _group_list(sheet: Sheet, dimension: str) -> list[dict[str, Any]]:
    return sheet.items("rowGroups" if dimension == "ROWS" else "columnGroups")


def add_dimension_group(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    rng = req["range"]
    sheet = book.sheet_by_id(rng.get("sheetId", 0))
    groups = _group_list(sheet, rng["dimension"])
    span = {
        "dimension": rng["dimension"],
        "startIndex": rng.get("startIndex", 0),
        "endIndex": rng["endIndex"],
    }
    if sheet.sheet_id:
        span = {"sheetId": sheet.sheet_id, **span}
    groups.append({"range": span, "depth": 1})
    flag = "rowGroupControlAfter" if rng["dimension"] == "ROWS" else "columnGroupControlAfter"
    sheet.properties["gridProperties"][flag] = True
    return {"addDimensionGroup": {"dimensionGroups": copy.deepcopy(groups)}}


def delete_dimension_group(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    rng = req["range"]
    sheet = book.sheet_by_id(rng.get("sheetId", 0))
    groups = _group_list(sheet, rng["dimension"])
    groups[:] = [
        g
        for g in groups
        if (g["range"].get("startIndex", 0), g["range"]["endIndex"])
        != (rng.get("startIndex", 0), rng["endIndex"])
    ]
    reply: dict[str, Any] = {"dimensionGroups": copy.deepcopy(groups)} if groups else {}
    return {"deleteDimensionGroup": reply}


def add_named_range(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    named = copy.deepcopy(req["namedRange"])
    if any(n["name"] == named.get("name") for n in book.named_ranges):
        raise RequestError(f"Named range with name {named.get('name')} already exists.")
    sheet = book.sheet_by_id(named["range"].get("sheetId", 0))
    out = {
        "namedRangeId": named.get("namedRangeId") or str(state.new_int_id()),
        "name": named["name"],
        "range": grid_range(sheet.sheet_id, bounds_of(named["range"])),
    }
    book.named_ranges.append(out)
    return {"addNamedRange": {"namedRange": copy.deepcopy(out)}}


def _named(book: Spreadsheet, named_id: str) -> dict[str, Any]:
    for named in book.named_ranges:
        if named["namedRangeId"] == named_id:
            return named
    raise RequestError(f"No named range with id: {named_id}")


def update_named_range(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    target = _named(book, req["namedRange"]["namedRangeId"])
    masked_update(target, req["namedRange"], req.get("fields", "*"))
    rng = target["range"]
    target["range"] = grid_range(rng.get("sheetId", 0), bounds_of(rng))
    return {}


def delete_named_range(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    book.named_ranges.remove(_named(book, req["namedRangeId"]))
    return {}


def add_protected_range(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    given = req["protectedRange"]
    sheet = book.sheet_by_id(given.get("range", {}).get("sheetId", 0))
    entry: dict[str, Any] = {
        "protectedRangeId": given.get("protectedRangeId") or state.new_int_id(),
        "range": grid_range(sheet.sheet_id, bounds_of(given.get("range", {}))),
    }
    for key in ("namedRangeId", "description"):
        if given.get(key):
            entry[key] = given[key]
    if given.get("unprotectedRanges"):
        entry["unprotectedRanges"] = [
            grid_range(sheet.sheet_id, bounds_of(u)) for u in given["unprotectedRanges"]
        ]
    if given.get("warningOnly"):
        entry["warningOnly"] = True
    entry["requestingUserCanEdit"] = True
    editors = given.get("editors") or {}
    reply_editors = {k: v for k, v in editors.items() if v}
    stored_editors: dict[str, Any] = {"users": [state.user_email]}
    for kind in ("users", "groups"):
        for who in editors.get(kind) or []:
            stored_editors.setdefault(kind, [])
            if who not in stored_editors[kind]:
                stored_editors[kind].append(who)
    if editors.get("domainUsersCanEdit"):
        stored_editors["domainUsersCanEdit"] = True
    sheet.items("protectedRanges").append({**entry, "editors": stored_editors})
    return {"addProtectedRange": {"protectedRange": {**entry, "editors": reply_editors}}}


def delete_protected_range(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    wanted = req.get("protectedRangeId")
    for sheet in book.sheets:
        ranges = sheet.items("protectedRanges")
        for item in ranges:
            if item["protectedRangeId"] == wanted:
                ranges.remove(item)
                return {}
    raise RequestError(f"No protected range with id: {wanted}")


def add_conditional_format_rule(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    rule = copy.deepcopy(req["rule"])
    rule["ranges"] = [grid_range(r.get("sheetId", 0), bounds_of(r)) for r in rule["ranges"]]
    sheet = book.sheet_by_id(req["rule"]["ranges"][0].get("sheetId", 0))
    rules = sheet.items("conditionalFormats")
    rules.insert(min(req.get("index", 0), len(rules)), rule)
    return {}


def set_basic_filter(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    flt = copy.deepcopy(req["filter"])
    sheet = book.sheet_by_id(flt.get("range", {}).get("sheetId", 0))
    flt["range"] = grid_range(
        sheet.sheet_id, bounds_of(flt.get("range", {})).clamp(sheet.rows, sheet.cols)
    )
    sheet.basic_filter = flt
    return {}


def clear_basic_filter(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    book.sheet_by_id(req.get("sheetId", 0)).basic_filter = None
    return {}


def add_chart(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    chart = copy.deepcopy(req["chart"])
    chart.setdefault("chartId", state.new_int_id())
    anchor = chart.get("position", {}).get("overlayPosition", {}).get("anchorCell", {})
    sheet_id = anchor.get("sheetId", chart.get("position", {}).get("sheetId"))
    if sheet_id is None:
        sources = chart.get("spec", {}).get("basicChart", {}).get("domains", [])
        sheet_id = (
            0
            if not sources
            else sources[0]
            .get("domain", {})
            .get("sourceRange", {})
            .get("sources", [{}])[0]
            .get("sheetId", 0)
        )
    book.sheet_by_id(sheet_id).items("charts").append(chart)
    return {"addChart": {"chart": copy.deepcopy(chart)}}


def create_developer_metadata(state: State, book: Spreadsheet, req: dict[str, Any]) -> Reply:
    meta = copy.deepcopy(req["developerMetadata"])
    meta.setdefault("metadataId", state.new_int_id())
    location = meta.get("location", {})
    if "sheetId" in location:
        location["locationType"] = "SHEET"
        book.sheet_by_id(location["sheetId"]).items("developerMetadata").append(meta)
    else:
        meta["location"] = {"locationType": "SPREADSHEET", "spreadsheet": True}
        book.developer_metadata.append(meta)
    return {"createDeveloperMetadata": {"developerMetadata": copy.deepcopy(meta)}}


def _cell_request(func: Callable[[Spreadsheet, dict[str, Any]], Reply]) -> Handler:
    return lambda state, book, req: func(book, req)


Handler = Callable[[State, Spreadsheet, dict[str, Any]], Reply]

HANDLERS: dict[str, Handler] = {
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "updateDimensionProperties": update_dimension_properties,
    "insertDimension": insert_dimension_request,
    "deleteDimension": delete_dimension_request,
    "appendDimension": append_dimension,
    "addDimensionGroup": add_dimension_group,
    "deleteDimensionGroup": delete_dimension_group,
    "addNamedRange": add_named_range,
    "updateNamedRange": update_named_range,
    "deleteNamedRange": delete_named_range,
    "addProtectedRange": add_protected_range,
    "deleteProtectedRange": delete_protected_range,
    "addConditionalFormatRule": add_conditional_format_rule,
    "setBasicFilter": set_basic_filter,
    "clearBasicFilter": clear_basic_filter,
    "addChart": add_chart,
    "createDeveloperMetadata": create_developer_metadata,
    "updateCells": _cell_request(cells.update_cells),
    "repeatCell": _cell_request(cells.repeat_cell),
    "setDataValidation": _cell_request(cells.set_data_validation),
    "mergeCells": _cell_request(cells.merge_cells),
    "unmergeCells": _cell_request(cells.unmerge_cells),
    "sortRange": _cell_request(cells.sort_range),
    "copyPaste": _cell_request(cells.copy_paste),
    "cutPaste": _cell_request(cells.cut_paste),
    "autoResizeDimensions": _cell_request(cells.auto_resize),
}


def batch_update(state: State, book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    """Apply every request or none; the reply list has one entry per request."""
    requests = body.get("requests")
    if not requests:
        raise bad_request("Must specify at least one request.")
    work = copy.deepcopy(book)
    replies = []
    for i, request in enumerate(requests):
        if len(request) != 1:
            raise bad_request(f"Invalid requests[{i}]: exactly one kind of request is required.")
        kind, payload = next(iter(request.items()))
        handler = HANDLERS.get(kind)
        if handler is None:
            raise bad_request(
                f'Invalid JSON payload received. Unknown name "{kind}" at '
                f"'requests[{i}]': Cannot find field."
            )
        try:
            replies.append(handler(state, work, payload or {}))
            check_cell_count(sum(s.rows * s.cols for s in work.sheets))
        except (RequestError, ApiError, KeyError) as exc:
            message = exc.message if isinstance(exc, ApiError) else str(exc).strip("'")
            raise bad_request(f"Invalid requests[{i}].{kind}: {message}") from exc
    book.properties, book.sheets = work.properties, work.sheets
    book.named_ranges, book.developer_metadata = work.named_ranges, work.developer_metadata
    return {"spreadsheetId": book.spreadsheet_id, "replies": replies}

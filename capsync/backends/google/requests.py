"""Translate a :class:`~capsync.spec.WorkbookSpec` into ONE ``spreadsheets.batchUpdate`` body.

Pure functions: no I/O, plain dicts in the shape the Sheets v4 API documents,
tested with plain asserts.

One request renders everything. Values go in ``updateCells`` together with
their formats and notes, so a whole workbook costs one write against the
quota of 60 per minute, and a replacement is atomic (Google applies a
batchUpdate all or nothing). Formula safety is kept by construction: a
``str`` becomes ``stringValue`` — literal text, never parsed, even when it
starts with « = » (the batchUpdate equivalent of ``valueInputOption=RAW``);
only :class:`~capsync.spec.Formula` becomes ``formulaValue``.

Replacing the content of an existing spreadsheet uses a placeholder sheet:
add the placeholder, delete every old sheet, add the new sheets, delete the
placeholder and set the title — in that order, in the same batch. A brand-new
spreadsheet is the same case with one old sheet, the ``Sheet1`` (id 0) that
Drive creates.

Sheet ids are derived from sheet names (CRC-32), so they stay stable across
re-renders and a délégué·e's link to a dashboard tab (``#gid=…``) keeps working.

The workbook's identity is written twice: as rows of the hidden ``_capsync``
sheet (so an .xlsx export still carries it) and as developer metadata located
on that sheet. Sheet-located metadata disappears with its sheet, so a
re-render replaces it atomically instead of piling up duplicates.

Radar charts: the Sheets API has no radar ``basicChart`` type (only the UI
draws them); a RADAR chart is rendered as a BAR chart over the same ranges
and axis bounds, which shows the same chapter profile.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from capsync.backends.google.styles import cell_format, conditional_format, rgb
from capsync.workbook.identity import IDENTITY_SHEET, identity_rows
from capsync.workbook.spec import (
    EDITABLE_STYLES,
    CellRange,
    Chart,
    ChartKind,
    ConditionalFormat,
    ConditionalKind,
    DateValidation,
    Formula,
    ListValidation,
    SheetSpec,
    Value,
    WorkbookSpec,
)

Request = dict[str, Any]

PLACEHOLDER_ID = 2_147_483_000
PLACEHOLDER_TITLE = "__capsync_remplacement__"
METADATA_PREFIX = "capsync."
SPARE_ROWS = 100  # room below the spec's rows for people (plans, extra lines)
MIN_COLUMNS = 26
SPARE_COLUMNS = 6  # structures add columns of their own
CHAR_PIXELS = 7  # one character of Calibri 10 ≈ 7 px, as Excel counts column widths
CELL_FIELDS = "userEnteredValue,userEnteredFormat,note"
_EPOCH = dt.datetime(1899, 12, 30)
_CHART_TYPES = {
    ChartKind.COLUMN: "COLUMN",
    ChartKind.BAR: "BAR",
    ChartKind.LINE: "LINE",
    ChartKind.RADAR: "BAR",  # no radar in the API: see the module docstring
}
_SCALE_COLOURS = ("#F8696B", "#FFEB84", "#63BE7B")


@dataclass(frozen=True)
class Rendered:
    """The batchUpdate body and the ids given to each sheet (for later replacements)."""

    requests: list[Request]
    sheet_ids: dict[str, int]

    @property
    def body(self) -> dict[str, Any]:
        return {"requests": self.requests}


def sheet_ids(names: Iterable[str]) -> dict[str, int]:
    """Stable, distinct sheet ids from the sheet names (never 0, never the placeholder's)."""
    ids: dict[str, int] = {}
    taken = {0, PLACEHOLDER_ID}
    for name in names:
        candidate = zlib.crc32(name.encode()) % 2_000_000_000 + 1
        while candidate in taken:
            candidate = candidate % 2_000_000_000 + 1
        ids[name] = candidate
        taken.add(candidate)
    return ids


def all_sheets(spec: WorkbookSpec) -> list[SheetSpec]:
    """The spec's sheets plus the hidden identity sheet when the spec carries metadata."""
    sheets = list(spec.sheets)
    if spec.metadata and all(s.name != IDENTITY_SHEET for s in sheets):
        rows: list[list[Value]] = [[str(v) for v in row] for row in identity_rows(spec.metadata)]
        sheets.append(SheetSpec(name=IDENTITY_SHEET, rows=rows, hidden=True, protected=True))
    return sheets


def render_requests(
    spec: WorkbookSpec,
    *,
    title: str,
    old_sheet_ids: Sequence[int] = (0,),
    editors: Sequence[str] = (),
) -> Rendered:
    """The whole batchUpdate that turns a spreadsheet holding ``old_sheet_ids`` into ``spec``.

    ``editors`` are the accounts allowed to edit protected ranges (the service
    account); ``title`` becomes the spreadsheet's (and so the Drive file's) name.
    """
    sheets = all_sheets(spec)
    ids = sheet_ids(s.name for s in sheets)
    by_name = {s.name: s for s in sheets}
    requests: list[Request] = [
        {
            "addSheet": {
                "properties": {
                    "sheetId": PLACEHOLDER_ID,
                    "title": PLACEHOLDER_TITLE,
                    "index": 0,
                    "gridProperties": {"rowCount": 1, "columnCount": 1},
                }
            }
        }
    ]
    requests += [{"deleteSheet": {"sheetId": old}} for old in dict.fromkeys(old_sheet_ids)]
    for index, sheet in enumerate(sheets):
        requests += sheet_requests(sheet, ids[sheet.name], index + 1, ids, by_name, editors)
    if spec.metadata:
        requests += metadata_requests(spec.metadata, ids[IDENTITY_SHEET])
    requests.append({"deleteSheet": {"sheetId": PLACEHOLDER_ID}})
    requests.append(
        {"updateSpreadsheetProperties": {"properties": {"title": title}, "fields": "title"}}
    )
    return Rendered(requests, ids)


def metadata_requests(metadata: dict[str, str], sheet_id: int) -> list[Request]:
    return [
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": METADATA_PREFIX + key,
                    "metadataValue": value,
                    "location": {"sheetId": sheet_id},
                    "visibility": "PROJECT",
                }
            }
        }
        for key, value in metadata.items()
    ]


# -- one sheet --------------------------------------------------------------------------


def grid_size(sheet: SheetSpec) -> tuple[int, int]:
    """(rows, columns) of the sheet's grid: the spec's cells plus room for people."""
    rows = len(sheet.rows) + SPARE_ROWS
    cols = max(sheet.width + SPARE_COLUMNS, len(sheet.column_widths), MIN_COLUMNS)
    for chart in sheet.charts:
        rows = max(rows, chart.anchor_row + 1)
        cols = max(cols, chart.anchor_col + 1)
    return rows, cols


def sheet_requests(
    sheet: SheetSpec,
    sheet_id: int,
    index: int,
    ids: dict[str, int],
    by_name: dict[str, SheetSpec],
    editors: Sequence[str],
) -> list[Request]:
    rows, cols = grid_size(sheet)
    grid: dict[str, Any] = {"rowCount": rows, "columnCount": cols}
    if sheet.freeze_rows:
        grid["frozenRowCount"] = sheet.freeze_rows
    if sheet.freeze_cols:
        grid["frozenColumnCount"] = sheet.freeze_cols
    props: dict[str, Any] = {
        "sheetId": sheet_id,
        "title": sheet.name,
        "index": index,
        "gridProperties": grid,
    }
    if sheet.hidden:
        props["hidden"] = True
    if sheet.tab_color:
        props["tabColorStyle"] = {"rgbColor": rgb(sheet.tab_color)}
    out: list[Request] = [{"addSheet": {"properties": props}}]
    out += _column_widths(sheet, sheet_id)
    out += _hidden_rows(sheet, sheet_id)
    if sheet.rows:
        out.append(
            {
                "updateCells": {
                    "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                    "rows": cell_rows(sheet),
                    "fields": CELL_FIELDS,
                }
            }
        )
    out += [
        {"mergeCells": {"range": grid_range(m, sheet_id), "mergeType": "MERGE_ALL"}}
        for m in sheet.merges
    ]
    out += [validation_request(v, sheet_id) for v in sheet.validations]
    out += [conditional_request(c, sheet_id, i) for i, c in enumerate(sheet.conditional_formats)]
    out += [chart_request(c, sheet_id, ids, by_name) for c in sheet.charts]
    if sheet.protected:
        out.append(protection_request(sheet, sheet_id, editors))
    return out


def grid_range(area: CellRange, sheet_id: int) -> dict[str, int]:
    """A CellRange (0-based, inclusive) as a GridRange (end-exclusive)."""
    return {
        "sheetId": sheet_id,
        "startRowIndex": area.first_row,
        "endRowIndex": area.last_row + 1,
        "startColumnIndex": area.first_col,
        "endColumnIndex": area.last_col + 1,
    }


def _runs(indices: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted indices → (start, end-exclusive) runs of consecutive ones."""
    runs: list[tuple[int, int]] = []
    for i in sorted(set(indices)):
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


def _column_widths(sheet: SheetSpec, sheet_id: int) -> list[Request]:
    out: list[Request] = []
    start = 0
    widths = sheet.column_widths
    while start < len(widths):
        end = start
        while end < len(widths) and widths[end] == widths[start]:
            end += 1
        out.append(
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": sheet_id,
                        "dimension": "COLUMNS",
                        "startIndex": start,
                        "endIndex": end,
                    },
                    "properties": {"pixelSize": round(widths[start] * CHAR_PIXELS + 5)},
                    "fields": "pixelSize",
                }
            }
        )
        start = end
    return out


def _hidden_rows(sheet: SheetSpec, sheet_id: int) -> list[Request]:
    return [
        {
            "updateDimensionProperties": {
                "range": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": a, "endIndex": b},
                "properties": {"hiddenByUser": True},
                "fields": "hiddenByUser",
            }
        }
        for a, b in _runs(sheet.hidden_rows)
    ]


# -- cells ------------------------------------------------------------------------------


def date_serial(value: dt.date | dt.datetime) -> float:
    """Sheets' serial day number (1899-12-30 is 0), with the time as a fraction."""
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - _EPOCH
        return delta.days + delta.seconds / 86400
    return float((value - _EPOCH.date()).days)


def entered_value(value: Value) -> dict[str, Any] | None:
    """The ExtendedValue of a spec value; a ``str`` is always literal text."""
    if value is None or value == "":
        return None
    if isinstance(value, Formula):
        return {"formulaValue": value.text}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": value} if math.isfinite(value) else None
    if isinstance(value, dt.date):
        serial = date_serial(value)
        return {"numberValue": int(serial) if serial.is_integer() else serial}
    return {"stringValue": str(value)}


def cell_rows(sheet: SheetSpec) -> list[dict[str, Any]]:
    """The RowData of every spec row, values, formats and notes together."""
    width = sheet.width
    merge_top_left = {
        (r, c): (m.first_row, m.first_col)
        for m in sheet.merges
        for r in range(m.first_row, m.last_row + 1)
        for c in range(m.first_col, m.last_col + 1)
    }
    out = []
    for r, row in enumerate(sheet.rows):
        values = []
        for c in range(width):
            value = row[c] if c < len(row) else None
            anchor = merge_top_left.get((r, c), (r, c))
            if anchor != (r, c):
                value = None
            style = sheet.style_at(*anchor)
            cell: dict[str, Any] = {}
            entered = entered_value(value)
            if entered is not None:
                cell["userEnteredValue"] = entered
            fmt = cell_format(style, is_date=isinstance(value, dt.date))
            if fmt is not None:
                cell["userEnteredFormat"] = fmt
            if (r, c) in sheet.notes:
                cell["note"] = sheet.notes[(r, c)]
            values.append(cell)
        out.append({"values": values})
    return out


# -- validations, conditional formats, protection ---------------------------------------


def validation_request(validation: ListValidation | DateValidation, sheet_id: int) -> Request:
    if isinstance(validation, ListValidation):
        rule: dict[str, Any] = {
            "condition": {
                "type": "ONE_OF_LIST",
                "values": [{"userEnteredValue": choice} for choice in validation.choices],
            },
            "strict": validation.strict,
            "showCustomUi": True,
        }
    else:
        rule = {"condition": {"type": "DATE_IS_VALID"}, "strict": False}
    if validation.message:
        rule["inputMessage"] = validation.message
    return {"setDataValidation": {"range": grid_range(validation.target, sheet_id), "rule": rule}}


def conditional_request(conditional: ConditionalFormat, sheet_id: int, index: int) -> Request:
    target = grid_range(conditional.target, sheet_id)
    rule: dict[str, Any] = {"ranges": [target]}
    if conditional.kind == ConditionalKind.COLOR_SCALE:
        low, mid, high = (rgb(c) for c in _SCALE_COLOURS)
        middle = (conditional.minimum + conditional.maximum) / 2
        points = (
            ("minpoint", conditional.minimum, low),
            ("midpoint", middle, mid),
            ("maxpoint", conditional.maximum, high),
        )
        rule["gradientRule"] = {
            key: {"type": "NUMBER", "value": _num(value), "colorStyle": {"rgbColor": colour}}
            for key, value, colour in points
        }
    else:
        text = conditional.text
        if text.startswith("="):  # a TEXT_EQ value starting with = would be a formula
            first = conditional.target
            corner = CellRange(first.first_row, first.first_col, first.first_row, first.first_col)
            quoted = text.replace('"', '""')
            condition = {
                "type": "CUSTOM_FORMULA",
                "values": [{"userEnteredValue": f'={corner.a1()}="{quoted}"'}],
            }
        else:
            condition = {"type": "TEXT_EQ", "values": [{"userEnteredValue": text}]}
        rule["booleanRule"] = {
            "condition": condition,
            "format": conditional_format(conditional.style),
        }
    return {"addConditionalFormatRule": {"rule": rule, "index": index}}


def _num(value: float) -> str:
    """InterpolationPoint values are strings; « 4 » rather than « 4.0 »."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def editable_rectangles(sheet: SheetSpec) -> list[CellRange]:
    """The INPUT / INPUT_DATE cells of the sheet as few rectangles as possible."""
    width = sheet.width
    open_: dict[tuple[int, int], int] = {}  # (first col, last col) → first row
    done: list[CellRange] = []
    for r in range(len(sheet.rows)):
        cols = [c for c in range(width) if sheet.style_at(r, c) in EDITABLE_STYLES]
        runs = {(a, b - 1) for a, b in _runs(cols)}
        for span in [s for s in open_ if s not in runs]:
            done.append(CellRange(open_.pop(span), span[0], r - 1, span[1]))
        for span in runs:
            open_.setdefault(span, r)
    for span, first in open_.items():
        done.append(CellRange(first, span[0], len(sheet.rows) - 1, span[1]))
    return sorted(done, key=lambda a: (a.first_row, a.first_col))


def protection_request(sheet: SheetSpec, sheet_id: int, editors: Sequence[str]) -> Request:
    """The whole sheet editable by the service account only, except the INPUT cells."""
    protected: dict[str, Any] = {
        "range": {"sheetId": sheet_id},
        "description": f"capsync : « {sheet.name} » est tenu à jour par la synchronisation",
        "warningOnly": False,
        "unprotectedRanges": [grid_range(a, sheet_id) for a in editable_rectangles(sheet)],
    }
    if editors:
        protected["editors"] = {"users": list(editors)}
    return {"addProtectedRange": {"protectedRange": protected}}


# -- charts ------------------------------------------------------------------------------


def _has_headers(chart: Chart, by_name: dict[str, SheetSpec], own: str) -> bool:
    """Whether the cell above every series holds its name, so Sheets can label the legend."""
    for series in chart.series:
        area = series.values
        sheet = by_name.get(area.sheet or own)
        if sheet is None or area.first_row == 0 or chart.categories.first_row != area.first_row:
            return False
        row = sheet.rows[area.first_row - 1] if area.first_row - 1 < len(sheet.rows) else []
        if area.first_col >= len(row) or row[area.first_col] != series.name:
            return False
    return True


def chart_request(
    chart: Chart, sheet_id: int, ids: dict[str, int], by_name: dict[str, SheetSpec]
) -> Request:
    own = next(name for name, i in ids.items() if i == sheet_id)
    headers = _has_headers(chart, by_name, own)

    def source(area: CellRange) -> dict[str, Any]:
        if headers:
            area = CellRange(area.first_row - 1, area.first_col, area.last_row, area.last_col,
                             area.sheet)  # fmt: skip
        return {"sourceRange": {"sources": [grid_range(area, ids[area.sheet or own])]}}

    chart_type = _CHART_TYPES[chart.kind]
    value_axis = "BOTTOM_AXIS" if chart_type == "BAR" else "LEFT_AXIS"
    axis: dict[str, Any] = {"position": value_axis}
    window: dict[str, Any] = {}
    if chart.y_min is not None:
        window["viewWindowMin"] = chart.y_min
    if chart.y_max is not None:
        window["viewWindowMax"] = chart.y_max
    if window:
        axis["viewWindowOptions"] = {**window, "viewWindowMode": "EXPLICIT"}
    basic = {
        "chartType": chart_type,
        "legendPosition": "NO_LEGEND" if len(chart.series) == 1 else "BOTTOM_LEGEND",
        "axis": [axis],
        "domains": [{"domain": source(chart.categories)}],
        "series": [{"series": source(s.values), "targetAxis": value_axis} for s in chart.series],
        "headerCount": 1 if headers else 0,
    }
    return {
        "addChart": {
            "chart": {
                "spec": {"title": chart.title, "basicChart": basic},
                "position": {
                    "overlayPosition": {
                        "anchorCell": {
                            "sheetId": sheet_id,
                            "rowIndex": chart.anchor_row,
                            "columnIndex": chart.anchor_col,
                        },
                        "widthPixels": chart.width,
                        "heightPixels": chart.height,
                    }
                },
            }
        }
    }


__all__ = ["PLACEHOLDER_ID", "Rendered", "all_sheets", "render_requests", "sheet_ids"]

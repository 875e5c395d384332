"""Translate a :class:`~capsync.spec.WorkbookSpec` into ONE ``spreadsheets.batchUpdate`` body.

Pure functions: no I/O, plain dicts in the shape the Sheets v4 API documents,
tested with plain asserts.

One request renders everything. Values and notes go in one ``updateCells``,
formats in one ``repeatCell`` per rectangle of identical format (a format
repeated in every cell made a grid's request 2 MB, 97 % of it formats), so a
whole workbook costs one write against the quota of 60 per minute, and a
replacement is atomic (Google applies a batchUpdate all or nothing). Formula
safety is kept by construction: a ``str`` becomes ``stringValue`` — literal
text, never parsed, even when it starts with « = » (the batchUpdate equivalent
of ``valueInputOption=RAW``); only :class:`~capsync.spec.Formula` becomes ``formulaValue``.

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

The requests of one sheet are built here; its cells (:mod:`.cell_data`),
validations, conditional formats and protection (:mod:`.sheet_rules`) and
charts (:mod:`.charts`) each have their module.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from capsync.backends.google.cell_data import CELL_FIELDS, cell_rows
from capsync.backends.google.cell_formats import format_requests
from capsync.backends.google.charts import chart_request
from capsync.backends.google.ranges import grid_range, runs
from capsync.backends.google.sheet_rules import (
    conditional_request,
    editor_range_requests,
    filter_request,
    protection_request,
    validation_request,
)
from capsync.backends.google.styles import rgb
from capsync.workbook.identity import IDENTITY_SHEET, identity_rows
from capsync.workbook.spec import SheetSpec, Value, WorkbookSpec

Request = dict[str, Any]

PLACEHOLDER_ID = 2_147_483_000
# A service account's spreadsheets are en_US / Etc/GMT: « 03/04/2026 » typed in a French
# grid would be 4 March. Every rendering sets the French locale and time zone.
LOCALE = "fr_FR"
TIME_ZONE = "Europe/Paris"
PLACEHOLDER_TITLE = "__capsync_remplacement__"
METADATA_PREFIX = "capsync."
SPARE_ROWS = 100  # room below the spec's rows for people (plans, extra lines)
MIN_COLUMNS = 26
SPARE_COLUMNS = 6  # structures add columns of their own
CHAR_PIXELS = 7  # one character of Calibri 10 ≈ 7 px, as Excel counts column widths


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
    # a rewrite that failed half-way left its placeholder: it serves again
    leftover = PLACEHOLDER_ID in old_sheet_ids
    requests: list[Request] = (
        []
        if leftover
        else [
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
    )
    requests += [
        {"deleteSheet": {"sheetId": old}}
        for old in dict.fromkeys(old_sheet_ids)
        if old != PLACEHOLDER_ID
    ]
    for index, sheet in enumerate(sheets):
        requests += sheet_requests(sheet, ids[sheet.name], index + 1, ids, by_name, editors)
    if spec.metadata:
        requests += metadata_requests(spec.metadata, ids[IDENTITY_SHEET])
    requests.append({"deleteSheet": {"sheetId": PLACEHOLDER_ID}})
    requests.append(
        {
            "updateSpreadsheetProperties": {
                "properties": {"title": title, "locale": LOCALE, "timeZone": TIME_ZONE},
                "fields": "title,locale,timeZone",
            }
        }
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
        out += format_requests(sheet, sheet_id)
    out += [
        {"mergeCells": {"range": grid_range(m, sheet_id), "mergeType": "MERGE_ALL"}}
        for m in sheet.merges
    ]
    out += [validation_request(v, sheet_id) for v in sheet.validations]
    out += [conditional_request(c, sheet_id, i) for i, c in enumerate(sheet.conditional_formats)]
    out += [chart_request(c, sheet_id, ids, by_name) for c in sheet.charts]
    out += filter_request(sheet, sheet_id)
    if sheet.protected:
        out.append(protection_request(sheet, sheet_id, editors))
        out += editor_range_requests(sheet, sheet_id, editors)
    return out


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
        for a, b in runs(sheet.hidden_rows)
    ]


__all__ = ["PLACEHOLDER_ID", "Rendered", "all_sheets", "render_requests", "sheet_ids"]

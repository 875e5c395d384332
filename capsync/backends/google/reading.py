"""Turn one ``spreadsheets.get`` answer (grid data) into a RawWorkbook (pure).

Why ``spreadsheets.get`` with a ``fields`` mask rather than ``values.batchGet``:
both are ONE read request, but ``values.batchGet`` needs the sheet names up
front, and people rename sheets and add their own; the grid-data read returns
every sheet, whatever its name, with each cell's type. Only the value and the
number-format type of each cell are asked for, which keeps the answer small.

Values come back the way the local backend gives them: text as ``str`` (empty
text as None), every number as ``float``, booleans as ``bool``, and numbers
formatted as dates (a date typed in the browser, or a date we wrote) as
``date`` / ``datetime`` / ``time``. A formula comes back as the formula a
person typed (« =IMPORTXML(…) », « +33 6 12 »), never as what Sheets made of
it: that is what was typed, and a parse anomaly says what is expected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from capsync.workbook.refs import RawWorkbook

READ_FIELDS = (
    "sheets(properties(sheetId,title),data(rowData(values("
    "effectiveValue,userEnteredValue/formulaValue,userEnteredFormat/numberFormat/type))))"
)
_EPOCH = dt.datetime(1899, 12, 30)
_ERRORS = {
    "NULL_VALUE": "#NULL!",
    "DIVIDE_BY_ZERO": "#DIV/0!",
    "VALUE": "#VALUE!",
    "REF": "#REF!",
    "NAME": "#NAME?",
    "NUM": "#NUM!",
    "N_A": "#N/A",
    "LOADING": "#LOADING",
}


def from_serial(number: float, kind: str) -> dt.date | dt.datetime | dt.time:
    """A serial day number as the date, date-time or time its format says it is."""
    moment = _EPOCH + dt.timedelta(days=number)
    if kind == "TIME":
        return moment.time()
    if kind == "DATE_TIME" or moment.time() != dt.time(0, 0):
        return moment
    return moment.date()


def cell_value(cell: dict[str, Any]) -> Any:
    formula = cell.get("userEnteredValue", {}).get("formulaValue")
    if formula:  # what the person typed, not what Sheets made of it (an error, a fetch)
        return formula
    effective = cell.get("effectiveValue")
    if not effective:
        return None
    if "stringValue" in effective:
        return effective["stringValue"] or None
    if "boolValue" in effective:
        return bool(effective["boolValue"])
    if "numberValue" in effective:
        number = float(effective["numberValue"])
        kind = cell.get("userEnteredFormat", {}).get("numberFormat", {}).get("type")
        if kind in ("DATE", "DATE_TIME", "TIME"):
            try:
                return from_serial(number, kind)
            except (OverflowError, ValueError):
                return number
        return number
    if "errorValue" in effective:
        return _ERRORS.get(effective["errorValue"].get("type", ""), "#ERROR!")
    return None


def raw_workbook(answer: Mapping[str, Any]) -> RawWorkbook:
    """Every sheet of the answer, in sheet order, trailing empty cells and rows dropped."""
    raw: RawWorkbook = {}
    for sheet in answer.get("sheets", []):
        title = sheet["properties"]["title"]
        rows: list[list[Any]] = []
        for data in sheet.get("data", []):
            top = data.get("startRow", 0)
            left = data.get("startColumn", 0)
            while len(rows) < top:
                rows.append([])
            for row in data.get("rowData", []):
                values = [None] * left + [cell_value(c) for c in row.get("values", [])]
                while values and values[-1] is None:
                    values.pop()
                rows.append(values)
        while rows and not rows[-1]:
            rows.pop()
        raw[title] = rows
    return raw


def sheet_ids(answer: Mapping[str, Any]) -> list[int]:
    return [s["properties"].get("sheetId", 0) for s in answer.get("sheets", [])]

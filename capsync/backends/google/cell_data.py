"""Spec cells → the ``RowData`` of an ``updateCells`` request: values and notes (pure).

Formula safety is kept by construction: a ``str`` becomes ``stringValue`` —
literal text, never parsed, even when it starts with « = » (the batchUpdate
equivalent of ``valueInputOption=RAW``); only :class:`~capsync.workbook.spec.Formula`
becomes ``formulaValue``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from capsync.workbook.spec import Formula, SheetSpec, Value

CELL_FIELDS = "userEnteredValue,note"
_EPOCH = dt.datetime(1899, 12, 30)


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
    serial = date_serial(value)  # a date or a datetime: nothing else is left
    return {"numberValue": int(serial) if serial.is_integer() else serial}


def cell_rows(sheet: SheetSpec) -> list[dict[str, Any]]:
    """The RowData of every spec row: values and notes only, each row cut after its last one.

    Formats go apart, one ``repeatCell`` per rectangle (:mod:`.cell_formats`): the sheet is
    new, so a cell left out here is simply empty."""
    merged_tails = {
        (r, c)
        for m in sheet.merges
        for r in range(m.first_row, m.last_row + 1)
        for c in range(m.first_col, m.last_col + 1)
        if (r, c) != (m.first_row, m.first_col)
    }
    out: list[dict[str, Any]] = []
    for r, row in enumerate(sheet.rows):
        values: list[dict[str, Any]] = []
        for c in range(sheet.width):
            value = row[c] if c < len(row) and (r, c) not in merged_tails else None
            cell: dict[str, Any] = {}
            entered = entered_value(value)
            if entered is not None:
                cell["userEnteredValue"] = entered
            if (r, c) in sheet.notes:
                cell["note"] = sheet.notes[(r, c)]
            values.append(cell)
        while values and not values[-1]:
            values.pop()
        out.append({"values": values} if values else {})
    return out

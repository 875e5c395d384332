"""A few cells typed into a live spreadsheet: one ``values.batchUpdate`` body (pure).

Used when a returned file's answers are merged into a Google Sheet people are
editing (``capsync import``): only the cells that change are sent, so nothing
else a person typed, formatted or is typing at that moment is touched. The
values go ``RAW``: a ``str`` is stored as literal text even when it starts with
« = » — text typed by a person never becomes a formula in anyone's sheet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from capsync.backends.google.cell_data import date_serial
from capsync.workbook.refs import RawValue
from capsync.workbook.spec import cell_a1


def quoted_sheet(title: str) -> str:
    """A sheet title as A1 notation wants it: « 'Chapitre 1' », quotes doubled."""
    return "'" + title.replace("'", "''") + "'"


def raw_value(value: RawValue) -> Any:
    """The JSON a RAW write stores as that value: text, number, boolean; a date as the serial
    number Sheets shows with the cell's date format; a time as a fraction of a day."""
    if value is None:
        return ""
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    if isinstance(value, dt.date):  # a datetime too
        serial = date_serial(value)
        return int(serial) if serial.is_integer() else serial
    return value


def values_body(cells: Mapping[tuple[str, int, int], RawValue]) -> dict[str, Any]:
    """One ValueRange per cell (sheet, 0-based row, 0-based column), in sheet order."""
    return {
        "valueInputOption": "RAW",
        "data": [
            {
                "range": f"{quoted_sheet(sheet)}!{cell_a1(row, col)}",
                "majorDimension": "ROWS",
                "values": [[raw_value(value)]],
            }
            for (sheet, row, col), value in sorted(cells.items(), key=lambda item: item[0])
        ],
    }

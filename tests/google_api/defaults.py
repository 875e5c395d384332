"""Google's defaults for a new spreadsheet, as Sheets v4 reports them.

Every spreadsheet Google creates reports these exact properties until changed, so the
test server must too or a client comparing metadata would notice.
"""

from __future__ import annotations

import copy
from typing import Any

DEFAULT_ROWS = 1000
DEFAULT_COLUMNS = 26
DEFAULT_SHEET_TITLE = "Sheet1"
DEFAULT_PIXEL_SIZE = 100
DEFAULT_ROW_PIXEL_SIZE = 21


def _rgb(red: float, green: float, blue: float) -> dict[str, float]:
    color = {"red": red, "green": green, "blue": blue}
    return {k: v for k, v in color.items() if v}


def _theme_color(kind: str, rgb: dict[str, float]) -> dict[str, Any]:
    return {"colorType": kind, "color": {"rgbColor": rgb}}


_DEFAULT_FORMAT: dict[str, Any] = {
    "backgroundColor": _rgb(1, 1, 1),
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": _rgb(1, 1, 1)},
}

_SPREADSHEET_THEME: dict[str, Any] = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        _theme_color("TEXT", {}),
        _theme_color("BACKGROUND", _rgb(1, 1, 1)),
        _theme_color("ACCENT1", _rgb(0.25882354, 0.52156866, 0.95686275)),
        _theme_color("ACCENT2", _rgb(0.91764706, 0.2627451, 0.20784314)),
        _theme_color("ACCENT3", _rgb(0.9843137, 0.7372549, 0.015686275)),
        _theme_color("ACCENT4", _rgb(0.20392157, 0.65882355, 0.3254902)),
        _theme_color("ACCENT5", _rgb(1, 0.42745098, 0.003921569)),
        _theme_color("ACCENT6", _rgb(0.27450982, 0.7411765, 0.7764706)),
        _theme_color("LINK", _rgb(0.06666667, 0.33333334, 0.8)),
    ],
}


def spreadsheet_properties(title: str) -> dict[str, Any]:
    """Properties of a spreadsheet Google has just created (fresh copy, safe to mutate)."""
    return {
        "title": title,
        "locale": "en_US",
        "autoRecalc": "ON_CHANGE",
        "timeZone": "Etc/GMT",
        "defaultFormat": copy.deepcopy(_DEFAULT_FORMAT),
        "spreadsheetTheme": copy.deepcopy(_SPREADSHEET_THEME),
    }

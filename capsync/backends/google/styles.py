"""How each :class:`~capsync.spec.Style` looks in Google Sheets (pure data).

The choices mirror :mod:`capsync.backends.xlsx_render` colour for colour, so a
grid looks the same in Excel, LibreOffice and Sheets. Sheets has no per-cell
« locked » flag: what xlsx expresses with ``locked: False`` is expressed here
by the protected ranges' ``unprotectedRanges`` (see :mod:`.requests`).
"""

from __future__ import annotations

from typing import Any

from capsync.french import PERCENT_FORMAT
from capsync.workbook.spec import Style

DATE_PATTERN = "dd/mm/yyyy"
FONT = "Calibri"
FONT_SIZE = 10

CellFormat = dict[str, Any]


def rgb(hex_colour: str) -> dict[str, float]:
    """« #D9E1F2 » → Sheets' Color (floats 0..1)."""
    text = hex_colour.lstrip("#")
    red, green, blue = (int(text[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return {"red": round(red, 4), "green": round(green, 4), "blue": round(blue, 4)}


def _border(colour: str | None = None) -> dict[str, Any]:
    side: dict[str, Any] = {"style": "SOLID"}
    if colour:
        side["colorStyle"] = {"rgbColor": rgb(colour)}
    return {"top": side, "bottom": side, "left": side, "right": side}


def _text(**props: Any) -> dict[str, Any]:
    return {"fontFamily": FONT, "fontSize": FONT_SIZE, **props}


_BASE: CellFormat = {"verticalAlignment": "TOP", "textFormat": _text()}

_STYLES: dict[Style, CellFormat] = {
    Style.TITLE: {
        "verticalAlignment": "MIDDLE",
        "textFormat": _text(bold=True, fontSize=14),
    },
    Style.HEADER: {
        "verticalAlignment": "MIDDLE",
        "backgroundColorStyle": {"rgbColor": rgb("#D9E1F2")},
        "wrapStrategy": "WRAP",
        "borders": _border(),
        "textFormat": _text(bold=True),
    },
    Style.LOCKED: {
        "backgroundColorStyle": {"rgbColor": rgb("#F2F2F2")},
        "wrapStrategy": "WRAP",
        "borders": _border("#BFBFBF"),
    },
    Style.TEXT: {"wrapStrategy": "WRAP"},
    # « Plain text »: what a person types is kept as typed — « =IMPORTXML(…) » does not run,
    # « +33 6… » or « - à revoir » do not become #ERROR!, and a typed « 3 » is read as « 3 ».
    Style.INPUT: {
        "backgroundColorStyle": {"rgbColor": rgb("#FFF9DB")},
        "wrapStrategy": "WRAP",
        "borders": _border("#BFBFBF"),
        "numberFormat": {"type": "TEXT"},
    },
    Style.INPUT_DATE: {
        "backgroundColorStyle": {"rgbColor": rgb("#FFF9DB")},
        "borders": _border("#BFBFBF"),
        "numberFormat": {"type": "DATE", "pattern": DATE_PATTERN},
    },
    Style.DATE: {"numberFormat": {"type": "DATE", "pattern": DATE_PATTERN}},
    Style.SCORE: {"numberFormat": {"type": "NUMBER", "pattern": "0.0"}},
    Style.PERCENT: {"numberFormat": {"type": "PERCENT", "pattern": PERCENT_FORMAT}},
    Style.INTEGER: {"numberFormat": {"type": "NUMBER", "pattern": "0"}},
    Style.LEVEL: {},  # automatic: « 2 » and « 2,5 », never « 2,0 »
    Style.WARNING: {
        "backgroundColorStyle": {"rgbColor": rgb("#FFC7CE")},
        "textFormat": _text(foregroundColorStyle={"rgbColor": rgb("#9C0006")}),
    },
    Style.GOOD: {
        "backgroundColorStyle": {"rgbColor": rgb("#C6EFCE")},
        "textFormat": _text(foregroundColorStyle={"rgbColor": rgb("#006100")}),
    },
    Style.NOTE: {
        "wrapStrategy": "WRAP",
        "textFormat": _text(
            italic=True, fontSize=9, foregroundColorStyle={"rgbColor": rgb("#7F7F7F")}
        ),
    },
    Style.REVIEW: {  # the tiers' and the pair's cells: typed as text, like INPUT
        "backgroundColorStyle": {"rgbColor": rgb("#E8E0F5")},
        "wrapStrategy": "WRAP",
        "borders": _border("#8E7CC3"),
        "numberFormat": {"type": "TEXT"},
    },
    Style.COMPUTED: {
        "backgroundColorStyle": {"rgbColor": rgb("#DDEBF7")},
        "horizontalAlignment": "CENTER",
        "borders": _border("#BFBFBF"),
        "numberFormat": {"type": "NUMBER", "pattern": "0.#"},
    },
}


def cell_format(style: Style | None, is_date: bool = False) -> CellFormat | None:
    """The userEnteredFormat of a cell of ``style``; None for an unstyled, non-date cell."""
    if style is None and not is_date:
        return None
    fmt: CellFormat = {**_BASE, **(_STYLES[style] if style else {})}
    if is_date:
        fmt["numberFormat"] = {"type": "DATE", "pattern": DATE_PATTERN}
    return fmt


def conditional_format(style: Style) -> CellFormat:
    """The format a conditional rule applies: colours and font emphasis only (like xlsx dxf)."""
    base = _STYLES[style]
    out: CellFormat = {}
    if "backgroundColorStyle" in base:
        out["backgroundColorStyle"] = base["backgroundColorStyle"]
    text = {k: v for k, v in base.get("textFormat", {}).items()
            if k in ("foregroundColorStyle", "bold", "italic")}  # fmt: skip
    if text:
        out["textFormat"] = text
    return out

"""A spec's chart as an ``addChart`` request (pure).

The Sheets API has no radar ``basicChart`` type (only the UI draws them): a
RADAR chart is rendered as a BAR chart over the same ranges and axis bounds,
which shows the same chapter profile. Lines have a point on each value and the
label threshold is dashed, as in the .xlsx.
"""

from __future__ import annotations

from typing import Any

from capsync.backends.google.ranges import grid_range
from capsync.workbook.spec import CellRange, Chart, ChartKind, Series, SheetSpec

Request = dict[str, Any]

_CHART_TYPES = {
    ChartKind.COLUMN: "COLUMN",
    ChartKind.BAR: "BAR",
    ChartKind.LINE: "LINE",
    ChartKind.RADAR: "BAR",  # no radar in the API: see the module docstring
}


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


MARKER = {"shape": "CIRCLE", "size": 7}
"""A point on every value of a line: a one-date « Progression » is otherwise an empty chart."""
THRESHOLD_LOOK = {"type": "MEDIUM_DASHED", "width": 2}
"""The label threshold: dashed and without points, so it is not read as data."""


def _line_look(series: Series, *, drawn_as_line: bool) -> dict[str, Any]:
    """How a series drawn as a line looks, as the .xlsx draws it; the API takes a point style
    only on line series (its reference: « valid only if the chartType is AREA, LINE, or
    SCATTER »), so a column or bar series gets nothing."""
    if not drawn_as_line:
        return {}
    return {"lineStyle": THRESHOLD_LOOK} if series.line else {"pointStyle": MARKER}


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
    combo = chart_type == "COLUMN" and any(s.line for s in chart.series)
    basic = {
        "chartType": "COMBO" if combo else chart_type,
        "legendPosition": "NO_LEGEND" if len(chart.series) == 1 else "BOTTOM_LEGEND",
        "axis": [axis],
        "domains": [{"domain": source(chart.categories)}],
        "series": [
            {"series": source(s.values), "targetAxis": value_axis}
            | ({"type": "LINE" if s.line else "COLUMN"} if combo else {})
            | _line_look(s, drawn_as_line=chart_type == "LINE" or (combo and s.line))
            for s in chart.series
        ],
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

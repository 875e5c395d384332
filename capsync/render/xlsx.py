"""Render a :class:`~capsync.workbook.spec.WorkbookSpec` to an .xlsx file with XlsxWriter.

One renderer serves every workbook capsync writes (grids, dashboards,
restitutions, calendars), so it implements the whole spec and nothing else.

Formula safety: a ``str`` is always written with ``write_string`` — never with
XlsxWriter's generic ``write()``, which would turn a typed « =IMPORTXML(…) »
into a live formula. Only :class:`~capsync.workbook.spec.Formula` values become formulas.

Long drop-down lists (Excel limits an inline list to 255 characters, and an
inline list cannot hold a comma) are written to the hidden sheet ``_listes``
and referenced by range, so a validation never silently loses a choice.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter
from xlsxwriter.workbook import Format
from xlsxwriter.worksheet import Worksheet

from capsync.french import PERCENT_FORMAT
from capsync.render.xlsx_formulas import FormulaSheet
from capsync.render.xlsx_package import Workbook
from capsync.workbook.grid_schema import LISTS_SHEET
from capsync.workbook.identity import IDENTITY_SHEET, identity_rows
from capsync.workbook.spec import (
    EDITABLE_STYLES,
    CellRange,
    Chart,
    ConditionalFormat,
    ConditionalKind,
    DateValidation,
    Formula,
    ListValidation,
    Series,
    SheetSpec,
    Style,
    WorkbookSpec,
    row_heights,
)

DATE_FORMAT = "dd/mm/yyyy"
INLINE_LIST_LIMIT = 255

_BASE: dict[str, Any] = {"font_name": "Calibri", "font_size": 10, "valign": "top"}
_STYLE_PROPS: dict[Style, dict[str, Any]] = {
    Style.TITLE: {"bold": True, "font_size": 14, "valign": "vcenter"},
    Style.HEADER: {
        "bold": True,
        "bg_color": "#D9E1F2",
        "text_wrap": True,
        "border": 1,
        "valign": "vcenter",
    },
    Style.LOCKED: {
        "bg_color": "#F2F2F2",
        "text_wrap": True,
        "border": 1,
        "border_color": "#BFBFBF",
    },
    Style.TEXT: {"text_wrap": True},
    Style.INPUT: {
        "bg_color": "#FFF9DB",
        "text_wrap": True,
        "border": 1,
        "border_color": "#BFBFBF",
        "locked": False,
    },
    Style.INPUT_DATE: {
        "bg_color": "#FFF9DB",
        "border": 1,
        "border_color": "#BFBFBF",
        "num_format": DATE_FORMAT,
        "locked": False,
    },
    Style.DATE: {"num_format": DATE_FORMAT},
    Style.SCORE: {"num_format": "0.0"},
    Style.PERCENT: {"num_format": PERCENT_FORMAT},
    Style.INTEGER: {"num_format": "0"},
    Style.LEVEL: {"num_format": "General"},  # « 2 » and « 2,5 », never « 2,0 »
    Style.WARNING: {"font_color": "#9C0006", "bg_color": "#FFC7CE"},
    Style.GOOD: {"font_color": "#006100", "bg_color": "#C6EFCE"},
    Style.NOTE: {"italic": True, "font_color": "#7F7F7F", "font_size": 9, "text_wrap": True},
    Style.REVIEW: {
        "bg_color": "#E8E0F5",
        "text_wrap": True,
        "border": 1,
        "border_color": "#8E7CC3",
        "locked": False,
    },
    Style.COMPUTED: {
        "bg_color": "#DDEBF7",
        "num_format": "0.#",
        "align": "center",
        "border": 1,
        "border_color": "#BFBFBF",
    },
}
SHOWN_EMPTY = frozenset(
    style
    for style, props in _STYLE_PROPS.items()
    if "bg_color" in props or "border" in props or props.get("locked") is False
)
"""Styles an empty cell shows (a fill, a border) or needs (unlocked, to be typed in). On a
protected sheet nobody can type in a locked cell, so an empty cell of another style looks
exactly like no cell at all, and none is written: a quarter of a dashboard's cells (the
« Écarts » and plan rows with nothing to say), which XlsxWriter spent as much time on as on
the others. On a sheet people may type in, an empty cell keeps its number format."""
# Conditional formats (dxf) take colours and fonts only.
_CONDITIONAL_PROPS: dict[str, tuple[str, ...]] = {
    "keep": ("font_color", "bg_color", "bold", "italic")
}

_CHART_TYPES = {"column": "column", "bar": "bar", "line": "line", "radar": "radar"}


class _Formats:
    """XlsxWriter formats of one workbook, made once per (style, is_date)."""

    def __init__(self, workbook: xlsxwriter.Workbook):
        self._workbook = workbook
        self._cache: dict[tuple[Style | None, bool], Format | None] = {}
        self._conditional: dict[Style, Format] = {}

    def get(self, style: Style | None, is_date: bool = False) -> Format | None:
        key = (style, is_date)
        if key not in self._cache:
            if style is None and not is_date:
                self._cache[key] = None
            else:
                props = {**_BASE, **(_STYLE_PROPS[style] if style else {})}
                if is_date:
                    props["num_format"] = DATE_FORMAT
                self._cache[key] = self._workbook.add_format(props)
        return self._cache[key]

    def conditional(self, style: Style) -> Format:
        if style not in self._conditional:
            keep = _CONDITIONAL_PROPS["keep"]
            props = {k: v for k, v in _STYLE_PROPS[style].items() if k in keep}
            self._conditional[style] = self._workbook.add_format(props)
        return self._conditional[style]


def render_xlsx(spec: WorkbookSpec, path: Path | BinaryIO) -> None:
    """Write ``spec`` as an .xlsx workbook to ``path`` (a file path or a binary file object)."""
    target: Any = str(path) if isinstance(path, Path) else path
    options = {"in_memory": True, "nan_inf_to_errors": True, "strings_to_urls": False}
    workbook = Workbook(target, options)  # XlsxWriter's, its zip at zlib's fastest level
    workbook.set_properties({"title": spec.title, "author": "capsync"})
    formats = _Formats(workbook)
    lists = _ListSheet(workbook)
    worksheets: list[tuple[Worksheet, SheetSpec]] = []
    for sheet in spec.sheets:
        worksheets.append((workbook.add_worksheet(sheet.name, worksheet_class=FormulaSheet), sheet))
    for worksheet, sheet in worksheets:
        _render_sheet(workbook, worksheet, sheet, formats, lists)
    if spec.metadata and all(s.name != IDENTITY_SHEET for s in spec.sheets):
        ident = workbook.add_worksheet(IDENTITY_SHEET)
        for r, row in enumerate(identity_rows(spec.metadata)):
            for c, value in enumerate(row):
                ident.write_string(r, c, str(value))
        ident.hide()
    visible = [ws for ws, sheet in worksheets if not sheet.hidden]
    if visible:
        visible[0].activate()
    workbook.close()


def render_xlsx_bytes(spec: WorkbookSpec) -> bytes:
    """The .xlsx file of ``spec`` as bytes (for atomic writes and uploads)."""
    buffer = io.BytesIO()
    render_xlsx(spec, buffer)
    return buffer.getvalue()


class _ListSheet:
    """The hidden ``_listes`` sheet holding drop-down choices too long to inline."""

    def __init__(self, workbook: xlsxwriter.Workbook):
        self._workbook = workbook
        self._sheet: Worksheet | None = None
        self._columns: dict[tuple[str, ...], int] = {}

    def source(self, choices: tuple[str, ...]) -> str | list[str]:
        inline = ",".join(choices)
        if len(inline) <= INLINE_LIST_LIMIT and not any("," in c or '"' in c for c in choices):
            return list(choices)
        if self._sheet is None:
            self._sheet = self._workbook.add_worksheet(LISTS_SHEET)
            self._sheet.hide()
        if choices not in self._columns:
            col = len(self._columns)
            for r, choice in enumerate(choices):
                self._sheet.write_string(r, col, choice)
            self._columns[choices] = col
        col = self._columns[choices]
        area = CellRange(0, col, max(len(choices) - 1, 0), col, sheet=LISTS_SHEET)
        return "=" + _absolute(area)


def _absolute(area: CellRange) -> str:
    """A sheet-qualified absolute reference, e.g. ``'_listes'!$A$1:$A$7``."""
    text = area.a1()
    sheet, _, cells = text.rpartition("!")
    parts = []
    for cell in cells.split(":"):
        letters = "".join(ch for ch in cell if ch.isalpha())
        digits = cell[len(letters) :]
        parts.append(f"${letters}${digits}")
    return f"{sheet}!{':'.join(parts)}" if sheet else ":".join(parts)


def _render_sheet(
    workbook: xlsxwriter.Workbook,
    ws: Worksheet,
    sheet: SheetSpec,
    formats: _Formats,
    lists: _ListSheet,
) -> None:
    for col, width in enumerate(sheet.column_widths):
        ws.set_column(col, col, width)
    styles = sheet.row_style_lists(sheet.width)  # once, for the heights and the cells
    for r, height in row_heights(sheet, styles).items():
        ws.set_row(r, height)
    for r in sheet.hidden_rows:
        ws.set_row(r, None, None, {"hidden": True})
    merged_tails = {
        (r, c)
        for m in sheet.merges
        for r in range(m.first_row, m.last_row + 1)
        for c in range(m.first_col, m.last_col + 1)
        if (r, c) != (m.first_row, m.first_col)
    }
    for merge in sheet.merges:
        style = sheet.style_at(merge.first_row, merge.first_col)
        ws.merge_range(
            merge.first_row,
            merge.first_col,
            merge.last_row,
            merge.last_col,
            "",
            formats.get(style),
        )
    _write_rows(ws, sheet, styles, merged_tails, formats)
    for (r, c), text in sheet.notes.items():
        ws.write_comment(r, c, text, {"x_scale": 2, "y_scale": 2})
    for validation in sheet.validations:
        _add_validation(ws, validation, lists)
    for conditional in sheet.conditional_formats:
        _add_conditional(ws, conditional, formats)
    for chart in sheet.charts:
        _add_chart(workbook, ws, sheet.name, chart)
    if sheet.freeze_rows or sheet.freeze_cols:
        ws.freeze_panes(sheet.freeze_rows, sheet.freeze_cols)
    if sheet.autofilter is not None:
        a = sheet.autofilter
        ws.autofilter(a.first_row, a.first_col, a.last_row, a.last_col)
    _page_setup(ws, sheet)
    if sheet.protected:
        ws.protect(
            "",
            {
                "format_columns": True,
                "format_rows": True,
                "insert_rows": True,
                "insert_columns": True,
                "sort": True,
                "autofilter": True,
            },
        )
    if sheet.landscape:
        ws.set_landscape()
    ws.set_paper(9)  # A4
    if sheet.fit_width:
        ws.fit_to_pages(1, 0)
    if sheet.header_rows:
        ws.repeat_rows(0, sheet.header_rows - 1)
    if sheet.tab_color:
        ws.set_tab_color(sheet.tab_color)
    if sheet.hidden:
        ws.hide()


def _page_setup(ws: Worksheet, sheet: SheetSpec) -> None:
    """What a printed page says at its top and bottom (« Structure — Chapitre 2 », page n/N)."""
    if sheet.print_header:
        ws.set_header("&L" + _header_text(sheet.print_header))
    if sheet.print_footer:
        ws.set_footer("&L" + _header_text(sheet.print_footer) + "&RPage &P / &N")
    if sheet.print_header or sheet.print_footer:
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)


def _header_text(text: str) -> str:
    """Plain text for a page header: « & » is a control character there, doubled to print."""
    return text.replace("&", "&&")[:200]


def _write_rows(
    ws: Worksheet,
    sheet: SheetSpec,
    styles: list[list[Style | None]],
    merged_tails: set[tuple[int, int]],
    formats: _Formats,
) -> None:
    """Every cell of ``sheet`` but the hidden parts of merges, in its style; on a protected
    sheet, an empty one only where its style shows or needs it (:data:`SHOWN_EMPTY`).

    The styles come a row at a time (:meth:`SheetSpec.row_style_lists`), their formats
    once per distinct row of styles, and text, finite numbers, formulas and blanks (nearly
    every cell of a dashboard or a grid) go straight to XlsxWriter's undecorated writers
    (its public ones first try the row as A1 text): looked up cell by cell, the styles
    cost as much as XlsxWriter's own work. A str still goes to ``write_string`` only.
    """
    width = sheet.width
    write_string = getattr(ws, "_write_string", ws.write_string)
    write_number = getattr(ws, "_write_number", ws.write_number)
    write_formula = getattr(ws, "_write_formula", ws.write_formula)
    write_blank = getattr(ws, "_write_blank", ws.write_blank)
    row_formats: dict[tuple[Style | None, ...], tuple[list[Format | None], list[bool]]] = {}
    for r, (row, row_styles) in enumerate(zip(sheet.rows, styles, strict=True)):
        kinds = tuple(row_styles)  # most rows of a table share their styles, formats and all
        known = row_formats.get(kinds)
        if known is None:
            known = row_formats[kinds] = (
                [formats.get(style) for style in kinds],
                [not sheet.protected or style in SHOWN_EMPTY for style in kinds],
            )
        fmts, write_empty = known
        filled = len(row)
        for c in range(width):
            if merged_tails and (r, c) in merged_tails:
                continue
            value = row[c] if c < filled else None
            if type(value) is str:
                if value or write_empty[c]:
                    write_string(r, c, value, fmts[c])
            elif type(value) is int or (type(value) is float and math.isfinite(value)):
                write_number(r, c, value, fmts[c])  # a bool is no int here
            elif type(value) is Formula:
                # No cached result: LibreOffice shows a formula's cached result as it is
                # (XlsxWriter's default, 0, read « niveau actuel 0 » on every empty plan
                # line) and computes on opening only the formulas that have none.
                write_formula(r, c, value.text, fmts[c], "")
            elif value is None:
                if write_empty[c] and fmts[c] is not None:
                    write_blank(r, c, None, fmts[c])
            else:
                _write_cell(ws, r, c, value, row_styles[c], formats)


def _write_cell(
    ws: Worksheet, r: int, c: int, value: object, style: Style | None, formats: _Formats
) -> None:
    """Write one value with the writer of its type; a str is never a formula.

    ``value`` is ``object``, not a spec ``Value``: rows are built from data frames,
    and a value of another type (``numpy.int64`` is no ``int``, ``Decimal`` no
    ``float``) must still reach the cell readable, as text, rather than crash a sync.
    """
    if isinstance(value, str):
        ws.write_string(r, c, value, formats.get(style))
    elif isinstance(value, Formula):  # no cached result, as in _write_rows
        ws.write_formula(r, c, value.text, formats.get(style), "")
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, formats.get(style))
    elif isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            ws.write_blank(r, c, None, formats.get(style))
        else:
            ws.write_number(r, c, value, formats.get(style))
    elif isinstance(value, dt.datetime | dt.date):
        ws.write_datetime(r, c, value, formats.get(style, is_date=True))
    else:  # a value outside the spec's types: keep it readable, as text
        ws.write_string(r, c, str(value), formats.get(style))


def _add_validation(
    ws: Worksheet, validation: ListValidation | DateValidation, lists: _ListSheet
) -> None:
    t = validation.target
    options: dict[str, Any]
    if isinstance(validation, ListValidation):
        options = {
            "validate": "list",
            "source": lists.source(validation.choices),
            "error_type": "stop" if validation.strict else "warning",
        }
        if not validation.alert:
            options["show_error"] = False
    else:
        options = {
            "validate": "date",
            "criteria": ">=",
            "value": dt.date(1900, 1, 1),
            "error_type": "warning",
        }
    if validation.message:
        options["error_title"] = "Valeur inattendue"
        options["error_message"] = validation.message[:255]
    ws.data_validation(t.first_row, t.first_col, t.last_row, t.last_col, options)


def _add_conditional(ws: Worksheet, conditional: ConditionalFormat, formats: _Formats) -> None:
    t = conditional.target
    options: dict[str, Any]
    if conditional.kind == ConditionalKind.COLOR_SCALE:
        options = {
            "type": "3_color_scale",
            "min_type": "num",
            "min_value": conditional.minimum,
            "mid_type": "num",
            "mid_value": (conditional.minimum + conditional.maximum) / 2,
            "max_type": "num",
            "max_value": conditional.maximum,
            "min_color": "#F8696B",
            "mid_color": "#FFEB84",
            "max_color": "#63BE7B",
        }
    elif conditional.kind == ConditionalKind.FORMULA and conditional.formula is not None:
        options = {
            "type": "formula",
            "criteria": conditional.formula.text,
            "format": formats.conditional(conditional.style),
        }
    else:
        quoted = conditional.text.replace('"', '""')
        options = {
            "type": "cell",
            "criteria": "==",
            "value": f'"{quoted}"',
            "format": formats.conditional(conditional.style),
        }
    ws.conditional_format(t.first_row, t.first_col, t.last_row, t.last_col, options)


def _range_list(area: CellRange, own_sheet: str) -> list[Any]:
    return [area.sheet or own_sheet, area.first_row, area.first_col, area.last_row, area.last_col]


_MARKED = frozenset({"line", "radar"})  # charts whose points are drawn as markers
_MARKER = {"type": "circle", "size": 5}  # a single day, or a chapter between gaps, still shows
_DASH = {"type": "dash", "size": 9}  # a reference line's: over a single point it still shows


def _series_options(chart: Chart, series: Series, own_sheet: str) -> dict[str, Any]:
    """A series' ranges, and its look: markers on data points, a dashed reference line."""
    options: dict[str, Any] = {
        "name": series.name,
        "categories": _range_list(chart.categories, own_sheet),
        "values": _range_list(series.values, own_sheet),
    }
    if series.line:
        options["marker"] = dict(_DASH)
        options["line"] = {"dash_type": "dash", "width": 1.5}
    elif chart.kind.value in _MARKED:
        options["marker"] = dict(_MARKER)
    return options


def _add_chart(workbook: xlsxwriter.Workbook, ws: Worksheet, own_sheet: str, chart: Chart) -> None:
    native = workbook.add_chart({"type": _CHART_TYPES[chart.kind.value]})
    combo = chart.kind.value == "column" and any(s.line for s in chart.series)
    over = workbook.add_chart({"type": "line"}) if combo else None
    for series in chart.series:
        target = over if series.line and over is not None else native
        target.add_series(_series_options(chart, series, own_sheet))
    if over is not None:
        native.combine(over)
    native.set_title({"name": chart.title})
    axis: dict[str, Any] = {}
    if chart.y_min is not None:
        axis["min"] = chart.y_min
    if chart.y_max is not None:
        axis["max"] = chart.y_max
    if axis:
        if chart.kind.value == "bar":
            native.set_x_axis(axis)  # a bar chart's value axis is horizontal
        else:
            native.set_y_axis(axis)
    if chart.date_categories:
        # the dates as in the table, not serial numbers (« 46266 ») in LibreOffice: a text axis
        # (a date axis labels month starts, « 01/01/2026 » under a lone 02/12/2026, and
        # LibreOffice saves its cached dates as text, which other readers reject)
        native.set_x_axis({"text_axis": True, "num_format": DATE_FORMAT})
    native.set_size({"width": chart.width, "height": chart.height})
    if len(chart.series) == 1:
        native.set_legend({"none": True})
    ws.insert_chart(chart.anchor_row, chart.anchor_col, native)


__all__ = ["EDITABLE_STYLES", "render_xlsx", "render_xlsx_bytes"]

"""What a sheet checks, filters and protects: validations, conditional formats, its table's
filter, protected ranges (pure).

Each function returns one request of the batchUpdate that
:func:`~capsync.backends.google.requests.render_requests` assembles.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from capsync.backends.google.ranges import grid_range, runs
from capsync.backends.google.styles import conditional_format, rgb
from capsync.workbook.spec import (
    EDITABLE_STYLES,
    CellRange,
    ConditionalFormat,
    ConditionalKind,
    DateValidation,
    ListValidation,
    SheetSpec,
)

Request = dict[str, Any]

_SCALE_COLOURS = ("#F8696B", "#FFEB84", "#63BE7B")


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


def filter_request(sheet: SheetSpec, sheet_id: int) -> list[Request]:
    """The sheet's filter buttons on its table (header row first), as its .xlsx has them:
    a délégué·e narrows the dashboard's tables to a structure or a status on Google too.
    Google keeps one such filter a sheet, like Excel's autofilter.

    None on a sheet people type in (a grid's): unlike Excel, which lets a protected sheet
    be filtered, Google refuses a filter change on a protected range to those who may
    not edit it, so the buttons would only answer a respondent with a refusal; filter
    views, which protection allows, remain theirs.
    """
    if sheet.autofilter is None or _typed_in(sheet):
        return []
    return [{"setBasicFilter": {"filter": {"range": grid_range(sheet.autofilter, sheet_id)}}}]


def _typed_in(sheet: SheetSpec) -> bool:
    styles = {*sheet.column_styles, *sheet.cell_styles.values(), *sheet.row_styles.values()}
    return bool(sheet.editor_ranges) or any(style in EDITABLE_STYLES for style in styles)


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
    elif conditional.kind == ConditionalKind.FORMULA and conditional.formula is not None:
        rule["booleanRule"] = {
            "condition": {
                "type": "CUSTOM_FORMULA",
                "values": [{"userEnteredValue": conditional.formula.text}],
            },
            "format": conditional_format(conditional.style),
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
    owned = _owned_cells(sheet)
    for r in range(len(sheet.rows)):
        cols = [
            c
            for c in range(width)
            if sheet.style_at(r, c) in EDITABLE_STYLES and (r, c) not in owned
        ]
        spans = {(a, b - 1) for a, b in runs(cols)}
        for span in [s for s in open_ if s not in spans]:
            done.append(CellRange(open_.pop(span), span[0], r - 1, span[1]))
        for span in spans:
            open_.setdefault(span, r)
    for span, first in open_.items():
        done.append(CellRange(first, span[0], len(sheet.rows) - 1, span[1]))
    return sorted(done, key=lambda a: (a.first_row, a.first_col))


def _owned_cells(sheet: SheetSpec) -> set[tuple[int, int]]:
    """Cells of an :class:`EditorRange`: protected for their people, not open to every writer."""
    return {
        (r, c)
        for owned in sheet.editor_ranges
        for r in range(owned.target.first_row, owned.target.last_row + 1)
        for c in range(owned.target.first_col, owned.target.last_col + 1)
    }


def editor_range_requests(sheet: SheetSpec, sheet_id: int, editors: Sequence[str]) -> list[Request]:
    """One protected range per :class:`EditorRange`: only its people (and capsync) type there.

    A respondent's column, the group's columns, the tiers' and the pair's: the
    file is shared with all of them as writers, and these ranges say who may
    type where (issue 10). Google keeps a protected range's editors as given,
    so an editor list that changes in the configuration is rewritten with the grid.
    """
    out: list[Request] = []
    for owned in sheet.editor_ranges:
        users = sorted({*editors, *(e.lower() for e in owned.editors)})
        protected: dict[str, Any] = {
            "range": grid_range(owned.target, sheet_id),
            "description": owned.description,
            "warningOnly": False,
            "editors": {"users": users},
        }
        out.append({"addProtectedRange": {"protectedRange": protected}})
    return out


def protection_request(sheet: SheetSpec, sheet_id: int, editors: Sequence[str]) -> Request:
    """The whole sheet editable by the service account only, except the INPUT cells and the
    cells of each :class:`EditorRange`.

    Google lets a person edit a cell only when every protection covering it lets them: a
    respondent's or the tiers' column left under the sheet's protection would be closed
    to them by it, whatever its own range says. So those cells are exceptions of the
    sheet's protection, and their own protected range (:func:`editor_range_requests`)
    keeps them to their people.
    """
    exceptions = [*editable_rectangles(sheet), *(owned.target for owned in sheet.editor_ranges)]
    protected: dict[str, Any] = {
        "range": {"sheetId": sheet_id},
        "description": f"capsync : « {sheet.name} » est tenu à jour par la synchronisation",
        "warningOnly": False,
        "unprotectedRanges": [grid_range(a, sheet_id) for a in exceptions],
    }
    if editors:
        protected["editors"] = {"users": list(editors)}
    return {"addProtectedRange": {"protectedRange": protected}}

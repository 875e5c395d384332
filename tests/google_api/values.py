"""Cell values: what Sheets stores for an input and what it renders back, as pure functions.

A cell is kept in Google's own CellData shape (userEnteredValue, effectiveValue,
formattedValue, userEnteredFormat, note, ...), so the values API and the grid-data API
read the same thing. RAW input is stored as given; USER_ENTERED input is parsed the way
the Sheets UI parses typing: numbers, thousands separators, percents, booleans, ISO dates,
and "=..." formulas.
"""

from __future__ import annotations

import ast
import datetime as dt
import math
import operator
import re
from typing import Any

Cell = dict[str, Any]

_EPOCH = dt.date(1899, 12, 30)
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PERCENT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)%$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


class FormulaError(ValueError):
    """The formula is outside what the test server can evaluate."""


def number_text(value: float) -> str:
    """A number in Sheets' "General" display: integers bare, else up to 15 digits."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = format(value, ".15g")
    if "e" in text:
        mantissa, exp = text.split("e")
        return f"{mantissa}E{'+' if int(exp) > 0 else '-'}{abs(int(exp)):02d}"
    return text


def json_number(value: float) -> int | float:
    """Numbers as Google's JSON writes them: 2 rather than 2.0."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def date_serial(day: dt.date) -> int:
    """Sheets' serial day number (1899-12-30 is day 0)."""
    return (day - _EPOCH).days


def _pattern_text(value: float, pattern: str) -> str:
    if pattern == "yyyy-mm-dd":
        return (_EPOCH + dt.timedelta(days=int(value))).isoformat()
    if pattern == "dd/mm/yyyy":
        day = _EPOCH + dt.timedelta(days=int(value))
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    if pattern == "m/d/yyyy":
        day = _EPOCH + dt.timedelta(days=int(value))
        return f"{day.month}/{day.day}/{day.year}"
    if pattern.endswith("%"):
        decimals = len(pattern.partition(".")[2]) - 1 if "." in pattern else 0
        return f"{value * 100:.{max(decimals, 0)}f}%"
    if pattern.startswith("#,##0"):
        decimals = len(pattern.partition(".")[2])
        return f"{value:,.{decimals}f}"
    return number_text(value)


def _number_cell(value: float, entered: Any, fmt: dict[str, str] | None = None) -> Cell:
    cell: Cell = {
        "userEnteredValue": entered,
        "effectiveValue": {"numberValue": json_number(value)},
        "formattedValue": _pattern_text(value, fmt["pattern"]) if fmt else number_text(value),
    }
    if fmt:
        cell["userEnteredFormat"] = {"numberFormat": fmt}
    return cell


def string_cell(text: str) -> Cell:
    """A cell holding text exactly as given (RAW input, or text that parses as nothing)."""
    return {
        "userEnteredValue": {"stringValue": text},
        "effectiveValue": {"stringValue": text},
        "formattedValue": text,
    }


def bool_cell(value: bool) -> Cell:
    """A boolean cell, displayed TRUE / FALSE."""
    return {
        "userEnteredValue": {"boolValue": value},
        "effectiveValue": {"boolValue": value},
        "formattedValue": "TRUE" if value else "FALSE",
    }


def raw_cell(value: Any) -> Cell | None:
    """Store a JSON value with valueInputOption=RAW; None / "" clear the cell."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return bool_cell(value)
    if isinstance(value, int | float):
        return _number_cell(float(value), {"numberValue": json_number(value)})
    return string_cell(str(value))


def _parse_date(text: str, locale: str = "en_US") -> tuple[dt.date, str] | None:
    """ISO dates everywhere; slashed dates month first in en_US, day first elsewhere
    (fr_FR, as the Sheets UI of a French spreadsheet reads « 03/04/2026 »: 3 April)."""
    match = _ISO_DATE.match(text)
    try:
        if match:
            return dt.date(*map(int, match.groups())), "yyyy-mm-dd"
        match = _SLASH_DATE.match(text)
        if match and locale == "en_US":
            month, day, year = map(int, match.groups())
            return dt.date(year, month, day), "m/d/yyyy"
        if match:
            day, month, year = map(int, match.groups())
            return dt.date(year, month, day), "dd/mm/yyyy"
    except ValueError:
        return None
    return None


def user_entered_cell(value: Any, locale: str = "en_US") -> Cell | None:
    """Store a JSON value with valueInputOption=USER_ENTERED, parsing text like the UI."""
    if not isinstance(value, str):
        return raw_cell(value)
    text = value.strip()
    if value == "":
        return None
    if value.startswith("'"):  # the UI's "keep as text" prefix; the quote is not stored
        return string_cell(value[1:]) if len(value) > 1 else None
    if value.startswith("="):
        return formula_cell(value)
    if text.upper() in ("TRUE", "FALSE"):
        return bool_cell(text.upper() == "TRUE")
    if _NUMBER.match(text):
        number = float(text)
        return _number_cell(number, {"numberValue": json_number(number)})
    if _GROUPED.match(text):
        number = float(text.replace(",", ""))
        decimals = len(text.partition(".")[2])
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return _number_cell(
            number, {"numberValue": json_number(number)}, {"type": "NUMBER", "pattern": pattern}
        )
    if _PERCENT.match(text):
        number = float(text[:-1]) / 100
        decimals = len(text[:-1].partition(".")[2])
        pattern = "0" + ("." + "0" * decimals if decimals else "") + "%"
        return _number_cell(
            number, {"numberValue": json_number(number)}, {"type": "PERCENT", "pattern": pattern}
        )
    parsed = _parse_date(text, locale)
    if parsed:
        serial = date_serial(parsed[0])
        return _number_cell(serial, {"numberValue": serial}, {"type": "DATE", "pattern": parsed[1]})
    return string_cell(value)


def formula_cell(formula: str) -> Cell:
    """A formula cell; arithmetic formulas are evaluated, anything else shows #NAME?."""
    try:
        result = evaluate_formula(formula)
    except (FormulaError, ZeroDivisionError, OverflowError):
        return {
            "userEnteredValue": {"formulaValue": formula},
            "effectiveValue": {
                "errorValue": {"type": "NAME", "message": "Unknown function or range."}
            },
            "formattedValue": "#NAME?",
        }
    cell = _number_cell(result, {"formulaValue": formula})
    return cell


def evaluate_formula(formula: str) -> float:
    """Evaluate "=1+2*3"-style arithmetic: numbers, + - * / ^, parentheses."""
    source = formula[1:].replace("^", "**").strip()
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(formula) from exc
    value = _eval(tree.body)
    if math.isnan(value) or math.isinf(value):
        raise FormulaError(formula)
    return value


def _eval(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return float(_BINARY[type(node.op)](_eval(node.left), _eval(node.right)))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _eval(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    raise FormulaError(ast.dump(node))


def render(cell: Cell | None, value_render: str, date_render: str) -> Any:
    """One cell as the values API returns it for the given render options."""
    if not cell or "effectiveValue" not in cell:
        return ""
    if value_render == "FORMATTED_VALUE":
        return cell.get("formattedValue", "")
    if value_render == "FORMULA" and "formulaValue" in cell.get("userEnteredValue", {}):
        return cell["userEnteredValue"]["formulaValue"]
    effective = cell["effectiveValue"]
    if "numberValue" in effective:
        number_format = cell.get("userEnteredFormat", {}).get("numberFormat", {})
        is_date = number_format.get("type") in ("DATE", "TIME", "DATE_TIME")
        if is_date and date_render == "FORMATTED_STRING":
            return cell.get("formattedValue", "")
        return effective["numberValue"]
    if "boolValue" in effective:
        return effective["boolValue"]
    if "errorValue" in effective:
        return cell.get("formattedValue", "")
    return effective.get("stringValue", "")

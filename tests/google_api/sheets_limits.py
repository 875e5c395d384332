"""Google's documented limits and rule shapes, checked before a Sheets request is applied.

- a request body of at most 10 MB (10,485,760 bytes; Google answers "Request payload
  size exceeds the limit" past it; it recommends 2 MB);
- at most 50,000 characters in one cell, whether written as values or as `updateCells`;
- at most 10 million cells per spreadsheet, counted after each request of a batchUpdate;
- data-validation and conditional-format conditions of a type that rule supports, with the
  number of condition values the type requires (read from the discovery document's own
  description of each `ConditionType`);
- protected ranges on exactly one of range / namedRangeId / tableId, with unprotected
  ranges only on a protected sheet, on that sheet.

Sources: developers.google.com/sheets/api/limits, support.google.com/docs/answer/37603
(files you can store in Google Drive: 10 million cells, 50,000 characters per cell) and
the `BooleanCondition`/`ProtectedRange` reference. See docs/google-test-server.md.
"""

from __future__ import annotations

import re
from typing import Any

from . import discovery
from .errors import ApiError, bad_request

MAX_REQUEST_BYTES = 10 * 1024 * 1024
MAX_CELL_CHARS = 50_000
MAX_CELLS = 10_000_000
CELL_TOO_LONG = (
    f"Your input contains more than the maximum of {MAX_CELL_CHARS} characters in a single cell."
)
TOO_MANY_CELLS = (
    "This action would increase the number of cells in the workbook above the limit of "
    f"{MAX_CELLS} cells."
)


def check_size(raw: bytes) -> None:
    """Google's front end refuses a body over 10 MB before reading it."""
    if len(raw) > MAX_REQUEST_BYTES:
        raise bad_request(f"Request payload size exceeds the limit: {MAX_REQUEST_BYTES} bytes.")


def _too_long(value: Any) -> bool:
    return isinstance(value, str) and len(value) > MAX_CELL_CHARS


def check_values(rows: Any) -> None:
    """values.update / append / batchUpdate data: no cell over 50,000 characters."""
    for row in rows if isinstance(rows, list) else []:
        if any(_too_long(v) for v in (row if isinstance(row, list) else [row])):
            raise bad_request(CELL_TOO_LONG)


def check_cell_count(total: int, where: str = "") -> None:
    """A spreadsheet holds at most 10 million cells."""
    if total > MAX_CELLS:
        raise bad_request(f"{where}{TOO_MANY_CELLS}")


def _cell_text_problem(cell: Any) -> bool:
    value = (cell or {}).get("userEnteredValue") or {}
    return _too_long(value.get("stringValue")) or _too_long(value.get("formulaValue"))


def _condition_types() -> dict[str, str]:
    spec = discovery.schemas("sheets")["BooleanCondition"]["properties"]["type"]
    return dict(zip(spec["enum"], spec["enumDescriptions"], strict=True))


def _count_allowed(description: str, count: int) -> bool:
    """Whether `count` condition values fit what the reference says the type requires."""
    if "Requires no ConditionValues" in description:
        return count == 0
    if "Requires exactly two" in description:
        return count == 2
    if "zero, one or two" in description:
        return count <= 2
    if "at least one" in description.split("Requires a single ConditionValue for")[0]:
        return count >= 1
    if "Requires a single ConditionValue" in description:
        return count == 1
    return True  # "any number"


def condition_problem(condition: dict[str, Any], rule: str) -> str | None:
    """Why a BooleanCondition cannot be used by `rule` ("data validation" or "conditional
    formatting"), or None when it can."""
    kind = condition.get("type", "CONDITION_TYPE_UNSPECIFIED")
    description = _condition_types().get(kind, "")
    supported = re.search(r"Supported by ([^.]*)\.", description)
    if supported is None or rule not in supported.group(1):
        return f"Invalid ConditionType {kind} for {rule}."
    count = len(condition.get("values") or [])
    if not _count_allowed(description, count):
        return f"Invalid number of ConditionValues ({count}) for ConditionType {kind}."
    return None


def _protected_problem(protected: dict[str, Any]) -> str | None:
    anchors = [k for k in ("range", "namedRangeId", "tableId") if protected.get(k) is not None]
    if len(anchors) > 1:
        return "Only one of range, namedRangeId or tableId may be set."
    unprotected = protected.get("unprotectedRanges") or []
    if not unprotected:
        return None
    rng = protected.get("range")
    bounded = rng is None or any(
        k in rng for k in ("startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex")
    )
    if bounded:
        return "Unprotected ranges are only supported on protected sheets."
    sheet = rng.get("sheetId", 0)
    if any((u or {}).get("sheetId", 0) != sheet for u in unprotected):
        return "Unprotected ranges must be on the protected sheet."
    return None


def _request_problem(kind: str, payload: dict[str, Any]) -> str | None:
    if kind == "updateCells" or kind == "appendCells":
        for row in payload.get("rows") or []:
            if any(_cell_text_problem(c) for c in (row or {}).get("values") or []):
                return CELL_TOO_LONG
    if kind == "repeatCell" and _cell_text_problem(payload.get("cell")):
        return CELL_TOO_LONG
    if kind == "setDataValidation" and payload.get("rule"):
        return condition_problem(payload["rule"].get("condition") or {}, "data validation")
    if kind in ("addConditionalFormatRule", "updateConditionalFormatRule"):
        boolean = (payload.get("rule") or {}).get("booleanRule")
        if boolean:
            return condition_problem(boolean.get("condition") or {}, "conditional formatting")
    if kind in ("addProtectedRange", "updateProtectedRange"):
        return _protected_problem(payload.get("protectedRange") or {})
    return None


def check_batch(body: dict[str, Any]) -> None:
    """Every request of a batchUpdate against the limits and rule shapes, before any runs."""
    for i, request in enumerate(body.get("requests") or []):
        for kind, payload in (request or {}).items():
            problem = _request_problem(kind, payload or {})
            if problem is not None:
                raise ApiError(400, f"Invalid requests[{i}].{kind}: {problem}")


def _created_cells(body: dict[str, Any]) -> int:
    total = 0
    for sheet in body.get("sheets") or [{}]:
        grid = ((sheet or {}).get("properties") or {}).get("gridProperties") or {}
        total += int(grid.get("rowCount", 1000)) * int(grid.get("columnCount", 26))
    return total


def check_request(method: str, body: Any) -> None:
    """The limits of one Sheets call (`method` as in the discovery id, without "sheets.")."""
    if not isinstance(body, dict):
        return
    if method in ("spreadsheets.values.update", "spreadsheets.values.append"):
        check_values(body.get("values"))
    elif method == "spreadsheets.values.batchUpdate":
        for item in body.get("data") or []:
            check_values((item or {}).get("values"))
    elif method == "spreadsheets.batchUpdate":
        check_batch(body)
    elif method == "spreadsheets.create":
        check_cell_count(_created_cells(body))

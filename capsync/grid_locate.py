"""Find where things are in a grid that people have used for weeks.

Structures insert columns, rename the « Répondant·e 1 » headers, re-sort rows
and delete some. Columns are therefore found by the hidden key row that
generation wrote (``grid_schema.KEY_ROW``), with the French headers as a
fallback for a sheet whose key row was lost, and rows by the criterion ID in
the ID column. Shared by parsing (``capsync.parse``) and by upgrades, which
must move every typed value, including those in columns a structure added.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .layout.grid_schema import (
    COL_ID,
    COL_LEVELS,
    COL_RETAINED,
    LEADING_COLUMNS,
    PLAN_COLUMNS,
    RESPONDENT_PREFIX,
    TRAILING_COLUMNS,
    slug,
)

SEARCH_ROWS = 12  # how far down to look for the key or header row


@dataclass
class LocatedSheet:
    """Where each known column and each criterion row of one sheet is (0-based)."""

    sheet: str
    header_row: int
    columns: dict[str, int]  # column key → column index
    headers: dict[str, str] = field(default_factory=dict)  # column key → header text found
    rows: dict[str, int] = field(default_factory=dict)  # criterion ID → row (first one)
    duplicate_ids: list[tuple[str, int]] = field(default_factory=list)  # (ID, row) seen again
    extra_columns: list[tuple[int, str]] = field(default_factory=list)  # (col, header) added
    extra_rows: list[int] = field(default_factory=list)  # rows with content but no ID
    data_rows: list[int] = field(default_factory=list)  # every non-empty row below the header
    by_keys: bool = True  # False when found through the French headers only

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    def respondent_keys(self) -> list[str]:
        return [k for k in self.columns if k.startswith(RESPONDENT_PREFIX)]


def _norm(value: Any) -> str:
    text = "" if value is None else str(value)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(text.lower().split())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell(rows: Sequence[Sequence[Any]], r: int, c: int) -> Any:
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else None


def _find_key_row(rows: Sequence[Sequence[Any]], required: set[str]) -> int | None:
    for r in range(min(SEARCH_ROWS, len(rows))):
        keys = {_text(v) for v in rows[r]}
        if required <= keys:
            return r
    return None


def _find_header_row(
    rows: Sequence[Sequence[Any]], fixed: dict[str, str]
) -> tuple[int, dict[str, int]] | None:
    """Fallback: find the fixed columns by their French header text."""
    wanted = {_norm(header): key for key, header in fixed.items()}
    best: tuple[int, dict[str, int]] | None = None
    for r in range(min(SEARCH_ROWS, len(rows))):
        found = {wanted[_norm(v)]: c for c, v in enumerate(rows[r]) if _norm(v) in wanted}
        if len(found) >= 2 and (best is None or len(found) > len(best[1])):
            best = (r, found)
    return best


def _locate(
    sheet: str,
    rows: Sequence[Sequence[Any]],
    required: set[str],
    fixed: dict[str, str],
    respondent_keys: Sequence[str],
) -> LocatedSheet | None:
    key_row = _find_key_row(rows, required)
    if key_row is not None:
        header_row = key_row + 1
        columns: dict[str, int] = {}
        for c, value in enumerate(rows[key_row]):
            key = _text(value)
            if key and key not in columns:
                columns[key] = c
        by_keys = True
    else:
        found = _find_header_row(rows, fixed)
        if found is None:
            return None
        header_row, columns = found
        by_keys = False
        if COL_LEVELS in columns and COL_RETAINED in columns:
            between = range(columns[COL_LEVELS] + 1, columns[COL_RETAINED])
            headers = [_text(_cell(rows, header_row, c)) for c in between]
            keys = (
                list(respondent_keys)
                if len(respondent_keys) == len(headers)
                else [f"{RESPONDENT_PREFIX}{slug(h) or i + 1}" for i, h in enumerate(headers)]
            )
            columns.update({k: c for k, c in zip(keys, between, strict=True)})
    located = LocatedSheet(sheet=sheet, header_row=header_row, columns=columns, by_keys=by_keys)
    located.headers = {k: _text(_cell(rows, header_row, c)) for k, c in columns.items()}
    known_cols = set(columns.values())
    width = max((len(r) for r in rows), default=0)
    for c in range(width):
        if c in known_cols:
            continue
        has_content = any(not _is_blank(_cell(rows, r, c)) for r in range(header_row, len(rows)))
        if has_content:
            located.extra_columns.append((c, _text(_cell(rows, header_row, c))))
    id_col = columns.get(COL_ID)
    for r in range(header_row + 1, len(rows)):
        if all(_is_blank(v) for v in rows[r]):
            continue
        located.data_rows.append(r)
        if id_col is None:
            continue
        cid = _text(_cell(rows, r, id_col))
        if not cid:
            located.extra_rows.append(r)
        elif cid in located.rows:
            located.duplicate_ids.append((cid, r))
        else:
            located.rows[cid] = r
    return located


def locate_chapter_sheet(
    sheet: str, rows: Sequence[Sequence[Any]], respondent_keys: Sequence[str] = ()
) -> LocatedSheet | None:
    """Locate a chapter sheet; None when it has neither key row nor recognisable headers.

    ``respondent_keys`` (from the grid's identity) name the respondent columns
    when only the French headers could be found.
    """
    fixed = {key: header for key, header, _ in (*LEADING_COLUMNS, *TRAILING_COLUMNS)}
    return _locate(sheet, rows, {COL_ID, COL_RETAINED}, fixed, respondent_keys)


def locate_plan_sheet(sheet: str, rows: Sequence[Sequence[Any]]) -> LocatedSheet | None:
    """Locate the « Plan de progrès » sheet; its rows are in ``data_rows``."""
    fixed = {key: header for key, header, _ in PLAN_COLUMNS}
    return _locate(sheet, rows, {"action", "statut"}, fixed, ())

"""Find where things are in a grid that people have used for weeks.

Structures insert columns, rename the « Répondant·e 1 » headers, re-sort rows
and delete some. Columns are therefore found by the hidden key row that
generation wrote (``grid_schema.KEY_ROW``), with the French headers as a
fallback for a sheet whose key row was lost, and rows by the criterion ID in
the ID column. Shared by parsing (``capsync.parse``) and by upgrades, which
must move every typed value, including those in columns a structure added.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from capsync.workbook.grid_schema import (
    CARRIED_COLUMN,
    COL_CARRIED,
    COL_ID,
    COL_RETAINED,
    COL_REVIEW_COMMENT,
    COL_REVIEW_LEVEL,
    COMPUTED_COLUMNS,
    LEADING_COLUMNS,
    PLAN_COLUMNS,
    PLAN_COMPUTED,
    RESPONDENT_PREFIX,
    RETIRED_COLUMNS,
    TRAILING_COLUMNS,
    slug,
)

SEARCH_ROWS = 12  # how far down to look for the key or header row
ANONYMOUS_KEY = re.compile(rf"^{re.escape(RESPONDENT_PREFIX)}(\d+)$")


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
    header_moved: bool = False  # the header rows were sorted among the criteria rows

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
    if type(value) is str:  # most cells: the one test they need
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell(rows: Sequence[Sequence[Any]], r: int, c: int) -> Any:
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else None


def _find_key_row(
    rows: Sequence[Sequence[Any]], required: set[str], anywhere: bool = False
) -> int | None:
    """The hidden key row: near the top, or (``anywhere``) wherever a sort moved it."""
    for r in range(len(rows) if anywhere else min(SEARCH_ROWS, len(rows))):
        keys = {v.strip() if type(v) is str else _text(v) for v in rows[r]}  # _text, inlined
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
        # a review header says who reviews on its next lines (« Niveau pair\nBruno Lafitte »)
        heads = [_norm(str(v).split("\n", 1)[0]) if v is not None else "" for v in rows[r]]
        found = {wanted[h]: c for c, h in enumerate(heads) if h in wanted}
        if len(found) >= 2 and (best is None or len(found) > len(best[1])):
            best = (r, found)
    return best


def _locate(
    sheet: str,
    rows: Sequence[Sequence[Any]],
    required: set[str],
    fixed: dict[str, str],
    respondent_headers: Mapping[str, str],
    known_ids: Collection[str] = (),
) -> LocatedSheet | None:
    key_row = _find_key_row(rows, required)
    if key_row is None and known_ids:  # the header rows were sorted with the criteria
        key_row = _find_key_row(rows, required, anywhere=True)
    if key_row is not None:
        header_row = key_row + 1
        columns: dict[str, int] = {}
        for c, value in enumerate(rows[key_row]):
            text = _text(value)
            if text and text not in columns:
                columns[text] = c
        by_keys = True
    else:
        found = _find_header_row(rows, fixed)
        if found is None:
            return None
        header_row, columns = found
        by_keys = False
        fixed_cols = set(columns.values())
        taken: set[str] = set()
        for c, value in enumerate(rows[header_row] if header_row < len(rows) else ()):
            key = _respondent_key(_text(value), respondent_headers) if c not in fixed_cols else None
            if key is not None and key not in taken:
                columns[key] = c
                taken.add(key)
    located = LocatedSheet(sheet=sheet, header_row=header_row, columns=columns, by_keys=by_keys)
    header = rows[header_row] if header_row < len(rows) else ()
    located.headers = {k: _text(header[c]) if c < len(header) else "" for k, c in columns.items()}
    known_cols = set(columns.values())
    width = max((len(r) for r in rows), default=0)
    for c in range(width):
        if c in known_cols:
            continue
        has_content = any(not _is_blank(_cell(rows, r, c)) for r in range(header_row, len(rows)))
        if has_content:
            located.extra_columns.append((c, _text(_cell(rows, header_row, c))))
    id_col = columns.get(COL_ID)
    if id_col is not None and known_ids:  # criteria sorted above the header rows
        above = [r for r in range(header_row + 1) if _text(_cell(rows, r, id_col)) in known_ids]
        located.header_moved = bool(above) or header_row - 1 >= SEARCH_ROWS
        if header_row in above:  # the row under the keys is a criterion: no header to read
            located.headers = {}
        for r in above:
            located.rows.setdefault(_text(_cell(rows, r, id_col)), r)
            located.data_rows.append(r)
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


def _name_slug(header: str) -> str:
    """« Marie Curie (Direction) » → « marie-curie »: the name part of a respondent header."""
    return slug(header.split("(", 1)[0])


def known_headers(
    respondent_keys: Sequence[str] = (), respondent_headers: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Header text → key of the respondent columns a grid is known to have.

    ``respondent_keys`` alone covers the common case: « Répondant·e 3 » for
    ``r:3``, and a named key ``r:marie-curie`` is found by the name in its header.
    """
    found = dict(respondent_headers or {})
    for key in respondent_keys:
        match = ANONYMOUS_KEY.match(key)
        if match:
            found.setdefault(f"Répondant·e {match.group(1)}", key)
        else:  # its header is unknown; the name in its key finds « Marie Curie (Direction) »
            found.setdefault(key, key)
    return found


def _respondent_key(header: str, known: Mapping[str, str]) -> str | None:
    """The key of the respondent whose header this is: exact text first, then the name."""
    if not header:
        return None
    if header in known:
        return known[header]
    by_norm = {_norm(h): k for h, k in known.items()}
    if _norm(header) in by_norm:
        return by_norm[_norm(header)]
    name = _name_slug(header)
    if not name:
        return None
    for text, key in known.items():
        if _name_slug(text) == name:
            return key
    for key in known.values():
        if not ANONYMOUS_KEY.match(key) and key[len(RESPONDENT_PREFIX) :] == name:
            return key
    return None


def locate_chapter_sheet(
    sheet: str,
    rows: Sequence[Sequence[Any]],
    respondent_keys: Sequence[str] = (),
    respondent_headers: Mapping[str, str] | None = None,
    known_ids: Collection[str] = (),
) -> LocatedSheet | None:
    """Locate a chapter sheet; None when it has neither key row nor recognisable headers.

    ``known_ids`` (the référentiel's criteria) lets a sheet whose header rows were
    sorted together with the criteria be read: its key row is looked for
    anywhere, and the criteria sorted above it are rows like the others
    (``header_moved`` says so, for the parser to point it out).

    Only when the hidden key row is lost do the French headers matter: a column
    is a respondent's when its header is one the grid is known to have
    (``respondent_headers``: header text → key, plus those ``respondent_keys``
    imply), by exact text or by the name before « ( ». Any other column is an
    extra column, never a respondent: a column a structure added must not be
    read as someone's answers.
    """
    fixed = {key: header for key, header, _ in (*LEADING_COLUMNS, *COMPUTED_COLUMNS,
                                                *TRAILING_COLUMNS)}  # fmt: skip
    fixed |= {key: header for key, header, _ in RETIRED_COLUMNS}  # layout 1
    fixed[COL_REVIEW_LEVEL] = "Niveau tiers / pair"
    fixed[COL_CARRIED] = CARRIED_COLUMN[1].split("\n")[0]  # no key row: never counted
    fixed[COL_REVIEW_COMMENT] = "Commentaire tiers / pair"
    known = known_headers(respondent_keys, respondent_headers)
    return _locate(sheet, rows, {COL_ID, COL_RETAINED}, fixed, known, known_ids)


def locate_plan_sheet(sheet: str, rows: Sequence[Sequence[Any]]) -> LocatedSheet | None:
    """Locate the « Plan de progrès » sheet; its rows are in ``data_rows``."""
    fixed = {key: header for key, header, _ in PLAN_COLUMNS}
    located = _locate(sheet, rows, {"action", "statut"}, fixed, {})
    if located is not None:  # a line holding only the sheet's current-level formula is empty
        computed = {located.columns[k] for k in PLAN_COMPUTED if k in located.columns}
        located.data_rows = [
            r
            for r in located.data_rows
            if any(not _is_blank(v) for c, v in enumerate(rows[r]) if c not in computed)
        ]
    return located


def locate_personal_sheet(
    sheet: str, rows: Sequence[Sequence[Any]], key: str
) -> LocatedSheet | None:
    """Locate a chapter sheet of one respondent's personal file (its key row holds ``id``
    and the respondent's key; « Mon niveau » finds it when the key row was lost)."""
    fixed = {key: header for key, header, _ in LEADING_COLUMNS}
    fixed[key] = "Mon niveau"
    return _locate(sheet, rows, {COL_ID, key}, fixed, {})

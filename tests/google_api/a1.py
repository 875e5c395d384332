"""A1 notation: parsing and formatting, as pure functions.

Google answers every values call with the range it actually used, written in its own
canonical form ('Sheet 1'!A1:B2, Sheet1!A1, ...); clients compare and reuse those strings,
so the server must produce the same spelling from the same input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CELL = re.compile(r"^(?P<col>[A-Za-z]{0,3})(?P<row>[0-9]{0,7})$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOKS_LIKE_CELL = re.compile(r"^[A-Za-z]{1,3}[0-9]+$|^[Rr][0-9]*[Cc][0-9]*$")


class A1Error(ValueError):
    """The text is not a range Google would accept."""


@dataclass(frozen=True)
class Bounds:
    """Zero-based, end-exclusive cell bounds; None means unbounded on that side."""

    start_row: int | None
    end_row: int | None
    start_col: int | None
    end_col: int | None

    def clamp(self, rows: int, cols: int) -> Bounds:
        """Bounds limited to a grid of rows x cols, every side made explicit."""
        return Bounds(
            self.start_row or 0,
            min(rows, self.end_row) if self.end_row is not None else rows,
            self.start_col or 0,
            min(cols, self.end_col) if self.end_col is not None else cols,
        )


def column_letters(index: int) -> str:
    """Zero-based column index -> letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """Letters -> zero-based column index (A -> 0)."""
    value = 0
    for char in letters.upper():
        value = value * 26 + ord(char) - 64
    return value - 1


def quote_title(title: str) -> str:
    """A sheet title as Google writes it before '!': quoted unless plainly a name."""
    if _PLAIN_TITLE.match(title) and not _LOOKS_LIKE_CELL.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def split_sheet(text: str) -> tuple[str | None, str]:
    """Split "'My sheet'!A1:B2" into ("My sheet", "A1:B2"); no '!' gives (None, text)."""
    if text.startswith("'"):
        i = 1
        title = []
        while i < len(text):
            if text[i] == "'":
                if text[i + 1 : i + 2] == "'":
                    title.append("'")
                    i += 2
                    continue
                rest = text[i + 1 :]
                if rest and not rest.startswith("!"):
                    raise A1Error(text)
                return "".join(title), rest[1:]
            title.append(text[i])
            i += 1
        raise A1Error(text)
    if "!" in text:
        title, _, rest = text.rpartition("!")
        return title, rest
    return None, text


def _corner(text: str) -> tuple[int | None, int | None]:
    match = _CELL.match(text)
    if not match or not text:
        raise A1Error(text)
    col = column_index(match["col"]) if match["col"] else None
    row = int(match["row"]) - 1 if match["row"] else None
    if row is not None and row < 0:
        raise A1Error(text)
    return row, col


def parse_cells(text: str) -> Bounds:
    """Parse "A1", "A1:B2", "A:C", "2:5", "A2:C" (also reversed corners) into Bounds."""
    first, sep, second = text.partition(":")
    r1, c1 = _corner(first)
    if not sep:
        if r1 is None or c1 is None:
            raise A1Error(text)
        return Bounds(r1, r1 + 1, c1, c1 + 1)
    r2, c2 = _corner(second)
    rows = _span(r1, r2)
    cols = _span(c1, c2)
    return Bounds(rows[0], rows[1], cols[0], cols[1])


def _span(a: int | None, b: int | None) -> tuple[int | None, int | None]:
    if a is None and b is None:
        return None, None
    if a is None or b is None:
        start = a if a is not None else 0
        return (start, None) if b is None else (0, b + 1)
    low, high = sorted((a, b))
    return low, high + 1


def is_cells(text: str) -> bool:
    """Whether text is cell notation rather than a sheet or named-range name."""
    try:
        parse_cells(text)
    except A1Error:
        return False
    return True


def format_bounds(bounds: Bounds) -> str:
    """Clamped bounds as A1 ("A1" for one cell, "A1:B2" otherwise)."""
    assert bounds.start_row is not None and bounds.end_row is not None
    assert bounds.start_col is not None and bounds.end_col is not None
    start = f"{column_letters(bounds.start_col)}{bounds.start_row + 1}"
    end = f"{column_letters(bounds.end_col - 1)}{bounds.end_row}"
    return start if start == end else f"{start}:{end}"


def format_range(title: str, bounds: Bounds) -> str:
    """Sheet-qualified A1 range the way Google echoes it back."""
    return f"{quote_title(title)}!{format_bounds(bounds)}"

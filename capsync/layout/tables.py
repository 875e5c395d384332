"""Small helpers shared by the délégué·e·s' read-only workbooks (dashboard, restitution).

The one rule that matters here: anything a person typed becomes a plain ``str``
(:func:`person_text`), never a :class:`~capsync.workbook.spec.Formula`, so that
« =IMPORTXML(...) », « +33 6… » or « @SUM(...) » shows exactly as typed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from capsync.campaign.referentiel import Chapter
from capsync.french import typeset
from capsync.workbook.spec import CellRange, SheetSpec, Style, Value

PARIS = ZoneInfo("Europe/Paris")
TITLE_ROW = 0
NOTE_ROW = 1
HEADER_ROW = 2
FIRST_ROW = 3


def missing(value: Any) -> bool:
    """None, NaN, NaT and pandas' NA alike."""
    if value is None:
        return True
    if type(value) is str:  # the common case, without pandas' dispatch
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def person_text(value: Any) -> str:
    """What a person typed, as literal text ("" when empty); never a formula."""
    if missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def number(value: Any) -> float | None:
    """A score or share as a float; None when missing (an empty cell, not 0)."""
    if type(value) is float:  # the common case (a float column), without pandas' dispatch
        return None if math.isnan(value) else value
    if missing(value):
        return None
    result = float(value)
    return None if math.isnan(result) else result


def integer(value: Any) -> int | None:
    found = number(value)
    return None if found is None else round(found)


def as_date(value: Any) -> dt.date | None:
    """A date from a date, datetime or pandas Timestamp; None for NaT/None."""
    if missing(value):
        return None
    if isinstance(value, dt.datetime):  # pandas' Timestamp included
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def as_datetime(value: Any) -> dt.datetime | None:
    """A naive datetime in Paris time (spreadsheets have no time zones); None for NaT/None."""
    if missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.astimezone(PARIS).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    return None


def chapter_label(chapter: Chapter) -> str:
    """« 1 — Projet associatif et gouvernance »."""
    return f"{chapter.id} — {chapter.title}"


def short_chapter(chapter_id: str) -> str:
    return f"Chapitre {chapter_id}"


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    style: Style | None = Style.TEXT

    @property
    def fitting_width(self) -> float:
        """``width``, or more when a word of the header would not fit on a line: wrapped in
        too narrow a column, « Administrateur·rice·s » broke into « Administrate / ur·rice·s »
        (a bold header's word and a character's margin)."""
        longest = max((len(word) for word in self.header.split()), default=0)
        return max(self.width, longest + 2.0)


def table_sheet(
    name: str,
    title: str,
    note: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Value]],
    *,
    empty_message: str,
) -> SheetSpec:
    """A protected sheet: title, a note, one header row, then ``rows`` (from :data:`FIRST_ROW`).

    An empty table shows ``empty_message`` instead of nothing, so a reader knows
    the sheet is up to date rather than broken; the message spans the table, as a
    wrapped note in column A alone runs down many lines.
    """
    body: list[list[Value]] = [[title], [note], [c.header for c in columns]]
    body.extend(list(r) for r in rows)
    row_styles = {TITLE_ROW: Style.TITLE, NOTE_ROW: Style.NOTE, HEADER_ROW: Style.HEADER}
    last = len(columns) - 1
    merges: list[CellRange] = []
    if not rows:
        body.append([empty_message])
        row_styles[FIRST_ROW] = Style.NOTE
        if last > 0:
            merges.append(CellRange(FIRST_ROW, 0, FIRST_ROW, last))
    return SheetSpec(
        name=name,
        rows=body,
        column_widths=[c.fitting_width for c in columns],
        column_styles=[c.style for c in columns],
        row_styles=row_styles,
        freeze_rows=FIRST_ROW,
        protected=True,
        autofilter=CellRange(HEADER_ROW, 0, HEADER_ROW + len(rows), last) if rows else None,
        merges=merges,
    )


def span_title_and_note(sheet: SheetSpec) -> SheetSpec:
    """Merge the title and the note across the table, unless something is merged there already.

    Wrapped in column A alone, a long note runs down a dozen lines (issue 11);
    across the table it takes one or two. Idempotent, so it can be applied to a
    whole workbook whose sheets merged some rows themselves.
    """
    last = len(sheet.column_widths) - 1
    for row in (TITLE_ROW, NOTE_ROW):
        taken = any(m.first_row <= row <= m.last_row for m in sheet.merges)
        if last > 0 and not taken and row < len(sheet.rows):
            sheet.merges.append(CellRange(row, 0, row, last))
    return sheet


PERSON_HEADERS = frozenset(
    {
        "Structure",
        "Action",
        "Responsable",
        "Statut",
        "Commentaire",
        "Justification",
        "Commentaire tiers / pair",
        "Valeur saisie",
        "Fichier",
        "Onglet",
        "Cellule",
        "Lien",
        "Lieu",
        "Notes",
        "Ce qu'elle fait (sa justification)",
    }
)
"""Headers of the columns that hold what a person typed (or a name): never retypeset."""


def typeset_sheet(sheet: SheetSpec, *, whole: bool = True) -> SheetSpec:
    """French spacing (:func:`~capsync.french.typeset`) on capsync's own texts of a sheet.

    The title, the note and every header row always; the body too when ``whole``,
    except the columns whose header is in :data:`PERSON_HEADERS`: what a person
    typed stays exactly as typed.
    """
    headers = {r for r, style in sheet.row_styles.items() if style == Style.HEADER}
    headers |= {r for r in range(min(FIRST_ROW, len(sheet.rows)))}
    person = {
        c
        for r in headers
        if r < len(sheet.rows)
        for c, value in enumerate(sheet.rows[r])
        if isinstance(value, str) and value in PERSON_HEADERS
    }
    done: dict[str, str] = {}  # a dashboard repeats its names and titles on every row
    for r, row in enumerate(sheet.rows):
        if r not in headers and not whole:
            continue
        for c, value in enumerate(row):
            if isinstance(value, str) and (r in headers or c not in person):
                if value not in done:
                    done[value] = typeset(value)
                row[c] = done[value]
    return sheet


def frame_rows(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    """A frame's rows as dicts (an empty list for None or an empty frame).

    The same dicts as ``frame.to_dict("records")`` (Python scalars, Timestamps,
    ``nan`` for a missing text), built column by column: ``to_dict`` walks a
    pandas string column one boxed element at a time, which made it the costliest
    step of the dashboard's layout.
    """
    if frame is None or frame.empty:
        return []
    names = list(frame.columns)
    columns = [_column_values(column) for _, column in frame.items()]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _column_values(column: pd.Series) -> list[Any]:
    """One column's values as :meth:`pandas.DataFrame.to_dict` gives them."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):  # str, or nan (None for a pd.NA dtype)
        missing_text = None if dtype.na_value is pd.NA else dtype.na_value
        return list(column.to_numpy(dtype=object, na_value=missing_text))
    if isinstance(dtype, np.dtype) and dtype != np.dtype(object):
        values: list[Any] = column.tolist()  # Python int / float / bool, Timestamps for dates
        return values
    return [_native(v) for v in column]


def _native(value: Any) -> Any:
    """A NumPy scalar (or ``pd.NA``) as the Python value ``to_dict`` gives."""
    if value is pd.NA:
        return None
    if isinstance(value, np.integer | np.floating | np.bool_):
        return value.item()
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    if isinstance(value, np.timedelta64):
        return pd.Timedelta(value)
    return value


def style_column(
    sheet: SheetSpec, rows: Sequence[Sequence[Value]], col: int, styles: Mapping[str, Style]
) -> None:
    """Colour the cells of column ``col`` whose text has a style (« en retard » in red...)."""
    for offset, row in enumerate(rows):
        style = styles.get(str(row[col])) if col < len(row) else None
        if style:
            sheet.cell_styles[(FIRST_ROW + offset, col)] = style

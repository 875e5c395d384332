"""``capsync history``: every change of a structure's cells, as people typed them.

A plan date that could not be read is kept as typed (``echeance_text``): the
history shows what was typed, marked « (date non lue) », never « (effacé) »,
because the text is still in the grid and in the store.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from capsync.parse.answers import PLAN_FIELDS

ECHEANCE = PLAN_FIELDS.index("echeance")
# One change: when, sheet, cell, criterion, column, old (None: empty), new (None: cleared);
# the fields of capsync.store.queries.HistoryEntry, which is made of it.
Change = tuple[dt.datetime, str, str, str, str, str | None, str | None]
Stamped = tuple[str, int, Change]  # (recorded at, log id, change): the sort's keys


def structure_history(
    conn: sqlite3.Connection, structure: str, readings: range = range(2**62)
) -> list[Change]:
    """Answers, texts and plan rows, oldest first; ``readings``: only these reading IDs."""
    span = (structure, readings.start, readings.stop)
    entries = [*_answer_entries(conn, span), *_plan_entries(conn, span)]
    entries.sort(key=lambda e: (e[0], e[2][1], *_cell_order(e[2][2]), e[1]))
    return [e for _, _, e in entries]


def _answer_entries(conn: sqlite3.Connection, span: tuple[str, int, int]) -> list[Stamped]:
    entries: list[Stamped] = []
    previous: dict[tuple[str, str], str | None] = {}
    for id_, criterion, column, text, sheet, cell, when, removed in conn.execute(
        """SELECT a.id, a.criterion, a.column_key, a.text, a.sheet, a.cell, r.recorded_at,
                  a.removed
           FROM answers a JOIN readings r ON r.id = a.reading_id
           WHERE r.structure = ? AND r.id >= ? AND r.id < ? ORDER BY a.id""",
        span,
    ):
        new = None if removed else text
        old = previous.get((criterion, column))
        previous[(criterion, column)] = new
        entry: Change = (_dt(when), sheet, cell, criterion, column, old, new)
        entries.append((when, id_, entry))
    return entries


def _plan_entries(conn: sqlite3.Connection, span: tuple[str, int, int]) -> list[Stamped]:
    entries: list[Stamped] = []
    before: dict[int, tuple[str | None, ...]] = {}
    for id_, row, *values, typed, sheet, cells, when, removed in conn.execute(
        """SELECT a.id, a.row, a.criterion, a.action, a.responsable, a.echeance,
                  a.statut, a.commentaire, a.niveau_vise, a.origine, a.echeance_text,
                  a.sheet, a.cells, r.recorded_at, a.removed
           FROM actions a JOIN readings r ON r.id = a.reading_id
           WHERE r.structure = ? AND r.id >= ? AND r.id < ? ORDER BY a.id""",
        span,
    ):
        old_values = before.get(row, (None,) * len(PLAN_FIELDS))
        new_values = plan_shown(values, typed, removed=bool(removed))
        before[row] = new_values
        addresses = (cells or "").split(",")
        for i, name in enumerate(PLAN_FIELDS):
            if old_values[i] == new_values[i]:
                continue
            cell = addresses[i] if i < len(addresses) and addresses[i] else f"ligne {row}"
            criterion = new_values[0] or old_values[0] or ""
            entry: Change = (_dt(when), sheet, cell, criterion, name, old_values[i],
                             new_values[i])  # fmt: skip
            entries.append((when, id_, entry))
    return entries


def plan_shown(values: list[Any], typed: str | None, *, removed: bool) -> tuple[str | None, ...]:
    """A logged plan row's fields as people read them (PLAN_FIELDS order): ISO dates as
    JJ/MM/AAAA, an unreadable date as typed (« « fin juin » (date non lue) »)."""
    if removed:
        return (None,) * len(PLAN_FIELDS)
    shown = [None if v in ("", None) else _show(v) for v in values]
    if shown[ECHEANCE] is None and typed:
        shown[ECHEANCE] = f"«\u00a0{typed}\u00a0» (date non lue)"  # as typed: verbatim
    return tuple(shown)


def _cell_order(cell: str) -> tuple[int, int, str]:
    """Sort « F4 » before « I4 » before « F5 » before « AA5 »: by row, then column."""
    letters = cell.rstrip("0123456789")
    digits = cell[len(letters) :]
    return (int(digits) if digits.isdigit() else 0, len(letters), letters)


def _show(value: Any) -> str:
    """A stored plan value as people read it (ISO dates as JJ/MM/AAAA)."""
    text = str(value)
    try:
        return f"{dt.date.fromisoformat(text):%d/%m/%Y}"
    except ValueError:
        return text


def _dt(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)

"""Conflicts and stale copies stay open until a person acts on the cell.

A « copies en conflit » or « copie périmée » anomaly is met once, while a
reading changes a cell; the values still disagree after it. So each one is kept,
with the cell it is about, in what capsync remembers of the file it was met in
(``files.cells``, key ``open``), and shown again at every reading of that file
until someone acts on that cell: a file's value for it is taken (typed again in
any file of the structure, or erased), or the file that lost the conflict now
holds the value that won (the two agree). Then it is closed, and the log says so.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from capsync.parse.answers import Anomaly, AnomalyKind
from capsync.store.ownership import Key, Value, same_value

PLAN_KEY = "#plan"  # a plan row's key: (PLAN_KEY, its row number)


def plan_key(row: int) -> Key:
    return (PLAN_KEY, str(row))


@dataclass(frozen=True)
class Note:
    """An open conflict or stale copy: the anomaly, its cell, and (conflicts) who lost it."""

    anomaly: Anomaly
    key: Key
    other: str = ""  # conflicts: the file whose value was replaced
    winner: Value | None = None  # conflicts: the value taken

    @property
    def shown(self) -> tuple[str, str, str, str, str, str]:
        a = self.anomaly
        return (a.source, a.sheet, a.cell, a.value, a.message, a.kind.value)

    def as_json(self) -> list[Any]:
        return [*self.shown, *self.key, self.other, list(self.winner) if self.winner else None]

    @classmethod
    def from_json(cls, structure: str, doc: list[Any]) -> Note:
        source, sheet, cell, value, message, kind, criterion, column, other, winner = doc
        anomaly = Anomaly(structure, source, sheet, cell, value, message, AnomalyKind(kind))
        won = None if winner is None else (winner[0], winner[1], winner[2])
        return cls(anomaly, (criterion, column), other, won)

    def agrees(self, file_key: str, cells: dict[Key, Value]) -> bool:
        """A conflict the losing file settled: it now holds the value that won (never the
        file the conflict was met in: after an import, the place holds what won by rebuild)."""
        if self.winner is None or self.other != file_key or self.anomaly.source == file_key:
            return False
        held = cells.get(self.key)
        return held is not None and same_value(held, self.winner)


def open_notes(conn: sqlite3.Connection, collective: str, structure: str) -> dict[str, list[Note]]:
    """The open notes of each file of the structure (the files that have any)."""
    found: dict[str, list[Note]] = {}
    for file_key, text in conn.execute(  # instr first: a grid's document is read by SQLite only
        "SELECT file_key, json_extract(cells, '$.open') FROM files WHERE collective = ? "
        "AND structure = ? AND instr(cells, '\"open\":[[') > 0",
        (collective, structure),
    ):
        found[file_key] = [Note.from_json(structure, d) for d in json.loads(text or "[]")]
    return found


def unique(notes: Sequence[Note]) -> list[Note]:
    """One note per anomaly shown (the same stale copy imported twice is one)."""
    return list({n.shown: n for n in notes}.values())


def settle_elsewhere(
    conn: sqlite3.Connection,
    where: tuple[str, str],
    others: dict[str, list[Note]],
    settled: Callable[[Note], bool],
    when: str,
) -> None:
    """Close the notes of the structure's other files that this reading settled."""
    for file_key, notes in others.items():
        kept = [n for n in notes if not settled(n)]
        if len(kept) == len(notes):
            continue
        conn.execute(
            "UPDATE files SET cells = json_set(cells, '$.open', json(?)) "
            "WHERE collective = ? AND structure = ? AND file_key = ?",
            (json.dumps([n.as_json() for n in kept]), *where, file_key),
        )
        for note in notes:
            if settled(note):
                close_anomaly(conn, where, note.shown, when)


def close_anomaly(
    conn: sqlite3.Connection, where: tuple[str, str], shown: tuple[str, ...], when: str
) -> None:
    """Close one open anomaly (the log keeps it, flagged cleared)."""
    rows = conn.execute(
        "SELECT anomaly_id FROM cur_anomalies WHERE collective = ? AND structure = ? "
        "AND source IS ? AND sheet IS ? AND cell IS ? AND value IS ? AND message IS ? "
        "AND kind = ?",
        (*where, *shown),
    ).fetchall()
    for (anomaly_id,) in rows:
        conn.execute(
            "INSERT INTO anomalies (collective, structure, source, sheet, cell, value, "
            "message, kind, found_at, cleared) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            (*where, *shown, when),
        )
        conn.execute("DELETE FROM cur_anomalies WHERE anomaly_id = ?", (anomaly_id,))


def replace_anomalies(
    conn: sqlite3.Connection,
    collective: str,
    structure: str,
    source: str,
    found: Sequence[Anomaly],
    when: str,
) -> int:
    """Make the open anomalies of one file (``source``) exactly ``found``; log the changes."""
    base = (collective, structure)
    current = {
        (src, sheet, cell, value, message, kind): anomaly_id
        for anomaly_id, src, sheet, cell, value, message, kind in conn.execute(
            "SELECT anomaly_id, source, sheet, cell, value, message, kind FROM cur_anomalies "
            "WHERE collective = ? AND structure = ? AND source IS ?",
            (*base, source),
        )
    }
    new = [(a.source, a.sheet, a.cell, a.value, a.message, a.kind.value) for a in found]
    for key in dict.fromkeys(new):
        if key in current:
            continue
        cur = conn.execute(
            "INSERT INTO anomalies (collective, structure, source, sheet, cell, value, "
            "message, kind, found_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*base, *key, when),
        )
        conn.execute(
            "INSERT INTO cur_anomalies (anomaly_id, collective, structure, source, sheet, "
            "cell, value, message, kind, found_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (cur.lastrowid, *base, *key, when),
        )
    for key, anomaly_id in current.items():
        if key in new:
            continue
        conn.execute(
            "INSERT INTO anomalies (collective, structure, source, sheet, cell, value, "
            "message, kind, found_at, cleared) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            (*base, *key, when),
        )
        conn.execute("DELETE FROM cur_anomalies WHERE anomaly_id = ?", (anomaly_id,))
    return len(dict.fromkeys(new))

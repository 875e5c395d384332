"""Appending one grid reading to the store: the diff against the current state.

Split from :mod:`capsync.store.database` so that the store module keeps its API and its
reads; this one holds the write path that a pull runs once per changed grid,
written for speed (one ``executemany`` per grid, the current state of a grid
as one JSON document read and written whole).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress

from capsync.parse.answers import Action, Anomaly, AnswerKind, ParsedGrid
from capsync.workbook.grid_schema import ARCHIVE_SHEET, RESPONDENT_PREFIX

Key = tuple[str, str]  # (criterion, column key)
CellState = tuple[str, float | None, str, str]  # (kind, level, text, recorded_at)
Event = tuple[str, str, str, float | None, str, str, str]  # criterion, column, kind, level,
# text, sheet, cell: an Answer without its structure
Removal = tuple[str, str, str, str, str]  # criterion, column, kind, sheet, cell
ActionValues = tuple[str | None, ...]  # see _action_values


@dataclass
class ChangeSummary:
    """What one recording appended (counts), so the CLI can say what a pull found."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    actions: int = 0  # plan de progrès rows appended (new, changed or removed)
    anomalies: int = 0  # anomalies currently open for the grid(s)

    def __add__(self, other: ChangeSummary) -> ChangeSummary:
        return ChangeSummary(
            self.added + other.added,
            self.changed + other.changed,
            self.removed + other.removed,
            self.actions + other.actions,
            self.anomalies + other.anomalies,
        )

    @property
    def appended(self) -> int:
        return self.added + self.changed + self.removed + self.actions


def state_doc(state: dict[Key, CellState]) -> str:
    """{"at": [times], "levels": {column: [...]}, "texts": {column: [...]}}: compact, and
    read back into frames without a Python loop per cell."""
    if not state:
        return json.dumps(
            {"at": [], "levels": _columns([], _LEVEL_PARTS), "texts": _columns([], _TEXT_PARTS)}
        )
    keys, values = zip(*state.items(), strict=True)
    crits, cols = zip(*keys, strict=True)
    kinds, levels, texts, ats = zip(*values, strict=True)
    times = {at: i for i, at in enumerate(dict.fromkeys(ats))}
    codes = list(map(times.__getitem__, ats))
    is_level = [kind != AnswerKind.TEXT for kind in kinds]
    is_text = [not x for x in is_level]

    def pick(mask: list[bool], *series: Sequence[object]) -> list[list[object]]:
        return [list(compress(s, mask)) for s in series]

    doc = {
        "at": list(times),
        "levels": dict(
            zip(_LEVEL_PARTS, pick(is_level, crits, cols, kinds, levels, texts, codes), strict=True)
        ),
        "texts": dict(zip(_TEXT_PARTS, pick(is_text, crits, cols, texts, codes), strict=True)),
    }
    return json.dumps(doc, ensure_ascii=False)


_LEVEL_PARTS = ("criterion", "column", "kind", "level", "text", "t")
_TEXT_PARTS = ("criterion", "column", "text", "t")


def _columns(values: list[object], names: tuple[str, ...]) -> dict[str, list[object]]:
    return {name: list(values) for name in names}


class Recorder:
    """The diff of one grid reading against the current state, appended in one transaction."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        collective: str,
        structure: str,
        parsed: ParsedGrid,
        when: str,
        run_id: int | None,
    ):
        self.conn = conn
        self.collective = collective
        self.structure = structure
        self.parsed = parsed
        self.when = when
        self.run_id = run_id
        self._reading: int | None = None

    def reading(self) -> int:
        """The reading row the appended events point to, created on first need."""
        if self._reading is None:
            cur = self.conn.execute(
                "INSERT INTO readings (run_id, collective, structure, source, recorded_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (self.run_id, self.collective, self.structure, self.parsed.source, self.when),
            )
            self._reading = int(cur.lastrowid or 0)
        return self._reading

    def answers(self) -> ChangeSummary:
        parsed = self.parsed
        when = self.when
        found: list[Event] = [a[1:] for a in parsed.answers]
        found += [
            (t.criterion, t.column, AnswerKind.TEXT, None, t.text, t.sheet, t.cell)
            for t in parsed.texts
        ]
        current = self._load_state()
        summary = ChangeSummary()
        events: list[Event]
        if not current:  # a first reading: everything is new (the cold pull's fast path)
            events = found
            summary.added = len(found)
            current = {(e[0], e[1]): (e[2], e[3], e[4], when) for e in found}
        else:
            events = []
            for e in found:
                key = (e[0], e[1])
                old = current.get(key)
                if old is None:
                    summary.added += 1
                elif old[0] == e[2] and old[1] == e[3] and old[2] == e[4]:
                    continue
                else:
                    summary.changed += 1
                events.append(e)
                current[key] = (e[2], e[3], e[4], when)
        removals = self._removals(current, {(e[0], e[1]) for e in found})
        summary.removed = len(removals)
        if events or removals:
            reading = self.reading()
            self.conn.executemany(
                "INSERT INTO answers (reading_id, criterion, column_key, kind, level, text, "
                f"sheet, cell) VALUES ({reading:d}, ?, ?, ?, ?, ?, ?, ?)",
                events,
            )
            self.conn.executemany(
                "INSERT INTO answers (reading_id, criterion, column_key, kind, sheet, cell, "
                f"removed) VALUES ({reading:d}, ?, ?, ?, ?, ?, 1)",
                removals,
            )
            self._save_state(current)
        return summary

    def _removals(self, current: dict[Key, CellState], found: set[Key]) -> list[Removal]:
        """Cells that were answered and are now empty, in a row and column that were read.

        A deleted row or column, or a cell now holding something unreadable, is not a
        removal: what was pulled before stays current. A respondent the grid no longer
        lists (an upgrade moved or archived the column) is one.
        """
        parsed = self.parsed
        removals = []
        identity = parsed.identity
        listed = set(identity.respondents) if identity and identity.respondents else None
        for key, value in list(current.items()):
            if key in found or key in parsed.unreadable:
                continue
            if listed is not None and key[1].startswith(RESPONDENT_PREFIX) and key[1] not in listed:
                # An upgrade retired this respondent's column (its answers are in « Archives »
                # and in this log): it must stop counting, or a renamed person counts twice.
                removals.append((key[0], key[1], value[0], ARCHIVE_SHEET, ""))
                del current[key]
                continue
            place = parsed.rows_found.get(key[0])
            if place is None or key[1] not in place[2]:
                continue
            sheet, row, letters = place
            removals.append((key[0], key[1], value[0], sheet, f"{letters[key[1]]}{row}"))
            del current[key]
        return removals

    def _load_state(self) -> dict[Key, CellState]:
        """The grid's current cells: (criterion, column) → (kind, level, text, recorded_at)."""
        row = self.conn.execute(
            "SELECT state FROM cur_answers WHERE collective = ? AND structure = ?",
            (self.collective, self.structure),
        ).fetchone()
        if row is None:
            return {}
        doc = json.loads(row[0])
        at = doc["at"]
        levels, texts = doc["levels"], doc["texts"]
        state = dict(
            zip(
                zip(levels["criterion"], levels["column"], strict=True),
                zip(
                    levels["kind"],
                    levels["level"],
                    levels["text"],
                    [at[i] for i in levels["t"]],
                    strict=True,
                ),
                strict=True,
            )
        )
        for crit, col, text, t in zip(
            texts["criterion"], texts["column"], texts["text"], texts["t"], strict=True
        ):
            state[(crit, col)] = (AnswerKind.TEXT, None, text, at[t])
        return state

    def _save_state(self, state: dict[Key, CellState]) -> None:
        """One JSON document per grid, column by column (see :func:`state_doc`)."""
        self.conn.execute(
            "INSERT OR REPLACE INTO cur_answers (collective, structure, state) VALUES (?, ?, ?)",
            (self.collective, self.structure, state_doc(state)),
        )

    def actions(self) -> int:
        parsed = self.parsed
        new = {a.row: _action_values(a) for a in parsed.actions}
        current = {
            row: tuple(values)
            for row, *values in self.conn.execute(
                "SELECT row, criterion, action, responsable, echeance, echeance_text, statut, "
                "commentaire, sheet, cells FROM cur_actions WHERE collective = ? AND structure = ?",
                (self.collective, self.structure),
            )
        }
        events = [
            (row, *v, 0)
            for row, v in new.items()
            if current.get(row, ())[:_CONTENT] != v[:_CONTENT]
        ]
        if parsed.plan_found:
            events += [(row, *v, 1) for row, v in current.items() if row not in new]
        if not events:
            return 0
        reading = self.reading()
        base = (self.collective, self.structure)
        for event in events:
            cur = self.conn.execute(
                "INSERT INTO actions (reading_id, row, criterion, action, responsable, echeance, "
                "echeance_text, statut, commentaire, sheet, cells, removed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (reading, *event),
            )
            if event[-1]:
                self.conn.execute(
                    "DELETE FROM cur_actions WHERE collective = ? AND structure = ? AND row = ?",
                    (*base, event[0]),
                )
            else:
                self.conn.execute(
                    "INSERT OR REPLACE INTO cur_actions (collective, structure, row, criterion, "
                    "action, responsable, echeance, echeance_text, statut, commentaire, sheet, "
                    "cells, action_id, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (*base, *event[:-1], cur.lastrowid, self.when),
                )
        return len(events)

    def anomalies(self, found: list[Anomaly]) -> int:
        """Make the grid's open anomalies the latest reading's set; the log keeps them all."""
        base = (self.collective, self.structure)
        current = {
            (source, sheet, cell, value, message): anomaly_id
            for anomaly_id, source, sheet, cell, value, message in self.conn.execute(
                "SELECT anomaly_id, source, sheet, cell, value, message FROM cur_anomalies "
                "WHERE collective = ? AND structure = ?",
                base,
            )
        }
        new = [(a.source, a.sheet, a.cell, a.value, a.message) for a in found]
        for key in dict.fromkeys(new):
            if key in current:
                continue
            cur = self.conn.execute(
                "INSERT INTO anomalies (collective, structure, source, sheet, cell, value, "
                "message, found_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (*base, *key, self.when),
            )
            self.conn.execute(
                "INSERT INTO cur_anomalies (anomaly_id, collective, structure, source, sheet, "
                "cell, value, message, found_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (cur.lastrowid, *base, *key, self.when),
            )
        for key, anomaly_id in current.items():
            if key in new:
                continue
            self.conn.execute(
                "INSERT INTO anomalies (collective, structure, source, sheet, cell, value, "
                "message, found_at, cleared) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
                (*base, *key, self.when),
            )
            self.conn.execute("DELETE FROM cur_anomalies WHERE anomaly_id = ?", (anomaly_id,))
        return len(dict.fromkeys(new))

    def source(self, version_token: str, content_hash: str) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO sources (collective, structure, source, version_token, "
            "content_hash, read_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                self.collective,
                self.structure,
                self.parsed.source,
                version_token,
                content_hash,
                self.when,
            ),
        )


_CONTENT = 7  # the fields of _action_values that are content, not location


def _action_values(action: Action) -> ActionValues:
    echeance = action.echeance.isoformat() if action.echeance else None
    return (
        action.criterion,
        action.action,
        action.responsable,
        echeance,
        action.echeance_text,
        action.statut,
        action.commentaire,
        action.sheet,
        ",".join(action.cells),
    )

"""Appending one grid reading to the store: the diff against the current state.

Split from :mod:`capsync.store.database` so that the store module keeps its API and its
reads; this one holds the write path that a pull runs once per changed grid,
written for speed (one ``executemany`` per grid, the current state of a grid
as one JSON document read and written whole).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Container
from dataclasses import dataclass, field
from itertools import repeat
from operator import add
from typing import Any

from capsync.parse.answers import Action, Anomaly, AnswerKind, ParsedGrid
from capsync.store.open_notes import (
    Note,
    open_notes,
    plan_key,
    replace_anomalies,
    settle_elsewhere,
    unique,
)
from capsync.store.ownership import (
    ActionRow,
    FileMemory,
    Value,
    action_content,
    is_stale,
    past_actions,
    past_values,
    same_value,
)
from capsync.store.plan_merge import merge_copy
from capsync.store.provenance_messages import (
    conflict_anomaly,
    plan_anomaly,
    stale_anomaly,
)
from capsync.store.state_document import (
    TEXT,
    CellState,
    Key,
    json_text,
    read_state,
    state_document,
)
from capsync.workbook.grid_schema import ARCHIVE_SHEET, RESPONDENT_PREFIX

Event = tuple[str, str, str, float | None, str, str, str]  # criterion, column, kind, level,
# text, sheet, cell: an Answer without its structure
Removal = tuple[str, str, str, str, str]  # criterion, column, kind, sheet, cell
ActionValues = tuple[str | None, ...]  # see _action_values
_KIND_TEXT = {kind: kind.value for kind in AnswerKind}  # plain str, see Recorder._found
__all__ = ["ChangeSummary", "Recorder", "replace_anomalies"]  # replace_anomalies: open_notes


@dataclass
class ChangeSummary:
    """What one recording appended (counts), so the CLI can say what a pull found."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    actions: int = 0  # plan de progrès rows appended (new, changed or removed)
    anomalies: int = 0  # anomalies currently open for the grid(s)
    notes: list[Anomaly] = field(default_factory=list)  # stale values and conflicts met

    def __add__(self, other: ChangeSummary) -> ChangeSummary:
        return ChangeSummary(
            self.added + other.added,
            self.changed + other.changed,
            self.removed + other.removed,
            self.actions + other.actions,
            self.anomalies + other.anomalies,
            self.notes + other.notes,
        )

    @property
    def appended(self) -> int:
        return self.added + self.changed + self.removed + self.actions


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
        self.notes: list[Anomaly] = []  # stale values and conflicts met while recording
        self.open: list[Note] = []  # the same, with their cells (capsync.store.open_notes)
        self.touched: set[Key] = set()  # the cells (and plan rows) this reading changed
        self.kept_open: list[Note] | None = None  # the file's open notes after this reading
        self.memory_cells: dict[Key, Value] = {}
        self.memory_actions: dict[int, ActionRow] | None = None
        self._memory: FileMemory | None = None
        self.saved: tuple[str, dict[str, Any]] | None = None  # the state document written

    @property
    def memory(self) -> FileMemory:
        """What capsync last saw in this file, read once per recording (it is written last,
        by :meth:`remember`)."""
        if self._memory is None:
            self._memory = FileMemory(self.conn, self.collective, self.structure, self.file_key)
        return self._memory

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

    @property
    def file_key(self) -> str:
        """The file's place: what capsync last saw there is kept under this key."""
        return self.parsed.source

    @property
    def origin(self) -> str:
        """Where the values of this reading come from: the place, and for a copy brought
        in (an import) the copy's own name after « | », so a later conflict names it."""
        parsed = self.parsed
        return f"{parsed.source}|{parsed.label}" if parsed.fresh and parsed.label else parsed.source

    def mine(self, origin: str) -> bool:
        """Whether a value of ``origin`` belongs to this file: brought by it, or by a copy
        imported into its place (the grid in place holds what was imported into it)."""
        return origin in ("", self.file_key) or origin.startswith(f"{self.file_key}|")

    def answers(self) -> ChangeSummary:
        """Append the cells this file changed, by the rules of :mod:`capsync.store.ownership`."""
        parsed = self.parsed
        found = self._found()
        seen = None if parsed.fresh or not self.memory.seen else self.memory.cells
        current, sources = self._load_state()
        summary = ChangeSummary()
        cells: dict[Key, Value] = {(e[0], e[1]): (e[2], e[3], e[4]) for e in found}
        if not current and not parsed.fresh and found and len(cells) == len(found):
            # A first reading (a cold sync), no cell twice: every cell is added, as _diff
            # would find, without its steps per cell (a tenth of the recording's time). Not a
            # copy: what it holds may have been erased since (_diff says which).
            events, summary.added = found, len(found)
            stamped = map(add, cells.values(), repeat((self.when,)))
            current = dict(zip(cells, stamped, strict=True))
            sources = dict.fromkeys(cells, self.origin)
        else:
            events = self._diff(found, current, sources, seen, summary)
        removals = self._removals(current, sources, cells, seen)
        summary.removed = len(removals)
        self.touched.update((e[0], e[1]) for e in events)
        self.touched.update((r[0], r[1]) for r in removals)
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
            self._save_state(current, sources)
        for key in parsed.unreadable:  # still what it was: a cell typed wrong is not cleared
            if seen is not None and key in seen and key not in cells:
                cells[key] = seen[key]
        self.memory_cells = cells
        return summary

    def _found(self) -> list[Event]:
        """The cells this file may change, as events whose kind is a plain ``str``: sqlite3
        binds a ``str`` subclass (the ``AnswerKind`` enum) through its adapters, which cost
        a quarter of appending a grid's answers; ``owns`` is asked of personal files only."""
        parsed, kind = self.parsed, _KIND_TEXT
        found: list[Event] = [
            (criterion, column, kind[k], level, text, sheet, cell)
            for _, criterion, column, k, level, text, sheet, cell in parsed.answers
        ]
        found += [(t[1], t[2], TEXT, None, t[3], t[4], t[5]) for t in parsed.texts]
        if parsed.owner:
            owns = parsed.owns
            found = [e for e in found if owns(e[1])]
        return found

    def _diff(
        self,
        found: list[Event],
        current: dict[Key, CellState],
        sources: dict[Key, str],
        seen: dict[Key, Value] | None,
        summary: ChangeSummary,
    ) -> list[Event]:
        """The events to append, cell by cell; ``current`` and ``sources`` become the new state."""
        parsed, when, key_of = self.parsed, self.when, self.origin
        events: list[Event] = []
        past: dict[Key, list[Value]] | None = None
        for e in found:
            key = (e[0], e[1])
            new: Value = (e[2], e[3], e[4])
            old = current.get(key)
            if old is not None and old[:3] == new:
                continue
            if old is not None and seen is not None and seen.get(key) == new:
                continue  # unchanged in this file since last seen: another file changed it since
            if seen is None:  # a copy: what it holds that the cell held before is older
                if past is None:
                    past = past_values(self.conn, self.collective, self.structure)
                held = past.get(key, [])
                if old is not None and is_stale(new, old[:3], held):
                    self._note(Note(stale_anomaly(parsed, e, old, sources.get(key, "")), key))
                    continue
                if old is None and any(same_value(new, p) for p in held):  # erased since
                    self._note(Note(stale_anomaly(parsed, e, None), key))
                    continue
            if old is None:
                summary.added += 1
            else:
                summary.changed += 1
                other = sources.get(key, "")
                theirs = other != key_of and not (self.mine(other) and not parsed.fresh)
                if other and theirs and not same_value(new, old[:3]):
                    self._note(Note(conflict_anomaly(parsed, e, old, other), key, other, new))
            events.append(e)
            current[key] = (e[2], e[3], e[4], when)
            sources[key] = key_of
        return events

    def _removals(
        self,
        current: dict[Key, CellState],
        sources: dict[Key, str],
        found: Container[Key],
        seen: dict[Key, Value] | None,
    ) -> list[Removal]:
        """Cells that this file held and that are now empty, in a row and column that were read.

        A deleted row or column, or a cell now holding something unreadable, is not a
        removal: what was pulled before stays current. Nor is a cell whose current value
        this file never held (another file brought it), nor anything in a copy never
        seen before. A respondent the grid no longer lists (an upgrade moved or
        archived the column) is one.
        """
        parsed = self.parsed
        if seen is None or not parsed.attributed:
            return []
        removals = []
        identity = parsed.identity
        listed = set(identity.respondents) if identity and identity.respondents else None
        for key, value in list(current.items()):
            if key in found or key in parsed.unreadable or not parsed.owns(key[1]):
                continue
            held = seen.get(key)
            if held is None or not same_value(held, value[:3]):
                continue  # not this file's value: another file brought it
            if not self.mine(sources.get(key, "")):
                continue  # shown here, but brought by another file (a personal one): its own
            if listed is not None and key[1].startswith(RESPONDENT_PREFIX) and key[1] not in listed:
                # An upgrade retired this respondent's column (its answers are in « Archives »
                # and in this log): it must stop counting, or a renamed person counts twice.
                removals.append((key[0], key[1], value[0], ARCHIVE_SHEET, ""))
                del current[key]
                sources.pop(key, None)
                continue
            place = parsed.rows_found.get(key[0])
            if place is None or key[1] not in place[2]:
                continue
            sheet, row, letters = place
            removals.append((key[0], key[1], value[0], sheet, f"{letters[key[1]]}{row}"))
            del current[key]
            sources.pop(key, None)
        return removals

    def _load_state(self) -> tuple[dict[Key, CellState], dict[Key, str]]:
        """The structure's current cells and the file each came from (see :func:`read_state`)."""
        row = self.conn.execute(
            "SELECT state FROM cur_answers WHERE collective = ? AND structure = ?",
            (self.collective, self.structure),
        ).fetchone()
        return ({}, {}) if row is None else read_state(row[0])

    def _save_state(self, state: dict[Key, CellState], sources: dict[Key, str]) -> None:
        """One JSON document per structure, column by column (see :func:`state_document`); the
        document is kept in ``saved`` too, for the store to read back without decoding it."""
        doc = state_document(state, sources)
        text = json_text(doc)
        self.conn.execute(
            "INSERT OR REPLACE INTO cur_answers (collective, structure, state) VALUES (?, ?, ?)",
            (self.collective, self.structure, text),
        )
        self.saved = (text, doc)

    def actions(self) -> int:
        """Append the plan rows this file changed; like answers, a file removes only its own
        rows, and a copy never seen adds its rows without replacing anyone's."""
        parsed = self.parsed
        if parsed.owner or not parsed.attributed:
            return 0  # a personal file has no plan; a file not attributed changes nothing
        new = {a.row: _action_values(a) for a in parsed.actions}
        self.memory_actions = (
            {row: tuple(v) for row, v in new.items()} if parsed.plan_found else None
        )
        seen = None if parsed.fresh else self.memory.actions
        current: dict[int, tuple[tuple[str | None, ...], str]] = {
            row: (tuple(values), file_key or "")
            for row, *values, file_key in self.conn.execute(
                "SELECT row, criterion, action, responsable, echeance, echeance_text, statut, "
                "commentaire, sheet, cells, niveau_vise, origine, file_key FROM cur_actions "
                "WHERE collective = ? AND structure = ?",
                (self.collective, self.structure),
            )
        }
        if seen is None:
            events = self._copy_events(new, current)
        else:
            events = self._action_events(new, current, seen)
            if parsed.plan_found:
                events += _action_removals(new, current, seen, events)
        self.touched.update(plan_key(int(str(e[0]))) for e in events)
        if not events:
            return 0
        reading = self.reading()
        base = (self.collective, self.structure)
        for event in events:
            cur = self.conn.execute(
                "INSERT INTO actions (reading_id, row, criterion, action, responsable, echeance, "
                "echeance_text, statut, commentaire, sheet, cells, niveau_vise, origine, removed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    "cells, niveau_vise, origine, action_id, recorded_at, file_key) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (*base, *event[:-1], cur.lastrowid, self.when, self.file_key),
                )
        return len(events)

    def _action_events(
        self,
        new: dict[int, ActionValues],
        current: dict[int, tuple[tuple[str | None, ...], str]],
        seen: dict[int, ActionRow],
    ) -> list[tuple[object, ...]]:
        """A file seen before: its rows by row number, against what it held then. A row that
        only moved (a line deleted above it, the grid rebuilt by an import) is not added
        twice: the row it left is removed (:func:`_action_removals`)."""
        events: list[tuple[object, ...]] = []
        for row, v in new.items():
            old = current.get(row)
            if old is not None and action_content(old[0]) == action_content(v):
                continue
            if row in seen and action_content(seen[row]) == action_content(v):
                continue  # unchanged in this file since last seen: another file changed it
            events.append((row, *v, 0))
        return events

    def _copy_events(
        self, new: dict[int, ActionValues], current: dict[int, tuple[tuple[str | None, ...], str]]
    ) -> list[tuple[object, ...]]:
        """A copy never seen: its rows matched by what they say (:mod:`capsync.store.plan_merge`);
        what it holds that is older than the plan, or disagrees with it, becomes a note."""
        if not current:
            return [(row, *v, 0) for row, v in new.items()]
        merge = merge_copy(new, current, past_actions(self.conn, self.collective, self.structure))
        for n in merge.notes:
            place = current[n.row][1] if n.current is not None and n.row in current else ""
            anomaly = plan_anomaly(self.parsed, n.kind.value, n.copy, n.field, n.current, place)
            self._note(Note(anomaly, plan_key(n.row)))
        return [(row, *v, 0) for row, v in merge.events]

    def _note(self, note: Note) -> None:
        self.notes.append(note.anomaly)
        self.open.append(note)

    def anomalies(self, found: list[Anomaly]) -> int:
        """Make this file's open anomalies the latest reading's set; the log keeps them all.

        Scoped to the file (its source): reading a personal file leaves the anomalies
        of the structure's grid open, and the other way round.
        """
        where = (self.collective, self.structure)
        notes = open_notes(self.conn, *where)
        mine = notes.pop(self.file_key, [])
        if self.parsed.attributed:
            settle_elsewhere(self.conn, where, notes, self._settled, self.when)
            mine = [n for n in mine if not self._settled(n)]
        self.kept_open = unique([*mine, *self.open])
        return replace_anomalies(
            self.conn, *where, self.file_key,
            [*found, *(n.anomaly for n in self.kept_open)], self.when,
        )  # fmt: skip

    def _settled(self, note: Note) -> bool:
        """Whether this reading settled an open conflict or stale copy (see open_notes)."""
        return note.key in self.touched or note.agrees(self.file_key, self.memory_cells)

    def remember(self, token: str | None, content_hash: str | None) -> None:
        """Keep what capsync saw in this file, for the next reading of it."""
        if not self.parsed.attributed:
            return
        identity = self.parsed.identity.as_metadata() if self.parsed.identity else None
        kept = None if self.kept_open is None else [n.as_json() for n in self.kept_open]
        self.memory.save(
            self.memory_cells, self.memory_actions, self.when, token, content_hash, identity, kept
        )

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
        action.target or None,
        action.origin or None,
    )


def _action_removals(
    new: dict[int, ActionValues],
    current: dict[int, tuple[tuple[str | None, ...], str]],
    seen: dict[int, ActionRow],
    events: list[tuple[object, ...]],
) -> list[tuple[object, ...]]:
    """The rows a file seen before no longer holds at their place: a row it held, now empty,
    and a row whose content this file now holds at another row (moved, never kept twice)."""
    elsewhere = {action_content(tuple(e[1:-1])) for e in events}
    elsewhere |= {
        action_content(v) for r, v in new.items()
        if r in current and action_content(current[r][0]) == action_content(v)
    }  # fmt: skip
    found: list[tuple[object, ...]] = []
    for row, (v, _) in current.items():
        if row in new:
            continue
        content = action_content(v)
        held = row in seen and action_content(seen[row]) == content
        if held or content in elsewhere:
            found.append((row, *v, 1))
    return found

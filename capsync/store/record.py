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
from dataclasses import dataclass, field
from itertools import compress

from capsync.parse.answers import Action, Anomaly, AnswerKind, ParsedGrid
from capsync.store.ownership import (
    ActionRow,
    FileMemory,
    Value,
    action_content,
    is_stale,
    past_values,
    same_value,
)
from capsync.store.provenance_messages import conflict_anomaly, stale_anomaly
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


def state_doc(state: dict[Key, CellState], sources: dict[Key, str] | None = None) -> str:
    """{"at": [times], "files": [file keys], "levels": {column: [...]}, "texts": {column:
    [...]}}: compact, and read back into frames without a Python loop per cell."""
    if not state:
        return json.dumps(
            {
                "at": [],
                "files": [],
                "levels": _columns([], _LEVEL_PARTS),
                "texts": _columns([], _TEXT_PARTS),
            }
        )
    keys, values = zip(*state.items(), strict=True)
    crits, cols = zip(*keys, strict=True)
    kinds, levels, texts, ats = zip(*values, strict=True)
    times = {at: i for i, at in enumerate(dict.fromkeys(ats))}
    codes = list(map(times.__getitem__, ats))
    origin = [(sources or {}).get(k, "") for k in keys]
    files = {f: i for i, f in enumerate(dict.fromkeys(origin))}
    file_codes = list(map(files.__getitem__, origin))
    is_level = [kind != AnswerKind.TEXT for kind in kinds]
    is_text = [not x for x in is_level]

    def pick(mask: list[bool], *series: Sequence[object]) -> list[list[object]]:
        return [list(compress(s, mask)) for s in series]

    level_parts = pick(is_level, crits, cols, kinds, levels, texts, codes, file_codes)
    doc = {
        "at": list(times),
        "files": list(files),
        "levels": dict(zip(_LEVEL_PARTS, level_parts, strict=True)),
        "texts": dict(
            zip(_TEXT_PARTS, pick(is_text, crits, cols, texts, codes, file_codes), strict=True)
        ),
    }
    return json.dumps(doc, ensure_ascii=False)


_LEVEL_PARTS = ("criterion", "column", "kind", "level", "text", "t", "f")
_TEXT_PARTS = ("criterion", "column", "text", "t", "f")


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
        self.notes: list[Anomaly] = []  # stale values and conflicts met while recording
        self.memory_cells: dict[Key, Value] = {}
        self.memory_actions: dict[int, ActionRow] | None = None

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
        when = self.when
        owns = parsed.owns
        found: list[Event] = [a[1:] for a in parsed.answers if owns(a.column)]
        found += [
            (t.criterion, t.column, AnswerKind.TEXT, None, t.text, t.sheet, t.cell)
            for t in parsed.texts
            if owns(t.column)
        ]
        memory = FileMemory(self.conn, self.collective, self.structure, self.file_key)
        seen = None if parsed.fresh or not memory.seen else memory.cells
        current, sources = self._load_state()
        summary = ChangeSummary()
        events: list[Event] = []
        past: dict[Key, list[Value]] | None = None
        key_of = self.origin
        for e in found:
            key = (e[0], e[1])
            new: Value = (e[2], e[3], e[4])
            old = current.get(key)
            if old is not None and old[:3] == new:
                continue
            if old is not None and seen is not None and seen.get(key) == new:
                continue  # unchanged in this file since last seen: another file changed it since
            if old is not None and seen is None:
                if past is None:
                    past = past_values(self.conn, self.collective, self.structure)
                if is_stale(new, old[:3], past.get(key, [])):
                    self.notes.append(stale_anomaly(parsed, e, old, sources.get(key, "")))
                    continue
            if old is None:
                summary.added += 1
            else:
                summary.changed += 1
                other = sources.get(key, "")
                theirs = other != key_of and not (self.mine(other) and not parsed.fresh)
                if other and theirs and not same_value(new, old[:3]):
                    self.notes.append(conflict_anomaly(parsed, e, old, other))
            events.append(e)
            current[key] = (e[2], e[3], e[4], when)
            sources[key] = key_of
        removals = self._removals(current, sources, {(e[0], e[1]) for e in found}, seen)
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
            self._save_state(current, sources)
        cells: dict[Key, Value] = {(e[0], e[1]): (e[2], e[3], e[4]) for e in found}
        for key in parsed.unreadable:  # still what it was: a cell typed wrong is not cleared
            if seen is not None and key in seen and key not in cells:
                cells[key] = seen[key]
        self.memory_cells = cells
        return summary

    def _removals(
        self,
        current: dict[Key, CellState],
        sources: dict[Key, str],
        found: set[Key],
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
        """The structure's current cells: (criterion, column) → (kind, level, text,
        recorded_at), and the file each came from ("" when not known: schema 1)."""
        row = self.conn.execute(
            "SELECT state FROM cur_answers WHERE collective = ? AND structure = ?",
            (self.collective, self.structure),
        ).fetchone()
        if row is None:
            return {}, {}
        doc = json.loads(row[0])
        at = doc["at"]
        levels, texts = doc["levels"], doc["texts"]
        files = doc.get("files", [])
        sources: dict[Key, str] = {}
        for part in (levels, texts):
            if "f" in part:
                sources.update(
                    zip(
                        zip(part["criterion"], part["column"], strict=True),
                        (files[i] for i in part["f"]),
                        strict=True,
                    )
                )
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
        return state, sources

    def _save_state(self, state: dict[Key, CellState], sources: dict[Key, str]) -> None:
        """One JSON document per structure, column by column (see :func:`state_doc`)."""
        self.conn.execute(
            "INSERT OR REPLACE INTO cur_answers (collective, structure, state) VALUES (?, ?, ?)",
            (self.collective, self.structure, state_doc(state, sources)),
        )

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
        memory = FileMemory(self.conn, self.collective, self.structure, self.file_key)
        seen = None if parsed.fresh else memory.actions
        current: dict[int, tuple[tuple[str | None, ...], str]] = {
            row: (tuple(values), file_key or "")
            for row, *values, file_key in self.conn.execute(
                "SELECT row, criterion, action, responsable, echeance, echeance_text, statut, "
                "commentaire, sheet, cells, niveau_vise, origine, file_key FROM cur_actions "
                "WHERE collective = ? AND structure = ?",
                (self.collective, self.structure),
            )
        }
        events = self._action_events(new, current, seen)
        if parsed.plan_found and seen is not None:
            events += [
                (row, *v, 1)
                for row, (v, _) in current.items()
                if row not in new and row in seen and action_content(seen[row]) == action_content(v)
            ]
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
        seen: dict[int, ActionRow] | None,
    ) -> list[tuple[object, ...]]:
        events: list[tuple[object, ...]] = []
        contents = {action_content(v) for v, _ in current.values()}
        free = max([*current, *new], default=0) + 1
        for row, v in new.items():
            old = current.get(row)
            if old is not None and action_content(old[0]) == action_content(v):
                continue
            if seen is not None and row in seen and action_content(seen[row]) == action_content(v):
                continue  # unchanged in this file since last seen: another file changed it
            if seen is None and old is not None:
                if action_content(v) in contents:
                    continue  # a copy's row already in the plan
                if old[1] != self.file_key:  # another file's row: keep both, side by side
                    events.append((free, *v, 0))
                    free += 1
                    continue
            events.append((row, *v, 0))
        return events

    def anomalies(self, found: list[Anomaly]) -> int:
        """Make this file's open anomalies the latest reading's set; the log keeps them all.

        Scoped to the file (its source): reading a personal file leaves the anomalies
        of the structure's grid open, and the other way round.
        """
        return replace_anomalies(
            self.conn, self.collective, self.structure, self.file_key,
            [*found, *self.notes], self.when,
        )  # fmt: skip

    def remember(self, token: str | None, content_hash: str | None) -> None:
        """Keep what capsync saw in this file, for the next reading of it."""
        if not self.parsed.attributed:
            return
        memory = FileMemory(self.conn, self.collective, self.structure, self.file_key)
        identity = self.parsed.identity.as_metadata() if self.parsed.identity else None
        memory.save(
            self.memory_cells, self.memory_actions, self.when, token, content_hash, identity
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

"""The store's reads about one structure's files and history (a part of :class:`Store`).

Split from :mod:`capsync.store.database` to keep modules small: these queries
need only the connection, and answer the import, the upgrade and ``capsync
history`` (what each file brought, the current cells as typed, the plan rows).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from capsync.parse.answers import AnomalyKind
from capsync.store.history import structure_history
from capsync.store.ownership import file_identities
from capsync.store.safety import guarded
from capsync.workbook.identity import Identity, identity_from_rows


@dataclass(frozen=True)
class HistoryEntry:
    """One change of one cell, as ``capsync history`` prints it."""

    when: dt.datetime
    sheet: str
    cell: str
    criterion: str
    column: str
    old: str | None  # None: the cell was empty before
    new: str | None  # None: the cell was cleared (the old value stays in the log)


class StoreQueries:
    """Read-only queries of :class:`~capsync.store.database.Store` (which sets both fields)."""

    path: Path
    conn: sqlite3.Connection

    @guarded
    def change_stamp(self, collective: str) -> tuple[int, int]:
        """Moves whenever something of the collectif was recorded (a reading of any of its
        files, an anomaly found or cleared): what a sync's fingerprint needs beyond the
        grids' tokens (personal files and stray files have none there)."""
        row = self.conn.execute(
            "SELECT (SELECT coalesce(max(id), 0) FROM readings WHERE collective = ?), "
            "(SELECT coalesce(max(id), 0) FROM anomalies WHERE collective = ?)",
            (collective, collective),
        ).fetchone()
        return int(row[0]), int(row[1])

    @guarded
    def structure_cells(self, collective: str, structure: str) -> dict[tuple[str, str], str]:
        """The structure's current cells as typed: (criterion, column key) → text."""
        row = self.conn.execute(
            "SELECT state FROM cur_answers WHERE collective = ? AND structure = ?",
            (collective, structure),
        ).fetchone()
        if row is None:
            return {}
        doc = json.loads(row[0])
        found: dict[tuple[str, str], str] = {}
        for part in (doc["levels"], doc["texts"]):
            found.update(
                zip(zip(part["criterion"], part["column"], strict=True), part["text"], strict=True)
            )
        return found

    @guarded
    def cells_from_other_files(
        self, collective: str, structure: str, file_key: str
    ) -> dict[tuple[str, str], str]:
        """The structure's current cells brought by a file other than ``file_key`` (its
        respondents' personal files, say), as typed: (criterion, column key) → text."""
        row = self.conn.execute(
            "SELECT state FROM cur_answers WHERE collective = ? AND structure = ?",
            (collective, structure),
        ).fetchone()
        if row is None:
            return {}
        doc = json.loads(row[0])
        files = doc.get("files", [])
        found: dict[tuple[str, str], str] = {}
        for part in (doc["levels"], doc["texts"]):
            for crit, col, text, f in zip(
                part["criterion"], part["column"], part["text"], part.get("f", []), strict=False
            ):
                if files[f] not in ("", file_key):
                    found[(crit, col)] = text
        return found

    @guarded
    def structure_plan(self, collective: str, structure: str) -> list[list[Any]]:
        """The structure's current plan de progrès rows, in the grid's column order."""
        return list(self.structure_plan_rows(collective, structure).values())

    @guarded
    def structure_plan_rows(self, collective: str, structure: str) -> dict[int, list[Any]]:
        """The same rows by the 1-based sheet row each is kept at (where a grid shows it),
        in PLAN_COLUMNS order (the current level is the sheet's formula: None here)."""
        rows = self.conn.execute(
            "SELECT row, criterion, action, responsable, echeance, echeance_text, statut, "
            "commentaire, niveau_vise, origine FROM cur_actions "
            "WHERE collective = ? AND structure = ? ORDER BY row",
            (collective, structure),
        ).fetchall()
        return {
            int(n): [c, None, plan_target_cell(target), a, r,
                     dt.date.fromisoformat(e) if e else (text or None), st, com, origin]
            for n, c, a, r, e, text, st, com, target, origin in rows
        }  # fmt: skip

    @guarded
    def file_state(self, collective: str, structure: str) -> dict[str, tuple[str, str]]:
        """Each file of the structure capsync has read: file key → (token, content hash)."""
        rows = self.conn.execute(
            "SELECT file_key, version_token, content_hash FROM files "
            "WHERE collective = ? AND structure = ?",
            (collective, structure),
        )
        return {key: (token or "", digest or "") for key, token, digest in rows}

    @guarded
    def file_identities(self, collective: str) -> dict[tuple[str, str], Identity]:
        """(structure, file key) → the identity the file had when capsync last read it."""
        found = {}
        for key, meta in file_identities(self.conn, collective).items():
            identity = identity_from_rows(meta.items())
            if identity is not None:
                found[key] = identity
        return found

    @guarded
    def anomaly_sources(self, collective: str, kind: AnomalyKind) -> set[str]:
        """The files that have open anomalies of ``kind`` in the collectif."""
        rows = self.conn.execute(
            "SELECT DISTINCT source FROM cur_anomalies WHERE collective = ? AND kind = ?",
            (collective, kind.value),
        )
        return {source for (source,) in rows}

    @guarded
    def earlier_content(
        self, collective: str, structure: str, source: str, content_hash: str, file_digest: str
    ) -> tuple[dt.datetime, bool] | None:
        """When a pull read exactly these values (``content_hash``) in this file before its
        latest reading, and whether it was these very bytes (``file_digest``, see
        :meth:`Store.keep_content`): an earlier version put back in place. None: never read
        there, or read last (a file broken meanwhile, say, then repaired: nothing is older)."""
        where = (collective, structure, source)
        row = self.conn.execute(
            "SELECT recorded_at, version_token IS ? FROM readings WHERE collective = ? AND "
            "structure = ? AND source = ? AND content_hash = ? AND id < (SELECT max(id) FROM "
            "readings WHERE collective = ? AND structure = ? AND source = ?) "
            "ORDER BY version_token IS ? DESC, id DESC LIMIT 1",
            (file_digest or 0, *where, content_hash, *where, file_digest or 0),
        ).fetchone()
        return None if row is None else (_dt(row[0]), bool(row[1]))

    @guarded
    def history(self, structure: str, readings: range = range(2**62)) -> list[HistoryEntry]:
        """Every change of the structure's cells, oldest first: answers, texts and plan rows
        (:mod:`capsync.store.history`: an unreadable plan date shown as typed, never as
        erased); ``readings``: only those of these reading IDs (one campaign,
        capsync.store.campaigns)."""
        return [HistoryEntry(*c) for c in structure_history(self.conn, structure, readings)]


def plan_target_cell(target: str | None) -> str | int | None:
    """A stored target as the grid's cell takes it back: a level as a number, else as typed."""
    return int(target) if target and target.isdigit() else target


def _dt(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)

"""Campaigns in the store: which campaign each structure is in, and what the last one left.

A structure re-assesses itself every year or two (« 2025-2026 », then « 2027-2028 »).
The log stays one log: a campaign is the run of readings from its ``first_reading``
on, so every reading made before campaigns existed belongs to the structure's first
campaign, with nothing rewritten. Two tables, both small::

    campaigns         per structure and campaign: the first reading that belongs to it,
                      when it started, the campaign it followed
    campaign_archive  per structure and closed campaign: its current state when it
                      closed (levels and texts as the pull kept them, plan rows), and
                      where its grid was archived

Starting a campaign closes the current state of the structure's grid (kept here and
in the log), so the new grid is read as a new file: nothing of the old grid is ever
taken for a removal in the new one.

The previous campaign's levels come back with the current answers under column keys
``avant:<key>`` (:func:`with_previous_campaign`): no scoring reads them, while the
dashboard and the restitution can put each criterion's before and after side by side.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from capsync.errors import CapsyncError
from capsync.store.record import replace_anomalies
from capsync.store.safety import storage_errors

if TYPE_CHECKING:
    import pandas as pd

CAMPAIGN_TABLES = [
    """CREATE TABLE IF NOT EXISTS campaigns (
    collective TEXT NOT NULL, structure TEXT NOT NULL, campaign TEXT NOT NULL,
    first_reading INTEGER NOT NULL, started_at TEXT NOT NULL, previous TEXT,
    PRIMARY KEY (collective, structure, campaign)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS campaign_archive (
    collective TEXT NOT NULL, structure TEXT NOT NULL, campaign TEXT NOT NULL,
    state TEXT NOT NULL, actions TEXT NOT NULL, archived_at TEXT NOT NULL, location TEXT,
    PRIMARY KEY (collective, structure, campaign)) WITHOUT ROWID""",
]
"""The two tables (schema 4), created with the store or added to an older one."""

PREVIOUS_PREFIX = "avant:"
"""Column keys of the previous campaign's levels in :meth:`Store.current_answers`."""


class _Readable(Protocol):
    """What the reads need: a read-only store (:class:`~capsync.store.reader.StoreReader`) too."""

    path: Path
    conn: sqlite3.Connection


class _StoreLike(_Readable, Protocol):
    def transaction(self, *, backup: bool = True) -> AbstractContextManager[None]: ...


@dataclass(frozen=True)
class CampaignRecord:
    """One campaign of one structure, as the store keeps it."""

    structure: str
    campaign: str
    first_reading: int
    started_at: str
    previous: str | None


def _stamp(at: dt.datetime) -> str:
    if at.tzinfo is not None:
        at = at.astimezone().replace(tzinfo=None)
    return at.isoformat(sep=" ", timespec="microseconds")


def campaign_records(store: _Readable, collective: str) -> list[CampaignRecord]:
    """Every campaign of the collectif's structures, oldest first per structure."""
    with storage_errors(store.path):
        rows = store.conn.execute(
            "SELECT structure, campaign, first_reading, started_at, previous FROM campaigns "
            "WHERE collective = ? ORDER BY structure, first_reading, started_at",
            (collective,),
        ).fetchall()
    return [CampaignRecord(s, c, int(f), t, p) for s, c, f, t, p in rows]


def structure_campaigns(store: _Readable, collective: str, structure: str) -> list[str]:
    """The campaigns one structure went through, in order, its current one last; empty
    while it is still in its first campaign (no campaign was ever started for it)."""
    return [r.campaign for r in campaign_records(store, collective) if r.structure == structure]


def campaign_paths(store: _Readable, collective: str) -> dict[str, tuple[str, ...]]:
    """Per structure that started a new campaign: its campaigns from the first (the one it
    left first) to its current one, e.g. (« 2025-2026 », « 2027-2028 »)."""
    paths: dict[str, list[str]] = {}
    for record in campaign_records(store, collective):
        path = paths.setdefault(record.structure, [record.previous] if record.previous else [])
        path.append(record.campaign)
    return {structure: tuple(path) for structure, path in paths.items()}


def restart_message(structure: str, went: list[str], new: str) -> str:
    """Why ``new`` cannot start again for ``structure`` (French): its campaigns, in order."""
    names = " puis ".join(f"« {c} »" for c in went)
    return (
        f"La structure « {structure} » a déjà suivi la campagne « {new} » (ses campagnes, "
        f"dans l'ordre : {names}, la dernière en cours) : une campagne ne recommence pas. "
        "Nommez dans la configuration sa campagne en cours ou une nouvelle campagne. "
        "Rien n'a été changé."
    )


def current_campaigns(store: _Readable, collective: str) -> dict[str, CampaignRecord]:
    """Per structure with a record, its current campaign (the last one started)."""
    found: dict[str, CampaignRecord] = {}
    for record in campaign_records(store, collective):
        found[record.structure] = record  # oldest first: the last one wins
    return found


def start_campaign(
    store: _StoreLike,
    collective: str,
    structure: str,
    *,
    previous: str,
    new: str,
    at: dt.datetime,
    location: str,
) -> None:
    """Close ``previous`` (its state kept in ``campaign_archive``) and start ``new``.

    The structure's current state (levels, texts, plan rows, files seen, open
    anomalies) is emptied for the new grid; the log keeps every reading.
    """
    conn, when = store.conn, _stamp(at)
    key = (collective, structure)
    went = structure_campaigns(store, collective, structure)
    if new in went or (not went and new == previous):  # its record would be overwritten
        raise CapsyncError(restart_message(structure, went or [previous], new))
    with store.transaction():
        conn.execute(
            "INSERT OR IGNORE INTO campaigns (collective, structure, campaign, first_reading, "
            "started_at, previous) VALUES (?, ?, ?, 0, ?, NULL)",
            (*key, previous, when),
        )
        state = conn.execute(
            "SELECT state FROM cur_answers WHERE collective = ? AND structure = ?", key
        ).fetchone()
        cursor = conn.execute(
            "SELECT * FROM cur_actions WHERE collective = ? AND structure = ?", key
        )
        names = [d[0] for d in cursor.description]
        actions = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        conn.execute(
            "INSERT OR REPLACE INTO campaign_archive (collective, structure, campaign, state, "
            "actions, archived_at, location) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*key, previous, state[0] if state else "{}", json.dumps(actions), when, location),
        )
        for table in ("cur_answers", "cur_actions", "files", "sources"):
            conn.execute(f"DELETE FROM {table} WHERE collective = ? AND structure = ?", key)
        sources = conn.execute(
            "SELECT DISTINCT source FROM cur_anomalies WHERE collective = ? AND structure = ?", key
        ).fetchall()
        for (source,) in sources:  # the old grid's anomalies close; the log keeps them
            replace_anomalies(conn, collective, structure, source, [], when)
        (last,) = conn.execute("SELECT coalesce(max(id), 0) FROM readings").fetchone()
        conn.execute(
            "INSERT INTO campaigns (collective, structure, campaign, first_reading, "
            "started_at, previous) VALUES (?, ?, ?, ?, ?, ?)",
            (*key, new, int(last) + 1, when, previous),
        )


def archived_state(store: _Readable, collective: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(structure, campaign, state document) of each structure's previous campaign."""
    with storage_errors(store.path):
        rows = store.conn.execute(
            "SELECT a.structure, a.campaign, a.state FROM campaign_archive a "
            "JOIN campaigns c ON c.collective = a.collective AND c.structure = a.structure "
            "AND c.previous = a.campaign WHERE a.collective = ? "
            "AND c.first_reading = (SELECT max(first_reading) FROM campaigns m "
            "WHERE m.collective = c.collective AND m.structure = c.structure) "
            "ORDER BY a.structure",
            (collective,),
        ).fetchall()
    for structure, campaign, state in rows:
        yield str(structure), str(campaign), json.loads(state)


def reading_range(store: _Readable, collective: str, structure: str, campaign: str) -> range:
    """The reading IDs of one campaign of one structure; empty when it has no such campaign."""
    records = [r for r in campaign_records(store, collective) if r.structure == structure]
    for i, record in enumerate(records):
        if record.campaign == campaign:
            end = records[i + 1].first_reading if i + 1 < len(records) else 2**62
            return range(record.first_reading, end)
    return range(0)


def with_previous_campaign(
    store: _StoreLike, frame: pd.DataFrame, collective: str | None
) -> pd.DataFrame:
    """``frame`` (current answers) and, under ``avant:<key>``, the levels each structure
    had when its previous campaign closed; ``frame`` itself when no structure has one."""
    import pandas as pd

    if not collective:
        return frame
    rows: list[tuple[Any, ...]] = []
    for structure, _campaign, doc in archived_state(store, collective):
        part = doc.get("levels", {})
        at = doc.get("at", [])
        for crit, col, kind, level, t in zip(
            part.get("criterion", []),
            part.get("column", []),
            part.get("kind", []),
            part.get("level", []),
            part.get("t", []),
            strict=False,
        ):
            when = pd.Timestamp(at[t]) if 0 <= t < len(at) else pd.NaT
            rows.append((collective, structure, crit, f"{PREVIOUS_PREFIX}{col}", kind, level, when))
    if not rows:
        return frame
    extra = pd.DataFrame(rows, columns=list(frame.columns))
    extra["level"] = extra["level"].astype("float64")
    extra["recorded_at"] = pd.to_datetime(extra["recorded_at"]).astype(frame["recorded_at"].dtype)
    return pd.concat([frame, extra], ignore_index=True)

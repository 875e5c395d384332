"""What the sync remembers between cycles, next to the answers in the same SQLite file.

- the content hash of every output it wrote, so that an output whose content
  did not change is not rewritten (a Drive write costs quota; a rewritten
  local file wakes up every synced folder);
- a fingerprint of each collectif's inputs, so that a cycle in which nothing
  changed costs one listing and a few lookups (the daemon's common case);
- one snapshot of the scores per day, for the dashboard's « Historique ».

Inside :meth:`SyncState.batch` (one collectif of a cycle) what is remembered is
kept in memory and committed in one transaction when the batch ends, after the
folders of the files it describes were synced (:func:`capsync.atomic.durable_batch`):
the state never says a file was written before the file is on disk, and a
cycle killed in the middle of a collectif remembers none of it, so the next
cycle writes that collectif again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import pickle
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from capsync.atomic import durable_batch
from capsync.store.safety import guarded, open_side_tables, storage_errors
from capsync.workbook.grid_schema import UNPARSED_SHEETS

if TYPE_CHECKING:
    import pandas as pd

SCHEMA = """
CREATE TABLE IF NOT EXISTS sync_outputs (
    key TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    written_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_score_history (
    day TEXT NOT NULL,
    collective TEXT NOT NULL,
    structure TEXT NOT NULL,
    chapter TEXT NOT NULL,
    score REAL,
    PRIMARY KEY (day, collective, structure, chapter)
);
"""


def content_hash(*parts: Any) -> str:
    """A stable hash of specs and bytes: reprs of dataclasses are deterministic.

    A configuration model is hashed by its JSON (pydantic's, in Rust): its repr costs
    ten times more, and every cycle hashes each collectif's configuration.
    """
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, bytes):
            digest.update(part)
        elif isinstance(part, BaseModel):
            digest.update(part.model_dump_json().encode())
        else:
            digest.update(repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()


def raw_hash(raw: Mapping[str, Any]) -> str:
    """The hash of a workbook as read (sheets of rows of values): equal when the values of
    the sheets a parser reads are (:data:`UNPARSED_SHEETS` are left out, so that a grid
    pulled without them and the same grid imported whole hash alike).

    Each grid read is hashed, to skip parsing a file saved again unchanged; the repr
    cost a tenth of the read. A pickle in fast mode (no memo, so shared and equal
    objects give the same bytes) spells out the values and their types as exactly,
    eight times faster.
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True  # no memo: the bytes depend on the values only (raw has no cycle)
    pickler.dump({sheet: rows for sheet, rows in raw.items() if sheet not in UNPARSED_SHEETS})
    return hashlib.sha256(buffer.getbuffer()).hexdigest()


class SyncState:
    """The sync's memory, in its own tables of the store's file (opened after the store,
    which checks the file first); errors come out in French like the store's."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = open_side_tables(path, SCHEMA)
        # key → (hash, written at), or None for a key forgotten; None outside a batch
        self._pending: dict[str, tuple[str, str] | None] | None = None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SyncState:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Remember in one transaction what the body wrote, once its folders are synced.

        Committed when the body ends, by an error too: what was written is on disk
        and need not be written again. Nested batches join the outer one.
        """
        if self._pending is not None:
            yield
            return
        self._pending = {}
        try:
            with durable_batch():
                yield
        finally:
            pending, self._pending = self._pending, None
            with storage_errors(self.path):
                self._commit(pending)

    def _commit(self, pending: dict[str, tuple[str, str] | None]) -> None:
        kept = [(key, *row) for key, row in pending.items() if row is not None]
        gone = [(key,) for key, row in pending.items() if row is None]
        with self.db:
            self.db.executemany(
                "INSERT INTO sync_outputs (key, hash, written_at) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET hash = excluded.hash, "
                "written_at = excluded.written_at",
                kept,
            )
            self.db.executemany("DELETE FROM sync_outputs WHERE key = ?", gone)

    @guarded
    def hash_of(self, key: str) -> str | None:
        if self._pending is not None and key in self._pending:
            row = self._pending[key]
            return row[0] if row else None
        found = self.db.execute("SELECT hash FROM sync_outputs WHERE key = ?", (key,)).fetchone()
        return found[0] if found else None

    @guarded
    def remember(self, key: str, value: str, at: dt.datetime) -> None:
        row = (value, at.isoformat(timespec="seconds"))
        if self._pending is not None:
            self._pending[key] = row
        else:
            self._commit({key: row})

    @guarded
    def forget(self, key: str) -> None:
        if self._pending is not None:
            self._pending[key] = None
        else:
            self._commit({key: None})

    @guarded
    def record_scores(
        self, day: dt.date, collective: str, chapters: pd.DataFrame, overall: pd.DataFrame
    ) -> None:
        """Keep today's chapter and overall scores (the latest sync of the day wins)."""
        rows = [
            (day.isoformat(), collective, r.structure, str(r.chapter), _float(r.score))
            for r in chapters.itertuples(index=False)
        ] + [
            (day.isoformat(), collective, r.structure, "", _float(r.overall))
            for r in overall.itertuples(index=False)
        ]
        with self.db:
            self.db.execute(
                "DELETE FROM sync_score_history WHERE day = ? AND collective = ?",
                (day.isoformat(), collective),
            )
            self.db.executemany("INSERT INTO sync_score_history VALUES (?, ?, ?, ?, ?)", rows)

    @guarded
    def score_history(self, collective: str) -> pd.DataFrame:
        """Columns date, structure, chapter ("" = overall), score: what « Historique » shows."""
        import pandas as pd

        frame = pd.read_sql_query(
            "SELECT day AS date, structure, chapter, score FROM sync_score_history "
            "WHERE collective = ? ORDER BY day, structure, chapter",
            self.db,
            params=(collective,),
        )
        frame["date"] = pd.to_datetime(frame["date"]).dt.date
        return frame


def _float(value: Any) -> float | None:
    import pandas as pd

    return None if value is None or pd.isna(value) else float(value)

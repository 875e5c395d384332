"""What the sync remembers between cycles, next to the answers in the same SQLite file.

- the content hash of every output it wrote, so that an output whose content
  did not change is not rewritten (a Drive write costs quota; a rewritten
  local file wakes up every synced folder);
- a fingerprint of each collectif's inputs, so that a cycle in which nothing
  changed costs one listing and a few lookups (the daemon's common case);
- one snapshot of the scores per day, for the dashboard's « Historique ».
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capsync.store.safety import guarded, open_side_tables

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
    """A stable hash of specs and bytes: reprs of dataclasses are deterministic."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()


class SyncState:
    """The sync's memory, in its own tables of the store's file (opened after the store,
    which checks the file first); errors come out in French like the store's."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = open_side_tables(path, SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SyncState:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @guarded
    def hash_of(self, key: str) -> str | None:
        row = self.db.execute("SELECT hash FROM sync_outputs WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @guarded
    def remember(self, key: str, value: str, at: dt.datetime) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO sync_outputs (key, hash, written_at) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET hash = excluded.hash, "
                "written_at = excluded.written_at",
                (key, value, at.isoformat(timespec="seconds")),
            )

    @guarded
    def forget(self, key: str) -> None:
        with self.db:
            self.db.execute("DELETE FROM sync_outputs WHERE key = ?", (key,))

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

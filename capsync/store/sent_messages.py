"""The log of e-mails: what was queued, sent, or failed, so that each is sent once.

A table ``mail_log`` in the store's SQLite file (``capsync.sqlite``), beside the
answers but separate from their log: one row per message key, holding the
recipient, subject and the whole e-mail as it is sent. Delivery is an outbox:

1. a message is *queued* — its row is written with the e-mail's bytes — before
   anything leaves (``INSERT OR IGNORE``: a key already there is never queued again);
2. it is sent; 3. its row is marked *sent* with the time.

A crash (even ``kill -9``) after 1 leaves a queued row that the next run sends;
a crash between 2 and 3 means the next run sends it again. So a message may at
worst be sent twice, never lost; the second copy carries the same Message-ID.
A failed delivery keeps its row queued with the cause and the number of
attempts, retried at the next run; ``capsync status`` shows the cause.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from capsync.store.safety import guarded, open_side_tables

SCHEMA = """
CREATE TABLE IF NOT EXISTS mail_log (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    collective TEXT NOT NULL,
    structure TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    message_id TEXT NOT NULL,
    content BLOB NOT NULL,
    queued_at TEXT NOT NULL,
    sent_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS mail_log_pending ON mail_log(sent_at);
"""


@dataclass(frozen=True)
class Entry:
    """One e-mail as the log keeps it."""

    key: str
    kind: str
    collective: str
    structure: str
    recipient: str
    subject: str
    message_id: str
    content: bytes
    queued_at: dt.datetime
    sent_at: dt.datetime | None = None
    attempts: int = 0
    last_error: str | None = None


_COLUMNS = (
    "key, kind, collective, structure, recipient, subject, message_id, content, queued_at, "
    "sent_at, attempts, last_error"
)


def _stamp(at: dt.datetime) -> str:
    return at.isoformat(timespec="seconds")


def _entry(row: tuple[Any, ...]) -> Entry:
    (key, kind, coll, struct, to, subject, mid, content, queued, sent, attempts, error) = row
    return Entry(
        str(key), str(kind), str(coll), str(struct), str(to), str(subject), str(mid),
        bytes(content),
        dt.datetime.fromisoformat(str(queued)),
        dt.datetime.fromisoformat(str(sent)) if sent else None,
        int(attempts),
        str(error) if error else None,
    )  # fmt: skip


class MailLog:
    """The e-mails' log, in its own table of the store's file (opened after the store)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = open_side_tables(path, SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> MailLog:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @guarded
    def known(self, keys: Iterable[str]) -> set[str]:
        """The keys among ``keys`` already queued or sent (never to be queued again)."""
        wanted = list(dict.fromkeys(keys))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT key FROM mail_log WHERE key IN ({marks})", chunk)
            found.update(str(r[0]) for r in rows)
        return found

    @guarded
    def queue(self, entries: Iterable[Entry]) -> int:
        """Record messages about to be sent; a key already there is left as it is."""
        rows = [
            (e.key, e.kind, e.collective, e.structure, e.recipient, e.subject, e.message_id,
             e.content, _stamp(e.queued_at))
            for e in entries
        ]  # fmt: skip
        with self.db:
            before = self.db.total_changes
            self.db.executemany(
                "INSERT OR IGNORE INTO mail_log (key, kind, collective, structure, recipient, "
                "subject, message_id, content, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            return self.db.total_changes - before

    @guarded
    def pending(self) -> list[Entry]:
        """Queued and not yet sent, oldest first."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM mail_log WHERE sent_at IS NULL ORDER BY queued_at, key"
        )
        return [_entry(r) for r in rows]

    @guarded
    def mark_sent(self, key: str, at: dt.datetime) -> None:
        with self.db:
            self.db.execute(
                "UPDATE mail_log SET sent_at = ?, attempts = attempts + 1, last_error = NULL "
                "WHERE key = ?",
                (_stamp(at), key),
            )

    @guarded
    def mark_failed(self, key: str, cause: str) -> None:
        with self.db:
            self.db.execute(
                "UPDATE mail_log SET attempts = attempts + 1, last_error = ? WHERE key = ?",
                (cause, key),
            )

    @guarded
    def sent(self, prefix: str = "") -> list[Entry]:
        """Sent messages whose key starts with ``prefix``, in the order they were sent."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM mail_log WHERE sent_at IS NOT NULL AND key >= ? "
            "AND key < ? ORDER BY sent_at, key",
            (prefix, prefix + "\U0010ffff"),
        )
        return [_entry(r) for r in rows]

    @guarded
    def last_queued(self, prefix: str) -> dt.datetime | None:
        """When the latest message whose key starts with ``prefix`` was queued."""
        row = self.db.execute(
            "SELECT MAX(queued_at) FROM mail_log WHERE key >= ? AND key < ?",
            (prefix, prefix + "\U0010ffff"),
        ).fetchone()
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None

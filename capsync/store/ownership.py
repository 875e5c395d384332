"""Which file brought which answer, and what capsync last saw in each file.

Every person's answers belong to that person: a copy of a grid e-mailed back,
a personal file, the shared grid in place and a stale copy saved over it are
all *files* of one structure, and reading one of them must never erase or
revert what another brought. So the store remembers, per file (its location
is its key), the cells capsync last saw in it (``files.cells``, the same
document as the current state), and the file each current cell came from.
:mod:`capsync.store.record` decides with them, cell by cell:

- a value equal to what capsync last saw in *that* file is not news: if the
  current value differs, another file changed it since, and it stays;
- a copy never seen before (``fresh``: an import, a copy from before an
  upgrade) carrying a value the cell already had and lost since is stale: it
  is not taken, and a « copie périmée » anomaly says so;
- any other new value is taken (the later file wins); when the value it
  replaces came from another file, a « copies en conflit » anomaly names both,
  and the earlier value stays in the log;
- a cell empty in a file is a removal only when that file held the current
  value the last time capsync saw it: a file removes only what it brought.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import PurePath
from typing import Any

from capsync.store.state_document import json_text

Key = tuple[str, str]  # (criterion, column key)
Value = tuple[str, float | None, str]  # (kind, level, text): what a cell held
ActionRow = tuple[Any, ...]
# A plan row as stored: criterion, action, responsable, échéance, échéance typed, statut,
# commentaire (content), sheet, cells (where), niveau visé, origine (content, since schema 3).


def action_content(row: ActionRow) -> ActionRow:
    """What a plan row says, without where it sits; a row remembered before the target
    and origin existed (9 values) reads as having none."""
    return (*row[:7], *row[9:11], *(None,) * (11 - max(len(row), 9)))


def file_label(file_key: str) -> str:
    """What people call a file in a message: its name (« aci-une.xlsx »), the copy's name for
    a copy imported into a place (« place|copie A.xlsx »), a Google Sheet's address, or the
    key itself."""
    if "|" in file_key:
        return file_key.rsplit("|", 1)[1]
    if file_key.startswith("https://"):  # a Google Sheet: its address is what opens it
        return file_key
    name = PurePath(file_key).name if "/" in file_key or "\\" in file_key else file_key
    return name or file_key


def same_value(a: Value, b: Value) -> bool:
    """Whether two cells say the same: same kind and level (or text, for a text cell)."""
    if a[0] != b[0]:
        return False
    if a[0] == "text":
        return a[2] == b[2]
    return (a[1] is None and b[1] is None) or (
        a[1] is not None and b[1] is not None and float(a[1]) == float(b[1])
    )


class FileMemory:
    """What capsync last saw in one file of a structure; None parts: never seen."""

    def __init__(self, conn: sqlite3.Connection, collective: str, structure: str, key: str):
        self.conn = conn
        self.where = (collective, structure, key)
        row = conn.execute(
            "SELECT cells, actions FROM files WHERE collective = ? AND structure = ? "
            "AND file_key = ?",
            self.where,
        ).fetchone()
        self.seen = row is not None
        doc = json.loads(row[0] or "{}") if row else {}  # decoded once: a grid's every cell
        self.cells: dict[Key, Value] = _cells(doc)
        self.identity: dict[str, str] = doc.get("identity", {})
        self.open: list[Any] = doc.get("open", [])  # open conflicts: capsync.store.open_notes
        self.actions: dict[int, ActionRow] | None = (
            {int(r): tuple(v) for r, v in json.loads(row[1]).items()} if row and row[1] else None
        )

    def save(
        self,
        cells: dict[Key, Value],
        actions: dict[int, ActionRow] | None,
        when: str,
        token: str | None = None,
        content_hash: str | None = None,
        identity: dict[str, str] | None = None,
        open_notes: list[Any] | None = None,
    ) -> None:
        doc = {
            "criterion": [k[0] for k in cells],
            "column": [k[1] for k in cells],
            "value": list(cells.values()),  # tuples: encoded as the same JSON arrays
            "identity": identity or {},
            "open": self.open if open_notes is None else open_notes,
        }
        kept_actions = actions if actions is not None else self.actions
        self.conn.execute(
            "INSERT INTO files (collective, structure, file_key, cells, actions, version_token, "
            "content_hash, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (collective, structure, file_key) DO UPDATE SET cells = excluded.cells, "
            "actions = excluded.actions, seen_at = excluded.seen_at, "
            "version_token = coalesce(excluded.version_token, files.version_token), "
            "content_hash = coalesce(excluded.content_hash, files.content_hash)",
            (
                *self.where,
                json_text(doc),
                None if kept_actions is None else json_text(kept_actions),
                token,
                content_hash,
                when,
            ),
        )


def _cells(doc: dict[str, Any]) -> dict[Key, Value]:
    """A file's cells: its own document, or (from a store of schema 1) a current-state one."""
    if "value" in doc:
        return {
            (c, k): (v[0], v[1], v[2])
            for c, k, v in zip(doc["criterion"], doc["column"], doc["value"], strict=True)
        }
    found: dict[Key, Value] = {}
    levels = doc.get("levels")
    if levels:
        for c, k, kind, level, txt in zip(
            levels["criterion"], levels["column"], levels["kind"], levels["level"],
            levels["text"], strict=True,
        ):  # fmt: skip
            found[(c, k)] = (kind, level, txt)
    texts = doc.get("texts")
    if texts:
        for c, k, txt in zip(texts["criterion"], texts["column"], texts["text"], strict=True):
            found[(c, k)] = ("text", None, txt)
    return found


def past_values(
    conn: sqlite3.Connection, collective: str, structure: str
) -> dict[Key, list[Value]]:
    """Every value each cell of the structure has held, from the log (oldest first)."""
    found: dict[Key, list[Value]] = {}
    for criterion, column, kind, level, text in conn.execute(
        """SELECT a.criterion, a.column_key, a.kind, a.level, a.text
           FROM answers a JOIN readings r ON r.id = a.reading_id
           WHERE r.collective = ? AND r.structure = ? AND a.removed = 0 ORDER BY a.id""",
        (collective, structure),
    ):
        found.setdefault((criterion, column), []).append((kind, level, text or ""))
    return found


def past_actions(
    conn: sqlite3.Connection, collective: str, structure: str
) -> list[tuple[int, ActionRow]]:
    """Every plan row content the structure's log holds, with its row (oldest first)."""
    return [
        (int(row), tuple(values))
        for row, *values in conn.execute(
            """SELECT a.row, a.criterion, a.action, a.responsable, a.echeance, a.echeance_text,
                      a.statut, a.commentaire, a.sheet, a.cells, a.niveau_vise, a.origine
               FROM actions a JOIN readings r ON r.id = a.reading_id
               WHERE r.collective = ? AND r.structure = ? ORDER BY a.id""",
            (collective, structure),
        )
    ]


def is_stale(value: Value, current: Value, past: list[Value]) -> bool:
    """A value the cell held before and lost since: an older copy's, not a new answer."""
    return not same_value(value, current) and any(same_value(value, p) for p in past)


def file_identities(
    conn: sqlite3.Connection, collective: str
) -> dict[tuple[str, str], dict[str, str]]:
    """The identity each file of the collectif had when capsync last read it:
    (structure, file key) → identity metadata (empty when unknown)."""
    found = {}
    for structure, key, identity in conn.execute(  # SQLite reads the identity alone: each
        # file's document holds every cell it had, and a no-change cycle asks this
        "SELECT structure, file_key, json_extract(cells, '$.identity') FROM files "
        "WHERE collective = ?",
        (collective,),
    ):
        found[(structure, key)] = dict(json.loads(identity or "{}"))
    return found

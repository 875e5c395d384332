"""The SQLite store: an append-only log of everything pulled from the grids.

One file, ``<data>/capsync.sqlite``, in WAL mode. Every answer, text, action
and anomaly is appended with its source (file, sheet, cell) and time, and is
never updated or deleted: a cleared cell is appended as a removal, so history,
progression and audits come for free and a broken or emptied sheet can never
erase what was already pulled. Tables::

    readings         one per grid reading that changed something: source, time
    answers          level and text cells (kind level/na/nsp/text), removed flag
    actions          plan de progrès rows, keyed by sheet row, removed flag
    anomalies        cells that could not be read; cleared flag when they go away
    sources          per grid: last version token and content hash (not a log)
    runs             one per command that read grids
    cur_answers, cur_actions, cur_anomalies
                     the current state, derived from the logs in the same
                     transaction, so that reads and the next diff are fast;
                     cur_answers holds one JSON document per grid (see _State):
                     one row per cell cost more than the whole pull's budget

The views ``answer_log`` and ``action_log`` show the logs with their source
and time. Only differences with the current state are appended: a pull that
finds nothing new appends nothing.

The file is the only copy of the answers' history, so (:mod:`capsync.store.safety`)
an existing store is checked with ``PRAGMA quick_check`` before it is opened
and refused, untouched, when damaged; a store that is missing, empty or holds less
history than its backup is refused too, neither created nor written (``StoreLost``),
unless no backup holds any (a new campaign); each transaction that wrote something is
followed by a copy to ``<data>/capsync-sauvegarde.sqlite``, the backup a
damaged store's message points to.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capsync.collector import gc_paused
from capsync.errors import CapsyncError
from capsync.parse.answers import Anomaly, AnswerKind, ParsedGrid
from capsync.store.campaigns import with_previous_campaign
from capsync.store.queries import StoreQueries
from capsync.store.record import ChangeSummary, Recorder, replace_anomalies
from capsync.store.safety import (
    check_integrity,
    checked_before,
    guarded,
    keep_backup,
    note_as_left,
    refuse_lost_store,
    storage_errors,
)
from capsync.store.schema_sql import MIGRATIONS, SCHEMA

if TYPE_CHECKING:
    import pandas as pd

STORE_FILE = "capsync.sqlite"
SCHEMA_VERSION = 4

ANSWER_COLUMNS = ["collective", "structure", "criterion", "column", "kind", "level", "recorded_at"]
TEXT_COLUMNS = ["collective", "structure", "criterion", "column", "text", "recorded_at"]
ACTION_COLUMNS = [
    "collective", "structure", "criterion", "action", "responsable", "echeance", "statut",
    "commentaire", "sheet", "row", "recorded_at", "niveau_vise", "origine",
]  # fmt: skip
ANOMALY_COLUMNS = [
    "collective", "structure", "source", "sheet", "cell", "value", "message", "kind", "found_at",
]  # fmt: skip


def timestamp(at: dt.datetime) -> str:
    """Sortable text in local time: aware datetimes are converted, naive ones kept."""
    if at.tzinfo is not None:
        at = at.astimezone().replace(tzinfo=None)
    return at.isoformat(sep=" ", timespec="microseconds")


def _where_collective(
    collective: str | None, column: str = "collective"
) -> tuple[str, tuple[str, ...]]:
    return (f" WHERE {column} = ?", (collective,)) if collective else ("", ())


class Store(StoreQueries):
    """The campaign's SQLite store; use as a context manager, or call :meth:`close`.

    An existing file is checked before it is opened for writing, and a backup
    is kept after each change (see :mod:`capsync.store.safety`); SQLite and OS
    errors come out as :class:`~capsync.errors.DataFolderError` naming the file.
    """

    def __init__(self, path: Path | str, *, timeout: float = 30.0):
        """Open (create, check, migrate) the store; ``timeout``: how long to wait, in
        seconds, for another program that holds the file before giving up."""
        self.path = Path(path)
        self._depth = 0
        self._backups_held = 0  # inside one_backup(): backups wait for its end
        self._backup_due = False
        self._documents: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}  # _current
        self._documents_of = ""  # the collectif whose documents are kept
        with storage_errors(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._checked_at = time.time()  # a new store has nothing to check
            if self.path.is_file() and self.path.stat().st_size:
                checked = checked_before(self.path, self._checked_at)  # and left as it was
                if checked is None:
                    check_integrity(self.path)  # before any connection may write to it
                else:
                    self._checked_at = checked
            refuse_lost_store(self.path)  # missing or emptied, its backup kept the history
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=timeout)
            try:
                self.conn.execute("PRAGMA journal_mode=WAL")
                self.conn.execute("PRAGMA synchronous=NORMAL")
                self.conn.execute("PRAGMA foreign_keys=ON")
                self._migrate()
            except BaseException:
                self.conn.close()
                raise

    @classmethod
    def open(cls, data_dir: Path | str) -> Store:
        return cls(Path(data_dir) / STORE_FILE)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        self.close(clean=error is None)

    def close(self, *, clean: bool = True) -> None:
        """Close the connection; ``clean``: no error met meanwhile. Only then is the file noted
        as capsync left it (:func:`~capsync.store.safety.note_as_left`): after an error, which
        may have been a damaged page, the next open checks the whole file."""
        self.conn.close()
        note_as_left(self.path, self._checked_at if clean else None)

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise CapsyncError(
                f"La base {self.path} a été écrite par une version plus récente de capsync "
                f"(schéma {version}) : mettez capsync à jour avant de l'utiliser."
            )
        if version == 0:
            with self.transaction(backup=False):  # an empty store is not worth a backup
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return
        with self.transaction():  # a store with history: its backup follows the migration
            for step in range(version, SCHEMA_VERSION):  # one schema after the other
                for statement in MIGRATIONS[step]:
                    self.conn.execute(statement)
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def transaction(self, *, backup: bool = True) -> Iterator[None]:
        """One transaction; nested calls join the outer one (a pull commits once).

        Once the outer transaction has committed a change, the store is copied
        to its backup (unless ``backup`` is False).
        """
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        with storage_errors(self.path):
            self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        changes = self.conn.total_changes
        try:
            yield
            with storage_errors(self.path):
                self.conn.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        finally:
            self._depth = 0
        if backup and self.conn.total_changes != changes:
            if self._backups_held:
                self._backup_due = True
            else:
                keep_backup(self.conn, self.path)

    @contextmanager
    def one_backup(self) -> Iterator[None]:
        """Copy the store to its backup once, at the end, for all the transactions inside.

        A cycle commits once per collectif; copying the whole store after each of
        those commits made the backups quadratic in the number of collectifs (19.5 GB
        written for a 360 MB store at 4 400 structures). The backup is still the last
        committed store when this ends, whether or not the body raised.
        """
        self._backups_held += 1
        try:
            yield
        finally:
            self._backups_held -= 1
            if not self._backups_held and self._backup_due:
                self._backup_due = False
                keep_backup(self.conn, self.path)

    def _rollback(self) -> None:
        """Undo the open transaction, if SQLite has not already (it may after a full disk)."""
        if self.conn.in_transaction:
            with suppress(sqlite3.Error):  # the error being raised says more than this one
                self.conn.execute("ROLLBACK")

    # -- writing ---------------------------------------------------------------

    @guarded
    def record_grid(
        self,
        collective: str,
        structure: str,
        parsed: ParsedGrid,
        version_token: str,
        content_hash: str,
        at: dt.datetime,
        run_id: int | None = None,
    ) -> ChangeSummary:
        """Append what differs from the current state of this grid; return the counts.

        The collector is paused meanwhile: recording allocates a tuple or two per cell
        and no cycle, and the collections they set off walked the whole parent process
        (its campaign, frames and pools): a tenth to a sixth of the recording's time."""
        when = timestamp(at)
        with gc_paused(), self.transaction():
            recorder = Recorder(self.conn, collective, structure, parsed, when, run_id)
            if parsed.attributed:
                summary = recorder.answers()
                summary.actions = recorder.actions()
            else:  # not this structure's file: nothing of its answers changes
                summary = ChangeSummary()
            summary.anomalies = recorder.anomalies(parsed.anomalies)
            summary.notes = list(recorder.notes)
            recorder.remember(version_token, content_hash)
            self._keep_document(collective, structure, recorder.saved)
            if not parsed.owner:  # the structure's grid; personal files keep theirs in files
                recorder.source(version_token, content_hash)
        return summary

    def _keep_document(
        self, collective: str, structure: str, saved: tuple[str, dict[str, Any]] | None
    ) -> None:
        """Keep the state document just written, decoded: a cycle reads a collectif's
        answers back right after recording them, and decoding every grid's JSON again
        (twice: levels, then texts) cost as much as encoding it. Only the collectif being
        recorded is kept (memory stays one collectif's); a document is used only while
        the store holds exactly its text (see :meth:`_current`)."""
        if collective != self._documents_of:
            self._documents.clear()
            self._documents_of = collective
        if saved is not None:
            self._documents[(collective, structure)] = saved

    @guarded
    def touch_file(self, collective: str, structure: str, file_key: str, token: str) -> None:
        """A file saved again with the same values: remember its new token only."""
        self.conn.execute(
            "UPDATE files SET version_token = ? WHERE collective = ? AND structure = ? "
            "AND file_key = ?",
            (token, collective, structure, file_key),
        )

    @guarded
    def set_file_anomalies(
        self, collective: str, structure: str, source: str, found: list[Anomaly], at: dt.datetime
    ) -> None:
        """The open anomalies of one file no grid reading covers (a stray file, say)."""
        with self.transaction():
            replace_anomalies(self.conn, collective, structure, source, found, timestamp(at))

    @guarded
    def clear_file_anomalies(self, collective: str, source: str, at: dt.datetime) -> None:
        """Close every open anomaly of one file, whichever structure it was attached to."""
        with self.transaction():
            for (structure,) in self.conn.execute(
                "SELECT DISTINCT structure FROM cur_anomalies WHERE collective = ? AND source = ?",
                (collective, source),
            ).fetchall():
                replace_anomalies(self.conn, collective, structure, source, [], timestamp(at))

    @guarded
    def touch_source(self, collective: str, structure: str, version_token: str) -> None:
        """The file was saved again with the same values: remember its new token only."""
        self.conn.execute(
            "UPDATE sources SET version_token = ? WHERE collective = ? AND structure = ?",
            (version_token, collective, structure),
        )

    @guarded
    def keep_content(
        self, collective: str, structure: str, source: str, hashes: tuple[str, str],
        at: dt.datetime, run_id: int | None = None,
    ) -> None:  # fmt: skip
        """What a pull read in a file, known again once put back (:meth:`earlier_content`):
        its values' and its bytes' hashes (« » without bytes), on the reading the recording
        appended, else on one of its own, with no event (an empty new grid may be put back)."""
        where = (collective, structure, source, timestamp(at))
        hashed = (hashes[0], hashes[1] or None)
        if not self.conn.execute(
            "UPDATE readings SET content_hash = ?, version_token = ? WHERE id = (SELECT max(id) "
            "FROM readings WHERE collective = ? AND structure = ? AND source = ? "
            "AND recorded_at = ? AND content_hash IS NULL)", (*hashed, *where),
        ).rowcount:  # fmt: skip
            self.conn.execute(
                "INSERT INTO readings (collective, structure, source, recorded_at, content_hash, "
                "version_token, run_id) VALUES (?, ?, ?, ?, ?, ?, ?)", (*where, *hashed, run_id),
            )  # fmt: skip

    @guarded
    def start_run(self, command: str, collective: str | None, at: dt.datetime) -> int:
        cur = self.conn.execute(
            "INSERT INTO runs (command, collective, started_at) VALUES (?, ?, ?)",
            (command, collective, timestamp(at)),
        )
        return int(cur.lastrowid or 0)

    @guarded
    def finish_run(self, run_id: int, at: dt.datetime, summary: dict[str, Any]) -> None:
        self.conn.execute(
            "UPDATE runs SET finished_at = ?, summary = ? WHERE id = ?",
            (timestamp(at), json.dumps(summary, ensure_ascii=False), run_id),
        )

    # -- reading ---------------------------------------------------------------

    @guarded
    def source_state(self, collective: str) -> dict[str, tuple[str, str]]:
        rows = self.conn.execute(
            "SELECT structure, version_token, content_hash FROM sources WHERE collective = ?",
            (collective,),
        )
        return {s: (token or "", digest or "") for s, token, digest in rows}

    @guarded
    def current_answers(self, collective: str | None = None) -> pd.DataFrame:
        """One row per answered level cell (no texts, no cleared cells), sorted by grid."""
        columns, times = self._current(collective, texts=False)
        return with_previous_campaign(self, _frame(columns, times, ANSWER_COLUMNS), collective)

    @guarded
    def answers_as_of(self, when: dt.datetime, collective: str | None = None) -> pd.DataFrame:
        """The answers as they stood at ``when``, rebuilt from the log."""
        args: tuple[str, ...] = (timestamp(when),)
        extra = ""
        if collective:
            extra, args = " AND r.collective = ?", (*args, collective)
        rows = self.conn.execute(
            f"""WITH latest AS (
                  SELECT max(a.id) AS id FROM answers a JOIN readings r ON r.id = a.reading_id
                  WHERE r.recorded_at <= ?{extra}
                  GROUP BY r.collective, r.structure, a.criterion, a.column_key)
                SELECT r.collective, r.structure, a.criterion, a.column_key, a.kind, a.level,
                       r.recorded_at
                FROM latest JOIN answers a ON a.id = latest.id
                JOIN readings r ON r.id = a.reading_id
                WHERE a.removed = 0 AND a.kind != '{AnswerKind.TEXT.value}'
                ORDER BY r.collective, r.structure, a.criterion, a.column_key""",
            args,
        ).fetchall()
        return _answers_frame(rows)

    @guarded
    def current_texts(self, collective: str | None = None) -> pd.DataFrame:
        """Justifications and tiers/pair comments as they stand now."""
        columns, times = self._current(collective, texts=True)
        return _frame(columns, times, TEXT_COLUMNS)

    def _current(
        self, collective: str | None, texts: bool
    ) -> tuple[dict[str, list[Any]], list[str]]:
        where, args = _where_collective(collective)
        names = TEXT_COLUMNS if texts else ANSWER_COLUMNS
        section = "texts" if texts else "levels"
        columns: dict[str, list[Any]] = {name: [] for name in names}
        times: list[str] = []
        kept = self._documents
        for coll, structure, state in self.conn.execute(
            f"SELECT collective, structure, state FROM cur_answers{where} "
            "ORDER BY collective, structure",
            args,
        ):
            known = kept.get((coll, structure))
            doc = known[1] if known is not None and known[0] == state else json.loads(state)
            part = doc[section]
            n = len(part["criterion"])
            columns["collective"] += [coll] * n
            columns["structure"] += [structure] * n
            columns["criterion"] += part["criterion"]
            columns["column"] += part["column"]
            for name in ("kind", "level", "text"):
                if name in columns:
                    columns[name] += part[name]
            offset = len(times)
            times += doc["at"]
            columns["recorded_at"] += [offset + t for t in part["t"]] if offset else part["t"]
        return columns, times

    @guarded
    def current_actions(self, collective: str | None = None) -> pd.DataFrame:
        import pandas as pd

        where, args = _where_collective(collective)
        rows = self.conn.execute(
            "SELECT collective, structure, criterion, action, responsable, echeance, statut, "
            f"commentaire, sheet, row, recorded_at, coalesce(niveau_vise, ''), "
            f"coalesce(origine, '') FROM cur_actions{where} "
            "ORDER BY collective, structure, row",
            args,
        ).fetchall()
        frame = pd.DataFrame(rows, columns=ACTION_COLUMNS)
        frame["echeance"] = _datetimes(frame["echeance"])
        frame["row"] = frame["row"].astype("int64")
        frame["recorded_at"] = _datetimes(frame["recorded_at"])
        return frame

    @guarded
    def current_anomalies(self, collective: str | None = None) -> pd.DataFrame:
        import pandas as pd

        where, args = _where_collective(collective)
        rows = self.conn.execute(
            "SELECT collective, structure, source, sheet, cell, value, message, kind, found_at "
            f"FROM cur_anomalies{where} ORDER BY collective, structure, anomaly_id",
            args,
        ).fetchall()
        frame = pd.DataFrame(rows, columns=ANOMALY_COLUMNS)
        frame["found_at"] = _datetimes(frame["found_at"])
        return frame

    @guarded
    def anomaly_counts(self, collective: str | None, *, since: dt.datetime) -> tuple[int, int]:
        """Open anomalies, and those found at ``since`` or later: a cycle's summary needs
        only the counts, not the table (nor pandas)."""
        where, args = _where_collective(collective)
        sql = f"SELECT COUNT(*), COALESCE(SUM(found_at >= ?), 0) FROM cur_anomalies{where}"
        total, new = self.conn.execute(sql, (timestamp(since), *args)).fetchone()
        return int(total), int(new)

    @guarded
    def last_change(self, collective: str) -> dict[str, dt.datetime]:
        """When each structure's grid last brought a new answer, text or action."""
        rows = self.conn.execute(
            """SELECT r.structure, max(r.recorded_at) FROM readings r
               WHERE r.collective = ? AND (
                   EXISTS (SELECT 1 FROM answers a WHERE a.reading_id = r.id)
                   OR EXISTS (SELECT 1 FROM actions a WHERE a.reading_id = r.id))
               GROUP BY r.structure""",
            (collective,),
        )
        return {s: dt.datetime.fromisoformat(t) for s, t in rows}


def _frame(columns: dict[str, list[Any]], times: list[str], names: list[str]) -> pd.DataFrame:
    """A frame from column lists; recorded_at holds codes into ``times`` (parsed once each)."""
    import numpy as np
    import pandas as pd

    codes = np.asarray(columns["recorded_at"], dtype="int64")
    data: dict[str, Any] = {name: columns[name] for name in names[:-1]}
    if "level" in data:
        data["level"] = np.array(data["level"], dtype="float64")  # None becomes NaN
    frame = pd.DataFrame(data, columns=names[:-1])
    frame[names[-1]] = _datetimes(times)[codes]
    return frame


def _datetimes(texts: list[str] | pd.Series) -> pd.DatetimeIndex:
    """Stored timestamps as datetime64[us] (NaT for None), the one unit every frame uses."""
    import pandas as pd

    index = pd.Index(list(texts), dtype="object")
    return pd.DatetimeIndex(pd.to_datetime(index)).as_unit("us")


def _answers_frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=ANSWER_COLUMNS)
    frame["level"] = frame["level"].astype("float64")
    frame["recorded_at"] = _datetimes(frame["recorded_at"])
    return frame

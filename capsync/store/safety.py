"""Keeping the SQLite store safe: an integrity check at open, one backup, errors in French.

The store is the only copy of the answers' history (a grid only holds its
present), so:

- an existing store is checked with ``PRAGMA quick_check`` on a read-only
  connection before anything else opens it; a damaged file, or one that is
  not a database at all, raises :class:`StoreDamaged` and nothing is written
  to it;
- after each transaction that changed something (a pull that appended
  answers), the store is copied with SQLite's backup API to
  ``<data>/capsync-sauvegarde.sqlite``: written beside it under a temporary
  name, then renamed over the previous copy, so a crash keeps the previous
  backup. This is the « last good backup » a damaged store's message names,
  after checking it too;
- a store that lost its history while its backup kept it (the file deleted,
  emptied, replaced by a blank database or an older copy) is refused at open,
  before anything creates or writes it (:class:`StoreLost`): a new store there
  would read every grid as new and send the invitations again, and its first
  backup would overwrite the only copy left. The backup itself is never
  overwritten by a store holding less history than it (:func:`keep_backup`).
  A new campaign (no store, no backup) starts as before;
- the check reads the whole file (0.07 s for a 550-structure campaign's 50 MB, and it
  grows with the store), and a cron run with nothing to do opens the store every
  few minutes. So when the last connection closes, the file's size,
  modification time and inode are noted beside it (« .capsync.sqlite-checked »)
  with when it was last checked; the next open skips the check if the file is
  exactly as capsync left it, without a ``-wal`` file, and was checked less than
  a day ago. A file changed by anything else, copied back, or left by a killed
  process is checked, as is every file once a day;
- every ``sqlite3.Error`` and ``OSError`` met on the store becomes a
  :class:`DataFolderError` naming the file and what to do (read-only folder,
  full disk, a program holding the file).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from capsync.atomic import TEMP_PREFIX, TEMP_SUFFIX, remove_stale_temporaries, write_bytes_atomic
from capsync.errors import (
    DataFolderError,
    StoreDamaged,
    data_folder_error,
    disk_full_message,
    no_rights_message,
)
from capsync.french import thousands

log = logging.getLogger("capsync")

BACKUP_SUFFIX = "-sauvegarde"  # capsync.sqlite → capsync-sauvegarde.sqlite

_DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_NO_RIGHTS = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM}
_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


def backup_path(path: Path) -> Path:
    """Where the backup of the store at ``path`` is kept: beside it, « -sauvegarde » added."""
    return path.with_name(f"{path.stem}{BACKUP_SUFFIX}{path.suffix}")


def _code(exc: sqlite3.Error) -> int:
    """The primary SQLite result code of an error (extended codes carry it in the low byte)."""
    return (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF


def sqlite_error(exc: sqlite3.Error, path: Path) -> DataFolderError:
    """The French error for a ``sqlite3.Error`` met on the store at ``path``."""
    code = _code(exc)
    if code in _DAMAGED:
        return StoreDamaged(path, last_good_backup(path))
    if code in _NO_RIGHTS:
        return DataFolderError(no_rights_message(path), path)
    if code == sqlite3.SQLITE_FULL:
        return DataFolderError(disk_full_message(path), path)
    if code in _BUSY:
        return DataFolderError(
            f"La base {path} est occupée par un autre programme (un outil qui l'a ouverte ?) : "
            "fermez-le, puis relancez la commande.",
            path,
        )
    return DataFolderError(
        f"La base {path} n'a pas pu être lue ou écrite ({exc}) : vérifiez le disque et le "
        "dossier de données, puis relancez la commande.",
        path,
    )


@contextmanager
def storage_errors(path: Path) -> Iterator[None]:
    """Translate what SQLite and the OS raise about the store into a :class:`DataFolderError`."""
    try:
        yield
    except sqlite3.Error as exc:
        raise sqlite_error(exc, path) from exc
    except OSError as exc:
        raise data_folder_error(exc, path) from exc


class _OnStore(Protocol):
    @property
    def path(self) -> Path: ...


S = TypeVar("S", bound=_OnStore)
P = ParamSpec("P")
R = TypeVar("R")


def guarded(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """A method of an object on the store whose SQLite and OS errors come out in French."""

    @functools.wraps(method)
    def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with storage_errors(self.path):
            return method(self, *args, **kwargs)

    return wrapper


def read_only_connection(path: Path) -> sqlite3.Connection:
    """A connection that reads ``path`` and writes nothing, not even a -wal or -shm file."""
    # Without a -wal file, the file alone is the database: read it as immutable, which
    # creates no -wal or -shm file beside it. With one, SQLite must read it too.
    options = "mode=ro" if _wal_left(path) else "mode=ro&immutable=1"
    return sqlite3.connect(f"{path.resolve().as_uri()}?{options}", uri=True)


def passes_quick_check(path: Path) -> bool:
    """Whether the database at ``path`` passes ``PRAGMA quick_check``, read without writing.

    False for a damaged file or one that is not a database; any other failure
    (no right to read, say) is raised for the caller to translate.
    """
    conn = read_only_connection(path)
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        if _code(exc) in _DAMAGED:
            return False
        raise
    finally:
        conn.close()
    return rows == [("ok",)]


def check_integrity(path: Path) -> None:
    """Raise :class:`StoreDamaged` unless the existing store at ``path`` passes its check."""
    if not passes_quick_check(path):
        raise StoreDamaged(path, last_good_backup(path))


RECHECK_AFTER = 24 * 3600.0
"""Seconds after which an unchanged store is checked whole again."""


def checked_stamp_path(path: Path) -> Path:
    """Where the store's signature and last whole check are noted: beside it, hidden."""
    return path.with_name(f".{path.name}-checked")


def _signature(path: Path) -> list[int]:
    info = path.stat()
    return [info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev]


def _wal_left(path: Path) -> bool:
    return path.with_name(f"{path.name}-wal").exists()


def checked_before(path: Path, now: float | None = None) -> float | None:
    """When the store at ``path`` was last checked whole, if it is still exactly as capsync
    left it then (no ``-wal`` file, same size, time and inode) and that was less than
    :data:`RECHECK_AFTER` ago; None when it must be checked now."""
    now = time.time() if now is None else now
    try:
        if _wal_left(path):
            return None
        noted = json.loads(checked_stamp_path(path).read_text(encoding="utf-8"))
        checked = noted["checked_at"]
        if noted["signature"] != _signature(path) or not isinstance(checked, int | float):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return float(checked) if now - RECHECK_AFTER < checked <= now else None


def note_as_left(path: Path, checked_at: float | None) -> None:
    """Once the store's last connection is closed: its signature, and when it was checked
    whole. With a ``-wal`` file left (another connection still open), or ``checked_at``
    None (the session met an error), nothing is noted and the next open checks. A note
    that cannot be written only costs that check."""
    stamp = checked_stamp_path(path)
    try:
        if checked_at is None or _wal_left(path) or not path.is_file():
            stamp.unlink(missing_ok=True)
            return
        text = json.dumps({"signature": _signature(path), "checked_at": checked_at})
        # not synced: a note lost to a power cut is one more check
        write_bytes_atomic(stamp, text.encode("utf-8"), durable=False)
    except OSError as exc:
        log.debug("store check not noted (%s)", exc)


def last_good_backup(path: Path) -> Path | None:
    """The store's backup when it exists and passes its own check, else None."""
    backup = backup_path(path)
    try:
        return backup if backup.is_file() and passes_quick_check(backup) else None
    except (sqlite3.Error, OSError):
        return None


History = tuple[int, int]
"""What a store holds that no grid does: its last grid reading (the log is append-only,
so the id only grows) and its last e-mail logged (the mail log forgets none)."""

NO_HISTORY: History = (0, 0)


def _history_of(conn: sqlite3.Connection) -> History:
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}

    def last(table: str, column: str) -> int:
        if table not in tables:
            return 0
        return int(conn.execute(f"SELECT coalesce(max({column}), 0) FROM {table}").fetchone()[0])

    return last("readings", "id"), last("mail_log", "rowid")


def history(path: Path) -> History:
    """How much history the database at ``path`` holds, read without writing:
    :data:`NO_HISTORY` when it is missing, empty (0 bytes) or holds none of capsync's
    tables. A damaged file raises ``sqlite3.DatabaseError``."""
    if not path.is_file() or not path.stat().st_size:
        return NO_HISTORY
    conn = read_only_connection(path)
    try:
        return _history_of(conn)
    finally:
        conn.close()


def _backup_history(path: Path) -> History:
    """The history the backup of the store at ``path`` holds; none when it is missing or
    cannot be read (a damaged backup is not offered either: :func:`last_good_backup`)."""
    try:
        return history(backup_path(path))
    except (sqlite3.Error, OSError):
        return NO_HISTORY


def _behind(held: History, kept: History) -> bool:
    """Whether a store holding ``held`` has lost some of the history ``kept`` holds."""
    return any(mine < theirs for mine, theirs in zip(held, kept, strict=True))


class StoreLost(DataFolderError):
    """The store lost the history its backup keeps (deleted, emptied, replaced): it is
    neither created nor written, and the backup is left as it is, until a person chooses."""

    def __init__(self, path: Path, held: History, kept: History):
        backup = backup_path(path)
        if not path.exists():
            what, aside = f"{path} n'existe plus", ""
        else:
            aside = (
                f"mettez {path.name} de côté (avec ses fichiers {path.name}-wal et "
                f"{path.name}-shm s'il y en a) et "
            )
            if not path.stat().st_size:
                what = f"{path} est vide (0 octet)"
            elif held == NO_HISTORY:
                what = f"{path} ne contient aucun historique de capsync"
            else:
                what = f"{path} garde moins d'historique que sa sauvegarde"
        mails = f", {thousands(kept[1])} message(s) du journal des envois" if kept[1] else ""
        super().__init__(
            f"Base perdue : {what}, alors que la sauvegarde {backup} garde l'historique de la "
            f"campagne ({thousands(kept[0])} lecture(s) de grille{mails}). capsync n'a rien "
            "écrit : une base neuve relirait toutes les grilles comme nouvelles, perdrait cet "
            "historique et renverrait les messages déjà envoyés. Pour reprendre, "
            f"{aside}copiez la sauvegarde à sa place sous le nom {path.name}, puis relancez "
            "la commande. Pour vraiment repartir de zéro, déplacez d'abord la sauvegarde hors "
            f"du dossier {path.parent} (gardez-la : c'est la seule copie de cet historique).",
            path,
        )
        self.backup = backup


def refuse_lost_store(path: Path) -> None:
    """Raise :class:`StoreLost` when the store at ``path`` holds less history than its
    backup: asked before anything creates or writes the store, so a missing or emptied
    store is not taken for a new one. Without a backup holding history (a new campaign),
    nothing is refused."""
    kept = _backup_history(path)
    if kept == NO_HISTORY:
        return
    held = history(path)
    if _behind(held, kept):
        raise StoreLost(path, held, kept)


def keep_backup(conn: sqlite3.Connection, path: Path) -> None:
    """Copy the store (through ``conn``) over its backup; a failure is logged, never raised.

    The copy is a plain single-file database (no WAL), so it can be copied back
    by hand; a failed or interrupted copy leaves the previous backup in place. A backup
    holding history the store lacks is never overwritten (the store's open refuses such
    a store: :func:`refuse_lost_store`; this is for a backup changed meanwhile).
    """
    target = backup_path(path)
    try:
        held, kept = _history_of(conn), _backup_history(path)
    except sqlite3.Error as exc:
        log.warning("store backup %s not written: %s", target, exc)
        return
    if _behind(held, kept):
        log.warning(
            "store backup %s not written: it holds more history than the store (%s > %s)",
            target,
            kept,
            held,
        )
        return
    remove_stale_temporaries(path.parent)  # copies a killed process left half-written
    try:
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent)
        os.close(fd)
    except OSError as exc:
        log.warning("store backup %s not written: %s", target, exc)
        return
    tmp = Path(name)
    try:
        copy = sqlite3.connect(tmp)
        try:
            conn.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
        os.replace(tmp, target)
    except (sqlite3.Error, OSError) as exc:
        log.warning("store backup %s not written: %s", target, exc)
    finally:
        tmp.unlink(missing_ok=True)


def open_side_tables(path: Path, schema: str) -> sqlite3.Connection:
    """A connection to the store's file with ``schema``'s tables created (WAL, errors in
    French); for the sync state and the mail log, opened after the store has checked the file."""
    with storage_errors(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        refuse_lost_store(path)  # a store that lost its history is not created again here
        db = sqlite3.connect(path, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(schema)
        except BaseException:
            db.close()
            raise
    return db

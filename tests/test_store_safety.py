"""The store's safety net: its backup, and its errors in French (real SQLite files)."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from capsync.errors import DataFolderError, StoreDamaged, data_folder_error
from capsync.parse.answers import ParsedGrid
from capsync.store.database import SCHEMA_VERSION, STORE_FILE, Store
from capsync.store.reader import StoreReader
from capsync.store.sync_state import SyncState

from .test_parse import chapter, parse, row, workbook

T1 = dt.datetime(2026, 3, 1, 10, 0)
T2 = dt.datetime(2026, 3, 8, 10, 0)
BACKUP = "capsync-sauvegarde.sqlite"
CHECKED = ".capsync.sqlite-checked"  # the store as capsync left it, and its last check


def grid(level: object, justification: str = "PV du CA") -> ParsedGrid:
    return parse(workbook(chapter(row("1.1.1", level, texts=(justification, None)))))


def levels(store: Store) -> list[tuple[str, str, float]]:
    frame = store.current_answers()
    return list(zip(frame.criterion, frame.column, frame.level, strict=True))


def test_a_change_is_backed_up_and_the_backup_reads_back_the_same(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        assert not (tmp_path / BACKUP).exists()  # a new, empty store is not worth one
        with store.transaction():
            store.record_grid("test-na", "aci-une", grid(3), "tok1", "h1", T1)
        expected = levels(store)
    copy = tmp_path / "restored"
    copy.mkdir()
    shutil.copy(tmp_path / BACKUP, copy / STORE_FILE)  # one file: no -wal needed beside it
    with Store.open(copy) as restored:
        assert levels(restored) == expected == [("1.1.1", "r:sophie", 3.0)]
        assert restored.current_texts()["text"].tolist() == ["PV du CA"]


def test_the_backup_follows_each_transaction_that_wrote(tmp_path: Path) -> None:
    backup = tmp_path / BACKUP
    with Store.open(tmp_path) as store:
        store.record_grid("test-na", "aci-une", grid(3), "tok1", "h1", T1)
        first = (backup.read_bytes(), backup.stat().st_mtime_ns)
        with store.transaction():  # a transaction that only reads, as a pull finding nothing
            assert store.source_state("test-na") == {"aci-une": ("tok1", "h1")}
        assert (backup.read_bytes(), backup.stat().st_mtime_ns) == first
        store.record_grid("test-na", "aci-une", grid(4), "tok3", "h2", T2)
    with sqlite3.connect(backup) as conn:
        assert conn.execute(
            "SELECT level FROM answers WHERE kind = 'level' ORDER BY id"
        ).fetchall() == [(3.0,), (4.0,)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert sorted(p.name for p in tmp_path.iterdir()) == [CHECKED, BACKUP, STORE_FILE]  # no tmp


def test_one_backup_copies_the_store_once_after_the_transactions_inside(tmp_path: Path) -> None:
    """A cycle commits once per collectif inside ``one_backup``: the backup is taken once,
    at its end, and holds every transaction's change, even when the body failed."""
    backup = tmp_path / BACKUP
    with Store.open(tmp_path) as store:
        store.record_grid("test-na", "aci-une", grid(2), "tok1", "h1", T1)
        before = backup.read_bytes()
        with pytest.raises(RuntimeError), store.one_backup():
            store.record_grid("test-na", "aci-une", grid(3), "tok2", "h2", T1)
            with store.one_backup():  # nested: still one copy, at the outer end
                store.record_grid("test-na", "aci-deux", grid(4), "tok3", "h3", T2)
            assert backup.read_bytes() == before  # nothing copied while held
            raise RuntimeError("a later collectif failed")
    with sqlite3.connect(backup) as conn:
        assert conn.execute(
            "SELECT level FROM answers WHERE kind = 'level' ORDER BY id"
        ).fetchall() == [(2.0,), (3.0,), (4.0,)]


def test_a_backup_copy_a_killed_process_left_is_removed_once_it_is_old(tmp_path: Path) -> None:
    """A kill -9 during the backup leaves a ``.capsync-*.tmp`` beside the store: the next
    backup removes it once it is a minute old, and leaves alone one being written now."""
    with Store.open(tmp_path) as store:
        left = tmp_path / ".capsync-left.tmp"
        fresh = tmp_path / ".capsync-fresh.tmp"
        for junk in (left, fresh):
            junk.write_bytes(b"half a database")
        an_hour_ago = left.stat().st_mtime - 3600
        os.utime(left, (an_hour_ago, an_hour_ago))
        store.record_grid("test-na", "aci-une", grid(3), "tok1", "h1", T1)
    assert not left.exists()
    assert fresh.exists()


def test_a_full_store_says_so_keeps_what_it_had_and_its_backup(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    with Store.open(tmp_path) as store:
        store.record_grid("test-na", "aci-une", grid(3), "tok1", "h1", T1)
        backup = (tmp_path / BACKUP).read_bytes()
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is now full
        with pytest.raises(DataFolderError) as caught:
            store.record_grid("test-na", "aci-une", grid(4, "x" * 100_000), "tok2", "h2", T2)
        assert levels(store) == [("1.1.1", "r:sophie", 3.0)]
        assert store.current_texts()["text"].tolist() == ["PV du CA"]
    assert str(caught.value) == (
        f"Impossible d'écrire {path} : le disque est plein. Libérez de la place, "
        "puis relancez la commande."
    )
    assert caught.value.path == path
    assert (tmp_path / BACKUP).read_bytes() == backup


def test_the_sync_state_reports_a_damaged_file_like_the_store(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    path.write_bytes(b"ceci n'est pas une base SQLite" * 200)
    with pytest.raises(StoreDamaged) as caught:
        SyncState(path)
    assert caught.value.path == path and caught.value.backup is None
    assert str(caught.value).startswith(f"Base endommagée : {path} ne passe pas le contrôle")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (errno.EACCES, "Impossible d'écrire {file} : le dossier {folder} est en lecture seule "
         "ou capsync n'a pas le droit d'y écrire. Donnez-lui ce droit (ou choisissez un autre "
         "dossier avec backend.data_dir dans la configuration), puis relancez la commande."),
        (errno.EROFS, "Impossible d'écrire {file} : le dossier {folder} est en lecture seule "
         "ou capsync n'a pas le droit d'y écrire. Donnez-lui ce droit (ou choisissez un autre "
         "dossier avec backend.data_dir dans la configuration), puis relancez la commande."),
        (errno.ENOSPC, "Impossible d'écrire {file} : le disque est plein. Libérez de la place, "
         "puis relancez la commande."),
        (errno.EIO, "Impossible d'utiliser {file} (erreur de lecture ou d'écriture du disque) "
         ": vérifiez ce fichier et son dossier, puis relancez la commande."),
        (errno.ELOOP, "Impossible d'utiliser {file} (trop de liens symboliques en chaîne, ou "
         "un lien qui boucle) : vérifiez ce fichier et son dossier, puis relancez la commande."),
        (errno.ENXIO, "Impossible d'utiliser {file} (erreur du système ENXIO) : "
         "vérifiez ce fichier et son dossier, puis relancez la commande."),
    ],
)  # fmt: skip
def test_an_os_error_in_the_data_folder_names_the_file_that_failed(
    tmp_path: Path, code: int, expected: str
) -> None:
    failed = tmp_path / "occitanie" / "tableau-de-bord.xlsx"
    exc = OSError(code, os.strerror(code), str(failed))
    error = data_folder_error(exc, tmp_path)
    assert str(error) == expected.format(file=failed, folder=failed.parent)
    assert error.path == failed


def test_a_store_held_by_another_program_says_so(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    Store(path).close()
    other = sqlite3.connect(path, isolation_level=None)  # a tool with a write open
    other.execute("BEGIN IMMEDIATE")
    try:
        with Store(path, timeout=0.1) as store, pytest.raises(DataFolderError) as caught:
            store.record_grid("test-na", "aci-une", grid(3), "tok1", "h1", T1)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert str(caught.value) == (
        f"La base {path} est occupée par un autre programme (un outil qui l'a ouverte ?) : "
        "fermez-le, puis relancez la commande."
    )


def test_a_backup_that_cannot_be_written_does_not_lose_the_change(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / BACKUP).mkdir()  # something in the way of the backup
    with Store.open(tmp_path) as store:
        store.record_grid("test-na", "aci-une", grid(3), "tok1", "h1", T1)
        assert levels(store) == [("1.1.1", "r:sophie", 3.0)]
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warning.startswith(f"store backup {tmp_path / BACKUP} not written: [Errno 21]")
    assert sorted(p.name for p in tmp_path.iterdir()) == [CHECKED, BACKUP, STORE_FILE]  # no tmp


def cut_short(data: bytes) -> bytes:
    """A copy interrupted after its first page."""
    return data[:4096]


def last_page_overwritten(data: bytes) -> bytes:
    """A bad sector: the file opens, and only reading that page, or the check, finds it."""
    return data[:-4096] + b"\xff" * 4096


@pytest.mark.parametrize("damage", [cut_short, last_page_overwritten])
def test_a_damaged_store_is_refused_untouched_and_its_good_backup_named(
    tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    path = tmp_path / STORE_FILE
    with Store(path) as store:
        store.record_grid("test-na", "aci-une", grid(3), "tok1", "h1", T1)
    path.write_bytes(damage(path.read_bytes()))
    damaged = path.read_bytes()
    with pytest.raises(StoreDamaged) as caught:
        Store(path)
    assert (caught.value.path, caught.value.backup) == (path, tmp_path / BACKUP)
    assert path.read_bytes() == damaged
    assert sorted(p.name for p in tmp_path.iterdir()) == [CHECKED, BACKUP, STORE_FILE]


def _checked_at(folder: Path) -> float:
    return float(json.loads((folder / CHECKED).read_text(encoding="utf-8"))["checked_at"])


def _damage_in_place(path: Path) -> None:
    """A bad sector: the bytes change, the size, time and inode do not."""
    info = path.stat()
    path.write_bytes(last_page_overwritten(path.read_bytes()))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_ino == info.st_ino


def _stored(folder: Path) -> Path:
    """A store with one grid recorded, closed as capsync closes it."""
    path = folder / STORE_FILE
    with Store(path) as store:
        store.record_grid("test-na", "aci-une", grid(3), "tok1", "h1", T1)
    return path


def test_a_store_as_capsync_left_it_is_checked_once_a_day(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    before = time.time()
    with Store(path) as store:
        store.record_grid("test-na", "aci-une", grid(3), "tok1", "h1", T1)
    first = _checked_at(tmp_path)
    assert before <= first <= time.time()
    with Store(path) as store:  # unchanged since: not read whole again
        assert levels(store) == [("1.1.1", "r:sophie", 3.0)]
        store.record_grid("test-na", "aci-une", grid(4), "tok2", "h2", T2)  # its own change
    assert _checked_at(tmp_path) == first
    noted = json.loads((tmp_path / CHECKED).read_text(encoding="utf-8"))
    noted["checked_at"] = time.time() - 25 * 3600  # a day and more ago
    (tmp_path / CHECKED).write_text(json.dumps(noted), encoding="utf-8")
    _damage_in_place(path)  # what only a whole check finds
    with pytest.raises(StoreDamaged):
        Store(path)


def test_a_session_that_met_an_error_leaves_the_store_to_be_checked(tmp_path: Path) -> None:
    path = _stored(tmp_path)
    assert (tmp_path / CHECKED).exists()
    with pytest.raises(RuntimeError), Store(path) as store:  # a damaged page, say
        store.record_grid("test-na", "aci-une", grid(4), "tok2", "h2", T2)
        raise RuntimeError
    assert not (tmp_path / CHECKED).exists()
    _damage_in_place(path)
    with pytest.raises(StoreDamaged):
        Store(path)


def test_a_store_changed_by_another_program_is_checked(tmp_path: Path) -> None:
    path = _stored(tmp_path)
    path.write_bytes(last_page_overwritten(path.read_bytes()))  # a new modification time
    with pytest.raises(StoreDamaged):
        Store(path)


def test_a_store_left_by_a_killed_process_is_checked(tmp_path: Path) -> None:
    path = _stored(tmp_path)
    first = _checked_at(tmp_path)
    killed = (  # a program that wrote in WAL mode and died before its checkpoint
        "import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
        "c.execute('PRAGMA journal_mode=WAL'); c.execute('PRAGMA wal_autocheckpoint=0'); "
        "c.execute('CREATE TABLE left_behind (x)'); "
        "c.execute('INSERT INTO left_behind VALUES (1)'); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", killed, str(path)], check=True, timeout=120)
    assert (tmp_path / f"{STORE_FILE}-wal").exists()
    time.sleep(0.01)
    with Store(path) as store:  # its -wal is part of the database: read whole first
        assert store.conn.execute("SELECT x FROM left_behind").fetchall() == [(1,)]
    assert _checked_at(tmp_path) > first


def test_a_store_in_a_folder_that_cannot_exist_names_it(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("un fichier", encoding="utf-8")
    path = tmp_path / "notes.txt" / "data" / STORE_FILE
    with pytest.raises(DataFolderError) as caught:
        Store(path)
    assert str(caught.value) == (
        f"Impossible d'utiliser {path.parent} (un élément du chemin est un fichier et non un "
        "dossier) : vérifiez ce fichier et son dossier, puis relancez la commande."
    )


def test_a_store_read_only_of_another_version_is_said_and_left_as_it_is(tmp_path: Path) -> None:
    """On a read-only share a store cannot be migrated: the reader says so and writes nothing
    (no -wal or -shm file beside it)."""
    path = tmp_path / STORE_FILE
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(DataFolderError) as caught:
        StoreReader(path, SCHEMA_VERSION)
    assert str(caught.value) == (
        f"La base {path} est d'une autre version de capsync (schéma {SCHEMA_VERSION - 1}, "
        f"celle-ci lit le schéma {SCHEMA_VERSION}) et son dossier est en lecture seule : "
        "capsync ne peut pas la mettre à jour ici. Lancez « capsync sync » là où le dossier "
        "est modifiable, puis relancez la commande."
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == files
    with StoreReader(path, SCHEMA_VERSION - 1) as reader:  # its own version: read
        assert reader.history("aci-une") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == files

"""A store that lost its history while its backup kept it is refused, not started afresh.

A missing or emptied store used to be taken for a new one: the next sync read every
grid as new, and its first backup overwrote the only copy of the history (and of the
mail log, so the invitations would have gone again). Now the command stops with a
French message naming both files, exit code 1, nothing written; a new campaign (no
store, no backup) still starts. Run through the real command line (click's runner) on
a real campaign folder and real SQLite files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from capsync.backends.local import LocalBackend
from capsync.cli import main
from capsync.locking import LOCK_NAME
from capsync.store.database import STORE_FILE, Store
from capsync.store.safety import StoreLost, backup_path
from capsync.store.sent_messages import MailLog
from capsync.store.sync_state import SyncState

from .filled_grids import editing, grid_path, put
from .french_output import plain
from .grid_campaign import write_campaign
from .test_store_safety import grid

BACKUP = "capsync-sauvegarde.sqlite"
T1 = dt.datetime(2026, 3, 1, 10, 0)


def run(config: Path, *args: str) -> Result:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``folder`` but the campaign lock: its content hash and time."""
    return {
        str(p.relative_to(folder)): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != LOCK_NAME
    }


def readings(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM readings").fetchone()[0])


@pytest.fixture
def synced(tmp_path: Path) -> tuple[Path, Path]:
    """(config, data folder) of a campaign synced once, an answer typed: a store, a backup."""
    campaign = write_campaign(tmp_path)
    assert run(campaign.config_path, "generate").exit_code == 0
    with editing(grid_path(LocalBackend(campaign.data_dir), "aci-une")) as book:
        put(book["Chapitre 1"], "1.1.1", "retenu", 3)
    first = run(campaign.config_path, "sync")
    assert first.exit_code == 0, first.output
    assert readings(campaign.data_dir / BACKUP) > 0
    return campaign.config_path, campaign.data_dir


def lost(store: Path, what: str, count: int, aside: bool) -> str:
    """The refusal, as the terminal shows it (plain spaces)."""
    put_aside = (
        f"mettez {store.name} de côté (avec ses fichiers {store.name}-wal et "
        f"{store.name}-shm s'il y en a) et "
        if aside
        else ""
    )
    return (
        f"Erreur : Base perdue : {store} {what}, alors que la sauvegarde "
        f"{store.parent / BACKUP} garde l'historique de la campagne ({count} lecture(s) de "
        "grille). capsync n'a rien écrit : une base neuve relirait toutes les grilles comme "
        "nouvelles, perdrait cet historique et renverrait les messages déjà envoyés. Pour "
        f"reprendre, {put_aside}copiez la sauvegarde à sa place sous le nom {store.name}, puis "
        f"relancez la commande. Pour vraiment repartir de zéro, déplacez d'abord la sauvegarde "
        f"hors du dossier {store.parent} (gardez-la : c'est la seule copie de cet historique).\n"
    )


def _remove(store: Path) -> None:
    store.unlink()


def _empty(store: Path) -> None:
    store.write_bytes(b"")


def _blank(store: Path) -> None:
    store.unlink()
    with sqlite3.connect(store) as conn:  # a valid SQLite file, not capsync's
        conn.execute("CREATE TABLE notes (texte TEXT)")
    conn.close()


LOSSES: dict[str, tuple[Callable[[Path], None], str, bool]] = {
    "missing": (_remove, "n'existe plus", False),
    "empty": (_empty, "est vide (0 octet)", True),
    "blank": (_blank, "ne contient aucun historique de capsync", True),
}


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_a_lost_store_stops_the_sync_and_its_backup_is_kept_byte_for_byte(
    synced: tuple[Path, Path], loss: str
) -> None:
    config, data = synced
    store = data / STORE_FILE
    change, what, aside = LOSSES[loss]
    change(store)
    backup = (data / BACKUP).read_bytes()
    before = snapshot(data)

    result = run(config, "sync")

    assert (result.exit_code, result.stdout) == (1, "")
    assert plain(result.stderr) == lost(store, what, readings(data / BACKUP), aside)
    assert (data / BACKUP).read_bytes() == backup
    assert snapshot(data) == before  # nothing written: no store, -wal or -shm created
    assert store.exists() == (loss != "missing")


@pytest.mark.parametrize("command", [["pull"], ["history", "--structure", "aci-une"]])
def test_every_command_that_opens_the_store_refuses_a_lost_one(
    synced: tuple[Path, Path], command: list[str]
) -> None:
    config, data = synced
    (data / STORE_FILE).unlink()
    before = snapshot(data)

    result = run(config, *command)

    assert result.exit_code == 1
    assert plain(result.stderr).startswith(f"Erreur : Base perdue : {data / STORE_FILE} ")
    assert snapshot(data) == before


def test_copying_the_backup_back_as_told_brings_the_history_back(
    synced: tuple[Path, Path],
) -> None:
    config, data = synced
    store = data / STORE_FILE
    store.write_bytes(b"")
    assert run(config, "sync").exit_code == 1

    shutil.copy(data / BACKUP, store)  # what the message says to do
    again = run(config, "sync")
    assert again.exit_code == 0, again.output
    assert "0 ajoutée(s)" in plain(again.stdout)  # nothing read again as new
    history = run(config, "history", "--structure", "aci-une")
    assert history.exit_code == 0
    assert plain(history.stdout).rstrip("\n").endswith("1.1.1  Niveau retenu : (vide) → 3")


def test_moving_the_backup_away_really_starts_over(synced: tuple[Path, Path]) -> None:
    config, data = synced
    (data / STORE_FILE).unlink()
    kept = data.parent / "ancienne-sauvegarde.sqlite"
    (data / BACKUP).rename(kept)

    result = run(config, "sync")

    assert result.exit_code == 0, result.output
    assert "1 ajoutée(s)" in plain(result.stdout)  # the grids read as new, as asked
    assert readings(data / STORE_FILE) == readings(data / BACKUP) == readings(kept)


def test_a_new_campaign_starts_without_store_or_backup(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    assert run(campaign.config_path, "generate").exit_code == 0
    data = campaign.data_dir
    assert not (data / STORE_FILE).exists() and not (data / BACKUP).exists()
    with editing(grid_path(LocalBackend(data), "aci-une")) as book:
        put(book["Chapitre 1"], "1.1.1", "retenu", 2)

    result = run(campaign.config_path, "sync")

    assert (result.exit_code, result.stderr) == (0, "")
    assert readings(data / STORE_FILE) == readings(data / BACKUP) > 0


def test_an_older_copy_of_the_store_is_refused_too(tmp_path: Path) -> None:
    """Put back from an older copy (or its last transactions lost to a power cut), the store
    holds less than its backup: refused, and the backup keeps what only it holds."""
    older = tmp_path / "older"
    with Store.open(tmp_path) as store:
        store.record_grid("test-na", "aci-une", grid(2), "tok1", "h1", T1)
    shutil.copy(tmp_path / STORE_FILE, older)  # closed: the file alone is the database
    with Store.open(tmp_path) as store:
        store.record_grid("test-na", "aci-une", grid(3), "tok2", "h2", T1)
    shutil.copy(older, tmp_path / STORE_FILE)
    backup = (tmp_path / BACKUP).read_bytes()

    with pytest.raises(StoreLost) as caught:
        Store.open(tmp_path)

    assert f"{tmp_path / STORE_FILE} garde moins d'historique que sa sauvegarde" in str(
        caught.value
    )
    assert (tmp_path / BACKUP).read_bytes() == backup


def test_a_backup_with_more_history_is_never_overwritten_by_the_store(tmp_path: Path) -> None:
    """The open refuses such a store; should the backup change meanwhile (another copy put
    there by hand), the store's next backup leaves it as it is."""
    other = tmp_path / "other"
    with Store.open(other) as richer:
        for n in range(3):
            richer.record_grid("test-na", "aci-une", grid(n), f"tok{n}", f"h{n}", T1)
    with Store.open(tmp_path) as store:
        store.record_grid("test-na", "aci-une", grid(1), "tok1", "h1", T1)
        shutil.copy(backup_path(other / STORE_FILE), tmp_path / BACKUP)
        richer_backup = (tmp_path / BACKUP).read_bytes()
        store.record_grid("test-na", "aci-une", grid(2), "tok2", "h2", T1)
        assert (tmp_path / BACKUP).read_bytes() == richer_backup


@pytest.mark.parametrize("side", [SyncState, MailLog])
def test_the_store_s_side_tables_do_not_create_a_lost_store_either(
    tmp_path: Path, side: Callable[[Path], object]
) -> None:
    with Store.open(tmp_path) as store:
        store.record_grid("test-na", "aci-une", grid(3), "tok1", "h1", T1)
    (tmp_path / STORE_FILE).unlink()

    with pytest.raises(StoreLost):
        side(tmp_path / STORE_FILE)

    assert not (tmp_path / STORE_FILE).exists()

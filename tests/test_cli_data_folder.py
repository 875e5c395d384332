"""A data folder capsync cannot use: a French message naming the file, exit 1, nothing touched.

Each command runs in its own process, as an admin runs it, so that « no
traceback » is checked on what the terminal would show. A read-only folder is
a real one (mode 0o555); when the tests run as root, the command's process
drops the capabilities that let root ignore file permissions.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from capsync.cli import main
from capsync.jobs.pull import pull
from capsync.jobs.status import STATUS_NAME
from capsync.locking import LOCK_NAME
from capsync.store.database import STORE_FILE, Store

from .filled_grids import campaign_with_grids, editing, grid_path, put
from .french_output import plain
from .grid_campaign import config, write_campaign

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2
NO_RIGHTS = (
    "Erreur : Impossible d'écrire dans {folder} : ce dossier est en lecture seule ou capsync "
    "n'a pas le droit d'y écrire. Donnez-lui ce droit (ou choisissez un autre dossier avec "
    "backend.data_dir dans la configuration), puis relancez la commande.\n"
)


def _obey_file_permissions() -> None:  # pragma: no cover - runs in the child process
    """Root ignores a folder's mode; without these two capabilities it obeys it."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def capsync(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``capsync --config CONFIG ARGS…`` in a fresh process, as a user bound by permissions."""
    return subprocess.run(
        [sys.executable, "-m", "capsync", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_obey_file_permissions if os.geteuid() == 0 else None,
        check=False,
    )


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


@pytest.fixture
def pulled(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(config, data folder) of a campaign whose grids were pulled once: a store and its backup."""
    campaign, backend = campaign_with_grids(tmp_path)
    with editing(grid_path(backend, "aci-une")) as wb:
        put(wb["Chapitre 1"], "1.1.1", "retenu", 3)
    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=dt.datetime(2026, 3, 1, 10, 0), workers=1)
    yield campaign.config_path, campaign.data_dir
    campaign.data_dir.chmod(0o755)  # so that the temporary folder can be removed


@pytest.mark.parametrize("command", [["pull"], ["sync"], ["generate"], ["demo"], ["check"]])
def test_a_read_only_data_folder_stops_every_command_before_it_writes(
    pulled: tuple[Path, Path], command: list[str]
) -> None:
    config, data = pulled
    data.chmod(0o555)
    before = snapshot(data)

    result = capsync(config, *command)

    assert (result.returncode, result.stdout) == (1, "")
    assert plain(result.stderr) == NO_RIGHTS.format(folder=data)
    assert snapshot(data) == before


def test_history_and_status_read_a_read_only_data_folder_and_write_nothing(
    pulled: tuple[Path, Path],
) -> None:
    """Regional staff given the campaign's folder as a read-only share can still ask what a
    grid went through, and how the daemon fares: the store is read, nothing is written
    (neither the store's -wal or -shm files nor its check note)."""
    config, data = pulled
    data.chmod(0o555)
    before = snapshot(data)

    history = capsync(config, "history", "--structure", "aci-une")
    status = capsync(config, "status")

    assert (history.returncode, history.stderr) == (0, "")
    assert plain(history.stdout) == (
        "01/03/2026 10:00  Chapitre 1!L4  1.1.1  Niveau retenu : (vide) → 3\n"
    )
    assert (status.returncode, status.stderr) == (0, "")
    assert plain(status.stdout) == "Aucun cycle n'a encore été lancé par le démon.\n"
    assert snapshot(data) == before


def damaged(path: Path, backup: Path | None) -> str:
    """The message of a damaged store, as the terminal shows it."""
    if backup is not None:
        todo = (
            f"la dernière sauvegarde saine est {backup} : mettez la base endommagée de côté "
            f"(avec ses fichiers {path.name}-wal et {path.name}-shm s'il y en a), copiez la "
            f"sauvegarde à sa place sous le nom {path.name}, puis relancez la commande."
        )
    else:
        todo = (
            "aucune sauvegarde saine n'existe : mettez ce fichier de côté (il garde "
            "l'historique des réponses), puis relancez « capsync sync », qui relira "
            "toutes les grilles dans une base neuve."
        )
    return (
        f"Erreur : Base endommagée : {path} ne passe pas le contrôle d'intégrité de SQLite ; "
        f"capsync n'y a rien écrit. Pour repartir, {todo}\n"
    )


@pytest.mark.parametrize("command", [["pull"], ["history", "--structure", "aci-une"]])
def test_a_store_of_random_bytes_is_reported_damaged_and_left_as_it_is(
    pulled: tuple[Path, Path], command: list[str]
) -> None:
    config, data = pulled
    store = data / STORE_FILE
    store.write_bytes(os.urandom(16_384))
    (data / "capsync-sauvegarde.sqlite").unlink()
    before = snapshot(data)

    result = capsync(config, *command)

    assert (result.returncode, result.stdout) == (1, "")
    assert plain(result.stderr) == damaged(store, None)
    assert snapshot(data) == before  # not written, and no -wal or -shm file beside it


def test_a_truncated_store_names_its_last_good_backup_which_restores_the_answers(
    pulled: tuple[Path, Path],
) -> None:
    config, data = pulled
    store, backup = data / STORE_FILE, data / "capsync-sauvegarde.sqlite"
    store.write_bytes(store.read_bytes()[: store.stat().st_size // 2])
    before = snapshot(data)

    result = capsync(config, "sync")

    assert (result.returncode, result.stdout) == (1, "")
    assert plain(result.stderr) == damaged(store, backup)
    assert snapshot(data) == before

    store.write_bytes(backup.read_bytes())  # what the message tells the admin to do
    history = capsync(config, "history", "--structure", "aci-une")
    assert (history.returncode, history.stderr) == (0, "")
    [line] = plain(history.stdout).splitlines()
    assert line.startswith("01/03/2026 10:00  Chapitre 1!")
    assert line.endswith("  1.1.1  Niveau retenu : (vide) → 3")


def test_a_damaged_backup_is_not_offered(pulled: tuple[Path, Path]) -> None:
    config, data = pulled
    store, backup = data / STORE_FILE, data / "capsync-sauvegarde.sqlite"
    store.write_bytes(b"SQLite format 3\x00" + os.urandom(4_080))
    backup.write_bytes(backup.read_bytes()[:1_000])

    result = capsync(config, "history", "--structure", "aci-une")

    assert (result.returncode, plain(result.stderr)) == (1, damaged(store, None))


def test_a_data_folder_under_a_file_is_named_in_french(tmp_path: Path) -> None:
    cfg = config()
    cfg["backend"]["data_dir"] = "notes.txt/data"
    campaign = write_campaign(tmp_path, cfg=cfg)
    (tmp_path / "notes.txt").write_text("des notes, pas un dossier", encoding="utf-8")

    result = CliRunner().invoke(main, ["--config", str(campaign.config_path), "pull"])

    assert (result.exit_code, plain(result.output)) == (
        1,
        f"Erreur : Le dossier de données {tmp_path / 'notes.txt' / 'data'} (backend.data_dir) "
        f"ne peut pas être créé : {tmp_path / 'notes.txt'} est un fichier, pas un dossier. "
        "Corrigez le chemin dans la configuration.\n",
    )
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "des notes, pas un dossier"


def test_an_os_error_reaching_the_command_line_is_said_in_french(tmp_path: Path) -> None:
    """What the library does not translate itself is translated at the edge, file named."""
    campaign = write_campaign(tmp_path)
    status = campaign.data_dir / STATUS_NAME
    status.mkdir(parents=True)  # a folder where the daemon's status file should be

    result = CliRunner().invoke(main, ["--config", str(campaign.config_path), "status"])

    assert (result.exit_code, plain(result.output)) == (
        1,
        f"Erreur : Impossible d'utiliser {status} (c'est un dossier et non un fichier) : "
        "vérifiez ce fichier et son dossier, puis relancez la commande.\n",
    )

"""What an admin met running the CLI and the daemon on the local backend, audited command by
command: each test is a mistake or an accident (a second daemon, a typo in an option, a
command run before ``generate``) and asserts what the terminal shows, the exit code, and
that nothing was written where nothing should be."""

from __future__ import annotations

import datetime as dt
import os
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from capsync.backends.local import LocalBackend
from capsync.campaign.validation import load_campaign
from capsync.cli import main
from capsync.jobs.daemon import Daemon
from capsync.jobs.generate import generate
from capsync.jobs.status import STATUS_NAME, RunStatus, read_status
from capsync.locking import campaign_lock

from .example_campaign import copy_example
from .french_output import plain

NOT_GENERATED = (
    "Erreur : Le dossier de données {data} n'existe pas : lancez d'abord « capsync generate », "
    "qui le crée avec les grilles (s'il est sur un partage réseau, vérifiez que le partage est "
    "monté). Rien n'a été écrit.\n"
)


def run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, plain(result.output)


@pytest.fixture
def example(tmp_path: Path) -> tuple[Path, Path]:
    """(config, data folder) of the example campaign, nothing generated yet."""
    config = copy_example(tmp_path)
    return config, tmp_path / "data"


# --- the daemon ------------------------------------------------------------------------


def test_a_second_daemon_on_the_same_data_folder_is_refused_and_leaves_the_first_alone(
    example: tuple[Path, Path],
) -> None:
    """Both used to run, their cycles alternating and each overwriting the other's status."""
    config, data = example
    data.mkdir()
    seen: list[tuple[int, str, str]] = []

    def cycle() -> RunStatus:  # the first daemon's cycle: a second one is started meanwhile
        code, said = run(config, "daemon", "--every", "1s", "--max-cycles", "1")
        status = read_status(data)
        seen.append((code, said, status.state if status else ""))
        return RunStatus(summary="ok")

    Daemon(cycle, every=900, data_dir=data, max_cycles=1).run()

    pid = os.getpid()
    assert seen == [
        (
            1,
            f"Erreur : Un démon capsync (pid {pid}) tourne déjà sur {data} : « capsync status » "
            "dit où il en est. Il relit la configuration à chaque cycle : inutile d'en lancer "
            f"un second. Pour l'arrêter, « kill {pid} » : il finit son cycle en cours, puis "
            "s'arrête.\n",
            "cycle en cours",  # the first daemon's status, not overwritten by the second
        )
    ]
    # Once the first has stopped, a daemon starts again on the same folder.
    again = Daemon(lambda: RunStatus(summary="ok"), every=900, data_dir=data, max_cycles=1)
    assert again.run() == 0


@pytest.mark.parametrize("every", ["99999999999999h", "169h", "20000m"])
def test_an_interval_too_long_is_refused_before_any_cycle(
    example: tuple[Path, Path], every: str
) -> None:
    """« 99999999999999h » ran a whole cycle, then ended in an OverflowError traceback."""
    config, data = example
    assert run(config, "daemon", "--every", every, "--max-cycles", "1") == (
        1,
        f"Erreur : Intervalle « {every} » trop long : au plus 168h (une semaine) ; écrivez par "
        "exemple 15m (minutes), 1h ou 24h (heures).\n",
    )
    assert not (data / STATUS_NAME).exists()


@pytest.mark.parametrize("cycles", ["0", "-1"])
def test_max_cycles_below_one_is_refused_before_any_cycle(
    example: tuple[Path, Path], cycles: str
) -> None:
    """« --max-cycles 0 » ran one cycle all the same."""
    config, data = example
    assert run(config, "daemon", "--every", "1h", "--max-cycles", cycles) == (
        1,
        f"Erreur : Nombre de cycles « {cycles} » invalide (--max-cycles) : indiquez au moins 1, "
        "ou n'indiquez rien pour que le démon tourne jusqu'à son arrêt.\n",
    )
    assert not (data / STATUS_NAME).exists()


def test_a_second_ctrl_c_stops_the_daemon_at_once(tmp_path: Path) -> None:
    """The first Ctrl-C lets the cycle finish; a second one, the admin's « now », used to be
    ignored until the end of a cycle that may last minutes."""
    went_on: list[str] = []

    def cycle() -> RunStatus:
        os.kill(os.getpid(), signal.SIGINT)
        went_on.append("after the first Ctrl-C")
        os.kill(os.getpid(), signal.SIGINT)
        went_on.append("after the second Ctrl-C")
        return RunStatus(summary="ok")

    before = signal.getsignal(signal.SIGINT)
    daemon = Daemon(cycle, every=900, data_dir=tmp_path)
    with pytest.raises(KeyboardInterrupt):  # the command line says « Interrompu » (exit 1)
        daemon.run()
    assert went_on == ["after the first Ctrl-C"]
    status = read_status(tmp_path)
    assert status is not None and status.state == "arrêté" and status.next_run == ""
    assert signal.getsignal(signal.SIGINT) is before  # the handlers are given back


def test_a_cycle_put_off_by_a_manual_command_says_the_daemon_retries(tmp_path: Path) -> None:
    """« réessayez quand elle aura fini » told the admin reading `capsync status` to act."""
    with campaign_lock(tmp_path):  # a manual `capsync generate` in progress
        Daemon(lambda: RunStatus(summary="ok"), every=900, data_dir=tmp_path, max_cycles=1).run()
    status = read_status(tmp_path)
    assert status is not None and status.last_run is not None
    assert status.last_run.summary == (  # typeset when `capsync status` prints it
        f"Cycle reporté : une autre commande capsync (pid {os.getpid()}) travaillait sur "
        f"{tmp_path} ; le démon réessaie au prochain cycle, dans 15m."
    )


def test_a_busy_campaign_lock_names_the_process_that_holds_it(
    example: tuple[Path, Path],
) -> None:
    config, data = example
    data.mkdir()
    with campaign_lock(data):
        said = run(config, "sync")
    assert said == (
        1,
        f"Erreur : Une autre commande capsync (pid {os.getpid()}) (le démon ou une commande "
        f"manuelle) travaille déjà sur {data} ; réessayez quand elle aura fini.\n",
    )


# --- commands run before `capsync generate`, or given an unknown collectif -------------------


@pytest.mark.parametrize(
    "args",
    [
        ("history", "--structure", "ailes-revel"),
        ("notify", "--dry-run"),
        ("nouvelle-campagne", "--structure", "trait-d-union-17"),
        ("restitution", "--structure", "ailes-revel"),  # wrote an empty restitution
        ("regroupement", "--collective", "occitanie", "--chapitre", "1"),
    ],
)
def test_commands_before_generate_create_no_data_folder(
    example: tuple[Path, Path], args: tuple[str, ...]
) -> None:
    """They created the data folder and an empty store (on an unmounted share, a local folder
    under its mount point); notify --dry-run then listed digests of a campaign without grids,
    nouvelle-campagne said it archived « the grid of campaign 1 »."""
    config, data = example
    assert run(config, *args) == (1, NOT_GENERATED.format(data=data))
    assert not data.exists()


def test_history_before_the_first_pull_creates_no_store(example: tuple[Path, Path]) -> None:
    config, data = example
    data.mkdir()
    assert run(config, "history", "--structure", "ailes-revel") == (
        0,
        "Aucune réponse relevée pour la structure « ailes-revel ».\n",
    )
    assert list(data.iterdir()) == []


def test_import_with_an_unknown_collectif_says_so_once(example: tuple[Path, Path]) -> None:
    """Every file was refused as « a grid of occitanie, not of the collectif nope », and the
    data folder created on the way."""
    config, data = example
    assert run(config, "import", "--collective", "occitnie", "grille.xlsx") == (
        1,
        "Erreur : Collectif « occitnie » inconnu de la configuration ; collectifs connus : "
        "nouvelle-aquitaine, occitanie.\n",
    )
    assert not data.exists()


# --- what the commands say in French -------------------------------------------------------


def test_notify_without_smtp_says_the_messages_went_to_the_outbox(
    example: tuple[Path, Path],
) -> None:
    """« 41 envoyé(s) » alone let the admin believe the structures had their mail."""
    config, data = example
    campaign = load_campaign(config)
    generate(campaign, LocalBackend(data), workers=1, now=dt.datetime(2025, 3, 1, 9, 0))
    outbox = data / "outbox"

    code, said = run(config, "notify", "--dry-run", "--at", "2025-05-28")
    assert code == 0 and said.splitlines()[-1] == (
        "Aucun serveur SMTP n'est configuré (mail.smtp) : ces messages seraient écrits en "
        f"fichiers .eml dans le dossier suivant, sans être envoyés : {outbox}"
    )
    assert not outbox.exists()

    code, said = run(config, "notify")
    assert code == 0 and said.startswith("Messages : ") and list(outbox.glob("*.eml"))
    assert said.splitlines()[-1] == (
        "Aucun serveur SMTP n'est configuré (mail.smtp) : ces messages ont été écrits en "
        f"fichiers .eml dans le dossier suivant, sans être envoyés : {outbox}"
    )


def test_referentiel_export_to_an_impossible_path_says_why_in_french(
    example: tuple[Path, Path], tmp_path: Path
) -> None:
    """The OS's English « No such file or directory » was printed inside the French line."""
    config, _ = example
    target = tmp_path / "absent" / "ref.csv"
    assert run(config, "referentiel", "export", "--format", "csv", "--output", str(target)) == (
        1,
        f"Erreur : Écriture impossible de {target} (fichier ou dossier introuvable) : vérifiez "
        "ce chemin et ses droits.\n",
    )

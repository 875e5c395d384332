"""Click's usage errors are an admin's mistakes too: French, exit code 1, never English or 2.

Both ways the command line runs say the same: ``CliRunner().invoke(main, …)`` (the tests)
and the console script / ``python -m capsync`` (``main()`` in standalone mode).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from capsync import __version__
from capsync.cli import main
from capsync.french import typography_faults

from .french_output import plain

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(main, list(args), prog_name="capsync", env=env)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


def said(result: Result) -> list[str]:
    """The lines printed (on standard error), French-typeset, read with plain spaces."""
    assert result.exit_code == 1, result.output
    assert "Error:" not in result.output and "Usage:" not in result.output, result.output
    assert [f for line in result.stderr.splitlines() for f in typography_faults(line)] == []
    return plain(result.stderr).splitlines()


def test_a_folder_given_as_the_configuration(tmp_path: Path) -> None:
    assert said(run("--config", str(tmp_path), "check")) == [
        "Usage : capsync [OPTIONS] COMMAND [ARGS]...",
        "Essayez « capsync --help » pour l'aide.",
        f"Erreur : « {tmp_path} », donné pour l'option --config, est un dossier ; "
        "indiquez un fichier.",
    ]


def test_a_folder_given_as_the_configuration_by_the_environment(tmp_path: Path) -> None:
    lines = said(run("check", env={"CAPSYNC_CONFIG": str(tmp_path)}))
    assert lines[-1] == (
        f"Erreur : « {tmp_path} », donné pour l'option --config par la variable "
        "d'environnement CAPSYNC_CONFIG, est un dossier ; indiquez un fichier."
    )


def test_a_folder_given_to_import(tmp_path: Path) -> None:
    assert said(run("import", str(tmp_path))) == [
        "Usage : capsync import [OPTIONS] FILES...",
        "Essayez « capsync import --help » pour l'aide.",
        f"Erreur : « {tmp_path} », donné pour l'argument FILES, est un dossier ; "
        "indiquez un fichier.",
    ]


def test_the_folder_among_the_files_given_to_import(tmp_path: Path) -> None:
    grid = tmp_path / "grille.xlsx"
    grid.write_bytes(b"")
    folder = tmp_path / "retours"
    folder.mkdir()
    lines = said(run("import", str(grid), str(folder)))
    assert lines[-1].startswith(f"Erreur : « {folder} », donné pour l'argument FILES, est ")


@pytest.mark.parametrize(
    ("args", "usage", "error"),
    [
        (["regroupement", "--collective", "occitanie"], "capsync regroupement [OPTIONS]",
         "il manque l'option --chapitre, obligatoire ici."),
        (["history"], "capsync history [OPTIONS]",
         "il manque l'option --structure, obligatoire ici."),
        (["import"], "capsync import [OPTIONS] FILES...",
         "il manque l'argument FILES, obligatoire ici."),
    ],
)  # fmt: skip
def test_a_missing_option_or_argument(args: list[str], usage: str, error: str) -> None:
    command = usage.removesuffix(" [OPTIONS]").split(" [")[0]
    assert said(run(*args)) == [
        f"Usage : {usage}",
        f"Essayez « {command} --help » pour l'aide.",
        f"Erreur : {error}",
    ]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["referentiel", "export", "--format", "xyz"],
         "« xyz », donné pour l'option --format, n'est pas une valeur possible ; "
         "valeurs possibles : csv, json, xlsx."),
        (["referentiel", "export", "--format"],
         "l'option --format attend une valeur ; valeurs possibles : csv, json, xlsx."),
        (["daemon", "--max-cycles", "deux"],
         "« deux », donné pour l'option --max-cycles, doit être un nombre entier (par exemple 3)."),
        (["daemon", "--max-cycles"],
         "l'option --max-cycles attend une valeur (par exemple --max-cycles VALEUR)."),
        (["--config"], "l'option --config attend une valeur (par exemple --config VALEUR)."),
        (["check", "--google=oui"], "l'option --google ne prend pas de valeur (écrivez-la seule)."),
        (["check", "--gogle"], "option « --gogle » inconnue. Vouliez-vous dire « --google » ?"),
        (["check", "--bogus"],
         "option « --bogus » inconnue ; options possibles : --google, --help."),
        (["chek"], "commande « chek » inconnue. Vouliez-vous dire « check » ou « schema » ?"),
        (["referentiel", "expor"], "commande « expor » inconnue. Vouliez-vous dire « export » ?"),
        (["check", "en", "trop"], "arguments en trop : en trop."),
        (["referentiel"], "indiquez une commande ; commandes possibles : export."),
    ],
)  # fmt: skip
def test_each_usage_error_in_french(args: list[str], error: str) -> None:
    lines = said(run(*args))
    assert lines[-1] == f"Erreur : {error}"
    assert lines[0].startswith("Usage : capsync")
    assert lines[1].startswith("Essayez « capsync") and lines[1].endswith(" --help » pour l'aide.")


def test_an_unknown_command_lists_the_commands() -> None:
    lines = said(run("frobnicate"))
    assert lines[-1].startswith(
        "Erreur : commande « frobnicate » inconnue ; commandes possibles : "
    )
    assert "check, daemon, demo, generate" in lines[-1]


def test_no_command_at_all() -> None:
    lines = said(run())
    assert lines[-1].startswith("Erreur : indiquez une commande ; commandes possibles : audit, ")


def test_help_and_version_are_unchanged() -> None:
    helped = run("regroupement", "--help")
    assert helped.exit_code == 0
    assert helped.output.startswith("Usage: capsync regroupement [OPTIONS]")  # English, by choice
    versioned = run("--version")
    assert versioned.exit_code == 0
    assert versioned.output == f"capsync, version {__version__}\n"


def test_ctrl_c_is_one_french_line_and_exit_code_1(monkeypatch: pytest.MonkeyPatch) -> None:
    from capsync.cli.common import CliState

    def interrupted(self: CliState) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(CliState, "campaign", interrupted)
    result = run("check")
    assert result.exit_code == 1
    assert "Aborted" not in result.output
    assert plain(result.stderr).splitlines()[-1] == (
        "Interrompu : la commande s'est arrêtée avant la fin."
    )


@pytest.mark.parametrize("how", ["module", "script"])
def test_the_installed_command_says_the_same(how: str, tmp_path: Path) -> None:
    """The console script (``capsync = capsync.cli:main``) runs ``main`` in standalone mode."""
    script = Path(sys.executable).parent / "capsync"
    if how == "script" and not script.exists():
        pytest.skip("no console script installed next to this Python")
    command = [sys.executable, "-m", "capsync"] if how == "module" else [str(script)]
    env = {**os.environ, "CAPSYNC_CONFIG": str(tmp_path)}
    done = subprocess.run(
        [*command, "regroupement", "--collective", "occitanie"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    lines = plain(done.stderr).splitlines()
    assert lines[-1] == (
        f"Erreur : « {tmp_path} », donné pour l'option --config par la variable "
        "d'environnement CAPSYNC_CONFIG, est un dossier ; indiquez un fichier."
    )
    assert "Essayez « " in lines[1] and "--help » pour l'aide." in lines[1]
    done = subprocess.run(
        [*command, "regroupement", "--collective", "occitanie"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "CAPSYNC_CONFIG"},
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert plain(done.stderr).splitlines()[-1] == (
        "Erreur : il manque l'option --chapitre, obligatoire ici."
    )


def test_an_xlsx_export_to_standard_output_is_refused_in_french() -> None:
    config = ROOT / "config" / "capsync.yaml"
    result = run("--config", str(config), "referentiel", "export", "--format", "xlsx",
                 "--output", "-")  # fmt: skip
    assert said(result) == [
        "Erreur : « --output - » (la sortie standard) ne vaut que pour csv et json ; pour "
        "xlsx, donnez un nom de fichier."
    ]

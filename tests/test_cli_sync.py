"""``capsync sync`` as an admin scripts it: exit codes, what --quiet prints, nothing created.

Run in-process with click's runner on a real campaign folder (grids generated
by capsync, typed into with openpyxl, a real SQLite store).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner, Result

from capsync.cli import main

from .filled_grids import editing, grid_path, put
from .french_output import plain
from .grid_campaign import config, write_campaign


def run(config_path: Path, *args: str) -> Result:
    result = CliRunner().invoke(main, ["--config", str(config_path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def campaign_without_meetings(folder: Path, *, regroupement: dt.date | None = None) -> Path:
    """A campaign whose calendar has no regroupement yet (nobody is late), or one on a date."""
    cfg = config()
    calendar = [p for p in cfg["collectives"][0]["calendar"] if p["kind"] != "regroupement"]
    if regroupement is not None:
        calendar.insert(2, {"kind": "regroupement", "chapter": "1", "date": str(regroupement)})
        calendar = [p for p in calendar if p["kind"] not in ("visio_lecture", "cloture")]
    cfg["collectives"][0]["calendar"] = calendar
    return write_campaign(folder, cfg=cfg).config_path


def test_sync_before_generate_says_to_generate_and_creates_nothing(tmp_path: Path) -> None:
    config_path = campaign_without_meetings(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    result = run(config_path, "sync")
    assert (result.exit_code, result.stdout) == (1, "")
    assert plain(result.stderr) == (
        f"Erreur : Le dossier de données {tmp_path / 'data'} n'existe pas : lancez d'abord "
        "« capsync generate », qui le crée avec les grilles (s'il est sur un partage réseau, "
        "vérifiez que le partage est monté). Rien n'a été écrit.\n"
    )
    assert sorted(tmp_path.rglob("*")) == before
    assert run(config_path, "demo").exit_code == 1
    assert sorted(tmp_path.rglob("*")) == before
    pulled = run(config_path, "pull")
    assert pulled.exit_code == 1
    assert "lancez d'abord « capsync generate »" in plain(pulled.stderr)
    assert sorted(tmp_path.rglob("*")) == before


def test_sync_with_an_empty_data_folder_writes_no_output(tmp_path: Path) -> None:
    config_path = campaign_without_meetings(tmp_path)
    (tmp_path / "data").mkdir()
    result = run(config_path, "sync")
    assert (result.exit_code, result.stdout) == (1, "")
    assert plain(result.stderr) == (
        f"Erreur : Aucune grille n'existe encore (local : {tmp_path / 'data'}) : lancez d'abord "
        "« capsync generate », qui crée les grilles. Rien n'a été écrit.\n"
    )
    assert [p.name for p in (tmp_path / "data").rglob("*") if p.is_file()] in (
        [],
        [".capsync.lock"],
    )


def test_an_unknown_collectif_or_structure_exits_1_with_the_known_ids(tmp_path: Path) -> None:
    config_path = campaign_without_meetings(tmp_path)
    assert run(config_path, "generate").exit_code == 0
    for args, message in [
        (("sync", "--collective", "bretagne"),
         "Erreur : Collectif « bretagne » inconnu de la configuration ; collectifs connus : "
         "test-na.\n"),
        (("pull", "--collective", "bretagne"),
         "Erreur : Collectif « bretagne » inconnu de la configuration ; collectifs connus : "
         "test-na.\n"),
        (("history", "--structure", "nope"),
         "Erreur : Structure « nope » inconnue de la configuration ; structures connues : "
         "aci-une, ai-deux.\n"),
    ]:  # fmt: skip
        result = run(config_path, *args)
        assert (result.exit_code, result.stdout, plain(result.stderr)) == (1, "", message)


def test_quiet_prints_the_summary_only_when_something_needs_a_look(tmp_path: Path) -> None:
    config_path = campaign_without_meetings(tmp_path)
    assert run(config_path, "generate").exit_code == 0
    first = run(config_path, "--quiet", "sync")
    assert (first.exit_code, first.output) == (0, "")  # nothing typed, nobody late

    grid = grid_path_for(tmp_path)
    with editing(grid) as book:
        put(book["Chapitre 1"], "1.1.1", "retenu", "beaucoup")
    flagged = run(config_path, "--quiet", "sync")
    assert flagged.exit_code == 0
    lines = plain(flagged.stdout).splitlines()
    assert lines[0].startswith("1 grille lue sur 2 ;") and "1 anomalie" in lines[0]

    again = run(config_path, "--quiet", "sync")  # the same anomaly is not news
    assert (again.exit_code, again.output) == (0, "")


def test_quiet_names_late_structures(tmp_path: Path) -> None:
    soon = dt.date.today() + dt.timedelta(days=3)
    config_path = campaign_without_meetings(tmp_path, regroupement=soon)
    assert run(config_path, "generate").exit_code == 0
    result = run(config_path, "--quiet", "sync")
    assert result.exit_code == 0
    first = plain(result.stdout).splitlines()[0]
    assert first.endswith(" ; 2 structures en retard (aci-une, ai-deux).")


def test_the_default_output_is_french_only(tmp_path: Path) -> None:
    config_path = campaign_without_meetings(tmp_path)
    assert run(config_path, "generate").exit_code == 0
    result = run(config_path, "sync")
    assert result.exit_code == 0
    assert "INFO" not in result.output and "grids read" not in result.output
    assert plain(result.output).startswith("2 grilles lues sur 2 ;")


def grid_path_for(folder: Path) -> Path:
    from capsync.backends.local import LocalBackend

    return grid_path(LocalBackend(folder / "data"), "aci-une")

"""``capsync generate``: missing grids are created, existing ones never touched."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from capsync.backends.local import LocalBackend
from capsync.campaign.validation import load_campaign
from capsync.cli import main
from capsync.jobs.generate import GridOutcome, generate
from capsync.parse.carry import read_identity
from capsync.workbook.refs import Kind, WorkbookRef
from tests.grid_campaign import referentiel_v1, write_campaign

from .french_output import plain

NOW = dt.datetime(2025, 9, 1, 10, 0, 0)


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generate_creates_missing_grids_and_a_second_run_touches_nothing(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    summary = generate(campaign, now=NOW)
    assert summary.lines() == ["2 grilles : 2 créée(s), 0 déjà présente(s)."]
    grids = tmp_path / "data" / "test-na" / "grilles"
    assert sorted(p.name for p in grids.iterdir()) == ["aci-une.xlsx", "ai-deux.xlsx"]
    backend = LocalBackend(campaign.data_dir)
    identity = read_identity(backend.read(WorkbookRef("test-na", Kind.GRID, "ai-deux")))
    assert identity is not None and identity.structure == "ai-deux"
    before = _mtimes(tmp_path / "data")
    again = generate(campaign, now=NOW)
    assert again.lines() == ["2 grilles : 0 créée(s), 2 déjà présente(s)."]
    assert again.written == 0
    upgraded = generate(campaign, upgrade=True, now=NOW)
    assert [r.status for r in upgraded.results] == [GridOutcome.UP_TO_DATE, GridOutcome.UP_TO_DATE]
    assert _mtimes(tmp_path / "data") == before


def test_a_locked_grid_is_skipped_then_done_at_the_next_run(tmp_path: Path) -> None:
    write_campaign(tmp_path)
    grids = tmp_path / "data" / "test-na" / "grilles"
    grids.mkdir(parents=True)
    lock = grids / ".~lock.ai-deux.xlsx#"
    lock.write_text("verrou LibreOffice")
    runner = CliRunner()
    args = ["--config", str(tmp_path / "capsync.yaml"), "generate"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert plain(result.output).splitlines() == [
        "2 grilles : 1 créée(s), 0 déjà présente(s), 1 non traitée(s).",
        f"  Le fichier {grids / 'ai-deux.xlsx'} est ouvert dans un tableur (Excel ou LibreOffice) "
        ": il n'a pas été modifié et sera repris au prochain passage.",
    ]
    assert sorted(p.name for p in grids.glob("*.xlsx")) == ["aci-une.xlsx"]
    lock.unlink()
    result = runner.invoke(main, args)
    assert result.exit_code == 0
    assert plain(result.output).splitlines() == ["2 grilles : 1 créée(s), 1 déjà présente(s)."]
    assert sorted(p.name for p in grids.glob("*.xlsx")) == ["aci-une.xlsx", "ai-deux.xlsx"]


def test_selection_by_collective_and_structure(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    summary = generate(campaign, collective="test-na", structure="ai-deux", now=NOW)
    assert [r.ref.name for r in summary.results] == ["ai-deux"]
    runner = CliRunner()
    result = runner.invoke(
        main, ["--config", str(tmp_path / "capsync.yaml"), "generate", "--collective", "bretagne"]
    )
    assert result.exit_code == 1
    assert "Collectif « bretagne » inconnu (collectifs : test-na)." in plain(result.output)


def test_many_grids_are_built_in_worker_processes(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    seen: list[tuple[int, int]] = []
    summary = generate(campaign, now=NOW, workers=2, progress=lambda d, t: seen.append((d, t)))
    assert summary.written == 2
    assert seen == [(0, 2), (1, 2), (2, 2)]
    assert LocalBackend(campaign.data_dir).versions("test-na", Kind.GRID).keys() == {
        WorkbookRef("test-na", Kind.GRID, "aci-une"),
        WorkbookRef("test-na", Kind.GRID, "ai-deux"),
    }


def _bump(tmp_path: Path) -> None:
    ref = referentiel_v1()
    ref["version"] = "2"
    write_campaign(tmp_path, ref)


def test_upgrade_refuses_a_grid_copied_over_another_structures_file(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    generate(campaign, now=NOW)
    grids = tmp_path / "data" / "test-na" / "grilles"
    wb = openpyxl.load_workbook(grids / "aci-une.xlsx")
    wb["Chapitre 1"]["H4"] = "3 - Maîtrisé"
    wb.save(grids / "aci-une.xlsx")
    shutil.copyfile(grids / "aci-une.xlsx", grids / "ai-deux.xlsx")
    before = (grids / "ai-deux.xlsx").read_bytes()
    _bump(tmp_path)
    summary = generate(load_campaign(tmp_path / "capsync.yaml"), upgrade=True, now=NOW)
    assert [r.status for r in summary.results] == [GridOutcome.UPGRADED, GridOutcome.FAILED]
    assert summary.lines()[-1] == (
        f"  {grids / 'ai-deux.xlsx'} : Ce fichier est la grille de la structure « aci-une » "
        "(collectif « test-na »), et non celle de « ai-deux » (collectif « test-na ») : "
        "il n'a pas été mis à jour (aucune modification), et rien n'a changé dans les réponses "
        "de « ai-deux ». Remettez la grille de « ai-deux » à sa place (les sauvegardes en "
        "gardent une copie) ; si ce fichier doit rejoindre sa structure, importez-le avec "
        "« capsync import »."
    )
    assert (grids / "ai-deux.xlsx").read_bytes() == before
    assert not list((tmp_path / "data" / "test-na" / "sauvegardes").glob("ai-deux-*"))


def test_upgrade_refuses_a_dashboard_put_in_place_of_a_grid(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    generate(campaign, now=NOW)
    path = tmp_path / "data" / "test-na" / "grilles" / "ai-deux.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["_capsync"]
    for row in ws.iter_rows():
        if row[0].value == "kind":
            row[1].value = "tableau-de-bord"
    wb.save(path)
    _bump(tmp_path)
    summary = generate(
        load_campaign(tmp_path / "capsync.yaml"), structure="ai-deux", upgrade=True, now=NOW
    )
    assert summary.results[0].status == GridOutcome.FAILED
    assert summary.results[0].message == (
        f"{path} : Ce fichier n'est pas une grille d'auto-évaluation (c'est un classeur de type "
        "« tableau-de-bord ») : il n'a pas été mis à jour (aucune modification). Remettez la "
        "grille d'origine à sa place ou importez-la avec « capsync import »."
    )


def test_upgrade_of_a_grid_without_identity_says_what_to_do(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    generate(campaign, now=NOW)
    path = tmp_path / "data" / "test-na" / "grilles" / "ai-deux.xlsx"
    wb = openpyxl.load_workbook(path)
    del wb["_capsync"]
    wb.save(path)
    _bump(tmp_path)
    summary = generate(
        load_campaign(tmp_path / "capsync.yaml"), structure="ai-deux", upgrade=True, now=NOW
    )
    assert summary.results[0].message == (
        f"La grille {path} n'a pas de feuille d'identité « _capsync » : elle n'a pas été mise "
        "à jour (aucune modification). Remettez la grille d'origine à sa place ou "
        "importez-la avec « capsync import »."
    )

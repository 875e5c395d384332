"""``capsync import``: grids that came back by e-mail, recognised by their hidden identity."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from capsync.cli import main
from capsync.workbook.identity import IDENTITY_SHEET

from .filled_grids import a1, campaign_with_grids, editing, grid_path, put
from .french_output import plain

SOPHIE = "r:sophie-marchand"


def returned_copy(path: Path, folder: Path, name: str, key: str = SOPHIE) -> Path:
    """A person's filled copy, saved under a name of their own."""
    folder.mkdir(exist_ok=True)
    copy = folder / name
    shutil.copy(path, copy)
    with editing(copy) as wb:
        put(wb["Chapitre 1"], "1.1.1", key, "3 - Maîtrisé")
    return copy


def set_identity(path: Path, key: str, value: str) -> None:
    with editing(path) as wb:
        ws = wb[IDENTITY_SHEET]
        for row in ws.iter_rows():
            if row[0].value == key:
                row[1].value = value


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "import", *args])
    return result.exit_code, plain(result.stdout), plain(result.stderr)


def test_a_returned_grid_with_any_name_is_put_in_place_and_the_old_one_kept(
    tmp_path: Path,
) -> None:
    campaign, backend = campaign_with_grids(tmp_path / "c")
    target = grid_path(backend, "aci-une")
    before = target.read_bytes()
    mail = returned_copy(target, tmp_path / "courriel", "Grille CAP RSE (2) - finale.xlsx")
    code, out, err = run(campaign.config_path, str(mail))
    assert (code, err) == (0, "")
    backups = sorted((campaign.data_dir / "test-na" / "sauvegardes").iterdir())
    assert len(backups) == 1 and backups[0].read_bytes() == before
    assert out == (
        f"Grille CAP RSE (2) - finale.xlsx → {target} (grille précédente gardée : {backups[0]}).\n"
    )
    assert target.read_bytes() == mail.read_bytes()
    ws = openpyxl.load_workbook(target)["Chapitre 1"]
    assert ws[a1(ws, "1.1.1", SOPHIE)].value == "3 - Maîtrisé"


def test_each_file_is_judged_alone_and_refusals_say_why(tmp_path: Path) -> None:
    campaign, backend = campaign_with_grids(tmp_path / "c")
    inbox = tmp_path / "courriel"
    good = returned_copy(grid_path(backend, "ai-deux"), inbox, "retour AI.xlsx", "r:1")
    other = returned_copy(grid_path(backend, "aci-une"), inbox, "autre collectif.xlsx")
    set_identity(other, "collective", "occitanie")
    unknown = returned_copy(grid_path(backend, "aci-une"), inbox, "inconnue.xlsx")
    set_identity(unknown, "structure", "structure-fantome")
    plain = inbox / "tableau.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Bonjour"
    wb.save(plain)
    not_excel = inbox / "notes.xlsx"
    not_excel.write_text("du texte")
    before = grid_path(backend, "aci-une").read_bytes()

    code, out, err = run(campaign.config_path, "--collective", "test-na", *map(str, (
        other, good, unknown, plain, not_excel)))  # fmt: skip

    assert code == 1
    assert (
        out
        == f"retour AI.xlsx → {grid_path(backend, 'ai-deux')} (grille précédente gardée : "
        + (f"{next((campaign.data_dir / 'test-na' / 'sauvegardes').iterdir())}).\n")
    )
    assert err.splitlines() == [
        "Refusé — autre collectif.xlsx : cette grille est celle d'une structure du collectif "
        "« occitanie », pas du collectif « test-na » demandé.",
        "Refusé — inconnue.xlsx : la structure « structure-fantome » (collectif « test-na ») est "
        "inconnue de la configuration.",
        "Refusé — tableau.xlsx : ce fichier n'est pas une grille capsync (il n'a pas l'onglet "
        "caché « _capsync » qui identifie la structure).",
        "Refusé — notes.xlsx : ce fichier n'est pas un classeur (.xlsx, .ods ou .xls) : il est "
        "peut-être abîmé ou d'un autre type (PDF, document texte…). Enregistrez la grille "
        "depuis le tableur au format Excel (.xlsx) ou OpenDocument (.ods).",
        "4 fichier(s) refusé(s) sur 5.",
    ]
    assert grid_path(backend, "aci-une").read_bytes() == before


def test_importing_the_file_already_in_place_changes_nothing(tmp_path: Path) -> None:
    campaign, backend = campaign_with_grids(tmp_path / "c")
    target = grid_path(backend, "aci-une")
    code, out, _ = run(campaign.config_path, str(target))
    assert (code, out) == (0, f"aci-une.xlsx : déjà en place ({target}).\n")
    assert not (campaign.data_dir / "test-na" / "sauvegardes").exists()


def test_a_grid_in_place_that_is_open_is_not_replaced(tmp_path: Path) -> None:
    campaign, backend = campaign_with_grids(tmp_path / "c")
    target = grid_path(backend, "aci-une")
    mail = returned_copy(target, tmp_path / "courriel", "retour.xlsx")
    target.with_name(f"~${target.name}").write_text("verrou Excel")
    code, _, err = run(campaign.config_path, str(mail))
    assert code == 1
    assert err.splitlines()[0] == (
        f"Refusé — retour.xlsx : la grille en place {target} est ouverte dans un tableur : "
        "fermez-la, puis relancez l'import."
    )
    assert not (campaign.data_dir / "test-na" / "sauvegardes").exists()


def test_another_kind_of_capsync_workbook_is_refused_by_its_kind(tmp_path: Path) -> None:
    campaign, backend = campaign_with_grids(tmp_path / "c")
    dashboard = returned_copy(grid_path(backend, "aci-une"), tmp_path / "courriel", "tdb.xlsx")
    set_identity(dashboard, "kind", "tableau-de-bord")
    code, out, err = run(campaign.config_path, str(dashboard))
    assert code == 1 and out == ""
    assert "est un classeur capsync de type « tableau-de-bord », pas une grille" in err


def test_a_grid_laid_out_by_a_newer_capsync_is_refused_and_nothing_moves(tmp_path: Path) -> None:
    """Its columns may mean what this capsync does not know: it was put in place without
    a word, and read with this version's idea of its columns."""
    campaign, backend = campaign_with_grids(tmp_path / "c")
    grid = grid_path(backend, "aci-une")
    before = grid.read_bytes()
    newer = returned_copy(grid, tmp_path / "courriel", "aci-une 2030.xlsx")
    set_identity(newer, "layout_version", "99")
    code, out, err = run(campaign.config_path, str(newer))
    assert (code, out) == (1, "")
    assert "fait par une version plus récente de capsync (mise en page 99" in err
    assert "mettez capsync à jour, puis importez-le" in err
    assert grid.read_bytes() == before


def test_a_file_that_does_not_exist_is_refused_as_missing(tmp_path: Path) -> None:
    campaign, _ = campaign_with_grids(tmp_path / "c")
    absent = tmp_path / "nonexist.xlsx"
    code, out, err = run(campaign.config_path, str(absent))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "Refusé — nonexist.xlsx : fichier introuvable.",
        "1 fichier(s) refusé(s) sur 1.",
    ]


def test_a_returned_grid_filled_far_away_says_which_cell_to_clear(tmp_path: Path) -> None:
    campaign, backend = campaign_with_grids(tmp_path / "c")
    target = grid_path(backend, "aci-une")
    before = target.read_bytes()
    copy = returned_copy(target, tmp_path / "courriel", "grille finale.xlsx")
    with editing(copy) as wb:
        wb["Chapitre 1"]["XFD1048576"] = "oups"  # Ctrl+End typed over, by mistake
    code, out, err = run(campaign.config_path, str(copy))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "Refusé — grille finale.xlsx : l'onglet « Chapitre 1 » contient une cellule remplie "
        "très loin (XFD1048576) ; effacez-la (Ctrl+Fin montre la dernière cellule) puis "
        "enregistrez.",
        "1 fichier(s) refusé(s) sur 1.",
    ]
    assert target.read_bytes() == before

"""Personal files rebuilt like grids: after a référentiel change, and when they come back as .ods.

Real personal files written by ``capsync generate --individuel``, filled with
openpyxl as a respondent fills them, converted to .ods by LibreOffice, then
upgraded or imported: the respondent's levels and comments follow their
criterion IDs, and everything else typed is kept in « Archives ».
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from capsync.backends.local import LocalBackend
from capsync.backends.xlsx_read import read_workbook
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.validation import Campaign
from capsync.jobs.generate import GridOutcome, generate
from capsync.jobs.import_grids import import_grid
from capsync.parse.carry import read_identity
from capsync.parse.personal import parse_personal
from capsync.store.database import Store
from capsync.workbook.grid_schema import ARCHIVE_SHEET
from capsync.workbook.refs import Kind, WorkbookRef

from .filled_grids import a1, campaign_with_grids, editing, put
from .test_personal_files import _convert, levels
from .test_upgrade import referentiel_v2

T1 = dt.datetime(2026, 3, 1, 10, 0)
T2 = dt.datetime(2026, 3, 8, 10, 0)
SOPHIE, KARIM = "r:sophie-marchand", "r:karim-benali"
SOPHIE_FILE = WorkbookRef("test-na", Kind.PERSONAL, "aci-une/sophie-marchand")
KARIM_FILE = WorkbookRef("test-na", Kind.PERSONAL, "aci-une/karim-benali")


def cell(path: Path, sheet: str, criterion: str, key: str) -> Any:
    ws = openpyxl.load_workbook(path)[sheet]
    return ws[a1(ws, criterion, key)].value


def archived(path: Path) -> list[tuple[Any, ...]]:
    """(sheet, cell, criterion, value) of each row of the file's « Archives »."""
    ws = openpyxl.load_workbook(path)[ARCHIVE_SHEET]
    return [(r[0], r[1], r[2], r[4]) for r in ws.iter_rows(min_row=4, values_only=True)]


def with_v2(campaign: Campaign) -> Campaign:
    """The same campaign on référentiel v2 (1.1.2 removed, 1.1.4 added, 2.1.2 moved to
    chapter 1, 2.1.1 for AI only): built directly, as the YAML checks refuse the move."""
    v2 = Referentiel.model_validate(referentiel_v2())
    return dataclasses.replace(campaign, referentiel=v2, referentiels={v2.id: v2})


def test_upgrade_rebuilds_personal_files_carrying_answers_by_criterion(tmp_path: Path) -> None:
    campaign, backend = campaign_with_grids(tmp_path / "c")
    generate(campaign, backend, personal=True, workers=1, now=T1)
    mine = backend.path(SOPHIE_FILE)
    with editing(mine) as wb:
        put(wb["Chapitre 1"], "1.1.1", SOPHIE, "3 - Maîtrisé")
        put(wb["Chapitre 1"], "1.1.1", f"{SOPHIE}:commentaire", "Voir le PV du CA")
        put(wb["Chapitre 1"], "1.1.2", SOPHIE, 2)  # a criterion v2 removes
        put(wb["Chapitre 2"], "2.1.2", SOPHIE, "1 - Émergent")  # moves to chapter 1
        put(wb["Chapitre 2"], "2.1.1", SOPHIE, "4")  # AI only in v2: aci-une is an ACI
        wb["Chapitre 1"]["H4"] = "à revoir avec Karim"  # typed beside her columns
    v2 = with_v2(campaign)

    summary = generate(v2, backend, upgrade=True, workers=1, now=T2)

    statuses = {r.ref.name: r.status for r in summary.personal}
    assert statuses["aci-une/sophie-marchand"] == GridOutcome.UPGRADED
    assert set(statuses.values()) == {GridOutcome.UPGRADED}  # every personal file, filled or not
    identity = read_identity(read_workbook(mine))
    assert identity is not None and identity.referentiel_version == "2"
    assert cell(mine, "Chapitre 1", "1.1.1", SOPHIE) == "3 - Maîtrisé"
    assert cell(mine, "Chapitre 1", "1.1.1", f"{SOPHIE}:commentaire") == "Voir le PV du CA"
    assert cell(mine, "Chapitre 1", "2.1.2", SOPHIE) == "1 - Émergent"  # followed its ID
    kept = archived(mine)
    assert ("Chapitre 1", "D5", "1.1.2", 2) in kept  # removed criterion: archived, as typed
    assert ("Chapitre 2", "D4", "2.1.1", "4") in kept  # no longer applies to this type
    assert any(value == "à revoir avec Karim" for *_, value in kept)  # an added column
    sophie = next(r for r in summary.personal if r.ref == SOPHIE_FILE)
    assert sophie.report is not None and Path(sophie.report.backup).is_file()
    lines = summary.lines()
    assert "Fichiers personnels : 0 créé(s), 11 mis à jour, 0 déjà à jour." in lines
    moved = "  aci-une/sophie-marchand : 3 réponses déplacées"
    assert any(line.startswith(moved) for line in lines)
    # the rebuilt file is read as hers, and a second upgrade touches nothing
    aci = v2.config.collective("test-na").structure("aci-une")
    parsed = parse_personal(read_workbook(mine), v2.referentiel, "test-na", aci, str(mine))
    assert sorted((a.criterion, a.level) for a in parsed.answers) == [("1.1.1", 3), ("2.1.2", 1)]
    before = mine.stat().st_mtime_ns
    again = generate(v2, backend, upgrade=True, workers=1, now=T2)
    assert {r.status for r in again.personal} == {GridOutcome.UP_TO_DATE}
    assert mine.stat().st_mtime_ns == before


def test_upgrade_without_individuel_creates_no_personal_file(tmp_path: Path) -> None:
    campaign, backend = campaign_with_grids(tmp_path / "c")
    summary = generate(with_v2(campaign), backend, upgrade=True, workers=1, now=T2)
    assert summary.personal == []
    assert not backend.path(SOPHIE_FILE).parent.exists()


def test_a_personal_file_of_another_structure_in_place_is_not_upgraded(tmp_path: Path) -> None:
    campaign, backend = campaign_with_grids(tmp_path / "c")
    generate(campaign, backend, personal=True, workers=1, now=T1)
    other = backend.path(WorkbookRef("test-na", Kind.GRID, "ai-deux"))
    shutil.copy(other, backend.path(SOPHIE_FILE))  # a grid saved over her file
    content = backend.path(SOPHIE_FILE).read_bytes()
    summary = generate(with_v2(campaign), backend, upgrade=True, workers=1, now=T2)
    sophie = next(r for r in summary.personal if r.ref == SOPHIE_FILE)
    assert sophie.status == GridOutcome.FAILED
    assert "n'est pas le fichier personnel de Sophie Marchand" in sophie.message
    assert backend.path(SOPHIE_FILE).read_bytes() == content


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_returned_ods_personal_file_goes_back_in_place_as_xlsx(tmp_path: Path) -> None:
    campaign, backend = campaign_with_grids(tmp_path / "c")
    generate(campaign, backend, personal=True, workers=1, now=T1)
    place = backend.path(KARIM_FILE)
    filled = tmp_path / "w" / "karim-benali.xlsx"
    filled.parent.mkdir()
    shutil.copy(place, filled)
    with editing(filled) as wb:
        put(wb["Chapitre 2"], "2.1.1", KARIM, "2 - Structuré")
        put(wb["Chapitre 2"], "2.1.1", f"{KARIM}:commentaire", "Accueil à formaliser")
        wb["Chapitre 2"]["H4"] = "question pour la déléguée"  # outside his columns
    returned = tmp_path / "courriel" / "grille de Karim.ods"
    returned.parent.mkdir()
    shutil.copy(_convert("soffice", filled, "ods", tmp_path / "out"), returned)

    with Store.open(campaign.data_dir) as store:
        done = import_grid(returned, campaign, backend, store, now=T2)
        got = levels(store)

    assert done.location == str(place) and place.suffix == ".xlsx"
    assert got == {("2.1.1", KARIM): 2.0}
    assert done.backup is not None and Path(done.backup).is_file()
    # the file in place is a real .xlsx holding what came back, as typed
    assert openpyxl.load_workbook(place)["Chapitre 2"]
    assert cell(place, "Chapitre 2", "2.1.1", KARIM) == "2 - Structuré"
    assert cell(place, "Chapitre 2", "2.1.1", f"{KARIM}:commentaire") == "Accueil à formaliser"
    assert any(value == "question pour la déléguée" for *_, value in archived(place))
    identity = read_identity(read_workbook(place))
    assert identity is not None and identity.respondents == (KARIM,)
    # importing it again changes nothing in the store (the same answers)
    with Store.open(campaign.data_dir) as store:
        import_grid(returned, campaign, backend, store, now=T2 + dt.timedelta(days=1))
        assert levels(store) == {("2.1.1", KARIM): 2.0}


def test_personal_backend_listing_sees_the_rebuilt_file(tmp_path: Path) -> None:
    """The rebuilt file is where the pull looks for personal files (one listing)."""
    campaign, backend = campaign_with_grids(tmp_path / "c")
    generate(campaign, backend, personal=True, workers=1, now=T1)
    generate(with_v2(campaign), backend, upgrade=True, workers=1, now=T2)
    assert SOPHIE_FILE in LocalBackend(campaign.data_dir).versions("test-na", Kind.PERSONAL)


def test_a_second_upgrade_keeps_the_archives_and_skips_an_open_file(tmp_path: Path) -> None:
    campaign, backend = campaign_with_grids(tmp_path / "c")
    generate(campaign, backend, personal=True, workers=1, now=T1)
    mine = backend.path(SOPHIE_FILE)
    with editing(mine) as wb:
        put(wb["Chapitre 1"], "1.1.2", SOPHIE, "Ne sait pas")  # removed in v2
    v2 = with_v2(campaign)
    generate(v2, backend, upgrade=True, workers=1, now=T2)
    assert ("Chapitre 1", "D5", "1.1.2", "Ne sait pas") in archived(mine)
    v3 = dataclasses.replace(v2, referentiel=v2.referentiel.model_copy(update={"version": "3"}))
    v3 = dataclasses.replace(v3, referentiels={v3.referentiel.id: v3.referentiel})
    karim = backend.path(KARIM_FILE)
    lock = karim.with_name(f".~lock.{karim.name}#")
    lock.write_text("Karim")
    summary = generate(v3, backend, upgrade=True, workers=1, now=T2 + dt.timedelta(days=1))
    statuses = {r.ref: r.status for r in summary.personal}
    assert statuses[SOPHIE_FILE] == GridOutcome.UPGRADED
    assert statuses[KARIM_FILE] == GridOutcome.LOCKED
    assert ("Chapitre 1", "D5", "1.1.2", "Ne sait pas") in archived(mine)  # kept, once
    assert len(archived(mine)) == 1
    identity = read_identity(read_workbook(karim))
    assert identity is not None and identity.referentiel_version == "2"  # left as it was

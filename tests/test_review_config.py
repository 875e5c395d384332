"""Tiers and pairs as two named reviewers, per chapter: configuration, grid columns, upgrade."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from capsync.backends.local import LocalBackend
from capsync.campaign.validation import load_campaign
from capsync.jobs.generate import generate
from capsync.layout.grid import grid_spec
from capsync.parse.locate import locate_chapter_sheet
from capsync.workbook.grid_schema import FIRST_DATA_ROW, HEADER_ROW, KEY_ROW
from capsync.workbook.refs import Kind, WorkbookRef
from capsync.workbook.spec import Style
from tests.example_campaign import REPO
from tests.grid_campaign import config, write_campaign
from tests.test_check import check, edit, files, problems

__all__ = ["files"]  # the fixture, shared with test_check

TRAIT = "        pairs:\n          - {chapter: 1, name: Bruno Lafitte"


def test_a_pair_from_the_reviewed_structure_is_refused(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    line = edit(
        cfg,
        "- {chapter: 2, name: Céline Guérin, email: agence@interim-solidaire86.example, "
        "structure: interim-solidaire-poitiers}",
        "- {chapter: 2, name: Karim Benali, structure: interim-solidaire-poitiers}",
    )
    assert problems(check(cfg)) == [
        f"{cfg}:{line} [collectives[0].structures[0].pairs[1]] : « Karim Benali » fait partie de "
        "la structure évaluée : un pair vient d'une autre structure adhérente ; choisissez une "
        "personne d'une autre structure."
    ]


def test_a_pair_for_a_chapter_the_referentiel_does_not_have(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    line = edit(cfg, "- {chapter: 5, name: Pascale", "- {chapter: 6, name: Pascale")
    assert problems(check(cfg)) == [
        f"{cfg}:{line} [collectives[0].structures[0].pairs[4].chapter] : le chapitre « 6 » "
        "n'existe pas dans le référentiel (chapitres : 1, 2, 3, 4, 5)."
    ]


def test_a_pair_nobody_in_the_campaign_knows(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    line = edit(
        cfg,
        "- {chapter: 3, name: Thierry Lasserre, email: rh@batir-ensemble-pau.example",
        "- {chapter: 3, name: Thierry Inconnu, email: t.inconnu@ailleurs.example",
    )
    assert problems(check(cfg)) == [
        f"{cfg}:{line} [collectives[0].structures[0].pairs[2]] : « Thierry Inconnu » n'est ni "
        "répondant·e ni contact de la structure « batir-ensemble-pau » : ajoutez cette personne "
        "à ses respondents (ou son e-mail à ses contacts), ou corrigez le nom du pair."
    ]


def test_two_pairs_for_one_chapter(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    line = edit(cfg, "- {chapter: 2, name: Céline", "- {chapter: 1, name: Céline")
    assert problems(check(cfg)) == [
        f"{cfg}:{line} [collectives[0].structures[0].pairs[1].chapter] : deux pairs pour le "
        "chapitre « 1 » de cette structure ; un seul pair par chapitre (supprimez l'une des deux "
        "entrées)."
    ]


def test_each_chapter_has_its_own_pair_and_the_collectif_its_tiers() -> None:
    campaign = load_campaign(REPO / "config" / "capsync.yaml")
    coll = campaign.config.collectives[0]
    trait = coll.structure("trait-d-union-17")
    spec = grid_spec(campaign.referentiel, coll, trait, campaign.config.settings)
    headers = {}
    for chapter in ("1", "2"):
        sheet = spec.sheet(f"Chapitre {chapter}")
        keys = sheet.rows[KEY_ROW]
        headers[chapter] = {k: sheet.rows[HEADER_ROW][keys.index(k)] for k in keys}
        # the review columns look different from the respondents'
        assert sheet.style_at(FIRST_DATA_ROW, keys.index("niveau_pair")) == Style.REVIEW
        assert sheet.style_at(FIRST_DATA_ROW, keys.index("r:sophie-marchand")) == Style.INPUT
    assert headers["1"]["niveau_tiers"] == "Niveau tiers\nLaurent Bessière"
    assert headers["1"]["niveau_pair"] == "Niveau pair\nBruno Lafitte (La Recyclerie de Gironde)"
    assert headers["2"]["niveau_pair"] == "Niveau pair\nCéline Guérin (Intérim Solidaire Poitiers)"
    assert headers["1"]["commentaire_pair"] == (
        "Commentaire pair\nrevue avant le regroupement du 11/06/2025"
    )
    # the legacy « pair: » reviews every chapter
    tremplin = campaign.config.collectives[1].structure("tremplin-interim-toulouse")
    assert {tremplin.pair_for(c.id).name for c in campaign.referentiel.chapters} == {  # type: ignore[union-attr]
        "Marie Sabatier"
    }


def test_an_old_tiers_pair_column_is_carried_into_the_tiers_columns(tmp_path: Path) -> None:
    """A grid of layout 1, filled with « Niveau tiers / pair »: nothing typed is lost."""
    campaign = write_campaign(tmp_path)
    generate(campaign, now=dt.datetime(2025, 9, 1, 9, 0))
    backend = LocalBackend(campaign.data_dir)
    ref = WorkbookRef("test-na", Kind.GRID, "aci-une")
    path = backend.path(ref)
    book = openpyxl.load_workbook(path)
    sheet = book["Chapitre 1"]
    # turn it into a layout-1 grid: one shared review column pair, layout version 1
    keys = [c.value for c in sheet[KEY_ROW + 1]]
    tiers, comment = keys.index("niveau_tiers") + 1, keys.index("commentaire_tiers") + 1
    sheet.cell(KEY_ROW + 1, tiers).value = "niveau_revue"
    sheet.cell(KEY_ROW + 1, comment).value = "commentaire_revue"
    sheet.cell(HEADER_ROW + 1, tiers).value = "Niveau tiers / pair"
    sheet.cell(FIRST_DATA_ROW + 1, tiers).value = "1 - Émergent"
    sheet.cell(FIRST_DATA_ROW + 1, comment).value = "Preuves à compléter"
    identity = book["_capsync"]
    for row in identity.iter_rows():
        if row[0].value == "layout_version":
            row[1].value = "1"
    book.save(path)

    generate(campaign, upgrade=True, now=dt.datetime(2025, 9, 2, 9, 0))
    raw = backend.read(ref)
    located = locate_chapter_sheet("Chapitre 1", raw["Chapitre 1"])
    assert located is not None
    row = raw["Chapitre 1"][located.rows["1.1.1"]]
    assert row[located.columns["niveau_tiers"]] == "1 - Émergent"
    assert row[located.columns["commentaire_tiers"]] == "Preuves à compléter"
    assert "niveau_revue" not in located.columns
    assert "Archives" not in raw  # placed, not archived


def test_respondents_shown_by_role_and_number_when_the_collectif_asks(tmp_path: Path) -> None:
    cfg = config(
        [
            {"name": "Sophie Marchand", "role": "direction"},
            {"name": "Samuel Diallo", "role": "salarie_parcours"},
            {"name": "Nadia Ferreira", "role": "salarie_parcours"},
        ]
    )
    cfg["collectives"][0]["respondents_by_role"] = True
    campaign = write_campaign(tmp_path, cfg=cfg)
    coll = campaign.config.collectives[0]
    sheet = grid_spec(campaign.referentiel, coll, coll.structure("aci-une")).sheet("Chapitre 1")
    assert sheet.rows[HEADER_ROW][4:7] == [
        "Direction 1",
        "Salarié·e en parcours 1",
        "Salarié·e en parcours 2",
    ]
    assert not any("Diallo" in str(v) for v in sheet.rows[HEADER_ROW])

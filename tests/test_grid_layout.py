"""The grid layout: what a structure sees in its workbook, asserted on the spec."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from capsync.campaign.validation import load_campaign
from capsync.french import NBSP, NNBSP
from capsync.layout.grid import grid_spec
from capsync.workbook.grid_schema import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    KEY_ROW,
    LAYOUT_VERSION,
    PLAN_ROWS,
    PLAN_STATUSES,
    TITLE_ROW,
    Carried,
)
from capsync.workbook.identity import identity_from_rows, identity_rows
from capsync.workbook.spec import CellRange, DateValidation, Formula, ListValidation, Style
from tests.grid_campaign import config, write_campaign

CHOICES = (
    "0 - Non engagé",
    "1 - Émergent",
    "2 - Structuré",
    "3 - Maîtrisé",
    "4 - Exemplaire",
    "Non applicable",
    "Ne sait pas",
)


def _spec(tmp_path: Path, structure_id: str = "aci-une", carried: Carried | None = None):
    campaign = write_campaign(tmp_path)
    coll = campaign.config.collectives[0]
    return grid_spec(
        campaign.referentiel, coll, coll.structure(structure_id), campaign.config.settings, carried
    )


def test_sheets_and_identity(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    assert [s.name for s in spec.sheets] == [
        "Mode d'emploi",
        "Chapitre 1",
        "Chapitre 2",
        "Plan de progrès",
        "Niveaux par critère",
        "_calculs Chapitre 1",  # the formulas, on hidden sheets a pull never reads
        "_calculs Chapitre 2",
        "_calculs Plan de progrès",
    ]
    assert [s.name for s in spec.sheets if s.hidden] == [s.name for s in spec.sheets[5:]]
    identity = identity_from_rows(identity_rows(spec.metadata))
    assert identity is not None
    assert (identity.kind, identity.collective, identity.structure) == (
        "grille",
        "test-na",
        "aci-une",
    )
    assert (identity.referentiel_id, identity.referentiel_version) == ("cap-rse-test", "1")
    assert identity.layout_version == LAYOUT_VERSION
    assert identity.respondents == ("r:sophie-marchand", "r:karim-benali", "r:elodie-roux")


def test_two_respondents_with_the_same_name_get_a_column_each(tmp_path: Path) -> None:
    twins = [
        {"name": "Marie Martin", "role": "direction"},
        {"name": "Marie Martin", "role": "salarie_parcours"},
        {"name": "Marie Martin", "role": "permanent"},
    ]
    campaign = write_campaign(tmp_path, cfg=config(twins))
    coll = campaign.config.collectives[0]
    spec = grid_spec(campaign.referentiel, coll, coll.structure("aci-une"))
    sheet = spec.sheet("Chapitre 1")
    assert sheet.rows[KEY_ROW][4:7] == [
        "r:marie-martin",
        "r:marie-martin-bis",
        "r:marie-martin-bis-bis",
    ]
    assert sheet.rows[HEADER_ROW][4:7] == [
        "Marie Martin (Direction)",
        "Marie Martin (Salarié·e en parcours)",
        "Marie Martin (Salarié·e permanent·e)",
    ]
    identity = identity_from_rows(identity_rows(spec.metadata))
    assert identity is not None
    assert identity.respondents == tuple(sheet.rows[KEY_ROW][4:7])


def test_an_identity_sheet_edited_by_hand_is_still_read() -> None:
    """Someone typed in the hidden sheet: blank rows, a number as a key and an unreadable
    layout version do not stop capsync from recognising the grid."""
    rows = [
        ["clé", "valeur"],
        [],
        [3, "trois"],
        ["kind", "grille"],
        ["collective", "test-na"],
        ["structure", "aci-une"],
        ["layout_version", "deux"],
        ["respondents", "r:1||r:2"],
    ]
    identity = identity_from_rows(rows)
    assert identity is not None
    assert (identity.kind, identity.collective, identity.structure) == (
        "grille",
        "test-na",
        "aci-une",
    )
    assert identity.layout_version == 0  # unknown: an upgrade rebuilds it
    assert identity.respondents == ("r:1", "r:2")
    assert identity_from_rows([["clé", "valeur"], ["kind", "grille"]]) is None  # not ours


def test_chapter_sheet_rows_keys_and_headers(tmp_path: Path) -> None:
    sheet = _spec(tmp_path).sheet("Chapitre 1")
    assert sheet.rows[TITLE_ROW] == ["Chapitre 1 — Gouvernance"]
    assert sheet.rows[KEY_ROW] == [
        "id", "objectif", "critere", "question",
        "r:sophie-marchand", "r:karim-benali", "r:elodie-roux",
        "nb_reponses", "mediane", "ecart", "a_discuter",
        "retenu", "justification", "niveau_tiers", "commentaire_tiers",
        "niveau_pair", "commentaire_pair",
    ]  # fmt: skip
    assert sheet.rows[HEADER_ROW] == [
        "ID", "Objectif", "Critère", "Question",
        "Sophie Marchand (Direction)", "Karim Benali (Salarié·e permanent·e)",
        "Élodie Roux (Administrateur·rice)",
        "Réponses", "Médiane", "Écart", f"À discuter{NNBSP}?",
        "Niveau retenu", "Justification / preuves",
        "Niveau tiers\ntiers à désigner",
        "Commentaire tiers\nrevue avant le regroupement du 11/06/2025",
        "Niveau pair\npair à désigner",
        "Commentaire pair\nrevue avant le regroupement du 11/06/2025",
    ]  # fmt: skip
    assert KEY_ROW in sheet.hidden_rows
    # 1.1.3 applies to AI and ETTI only: an ACI does not see it.
    assert [row[0] for row in sheet.rows[FIRST_DATA_ROW:]] == ["1.1.1", "1.1.2", "1.2.1"]
    first = sheet.rows[FIRST_DATA_ROW]
    assert first[1:4] == [
        "1.1 — Projet associatif",
        "Projet formalisé",
        f"Question du critère 1.1.1{NNBSP}?",  # the référentiel as displayed
    ]
    # the level descriptions are a note on the question, not a 15-line-high column
    note = sheet.notes[(FIRST_DATA_ROW, 3)]
    assert (
        note.splitlines()[0]
        == f"0 - Non engagé{NBSP}: Description du niveau 0 pour ce critère. (1.1.1)"
    )
    assert len(note.splitlines()) == 5
    assert first[4:7] == [None] * 3
    assert all(isinstance(v, Formula) for v in first[7:11])  # computed by the spreadsheet
    assert first[11:] == [None] * 6


def test_ai_grid_has_the_ai_criterion_and_anonymous_respondents(tmp_path: Path) -> None:
    sheet = _spec(tmp_path, "ai-deux").sheet("Chapitre 1")
    assert [row[0] for row in sheet.rows[FIRST_DATA_ROW:]] == ["1.1.1", "1.1.2", "1.1.3", "1.2.1"]
    assert sheet.rows[HEADER_ROW][4:12] == [f"Répondant·e {i}" for i in range(1, 9)]
    assert sheet.rows[KEY_ROW][4:12] == [f"r:{i}" for i in range(1, 9)]
    # the structure may write a person's name over « Répondant·e N »
    assert sheet.style_at(HEADER_ROW, 4) == Style.INPUT
    assert sheet.style_at(HEADER_ROW, 0) == Style.HEADER


def test_level_drop_downs_styles_and_protection(tmp_path: Path) -> None:
    sheet = _spec(tmp_path).sheet("Chapitre 1")
    last = FIRST_DATA_ROW + 2
    lists = [v for v in sheet.validations if isinstance(v, ListValidation)]
    # respondents, « Niveau retenu », « Niveau tiers », « Niveau pair »
    assert [v.target for v in lists] == [
        CellRange(FIRST_DATA_ROW, 4, last, 6),
        CellRange(FIRST_DATA_ROW, 11, last, 11),
        CellRange(FIRST_DATA_ROW, 13, last, 13),
        CellRange(FIRST_DATA_ROW, 15, last, 15),
    ]
    # a typed « 3 » is accepted with no warning: the parser reports what it cannot read
    assert all(v.choices == CHOICES and not v.strict and not v.alert for v in lists)
    assert sheet.protected
    assert sheet.style_at(FIRST_DATA_ROW, 0) == Style.LOCKED  # the ID cannot be edited
    assert {sheet.style_at(FIRST_DATA_ROW, c) for c in (4, 5, 6, 11, 12)} == {Style.INPUT}
    assert {sheet.style_at(FIRST_DATA_ROW, c) for c in range(7, 11)} == {Style.COMPUTED}
    assert {sheet.style_at(FIRST_DATA_ROW, c) for c in range(13, 17)} == {Style.REVIEW}
    # the ID and the criterion stay on screen
    assert (sheet.freeze_rows, sheet.freeze_cols) == (FIRST_DATA_ROW, 3)
    assert sheet.landscape and sheet.fit_width and sheet.header_rows == FIRST_DATA_ROW


def test_plan_sheet(tmp_path: Path) -> None:
    sheet = _spec(tmp_path).sheet("Plan de progrès")
    assert sheet.rows[HEADER_ROW] == [
        "Critère", "Niveau actuel", "Niveau visé", "Action", "Responsable", "Échéance",
        "Statut", "Commentaire", "Origine",
    ]  # fmt: skip
    assert len(sheet.rows) == FIRST_DATA_ROW + PLAN_ROWS
    last = FIRST_DATA_ROW + PLAN_ROWS - 1
    criteria, target, deadline, status, origin = sheet.validations
    assert isinstance(criteria, ListValidation) and isinstance(status, ListValidation)
    assert criteria.choices[:2] == ("1.1.1 — Projet formalisé", "1.1.2 — Projet partagé")
    assert len(criteria.choices) == 5
    assert status.choices == PLAN_STATUSES
    assert isinstance(target, ListValidation) and target.choices[0] == "0 - Non engagé"
    assert "Non applicable" not in target.choices  # a target is a level to reach
    assert isinstance(origin, ListValidation)
    assert origin.choices == ("chemin vers le label", "revue tiers/pair", "structure")
    assert isinstance(deadline, DateValidation)
    assert deadline.target == CellRange(FIRST_DATA_ROW, 5, last, 5)
    assert sheet.style_at(FIRST_DATA_ROW, 5) == Style.INPUT_DATE
    assert sheet.style_at(last, 3) == Style.INPUT
    # the current level is the sheet's own: computed, never typed
    assert sheet.style_at(FIRST_DATA_ROW, 1) == Style.COMPUTED
    shown = sheet.rows[FIRST_DATA_ROW][1]  # the result of the formula on its hidden twin
    assert shown == Formula("='_calculs Plan de progrès'!B4")
    formula = _spec(tmp_path).sheet("_calculs Plan de progrès").rows[FIRST_DATA_ROW][1]
    assert isinstance(formula, Formula) and "'Chapitre 1'!" in formula.text


def test_guide_explains_levels_calendar_and_help(tmp_path: Path) -> None:
    guide = _spec(tmp_path).sheet("Mode d'emploi")
    lines = {row[0]: row[1] if len(row) > 1 else None for row in guide.rows if row}
    assert lines["Structure"] == "ACI Une (Atelier et chantier d'insertion)"
    assert lines["3 - Maîtrisé"] == (
        "La démarche est appliquée, évaluée et améliorée régulièrement."
    )
    assert lines["Chapitre 1 — Gouvernance"] == (
        f"Visio lecture{NBSP}: 08/04/2025 à 15h30\nRegroupement{NBSP}: 11/06/2025"
    )  # capsync's own texts in French spacing
    assert lines["Chapitre 2 — Parcours"] == (
        f"Visio lecture{NBSP}: 01/07/2025 (à confirmer)\nRegroupement{NBSP}: date à venir"
    )
    assert lines["Clôture, évaluation finale et labellisation"] == "01/07/2026 (à confirmer)"
    assert lines["Xavier Delmas (Animateur·rice)"] == "xavier@example.org"
    assert lines["Contact"] == "Délégation COORACE de test"
    assert "Niveau retenu" in lines["Le groupe"]


def test_carried_values_land_in_their_cells(tmp_path: Path) -> None:
    carried = Carried(
        answers={("1.2.1", "r:karim-benali"): 3.0, ("2.1.2", "justification"): "=voir CR"},
        plan_rows=[["1.1.1", "Réécrire le projet", "CA", dt.date(2026, 6, 30), "en cours", None]]
        * (PLAN_ROWS + 2),
        archive_rows=[["Chapitre 9", "F4", "9.9.9", "ancien", 2.0, dt.date(2025, 1, 2)]],
    )
    spec = _spec(tmp_path, carried=carried)
    assert spec.sheet("Chapitre 1").rows[FIRST_DATA_ROW + 2][5] == 3.0
    assert spec.sheet("Chapitre 2").rows[FIRST_DATA_ROW + 1][12] == "=voir CR"
    plan = spec.sheet("Plan de progrès")
    assert len(plan.rows) == FIRST_DATA_ROW + PLAN_ROWS + 2  # the sheet grows
    archives = spec.sheet("Archives")
    assert archives.rows[HEADER_ROW] == [
        "Feuille d'origine", "Cellule d'origine", "ID critère", "Intitulé / colonne", "Valeur",
        "Archivé le",
    ]  # fmt: skip
    assert archives.rows[FIRST_DATA_ROW][2] == "9.9.9"


def test_example_campaign_builds_every_grid() -> None:
    root = Path(__file__).resolve().parents[1]
    campaign = load_campaign(root / "config" / "capsync.yaml")
    for coll in campaign.config.collectives:
        for structure in coll.structures:
            spec = grid_spec(campaign.referentiel, coll, structure, campaign.config.settings)
            applicable = campaign.referentiel.criteria_for(structure.all_types)
            ids = [
                row[0]
                for sheet in spec.sheets
                if sheet.name.startswith("Chapitre")
                for row in sheet.rows[FIRST_DATA_ROW:]
            ]
            assert ids == [c.id for c in applicable]
            assert all(len(s.name) <= 31 for s in spec.sheets)

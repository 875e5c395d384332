"""A structure's restitution: its content (hand-worked) and the workbook that shows it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from capsync.campaign.validation import load_campaign
from capsync.layout.restitution import build_restitution, restitution_spec
from capsync.layout.restitution_before import Before
from capsync.layout.tables import FIRST_ROW
from capsync.render.xlsx import render_xlsx
from capsync.scoring import scores as scoring
from capsync.workbook.spec import ChartKind, Formula
from tests import layout_campaign as lc

ROOT = Path(__file__).resolve().parents[1]


def _data(structure: str = "alpha"):
    return build_restitution(
        lc.collective(),
        lc.referentiel(),
        structure,
        lc.scores(),
        today=lc.TODAY,
        actions=lc.actions(),
        answers=lc.answers(),
        texts=lc.texts(),
    )


def test_scores_next_to_the_collective_mean():
    data = _data()
    assert [(c.chapter, c.title) for c in data.chapters] == [
        ("1", "Gouvernance"),
        ("2", "Parcours"),
    ]
    assert [c.score for c in data.chapters] == pytest.approx([8 / 3, 1.0])
    # The collectif's means are rounded to the one decimal people read ((8/3 + 1.5 + 3) / 3
    # = 2.39 → 2.4), so another structure's small change does not rewrite this restitution.
    assert [c.collective_mean for c in data.chapters] == [2.4, 2.0]
    assert data.overall == pytest.approx(11 / 6)
    assert data.collective_overall == 2.1  # (11/6 + 1.5 + 3) / 3 = 2.11
    assert (data.label, data.label_reasons) == (
        "Non éligible",
        ["Chapitre 2 : score 1,0 inférieur au minimum de 2,0"],
    )


def test_strengths_and_weak_points():
    data = _data()
    assert [(c.criterion, c.retained) for c in data.strengths] == [("1.2.1", 4.0), ("1.1.1", 3.0)]
    assert [(c.criterion, c.retained) for c in data.weak_points] == [("2.1.1", 0.0), ("1.1.2", 1.0)]
    assert data.weak_points[0].collective_mean == pytest.approx(1.5)


def test_services_follow_the_weakest_objectives():
    services = _data().services
    assert [(s.objective, s.service, s.url) for s in services] == [
        ("2.1", "boite-parcours", "https://exemple.org/boite-parcours"),
        ("2.1", "formation-cip", "https://exemple.org/formation-cip"),
    ]
    assert services[0].objective_title == "Accompagnement"
    assert services[0].objective_mean == pytest.approx(1.0)


def test_gaps_and_plan():
    data = _data()
    assert [(g.criterion, g.kind, g.low, g.high, g.action) for g in data.gaps] == [
        ("1.1.1", "auto-évaluation / tiers", None, None, "à discuter"),
        ("1.1.2", "entre répondant·e·s", 0.0, 3.0, "à discuter"),
    ]
    assert data.gaps[0].review_comment == "Preuves à compléter"
    assert [(a.action, a.late) for a in data.actions] == [
        ("Former la CIP", False),
        (lc.EVIL_ACTION, True),
    ]


def test_a_structure_without_answers():
    data = _data("gamma")
    assert data.strengths == data.weak_points == data.gaps == data.services == []
    assert [c.score for c in data.chapters] == [None, None]
    assert data.label == "Pas encore de réponse"
    sheets = {s.name: s for s in restitution_spec(data).sheets}
    assert sheets["Points forts et faibles"].rows[FIRST_ROW] == [
        "Aucun critère renseigné pour le moment."
    ]
    assert sheets["Offre de services"].rows[FIRST_ROW] == [
        "Aucun objectif sous le niveau attendu\u00a0: pas de ressource à suggérer."
    ]


def data_headline() -> str:
    return (
        "Alpha Insertion a évalué 2 chapitres sur 2, score global 1,8 (moyenne du collectif "
        "2,1)\u00a0: 1 étape la sépare du label."
    )


def test_spec_sheets_radar_and_identity():
    spec = restitution_spec(_data())
    assert [s.name for s in spec.sheets] == [
        "Restitution",
        "Chemin vers le label",
        "Points forts et faibles",
        "Écarts à discuter",
        "Revue tiers et pair",
        "Regards croisés",
        "Offre de services",
        "Plan de progrès",
    ]
    assert all(s.protected for s in spec.sheets)
    assert spec.metadata["kind"] == "restitution"
    assert spec.metadata["structure"] == "alpha"
    summary = spec.sheet("Restitution")
    assert summary.rows[0] == ["Restitution — Alpha Insertion"]
    assert summary.rows[3] == [data_headline()]
    assert summary.rows[4] == [
        "Chapitre",
        "Intitulé",
        "Score de la structure",
        "Moyenne du collectif",
        "Complétude",
    ]
    assert summary.rows[5][:2] == ["Chapitre 1", "Gouvernance"]
    (radar,) = summary.charts
    assert radar.kind == ChartKind.RADAR
    assert radar.categories.a1() == "'Restitution'!A6:A7"
    assert [(s.name, s.values.a1()) for s in radar.series] == [
        ("Alpha Insertion", "'Restitution'!C6:C7"),
        ("Moyenne du collectif", "'Restitution'!D6:D7"),
        ("Tiers", "'Revue tiers et pair'!D4:D5"),  # alpha's 1.1.1 was reviewed (issue 10)
    ]
    path = spec.sheet("Chemin vers le label").rows[FIRST_ROW]
    assert path == [
        "2", "2.1.1", "Diagnostic", "0 - Non engagé", "2 - Structuré",
        "2.1.1 Diagnostic\u00a0: passer de 0 - Non engagé à 2 - Structuré (score du chapitre 2 "
        "au minimum de 2)",
        "Niveau 2 de 2.1.1",  # the référentiel's description of the target: the action offered
        "chemin vers le label",
    ]  # fmt: skip
    label = next(r for r in summary.rows if r and r[0] == "Labellisation")
    assert label == ["Labellisation", "Non éligible"]
    services = spec.sheet("Offre de services").rows[FIRST_ROW]
    assert services == [
        "2.1",
        "Accompagnement",
        1.0,
        "Boîte à outils du parcours",
        "Modèles prêts à adapter.",
        "https://exemple.org/boite-parcours",
    ]


def test_plan_texts_are_plain_strings():
    spec = restitution_spec(_data())
    values = [v for s in spec.sheets for row in s.rows for v in row]
    assert not [v for v in values if isinstance(v, Formula)]
    late = next(r for r in spec.sheet("Plan de progrès").rows[FIRST_ROW:] if r[1] == lc.EVIL_ACTION)
    assert late == [
        "1.1.2",
        lc.EVIL_ACTION,
        lc.PHONE,
        dt.date(2025, 3, 15),
        "en cours",
        lc.AT_COMMENT,
        "en retard",
    ]
    assert all(type(v) is str for v in late[:3])


def test_rendered_restitution_reads_back(tmp_path: Path):
    path = tmp_path / "alpha.xlsx"
    render_xlsx(restitution_spec(_data()), path)
    book = openpyxl.load_workbook(path)
    (chart,) = book["Restitution"]._charts
    assert chart.tagname == "radarChart"
    plan = book["Plan de progrès"]
    cells = [c for row in plan.iter_rows() for c in row if c.value == lc.EVIL_ACTION]
    assert [(c.data_type) for c in cells] == ["s"]
    assert book["Restitution"].protection.sheet


def test_every_example_structure_builds_without_answers():
    campaign = load_campaign(ROOT / "config" / "capsync.yaml")
    for collective in campaign.config.collectives:
        answers = pd.DataFrame(columns=list(scoring.ANSWER_COLUMNS))
        scores = scoring.score_collective(answers, campaign.referentiel, collective.structures)
        for structure in collective.structures:
            data = build_restitution(
                collective, campaign.referentiel, structure.id, scores, today=lc.TODAY
            )
            spec = restitution_spec(data)
            assert spec.sheet("Restitution").rows[0] == [f"Restitution — {structure.name}"]
            assert len(data.chapters) == len(campaign.referentiel.chapters)


def test_the_before_column_carries_the_global_score_and_says_when_the_label_changed():
    before = Before(dt.date(2026, 1, 5), {"1": 2.0, "2": 0.5}, 1.3, "Éligible")
    data = build_restitution(
        lc.collective(), lc.referentiel(), "alpha", lc.scores(), today=lc.TODAY,
        actions=lc.actions(), answers=lc.answers(), texts=lc.texts(), previous=before,
    )  # fmt: skip
    assert (data.previous_date, data.previous_overall, data.previous_label) == (
        dt.date(2026, 1, 5),
        1.3,
        "Éligible",
    )
    rows = restitution_spec(data).sheets[0].rows
    assert rows[4][-1] == "Restitution du 05/01/2026"  # the before column's header
    total = next(r for r in rows if r and r[0] == "Score global")
    assert total[-1] == 1.3  # not left blank
    said = [r[1] for r in rows if len(r) > 1 and isinstance(r[1], str)]
    assert "À la restitution du 05/01/2026\u00a0: Éligible" in said  # now « Non éligible »
    same = replace(before, label="Non éligible")
    data = build_restitution(
        lc.collective(), lc.referentiel(), "alpha", lc.scores(), today=lc.TODAY,
        actions=lc.actions(), answers=lc.answers(), texts=lc.texts(), previous=same,
    )  # fmt: skip
    rows = restitution_spec(data).sheets[0].rows
    assert not any(len(r) > 1 and str(r[1]).startswith("À la restitution du") for r in rows)


def test_a_status_capsync_cannot_read_is_shown_as_typed_and_said_to_be_corrected():
    plan = lc.actions()
    plan.loc[(plan["structure"] == "alpha") & (plan["criterion"] == "2.1.1"), "statut"] = "fini"
    data = build_restitution(
        lc.collective(), lc.referentiel(), "alpha", lc.scores(), today=lc.TODAY,
        actions=plan, answers=lc.answers(), texts=lc.texts(),
    )  # fmt: skip
    shown = {a.criterion: a.status_text for a in data.actions}
    assert shown == {"1.1.2": "en cours", "2.1.1": "fini, statut non reconnu"}
    sheet = next(s for s in restitution_spec(data).sheets if s.name == "Plan de progrès")
    row = next(r for r in sheet.rows if r and r[0] == "2.1.1")
    assert row[4] == "fini, statut non reconnu"  # the « Statut » column


def test_a_criterion_to_answer_is_said_once_on_the_path_to_the_label() -> None:
    """« renseigner, au moins 2 - Structuré (critère à renseigner) » said it twice."""
    from capsync.layout.plan_lines import plan_suggestions

    lines = plan_suggestions(_data("beta"))
    unanswered = next(line for line in lines if line.startswith("1.2.1"))
    assert unanswered.endswith("\u00a0: à renseigner, au moins 2 - Structuré"), unanswered
    mandatory = next(line for line in lines if line.startswith("1.1.1"))
    assert mandatory.endswith("(critère obligatoire pour le label)"), mandatory

"""The network view's tables and workbook (pure): levels by region and by type with their
counts, the label pipeline from the decisions file, the demand for each service."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from capsync.campaign.decisions import Decisions
from capsync.campaign.validation import Campaign
from capsync.campaign.vocabulary import PhaseKind
from capsync.layout.network import (
    CollectiveResult,
    NetworkInputs,
    Stage,
    levels_by,
    service_demand,
    structure_table,
)
from capsync.layout.network_sheets import (
    LABEL_SHEET,
    PARTICIPATION_SHEET,
    REGION_SHEET,
    RENEWALS_SHEET,
    SERVICES_SHEET,
    TYPE_SHEET,
    network_spec,
)
from capsync.layout.tables import FIRST_ROW
from capsync.scoring.scores import ANSWER_COLUMNS, score_collective
from capsync.workbook.spec import CellRange, Style

from .grid_campaign import config, referentiel_v1, write_campaign

TODAY = dt.date(2026, 9, 1)
WHEN = dt.datetime(2026, 5, 1, 10, 0)
CRITERIA = ("1.1.1", "1.1.2", "1.2.1", "2.1.1", "2.1.2")


def network_config() -> dict[str, Any]:
    """Two regions: Nouvelle-Aquitaine with four structures (one AI + ACI ensemblier),
    Occitanie with two; a national contact."""
    cfg = config()
    na = cfg["collectives"][0]
    na["structures"] += [
        {"id": "ei-trois", "name": "EI Trois", "type": "EI"},
        {"id": "ailes", "name": "AILES", "types": ["AI", "ACI"]},
    ]
    occ = {
        "id": "test-occ",
        "name": "Collectif Occitanie",
        "region": "Occitanie",
        "structures": [
            {"id": "aci-occ", "name": "ACI Occ", "type": "ACI"},
            {"id": "ebe-occ", "name": "EBE Occ", "type": "EBE"},
        ],
    }
    cfg["collectives"].append(occ)
    cfg["national"] = [{"name": "Claire National", "email": "claire@coorace.example"}]
    return cfg


def services_referentiel() -> dict[str, Any]:
    ref = referentiel_v1()
    ref["offre_de_services"] = [
        {"id": "formation-ca", "title": "Formation des administrateur·rice·s"},
        {"id": "mad", "title": "Mise à disposition réussie", "types": ["AI", "ETTI"]},
    ]
    objective = ref["chapters"][0]["objectives"][0]
    objective["services"] = ["formation-ca"]
    objective["criteria"][0]["services"] = ["mad"]
    objective["criteria"][0]["mandatory_for_label"] = True
    return ref


@pytest.fixture
def campaign(tmp_path: Path) -> Campaign:
    return write_campaign(tmp_path, referentiel=services_referentiel(), cfg=network_config())


def answers(levels: dict[str, int], collective: str) -> pd.DataFrame:
    """Every structure in ``levels`` retains that level on every criterion it assesses."""
    records = [
        (collective, structure, criterion, "retenu", "level", float(level), WHEN)
        for structure, level in levels.items()
        for criterion in (*CRITERIA, "1.1.3")
    ]
    return pd.DataFrame.from_records(records, columns=list(ANSWER_COLUMNS))


def inputs(campaign: Campaign, decisions: Decisions | None = None) -> NetworkInputs:
    na, occ = campaign.config.collectives
    ref = campaign.referentiel
    na_answers = answers({"aci-une": 3, "ai-deux": 1, "ailes": 2}, na.id)  # ei-trois: nothing
    occ_answers = answers({"aci-occ": 4}, occ.id)
    results = [
        CollectiveResult(na, score_collective(na_answers, ref, na.structures)),
        CollectiveResult(occ, score_collective(occ_answers, ref, occ.structures)),
    ]
    return NetworkInputs(ref, results, decisions or Decisions(), TODAY)


def test_levels_by_region_count_the_structures_and_mark_small_groups(campaign: Campaign) -> None:
    data = inputs(campaign)
    stats = levels_by(data, structure_table(data), "region")
    chapter_1 = stats[stats["chapter"] == "1"].set_index("group")
    assert chapter_1.loc["Nouvelle-Aquitaine", "n"] == 3  # ei-trois has no answer
    assert chapter_1.loc["Nouvelle-Aquitaine", "mean"] == pytest.approx(2.0)
    assert chapter_1.loc["Occitanie", "n"] == 1
    assert (
        bool(chapter_1.loc["Nouvelle-Aquitaine", "few"]),
        bool(chapter_1.loc["Occitanie", "few"]),
    ) == (False, True)


def test_an_ensemblier_counts_in_each_of_its_types(campaign: Campaign) -> None:
    data = inputs(campaign)
    stats = levels_by(data, structure_table(data), "type")
    overall = stats[stats["chapter"] == ""].set_index("group")
    assert overall.loc["AI", "n"] == 2  # ai-deux and AILES
    assert overall.loc["ACI", "n"] == 3  # aci-une, aci-occ and AILES
    assert overall.loc["AI", "mean"] == pytest.approx(1.5)
    assert "EI" not in overall.index  # no answer yet: no mean


def test_the_workbook_marks_a_mean_over_fewer_than_three_structures(campaign: Campaign) -> None:
    spec = network_spec(inputs(campaign))
    assert [s.name for s in spec.sheets] == [
        PARTICIPATION_SHEET, REGION_SHEET, TYPE_SHEET, "Points faibles", LABEL_SHEET,
        RENEWALS_SHEET, SERVICES_SHEET, "Accompagnement",
    ]  # fmt: skip
    regions = spec.sheet(REGION_SHEET)
    assert regions.rows[2] == [
        "Chapitre",
        "Nouvelle-Aquitaine — moyenne",
        "Nouvelle-Aquitaine — structures",
        "Occitanie — moyenne",
        "Occitanie — structures",
    ]
    first = regions.rows[3]
    assert first[0] == "Chapitre 1 — Gouvernance"
    assert first[1:] == [pytest.approx(2.0), 3, pytest.approx(4.0), 1]
    assert regions.cell_styles[(3, 4)] == Style.WARNING  # one structure only
    assert regions.cell_styles[(3, 2)] == Style.INTEGER
    assert regions.notes[(3, 3)] == "Moyenne sur 1 structure\u00a0: à lire avec prudence."
    participation = spec.sheet(PARTICIPATION_SHEET)
    assert participation.rows[3][:4] == ["Nouvelle-Aquitaine", "Collectif de test", 4, 3]
    assert participation.rows[5][:4] == ["Réseau", "2 collectifs", 6, 4]


def test_the_label_pipeline_reads_the_decisions_file(campaign: Campaign) -> None:
    decisions = Decisions.model_validate(
        {
            "labels": [
                {"structure": "aci-occ", "committee": "2025-07-01", "decision": "labellisee",
                 "valid_until": "2028-07-01"},
                {"structure": "aci-une", "committee": "2023-09-01", "decision": "labellisee",
                 "valid_until": "2026-12-31"},
                {"structure": "ai-deux", "committee": "2026-06-01", "decision": "ajournee"},
            ]
        }
    )  # fmt: skip
    table = structure_table(inputs(campaign, decisions)).set_index("structure")
    assert table.loc["aci-occ", "stage"] == Stage.LABELLED
    assert table.loc["aci-une", "stage"] == Stage.RENEW  # 6 months before its end
    assert table.loc["ai-deux", "stage"] == Stage.NOT_ELIGIBLE  # adjourned: its answers say,
    # and its collectif's clôture (07/2026, date à confirmer) has come
    assert table.loc["ailes", "stage"] == Stage.ELIGIBLE  # level 2 everywhere
    assert table.loc["ei-trois", "stage"] == Stage.NOT_STARTED
    sheet = network_spec(inputs(campaign, decisions)).sheet(LABEL_SHEET)
    assert sheet.rows[2] == [
        "Région", "Engagées", "Pas encore de réponse", "En cours", "Non éligibles", "Éligibles",
        "Labellisées", "À renouveler",
    ]  # fmt: skip
    assert sheet.rows[3] == ["Nouvelle-Aquitaine", 4, 1, 0, 1, 1, 0, 1]
    assert sheet.rows[5] == ["Réseau", 6, 2, 0, 1, 1, 1, 1]
    assert sheet.autofilter is not None
    renewals = network_spec(inputs(campaign, decisions)).sheet(RENEWALS_SHEET)
    assert renewals.rows[FIRST_ROW:] == [
        ["ACI Une", "Collectif de test", dt.date(2026, 7, 4), dt.date(2026, 12, 31)]
    ]  # its own sheet, so that the list has its own filter
    assert renewals.autofilter == CellRange(FIRST_ROW - 1, 0, FIRST_ROW, 3)


def test_after_the_cloture_a_structure_not_eligible_is_said_so_as_on_the_dashboard(
    campaign: Campaign,
) -> None:
    na = campaign.config.collectives[0]
    closed = max(p.date for p in na.calendar if p.kind == PhaseKind.CLOTURE)
    assert closed == dt.date(2026, 7, 1)  # « 07/2026, date à confirmer »: from its date
    before = dataclasses.replace(inputs(campaign), today=closed - dt.timedelta(days=1))
    table = structure_table(before).set_index("structure")
    assert table.loc["ai-deux", "stage"] == Stage.IN_PROGRESS  # level 1, campaign not over
    after = dataclasses.replace(inputs(campaign), today=closed)
    table = structure_table(after).set_index("structure")
    assert table.loc["ai-deux", "stage"] == Stage.NOT_ELIGIBLE
    assert table.loc["ailes", "stage"] == Stage.ELIGIBLE
    assert table.loc["ei-trois", "stage"] == Stage.NOT_STARTED  # nothing answered: no verdict
    assert table.loc["aci-occ", "stage"] == Stage.ELIGIBLE  # Occitanie: no clôture dated
    label = network_spec(after).sheet(LABEL_SHEET)
    assert label.rows[3][:6] == ["Nouvelle-Aquitaine", 4, 1, 0, 1, 2]


def test_service_demand_respects_the_types_and_counts_the_loop(campaign: Campaign) -> None:
    decisions = Decisions.model_validate(
        {
            "services": [
                {"structure": "ai-deux", "service": "mad", "status": "demande"},
                {"structure": "ai-deux", "service": "mad", "status": "realise"},
                {"structure": "ailes", "service": "formation-ca", "status": "programme"},
            ]
        }
    )
    demand = service_demand(inputs(campaign, decisions)).set_index("service")
    # Weak (below 2) on 1.1.1: ai-deux only (level 1); AILES's 2 is not weak.
    assert demand.loc["mad", "suggested"] == 1
    assert demand.loc["formation-ca", "suggested"] == 1
    assert demand.loc["mad", "types"] == "AI + ETTI"
    assert demand.loc["formation-ca", "types"] == "Tous"
    counts = demand.loc[:, ["demande", "programme", "realise"]].to_numpy(dtype=np.int64)
    assert counts.tolist() == [[0, 1, 0], [0, 0, 1]]  # the furthest status counts, once


def test_a_mad_service_is_never_suggested_to_an_aci(campaign: Campaign) -> None:
    na, occ = campaign.config.collectives
    ref = campaign.referentiel
    weak = answers({"aci-une": 0}, na.id)
    results = [
        CollectiveResult(na, score_collective(weak, ref, na.structures)),
        CollectiveResult(occ, score_collective(answers({}, occ.id), ref, occ.structures)),
    ]
    demand = service_demand(NetworkInputs(ref, results, Decisions(), TODAY)).set_index("service")
    assert demand.loc["mad", "suggested"] == 0
    assert demand.loc["formation-ca", "suggested"] == 1

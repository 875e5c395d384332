"""The délégué·e·s' dashboard counts the demand for each service like the network view:
suggested (a weak criterion linked to a service that serves the structure's type), then
the furthest of « demandé », « programmé », « réalisé » in the decisions file — read back
from the written .xlsx, and only for the collectif's own structures."""

from __future__ import annotations

import io

import openpyxl
import pytest

from capsync.campaign.decisions import Decisions
from capsync.campaign.validation import Campaign
from capsync.layout.dashboard import DashboardInputs, dashboard_spec
from capsync.layout.network import service_demand
from capsync.layout.service_demand import SERVICES_SHEET, types_text
from capsync.render.xlsx import render_xlsx_bytes
from capsync.scoring.scores import score_collective
from capsync.workbook.spec import Style

from .grid_campaign import write_campaign
from .test_network_layout import TODAY, answers, inputs, network_config, services_referentiel


@pytest.fixture
def campaign(tmp_path) -> Campaign:
    return write_campaign(tmp_path, referentiel=services_referentiel(), cfg=network_config())


DECISIONS = Decisions.model_validate(
    {
        "services": [
            {"structure": "ai-deux", "service": "mad", "status": "demande"},
            {"structure": "ai-deux", "service": "mad", "status": "realise"},
            {"structure": "ailes", "service": "formation-ca", "status": "programme"},
            {"structure": "aci-une", "service": "formation-ca", "status": "demande"},
            {"structure": "aci-occ", "service": "formation-ca", "status": "realise"},  # Occitanie
        ]
    }
)


def _dashboard_rows(campaign: Campaign) -> list[tuple[object, ...]]:
    na = campaign.config.collectives[0]
    ref = campaign.referentiel
    scores = score_collective(answers({"aci-une": 3, "ai-deux": 1, "ailes": 0}, na.id), ref,
                              na.structures)  # fmt: skip
    spec = dashboard_spec(
        DashboardInputs(
            collective=na,
            referentiel=ref,
            settings=campaign.config.settings,
            scores=scores,
            today=TODAY,
            decisions=DECISIONS,
        )
    )
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx_bytes(spec)))
    sheet = book[SERVICES_SHEET]
    assert sheet.protection.sheet  # read-only, like every dashboard sheet capsync writes
    return list(sheet.iter_rows(values_only=True))


def test_the_dashboard_counts_each_service_for_the_collectif_only(campaign: Campaign) -> None:
    rows = _dashboard_rows(campaign)
    assert rows[0][0] == "Collectif de test — demande pour l'offre de services"
    assert rows[2] == (
        "Ressource", "Pour les types", "Suggérée à (structures)", "Demandée", "Programmée",
        "Réalisée",
    )  # fmt: skip
    by_title = {row[0]: row[1:] for row in rows[3:]}
    # Weak (below 2): ai-deux (1) and AILES (0); the MAD service serves AI, so both
    # (AILES is AI + ACI); formation-ca serves every type. aci-occ is in Occitanie.
    assert by_title["Formation des administrateur·rice·s"] == ("Tous", 2, 1, 1, 0)
    assert by_title["Mise à disposition réussie"] == ("AI + ETTI", 2, 0, 0, 1)


def test_the_network_view_counts_the_same_way_over_every_collectif(campaign: Campaign) -> None:
    demand = service_demand(inputs(campaign, DECISIONS)).set_index("service")
    # Same count: aci-occ's « réalisé » now counts, and AILES (level 2 here) is not weak.
    assert demand.loc["formation-ca", ["demande", "programme", "realise"]].tolist() == [1, 1, 1]
    assert demand.loc["mad", "suggested"] == 1


def test_a_referentiel_without_services_says_so(campaign: Campaign) -> None:
    na = campaign.config.collectives[0]
    ref = campaign.referentiel.model_copy(update={"offre_de_services": []})
    spec = dashboard_spec(
        DashboardInputs(
            collective=na,
            referentiel=ref,
            settings=campaign.config.settings,
            scores=score_collective(answers({}, na.id), ref, na.structures),
            today=TODAY,
        )
    )
    sheet = next(s for s in spec.sheets if s.name == SERVICES_SHEET)
    assert sheet.rows[3] == ["Le référentiel ne décrit aucune offre de services."]
    assert sheet.row_styles[3] == Style.NOTE


def test_types_are_named_or_all() -> None:
    from capsync.campaign.vocabulary import StructureType

    assert types_text(list(StructureType)) == "Tous"
    assert types_text([StructureType.ETTI, StructureType.AI]) == "AI + ETTI"

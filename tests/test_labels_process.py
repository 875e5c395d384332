"""Labellisation as a process: « Non applicable » on a mandatory criterion waits for the
tiers, the committee's decisions file is validated like the rest, and the dashboard and the
restitution show the decision, flagging a label near its end."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from capsync.backends.local import LocalBackend
from capsync.backends.xlsx_read import read_workbook
from capsync.campaign.config import Collective, Phase
from capsync.campaign.decisions import Decisions, LabelDecision, LabelState
from capsync.campaign.validation import Campaign, load_campaign
from capsync.campaign.vocabulary import PhaseKind
from capsync.cli import main
from capsync.errors import ValidationFailed
from capsync.jobs.generate import generate
from capsync.layout.label_decisions import LABEL_SHEET, decision_text, label_sheet
from capsync.scoring.scores import ANSWER_COLUMNS, score_collective
from capsync.workbook.spec import Style

from .french_output import plain
from .grid_campaign import write_campaign
from .test_google_backend import fill_local
from .test_network_layout import services_referentiel

WHEN = dt.datetime(2026, 5, 1, 10, 0)
NOW = dt.datetime(2026, 3, 2, 9, 0)
TO_CONFIRM = "Critère obligatoire 1.1.1 marqué « Non applicable » : à confirmer par le tiers"


def answers(rows: list[tuple[str, str, str, str, float | None]]) -> pd.DataFrame:
    """(structure, criterion, column, kind, level) → the store's answers frame."""
    records = [("test-na", s, c, col, kind, level, WHEN) for s, c, col, kind, level in rows]
    return pd.DataFrame.from_records(records, columns=list(ANSWER_COLUMNS))


@pytest.fixture
def campaign(tmp_path: Path) -> Campaign:
    return write_campaign(tmp_path / "c", referentiel=services_referentiel())


def everything_at_3(structure: str, but: str) -> list[tuple[str, str, str, str, float | None]]:
    rows = [(structure, c, "retenu", "level", 3.0) for c in ("1.1.2", "1.2.1", "2.1.1", "2.1.2")]
    return [*rows, (structure, but, "retenu", "na", None)]


def test_a_mandatory_not_applicable_waits_for_the_tiers(campaign: Campaign) -> None:
    ref, structures = campaign.referentiel, campaign.config.collectives[0].structures
    alone = score_collective(answers(everything_at_3("aci-une", "1.1.1")), ref, structures)
    row = alone.label.set_index("structure").loc["aci-une"]
    assert (bool(row["eligible"]), list(row["reasons"]), row["to_confirm"]) == (
        False,
        [TO_CONFIRM],
        ["1.1.1"],
    )
    confirmed = answers([*everything_at_3("aci-une", "1.1.1"),
                         ("aci-une", "1.1.1", "niveau_tiers", "na", None)])  # fmt: skip
    row = score_collective(confirmed, ref, structures).label.set_index("structure").loc["aci-une"]
    assert (bool(row["eligible"]), list(row["reasons"]), row["to_confirm"]) == (True, [], [])


def test_a_not_applicable_on_an_optional_criterion_needs_no_confirmation(
    campaign: Campaign,
) -> None:
    ref, structures = campaign.referentiel, campaign.config.collectives[0].structures
    rows = [*everything_at_3("aci-une", "1.1.2"), ("aci-une", "1.1.1", "retenu", "level", 3.0)]
    row = score_collective(answers(rows), ref, structures).label.set_index("structure")
    assert bool(row.loc["aci-une", "eligible"]) and row.loc["aci-une", "to_confirm"] == []


def test_a_label_is_flagged_from_its_renewal_date_and_expires() -> None:
    decision = LabelDecision.model_validate(
        {"structure": "aci-une", "committee": "02/07/2026", "decision": "labellisee",
         "valid_until": "2029-07-01"}
    )  # fmt: skip
    assert decision.renewal == dt.date(2029, 1, 2)
    assert decision.state(dt.date(2029, 1, 1)) == LabelState.LABELLISEE
    assert decision.state(dt.date(2029, 1, 2)) == LabelState.A_RENOUVELER
    assert decision.state(dt.date(2029, 7, 2)) == LabelState.EXPIREE
    assert decision_text(decision, dt.date(2027, 1, 1)) == (
        "Comité du 02/07/2026\u00a0: labellisée jusqu'au 01/07/2029 "
        "(renouvellement à préparer dès le 02/01/2029)."
    )
    assert decision_text(decision, dt.date(2029, 3, 1)).endswith(
        "— renouvellement à préparer maintenant."
    )


def write_decisions(campaign: Campaign, decisions: dict[str, Any]) -> Path:
    folder = campaign.config_path.parent
    (folder / "decisions.yaml").write_text(
        yaml.safe_dump(decisions, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    cfg = yaml.safe_load(campaign.config_path.read_text(encoding="utf-8"))
    cfg["decisions"] = "decisions.yaml"
    campaign.config_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return folder / "decisions.yaml"


def test_check_lists_every_mistake_of_the_decisions_file(campaign: Campaign) -> None:
    path = write_decisions(
        campaign,
        {
            "labels": [
                {"structure": "inconnue", "committee": "2026-07-02", "decision": "labellisee"},
                {"structure": "aci-une", "committee": "2026-07-02", "decision": "peut-etre"},
                {"structure": "ai-deux", "committee": "2026-07-02", "decision": "labellisee",
                 "valid_until": "2025-01-01"},
            ],
            "services": [{"structure": "ai-deux", "service": "yoga", "status": "demande"}],
        },
    )  # fmt: skip
    result = CliRunner().invoke(main, ["--config", str(campaign.config_path), "check"])
    assert result.exit_code == 1
    assert plain(result.output).splitlines() == [
        f"{path}:2 [labels[0].structure] : structure « inconnue » absente de la configuration.",
        f"{path}:4 [labels[0].decision] : une décision « labellisee » indique la fin de "
        "validité du label (valid_until, par exemple 2029-07-01).",
        f"{path}:7 [labels[1].decision] : valeur « peut-etre » inconnue ; "
        "valeurs possibles : labellisee, ajournee, refusee.",
        f"{path}:11 [labels[2].valid_until] : la fin de validité (valid_until) doit suivre "
        "la date du comité.",
        f"{path}:14 [services[0].service] : ressource « yoga » absente de l'offre_de_services "
        "du référentiel.",
        "5 problèmes à corriger.",
    ]


def test_a_missing_decisions_file_is_named(campaign: Campaign) -> None:
    path = write_decisions(campaign, {})
    path.unlink()
    with pytest.raises(ValidationFailed) as caught:
        load_campaign(campaign.config_path)
    assert "fichier de décisions introuvable" in str(caught.value.problems[0])


def test_the_dashboard_and_the_restitution_show_the_decision(campaign: Campaign) -> None:
    ends = dt.date.today() + dt.timedelta(days=90)  # the commands read the clock: near its end
    write_decisions(
        campaign,
        {
            "labels": [
                {"structure": "aci-une", "committee": "2023-02-01", "decision": "labellisee",
                 "valid_until": ends.isoformat(), "notes": "Visite du tiers le 12/01."},
            ]
        },
    )  # fmt: skip
    camp = load_campaign(campaign.config_path)
    backend = LocalBackend(camp.data_dir)
    generate(camp, backend, workers=1, now=NOW)
    fill_local(backend)
    runner = CliRunner()
    assert runner.invoke(main, ["--config", str(camp.config_path), "sync"]).exit_code == 0
    dashboard = read_workbook(camp.data_dir / "test-na" / "tableau-de-bord.xlsx")[LABEL_SHEET]
    aci = next(r for r in dashboard if r and r[0] == "ACI Une")
    assert aci[3] == "Labellisée" and aci[-1] == "À renouveler"  # due 180 days before its end
    made = runner.invoke(
        main, ["--config", str(camp.config_path), "restitution", "--structure", "aci-une"]
    )
    assert made.exit_code == 0, made.output
    folder = camp.data_dir / "test-na" / "structures" / "aci-une"
    book = read_workbook(next(folder.glob("restitution*.xlsx")))
    lines = [r for sheet in book.values() for r in sheet if r and r[0] == "Décision du comité"]
    assert lines[0][1] == (
        f"Comité du 01/02/2023\u00a0: labellisée jusqu'au {ends:%d/%m/%Y} — renouvellement à "
        "préparer maintenant. Visite du tiers le 12/01."
    )


def test_the_label_sheet_flags_what_needs_a_look(campaign: Campaign) -> None:
    collective = campaign.config.collectives[0]
    label = pd.DataFrame(
        {
            "structure": ["aci-une", "ai-deux"],
            "eligible": [False, True],
            "assessed": [True, True],
            "reasons": [[TO_CONFIRM], []],
            "to_confirm": [["1.1.1"], []],
        }
    )
    decisions = Decisions.model_validate(
        {"labels": [{"structure": "ai-deux", "committee": "2020-01-01",
                     "decision": "labellisee", "valid_until": "2023-01-01"}]}
    )  # fmt: skip
    sheet = label_sheet(collective, label, decisions, dt.date(2026, 1, 1))
    assert sheet.rows[3][:3] == ["ACI Une", "En cours", "1.1.1"]  # before the clôture
    assert sheet.rows[4][1] == "Éligible" and sheet.rows[4][-1] == "Label expiré"
    assert sheet.cell_styles[(3, 2)] == Style.WARNING
    assert sheet.cell_styles[(4, 7)] == Style.WARNING
    close = max(p.date for p in collective.calendar if p.kind == PhaseKind.CLOTURE)
    after = label_sheet(collective, label, decisions, close)
    assert after.rows[3][:2] == ["ACI Une", "Non éligible"]  # a verdict once it has come
    assert label_sheet(collective, label, decisions, close - dt.timedelta(days=1)).rows[3][1] == (
        "En cours"
    )


def test_a_tentative_cloture_counts_from_its_date_as_the_close_restitution_does() -> None:
    phase = Phase(kind=PhaseKind.CLOTURE, date=dt.date(2026, 7, 1), tentative=True)
    collective = Collective(id="c", name="C", region="R", calendar=[phase])
    assert not collective.closed(dt.date(2026, 6, 30)) and collective.closed(dt.date(2026, 7, 1))
    assert not Collective(id="d", name="D", region="R").closed(dt.date(2030, 1, 1))


@pytest.mark.parametrize(
    ("entry", "state", "text"),
    [
        ({"decision": "refusee"}, LabelState.REFUSEE, "Comité du 02/07/2026\u00a0: refusée."),
        ({"decision": "ajournee"}, LabelState.AJOURNEE, "Comité du 02/07/2026\u00a0: ajournée."),
        (
            {"decision": "labellisee", "valid_until": "2030-01-01", "renewal_due": "2029-11-01"},
            LabelState.LABELLISEE,
            "Comité du 02/07/2026\u00a0: labellisée jusqu'au 01/01/2030 "
            "(renouvellement à préparer dès le 01/11/2029).",
        ),
        (
            {"decision": "labellisee", "valid_until": "2027-01-01"},
            LabelState.EXPIREE,
            "Comité du 02/07/2026\u00a0: labellisée jusqu'au 01/01/2027 — label expiré, "
            "à renouveler.",
        ),
    ],
)
def test_each_decision_reads_as_a_sentence(
    entry: dict[str, Any], state: LabelState, text: str
) -> None:
    committee = dt.datetime(2026, 7, 2, 14, 0)  # YAML reads « 2026-07-02 14:00 » as a datetime
    decision = LabelDecision.model_validate({"structure": "s", "committee": committee, **entry})
    assert decision.state(dt.date(2029, 10, 1)) == state
    assert decision_text(decision, dt.date(2029, 10, 1)) == text


def test_the_furthest_service_status_counts_and_odd_entries_are_left_to_the_schema(
    campaign: Campaign,
) -> None:
    decisions = Decisions.model_validate(
        {
            "services": [
                {"structure": "a", "service": "x", "status": "realise"},
                {"structure": "a", "service": "x", "status": "demande"},
            ]
        }
    )
    assert [s.value for s in decisions.service_status().values()] == ["realise"]
    path = write_decisions(
        campaign,
        {"labels": ["pas une décision", {"structure": "aci-une", "committee": "demain",
                                         "decision": "ajournee"}],
         "services": "rien"},
    )  # fmt: skip
    with pytest.raises(ValidationFailed) as caught:
        load_campaign(campaign.config_path)
    assert [(p.file, p.key) for p in caught.value.problems] == [
        (path, "labels[0]"),
        (path, "labels[1].committee"),
        (path, "services"),
    ]

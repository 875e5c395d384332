"""When each message is due, and to whom (pure composition, a clock passed in)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from capsync.campaign.config import Mail
from capsync.campaign.validation import load_campaign
from capsync.layout.messages import (
    CollectiveFacts,
    MessageKind,
    french,
    reminder_threshold,
    structure_messages,
)
from capsync.layout.messages_team import digest_messages, plan_messages, plan_recipients

ROOT = Path(__file__).resolve().parents[1]
CAMPAIGN = load_campaign(ROOT / "config" / "capsync.yaml")
NA = CAMPAIGN.config.collective("nouvelle-aquitaine")
SETTINGS = CAMPAIGN.config.settings
EMPTY = pd.DataFrame()


def facts(completion: float = 0.5, **extra) -> CollectiveFacts:
    rows = [
        {"structure": s.id, "chapter": "1", "answered": int(completion * 10), "applicable": 10,
         "completion": completion}
        for s in NA.structures
    ]  # fmt: skip
    base = dict(
        collective=NA,
        chapters={"1": "1 — Projet"},
        completion=pd.DataFrame(rows),
        anomalies=EMPTY,
        actions=EMPTY,
        grid_places={},
        grids_attached=True,
    )
    return CollectiveFacts(**(base | extra))


def kinds_on(day: dt.date, **kw) -> set[tuple[str, str]]:
    found = structure_messages(facts(**kw), Mail(), SETTINGS, day)
    return {(m.kind.value, m.key.split("/")[5] if m.kind == MessageKind.REMINDER else "")
            for m in found if m.structure == "batir-ensemble-pau"}  # fmt: skip


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(20, None), (15, None), (14, 14), (12, 14), (4, 14), (3, 3), (0, 3), (-1, None)],
)
def test_the_reminder_due_is_the_smallest_threshold_still_ahead(days_left, expected):
    assert reminder_threshold(days_left, [14, 3]) == expected


def test_reminders_and_late_notice_around_the_regroupement():
    meeting = dt.date(2025, 6, 11)  # grid deadline: 28/05 (late_days 14); reminders before it
    deadline = meeting - dt.timedelta(days=14)
    assert kinds_on(deadline - dt.timedelta(days=15)) == set()
    assert kinds_on(deadline - dt.timedelta(days=14)) == {("rappel", "J-14")}
    assert kinds_on(deadline - dt.timedelta(days=3)) == {("rappel", "J-3")}
    assert kinds_on(deadline) == {("rappel", "J-3")}  # a missed J−3, at the latest that day
    assert kinds_on(deadline + dt.timedelta(days=1)) == {("retard", "")}  # no « rappel » now
    assert kinds_on(meeting - dt.timedelta(days=3)) == set()
    assert kinds_on(meeting + dt.timedelta(days=1)) == set()
    assert kinds_on(deadline - dt.timedelta(days=14), completion=1.0) == set()


def test_an_opted_out_person_receives_nothing():
    mail = Mail(opt_out=["RH@batir-ensemble-pau.example"])
    found = structure_messages(facts(), mail, SETTINGS, dt.date(2025, 5, 28))
    assert found and all(m.to != "rh@batir-ensemble-pau.example" for m in found)


def test_french_typography():
    assert french("Statut : « fait » ; bien ? oui !") == (
        "Statut\u00a0: «\u00a0fait\u00a0»\u202f; bien\u202f? oui\u202f!"
    )


def test_plan_line_goes_to_its_own_address_only_when_the_structure_has_it():
    structure = NA.structure("trait-d-union-17")
    mail = Mail()
    assert plan_recipients(structure, "S. M. direction@traitdunion17.example", mail) == [
        "direction@traitdunion17.example"
    ]
    assert plan_recipients(structure, "evil@else.example", mail) == [
        "direction@traitdunion17.example"
    ]


def test_plan_messages_near_then_past_never_for_done_lines():
    actions = pd.DataFrame(
        [
            {"structure": "trait-d-union-17", "criterion": "1.1.1", "action": "A",
             "responsable": "", "echeance": dt.date(2025, 6, 5), "statut": "à faire", "row": 4},
            {"structure": "trait-d-union-17", "criterion": "1.1.1", "action": "B",
             "responsable": "", "echeance": dt.date(2025, 6, 5), "statut": "Fait", "row": 5},
        ]
    )  # fmt: skip
    stages = [
        {m.key.split("/")[4] for m in plan_messages(facts(actions=actions), Mail(), SETTINGS, d)}
        for d in (dt.date(2025, 5, 1), dt.date(2025, 5, 30), dt.date(2025, 6, 6))
    ]
    assert stages == [set(), {"proche"}, {"depassee"}]


def test_the_digest_is_weekly_from_its_weekday():
    monday, sunday = dt.date(2025, 6, 2), dt.date(2025, 6, 1)
    assert digest_messages(facts(), Mail(digest_weekday=1), SETTINGS, sunday)  # week 22, day 7
    assert digest_messages(facts(), Mail(digest_weekday=3), SETTINGS, monday) == []
    [first, _] = digest_messages(facts(), Mail(), SETTINGS, monday)
    assert (
        first.key
        == "synthese-hebdomadaire/nouvelle-aquitaine/2025-S23/xavier.delmas@coorace-na.example"
    )
    assert "Chapitres «\u00a0en retard\u00a0»\u00a0:" in first.body


def test_a_personal_file_kept_online_is_given_by_its_link_to_its_respondent_only():
    from capsync.layout.messages import PersonalFile
    from capsync.layout.messages_personal import personal_invitations
    from capsync.workbook.refs import Kind, WorkbookRef

    first = NA.structures[0]
    people = [
        first.respondents[0].model_copy(update={"email": "sophie@traitdunion17.example"}),
        first.respondents[1].model_copy(update={"email": "karim@traitdunion17.example"}),
        *first.respondents[2:],
    ]
    collective = NA.model_copy(
        update={"structures": [first.model_copy(update={"respondents": people})]}
    )
    ref = WorkbookRef(NA.id, Kind.PERSONAL, f"{first.id}/sophie-marchand")
    link = "https://docs.google.com/spreadsheets/d/abc"
    files = {(first.id, "sophie@traitdunion17.example"): PersonalFile(ref, link)}
    found = personal_invitations(
        facts(collective=collective, grids_attached=False, personal_files=files),
        Mail(),
        SETTINGS,
        dt.date(2025, 5, 1),
    )
    [message] = found  # Karim has no file yet: not invited
    assert message.to == "sophie@traitdunion17.example"
    assert message.kind == MessageKind.PERSONAL_INVITATION
    assert f"Il est en ligne, à cette adresse\u00a0: {link}" in message.body
    assert message.attachments == ()

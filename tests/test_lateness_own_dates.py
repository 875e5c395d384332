"""« En retard » against each structure's own dates, as the dashboard's « Avancement » says:
the cron summary line (``late_structures``), the reminders and « en retard » e-mails, and the
délégué·e·s' digest all follow a structure's ``chapter_dates`` and ``joined``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from capsync.campaign.config import Mail, Settings
from capsync.jobs.lateness import late_structures
from capsync.layout.messages import CollectiveFacts, MessageKind, structure_messages
from capsync.layout.messages_team import digest_lines
from capsync.store.database import Store

from .grid_campaign import config, write_campaign

MEETING = dt.date(2025, 6, 11)  # the test collectif's chapter 1 regroupement
SETTINGS = Settings(help_contact="Délégation COORACE de test")


def campaign(folder: Path, **ai_deux: object):
    cfg = config()
    structures = cfg["collectives"][0]["structures"]
    for s in structures:
        s["contacts"] = [f"direction@{s['id']}.example"]
    structures[1].update(ai_deux)
    return write_campaign(folder, cfg=cfg)


def late_on(folder: Path, day: dt.date, **ai_deux: object) -> list[str]:
    found = campaign(folder, **ai_deux)
    with Store.open(found.data_dir) as store:  # nothing answered yet: every chapter open
        return late_structures(found, found.config.collectives[0], store, day)


def test_the_regroupement_makes_both_late(tmp_path: Path) -> None:
    assert late_on(tmp_path, MEETING - dt.timedelta(days=3)) == ["aci-une", "ai-deux"]
    assert late_on(tmp_path / "b", MEETING - dt.timedelta(days=40)) == []


def test_a_structure_with_its_own_date_is_late_only_against_it(tmp_path: Path) -> None:
    own = {"chapter_dates": {"1": "2025-09-15"}}
    assert late_on(tmp_path / "a", MEETING - dt.timedelta(days=3), **own) == ["aci-une"]
    assert late_on(tmp_path / "b", dt.date(2025, 9, 10), **own) == ["aci-une", "ai-deux"]


def test_a_structure_that_joined_after_the_regroupement_has_it_to_catch_up(
    tmp_path: Path,
) -> None:
    assert late_on(tmp_path, MEETING + dt.timedelta(days=20), joined="2025-06-20") == ["aci-une"]


def _facts(tmp_path: Path, **ai_deux: object) -> CollectiveFacts:
    collective = campaign(tmp_path, **ai_deux).config.collectives[0]
    rows = [{"structure": s.id, "chapter": "1", "answered": 2, "applicable": 4, "completion": 0.5}
            for s in collective.structures]  # fmt: skip
    return CollectiveFacts(
        collective=collective,
        chapters={"1": "1 — Gouvernance"},
        completion=pd.DataFrame(rows),
        anomalies=pd.DataFrame(),
        actions=pd.DataFrame(),
        grid_places={},
        grids_attached=True,
    )


def _kinds(facts: CollectiveFacts, day: dt.date) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for m in structure_messages(facts, Mail(), SETTINGS, day):
        if m.kind in (MessageKind.REMINDER, MessageKind.LATE):
            found.setdefault(m.structure, set()).add(m.kind.value)
    return found


def test_reminders_and_late_notices_follow_the_structures_own_date(tmp_path: Path) -> None:
    facts = _facts(tmp_path, chapter_dates={"1": "2025-09-15"})
    before_meeting = MEETING - dt.timedelta(days=13)
    assert _kinds(facts, before_meeting) == {"aci-une": {"retard"}}  # no « rappel » once late
    before_own = dt.date(2025, 9, 15) - dt.timedelta(days=13)
    assert _kinds(facts, before_own) == {"ai-deux": {"retard"}}
    [late] = [m for m in structure_messages(facts, Mail(), SETTINGS, before_own)
              if m.kind == MessageKind.LATE]  # fmt: skip
    assert "attendu pour le lundi 15/09/2025" in late.body
    assert "le regroupement du collectif a eu lieu le mercredi 11/06/2025" in late.body
    assert late.key.split("/")[4] == "2025-09-15"  # a moved own date is a new occasion
    digest = "\n".join(digest_lines(facts, SETTINGS, before_own))
    assert "AI Deux, chapitre 1" in digest and "date propre le 15/09/2025" in digest
    assert "ACI Une, chapitre 1" in digest  # its regroupement is past: still late


def test_no_reminder_for_a_chapter_held_before_the_structure_joined(tmp_path: Path) -> None:
    joined_before = _facts(tmp_path / "a", joined="2025-05-01")
    both = {"aci-une": {"retard"}, "ai-deux": {"retard"}}
    assert _kinds(joined_before, MEETING - dt.timedelta(days=13)) == both
    joined_after = _facts(tmp_path / "b", joined="2025-06-20")
    assert _kinds(joined_after, MEETING - dt.timedelta(days=13)) == {"aci-une": {"retard"}}
    reminder_day = MEETING - dt.timedelta(days=SETTINGS.late_days + 3)  # J−3 of the deadline
    assert _kinds(joined_before, reminder_day) == {"aci-une": {"rappel"}, "ai-deux": {"rappel"}}
    assert _kinds(joined_after, reminder_day) == {"aci-une": {"rappel"}}

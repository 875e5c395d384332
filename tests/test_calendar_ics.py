"""The .ics export: importable (parsed back with icalendar), stable UIDs, Paris times."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from icalendar import Calendar

from capsync.campaign.validation import load_campaign
from capsync.render.calendar_ics import calendar_ics
from tests import layout_campaign as lc

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2025, 4, 1, 8, 30, tzinfo=dt.UTC)


def _events(data: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(data)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_one_event_per_phase_with_stable_uids():
    events = _events(calendar_ics(lc.collective(), now=NOW))
    assert sorted(events) == sorted(
        [
            "test-collectif-webinaire-n1@capsync",
            "test-collectif-lancement-n1@capsync",
            "test-collectif-visio_lecture-1@capsync",
            "test-collectif-regroupement-1@capsync",
            "test-collectif-visio_lecture-2@capsync",
            "test-collectif-regroupement-2@capsync",
            "test-collectif-cloture-n1@capsync",
        ]
    )


def test_timed_phase_is_in_paris_time():
    data = calendar_ics(lc.collective(), now=NOW)
    event = _events(data)["test-collectif-visio_lecture-2@capsync"]
    start = event["DTSTART"]
    assert start.params["TZID"] == "Europe/Paris"
    assert start.dt.replace(tzinfo=None) == dt.datetime(2025, 5, 6, 15, 30)
    assert start.dt.utcoffset() == dt.timedelta(hours=2)  # summer time
    assert event["DTEND"].dt - start.dt == dt.timedelta(hours=2)
    assert str(event["SUMMARY"]) == (
        "CAP RSE Nouvelle-Aquitaine — Visio lecture / inter-session auto-évaluation — chapitre 2"
    )
    assert str(event["DESCRIPTION"]) == "Collectif de test\nModalité\u00a0: Visio"
    assert event["DTSTAMP"].dt == NOW
    assert b"BEGIN:VTIMEZONE" in data
    assert b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in data
    assert b"TZID:Europe/Paris" in data


def test_phase_without_time_is_all_day_with_place_and_notes():
    events = _events(calendar_ics(lc.collective(), now=NOW))
    launch = events["test-collectif-lancement-n1@capsync"]
    assert launch["DTSTART"].dt == dt.date(2025, 2, 4)
    assert not isinstance(launch["DTSTART"].dt, dt.datetime)
    assert launch["DTEND"].dt == dt.date(2025, 2, 5)
    assert str(launch["LOCATION"]) == "Bordeaux"
    assert str(launch["DESCRIPTION"]) == (
        "Collectif de test\nModalité\u00a0: En présentiel\nLieu\u00a0: Bordeaux\nJournée de cadrage"
    )
    assert str(launch["STATUS"]) == "CONFIRMED"


def test_tentative_phase_says_so():
    events = _events(calendar_ics(lc.collective(), now=NOW))
    closing = events["test-collectif-cloture-n1@capsync"]
    assert str(closing["STATUS"]) == "TENTATIVE"
    assert str(closing["SUMMARY"]) == (
        "CAP RSE Nouvelle-Aquitaine — Clôture, évaluation finale et labellisation "
        "(date à confirmer)"
    )
    assert "Date à confirmer (07/2025)." in str(closing["DESCRIPTION"])


def test_same_calendar_same_bytes():
    assert calendar_ics(lc.collective(), now=NOW) == calendar_ics(lc.collective(), now=NOW)


def test_naive_now_is_read_as_utc():
    naive = calendar_ics(lc.collective(), now=NOW.replace(tzinfo=None))
    assert naive == calendar_ics(lc.collective(), now=NOW)


@pytest.mark.parametrize("collective_id", ["nouvelle-aquitaine", "occitanie"])
def test_example_calendars_parse_back(collective_id):
    campaign = load_campaign(ROOT / "config" / "capsync.yaml")
    collective = campaign.config.collective(collective_id)
    events = _events(calendar_ics(collective, now=NOW))
    assert len(events) == len(collective.calendar)
    assert all(str(uid).endswith("@capsync") for uid in events)


def test_a_moved_regroupement_keeps_its_uid_and_a_higher_sequence():
    collective = lc.collective()
    before = _events(calendar_ics(collective, now=NOW))
    moved = [
        p.model_copy(update={"date": p.date + dt.timedelta(days=30)})
        if (p.kind.value, p.chapter) == ("regroupement", "2")
        else p
        for p in collective.calendar
    ]
    later = NOW + dt.timedelta(days=1)
    after = _events(calendar_ics(collective.model_copy(update={"calendar": moved}), now=later))
    assert after.keys() == before.keys()  # agendas move the event, they do not add one
    uid = "test-collectif-regroupement-2@capsync"
    assert after[uid]["DTSTART"].dt == before[uid]["DTSTART"].dt + dt.timedelta(days=30)
    assert after[uid]["SEQUENCE"] > before[uid]["SEQUENCE"]


def test_the_collectif_calendar_carries_each_plan_review_when_asked():
    """The délégué·e·s' agenda shows each structure's plan de progrès review, dated like
    ``calendrier.xlsx``: 6 months after its restitution here."""
    base = lc.collective()
    first = base.structures[0].model_copy(update={"restitution_date": dt.date(2026, 1, 20)})
    coll = base.model_copy(update={"structures": [first, *base.structures[1:]]})
    plain = _events(calendar_ics(coll, now=NOW))
    assert not [uid for uid in plain if "revue-plan" in uid]
    events = _events(calendar_ics(coll, now=NOW, review_months=6))
    review = events[f"{coll.id}-collectif-{first.id}-revue-plan@capsync"]
    assert review["DTSTART"].dt == dt.date(2026, 7, 20)  # type: ignore[index]
    assert str(review["SUMMARY"]) == f"CAP RSE — Revue du plan de progrès — {first.name}"  # type: ignore[index]

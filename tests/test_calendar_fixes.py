"""What the calendars tell a structure and its délégué·e·s, checked against the dashboard:

- a structure's own calendar follows *its* dates (``chapter_dates``) and leaves out a
  chapter held before it ``joined`` (« à rattraper », said on that regroupement);
- an all-day event reminds at 09:00, not at midnight; a month « à confirmer » does not
  make anyone busy all month;
- ``calendrier.xlsx`` shows a tentative phase's month, not an invented day;
- a computed plan review never falls on a weekend, and the same day is everywhere.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from icalendar import Alarm, Calendar

from capsync.backends.local import LocalBackend
from capsync.campaign.validation import load_campaign
from capsync.jobs.generate import generate
from capsync.jobs.structure_calendars import structure_calendars
from capsync.jobs.sync import run_cycle, state_path
from capsync.layout.calendar import TABLE_HEADER_ROW, calendar_spec
from capsync.layout.dashboard_progress import CATCH_UP, LATE, cell_status, structure_dates
from capsync.layout.plan_review import plan_review_date
from capsync.render.calendar_ics import calendar_ics, structure_calendar_ics
from capsync.render.xlsx import render_xlsx
from capsync.store.database import Store
from capsync.store.sync_state import SyncState

from .grid_campaign import config, write_campaign

ROOT = Path(__file__).resolve().parents[1]
CAMPAIGN = load_campaign(ROOT / "config" / "capsync.yaml")
NOW = dt.datetime(2025, 5, 20, 9, 0, tzinfo=dt.UTC)
INCOMPLETE = {"applicable": 10, "answered": 2, "completion": 0.2}


def _events(data: bytes) -> dict[str, Any]:
    return {str(e["UID"]): e for e in Calendar.from_ical(data).walk("VEVENT")}


def _structure_events(collective_id: str, structure_id: str, **update: Any) -> dict[str, Any]:
    collective = CAMPAIGN.config.collective(collective_id)
    structure = collective.structure(structure_id).model_copy(update=update)
    data = structure_calendar_ics(collective, structure, now=NOW, late_days=14, completion={})
    return _events(data)


def _grid_deadlines(events: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Chapter → its « grille à compléter » event."""
    return {
        uid.removeprefix(prefix).removesuffix("@capsync"): e
        for uid, e in events.items()
        if uid.startswith(prefix)
    }


# -- defect 2: a structure's own dates ----------------------------------------------------


def test_a_structure_with_its_own_dates_is_asked_for_its_grid_by_them() -> None:
    """Its mails say chapter 1 is expected on 15/02/2026: its agenda says so too, and the
    deadline is the last day the dashboard does not call the chapter « en retard »."""
    own = {"1": dt.date(2026, 2, 15), "2": dt.date(2026, 5, 20)}
    collective = CAMPAIGN.config.collective("occitanie")
    structure = collective.structure("menuiserie-solidaire-albi").model_copy(
        update={"chapter_dates": own}
    )
    events = _structure_events(
        "occitanie", "menuiserie-solidaire-albi", chapter_dates=own, joined=None
    )
    grids = _grid_deadlines(events, "occitanie-menuiserie-solidaire-albi-grille-")
    first = grids["1"]
    assert first["DTSTART"].dt == dt.date(2026, 2, 1)  # 15/02 − 14 days
    assert str(first["SUMMARY"]) == (
        "CAP RSE — Chapitre 1\u00a0: grille à compléter avant le 01/02/2026"
    )
    assert "attendu le 15/02/2026, date propre à votre structure" in str(first["DESCRIPTION"])
    assert grids["2"]["DTSTART"].dt == dt.date(2026, 5, 6)
    dates = structure_dates(collective, structure)
    assert sorted(grids) == sorted(dates)  # the other chapters: the collectif's regroupements
    for chapter, event in grids.items():
        day = event["DTSTART"].dt
        assert cell_status(INCOMPLETE, dates[chapter], None, 14, day) != LATE, chapter
        after = day + dt.timedelta(days=1)
        assert cell_status(INCOMPLETE, dates[chapter], None, 14, after) == LATE, chapter
    meeting = events["menuiserie-solidaire-albi.occitanie-regroupement-1@capsync"]
    assert "ce chapitre est attendu le 15/02/2026" in str(meeting["DESCRIPTION"])


def test_a_late_joiner_is_not_asked_for_a_chapter_held_before_it_joined() -> None:
    collective = CAMPAIGN.config.collective("occitanie")
    joined = dt.date(2026, 1, 5)
    structure = collective.structure("jardins-du-lauragais").model_copy(
        update={"joined": joined, "chapter_dates": {}}
    )
    data = structure_calendar_ics(collective, structure, now=NOW, late_days=14, completion={})
    events = _events(data)
    grids = _grid_deadlines(events, "occitanie-jardins-du-lauragais-grille-")
    dates = structure_dates(collective, structure)
    behind = {c for c, day in dates.items() if cell_status({}, day, joined, 14, joined) == CATCH_UP}
    assert behind  # the dashboard has chapters « à rattraper » for it
    assert sorted(grids) == sorted(set(dates) - behind)
    assert all(e["DTSTART"].dt >= joined - dt.timedelta(days=14) for e in grids.values())
    for chapter in behind:
        meeting = events[f"jardins-du-lauragais.occitanie-regroupement-{chapter}@capsync"]
        said = str(meeting["DESCRIPTION"])
        assert "Chapitre à rattraper\u00a0: ce regroupement a eu lieu avant votre arrivée" in said
        assert "(le 05/01/2026)\u202f; convenez avec votre délégation" in said


def test_a_late_joiner_that_has_done_the_chapter_is_not_told_to_catch_it_up() -> None:
    """The dashboard says « fait » before « à rattraper »: so does the calendar the sync
    writes, from the same chapter rows."""
    collective = CAMPAIGN.config.collective("occitanie")
    structure = collective.structure("jardins-du-lauragais").model_copy(
        update={"joined": dt.date(2026, 1, 5), "chapter_dates": {}}
    )
    collective = collective.model_copy(update={"structures": [structure]})
    settings = CAMPAIGN.config.settings
    uid = "jardins-du-lauragais.occitanie-regroupement-1@capsync"
    said = {}
    for completion in (0.5, 1.0):
        frame = pd.DataFrame(
            {"structure": [structure.id], "chapter": ["1"], "answered": [round(9 * completion)],
             "applicable": [9], "completion": [completion]}
        )  # fmt: skip
        (made,) = structure_calendars(collective, frame, settings, NOW)
        said[completion] = str(_events(made.content())[uid]["DESCRIPTION"])
    assert "Chapitre à rattraper" in said[0.5]
    assert "Chapitre à rattraper" not in said[1.0]


def test_a_chapter_to_catch_up_given_its_own_date_is_asked_for_again() -> None:
    """The délégué·e·s agree on a day with the late joiner and write it in
    ``chapter_dates``: the chapter is no longer « à rattraper », it has its deadline."""
    collective = CAMPAIGN.config.collective("occitanie")
    first = min(structure_dates(collective, collective.structures[0]).items(), key=lambda x: x[1])
    own = {first[0]: dt.date(2026, 3, 2)}
    events = _structure_events(
        "occitanie", "jardins-du-lauragais", joined=dt.date(2026, 1, 5), chapter_dates=own
    )
    grids = _grid_deadlines(events, "occitanie-jardins-du-lauragais-grille-")
    assert grids[first[0]]["DTSTART"].dt == dt.date(2026, 2, 16)


# -- defect 11: reminders at a working hour, a tentative month free ---------------------


def _fires_at(event: Any, alarm: Any) -> dt.datetime:
    start = event["DTSTART"].dt
    if not isinstance(start, dt.datetime):  # all-day: the agenda starts it at midnight
        start = dt.datetime.combine(start, dt.time(0))
    return start.replace(tzinfo=None) + alarm["TRIGGER"].dt


def test_all_day_events_remind_at_nine_and_timed_ones_their_days_before() -> None:
    collective = CAMPAIGN.config.collective("nouvelle-aquitaine")
    structure = collective.structure("trait-d-union-17")
    data = structure_calendar_ics(collective, structure, now=NOW, late_days=14, completion={})
    seen_all_day = seen_timed = 0
    for event in Calendar.from_ical(data).walk("VEVENT"):
        start = event["DTSTART"].dt
        fires = sorted(_fires_at(event, a) for a in event.walk("VALARM"))
        if isinstance(start, dt.datetime):
            seen_timed += 1
            wall = start.replace(tzinfo=None)
            assert fires == [wall - dt.timedelta(days=14), wall - dt.timedelta(days=3)]
        else:
            seen_all_day += 1
            nine = dt.datetime.combine(start, dt.time(9))
            assert fires == [nine - dt.timedelta(days=14), nine - dt.timedelta(days=3)]
    assert seen_all_day > 5 and seen_timed > 3
    assert b"TRIGGER:-P13DT15H\r\n" in data and b"TRIGGER:-P2DT15H\r\n" in data


def test_the_reminders_are_the_bytes_icalendar_writes() -> None:
    """The shared reminder bytes are icalendar's own VALARM, with the 09:00 trigger."""
    collective = CAMPAIGN.config.collective("nouvelle-aquitaine")
    structure = collective.structure("trait-d-union-17")
    data = structure_calendar_ics(collective, structure, now=NOW, late_days=14, completion={})
    grid = _events(data)["nouvelle-aquitaine-trait-d-union-17-grille-1@capsync"]
    for days in (14, 3):
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", str(grid["SUMMARY"]).removeprefix("CAP RSE — "))
        alarm.add("trigger", dt.timedelta(days=-days, hours=9))
        assert alarm.to_ical() in data


def test_a_month_to_confirm_does_not_make_the_month_busy() -> None:
    collective = CAMPAIGN.config.collective("nouvelle-aquitaine")
    structure = collective.structures[0]
    for data in (
        calendar_ics(collective, now=NOW),
        structure_calendar_ics(collective, structure, now=NOW, late_days=14, completion={}),
    ):
        events = Calendar.from_ical(data).walk("VEVENT")
        closing = next(e for e in events if "Clôture" in str(e["SUMMARY"]))
        assert str(closing["STATUS"]) == "TENTATIVE"
        assert str(closing["TRANSP"]) == "TRANSPARENT"
        meetings = [e for e in events if "Regroupement" in str(e["SUMMARY"])]
        assert meetings and all("TRANSP" not in e for e in meetings)  # a meeting is busy


# -- defect 14: calendrier.xlsx and the plan reviews -------------------------------------


def test_calendrier_xlsx_shows_the_month_of_a_phase_to_confirm(tmp_path: Path) -> None:
    collective = CAMPAIGN.config.collective("nouvelle-aquitaine")
    path = tmp_path / "calendrier.xlsx"
    render_xlsx(calendar_spec(collective, dt.date(2026, 6, 20)), path)
    sheet = openpyxl.load_workbook(path)["Calendrier"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    table = rows[TABLE_HEADER_ROW + 1 :]
    closing = next(r for r in table if str(r[2]).startswith("Clôture"))
    assert closing[0] == "juillet 2026"
    assert closing[7] == "à confirmer"
    assert rows[1][2] == (  # « Prochaine étape »
        "Clôture, évaluation finale et labellisation — juillet 2026 (à confirmer)"
    )
    assert all(isinstance(r[0], dt.datetime) for r in table if r[7] != "à confirmer")


def _local_campaign(folder: Path) -> Path:
    """ACI Une joined after the chapter 1 regroupement (11/06/2025) and has its restitution
    on Monday 22/09/2025 (+ 6 months: Sunday 22/03/2026); AI Deux has its own dates."""
    cfg = config()
    aci, ai = cfg["collectives"][0]["structures"]
    aci.update(joined="2025-07-01", restitution_date="2025-09-22")
    ai.update(chapter_dates={"1": "2025-09-15", "2": "2025-10-20"})
    write_campaign(folder, cfg=cfg)
    return folder / "capsync.yaml"


def _sheet(path: Path, name: str) -> list[list[Any]]:
    book = openpyxl.load_workbook(path)
    return [[c.value for c in row] for row in book[name].iter_rows()]


def test_a_sync_writes_each_structure_its_own_dates_and_one_plan_review_day(tmp_path: Path) -> None:
    """Through a real cycle: the files on disk agree with the dashboard."""
    campaign = load_campaign(_local_campaign(tmp_path))
    backend = LocalBackend(campaign.data_dir)
    now = dt.datetime(2025, 8, 1, 9, 0)
    generate(campaign, backend, now=now)
    with Store.open(campaign.data_dir) as store, SyncState(state_path(campaign.data_dir)) as st:
        assert run_cycle(campaign, backend, store, st, now=now).ok
    folder = campaign.data_dir / "test-na"
    ai = _events((folder / "structures" / "ai-deux" / "calendrier.ics").read_bytes())
    aci = _events((folder / "structures" / "aci-une" / "calendrier.ics").read_bytes())
    assert ai["test-na-ai-deux-grille-1@capsync"]["DTSTART"].dt == dt.date(2025, 9, 1)
    assert ai["test-na-ai-deux-grille-2@capsync"]["DTSTART"].dt == dt.date(2025, 10, 6)
    assert not [uid for uid in aci if "-grille-" in uid]  # chapter 1 to catch up, 2: no date
    meeting = aci["aci-une.test-na-regroupement-1@capsync"]
    assert "Chapitre à rattraper" in str(meeting["DESCRIPTION"])

    board = _sheet(folder / "tableau-de-bord.xlsx", "Avancement")
    header = next(r for r in board if r[0] == "Structure")
    lines = {r[0]: dict(zip(header, r, strict=True)) for r in board[1:]}
    assert lines["ACI Une"]["Ch. 1"] == CATCH_UP
    assert lines["AI Deux"]["Échéance"] == dt.datetime(2025, 9, 15)  # grille-1 + 14 days

    monday = dt.date(2026, 3, 23)  # 22/03/2026 is a Sunday
    review = aci["test-na-aci-une-revue-plan@capsync"]
    assert review["DTSTART"].dt == monday
    team = _events((folder / "calendrier.ics").read_bytes())
    assert team["test-na-collectif-aci-une-revue-plan@capsync"]["DTSTART"].dt == monday
    calendar = _sheet(folder / "calendrier.xlsx", "Calendrier")
    row = next(r for r in calendar if r[2] == "Revue du plan de progrès — ACI Une")
    assert row[0] == dt.datetime(2026, 3, 23)
    followup = _sheet(folder / "tableau-de-bord.xlsx", "Suivi des plans")
    line = next(r for r in followup if r[0] == "ACI Une")
    assert line[2] == dt.datetime(2026, 3, 23)


def test_a_plan_review_the_configuration_dates_is_kept_even_on_a_saturday() -> None:
    collective = CAMPAIGN.config.collective("occitanie")
    structure = collective.structures[0]
    computed = plan_review_date(collective, structure)
    assert computed is not None and computed.weekday() < 5
    saturday = structure.model_copy(update={"plan_review_date": dt.date(2027, 9, 18)})
    assert plan_review_date(collective, saturday) == dt.date(2027, 9, 18)
    every = [plan_review_date(collective, s) for s in collective.structures]
    assert all(day is not None and day.weekday() < 5 for day in every)

"""Calendars every reader reads the same: icalendar, ical and vobject parse every .ics we
write, and every event starts, in Europe/Paris, when the configuration says; a structure's
own calendar has its deadlines, reminders and completion, and nothing of another structure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from capsync.campaign.config import Collective, Phase
from capsync.campaign.validation import load_campaign
from capsync.jobs.structure_calendars import structure_calendars
from capsync.render.calendar_ics import calendar_ics, structure_calendar_ics

ROOT = Path(__file__).resolve().parents[1]
PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2025, 5, 20, 8, 0, tzinfo=dt.UTC)
CAMPAIGN = load_campaign(ROOT / "config" / "capsync.yaml")
COMPLETION = {"1": "complétée à 45 % (9 critères renseignés sur 20)"}


def _calendars() -> list[tuple[str, Collective, bytes]]:
    found = []
    for collective in CAMPAIGN.config.collectives:
        found.append((collective.id, collective, calendar_ics(collective, now=NOW)))
        for structure in collective.structures:
            data = structure_calendar_ics(
                collective, structure, now=NOW, late_days=14, completion=COMPLETION
            )
            found.append((f"{collective.id}/{structure.id}", collective, data))
    return found


CALENDARS = _calendars()


def _expected_starts(collective: Collective) -> dict[str, dt.datetime | dt.date]:
    """Phase title → its start as the configuration says (tentative: the month's first day)."""
    starts: dict[str, dt.datetime | dt.date] = {}
    for phase in collective.phases():
        if phase.tentative:
            starts[phase.title] = phase.date.replace(day=1)
        elif phase.time is None:
            starts[phase.title] = phase.date
        else:
            starts[phase.title] = dt.datetime.combine(phase.date, phase.time, tzinfo=PARIS)
    return starts


def _phase_starts(starts: dict[str, object], collective: Collective) -> dict[str, object]:
    """Summary → start, for the events that are phases of the collectif."""
    prefix = f"CAP RSE {collective.region} — "
    return {
        s.removeprefix(prefix).removesuffix(" (date à confirmer)"): v
        for s, v in starts.items()
        if s.startswith(prefix)
    }


def _as_paris(value: object) -> object:
    if isinstance(value, dt.datetime):
        assert value.tzinfo is not None, "a timed event must say its zone"
        return value.astimezone(PARIS)
    return value


def _icalendar_starts(data: bytes) -> dict[str, object]:
    cal = Calendar.from_ical(data)
    return {str(e["SUMMARY"]): _as_paris(e["DTSTART"].dt) for e in cal.walk("VEVENT")}


def _ical_starts(data: bytes) -> dict[str, object]:
    cal = IcsCalendarStream.calendar_from_ics(data.decode())
    return {e.summary: _as_paris(e.dtstart) for e in cal.events}


def _vobject_starts(data: bytes) -> dict[str, object]:
    cal = vobject.readOne(data.decode())
    return {str(e.summary.value): _as_paris(e.dtstart.value) for e in cal.vevent_list}


@pytest.mark.parametrize("reader", [_icalendar_starts, _ical_starts, _vobject_starts])
@pytest.mark.parametrize(("name", "collective", "data"), CALENDARS, ids=[c[0] for c in CALENDARS])
def test_every_reader_reads_every_start_in_paris_time(reader, name, collective, data):
    starts = reader(data)
    phases = _phase_starts(starts, collective)
    expected = _expected_starts(collective)
    assert phases == expected
    for title, start in phases.items():  # the same wall clock and offset, whatever the reader
        wanted = expected[title]
        if isinstance(wanted, dt.datetime):
            assert start.utcoffset() == wanted.utcoffset(), title


def test_vobject_reads_the_april_visio_at_ten_paris_time():
    """The bug of the issue: a zone without rules read one hour off."""
    collective = CAMPAIGN.config.collective("nouvelle-aquitaine")
    starts = _vobject_starts(calendar_ics(collective, now=NOW))
    visio = starts["CAP RSE Nouvelle-Aquitaine — Visio lecture / inter-session auto-évaluation "
                   "— chapitre 5"]  # fmt: skip
    assert visio == dt.datetime(2026, 4, 7, 10, 0, tzinfo=PARIS)
    assert visio.utcoffset() == dt.timedelta(hours=2)


def test_the_paris_zone_carries_its_yearly_rules():
    data = calendar_ics(CAMPAIGN.config.collective("occitanie"), now=NOW).decode()
    zone = data[data.index("BEGIN:VTIMEZONE") : data.index("END:VTIMEZONE")]
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in zone
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in zone
    assert "RDATE" not in zone


def test_a_tentative_phase_spans_its_month_without_an_invented_day():
    collective = CAMPAIGN.config.collective("nouvelle-aquitaine")
    cal = Calendar.from_ical(calendar_ics(collective, now=NOW))
    closing = next(e for e in cal.walk("VEVENT") if "Clôture" in str(e["SUMMARY"]))
    assert str(closing["STATUS"]) == "TENTATIVE"
    assert closing["DTSTART"].dt == dt.date(2026, 7, 1)
    assert closing["DTEND"].dt == dt.date(2026, 8, 1)
    assert str(closing["SUMMARY"]).endswith("(date à confirmer)")
    assert "Date à confirmer (07/2026)." in str(closing["DESCRIPTION"])


def _with_places(collective: Collective) -> Collective:
    def placed(phase: Phase) -> Phase:
        if phase.kind.value == "regroupement" and phase.chapter == "1":
            return phase.model_copy(update={"address": "12 rue des Lilas, 86000 Poitiers"})
        if phase.kind.value == "visio_lecture" and phase.chapter == "1":
            return phase.model_copy(update={"visio_link": "https://visio.example/cap-rse-1"})
        return phase

    return collective.model_copy(update={"calendar": [placed(p) for p in collective.calendar]})


def test_location_is_the_real_place_or_the_visio_link_never_the_modality():
    collective = _with_places(CAMPAIGN.config.collective("nouvelle-aquitaine"))
    events = {
        str(e["UID"]): e
        for e in Calendar.from_ical(calendar_ics(collective, now=NOW)).walk("VEVENT")
    }
    meeting = events["nouvelle-aquitaine-regroupement-1@capsync"]
    visio = events["nouvelle-aquitaine-visio_lecture-1@capsync"]
    assert str(meeting["LOCATION"]) == "12 rue des Lilas, 86000 Poitiers"
    assert str(visio["LOCATION"]) == "https://visio.example/cap-rse-1"
    assert str(visio["URL"]) == "https://visio.example/cap-rse-1"
    assert "Lien de la visio\u00a0: https://visio.example/cap-rse-1" in str(visio["DESCRIPTION"])
    other = events["nouvelle-aquitaine-regroupement-2@capsync"]
    assert "LOCATION" not in other  # « En présentiel » is not a place
    assert "Modalité\u00a0: En présentiel" in str(other["DESCRIPTION"])


def _structure_events(structure_id: str, completion=COMPLETION, now=NOW) -> dict[str, object]:
    collective = CAMPAIGN.config.collective("nouvelle-aquitaine")
    structure = collective.structure(structure_id)
    data = structure_calendar_ics(
        collective, structure, now=now, late_days=14, completion=completion
    )
    return {str(e["UID"]): e for e in Calendar.from_ical(data).walk("VEVENT")}


def test_a_structure_calendar_has_its_deadlines_with_alarms_and_completion():
    events = _structure_events("trait-d-union-17")
    grid = events["nouvelle-aquitaine-trait-d-union-17-grille-1@capsync"]
    assert grid["DTSTART"].dt == dt.date(2025, 5, 28)  # regroupement 11/06 − 14 days
    assert str(grid["SUMMARY"]) == (
        "CAP RSE — Chapitre 1\u00a0: grille à compléter avant le 28/05/2025"
    )
    assert "complétée à 45 % (9 critères renseignés sur 20)" in str(grid["DESCRIPTION"])
    triggers = sorted(a["TRIGGER"].dt for a in grid.walk("VALARM"))
    # all-day: at 09:00 on J−14 and J−3, not at midnight (-P13DT15H, -P2DT15H)
    assert triggers == [dt.timedelta(days=-14, hours=9), dt.timedelta(days=-3, hours=9)]
    meeting = events["trait-d-union-17.nouvelle-aquitaine-regroupement-1@capsync"]
    assert "Votre grille pour ce chapitre\u00a0: complétée à 45 %" in str(meeting["DESCRIPTION"])
    assert len([u for u in events if "-grille-" in u]) == 5


def test_restitution_and_plan_review_dates_are_in_the_structure_calendar():
    collective = CAMPAIGN.config.collective("nouvelle-aquitaine")
    structure = collective.structure("batir-ensemble-pau").model_copy(
        update={"restitution_date": dt.date(2026, 7, 2), "plan_review_date": dt.date(2026, 10, 1)}
    )
    data = structure_calendar_ics(collective, structure, now=NOW, late_days=14, completion={})
    events = {str(e["UID"]): e for e in Calendar.from_ical(data).walk("VEVENT")}
    restitution = events["nouvelle-aquitaine-batir-ensemble-pau-restitution@capsync"]
    review = events["nouvelle-aquitaine-batir-ensemble-pau-revue-plan@capsync"]
    assert restitution["DTSTART"].dt == dt.date(2026, 7, 2)
    assert review["DTSTART"].dt == dt.date(2026, 10, 1)
    assert "Bâtir Ensemble Pau" in str(review["SUMMARY"])


def test_a_structure_calendar_names_no_other_structure():
    collective = CAMPAIGN.config.collective("nouvelle-aquitaine")
    for structure in collective.structures:
        data = structure_calendar_ics(
            collective, structure, now=NOW, late_days=14, completion=COMPLETION
        ).decode()
        unfolded = data.replace("\r\n ", "")
        for other in collective.structures:
            if other.id != structure.id:
                assert other.name not in unfolded and other.id not in unfolded


def test_new_completion_keeps_uids_and_raises_the_sequence():
    before = _structure_events("trait-d-union-17")
    later = NOW + dt.timedelta(hours=1)
    after = _structure_events(
        "trait-d-union-17", {"1": "complétée à 100 % (20 critères renseignés sur 20)"}, later
    )
    assert after.keys() == before.keys()
    uid = "nouvelle-aquitaine-trait-d-union-17-grille-1@capsync"
    assert "100 %" in str(after[uid]["DESCRIPTION"])
    assert after[uid]["SEQUENCE"] > before[uid]["SEQUENCE"]


def test_structure_calendar_files_change_digest_only_when_completion_moves():
    import pandas as pd

    collective = CAMPAIGN.config.collective("occitanie")
    settings = CAMPAIGN.config.settings
    frame = pd.DataFrame(
        {"structure": ["ailes-revel"], "chapter": ["1"], "answered": [3],
         "applicable": [10], "completion": [0.3]}
    )  # fmt: skip
    first = {f.ref: f for f in structure_calendars(collective, frame, settings, NOW)}
    again = {f.ref: f for f in structure_calendars(collective, frame, settings, NOW)}
    moved = frame.assign(answered=[4], completion=[0.4])
    third = {f.ref: f for f in structure_calendars(collective, moved, settings, NOW)}
    assert len(first) == len(collective.structures)
    ref = next(r for r in first if r.structure == "ailes-revel")
    assert str(ref) == "occitanie/restitution/ailes-revel/calendrier"
    assert first[ref].digest == again[ref].digest != third[ref].digest
    from capsync.layout.messages import completion_text  # its wording is the mails' own

    said = completion_text({"answered": 4, "applicable": 10, "completion": 0.4})
    events = Calendar.from_ical(third[ref].content()).walk("VEVENT")
    grid = next(e for e in events if str(e["UID"]).endswith("-ailes-revel-grille-1@capsync"))
    assert said in str(grid["DESCRIPTION"])


_ENDS = ("BEGIN", "END")


def _components(data: bytes) -> list[tuple[str, list[tuple[str, bytes]]]]:
    """Each component's name and its properties as icalendar reads them, in a stable order."""
    found = []
    for component in Calendar.from_ical(data).walk():
        items = component.property_items(recursive=False)
        props = sorted((name, value.to_ical()) for name, value in items if name not in _ENDS)
        found.append((component.name, props))
    return found


def test_each_structure_calendar_says_what_icalendar_would_write_whole():
    """Events shared between structures are serialized once and joined with each structure's
    UID: read back, every structure's calendar is the one icalendar builds in one piece."""
    from icalendar import Alarm, Event

    collective = CAMPAIGN.config.collectives[0]
    for structure in collective.structures[:3]:
        data = structure_calendar_ics(
            collective, structure, now=NOW, late_days=14, completion=COMPLETION
        )
        whole = Calendar()
        for name, value in Calendar.from_ical(data).property_items(recursive=False):
            if name not in _ENDS:
                whole.add(name, value)
        for source in Calendar.from_ical(data).subcomponents:
            if source.name != "VEVENT":
                whole.add_component(source)
                continue
            event = Event()
            for name, value in source.property_items(recursive=False):
                if name not in _ENDS:
                    event.add(name, value)
            for reminder in source.walk("VALARM"):
                alarm = Alarm()
                for name, value in reminder.property_items():
                    if name not in _ENDS:
                        alarm.add(name, value)
                event.add_component(alarm)
            whole.add_component(event)
        assert _components(data) == _components(whole.to_ical())
        uids = [str(e["UID"]) for e in Calendar.from_ical(data).walk("VEVENT")]
        assert len(uids) == len(set(uids)) and all(structure.id in u for u in uids)
        assert data.count(b"\r\nUID:") == data.count(b"BEGIN:VEVENT") == len(uids)
        assert data.count(b"BEGIN:VCALENDAR") == data.count(b"END:VCALENDAR") == 1


def test_a_long_uid_is_folded_and_read_back_whole():
    collective = CAMPAIGN.config.collectives[0]
    long_id = "structure-au-nom-tres-long-" + "x" * 60
    structure = collective.structures[0].model_copy(update={"id": long_id})
    data = structure_calendar_ics(collective, structure, now=NOW, late_days=14, completion={})
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    for reader in (_icalendar_uids, _vobject_uids):
        uids = reader(data)
        assert uids and all(u.startswith(f"{long_id}.") or long_id in u for u in uids)


def _icalendar_uids(data: bytes) -> list[str]:
    return [str(e["UID"]) for e in Calendar.from_ical(data).walk("VEVENT")]


def _vobject_uids(data: bytes) -> list[str]:
    return [str(e.uid.value) for e in vobject.readOne(data.decode()).vevent_list]


def test_a_uid_line_is_the_one_icalendar_writes_at_every_length_around_the_fold():
    """A UID line shorter than 75 octets is written without icalendar's fold (it has none);
    from 75 octets on, icalendar folds it: the same bytes either way, accents (two octets)
    and characters TEXT escapes included."""
    from icalendar import Event, vText

    from capsync.render.calendar_ics import _uid_line

    for stem in ("s", "é", "a,b;c\\"):
        for size in range(60, 90):
            uid = (stem * size)[:size] + "@capsync"
            whole = Event().content_line("UID", vText(uid)).to_ical() + b"\r\n"
            assert _uid_line(uid) == whole, uid

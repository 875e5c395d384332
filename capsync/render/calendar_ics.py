"""Calendars as iCalendar (.ics) files people import or subscribe to: the collectif's, and
each structure's (the collectif's phases plus its own deadlines, with reminders).

Pure: returns bytes; writing the file atomically is the sync's job.

- UIDs are stable — collectif, kind and chapter, or the rank among phases of the same
  kind without a chapter, prefixed by the structure in a structure's calendar — and
  never contain the date, so when a regroupement moves, importing the file again moves
  the event instead of adding a second one; ``SEQUENCE`` grows with ``now`` (minutes
  since 1970) so agendas take the newer version. The same calendar at the same ``now``
  gives the same bytes.
- Times are in Europe/Paris, with a VTIMEZONE that carries the yearly rules (last
  Sunday of March and of October), as Google and Outlook write it: readers that do
  not know the zone (vobject) compute the same offsets as those that do.
- A tentative phase (« date à confirmer ») is an all-day event spanning its whole
  month, ``STATUS:TENTATIVE``, « (date à confirmer) » in its title: no day is invented;
  it is ``TRANSP:TRANSPARENT``, or the agenda would show the whole month busy.
- ``LOCATION`` is the real place (``address``, else ``place``) or the visio link; the
  modality alone (« Visio ») is said in the description, not as a place.
- Reminders (``VALARM``) fire ``alarm_days`` days before each event (J−14 and J−3
  by default in a structure's calendar). An all-day event starts at midnight, so its
  reminder fires at 09:00 on that day (``TRIGGER:-P13DT15H`` for J−14), not in the
  night; a timed event's fires ``alarm_days`` before its start.
- icalendar serializes each distinct event once: an event is kept as its properties
  but its UID, and its VEVENT bytes are remembered under them. The fifty structures
  of a collectif share most events (the same phase, the same completion); building
  and serializing ~450 content lines per calendar with icalendar's object model took
  ≈ 7 ms a calendar, a fifth of a cold sync's CPU (now ≈ 0.5–1.5 ms). A calendar is
  its head (icalendar's, with the VTIMEZONE) and its events, each with its own UID
  line (made by icalendar too) first — RFC 5545 leaves the order of a component's
  properties free.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vText

from capsync.campaign.config import Collective, Phase, Structure
from capsync.campaign.vocabulary import PhaseKind
from capsync.french import de, typeset
from capsync.layout.calendar import Deadline, held_before_joining, structure_deadlines
from capsync.layout.dashboard_progress import structure_dates
from capsync.layout.plan_review import DEFAULT_MONTHS, plan_review_date

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_DURATION = dt.timedelta(hours=2)
"""Length given to a phase that has a start time: the calendrier has no end times."""
PRODID = "-//COORACE//capsync CAP RSE//FR"
TENTATIVE_SUFFIX = " (date à confirmer)"
REMINDER_HOUR = 9
"""An all-day event's reminders fire at 09:00 (a working hour), ``alarm_days`` before."""
ICS_LAYOUT = 2
"""Raised when what a calendar says changes for the same configuration (2: reminders at
09:00, tentative phases transparent, a structure's own dates), so the sync rewrites the
files it would otherwise leave as they are."""


def phase_uid(collective: Collective, phase: Phase) -> str:
    """``<collectif>-<kind>-<chapter>@capsync``, or ``<collectif>-<kind>-n<rank>@capsync``.

    Validation forbids two phases of one kind for one chapter; phases without
    a chapter (webinaire, lancement, clôture) are numbered in date order.
    """
    if phase.chapter:
        return f"{collective.id}-{phase.kind.value}-{phase.chapter}@capsync"
    same = [p for p in collective.phases() if p.kind == phase.kind and not p.chapter]
    rank = next(i for i, p in enumerate(same, start=1) if p == phase)
    return f"{collective.id}-{phase.kind.value}-n{rank}@capsync"


def phase_summary(collective: Collective, phase: Phase, approach: str = "CAP RSE") -> str:
    """« CAP RSE Nouvelle-Aquitaine — Regroupement collectif — chapitre 2 » (``approach``:
    the démarche of the collectif's référentiel, « CAP ISO 9001 »)."""
    suffix = TENTATIVE_SUFFIX if phase.tentative else ""
    return f"{approach} {collective.region} — {phase.title}{suffix}"


def phase_description(collective: Collective, phase: Phase) -> str:
    lines = [collective.name]
    if phase.modality:
        lines.append(f"Modalité\u00a0: {phase.modality.label}")
    if phase.address or phase.place:
        lines.append(f"Lieu\u00a0: {phase.address or phase.place}")
    if phase.visio_link:
        lines.append(f"Lien de la visio\u00a0: {phase.visio_link}")
    if phase.tentative:
        lines.append(f"Date à confirmer ({phase.date:%m/%Y}).")
    if phase.notes:
        lines.append(phase.notes)
    return "\n".join(lines)


def paris_timezone() -> Timezone:
    """Europe/Paris with its yearly rules (EU summer time since 1996)."""
    zone = Timezone()
    zone.add("tzid", "Europe/Paris")
    zone.add("x-lic-location", "Europe/Paris")
    summer = TimezoneDaylight()
    summer.add("tzname", "CEST")
    summer.add("tzoffsetfrom", dt.timedelta(hours=1))
    summer.add("tzoffsetto", dt.timedelta(hours=2))
    summer.add("dtstart", dt.datetime(1970, 3, 29, 2, 0))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    winter = TimezoneStandard()
    winter.add("tzname", "CET")
    winter.add("tzoffsetfrom", dt.timedelta(hours=2))
    winter.add("tzoffsetto", dt.timedelta(hours=1))
    winter.add("dtstart", dt.datetime(1970, 10, 25, 3, 0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    zone.add_component(summer)
    zone.add_component(winter)
    return zone


def _utc(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC) if now.tzinfo else now.replace(tzinfo=dt.UTC)


def _month_span(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following


Properties = tuple[tuple[str, object], ...]
"""An event's properties but its UID, in the order they are added."""


@dataclass(frozen=True)
class _Event:
    """One VEVENT: its UID, and what it says (shared with other calendars' events)."""

    uid: str
    properties: Properties
    alarm: str  # what the reminders say
    alarm_days: tuple[int, ...]
    all_day: bool  # its reminders fire at REMINDER_HOUR

    def to_ical(self) -> bytes:
        body = _event_body(self.properties, self.alarm, self.alarm_days, self.all_day)
        return _BEGIN_EVENT + _uid_line(self.uid) + body.removeprefix(_BEGIN_EVENT)


_BEGIN_EVENT = b"BEGIN:VEVENT\r\n"
_END_EVENT = b"END:VEVENT\r\n"
_END_CALENDAR = b"END:VCALENDAR\r\n"


@lru_cache(maxsize=4096)
def _event_body(
    properties: Properties, alarm: str, alarm_days: tuple[int, ...], all_day: bool
) -> bytes:
    """The VEVENT without its UID, as icalendar writes it (its bytes depend on nothing
    but the arguments, so the structures of a collectif share them): its properties,
    then its reminders, which icalendar writes after them.

    icalendar writes each property on its own (folded) line that depends on its name
    and value only, in an order that depends on the names only; so each line is made
    once by icalendar and shared by every event that has it. Most of an event is the
    same for the 50 structures of a collectif (its dates, title, status); what names
    the structure (a description, a deadline's title) is the only line made per event.
    """
    names = tuple(name.upper() for name, _ in properties)
    lines = dict(zip(names, (_property_line(n, v) for n, v in properties), strict=True))
    if len(lines) != len(names):  # _phase_event and _deadline_event give each name once
        raise ValueError(f"a property given twice in an event: {names}")
    body = b"".join(lines[name] for name in _property_order(names))
    return _BEGIN_EVENT + body + _reminders(alarm, alarm_days, all_day) + _END_EVENT


@lru_cache(maxsize=8192)
def _property_line(name: str, value: object) -> bytes:
    """One property's content line(s), as icalendar writes it in an event."""
    event = Event()
    event.add(name, value)
    written: bytes = event.to_ical()
    return written.removeprefix(_BEGIN_EVENT).removesuffix(_END_EVENT)


@lru_cache(maxsize=64)
def _property_order(names: tuple[str, ...]) -> tuple[str, ...]:
    """The order icalendar writes an event's properties in: its canonical ones first."""
    event = Event()
    for name in names:
        event[name] = None  # only the keys are sorted
    return tuple(event.sorted_keys())


def reminder_trigger(days: int, all_day: bool) -> dt.timedelta:
    """When a reminder fires, relative to the event's start: ``days`` before a timed event;
    at REMINDER_HOUR on J−``days`` for an all-day one, which starts at midnight
    (−13 days 15 hours, « -P13DT15H », for J−14)."""
    return dt.timedelta(days=-days, hours=REMINDER_HOUR if all_day else 0)


@lru_cache(maxsize=1024)
def _reminders(alarm: str, alarm_days: tuple[int, ...], all_day: bool) -> bytes:
    """The event's VALARMs: a deadline's description names its structure, its reminders
    do not, so they are shared even when the event is not."""
    parts = []
    for n in sorted(set(alarm_days), reverse=True):
        reminder = Alarm()
        reminder.add("action", "DISPLAY")
        reminder.add("description", alarm)
        reminder.add("trigger", reminder_trigger(n, all_day))
        parts.append(reminder.to_ical())
    return b"".join(parts)


FOLDED_FROM = 75
"""Octets from which icalendar folds a content line (RFC 5545 §3.1: at most 75 a line)."""


def _uid_line(uid: str) -> bytes:
    """The UID line, made by icalendar (escaped as it escapes TEXT). Its folding walks the
    line character by character, a fifth of a structure's calendar for the 20 UID lines
    that name it, all shorter than 75 octets: a line that short is written as it is, a
    longer one folded by icalendar."""
    line = Event().content_line("UID", vText(uid))
    text = str(line).encode()
    written: bytes = text if len(text) < FOLDED_FROM else line.to_ical()
    return written + b"\r\n"


def _stamp(now: dt.datetime) -> Properties:
    stamp = _utc(now)
    return (("dtstamp", stamp), ("sequence", int(stamp.timestamp()) // 60))  # later files win


def _phase_event(
    collective: Collective,
    phase: Phase,
    now: dt.datetime,
    *,
    uid_prefix: str = "",
    extra: str = "",
    alarm_days: Iterable[int] = (),
    approach: str = "CAP RSE",
) -> _Event:
    properties: list[tuple[str, object]] = list(_stamp(now))
    if phase.tentative:
        first, following = _month_span(phase.date)
        properties += [("dtstart", first), ("dtend", following)]
    elif phase.time is None:
        properties += [("dtstart", phase.date), ("dtend", phase.date + dt.timedelta(days=1))]
    else:
        start = dt.datetime.combine(phase.date, phase.time, tzinfo=PARIS)
        properties += [("dtstart", start), ("dtend", start + DEFAULT_DURATION)]
    summary = phase_summary(collective, phase, approach)
    properties.append(("summary", summary))
    if phase.address or phase.place or phase.visio_link:
        properties.append(("location", phase.address or phase.place or phase.visio_link))
    if phase.visio_link:
        properties.append(("url", phase.visio_link))
    description = phase_description(collective, phase)
    properties.append(("description", f"{description}\n{extra}" if extra else description))
    properties.append(("status", "TENTATIVE" if phase.tentative else "CONFIRMED"))
    if phase.tentative:  # a month « à confirmer » does not make anyone busy all month
        properties.append(("transp", "TRANSPARENT"))
    uid = uid_prefix + phase_uid(collective, phase)
    all_day = phase.tentative or phase.time is None
    return _Event(uid, tuple(properties), summary, tuple(alarm_days), all_day)


def _deadline_event(
    uid: str, deadline: Deadline, now: dt.datetime, alarm_days: Iterable[int], approach: str
) -> _Event:
    properties = (
        *_stamp(now),
        ("dtstart", deadline.date),
        ("dtend", deadline.date + dt.timedelta(days=1)),
        ("summary", f"{approach} — {deadline.summary}"),
        ("description", deadline.description),
        ("status", "CONFIRMED"),
        ("transp", "TRANSPARENT"),  # a deadline does not make anyone busy
    )
    return _Event(uid, properties, deadline.summary, tuple(alarm_days), all_day=True)


def _calendar(name: str, events: Iterable[_Event], timed: bool) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Paris")
    head: bytes = calendar.to_ical()
    zone = [_timezone()] if timed else []
    parts = [head.removesuffix(_END_CALENDAR), *zone, *(e.to_ical() for e in events)]
    return b"".join([*parts, _END_CALENDAR])


@lru_cache(maxsize=1)
def _timezone() -> bytes:
    """The VTIMEZONE, as icalendar writes it: the same in every calendar."""
    zone: bytes = paris_timezone().to_ical()
    return zone


def _timed(phases: Iterable[Phase]) -> bool:
    return any(p.time is not None and not p.tentative for p in phases)


def calendar_ics(
    collective: Collective,
    *,
    now: dt.datetime,
    alarm_days: Iterable[int] = (),
    approach: str = "CAP RSE",
    review_months: int | None = None,
) -> bytes:
    """One VEVENT per phase of the collectif's calendrier, as .ics bytes; with
    ``review_months``, each structure's plan de progrès review too (all-day, dated as in
    ``calendrier.xlsx``), so the délégué·e·s see the milestones in their agenda.

    Timed phases carry ``TZID=Europe/Paris`` (with its VTIMEZONE); phases
    without a time are all-day events. ``now`` is the DTSTAMP (naive = UTC).
    """
    phases = collective.phases()
    alarms = tuple(alarm_days)
    events = [
        _phase_event(collective, p, now, alarm_days=alarms, approach=approach) for p in phases
    ]
    if review_months is not None:
        for structure in collective.structures:
            day = plan_review_date(collective, structure, review_months)
            if day is None:
                continue
            review = Deadline(
                "revue-plan",
                day,
                f"Revue du plan de progrès — {structure.name}",
                f"Revue du plan de progrès {de(structure.name)} avec la structure.",
            )
            uid = f"{collective.id}-collectif-{structure.id}-revue-plan@capsync"
            events.append(_deadline_event(uid, review, now, alarms, approach))
    return _calendar(f"Calendrier — {collective.name}", events, _timed(phases))


def structure_uid_prefix(structure: Structure) -> str:
    return f"{structure.id}."


def structure_calendar_ics(
    collective: Collective,
    structure: Structure,
    *,
    now: dt.datetime,
    late_days: int,
    completion: Mapping[str, str],
    done: Collection[str] = (),
    alarm_days: Iterable[int] = (14, 3),
    review_months: int = DEFAULT_MONTHS,
    approach: str = "CAP RSE",
) -> bytes:
    """A structure's own calendar: the collectif's phases and its deadlines, with reminders.

    Its deadlines follow *its* dates, as its mails and the dashboard do
    (:func:`~capsync.layout.calendar.structure_deadlines`). ``completion`` (chapter ID →
    « complétée à 45 % (…) ») goes into the description of the chapter's regroupement and
    of its « grille à compléter » deadline; the regroupement also says when the chapter
    is due for this structure if it has its own date, or that it is « à rattraper »
    when it was held before the structure joined and the chapter is not in ``done`` (its
    chapters « fait » or « sans objet »: nothing to catch up). Nothing of any other
    structure is in it.
    """
    alarms = tuple(alarm_days)
    prefix = structure_uid_prefix(structure)
    due = structure_dates(collective, structure)
    dated: list[tuple[dt.date, str, _Event]] = []
    for phase in collective.phases():
        extra = ""
        if phase.kind == PhaseKind.REGROUPEMENT and phase.chapter:
            catch_up = phase.chapter not in done and held_before_joining(
                due.get(phase.chapter), structure.joined
            )
            extra = _regroupement_note(structure, phase, catch_up, completion)
        event = _phase_event(
            collective,
            phase,
            now,
            uid_prefix=prefix,
            extra=extra,
            alarm_days=alarms,
            approach=approach,
        )
        dated.append((phase.date, prefix + phase_uid(collective, phase), event))
    deadlines = structure_deadlines(
        collective, structure, due, late_days, completion, review_months
    )
    for deadline in deadlines:
        uid = f"{collective.id}-{structure.id}-{deadline.key}@capsync"
        event = _deadline_event(uid, deadline, now, alarms, approach)
        dated.append((deadline.date, uid, event))
    events = [event for _, _, event in sorted(dated, key=lambda d: (d[0], d[1]))]
    return _calendar(f"{approach} — {structure.name}", events, _timed(collective.phases()))


def _regroupement_note(
    structure: Structure, phase: Phase, catch_up: bool, completion: Mapping[str, str]
) -> str:
    """What a chapter's regroupement says to one structure: « à rattraper » (held before it
    joined, still to do), or its own date for the chapter; then where its grid stands."""
    chapter, joined = phase.chapter or "", structure.joined
    own = structure.chapter_dates.get(chapter)
    lines = []
    if catch_up and joined is not None:
        lines.append(
            typeset(
                f"Chapitre à rattraper : ce regroupement a eu lieu avant votre arrivée dans le "
                f"collectif (le {joined:%d/%m/%Y}) ; convenez avec votre délégation de la "
                "date à laquelle le compléter."
            )
        )
    elif own is not None and own != phase.date:
        lines.append(typeset(f"Pour votre structure, ce chapitre est attendu le {own:%d/%m/%Y}."))
    state = completion.get(chapter)
    if state:
        lines.append(f"Votre grille pour ce chapitre\u00a0: {state}.")
    return "\n".join(lines)

"""The collectif's calendrier as an iCalendar (.ics) file people import into their agendas.

Pure: returns bytes; writing the file atomically is the sync's job. UIDs are
stable — collectif, kind and chapter, or the rank among phases of the same
kind without a chapter — and never contain the date, so when a regroupement
moves, importing the file again moves the event instead of adding a second
one; ``SEQUENCE`` grows with ``now`` so agendas take the newer version. ``now``
is passed in so that the same calendar at the same time gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from capsync.campaign.config import Collective, Phase

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_DURATION = dt.timedelta(hours=2)
"""Length given to a phase that has a start time: the calendrier has no end times."""
PRODID = "-//COORACE//capsync CAP RSE//FR"
TENTATIVE_SUFFIX = " (date à confirmer)"


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


def phase_summary(collective: Collective, phase: Phase) -> str:
    """« CAP RSE Nouvelle-Aquitaine — Regroupement collectif — chapitre 2 »."""
    suffix = TENTATIVE_SUFFIX if phase.tentative else ""
    return f"CAP RSE {collective.region} — {phase.title}{suffix}"


def phase_description(collective: Collective, phase: Phase) -> str:
    lines = [collective.name]
    if phase.modality:
        lines.append(f"Modalité : {phase.modality.label}")
    if phase.tentative:
        lines.append("Date à confirmer.")
    if phase.notes:
        lines.append(phase.notes)
    return "\n".join(lines)


def _event(collective: Collective, phase: Phase, now: dt.datetime) -> Event:
    event = Event()
    stamp = now.astimezone(dt.UTC) if now.tzinfo else now.replace(tzinfo=dt.UTC)
    event.add("uid", phase_uid(collective, phase))
    event.add("dtstamp", stamp)
    event.add("sequence", int(stamp.timestamp()) // 60)  # later files win in agendas
    if phase.time is None:
        event.add("dtstart", phase.date)
        event.add("dtend", phase.date + dt.timedelta(days=1))
    else:
        start = dt.datetime.combine(phase.date, phase.time, tzinfo=PARIS)
        event.add("dtstart", start)
        event.add("dtend", start + DEFAULT_DURATION)
    event.add("summary", phase_summary(collective, phase))
    if phase.place:
        event.add("location", phase.place)
    elif phase.modality is not None:
        event.add("location", phase.modality.label)
    event.add("description", phase_description(collective, phase))
    event.add("status", "TENTATIVE" if phase.tentative else "CONFIRMED")
    return event


def calendar_ics(collective: Collective, *, now: dt.datetime) -> bytes:
    """One VEVENT per phase of the collectif's calendrier, as .ics bytes.

    Timed phases carry ``TZID=Europe/Paris`` (with its VTIMEZONE); phases
    without a time are all-day events. ``now`` is the DTSTAMP (naive = UTC).
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Calendrier — {collective.name}")
    calendar.add("x-wr-timezone", "Europe/Paris")
    for phase in collective.phases():
        calendar.add_component(_event(collective, phase, now))
    phases = collective.phases()
    if any(p.time is not None for p in phases):
        first = min(p.date for p in phases) - dt.timedelta(days=366)
        last = max(p.date for p in phases) + dt.timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    ical: bytes = calendar.to_ical()  # icalendar leaves to_ical() unannotated
    return ical

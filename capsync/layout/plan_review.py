"""When a structure's plan de progrès is reviewed: the milestone after its restitution (pure).

The method gives a structure 6 to 8 months after the restitution day to carry out its
plan (seed 004); the review is the milestone where the tiers and the structure look at
each line again. Its date is, in this order:

1. the structure's own ``plan_review_date`` in the configuration;
2. ``settings.plan_review_months`` (6 by default) after its restitution — its
   ``restitution_date``, else the collectif's last regroupement (the last chapter
   reviewed together, where the plan is read back when no restitution is dated) —
   moved to the next Monday when it falls on a Saturday or a Sunday: a computed day is
   a meeting people will hold, and 6 months after a Thursday regroupement may well be
   a Saturday (a date the configuration gives is kept as written);
3. none, when neither is known yet.

The calendars (sheet and .ics), the dashboard and the mails read it from here, so the
same day appears everywhere.
"""

from __future__ import annotations

import calendar
import datetime as dt

from capsync.campaign.config import Collective, Structure
from capsync.campaign.vocabulary import PhaseKind

DEFAULT_MONTHS = 6


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months, on the last day of a shorter month (31/08 + 6 → 28/02)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def restitution_day(collective: Collective, structure: Structure) -> dt.date | None:
    """The structure's restitution date, else the collectif's last regroupement."""
    if structure.restitution_date is not None:
        return structure.restitution_date
    meetings = [p.date for p in collective.phases() if p.kind == PhaseKind.REGROUPEMENT]
    return max(meetings, default=None)


def plan_review_date(
    collective: Collective, structure: Structure, months: int = DEFAULT_MONTHS
) -> dt.date | None:
    """The day the structure's plan de progrès is reviewed (see the module docstring)."""
    if structure.plan_review_date is not None:
        return structure.plan_review_date
    start = restitution_day(collective, structure)
    return working_day(add_months(start, months)) if start is not None else None


SATURDAY = 5


def working_day(day: dt.date) -> dt.date:
    """``day``, or the Monday after it when it falls on a weekend (18/09/2027 → 20/09)."""
    weekday = day.weekday()
    return day + dt.timedelta(days=7 - weekday) if weekday >= SATURDAY else day

"""Which structures are late against their own dates, for ``--quiet`` and the daemon.

« En retard » has one meaning in capsync, the dashboard's « Avancement »
(:func:`~capsync.layout.dashboard_progress.cell_status`): a chapter not complete
whose due date is past or fewer than ``late_days`` days away. The due date is
the structure's own (``chapter_dates``) when the configuration gives one, else
the collectif's regroupement; a chapter whose regroupement was held before the
structure ``joined`` is « à rattraper », not late. The admin's one summary line
counts the structures with a late chapter, so that cron prints when someone
needs a nudge — and never for a structure that simply follows its own order.
"""

from __future__ import annotations

import datetime as dt

from capsync.campaign.config import Collective
from capsync.campaign.validation import Campaign
from capsync.layout.dashboard_progress import LATE, cell_status, structure_dates
from capsync.layout.tables import frame_rows
from capsync.scoring.scores import score_collective
from capsync.store.database import Store


def late_structures(
    campaign: Campaign, collective: Collective, store: Store, today: dt.date
) -> list[str]:
    """The IDs of the collectif's structures with at least one chapter « en retard »."""
    dates = {s.id: structure_dates(collective, s) for s in collective.structures}
    if not any(dates.values()):
        return []  # no date anywhere yet: nobody can be late (and nothing is scored)
    answers = store.current_answers(collective.id)
    chapters = score_collective(
        answers, campaign.referentiel_for(collective.id), collective.structures
    ).chapters
    late_days = campaign.config.settings.late_days
    joined = {s.id: s.joined for s in collective.structures}
    late: list[str] = []
    for row in frame_rows(chapters):
        structure = str(row.get("structure"))
        if structure not in dates or structure in late:
            continue
        due = dates[structure].get(str(row.get("chapter")))
        if cell_status(row, due, joined[structure], late_days, today) == LATE:
            late.append(structure)
    return late

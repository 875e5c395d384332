"""Which structures are late against their collectif's calendar, for ``--quiet`` and the daemon.

« En retard » has one meaning in capsync, the dashboard's (:func:`chapter_status`):
a chapter not complete whose regroupement is past or fewer than ``late_days``
days away. The admin's one summary line counts the structures with such a
chapter, so that cron prints when someone needs a nudge.
"""

from __future__ import annotations

import datetime as dt

from capsync.campaign.config import Collective
from capsync.campaign.validation import Campaign
from capsync.layout.calendar import regroupement_dates
from capsync.layout.dashboard_sheets import LATE, chapter_status
from capsync.scoring.scores import score_collective
from capsync.store.database import Store


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN: no answer at all


def late_structures(
    campaign: Campaign, collective: Collective, store: Store, today: dt.date
) -> list[str]:
    """The IDs of the collectif's structures with at least one chapter « en retard »."""
    meetings = regroupement_dates(collective)
    if not meetings:
        return []
    answers = store.current_answers(collective.id)
    chapters = score_collective(answers, campaign.referentiel, collective.structures).chapters
    late_days = campaign.config.settings.late_days
    late: list[str] = []
    for row in chapters.to_dict("records"):
        applicable = _number(row.get("applicable"))
        status = chapter_status(
            _number(row.get("completion")),
            int(_number(row.get("answered")) or 0),
            meetings.get(str(row.get("chapter"))),
            late_days,
            today,
            None if applicable is None else int(applicable),
        )
        if status == LATE and row["structure"] not in late:
            late.append(str(row["structure"]))
    return late

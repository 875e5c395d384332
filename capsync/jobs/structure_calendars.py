"""Each structure's own calendar (.ics), beside its restitutions in its own folder.

Written by the sync with the collectif's outputs: its content holds the chapter's
completion, so it moves when the structure's answers move (and only then — the
digest is of the content, ``now`` aside). Locally it is
``<data>/<collectif>/structures/<structure>/calendrier.ics``; on Google, an
uploaded file in the structure's folder, shared like its restitutions, that an
agenda can subscribe to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pandas as pd

from capsync.campaign.config import Collective, Settings
from capsync.layout.messages import completion_text
from capsync.layout.tables import frame_rows
from capsync.render.calendar_ics import structure_calendar_ics
from capsync.store.sync_state import content_hash
from capsync.workbook.refs import WorkbookRef, restitution_ref

CALENDAR_STEM = "calendrier"


@dataclass(frozen=True)
class CalendarFile:
    ref: WorkbookRef  # the file is this ref's ``.ics`` companion
    digest: str
    content: Callable[[], bytes]
    # when a worker builds and writes it (jobs/pooled_files.py): waits for that, and raises
    # what refused the write; None: the writer builds and writes it
    written: Callable[[], None] | None = None


def structure_calendar_ref(collective: str, structure: str) -> WorkbookRef:
    return restitution_ref(collective, structure, CALENDAR_STEM)


def structure_calendars(
    collective: Collective,
    chapters: pd.DataFrame,
    settings: Settings,
    now: dt.datetime,
    approach: str = "CAP RSE",
) -> list[CalendarFile]:
    """One calendar per structure, with its completion per chapter as of this sync."""
    by_structure: dict[str, dict[str, str]] = {}
    for row in frame_rows(chapters):
        if row.get("applicable"):
            texts = by_structure.setdefault(str(row["structure"]), {})
            texts[str(row["chapter"])] = completion_text(row)
    files = []
    for structure in collective.structures:
        completion = by_structure.get(structure.id, {})
        digest = content_hash(
            collective.id, collective.name, collective.region, collective.calendar,
            structure, sorted(completion.items()), settings.late_days,
            settings.calendar_alarm_days, settings.plan_review_months, approach,
        )  # fmt: skip
        content = partial(
            structure_calendar_ics,
            collective,
            structure,
            now=now.astimezone(dt.UTC),
            late_days=settings.late_days,
            completion=completion,
            alarm_days=settings.calendar_alarm_days,
            review_months=settings.plan_review_months,
            approach=approach,
        )
        files.append(
            CalendarFile(structure_calendar_ref(collective.id, structure.id), digest, content)
        )
    return files

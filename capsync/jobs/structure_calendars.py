"""Each structure's own calendar (.ics), beside its restitutions in its own folder.

Written by the sync with the collectif's outputs: its content holds the chapter's
completion, so it moves when the structure's answers move (and only then — the
digest is of the content, ``now`` aside, and of ``ICS_LAYOUT``, so a calendar written
by an older capsync is written again). Locally it is
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
from capsync.layout.dashboard_progress import DONE, NOT_CONCERNED, cell_status
from capsync.layout.messages import completion_text
from capsync.layout.tables import frame_rows
from capsync.render.calendar_ics import ICS_LAYOUT, structure_calendar_ics
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
    """One calendar per structure, with its completion per chapter as of this sync, and the
    chapters it has nothing left to do in (« fait » or « sans objet » on the dashboard,
    whose rule this is), which a late joiner has no longer to catch up."""
    by_structure: dict[str, dict[str, str]] = {}
    settled: dict[str, set[str]] = {}
    for row in frame_rows(chapters):
        structure_id, chapter = str(row["structure"]), str(row["chapter"])
        if row.get("applicable"):
            by_structure.setdefault(structure_id, {})[chapter] = completion_text(row)
        if cell_status(row, None, None, 0, now.date()) in (DONE, NOT_CONCERNED):  # no due date
            settled.setdefault(structure_id, set()).add(chapter)
    files = []
    shared = content_hash(  # once per collectif: the calendrier's repr was most of each hash
        collective.id, collective.name, collective.region, collective.calendar,
        settings.late_days, settings.calendar_alarm_days, settings.plan_review_months,
        approach, ICS_LAYOUT,
    )  # fmt: skip
    for structure in collective.structures:
        completion = by_structure.get(structure.id, {})
        done = frozenset(settled.get(structure.id, ()))
        digest = content_hash(shared, structure, sorted(completion.items()), sorted(done))
        content = partial(
            structure_calendar_ics,
            collective,
            structure,
            now=now.astimezone(dt.UTC),
            late_days=settings.late_days,
            completion=completion,
            done=done,
            alarm_days=settings.calendar_alarm_days,
            review_months=settings.plan_review_months,
            approach=approach,
        )
        files.append(
            CalendarFile(structure_calendar_ref(collective.id, structure.id), digest, content)
        )
    return files

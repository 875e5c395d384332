"""One collectif's refresh within a cycle: score it, write its live outputs, then the
documents its events called for.

A collectif's inputs (grid versions, configuration, référentiel, today's date)
are fingerprinted; an unchanged fingerprint skips scoring and every output, so
the common case — nothing changed — costs a few SQLite lookups. Otherwise the
dashboard, the calendar and each structure's « À corriger » workbook are
rebuilt as specs and written only if their content hash moved
(:class:`~capsync.jobs.cycle_writer.OutputWriter`); restitutions are built only
for the structures an event reached (:mod:`capsync.jobs.restitution_events`).
The fingerprint is remembered last, once every output is written, so a cycle
cut short (kill -9, a failed write) is redone at the next one.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from capsync.backends.base import Backend
from capsync.campaign.config import Collective
from capsync.campaign.validation import Campaign
from capsync.jobs.cycle_report import CollectiveOutcome
from capsync.jobs.cycle_writer import OutputWriter
from capsync.jobs.restitution_events import STATE_PREFIX, EventLog, due_restitutions
from capsync.jobs.restitutions import Batch, Renderer, Restitution, write_restitutions
from capsync.store.database import Store
from capsync.store.sync_state import SyncState, content_hash
from capsync.workbook.refs import Kind, WorkbookRef

if TYPE_CHECKING:
    from capsync.jobs.pooled_files import Rendered
    from capsync.jobs.structure_calendars import CalendarFile
    from capsync.layout.dashboard import DashboardInputs
    from capsync.layout.restitution_data import CollectiveView
    from capsync.scoring import scores as scoring
    from capsync.workers import Task

log = logging.getLogger("capsync")

Progress = Callable[[str, int, int], None]  # (what, done, total)


def fingerprint(campaign: Campaign, collective: Collective, store: Store, today: dt.date) -> str:
    """Everything a collectif's outputs depend on, as one hash."""
    return content_hash(
        sorted(store.source_state(collective.id).items()),
        store.change_stamp(collective.id),  # personal files and stray files too
        collective,
        campaign.referentiel_for(collective.id),
        campaign.config.settings,
        campaign.decisions.for_structures(s.id for s in collective.structures),
        today,
    )


def sharing_notice(
    state: SyncState, collective: Collective, backend: Backend, now: dt.datetime
) -> str | None:
    """On Drive, a changed délégué·e or contact changes who may open what: say so once.

    Files are shared when they are created; changing the sharing of existing
    files is ``capsync audit --fix``'s job (one request per file, so not done
    silently inside a cycle).
    """
    if not backend.shares_with_people:
        return None
    people = (
        sorted((d.email.lower(), d.role.value) for d in collective.delegates),
        sorted((s.id, sorted(c.lower() for c in s.contacts)) for s in collective.structures),
    )
    key, digest = f"sharing:{collective.id}", content_hash(people)
    before = state.hash_of(key)
    state.remember(key, digest, now)
    if before is None or before == digest:
        return None
    return (
        f"Collectif {collective.id} : les délégué·e·s ou les contacts ont changé dans la "
        "configuration ; lancez « capsync audit --fix » pour mettre les partages à jour."
    )


def _notices(
    collective: Collective, backend: Backend, store: Store, state: SyncState, now: dt.datetime
) -> list[str]:
    """What the admin must do for this collectif, in French (printed by the caller): share
    again after a change of people; start a campaign the configuration names."""
    from capsync.jobs.new_campaign import pending_campaigns

    notices = []
    notice = sharing_notice(state, collective, backend, now)
    if notice:  # the log line stays English
        log.info("collective %s: sharing differs from the configuration", collective.id)
        notices.append(notice)
    return notices + pending_campaigns(collective, store)


def live_outputs(collective: Collective) -> list[WorkbookRef]:
    """The live outputs that must be there for a collectif to be skipped."""
    return [WorkbookRef(collective.id, Kind.DASHBOARD), WorkbookRef(collective.id, Kind.CALENDAR)]


@dataclass
class Refresh:
    """A collectif between its scoring and its last written output."""

    collective: Collective
    outcome: CollectiveOutcome
    writer: OutputWriter
    fingerprint: str
    inputs: DashboardInputs
    restitutions: Callable[[], list[Restitution]]
    events: EventLog
    calendars: list[CalendarFile]  # each structure's .ics, built in the workers when many
    dashboard: Task[Rendered] | None  # laid out and rendered in a worker, or here when None


def start(
    campaign: Campaign,
    collective: Collective,
    backend: Backend,
    store: Store,
    state: SyncState,
    renderer: Renderer,
    *,
    now: dt.datetime,
    force: bool,
) -> Refresh | CollectiveOutcome:
    """Score a collectif and hand its restitutions to the renderer; skip it if nothing moved."""
    outcome = CollectiveOutcome(collective.id)
    today = now.date()
    stamp = fingerprint(campaign, collective, store, today)
    if (
        not force
        and state.hash_of(f"fingerprint:{collective.id}") == stamp
        and all(backend.exists(ref) for ref in live_outputs(collective))
    ):
        outcome.skipped = True
        return outcome
    # Imported here, past the skip: a cycle where nothing changed never loads the scoring
    # and layout stack (pandas, numpy), a third of a no-change ``capsync sync``.
    from capsync.layout.dashboard import DashboardInputs
    from capsync.layout.restitution_data import CollectiveView
    from capsync.scoring import scores as scoring

    outcome.notices += _notices(collective, backend, store, state, now)
    ref = campaign.referentiel_for(collective.id)
    answers = store.current_answers(collective.id)
    scores = scoring.score_collective(answers, ref, collective.structures)
    state.record_scores(today, collective.id, scores.chapters, scores.overall)
    actions = store.current_actions(collective.id)
    texts = store.current_texts(collective.id)
    decisions = campaign.decisions.for_structures(s.id for s in collective.structures)
    events = EventLog.load(state.hash_of(STATE_PREFIX + collective.id))
    settings = campaign.config.settings
    due = due_restitutions(collective, settings, complete_chapters(scores), events, today)
    last_change = store.last_change(collective.id)
    inputs = DashboardInputs(
        collective=collective,
        referentiel=ref,
        settings=campaign.config.settings,
        scores=scores,
        today=today,
        answers=answers,
        actions=actions,
        anomalies=store.current_anomalies(collective.id),
        texts=texts,
        last_change=last_change,
        history=state.score_history(collective.id),
        decisions=decisions,
    )
    batch = Batch(
        collective=collective,
        referentiel=ref,
        scores=scores,
        view=_restitution_view(inputs) if due else CollectiveView.empty(),  # none due: unread
        today=today,
        due=tuple(due),
        render=backend.files_are_xlsx,  # rendered to .xlsx bytes in the worker processes
        previous={d.structure: events.previous(d.structure, today) for d in due},
        last_change=last_change,
    )
    writer = OutputWriter(backend, state, outcome, now, force)
    restitutions = renderer.submit(batch)
    from capsync.jobs.pooled_files import dashboard_in_pool, in_pool
    from capsync.jobs.structure_calendars import structure_calendars

    dashboard = dashboard_in_pool(inputs, renderer.pool, backend.files_are_xlsx)  # from now on
    approach = ref.approach  # « CAP ISO 9001 » for such a collectif
    made = structure_calendars(collective, scores.chapters, campaign.config.settings, now, approach)
    calendars = in_pool(writer, made, renderer.pool, "ics")  # handed to the workers now
    return Refresh(
        collective, outcome, writer, stamp, inputs, restitutions, events, calendars, dashboard
    )


def _restitution_view(inputs: DashboardInputs) -> CollectiveView:
    """What the collectif's restitutions share; only computed when one is due."""
    from capsync.layout.label_decisions import decision_texts
    from capsync.layout.restitution_data import collective_view

    return collective_view(
        inputs.collective, inputs.referentiel, inputs.scores, actions=inputs.actions,
        answers=inputs.answers, texts=inputs.texts,
        label_decisions=decision_texts(inputs.decisions, inputs.today),
    )  # fmt: skip


def complete_chapters(scores: scoring.Scores) -> dict[str, set[str]]:
    """Per structure, the chapters whose self-assessment is complete: their review recorded."""
    chapters = scores.chapters
    done = chapters[(chapters["applicable"] > 0) & (chapters["answered"] >= chapters["applicable"])]
    found: dict[str, set[str]] = {}
    for structure, chapter in zip(done["structure"], done["chapter"], strict=True):
        found.setdefault(str(structure), set()).add(str(chapter))
    return found


def write_collective_files(job: Refresh, now: dt.datetime) -> None:
    """The calendars, « À corriger » and GES views, written while the restitutions render
    (but for what workers make: :func:`write_pooled`)."""
    from capsync.layout.calendar import calendar_spec
    from capsync.layout.dashboard import dashboard_spec
    from capsync.layout.plan_review import plan_review_date
    from capsync.render.calendar_ics import ICS_LAYOUT, calendar_ics

    collective, writer = job.collective, job.writer
    calendar_ref = WorkbookRef(collective.id, Kind.CALENDAR)
    months = job.inputs.settings.plan_review_months  # the plan de progrès review milestone
    writer.spec(calendar_ref, calendar_spec(collective, now.date(), months))
    reviews = [plan_review_date(collective, s, months) for s in collective.structures]
    # ICS_LAYOUT: a calendar an older capsync wrote is rewritten once, in the new layout
    digest = content_hash(
        collective.id, collective.name, collective.region, collective.calendar, reviews,
        [s.name for s in collective.structures], ICS_LAYOUT,
    )  # fmt: skip
    approach = job.inputs.referentiel.approach  # « CAP ISO 9001 » for such a collectif
    ics = partial(
        calendar_ics, collective, now=now.astimezone(dt.UTC), approach=approach,
        review_months=months,
    )  # fmt: skip
    writer.file(calendar_ref, "ics", ics, digest)
    for made in job.calendars:  # each structure's own (issue 13)
        if made.written is None:  # else a worker writes it: write_pooled
            writer.file(made.ref, "ics", made.content, made.digest)
    write_to_fix(job)
    from capsync.jobs.group_views import write_group_views

    write_group_views(writer, job.inputs)  # each GES's consolidated view (issue 12)
    if job.dashboard is None:  # laid out here; else rendered in a worker: write_pooled
        dashboard = WorkbookRef(collective.id, Kind.DASHBOARD)
        writer.spec(dashboard, dashboard_spec(job.inputs))


def pooled(job: Refresh) -> bool:
    """Whether workers make some of the collectif's outputs (:func:`write_pooled`)."""
    return job.dashboard is not None or any(m.written is not None for m in job.calendars)


def write_pooled(job: Refresh) -> None:
    """What the workers made, once it is there: the calendars they wrote, remembered, and
    the dashboard they rendered, written."""
    writer = job.writer
    for made in job.calendars:
        if made.written is not None:
            where = f"{writer.backend.location(made.ref)} (.ics)"
            writer.put(f"{made.ref}.ics", made.digest, made.written, where)
    if job.dashboard is None:
        return
    dashboard = WorkbookRef(job.collective.id, Kind.DASHBOARD)
    digest, content = job.dashboard.result()
    write = partial(writer.backend.write_bytes, dashboard, content)
    writer.put(str(dashboard), digest, write, writer.backend.location(dashboard), dashboard)


def write_to_fix(job: Refresh) -> None:
    """Each structure's « À corriger » workbook, in its own folder: written when it has
    anomalies, and kept up to date (« rien à corriger ») once it exists."""
    from capsync.layout.tables import frame_rows
    from capsync.layout.to_fix import to_fix_spec

    collective, writer = job.collective, job.writer
    by_structure: dict[str, list[dict[str, object]]] = {}
    for row in frame_rows(job.inputs.anomalies):
        by_structure.setdefault(str(row.get("structure")), []).append(row)
    for structure in collective.structures:
        ref = WorkbookRef(collective.id, Kind.TO_FIX, structure.id)
        rows = by_structure.get(structure.id, [])
        if rows or writer.state.hash_of(str(ref)) is not None:
            writer.spec(ref, to_fix_spec(collective, structure, rows))


def finish(
    job: Refresh,
    backend: Backend,
    state: SyncState,
    now: dt.datetime,
    progress: Progress | None,
) -> None:
    """What the workers made (:func:`write_pooled`), the documents of events (restitutions,
    regroupement kits), then the fingerprint: the collectif is done."""
    from capsync.jobs.regroupement_kits import kits_at_their_date

    write_pooled(job)
    produced, locked = write_restitutions(
        backend, job.collective.id, job.restitutions(), job.events, now.date(), progress
    )
    kits, kits_locked = kits_at_their_date(backend, state, job.inputs, now)  # issue 11
    produced, locked = produced + kits, locked + kits_locked
    job.outcome.produced += produced
    job.outcome.written += [f for p in produced for f in p.files]
    job.outcome.locked += locked
    state.remember(STATE_PREFIX + job.collective.id, job.events.dump(), now)
    if not job.outcome.locked:  # a locked output must be retried next cycle
        state.remember(f"fingerprint:{job.collective.id}", job.fingerprint, now)

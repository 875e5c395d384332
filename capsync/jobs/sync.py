"""One sync cycle: pull what changed → store → score → rewrite what changed.

The cycle is the daemon's unit of work and ``capsync sync`` runs exactly one.
It is organised so that the common case — nothing changed — costs one
listing of each collectif's grids and a few SQLite lookups: each collectif's
inputs (grid versions, configuration, référentiel, today's date) are
fingerprinted, and an unchanged fingerprint skips scoring and every output.
When something changed, the dashboard, the calendar and each structure's
« À corriger » workbook are rebuilt as specs and rewritten only if their
content hash moved. Restitutions are not live outputs: they are documents of
events (:mod:`capsync.jobs.restitution_events`), produced only for the
structures an event reached and kept, so a changed grid costs its own files,
not the collectif's. A failing collectif is reported and the others go on.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from capsync.backends.base import Backend
from capsync.campaign.config import Collective
from capsync.campaign.validation import Campaign
from capsync.errors import CapsyncError, FileLocked
from capsync.jobs.pull import PullReport, pull
from capsync.jobs.restitution_events import STATE_PREFIX, EventLog, due_restitutions
from capsync.jobs.restitutions import (
    POOL_MIN,
    Batch,
    Produced,
    Renderer,
    Restitution,
    write_restitutions,
)
from capsync.store.database import Store
from capsync.store.sync_state import SyncState, content_hash
from capsync.workbook.refs import NETWORK_REF, Kind, WorkbookRef
from capsync.workbook.spec import WorkbookSpec
from capsync.workers import worker_count

if TYPE_CHECKING:
    from capsync.layout.dashboard import DashboardInputs
    from capsync.scoring import scores as scoring

log = logging.getLogger("capsync")

Progress = Callable[[str, int, int], None]  # (what, done, total)


@dataclass
class CollectiveOutcome:
    collective: str
    skipped: bool = False  # nothing changed since the last cycle
    written: list[str] = field(default_factory=list)
    produced: list[Produced] = field(default_factory=list)  # restitutions and kits of events
    unchanged: int = 0
    locked: list[str] = field(default_factory=list)  # French messages
    notices: list[str] = field(default_factory=list)  # what an admin must do, in French
    error: str | None = None


@dataclass
class CycleReport:
    started_at: dt.datetime  # the ``now`` the cycle was given
    finished_at: dt.datetime | None = None  # stamped by the caller that reads the clock
    pull: PullReport | None = None
    pull_error: str | None = None  # the pull failed; the outputs were still refreshed
    collectives: list[CollectiveOutcome] = field(default_factory=list)
    network: CollectiveOutcome | None = None  # the network workbook, when ``national`` is set

    def _outcomes(self) -> list[CollectiveOutcome]:
        return [*self.collectives, *([self.network] if self.network else [])]

    @property
    def ok(self) -> bool:
        return self.pull_error is None and all(c.error is None for c in self._outcomes())

    @property
    def errors(self) -> dict[str, str]:
        found = {c.collective: c.error for c in self._outcomes() if c.error}
        if self.pull_error:
            found["pull"] = self.pull_error
        return found

    def produced(self) -> list[Produced]:
        """The documents this cycle's events produced (restitutions, regroupement kits), for
        whoever sends them on (the notifications)."""
        return [p for c in self.collectives for p in c.produced]

    def summary(self) -> str:
        """The French summary ``capsync sync`` prints and the status file keeps."""
        written = sum(len(c.written) for c in self._outcomes())
        skipped = sum(1 for c in self.collectives if c.skipped)
        if self.pull is not None:
            parts = [self.pull.summary_lines()[0].rstrip(".")]
        else:  # the pull failed: its cause is among the warnings
            parts = ["lecture des grilles impossible" if self.pull_error else "aucune grille lue"]
        plural = "s" if written > 1 else ""
        parts.append(f"{written} fichier{plural} de sortie réécrit{plural}")
        made = len(self.produced())
        if made:
            plural = "s" if made > 1 else ""
            parts.append(f"{made} document{plural} d'étape produit{plural}")
        if skipped:
            parts.append(f"{skipped} collectif{'s' if skipped > 1 else ''} sans changement")
        errors = sum(1 for c in self.collectives if c.error)
        if errors:
            parts.append(f"{errors} collectif{'s' if errors > 1 else ''} en erreur")
        return " ; ".join(parts) + "."

    def warnings(self) -> list[str]:
        """What an admin should look at: skipped grids, deleted rows, locked outputs, errors."""
        lines = self.pull.summary_lines()[1:] if self.pull else []
        lines = [line for line in lines if not line.startswith("Anomalie — ")]
        if self.pull_error:
            lines.append(self.pull_error)
        for outcome in self.collectives:
            lines += outcome.locked + outcome.notices
            if outcome.error:
                lines.append(f"Collectif {outcome.collective} : {outcome.error}")
        if self.network is not None:
            lines += self.network.locked
            if self.network.error:
                lines.append(f"Vue réseau : {self.network.error}")
        return lines


def _fingerprint(campaign: Campaign, collective: Collective, store: Store, today: dt.date) -> str:
    return content_hash(
        sorted(store.source_state(collective.id).items()),
        store.change_stamp(collective.id),  # personal files and stray files too
        collective,
        campaign.referentiel,
        campaign.config.settings,
        campaign.decisions.for_structures(s.id for s in collective.structures),
        today,
    )


class _Writer:
    """Writes an output only when its content hash moved; remembers the hash once written."""

    def __init__(
        self,
        backend: Backend,
        state: SyncState,
        outcome: CollectiveOutcome,
        now: dt.datetime,
        force: bool,
    ):
        self.backend, self.state, self.outcome = backend, state, outcome
        self.now, self.force = now, force

    def put(
        self,
        key: str,
        digest: str,
        write: Callable[[], None],
        where: str,
        ref: WorkbookRef | None = None,
    ) -> None:
        """Write unless the same content is already there (a deleted output is written again)."""
        same = not self.force and self.state.hash_of(key) == digest
        if same and (ref is None or self.backend.exists(ref)):
            self.outcome.unchanged += 1
            return
        try:
            write()
        except FileLocked as exc:
            self.outcome.locked.append(str(exc))
            return
        self.state.remember(key, digest, self.now)
        self.outcome.written.append(where)

    def spec(self, ref: WorkbookRef, spec: WorkbookSpec) -> None:
        self.put(
            str(ref),
            content_hash(spec),
            lambda: self.backend.write(ref, spec),
            self.backend.location(ref),
            ref,
        )

    def file(
        self, ref: WorkbookRef, extension: str, content: Callable[[], bytes], digest: str
    ) -> None:
        key = f"{ref}.{extension}"
        self.put(
            key,
            digest,
            lambda: self.backend.write_file(ref, extension, content()),
            f"{self.backend.location(ref)} (.{extension})",
        )


def _sharing_notice(
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


def _outputs(collective: Collective) -> list[WorkbookRef]:
    """The live outputs that must be there for a collectif to be skipped."""
    return [WorkbookRef(collective.id, Kind.DASHBOARD), WorkbookRef(collective.id, Kind.CALENDAR)]


@dataclass
class _Refresh:
    """A collectif between its scoring and its last written output."""

    collective: Collective
    outcome: CollectiveOutcome
    writer: _Writer
    fingerprint: str
    inputs: DashboardInputs
    restitutions: Callable[[], list[Restitution]]
    events: EventLog


def _start(
    campaign: Campaign,
    collective: Collective,
    backend: Backend,
    store: Store,
    state: SyncState,
    renderer: Renderer,
    *,
    now: dt.datetime,
    force: bool,
) -> _Refresh | CollectiveOutcome:
    """Score a collectif and hand its restitutions to the renderer; skip it if nothing moved."""
    outcome = CollectiveOutcome(collective.id)
    today = now.date()
    fingerprint = _fingerprint(campaign, collective, store, today)
    if (
        not force
        and state.hash_of(f"fingerprint:{collective.id}") == fingerprint
        and all(backend.exists(ref) for ref in _outputs(collective))
    ):
        outcome.skipped = True
        return outcome
    # Imported here, past the skip: a cycle where nothing changed never loads the scoring
    # and layout stack (pandas, numpy), a third of a no-change ``capsync sync``.
    from capsync.layout.dashboard import DashboardInputs
    from capsync.layout.label_decisions import decision_texts
    from capsync.layout.restitution_data import collective_view
    from capsync.scoring import scores as scoring

    notice = _sharing_notice(state, collective, backend, now)
    if notice:  # printed in French by the caller; the log line stays English
        log.info("collective %s: sharing differs from the configuration", collective.id)
        outcome.notices.append(notice)
    ref = campaign.referentiel
    answers = store.current_answers(collective.id)
    scores = scoring.score_collective(answers, ref, collective.structures)
    state.record_scores(today, collective.id, scores.chapters, scores.overall)
    actions = store.current_actions(collective.id)
    texts = store.current_texts(collective.id)
    view = collective_view(collective, ref, scores, actions=actions, answers=answers, texts=texts)
    decisions = campaign.decisions.for_structures(s.id for s in collective.structures)
    view = replace(view, label_decisions=decision_texts(decisions, today))
    events = EventLog.load(state.hash_of(STATE_PREFIX + collective.id))
    settings = campaign.config.settings
    due = due_restitutions(collective, settings, complete_chapters(scores), events, today)
    last_change = store.last_change(collective.id)
    batch = Batch(
        collective=collective,
        referentiel=ref,
        scores=scores,
        view=view,
        today=today,
        due=tuple(due),
        render=backend.files_are_xlsx,  # rendered to .xlsx bytes in the worker processes
        previous={d.structure: events.previous(d.structure) for d in due},
        last_change=last_change,
    )
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
    writer = _Writer(backend, state, outcome, now, force)
    restitutions = renderer.submit(batch)
    return _Refresh(collective, outcome, writer, fingerprint, inputs, restitutions, events)


def complete_chapters(scores: scoring.Scores) -> dict[str, set[str]]:
    """Per structure, the chapters whose self-assessment is complete: their review recorded."""
    chapters = scores.chapters
    done = chapters[(chapters["applicable"] > 0) & (chapters["answered"] >= chapters["applicable"])]
    found: dict[str, set[str]] = {}
    for structure, chapter in zip(done["structure"], done["chapter"], strict=True):
        found.setdefault(str(structure), set()).add(str(chapter))
    return found


def _write_collective_files(job: _Refresh, now: dt.datetime) -> None:
    """The dashboard and the calendar, written while the restitutions render."""
    from capsync.jobs.structure_calendars import structure_calendars
    from capsync.layout.calendar import calendar_spec
    from capsync.layout.dashboard import dashboard_spec
    from capsync.render.calendar_ics import calendar_ics

    collective, writer = job.collective, job.writer
    writer.spec(WorkbookRef(collective.id, Kind.DASHBOARD), dashboard_spec(job.inputs))
    calendar_ref = WorkbookRef(collective.id, Kind.CALENDAR)
    writer.spec(calendar_ref, calendar_spec(collective, now.date()))
    digest = content_hash(collective.id, collective.name, collective.region, collective.calendar)
    ics = partial(calendar_ics, collective, now=now.astimezone(dt.UTC))
    writer.file(calendar_ref, "ics", ics, digest)
    for made in structure_calendars(
        collective, job.inputs.scores.chapters, job.inputs.settings, now
    ):
        writer.file(made.ref, "ics", made.content, made.digest)  # each structure's own (issue 13)
    _write_to_fix(job)


def _write_to_fix(job: _Refresh) -> None:
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


class _Step(enum.Enum):
    FAILED = "failed"  # the step raised; the collectif's outcome already holds why


_FAILED = _Step.FAILED
_T = TypeVar("_T")


def run_cycle(
    campaign: Campaign,
    backend: Backend,
    store: Store,
    state: SyncState,
    *,
    now: dt.datetime,
    collective: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> CycleReport:
    """Pull, then refresh every collectif; an error in one never stops the others.

    Collectifs are scored first and their restitutions handed to one worker
    pool (local files); the dashboards and calendars are written while it
    renders, then the restitutions. A collectif's fingerprint is remembered
    only once all its outputs are written, so a cycle cut short is redone.
    A collectif that fails at any step is reported with its cause and written
    no further; the others are written all the same.
    """
    report = CycleReport(started_at=now)
    try:
        report.pull = pull(campaign, backend, store, collective=collective, now=now)
    except Exception as exc:  # what is stored still gives dashboards; retried next cycle
        log.exception("pull failed")
        report.pull_error = f"Lecture des grilles impossible : {exc}"
    chosen = [c for c in campaign.config.collectives if not collective or c.id == collective]
    structures = sum(len(c.structures) for c in chosen)
    workers = worker_count(structures, POOL_MIN) if backend.parallel_workers else 1
    outcomes: dict[str, CollectiveOutcome] = {}
    with Renderer(workers) as renderer:
        jobs: list[_Refresh] = []
        for coll in chosen:
            start = partial(
                _start, campaign, coll, backend, store, state, renderer, now=now, force=force
            )
            started = _guarded(coll, outcomes, start)
            if isinstance(started, _Refresh):
                outcomes[coll.id] = started.outcome
                jobs.append(started)
            elif isinstance(started, CollectiveOutcome):
                outcomes[coll.id] = started
        for job in list(jobs):
            written = _guarded(job.collective, outcomes, partial(_write_collective_files, job, now))
            if written is _FAILED:
                jobs.remove(job)
        for job in jobs:
            _guarded(job.collective, outcomes, partial(_finish, job, backend, state, now, progress))
    report.collectives = [outcomes[c.id] for c in chosen if c.id in outcomes]
    if campaign.config.national and collective is None:
        report.network = _network_step(campaign, backend, store, state, report, now, force)
    return report


def _network_step(
    campaign: Campaign,
    backend: Backend,
    store: Store,
    state: SyncState,
    report: CycleReport,
    now: dt.datetime,
    force: bool,
) -> CollectiveOutcome:
    """The network workbook, laid out again only when a collectif was refreshed or it is
    missing (:func:`capsync.jobs.network.network_step`); its failure is the cycle's too."""
    from capsync.jobs.network import network_step

    changed = not all(c.skipped for c in report.collectives)
    made = network_step(campaign, backend, store, state, now=now, force=force, changed=changed)
    outcome = CollectiveOutcome(NETWORK_REF.collective, skipped=made.skipped, error=made.error)
    outcome.written += [made.where] if made.written else []
    outcome.locked += [made.locked] if made.locked else []
    return outcome


def _guarded(
    collective: Collective, outcomes: dict[str, CollectiveOutcome], step: Callable[[], _T]
) -> _T | Literal[_Step.FAILED]:
    """Run one step of a collectif's refresh; a failure is recorded and stops only it.

    What the collectif already wrote stays in its outcome, next to why it stopped.
    """
    try:
        return step()
    except Exception as exc:  # one collectif's failure must not stop the others
        log.exception("collective %s failed", collective.id)
        outcome = outcomes.setdefault(collective.id, CollectiveOutcome(collective.id))
        outcome.error = _failure_cause(exc)
        return _FAILED


def _failure_cause(exc: Exception) -> str:
    """Why a collectif failed, for the admin: a capsync error says it in French already."""
    if isinstance(exc, CapsyncError):
        return str(exc)
    return f"erreur inattendue ({type(exc).__name__} : {exc}), détails dans le journal"


def _finish(
    job: _Refresh,
    backend: Backend,
    state: SyncState,
    now: dt.datetime,
    progress: Progress | None,
) -> None:
    from capsync.jobs.regroupement_kits import kits_at_their_date

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


def state_path(data_dir: Path) -> Path:
    return data_dir / "capsync.sqlite"

"""One sync cycle: pull what changed → store → score → rewrite what changed.

The cycle is the daemon's unit of work and ``capsync sync`` runs exactly one.
It is organised so that the common case — nothing changed — costs one
listing of each collectif's grids and a few SQLite lookups: each collectif's
inputs (grid versions, configuration, référentiel, today's date) are
fingerprinted, and an unchanged fingerprint skips scoring and every output.
When something changed, each output is rebuilt as a spec and rewritten only
if its content hash moved. A failing collectif is reported and the others go
on.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Literal, TypeVar

from capsync.backends.base import Backend
from capsync.campaign.config import Collective
from capsync.campaign.validation import Campaign
from capsync.errors import CapsyncError, FileLocked
from capsync.jobs.pull import PullReport, pull
from capsync.jobs.restitutions import POOL_MIN, Batch, Renderer, Restitution
from capsync.layout.calendar import calendar_spec
from capsync.layout.dashboard import DashboardInputs, dashboard_spec
from capsync.layout.restitution_data import collective_view
from capsync.render.calendar_ics import calendar_ics
from capsync.scoring import scores as scoring
from capsync.store.database import Store
from capsync.store.sync_state import SyncState, content_hash
from capsync.workbook.refs import Kind, WorkbookRef
from capsync.workbook.spec import WorkbookSpec
from capsync.workers import worker_count

log = logging.getLogger("capsync")

Progress = Callable[[str, int, int], None]  # (what, done, total)


@dataclass
class CollectiveOutcome:
    collective: str
    skipped: bool = False  # nothing changed since the last cycle
    written: list[str] = field(default_factory=list)
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

    @property
    def ok(self) -> bool:
        return self.pull_error is None and all(c.error is None for c in self.collectives)

    @property
    def errors(self) -> dict[str, str]:
        found = {c.collective: c.error for c in self.collectives if c.error}
        if self.pull_error:
            found["pull"] = self.pull_error
        return found

    def summary(self) -> str:
        """The French summary ``capsync sync`` prints and the status file keeps."""
        written = sum(len(c.written) for c in self.collectives)
        skipped = sum(1 for c in self.collectives if c.skipped)
        if self.pull is not None:
            parts = [self.pull.summary_lines()[0].rstrip(".")]
        else:  # the pull failed: its cause is among the warnings
            parts = ["lecture des grilles impossible" if self.pull_error else "aucune grille lue"]
        plural = "s" if written > 1 else ""
        parts.append(f"{written} fichier{plural} de sortie réécrit{plural}")
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
        return lines


def _fingerprint(campaign: Campaign, collective: Collective, store: Store, today: dt.date) -> str:
    return content_hash(
        sorted(store.source_state(collective.id).items()),
        collective,
        campaign.referentiel,
        campaign.config.settings,
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


def _known_restitutions(
    state: SyncState, collective: Collective, backend: Backend
) -> dict[str, tuple[str | None, str | None]]:
    """The digests already written; none for a restitution whose workbook went missing."""
    known = {}
    for structure in collective.structures:
        ref = WorkbookRef(collective.id, Kind.RESTITUTION, structure.id)
        if backend.exists(ref):
            known[structure.id] = (state.hash_of(str(ref)), state.hash_of(f"{ref}.pdf"))
    return known


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
    return [
        WorkbookRef(collective.id, Kind.DASHBOARD),
        WorkbookRef(collective.id, Kind.CALENDAR),
        *(WorkbookRef(collective.id, Kind.RESTITUTION, s.id) for s in collective.structures),
    ]


def _write_restitutions(
    collective: Collective,
    made_all: list[Restitution],
    backend: Backend,
    writer: _Writer,
    progress: Progress | None,
) -> None:
    """Write the restitutions whose content changed (the batch rendered only those)."""
    total = len(made_all)
    for done, made in enumerate(made_all, start=1):
        ref = WorkbookRef(collective.id, Kind.RESTITUTION, made.structure)
        where = backend.location(ref)
        if made.xlsx is not None:
            write = partial(backend.write_bytes, ref, made.xlsx)
            writer.put(str(ref), made.workbook_digest, write, where, ref)
        elif made.spec is not None:
            write = partial(backend.write, ref, made.spec)
            writer.put(str(ref), made.workbook_digest, write, where, ref)
        else:
            writer.outcome.unchanged += 1
        if made.pdf is not None:
            write = partial(backend.write_file, ref, "pdf", made.pdf)
            writer.put(f"{ref}.pdf", made.pdf_digest, write, f"{where} (.pdf)")
        else:
            writer.outcome.unchanged += 1
        if progress:
            progress(collective.id, done, total)


@dataclass
class _Refresh:
    """A collectif between its scoring and its last written output."""

    collective: Collective
    outcome: CollectiveOutcome
    writer: _Writer
    fingerprint: str
    inputs: DashboardInputs
    restitutions: Callable[[], list[Restitution]]


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
    notice = _sharing_notice(state, collective, backend, now)
    if notice:
        log.warning(notice)
        outcome.notices.append(notice)
    ref = campaign.referentiel
    answers = store.current_answers(collective.id)
    scores = scoring.score_collective(answers, ref, collective.structures)
    state.record_scores(today, collective.id, scores.chapters, scores.overall)
    actions = store.current_actions(collective.id)
    texts = store.current_texts(collective.id)
    view = collective_view(collective, ref, scores, actions=actions, answers=answers, texts=texts)
    batch = Batch(
        collective=collective,
        referentiel=ref,
        scores=scores,
        view=view,
        today=today,
        structures=tuple(s.id for s in collective.structures),
        known={} if force else _known_restitutions(state, collective, backend),
        render=backend.files_are_xlsx,  # rendered to .xlsx bytes in the worker processes
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
        last_change=store.last_change(collective.id),
        history=state.score_history(collective.id),
    )
    writer = _Writer(backend, state, outcome, now, force)
    return _Refresh(collective, outcome, writer, fingerprint, inputs, renderer.submit(batch))


def _write_collective_files(job: _Refresh, now: dt.datetime) -> None:
    """The dashboard and the calendar, written while the restitutions render."""
    collective, writer = job.collective, job.writer
    writer.spec(WorkbookRef(collective.id, Kind.DASHBOARD), dashboard_spec(job.inputs))
    calendar_ref = WorkbookRef(collective.id, Kind.CALENDAR)
    writer.spec(calendar_ref, calendar_spec(collective, now.date()))
    digest = content_hash(collective.id, collective.name, collective.region, collective.calendar)
    ics = partial(calendar_ics, collective, now=now.astimezone(dt.UTC))
    writer.file(calendar_ref, "ics", ics, digest)


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
    return report


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
    _write_restitutions(job.collective, job.restitutions(), backend, job.writer, progress)
    if not job.outcome.locked:  # a locked output must be retried next cycle
        state.remember(f"fingerprint:{job.collective.id}", job.fingerprint, now)


def state_path(data_dir: Path) -> Path:
    return data_dir / "capsync.sqlite"

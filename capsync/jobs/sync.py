"""One sync cycle: collectif by collectif, pull what changed → store → score → rewrite
what changed; then the network workbook, which needs every collectif.

The cycle is the daemon's unit of work and ``capsync sync`` runs exactly one.
Each collectif is pulled, then refreshed (:mod:`capsync.jobs.cycle_refresh`),
then let go before the next one is pulled, for two reasons:

- On Google, Sheets counts reads and writes in two budgets of their own
  (60 + 60 a minute). Reading every grid before writing any output spends
  them one after the other; pulling the next collectif while the budget of
  writes refills (and writing while the reads refill) spends them together,
  so a full cycle takes about the longer of the two, not their sum.
- Locally, only one collectif's answers, scores and renders are in memory at
  a time, so peak memory follows the largest collectif, not the network.

Locally the cycle's worker pool (:class:`~capsync.workers.Pool`) is never idle,
and neither is the parent: the grids of the next ``AHEAD`` collectifs are being
read (:func:`~capsync.jobs.pull.start_pull`) while collectif n is scored; n's
dashboard and calendars go to the workers, and the parent writes n's other
files, then records n + 1's grids while the workers finish n's; n's last part
(what the workers made, the documents of its events, its fingerprint) comes
first in n + 1's batch. The store is written in the same order as when each pull
ran whole, and a kill -9 loses nothing: a fingerprint is remembered only once
every output of its collectif is on disk, so a cut cycle redoes what it had not
finished (``tests/test_faults.py``). On Google nothing is read ahead: each
collectif is read once the one before it is written (``tests/test_cycle_order.py``).

A collectif whose inputs did not change is skipped at the cost of a few
SQLite lookups. A failing collectif is reported with its cause and the others
go on. A collectif whose grids cannot be read is refreshed from what is
stored, and the next collectifs are pulled all the same — unless the service
itself is down (:class:`BackendUnavailable`): then nothing more is asked of it
in this cycle, neither pulls nor outputs, each of which would only wait through
every retry again; each collectif says why, and the next cycle redoes them.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Literal, TypeVar

from capsync.backends.base import Backend
from capsync.campaign.config import Collective
from capsync.campaign.validation import Campaign
from capsync.collector import fewer_collections
from capsync.errors import BackendUnavailable, CapsyncError, log_failure
from capsync.jobs.cycle_refresh import (
    Progress,
    Refresh,
    finish,
    pooled,
    start,
    write_collective_files,
)
from capsync.jobs.cycle_report import CollectiveOutcome, CycleReport, add_pull
from capsync.jobs.pull import PendingPull, PullReport, cycle_pool, start_pull
from capsync.jobs.restitutions import POOL_MIN, Renderer
from capsync.jobs.review_refresh import refresh_reviews
from capsync.store.database import Store
from capsync.store.sync_state import SyncState
from capsync.workbook.refs import NETWORK_REF
from capsync.workers import Pool, worker_count

__all__ = ["CollectiveOutcome", "CycleReport", "run_cycle", "state_path"]

log = logging.getLogger("capsync")


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
    """Pull and refresh each collectif in turn; an error in one never stops the others.

    A collectif's fingerprint is remembered only once all its outputs are
    written, so a cycle cut short is redone. A collectif that fails at any
    step is reported with its cause and written no further; the others are
    written all the same.
    """
    report = CycleReport(started_at=now)
    chosen = [c for c in campaign.config.collectives if not collective or c.id == collective]
    structures = sum(len(c.structures) for c in chosen)
    workers = worker_count(structures, POOL_MIN) if backend.parallel_workers else 1
    outcomes: dict[str, CollectiveOutcome] = {}
    down: str | None = None  # why the service holding the files did not answer, once it did not
    tail = None
    aheads: dict[int, _Ahead] = {}  # started pulls, by position in ``chosen``
    # One copy of the store and one worker pool for the cycle, not one per collectif; the
    # collector runs less often (it walked the cycle's live objects for nothing).
    with fewer_collections(), store.one_backup(), cycle_pool(campaign, backend, workers) as pool:
        if backend.parallel_workers:  # the first ones at once: the workers never wait
            _read_ahead(campaign, backend, store, chosen, -1, now, pool, aheads)
        for i, coll in enumerate(chosen):
            if down is None:
                pending = aheads.pop(i, None) or _Ahead(campaign, backend, store, coll, now, pool)
                down = _pull_collective(pending, coll, report)
            if down is not None:  # nothing more is asked of the service in this cycle
                if tail is not None:
                    tail()  # the previous collectif's last part
                tail = None
                outcomes[coll.id] = CollectiveOutcome(coll.id, error=down)
                continue
            report.reviews += _reviewers(campaign, backend, state, coll, now)
            then = None  # locally, the workers read the next collectifs while this one is written
            if backend.parallel_workers:
                then = partial(_read_ahead, campaign, backend, store, chosen, i, now, pool, aheads)
            refresh = partial(_refresh, campaign, coll, backend, store, state, outcomes, pool)
            defer = backend.parallel_workers and i + 1 < len(chosen)
            tail = refresh(workers=workers, now=now, force=force, progress=progress, then=then,
                           before=tail, defer=defer)  # fmt: skip
    report.collectives = [outcomes[c.id] for c in chosen if c.id in outcomes]
    if campaign.config.national and collective is None:
        report.network = (
            _network_step(campaign, backend, store, state, report, now, force)
            if down is None
            else CollectiveOutcome(NETWORK_REF.collective, error=down)
        )
    return report


AHEAD = 3  # collectifs whose grids are being read while one is recorded and written


def _read_ahead(
    campaign: Campaign,
    backend: Backend,
    store: Store,
    chosen: list[Collective],
    i: int,
    now: dt.datetime,
    pool: Pool,
    aheads: dict[int, _Ahead],
) -> None:
    """Start the pulls of the ``AHEAD`` collectifs after the ``i``-th that are not started."""
    for j in range(i + 1, min(i + 1 + AHEAD, len(chosen))):
        if j not in aheads:
            aheads[j] = _Ahead(campaign, backend, store, chosen[j], now, pool)
            aheads[j]()


class _Ahead:
    """One collectif's pull: started (listed, its grids handed to the workers) when called,
    recorded later; a failure to start is kept and raised when it is recorded."""

    def __init__(
        self,
        campaign: Campaign,
        backend: Backend,
        store: Store,
        coll: Collective,
        now: dt.datetime,
        pool: Pool,
    ) -> None:
        self.start = partial(start_pull, campaign, backend, store, collective=coll.id, now=now,
                             pool=pool)  # fmt: skip
        self.pending: PendingPull | None = None
        self.error: Exception | None = None

    def __call__(self) -> None:
        try:
            self.pending = self.start()
        except Exception as exc:  # said when this collectif's turn comes, like a failed read
            self.error = exc

    def record(self) -> PullReport:
        if self.pending is None and self.error is None:
            self()
        if self.error is not None:
            raise self.error
        assert self.pending is not None
        return self.pending.record()


def _pull_collective(pending: _Ahead, collective: Collective, report: CycleReport) -> str | None:
    """Record one collectif's grids into the store. When the service holding the files does
    not answer, why (in French): then nothing more is asked of it in this cycle — neither
    the next pulls nor any output, each of which would wait for it through every retry
    (3 min 25 s for two collectifs and the network view when Google cannot be reached),
    to write nothing — and everything is redone at the next cycle. A failure of this
    collectif alone is reported and the next ones are pulled (None)."""
    try:
        part = pending.record()
    except Exception as exc:
        log_failure(log, exc, "pull of collective %s failed", collective.id)
        said = f"Lecture des grilles impossible : {exc}"
        report.pull_error = f"{report.pull_error}\n{said}" if report.pull_error else said
        return str(exc) if isinstance(exc, BackendUnavailable) else None
    report.pull = add_pull(report.pull, part)
    return None


def _reviewers(
    campaign: Campaign, backend: Backend, state: SyncState, coll: Collective, now: dt.datetime
) -> list[str]:
    """A pair or tiers changed in the configuration reaches the collectif's grids in place
    (:mod:`capsync.jobs.review_refresh`); what was done or refused, in French."""
    try:
        done = refresh_reviews(
            campaign, backend, [(coll, s) for s in coll.structures], now, state, read_unknown=False
        )
    except Exception as exc:  # never stops the cycle: the grids are looked at again next time
        log_failure(log, exc, "review columns of collective %s not refreshed", coll.id)
        return [f"Colonnes tiers et pair du collectif {coll.id} non mises à jour : {exc}"]
    return [r.line().strip() for r in done]


def _refresh(
    campaign: Campaign,
    collective: Collective,
    backend: Backend,
    store: Store,
    state: SyncState,
    outcomes: dict[str, CollectiveOutcome],
    pool: Pool,
    *,
    workers: int,
    now: dt.datetime,
    force: bool,
    progress: Progress | None,
    then: Callable[[], None] | None = None,
    before: Callable[[], object] | None = None,
    defer: bool = False,
) -> Callable[[], object] | None:
    """Score one collectif, write its live outputs while its restitutions and calendars
    render, then its dashboard and the documents of its events. ``then`` (the next
    collectifs' pulls) starts once this one's work is handed to the workers, so theirs
    comes first.

    With ``defer``, the last part (the dashboard a worker is rendering, the documents
    of events, the fingerprint) is returned instead of done: the caller records the
    next collectif's grids meanwhile, then hands it back as ``before`` to the next
    refresh, which does it first, in its own batch. Waiting for the dashboard was
    a third of the parent's time, with a core idle.
    """
    with Renderer(workers, pool) as renderer, state.batch():  # one commit, one fsync per folder
        if before is not None:
            before()  # the previous collectif's last part
        begin = partial(start, campaign, collective, backend, store, state, renderer)
        started = _guarded(collective, outcomes, partial(begin, now=now, force=force))
        if then is not None:
            then()
        if isinstance(started, CollectiveOutcome):
            outcomes[collective.id] = started
        if not isinstance(started, Refresh):
            return None
        outcomes[collective.id] = started.outcome
        written = _guarded(collective, outcomes, partial(write_collective_files, started, now))
        if written is _FAILED:
            return None
        done = partial(finish, started, backend, state, now, progress)
        last = partial(_guarded, collective, outcomes, done)
        if defer and pooled(started):
            return last
        last()
        return None


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
        log_failure(log, exc, "collective %s failed", collective.id)
        outcome = outcomes.setdefault(collective.id, CollectiveOutcome(collective.id))
        outcome.error = _failure_cause(exc)
        return _FAILED


def _failure_cause(exc: Exception) -> str:
    """Why a collectif failed, for the admin: a capsync error says it in French already."""
    if isinstance(exc, CapsyncError):
        return str(exc)
    return f"erreur inattendue ({type(exc).__name__} : {exc}), détails dans le journal"


def state_path(data_dir: Path) -> Path:
    return data_dir / "capsync.sqlite"

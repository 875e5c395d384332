"""Pull the grids that changed since the last pull into the store.

One cheap listing (``backend.versions``) tells which grids may have changed:
their version token differs from the one the store kept. Only those are read;
a grid whose values hash to the stored content hash (saved again without any
change, only its mtime moved) is not parsed. The others are parsed and their
differences appended to the store, all in one transaction.

Policy, grid by grid, the others always going on:

- a grid of a structure the configuration does not know is reported and skipped;
- a grid open in a spreadsheet program (:class:`FileLocked`) is skipped with a
  message, its token is not remembered, so the next pull tries again;
- an unreadable file becomes an anomaly of its structure, and nothing already
  pulled from it is touched.

Hundreds of grids are read and parsed in two worker processes (reading and
parsing are CPU work that parallelises); the parent only writes to SQLite.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from capsync.backends.base import Backend
from capsync.campaign.config import Structure
from capsync.campaign.referentiel import Referentiel
from capsync.errors import BackendError, BackendUnavailable, FileLocked
from capsync.french import counted, thousands
from capsync.jobs.stray_files import report_strays
from capsync.parse.answers import Anomaly, AnomalyKind, ParsedGrid
from capsync.parse.carry import older_copy, restored_copy_anomaly
from capsync.parse.grid import parse_grid, report_missing_rows
from capsync.parse.messages import (
    none_found_message,
    older_copy_message,
    other_campaign_message,
    vanished_message,
)
from capsync.parse.personal import parse_personal
from capsync.store.campaigns import campaign_paths
from capsync.store.ownership import file_label
from capsync.store.sync_state import raw_hash
from capsync.workbook.grid_schema import UNPARSED_SHEETS
from capsync.workbook.identity import Identity
from capsync.workbook.refs import Kind, WorkbookRef
from capsync.workers import Pool, Task, process_pool, worker_count

if TYPE_CHECKING:
    from capsync.campaign.validation import Campaign
    from capsync.store.database import Store
    from capsync.store.record import ChangeSummary

log = logging.getLogger("capsync")

PARALLEL_MIN = 40  # grids; below this, starting worker processes costs more than it saves


@dataclass(frozen=True)
class Job:
    collective: str
    structure: Structure
    ref: WorkbookRef
    location: str
    token: str
    previous_hash: str
    previous_identity: Identity | None = None  # the file's when capsync last read it
    campaigns: tuple[str, ...] = ()  # the structure's, first to current, once it started one


@dataclass
class Outcome:
    """What reading one grid gave: parsed values, an unchanged content, or a reason why not."""

    job: Job
    content_hash: str = ""
    file_digest: str = ""  # the file's bytes (local files): a copy put back is these again
    parsed: ParsedGrid | None = None
    unchanged: bool = False
    skipped: str = ""  # why it was not read: open elsewhere, or the service did not answer


@dataclass
class PullReport:
    """What one pull did, for the CLI and the daemon."""

    listed: int = 0  # grids found in the backend
    read: int = 0  # grids and personal files read because their token changed
    personal: int = 0  # of which personal files (``generate --individuel``)
    parsed: int = 0  # grids whose values changed and were parsed
    added: int = 0
    changed: int = 0
    removed: int = 0
    actions: int = 0
    anomalies: list[Anomaly] = field(default_factory=list)  # open anomalies of grids parsed
    missing: dict[str, list[str]] = field(default_factory=dict)  # structure → criterion IDs
    messages: list[str] = field(default_factory=list)  # French, one per grid skipped
    structures: list[str] = field(default_factory=list)  # structures whose answers changed

    def add(self, structure: str, summary: ChangeSummary) -> None:
        self.added += summary.added
        self.changed += summary.changed
        self.removed += summary.removed
        self.actions += summary.actions
        if summary.appended:
            self.structures.append(structure)

    def summary_lines(self) -> list[str]:
        """The French summary of a pull, first line the counts."""
        read = counted(self.read - self.personal, "grille lue", "grilles lues")
        read += f" sur {thousands(self.listed)}"  # the grids listed: personal files aside
        files = counted(self.personal, "fichier personnel lu", "fichiers personnels lus")
        read += f" et {files}" if self.personal else ""
        if self.read and self.parsed < self.read:
            read += f" ({thousands(self.read - self.parsed)} sans changement de contenu)"
        lines = [
            f"{read} ; réponses : {thousands(self.added)} "
            f"ajoutée(s), {thousands(self.changed)} modifiée(s), "
            f"{thousands(self.removed)} effacée(s) ; "
            f"{counted(self.actions, 'ligne', 'lignes')} du plan de progrès ; "
            f"{counted(len(self.anomalies), 'anomalie', 'anomalies')}."
        ]
        lines += self.messages
        for a in self.anomalies:
            where = f" — {a.sheet}!{a.cell}" if a.cell else (f" — {a.sheet}" if a.sheet else "")
            lines.append(f"Anomalie — {a.structure} — {a.source}{where} : {a.message}")
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "listed": self.listed,
            "read": self.read,
            "personal": self.personal,
            "parsed": self.parsed,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "actions": self.actions,
            "anomalies": len(self.anomalies),
            "messages": self.messages,
        }


def pull(
    campaign: Campaign,
    backend: Backend,
    store: Store,
    *,
    collective: str | None = None,
    now: dt.datetime,
    workers: int | None = None,
) -> PullReport:
    """Read the grids that changed since the last pull and append their changes to the store."""
    return start_pull(
        campaign, backend, store, collective=collective, now=now, workers=workers
    ).record()


@dataclass
class PendingPull:
    """A pull whose grids are being read; ``record`` writes what they gave to the store.

    The listing is done and the reading started (in the cycle's worker processes
    when a pool is given), but nothing is written yet: the sync starts the next
    collectif's pull while it writes this one's outputs, and records it after,
    so the store is written in the same order as when each pull ran whole.
    """

    store: Store
    collective: str | None
    now: dt.datetime
    report: PullReport
    outcomes: Iterable[Outcome]
    later: list[Callable[[], list[str]]]  # the listing's store writes and messages

    def record(self) -> PullReport:
        report, store, now = self.report, self.store, self.now
        for step in self.later:
            report.messages += step()
        if not report.read:
            return report
        with store.transaction():
            run_id: int | None = None  # recorded only when a grid was parsed
            for outcome in self.outcomes:
                if run_id is None and outcome.parsed is not None:
                    run_id = store.start_run("pull", self.collective, now)
                _record(store, outcome, now, run_id, report)
            if run_id is not None:
                store.finish_run(run_id, now, report.as_dict())
        log.info(
            "pull: %d grids read, %d parsed, +%d ~%d -%d answers, %d anomalies",
            report.read, report.parsed, report.added, report.changed, report.removed,
            len(report.anomalies),
        )  # fmt: skip
        return report


def start_pull(
    campaign: Campaign,
    backend: Backend,
    store: Store,
    *,
    collective: str | None = None,
    now: dt.datetime,
    workers: int | None = None,
    pool: Pool | None = None,
) -> PendingPull:
    """List the grids that changed and start reading them; see :class:`PendingPull`.

    With ``pool`` (the cycle's, from :func:`cycle_pool`) the grids are read in
    its processes from now on; without it, in a pool of this pull's own, or
    here, when ``record`` asks for them.
    """
    report, later = PullReport(), list[Callable[[], list[str]]]()
    jobs = list(_changed_grids(campaign, backend, store, collective, report, now, later))
    report.read = len(jobs)
    report.personal = sum(job.ref.kind == Kind.PERSONAL for job in jobs)
    if workers is None:
        parallel = backend.parallel_workers  # never against an API: see Backend.parallel_workers
        workers = worker_count(len(jobs), PARALLEL_MIN) if parallel else 1
    referentiels = {c.id: campaign.referentiel_for(c.id) for c in campaign.config.collectives}
    outcomes: Iterable[Outcome]
    if pool is not None and pool.workers > 1 and (workers > 1 or (jobs and pool.started)):
        # handed to the workers now; a few grids too once the pool runs (nothing to start)
        outcomes = _in_pool(backend, referentiels, jobs, pool)
    elif workers > 1:
        outcomes = _in_workers(backend, referentiels, jobs, workers)
    else:
        outcomes = (read_grid(backend, referentiels[job.collective], job) for job in jobs)
    return PendingPull(store, collective, now, report, outcomes, later)


def cycle_pool(campaign: Campaign, backend: Backend, workers: int) -> Pool:
    """The worker pool of a sync cycle: its processes can read any collectif's grids."""
    referentiels = {c.id: campaign.referentiel_for(c.id) for c in campaign.config.collectives}
    return Pool(workers, _init_worker, (backend, referentiels), preload=_cycle_modules)


def _cycle_modules() -> None:
    """Load, before the workers start, what each of them would load for its first dashboard
    and calendars (pandas, the layouts, XlsxWriter, icalendar: ≈ 0.25 s a process); the
    parent loads them anyway once it scores. A cycle that starts no worker loads none."""
    import capsync.layout.dashboard
    import capsync.render.calendar_ics
    import capsync.render.xlsx  # noqa: F401


def _changed_grids(
    campaign: Campaign,
    backend: Backend,
    store: Store,
    collective: str | None,
    report: PullReport,
    now: dt.datetime,
    later: list[Callable[[], list[str]]],
) -> Iterator[Job]:
    """One listing per collectif; yield the grids whose token moved since the last pull.

    What the listing writes to the store (stray files) and says is left in ``later``
    for :meth:`PendingPull.record`, so a pull started ahead writes nothing yet."""
    for coll in campaign.config.collectives:
        if collective and coll.id != collective:
            continue
        versions = backend.versions(coll.id, Kind.GRID)
        report.listed += len(versions)
        state = store.source_state(coll.id)
        identities: dict[tuple[str, str], Identity] | None = None  # asked once a grid moved
        paths: dict[str, tuple[str, ...]] | None = None  # likewise, the campaigns
        structures = {s.id: s for s in coll.structures}
        strays = [ref for ref in versions if ref.name not in structures]
        later.append(partial(report_strays, backend, store, coll.id, structures, strays, now))
        for ref, token in sorted(versions.items()):
            previous = state.get(ref.name)
            if (previous is not None and previous[0] == token) or ref.name not in structures:
                continue
            location = backend.location(ref)
            identities = store.file_identities(coll.id) if identities is None else identities
            paths = campaign_paths(store, coll.id) if paths is None else paths
            yield Job(coll.id, structures[ref.name], ref, location, token,
                      previous[1] if previous else "",
                      identities.get((ref.name, location)), paths.get(ref.name, ()))  # fmt: skip
        if backend.files_are_xlsx:  # personal files: local folders only, for now
            yield from _changed_personal_files(backend, store, coll.id, structures)
        names = {ref.name for ref in versions}
        gone = [s for s in sorted(set(state) - names) if s in structures]
        if len(gone) > 1 and not names:  # not deletions: the folder looked in is not theirs
            later.append(partial(_said, none_found_message(coll.id, len(gone))))
            continue
        for structure in gone:
            later.append(partial(_said, vanished_message(coll.id, structure)))


def _said(message: str) -> list[str]:
    return [message]


def _changed_personal_files(
    backend: Backend, store: Store, collective: str, structures: dict[str, Structure]
) -> Iterator[Job]:
    """The respondents' personal files whose token moved since capsync last read them."""
    known: dict[str, dict[str, tuple[str, str]]] = {}
    for ref, token in sorted(backend.versions(collective, Kind.PERSONAL).items()):
        structure = structures.get(ref.structure)
        if structure is None:
            continue
        files = known.setdefault(ref.structure, store.file_state(collective, ref.structure))
        location = backend.location(ref)
        previous = files.get(location)
        if previous is not None and previous[0] == token:
            continue
        yield Job(collective, structure, ref, location, token, previous[1] if previous else "")


def read_grid(backend: Backend, referentiel: Referentiel, job: Job) -> Outcome:
    """Read, hash and (when its values changed) parse one grid; never raises a BackendError."""
    try:
        raw = backend.read(job.ref, UNPARSED_SHEETS)  # a quarter of the reading, for nothing
    except (FileLocked, BackendUnavailable) as exc:  # nothing known: retried next pull
        return Outcome(job, skipped=str(exc))
    except BackendError as exc:
        broken = ParsedGrid(job.collective, job.structure.id, job.location)
        broken.attributed = False  # nothing read: nothing of what was pulled before changes
        broken.anomalies.append(
            Anomaly(
                job.structure.id, job.location, "", "", "", str(exc), AnomalyKind.UNREADABLE_FILE
            )
        )
        return Outcome(job, parsed=broken)
    digest = raw_hash(raw)  # equal when nothing a person typed moved (only the mtime did)
    if digest == job.previous_hash:
        return Outcome(job, content_hash=digest, unchanged=True)
    read = partial(Outcome, job, digest, _file_digest(backend, job.ref))
    if job.ref.kind == Kind.PERSONAL:
        return read(parse_personal(raw, referentiel, job.collective, job.structure, job.location))
    parsed = parse_grid(
        raw,
        referentiel=referentiel,
        collective=job.collective,
        structure=job.structure,
        source=job.location,
    )
    report_missing_rows(parsed, referentiel, raw)
    left = _left_campaign(job, parsed)
    if left:
        return read(_of_no_campaign(job, left))
    previous = job.previous_identity
    if (
        parsed.attributed
        and parsed.identity is not None
        and previous is not None
        and older_copy(parsed.identity, previous, referentiel, job.structure)
    ):  # an old copy saved over the upgraded grid: merged, never taken as a whole
        parsed.fresh = True
        message = older_copy_message(job.structure.id)
        parsed.anomalies.append(
            Anomaly(job.structure.id, job.location, "", "", "", message, AnomalyKind.STALE_COPY)
        )
    return read(parsed)


def _file_digest(backend: Backend, ref: WorkbookRef) -> str:
    """The hash of the file's bytes, where files have bytes of their own (local folders):
    a backup or a copy put back in place is byte for byte what a pull read there before,
    while a person who types back earlier values and saves writes other bytes."""
    if not backend.files_are_xlsx:
        return ""
    try:
        return "sha256:" + hashlib.sha256(backend.read_bytes(ref)).hexdigest()
    except BackendError:  # gone or locked since it was read: known by its values only
        return ""


def _left_campaign(job: Job, parsed: ParsedGrid) -> str:
    """The campaign of a grid put in place that the structure has left (« » when it is its
    current one): a grid without a campaign is of the structure's first one."""
    if not job.campaigns or parsed.identity is None or not parsed.attributed:
        return ""
    typed = parsed.identity.campaign or job.campaigns[0]
    return typed if typed != job.campaigns[-1] else ""


def _of_no_campaign(job: Job, left: str) -> ParsedGrid:
    """An old campaign's grid put back in place: nothing of it is taken (its answers would
    come back as this campaign's), and the structure is told why."""
    refused = ParsedGrid(job.collective, job.structure.id, job.location)
    refused.attributed = False
    message = other_campaign_message(job.structure.id, left, job.campaigns[-1])
    refused.anomalies.append(
        Anomaly(job.structure.id, job.location, "", "", left, message, AnomalyKind.OTHER_CAMPAIGN)
    )
    return refused


def _record(
    store: Store, outcome: Outcome, now: dt.datetime, run_id: int | None, report: PullReport
) -> None:
    job = outcome.job
    sid = job.structure.id
    if outcome.skipped:
        report.messages.append(outcome.skipped)
        return
    if outcome.unchanged:
        if job.ref.kind == Kind.PERSONAL:
            store.touch_file(job.collective, sid, job.location, job.token)
        else:
            store.touch_source(job.collective, sid, job.token)
        return
    assert outcome.parsed is not None
    parsed = outcome.parsed
    report.parsed += 1
    known = parsed.attributed and bool(outcome.content_hash)  # read, and this structure's
    if known and not parsed.fresh:
        _put_back(store, outcome, parsed)
    summary = store.record_grid(
        job.collective, sid, parsed, job.token, outcome.content_hash, now, run_id=run_id
    )
    if known:
        hashes = (outcome.content_hash, outcome.file_digest)
        store.keep_content(job.collective, sid, parsed.source, hashes, now, run_id)
    report.add(sid, summary)
    report.anomalies.extend(parsed.anomalies)
    report.anomalies.extend(summary.notes)
    if parsed.missing:
        report.missing[sid] = parsed.missing


def _put_back(store: Store, outcome: Outcome, parsed: ParsedGrid) -> None:
    """A file holding what a pull read there before, but not last (then it is unchanged):
    an earlier version put back in place. The same bytes are an older copy, merged as
    one (``fresh``: nothing newer is reverted or erased); the same values only are said."""
    job = outcome.job
    earlier = store.earlier_content(
        job.collective, job.structure.id, parsed.source, outcome.content_hash, outcome.file_digest
    )
    if earlier is not None:
        parsed.fresh, name = earlier[1], file_label(parsed.source)
        found = restored_copy_anomaly(job.structure.id, parsed.source, name, *earlier)
        parsed.anomalies.append(found)


# -- worker processes ------------------------------------------------------------

_worker: tuple[Backend, dict[str, Referentiel]] | None = None


def _init_worker(backend: Backend, referentiels: dict[str, Referentiel]) -> None:
    global _worker
    _worker = (backend, referentiels)


def _worker_job(job: Job) -> Outcome:
    assert _worker is not None
    return read_grid(_worker[0], _worker[1][job.collective], job)


def _in_pool(
    backend: Backend, referentiels: dict[str, Referentiel], jobs: list[Job], pool: Pool
) -> Iterator[Outcome]:
    """Outcomes in job order, read and parsed in the cycle's pool (or here, for a part no
    worker has started when its turn comes)."""
    size = max(1, min(8, len(jobs) // (pool.workers * 3)))
    parts = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    tasks = [
        Task(pool, partial(_read_here, backend, referentiels, part), _worker_jobs, part)
        for part in parts
    ]
    return (outcome for task in tasks for outcome in task.result())


def _read_here(
    backend: Backend, referentiels: dict[str, Referentiel], jobs: list[Job]
) -> list[Outcome]:
    return [read_grid(backend, referentiels[job.collective], job) for job in jobs]


def _worker_jobs(jobs: list[Job]) -> list[Outcome]:
    return [_worker_job(job) for job in jobs]


def _in_workers(
    backend: Backend, referentiels: dict[str, Referentiel], jobs: list[Job], workers: int
) -> Iterable[Outcome]:
    """Outcomes in job order, read and parsed by ``workers`` processes (each grid with its
    collectif's référentiel)."""
    chunk = max(1, min(16, len(jobs) // (workers * 4)))
    with process_pool(workers, _init_worker, (backend, referentiels)) as pool:
        yield from pool.map(_worker_job, jobs, chunksize=chunk)

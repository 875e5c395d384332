"""``capsync generate``: create the missing grids, or upgrade existing ones around their answers.

Creating only what is missing makes the command safe to re-run: a second run
touches no file. ``upgrade=True`` rebuilds a grid whose layout, référentiel
version or respondents changed, carrying every typed value over
(:mod:`capsync.parse.carry`) after keeping a dated backup; a grid already up to
date is not touched. A grid open in a spreadsheet program is skipped with a
message and done at the next run; the others go on.

Hundreds of grids are built in two worker processes when the machine has two
cores: building a spec and rendering it are pure CPU work that parallelises well.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from capsync.backends.base import Backend, locked_message
from capsync.backends.factory import open_backend
from capsync.campaign.config import Collective, Structure
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.validation import Campaign
from capsync.errors import BackendError, CapsyncError, FileLocked
from capsync.jobs.grid_results import GridOutcome as GridOutcome  # re-exported
from capsync.jobs.grid_results import GridResult as GridResult
from capsync.jobs.personal_files import write_personal_files
from capsync.jobs.review_refresh import ReviewRefresh, refresh_reviews, remember_reviews
from capsync.layout.grid import grid_spec
from capsync.layout.grid_unread import put_back_unread
from capsync.parse.answers import AnomalyKind
from capsync.parse.carry import Moved, UpgradeReport, carry_over, needs_upgrade, read_identity
from capsync.parse.messages import identity_message, other_referentiel_message
from capsync.store.database import STORE_FILE, Store
from capsync.store.sync_state import SyncState
from capsync.workbook.grid_schema import PLAN_SHEET, Carried, respondent_columns
from capsync.workbook.identity import Identity
from capsync.workbook.refs import Kind, WorkbookRef
from capsync.workers import process_pool, worker_count

log = logging.getLogger("capsync")

GRID_KIND = "grille"  # Identity.kind written by grid_spec
UNREAD_KINDS = frozenset({AnomalyKind.UNKNOWN_LEVEL})
"""Anomalies whose value a person typed in a chapter's level cell and the store could not
keep. The plan's unreadable dates and statuses are kept by the store as typed (its rows
come back compacted, so a plan cell's old address would name another row); a
conflict's value is another file's, kept by the store already."""
PARALLEL_MIN = 48  # below this, starting worker processes costs more than it saves

Progress = Callable[[int, int], None]


@dataclass
class GenerateSummary:
    """What one ``generate`` run did, grid by grid."""

    upgrade: bool
    results: list[GridResult] = field(default_factory=list)
    personal: list[GridResult] = field(default_factory=list)  # respondents' personal files
    reviews: list[ReviewRefresh] = field(default_factory=list)  # tiers / pair columns updated

    def of(self, status: GridOutcome) -> list[GridResult]:
        return [r for r in self.results if r.status == status]

    @property
    def written(self) -> int:
        return len(self.of(GridOutcome.CREATED)) + len(self.of(GridOutcome.UPGRADED))

    def lines(self) -> list[str]:
        """The French report the CLI prints: totals, then one line per notable grid."""
        n = len(self.results)
        if self.upgrade:
            head = (
                f"{n} grille{'s' if n > 1 else ''} examinée{'s' if n > 1 else ''} : "
                f"{len(self.of(GridOutcome.UPGRADED))} mise(s) à jour, "
                f"{len(self.of(GridOutcome.UP_TO_DATE))} déjà à jour, "
                f"{len(self.of(GridOutcome.CREATED))} créée(s)"
            )
        else:
            head = (
                f"{n} grille{'s' if n > 1 else ''} : {len(self.of(GridOutcome.CREATED))} créée(s), "
                f"{len(self.of(GridOutcome.EXISTING))} déjà présente(s)"
            )
        skipped = len(self.of(GridOutcome.LOCKED)) + len(self.of(GridOutcome.FAILED))
        if skipped:
            head += f", {skipped} non traitée(s)"
        lines = [head + "."]
        for result in self.of(GridOutcome.UPGRADED):
            assert result.report is not None
            lines.append(f"  {result.ref.name} : {result.report.text()}.")
            lines.append(f"    sauvegarde de l'ancienne grille : {result.report.backup}")
        not_done = (GridOutcome.LOCKED, GridOutcome.FAILED)
        lines += [f"  {r.message}" for r in self.results if r.status in not_done]
        if self.personal:
            lines += self._personal_lines()
        if self.reviews:
            done = len([r for r in self.reviews if not r.message])
            lines.append(f"Colonnes du tiers et du pair : {done} grille(s) mise(s) à jour.")
            lines += [r.line() for r in self.reviews]
        return lines

    def _personal_lines(self) -> list[str]:
        made = len([r for r in self.personal if r.status == GridOutcome.CREATED])
        upgraded = [r for r in self.personal if r.status == GridOutcome.UPGRADED]
        if self.upgrade:
            rest = len(self.personal) - made - len(upgraded)
            head = f"{made} créé(s), {len(upgraded)} mis à jour, {rest} déjà à jour"
        else:
            head = f"{made} créé(s), {len(self.personal) - made} déjà présent(s)"
        lines = [f"Fichiers personnels : {head}."]
        for result in upgraded:
            assert result.report is not None
            lines.append(f"  {result.ref.name} : {result.report.text()}.")
            lines.append(f"    sauvegarde de l'ancien fichier : {result.report.backup}")
        not_done = (GridOutcome.LOCKED, GridOutcome.FAILED)
        return lines + [f"  {r.message}" for r in self.personal if r.status in not_done]


def select(
    campaign: Campaign, collective: str | None = None, structure: str | None = None
) -> list[tuple[Collective, Structure]]:
    """The (collectif, structure) pairs a command acts on; unknown IDs are a user error."""
    collectives = campaign.config.collectives
    if collective is not None:
        collectives = [c for c in collectives if c.id == collective]
        if not collectives:
            known = ", ".join(c.id for c in campaign.config.collectives)
            raise CapsyncError(f"Collectif « {collective} » inconnu (collectifs : {known}).")
    pairs = [(c, s) for c in collectives for s in c.structures]
    if structure is not None:
        pairs = [(c, s) for c, s in pairs if s.id == structure]
        if not pairs:
            owner = next((c.id for c in campaign.config.collectives
                          if structure in [s.id for s in c.structures]), None)  # fmt: skip
            if owner is not None:  # --collective names another collectif than its own
                raise CapsyncError(
                    f"La structure « {structure} » n'est pas du collectif « {collective} » : "
                    f"elle appartient au collectif « {owner} »."
                )
            raise CapsyncError(f"Structure « {structure} » inconnue dans la configuration.")
    return pairs


def grid_ref(collective: Collective, structure: Structure) -> WorkbookRef:
    return WorkbookRef(collective.id, Kind.GRID, structure.id)


def process_grid(
    campaign: Campaign,
    backend: Backend,
    collective: Collective,
    structure: Structure,
    upgrade: bool,
    now: dt.datetime,
    from_files: Mapping[tuple[str, str], str] | None = None,
    restore: Carried | None = None,
) -> GridResult:
    """Create one grid, or upgrade it; never raises for a locked or unreadable file.

    ``from_files``: the answers other files (the respondents' personal files) brought
    for this structure; an upgrade puts them in the grid's respondent cells that are
    empty, never over what a person typed in the grid. ``restore``: what the store holds
    of a grid that is missing (deleted by mistake): it is recreated holding it.
    """
    ref = grid_ref(collective, structure)
    ref_model = campaign.referentiel_for(collective.id)
    settings = campaign.config.settings
    try:
        if not backend.exists(ref):
            spec = grid_spec(ref_model, collective, structure, settings, restore)
            if restore is not None and restore.unread:
                put_back_unread(spec, restore.unread)
            backend.write(ref, spec)
            return GridResult(ref, GridOutcome.CREATED)
        if not upgrade:
            return GridResult(ref, GridOutcome.EXISTING)
        raw = backend.read(ref)
        identity = read_identity(raw)
        if identity is None:
            return GridResult(
                ref,
                GridOutcome.FAILED,
                f"La grille {backend.location(ref)} n'a pas de feuille d'identité "
                "« _capsync » : elle n'a pas été mise à jour (aucune modification). "
                "Remettez la grille d'origine à sa place ou importez-la avec « capsync import ».",
            )
        wrong = _wrong_identity(identity, collective, structure)
        if not wrong and identity.referentiel_id not in ("", ref_model.id):  # never carried over
            wrong = other_referentiel_message(identity.referentiel_id, ref_model.id, structure.id)
        if wrong:
            return GridResult(ref, GridOutcome.FAILED, f"{backend.location(ref)} : {wrong}")
        outdated = needs_upgrade(identity, ref_model, structure)
        if not outdated and not from_files:
            return GridResult(ref, GridOutcome.UP_TO_DATE)
        carried, report = carry_over(raw, ref_model, structure, now.date())
        if not fill_from_files(carried, report, from_files or {}, ref_model, structure) and (
            not outdated
        ):
            return GridResult(ref, GridOutcome.UP_TO_DATE)
        if backend.is_locked(ref):  # before the backup: no copy of a replacement that won't happen
            raise FileLocked(locked_message(backend.location(ref)))
        spec = grid_spec(ref_model, collective, structure, settings, carried)
        report.backup = backend.backup(ref, now)
        backend.write(ref, spec)
        log.info("upgraded %s: %s", ref, report.text())
        return GridResult(ref, GridOutcome.UPGRADED, report=report)
    except FileLocked as exc:
        return GridResult(ref, GridOutcome.LOCKED, str(exc))
    except BackendError as exc:
        return GridResult(ref, GridOutcome.FAILED, str(exc))


def fill_from_files(
    carried: Carried,
    report: UpgradeReport,
    from_files: Mapping[tuple[str, str], str],
    referentiel: Referentiel,
    structure: Structure,
) -> int:
    """Put the personal files' answers in the grid's empty respondent cells; return how many."""
    keys = {c.key for c in respondent_columns(structure)}
    applicable = {c.id for c in referentiel.criteria_for(structure.all_types)}
    added = 0
    for (criterion, key), text in sorted(from_files.items()):
        if key in keys and criterion in applicable and (criterion, key) not in carried.answers:
            carried.answers[(criterion, key)] = text
            added += 1
    report.counts[Moved.FROM_FILES] += added
    return added


def _wrong_identity(identity: Identity, collective: Collective, structure: Structure) -> str:
    """Why this file must not be upgraded as ``structure``'s grid; empty when it may.

    A filled grid copied over another structure's file would otherwise carry
    one structure's answers into the other's new grid.
    """
    if identity.kind != GRID_KIND:
        return (
            f"Ce fichier n'est pas une grille d'auto-évaluation (c'est un classeur de type "
            f"« {identity.kind} ») : il n'a pas été mis à jour (aucune modification). "
            "Remettez la grille d'origine à sa place ou importez-la avec « capsync import »."
        )
    if (identity.structure, identity.collective) != (structure.id, collective.id):
        return identity_message(
            identity, collective.id, structure.id, "il n'a pas été mis à jour (aucune modification)"
        )
    return ""


def generate(
    campaign: Campaign,
    backend: Backend | None = None,
    *,
    collective: str | None = None,
    structure: str | None = None,
    upgrade: bool = False,
    now: dt.datetime,
    progress: Progress | None = None,
    workers: int | None = None,
    personal: bool = False,
) -> GenerateSummary:
    """Create the missing grids (and with ``upgrade``, rebuild the outdated ones).

    ``backend`` defaults to the one the campaign's configuration names; ``now``
    dates the backups and the answers carried by an upgrade. ``personal`` also
    creates each respondent's missing personal file (``--individuel``); ``upgrade``
    also rebuilds the outdated personal files already there.
    """
    if backend is None:
        backend = open_backend(campaign)
    pairs = select(campaign, collective, structure)
    summary = GenerateSummary(upgrade=upgrade)
    todo: list[tuple[Collective, Structure]] = []
    for coll, struct in pairs:
        if not upgrade and backend.exists(grid_ref(coll, struct)):
            summary.results.append(GridResult(grid_ref(coll, struct), GridOutcome.EXISTING))
        else:
            todo.append((coll, struct))
    total = len(todo)
    if progress:
        progress(0, total)
    if workers is None:
        workers = worker_count(total, PARALLEL_MIN)
    files = _answers_from_files(campaign, backend, todo) if upgrade else {}
    kept = _stored_grids(campaign, backend, todo, upgrade)
    if workers > 1 and backend.parallel_workers:
        results = _in_workers(campaign, backend, todo, upgrade, now, workers, (files, kept))
    else:
        results = (
            process_grid(campaign, backend, c, s, upgrade, now, *_given(files, kept, c, s))
            for c, s in todo
        )
    for done, result in enumerate(results, start=1):
        summary.results.append(result)
        if progress:
            progress(done, total)
    summary.results.sort(key=lambda r: r.ref)
    if personal or upgrade:  # an upgrade rebuilds the personal files already there
        summary.personal = write_personal_files(
            campaign, backend, pairs, create=personal, upgrade=upgrade, now=now
        )
    summary.reviews = _refresh_reviews(campaign, backend, pairs, summary.results, now)
    return summary


def _refresh_reviews(
    campaign: Campaign,
    backend: Backend,
    pairs: list[tuple[Collective, Structure]],
    results: list[GridResult],
    now: dt.datetime,
) -> list[ReviewRefresh]:
    """A pair or tiers changed in the configuration reaches the grids already there
    (:mod:`capsync.jobs.review_refresh`); grids just written say it already."""
    status = {r.ref: r.status for r in results}
    kept = (GridOutcome.EXISTING, GridOutcome.UP_TO_DATE)
    stale = [(c, s) for c, s in pairs if status.get(grid_ref(c, s)) in kept]
    written = (GridOutcome.CREATED, GridOutcome.UPGRADED)
    fresh = [(c, s) for c, s in pairs if status.get(grid_ref(c, s)) in written]
    if not stale:
        return []
    if not (campaign.data_dir / STORE_FILE).is_file():  # no memory yet: compare every grid
        return refresh_reviews(campaign, backend, stale, now)
    with Store.open(campaign.data_dir), SyncState(campaign.data_dir / STORE_FILE) as state:
        remember_reviews(campaign, fresh, now, state)
        return refresh_reviews(campaign, backend, stale, now, state)


def _answers_from_files(
    campaign: Campaign, backend: Backend, todo: list[tuple[Collective, Structure]]
) -> dict[tuple[str, str], dict[tuple[str, str], str]]:
    """Per structure, the answers its other files (personal files) brought, from the store."""
    if not (campaign.data_dir / STORE_FILE).is_file():
        return {}
    found = {}
    with Store.open(campaign.data_dir) as store:
        for coll, struct in todo:
            cells = store.cells_from_other_files(
                coll.id, struct.id, backend.location(grid_ref(coll, struct))
            )
            if cells:
                found[(coll.id, struct.id)] = cells
    return found


def _given(
    files: dict[tuple[str, str], dict[tuple[str, str], str]],
    kept: dict[tuple[str, str], Carried],
    collective: Collective,
    structure: Structure,
) -> tuple[dict[tuple[str, str], str] | None, Carried | None]:
    key = (collective.id, structure.id)
    return files.get(key), kept.get(key)


def _stored_grids(
    campaign: Campaign, backend: Backend, todo: list[tuple[Collective, Structure]], upgrade: bool
) -> dict[tuple[str, str], Carried]:
    """Per structure whose grid is missing but whose answers or plan the store holds: them.

    A grid deleted by mistake comes back holding what was relevé from it, not empty: an
    empty grid in its place would read, at the next pull, as every answer erased.
    """
    if not todo or not (campaign.data_dir / STORE_FILE).is_file():
        return {}
    missing = todo if not upgrade else [p for p in todo if not backend.exists(grid_ref(*p))]
    if not missing:  # the common case of an upgrade: the store is not opened
        return {}
    found = {}
    with Store.open(campaign.data_dir) as store:
        anomalies: dict[str, list[tuple[str, str, str, str, str]]] = {}
        for coll, struct in missing:
            cells = store.structure_cells(coll.id, struct.id)
            plan = store.structure_plan(coll.id, struct.id)
            if coll.id not in anomalies:
                frame = store.current_anomalies(coll.id)
                frame = frame[frame["kind"].isin(UNREAD_KINDS)]
                columns = ["structure", "source", "sheet", "cell", "value"]
                anomalies[coll.id] = list(frame[columns].itertuples(index=False, name=None))
            where = backend.location(grid_ref(coll, struct))
            unread = {
                (sheet, cell): value
                for structure, source, sheet, cell, value in anomalies[coll.id]
                if structure == struct.id and source == where and sheet != PLAN_SHEET and value
            }  # what the grid showed that the store could not read: typed, never lost
            if cells or plan or unread:
                found[(coll.id, struct.id)] = Carried(dict(cells), plan_rows=plan, unread=unread)
    return found


# -- worker processes ------------------------------------------------------------

_worker_state: tuple[Campaign, Backend] | None = None


def _init_worker(campaign: Campaign, backend: Backend) -> None:
    """Each worker gets its own copy of the backend (only backends that allow workers come here)."""
    global _worker_state
    _worker_state = (campaign, backend)


WorkerJob = tuple[str, str, bool, dt.datetime, dict[tuple[str, str], str] | None, Carried | None]


def _worker_job(job: WorkerJob) -> GridResult:
    assert _worker_state is not None
    campaign, backend = _worker_state
    collective_id, structure_id, upgrade, now, from_files, restore = job
    collective = campaign.config.collective(collective_id)
    return process_grid(
        campaign, backend, collective, collective.structure(structure_id), upgrade, now,
        from_files, restore,
    )  # fmt: skip


def _in_workers(
    campaign: Campaign,
    backend: Backend,
    todo: list[tuple[Collective, Structure]],
    upgrade: bool,
    now: dt.datetime,
    workers: int,
    given: tuple[dict[tuple[str, str], dict[tuple[str, str], str]], dict[tuple[str, str], Carried]],
) -> Iterator[GridResult]:
    files, kept = given
    jobs: list[WorkerJob] = [
        (c.id, s.id, upgrade, now, files.get((c.id, s.id)), kept.get((c.id, s.id))) for c, s in todo
    ]
    with process_pool(workers, _init_worker, (campaign, backend)) as pool:
        yield from pool.map(_worker_job, jobs, chunksize=8)

"""The restitutions an event called for: built and rendered, in worker processes when many.

Restitutions are documents of events (:mod:`capsync.jobs.restitution_events`):
a cycle builds only those of the structures an event reached. Building and
rendering them is pure CPU work, so for local files a large batch (a
regroupement approaching for a whole collectif) is spread over worker
processes, and the bytes come back to be written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from capsync.backends.base import Backend
from capsync.campaign.config import Collective
from capsync.campaign.referentiel import Referentiel
from capsync.errors import FileLocked
from capsync.french import typeset
from capsync.jobs.restitution_events import Due, EventLog
from capsync.layout.restitution_before import Before
from capsync.workbook.refs import Kind, WorkbookRef, restitution_ref
from capsync.workbook.spec import WorkbookSpec
from capsync.workers import Pool, worker_count

if TYPE_CHECKING:
    from capsync.layout.restitution_data import CollectiveView
    from capsync.scoring import scores as scoring

POOL_MIN = 40  # restitutions; below this a worker pool costs more than it saves


@dataclass(frozen=True)
class Batch:
    """What a worker needs to build the restitutions an event called for in one collectif."""

    collective: Collective
    referentiel: Referentiel
    scores: scoring.Scores
    view: CollectiveView
    today: dt.date
    due: tuple[Due, ...]
    render: bool  # True: render the workbook to .xlsx bytes here (local files)
    previous: Mapping[str, Before] = field(
        default_factory=dict
    )  # structure → what its previous restitution showed
    last_change: Mapping[str, dt.datetime] = field(default_factory=dict)  # of each grid

    @property
    def structures(self) -> tuple[str, ...]:
        return tuple(d.structure for d in self.due)


@dataclass(frozen=True)
class Restitution:
    """One structure's restitution, produced for the events in ``due``."""

    due: Due
    spec: WorkbookSpec | None  # for a backend that renders specs itself
    xlsx: bytes | None  # rendered here (local files)
    pdf: bytes
    shown: Before  # its scores and label: the « avant » of the next one

    @property
    def structure(self) -> str:
        return self.due.structure


def basis(batch: Batch, structure: str) -> list[str]:
    """What a restitution was computed from, in French, printed on it."""
    from capsync.layout.tables import number

    ref = batch.referentiel
    answered = sum(1 for v in batch.view.overall_rows.values() if number(v.get("overall")))
    last = batch.last_change.get(structure)
    grid = (
        f"la grille de la structure, réponses enregistrées jusqu'au {last:%d/%m/%Y à %H:%M}"
        if last
        else "la grille de la structure, sans réponse enregistrée"
    )
    noun = "structure ayant" if answered == 1 else "structures ayant"
    lines = [
        grid,
        f"le référentiel « {ref.title} », version {ref.version}",
        f"les moyennes du collectif : {answered} {noun} répondu, au {batch.today:%d/%m/%Y}",
    ]
    return [typeset(line) for line in lines]


def build_batch(batch: Batch) -> list[Restitution]:
    if not batch.due:  # most cycles: no event came
        return []
    # fpdf2 (and fontTools under it) takes 0.2 s to import: only when there is a PDF to make.
    from capsync.layout.before_after import (
        TO_CONFIRM,
        structure_before_after,
        with_before_after,
    )
    from capsync.layout.restitution import restitution_spec
    from capsync.layout.restitution_data import build_restitution
    from capsync.render.restitution_pdf import restitution_pdf_bytes
    from capsync.render.xlsx import render_xlsx_bytes

    done = []
    for due in batch.due:
        data = build_restitution(
            batch.collective, batch.referentiel, due.structure, batch.scores,
            today=batch.today, view=batch.view, occasions=due.labels,
            basis=basis(batch, due.structure),
            previous=batch.previous.get(due.structure),
        )  # fmt: skip
        structure = batch.collective.structure(due.structure)  # its previous campaign, if any:
        moved = structure_before_after(batch.view.answers.get(due.structure),
                                       batch.referentiel, structure)  # fmt: skip
        waiting = sum(line.state == TO_CONFIRM for line in moved)
        data = replace(data, carried_waiting=waiting)  # the first sentence says so
        spec = with_before_after(restitution_spec(data), moved)
        done.append(
            Restitution(
                due=due,
                spec=None if batch.render else spec,
                xlsx=render_xlsx_bytes(spec) if batch.render else None,
                pdf=restitution_pdf_bytes(data, batch.referentiel.approach, moved),
                shown=Before(
                    batch.today,
                    {c.chapter: c.score for c in data.chapters},
                    data.overall,
                    data.label,
                ),
            )
        )
    return done


class Renderer:
    """Builds the restitutions of a collectif in worker processes when they are many.

    ``submit`` returns at once; the pool renders while the sync writes the
    dashboards, and the results are taken when they are needed. The pool is
    the cycle's (:class:`~capsync.workers.Pool`, shared with the pull and the
    calendars) when one is given, else its own; either starts at the first
    batch that deserves it, so a cycle where nothing changed starts no process.
    """

    def __init__(self, workers: int, pool: Pool | None = None) -> None:
        self.workers = workers
        self.pool = pool if pool is not None else Pool(workers)
        self._own = pool is None

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        if self._own:
            self.pool.__exit__(error)

    def submit(self, batch: Batch) -> Callable[[], list[Restitution]]:
        if self.workers <= 1 or not batch.render or len(batch.due) < 2:
            return lambda: build_batch(batch)
        size = -(-len(batch.due) // self.workers)  # a part carries the whole view
        futures = [
            self.pool.get().submit(build_batch, replace(batch, due=batch.due[i : i + size]))
            for i in range(0, len(batch.due), size)
        ]
        return lambda: [made for future in futures for made in future.result()]


def build_all(batch: Batch, *, pool_min: int = POOL_MIN) -> Iterator[Restitution]:
    """Every restitution of one batch, in worker processes when it is large and local."""
    workers = worker_count(len(batch.due), pool_min) if batch.render else 1
    with Renderer(workers) as renderer:
        yield from renderer.submit(batch)()


@dataclass(frozen=True)
class Produced:
    """A document an event produced in a cycle: what the notifications send, and to whom.

    ``structure`` is empty for a regroupement kit (for the délégué·e·s);
    ``files`` are where a person finds it (paths or URLs), workbook first.
    """

    collective: str
    kind: Kind
    name: str  # « restitution-chapitre-2-2026-03-03 », « chapitre-2-2026-03-03 »
    occasions: tuple[str, ...]  # in French, as the document says them
    files: tuple[str, ...]
    structure: str = ""


def free_ref(backend: Backend, ref: WorkbookRef) -> WorkbookRef:
    """``ref``, or « …-2 », « …-3 » when a document of that name is kept already: a
    restitution or a kit is never overwritten (two requests the same day make two)."""
    found, n = ref, 2
    while backend.exists(found):
        found = WorkbookRef(ref.collective, ref.kind, f"{ref.name}-{n}")
        n += 1
    return found


def write_restitutions(
    backend: Backend,
    collective: str,
    made_all: list[Restitution],
    log: EventLog,
    today: dt.date,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[list[Produced], list[str]]:
    """Write each restitution under a name of its own and note its events as done.

    Returns what was produced and the French messages of files a person had open
    (their events stay due, so they are produced at the next cycle).
    """
    produced, locked = [], []
    for done, made in enumerate(made_all, start=1):
        ref = free_ref(backend, restitution_ref(collective, made.structure, made.due.stem(today)))
        try:
            if made.xlsx is not None:
                backend.write_bytes(ref, made.xlsx)
            elif made.spec is not None:
                backend.write(ref, made.spec)
            backend.write_file(ref, "pdf", made.pdf)
        except FileLocked as exc:
            locked.append(str(exc))
            continue
        log.produced(made.due, today, ref.stem, made.shown)
        where = backend.location(ref)
        produced.append(
            Produced(
                collective=collective,
                kind=Kind.RESTITUTION,
                name=ref.stem,
                occasions=tuple(made.due.labels),
                files=(where, backend.file_location(ref, "pdf")),
                structure=made.structure,
            )
        )
        if progress:
            progress(collective, done, len(made_all))
    return produced, locked

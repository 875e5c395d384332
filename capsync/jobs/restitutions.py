"""The restitutions of a collectif: built, hashed, and rendered only when they changed.

A collectif of 50 structures means 50 workbooks and 50 PDFs whenever its
scores move. Building and rendering them is pure CPU work, so for local
files it is spread over worker processes; only the bytes of restitutions
whose content hash moved come back to be written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

from capsync.campaign.config import Collective
from capsync.campaign.referentiel import Referentiel
from capsync.layout.restitution import restitution_spec
from capsync.layout.restitution_data import CollectiveView, build_restitution
from capsync.render.xlsx import render_xlsx_bytes
from capsync.scoring import scores as scoring
from capsync.store.sync_state import content_hash
from capsync.workbook.spec import WorkbookSpec
from capsync.workers import process_pool, worker_count

POOL_MIN = 40  # restitutions; below this a worker pool costs more than it saves


@dataclass(frozen=True)
class Batch:
    """What a worker needs to build restitutions; ``known`` are the digests already written."""

    collective: Collective
    referentiel: Referentiel
    scores: scoring.Scores
    view: CollectiveView
    today: dt.date
    structures: tuple[str, ...]
    known: Mapping[str, tuple[str | None, str | None]]  # structure → (workbook, PDF) digests
    render: bool  # True: render the workbook to .xlsx bytes here (local files)


@dataclass(frozen=True)
class Restitution:
    """One structure's restitution; None where its content did not change."""

    structure: str
    workbook_digest: str
    pdf_digest: str
    spec: WorkbookSpec | None
    xlsx: bytes | None
    pdf: bytes | None


def build_batch(batch: Batch) -> list[Restitution]:
    # fpdf2 (and fontTools under it) takes 0.2 s to import: only when there is a PDF to make.
    from capsync.render.restitution_pdf import restitution_pdf_bytes

    done = []
    for structure in batch.structures:
        data = build_restitution(
            batch.collective, batch.referentiel, structure, batch.scores,
            today=batch.today, view=batch.view,
        )  # fmt: skip
        spec = restitution_spec(data)
        # Digests leave out the day it is built: a restitution whose content did not move
        # keeps its file (and its date) instead of being rewritten every morning.
        dateless = replace(data, today=dt.date.min)
        workbook_digest, pdf_digest = content_hash("xlsx", dateless), content_hash("pdf", dateless)
        known_workbook, known_pdf = batch.known.get(structure, (None, None))
        changed = workbook_digest != known_workbook
        done.append(
            Restitution(
                structure=structure,
                workbook_digest=workbook_digest,
                pdf_digest=pdf_digest,
                spec=spec if changed and not batch.render else None,
                xlsx=render_xlsx_bytes(spec) if changed and batch.render else None,
                pdf=restitution_pdf_bytes(data) if pdf_digest != known_pdf else None,
            )
        )
    return done


class Renderer:
    """Builds the restitutions of a whole cycle, in one worker pool shared by every collectif.

    ``submit`` returns at once; the pool renders while the sync writes the
    dashboards, and the results are taken when they are needed. The pool is
    started at the first batch that deserves it, so a cycle where nothing
    changed starts no process.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown()

    def submit(self, batch: Batch) -> Callable[[], list[Restitution]]:
        if self.workers <= 1 or not batch.render or not batch.structures:
            return lambda: build_batch(batch)
        if self._pool is None:
            self._pool = process_pool(self.workers)
        size = -(-len(batch.structures) // self.workers)  # a part carries the whole view
        futures = [
            self._pool.submit(
                build_batch, replace(batch, structures=batch.structures[i : i + size])
            )
            for i in range(0, len(batch.structures), size)
        ]
        return lambda: [made for future in futures for made in future.result()]


def build_all(batch: Batch, *, pool_min: int = POOL_MIN) -> Iterator[Restitution]:
    """Every restitution of one batch, in worker processes when it is large and local."""
    workers = worker_count(len(batch.structures), pool_min) if batch.render else 1
    with Renderer(workers) as renderer:
        yield from renderer.submit(batch)()

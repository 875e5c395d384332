"""The restitutions of a collectif: built, hashed, and rendered only when they changed.

A collectif of 50 structures means 50 workbooks and 50 PDFs whenever its
scores move. Building and rendering them is pure CPU work, so for local
files it is spread over worker processes; only the bytes of restitutions
whose content hash moved come back to be written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from . import scoring
from .backends.xlsx_render import render_xlsx_bytes
from .config import Collective
from .layout.restitution import restitution_spec
from .layout.restitution_data import CollectiveView, build_restitution
from .referentiel import Referentiel
from .restitution_pdf import restitution_pdf_bytes
from .spec import WorkbookSpec
from .sync_state import content_hash
from .workers import process_pool, worker_count

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


def build_all(batch: Batch, *, pool_min: int = POOL_MIN) -> Iterator[Restitution]:
    """Every restitution of the batch, in worker processes when it is large and local."""
    workers = worker_count(len(batch.structures), pool_min) if batch.render else 1
    if workers == 1:
        yield from build_batch(batch)
        return
    size = -(-len(batch.structures) // workers)  # one part each: a part carries the whole view
    parts = [
        Batch(**{**batch.__dict__, "structures": batch.structures[i : i + size]})
        for i in range(0, len(batch.structures), size)
    ]
    with process_pool(workers) as pool:
        for done in pool.map(build_batch, parts):
            yield from done

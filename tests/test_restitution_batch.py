"""The restitutions of a collectif, built once, rendered only when they changed."""

from __future__ import annotations

import datetime as dt

from capsync.jobs.restitutions import Batch, build_all, build_batch
from capsync.layout.restitution_data import collective_view
from tests import layout_campaign as lc

TODAY = dt.date(2026, 3, 2)


def batch(known=None, render=True) -> Batch:
    collective, referentiel, scores = lc.collective(), lc.referentiel(), lc.scores()
    view = collective_view(
        collective, referentiel, scores, actions=lc.actions(), answers=lc.answers(),
        texts=lc.texts(),
    )  # fmt: skip
    return Batch(collective, referentiel, scores, view, TODAY,
                 tuple(s.id for s in collective.structures), known or {}, render)  # fmt: skip


def test_worker_processes_give_the_same_restitutions_as_one_process() -> None:
    serial = build_batch(batch())
    parallel = list(build_all(batch(), pool_min=1))
    assert [r.structure for r in parallel] == [r.structure for r in serial]
    for one, other in zip(serial, parallel, strict=True):
        assert (one.workbook_digest, one.pdf_digest) == (other.workbook_digest, other.pdf_digest)
        assert one.xlsx is not None and other.xlsx is not None
        assert one.pdf == other.pdf


def test_only_restitutions_whose_content_changed_are_rendered() -> None:
    first = build_batch(batch())
    known = {r.structure: (r.workbook_digest, r.pdf_digest) for r in first}
    changed = first[0].structure
    known[changed] = ("an older workbook", known[changed][1])
    again = build_batch(batch(known))
    assert [(r.structure, r.xlsx is not None, r.pdf is not None) for r in again] == [
        (r.structure, r.structure == changed, False) for r in first
    ]


def test_an_api_backend_gets_specs_to_render_itself() -> None:
    made = build_batch(batch(render=False))
    assert all(r.xlsx is None and r.spec is not None for r in made)

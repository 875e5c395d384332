"""The restitutions an event called for, built in one process or in worker processes."""

from __future__ import annotations

import datetime as dt

from capsync.jobs.restitution_events import Due, Event, Occasion
from capsync.jobs.restitutions import Batch, basis, build_all, build_batch
from capsync.layout.restitution_before import Before
from capsync.layout.restitution_data import collective_view
from tests import layout_campaign as lc

TODAY = dt.date(2026, 3, 2)
REVIEW = Event(Occasion.REVIEW, "revue:1", TODAY, "1")


def batch(structures=("alpha", "beta", "gamma", "delta"), render=True) -> Batch:
    collective, referentiel, scores = lc.collective(), lc.referentiel(), lc.scores()
    view = collective_view(
        collective, referentiel, scores, actions=lc.actions(), answers=lc.answers(),
        texts=lc.texts(),
    )  # fmt: skip
    due = tuple(Due(s, (REVIEW,)) for s in structures)
    return Batch(collective, referentiel, scores, view, TODAY, due, render,
                 previous={"alpha": Before(dt.date(2026, 1, 5), {"1": 2.0}, 2.0, "Non éligible")},
                 last_change={"alpha": dt.datetime(2026, 3, 1, 9, 30)})  # fmt: skip


def test_worker_processes_give_the_same_restitutions_as_one_process() -> None:
    serial = build_batch(batch())
    parallel = list(build_all(batch(), pool_min=1))
    assert [r.structure for r in parallel] == [r.structure for r in serial]
    for one, other in zip(serial, parallel, strict=True):
        assert one.xlsx is not None and other.xlsx is not None
        assert one.pdf == other.pdf


def test_only_the_structures_an_event_reached_are_built() -> None:
    made = build_batch(batch(("beta",)))
    assert [r.structure for r in made] == ["beta"]
    assert made[0].shown.chapters == {"1": 1.5, "2": None}  # the « avant » of its next one
    assert made[0].due.stem(TODAY) == "restitution-chapitre-1-2026-03-02"


def test_a_restitution_says_what_it_was_computed_from() -> None:
    assert basis(batch(), "alpha") == [
        "la grille de la structure, réponses enregistrées jusqu'au 01/03/2026 à 09:30",
        "le référentiel «\u00a0Référentiel de test\u00a0», version 1",
        "les moyennes du collectif\u00a0: 3 structures ayant répondu, au 02/03/2026",
    ]
    assert basis(batch(), "gamma")[0] == "la grille de la structure, sans réponse enregistrée"


def test_an_api_backend_gets_specs_to_render_itself() -> None:
    made = build_batch(batch(render=False))
    assert all(r.xlsx is None and r.spec is not None for r in made)

"""``capsync restitution``: a structure's or a collectif's restitution produced on request.

A request is an event like any other: the restitution is dated, kept beside the
earlier ones (a second request the same day makes « …-2 »), says it answers
« demande du … », and becomes the « avant » of the next one. It is computed from
what the store holds now; run ``capsync pull`` (or a sync) first to read the
latest grids.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from capsync.backends.base import Backend
from capsync.campaign.config import Collective
from capsync.campaign.validation import Campaign
from capsync.errors import CapsyncError
from capsync.jobs.restitution_events import STATE_PREFIX, EventLog, requested
from capsync.jobs.restitutions import Batch, Produced, build_all, write_restitutions
from capsync.layout.label_decisions import decision_texts
from capsync.layout.restitution_data import collective_view
from capsync.scoring import scores as scoring
from capsync.store.database import Store
from capsync.store.sync_state import SyncState


class UnknownTarget(CapsyncError):
    """A structure or a collectif the configuration does not name."""


def targets(
    campaign: Campaign, collective: str | None, structure: str | None
) -> list[tuple[Collective, list[str]]]:
    """The collectifs concerned and, in each, the structures asked for; UnknownTarget for
    none asked, or one the configuration does not name (a usage error, said first)."""
    if collective is None and structure is None:
        raise UnknownTarget("Indiquez une structure (--structure) ou un collectif (--collective).")
    found = []
    for coll in campaign.config.collectives:
        ids = [s.id for s in coll.structures]
        if structure is not None and structure in ids and collective in (None, coll.id):
            found.append((coll, [structure]))
        elif structure is None and coll.id == collective:
            found.append((coll, ids))
    if not found:
        owners = [c.id for c in campaign.config.collectives
                  if any(s.id == structure for s in c.structures)]  # fmt: skip
        if structure and owners:  # --collective names another collectif than its own
            owner = owners[0]
            raise UnknownTarget(
                f"La structure « {structure} » n'est pas du collectif « {collective} » : "
                f"elle appartient au collectif « {owner} »."
            )
        what = f"la structure « {structure} »" if structure else f"le collectif « {collective} »"
        raise UnknownTarget(f"La configuration ne connaît pas {what}.")
    return found


def request_restitutions(
    campaign: Campaign,
    backend: Backend,
    store: Store,
    state: SyncState,
    *,
    now: dt.datetime,
    collective: str | None = None,
    structure: str | None = None,
) -> tuple[list[Produced], list[str]]:
    """Produce the restitutions asked for; return them and the files a person had open."""
    produced: list[Produced] = []
    locked: list[str] = []
    for coll, structures in targets(campaign, collective, structure):
        ref = campaign.referentiel_for(coll.id)
        answers = store.current_answers(coll.id)
        scores = scoring.score_collective(answers, ref, coll.structures)
        view = collective_view(
            coll, ref, scores, actions=store.current_actions(coll.id), answers=answers,
            texts=store.current_texts(coll.id),
        )  # fmt: skip
        decisions = campaign.decisions.for_structures(s.id for s in coll.structures)
        view = replace(view, label_decisions=decision_texts(decisions, now.date()))
        key = STATE_PREFIX + coll.id
        events = EventLog.load(state.hash_of(key))
        due = requested(coll, structures, now)
        batch = Batch(
            collective=coll,
            referentiel=ref,
            scores=scores,
            view=view,
            today=now.date(),
            due=tuple(due),
            render=backend.files_are_xlsx,
            previous={d.structure: events.previous(d.structure, now.date()) for d in due},
            last_change=store.last_change(coll.id),
        )
        made, still = write_restitutions(
            backend, coll.id, list(build_all(batch)), events, now.date()
        )
        produced += made
        locked += still
        events.started = True
        state.remember(key, events.dump(), now)
    return produced, locked

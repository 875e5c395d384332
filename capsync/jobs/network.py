"""``capsync reseau`` and the sync's network step: COORACE national's network workbook.

Every collectif is scored from the store (one query for the whole network, one
vectorised scoring per collectif), the workbook is laid out
(:mod:`capsync.layout.network_sheets`) and written only when its content moved. It lives
outside every collectif's folder (``<data>/reseau/vue-reseau.xlsx``; on Drive a folder
« reseau » shared with nobody), and the file itself is shared with the configuration's
``national`` contacts only: no délégué·e, no structure.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from capsync.backends.base import Backend
from capsync.campaign.validation import Campaign
from capsync.errors import CapsyncError, FileLocked, log_failure
from capsync.store.database import Store
from capsync.store.sync_state import SyncState, content_hash
from capsync.workbook.refs import NETWORK_REF

if TYPE_CHECKING:  # the layout and scoring stack (pandas) is loaded only to lay out
    from capsync.layout.network import NetworkInputs

log = logging.getLogger("capsync")


@dataclass
class NetworkOutcome:
    """What the network step did: written (where), unchanged, or left (a person has it open)."""

    where: str
    written: bool = False
    locked: str | None = None  # French message
    skipped: bool = False  # no collectif changed since the last cycle
    error: str | None = None  # why it failed, in French


def network_inputs(campaign: Campaign, store: Store, today: dt.date) -> list[NetworkInputs]:
    """Every collectif scored from its current answers (read from the store at once),
    grouped by the référentiel it follows: one :class:`NetworkInputs` per référentiel in
    use, so that no mean ever mixes two référentiels."""
    from capsync.layout.network import CollectiveResult, NetworkInputs
    from capsync.scoring import scores as scoring

    answers = store.current_answers()
    by_collective = (
        {str(k): v for k, v in answers.groupby("collective", sort=False)} if len(answers) else {}
    )
    parts: list[NetworkInputs] = []
    for referentiel in campaign.in_use():
        results = []
        for collective in campaign.config.collectives:
            if campaign.referentiel_for(collective.id).id != referentiel.id:
                continue
            mine = by_collective.get(collective.id, answers.iloc[0:0])
            scores = scoring.score_collective(mine, referentiel, collective.structures)
            results.append(CollectiveResult(collective, scores))
        parts.append(
            NetworkInputs(
                referentiel=referentiel,
                results=results,
                decisions=campaign.decisions,
                today=today,
            )
        )
    return parts


def write_network(
    campaign: Campaign,
    backend: Backend,
    store: Store,
    state: SyncState,
    *,
    now: dt.datetime,
    force: bool = False,
) -> NetworkOutcome:
    """Lay out the network workbook and write it unless the same content is already there."""
    from capsync.layout.network_sheets import network_workbook

    spec = network_workbook(network_inputs(campaign, store, now.date()))
    outcome = NetworkOutcome(where=backend.location(NETWORK_REF))
    key, digest = str(NETWORK_REF), content_hash(spec)
    if not force and state.hash_of(key) == digest and backend.exists(NETWORK_REF):
        return outcome
    try:
        backend.write(NETWORK_REF, spec)
    except FileLocked as exc:
        outcome.locked = str(exc)
        return outcome
    state.remember(key, digest, now)
    outcome.written = True
    outcome.where = backend.location(NETWORK_REF)
    log.info("network workbook written: %s", outcome.where)
    return outcome


def network_step(
    campaign: Campaign,
    backend: Backend,
    store: Store,
    state: SyncState,
    *,
    now: dt.datetime,
    force: bool,
    changed: bool,
) -> NetworkOutcome:
    """The sync's network step: skipped when no collectif ``changed`` and the workbook is
    there; a failure is reported (in French) rather than raised, the collectifs' outputs
    being written already, and retried next cycle."""
    if not force and not changed and backend.exists(NETWORK_REF):
        return NetworkOutcome(where=backend.location(NETWORK_REF), skipped=True)
    try:
        return write_network(campaign, backend, store, state, now=now, force=force)
    except Exception as exc:  # the collectifs' outputs are written; retried next cycle
        log_failure(log, exc, "network workbook failed")
        cause = str(exc) if isinstance(exc, CapsyncError) else f"erreur inattendue ({exc!r})"
        return NetworkOutcome(where=backend.location(NETWORK_REF), error=cause)

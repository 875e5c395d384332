"""Regroupement kits: produced ``kit_days_before`` days before each regroupement, or on request.

A kit is a document of an event, like a restitution: named after its
regroupement (« chapitre-2-2026-03-03 », « …-anonyme » for the version without
names), kept in the collectif's « regroupements » folder and never overwritten
(a second one makes « …-2 »). The sync produces a regroupement's kit once, on
the first cycle inside its window (from ``kit_days_before`` days before the
meeting until its day); a window missed is not caught up after the meeting.
What was produced is remembered per collectif in the sync state
(``regroupement-kits:<collectif>``). The notifications (:mod:`capsync.jobs.notify`)
find the kits in that folder and mail each once to the délégué·e·s.
"""

from __future__ import annotations

import datetime as dt
import json

from capsync.backends.base import Backend
from capsync.campaign.config import Collective, Phase, Settings
from capsync.campaign.validation import Campaign
from capsync.campaign.vocabulary import PhaseKind
from capsync.errors import CapsyncError, FileLocked
from capsync.jobs.restitutions import Produced, free_ref
from capsync.layout.dashboard import DashboardInputs
from capsync.layout.regroupement import kit_spec
from capsync.layout.regroupement_data import KitRequest, build_kit, regroupement_phase
from capsync.scoring import scores as scoring
from capsync.store.database import Store
from capsync.store.sync_state import SyncState
from capsync.workbook.refs import Kind, WorkbookRef

STATE_PREFIX = "regroupement-kits:"
ANONYMOUS_SUFFIX = "-anonyme"


class UnknownRegroupement(CapsyncError):
    """A kit asked for a collectif or a chapter the calendar does not have."""


def kit_name(phase: Phase, *, anonymous: bool = False) -> str:
    """« chapitre-2-2026-03-03 » (« …-anonyme »): the regroupement it prepares."""
    name = f"chapitre-{phase.chapter or ''}-{phase.date.isoformat()}"
    return name + (ANONYMOUS_SUFFIX if anonymous else "")


def _key(phase: Phase) -> str:
    return f"{phase.chapter or ''}:{phase.date.isoformat()}"


def due_kits(
    collective: Collective, settings: Settings, done: set[str], today: dt.date
) -> list[Phase]:
    """The regroupements whose kit is due today: inside their window, not produced yet."""
    before = dt.timedelta(days=settings.kit_days_before)
    return [
        p
        for p in collective.phases()
        if p.kind == PhaseKind.REGROUPEMENT
        and p.date - before <= today <= p.date
        and _key(p) not in done
    ]  # fmt: skip


def write_kit(backend: Backend, request: KitRequest, referentiel_version: str) -> Produced:
    """Lay out, render and keep one kit (workbook, then PDF) under a name of its own."""
    from capsync.render.regroupement_pdf import kit_pdf_bytes  # fpdf2: only when a kit is made

    coll = request.collective
    kit = build_kit(request)
    name = kit_name(request.phase, anonymous=request.anonymous)
    ref = free_ref(backend, WorkbookRef(coll.id, Kind.REGROUPEMENT, name))
    backend.write(ref, kit_spec(kit, coll.id, request.referentiel.id, referentiel_version))
    backend.write_file(ref, "pdf", kit_pdf_bytes(kit))
    where, pdf = backend.location(ref), backend.file_location(ref, "pdf")
    occasion = f"regroupement du chapitre {request.phase.chapter} du {request.phase.date:%d/%m/%Y}"
    return Produced(
        collective=coll.id,
        kind=Kind.REGROUPEMENT,
        name=ref.stem,
        occasions=(occasion,),
        files=(where, pdf),  # the workbook, then the PDF beside it
    )


def kits_at_their_date(
    backend: Backend, state: SyncState, inputs: DashboardInputs, now: dt.datetime
) -> tuple[list[Produced], list[str]]:
    """The sync's step: each regroupement's kit on the first cycle of its window.

    Returns the kits produced and the French messages of files a person had open
    (those kits stay due and are tried again at the next cycle).
    """
    coll, today = inputs.collective, now.date()
    key = STATE_PREFIX + coll.id
    done = set(json.loads(state.hash_of(key) or "[]"))
    produced, locked = [], []
    for phase in due_kits(coll, inputs.settings, done, today):
        request = KitRequest(
            coll, inputs.referentiel, inputs.scores, inputs.texts, phase, today,
            inputs.settings.late_days,
        )  # fmt: skip
        try:
            produced.append(write_kit(backend, request, inputs.referentiel.version))
        except FileLocked as exc:
            locked.append(str(exc))
            continue
        done.add(_key(phase))
    if produced:
        state.remember(key, json.dumps(sorted(done)), now)
    return produced, locked


def request_kit(
    campaign: Campaign,
    backend: Backend,
    store: Store,
    *,
    collective: str,
    chapter: str,
    now: dt.datetime,
    anonymous: bool = False,
) -> Produced:
    """``capsync regroupement``: the kit of a chapter's regroupement, now, from the store."""
    coll = next((c for c in campaign.config.collectives if c.id == collective), None)
    if coll is None:
        raise UnknownRegroupement(f"La configuration ne connaît pas le collectif « {collective} ».")
    phase = regroupement_phase(coll, chapter, now.date())
    if phase is None:
        raise UnknownRegroupement(
            f"Le calendrier du collectif « {collective} » n'a pas de regroupement pour le "
            f"chapitre {chapter}."
        )
    ref = campaign.referentiel_for(coll.id)
    scores = scoring.score_collective(store.current_answers(coll.id), ref, coll.structures)
    request = KitRequest(
        coll, ref, scores, store.current_texts(coll.id), phase, now.date(),
        campaign.config.settings.late_days, anonymous,
    )  # fmt: skip
    return write_kit(backend, request, ref.version)

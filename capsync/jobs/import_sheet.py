"""A returned .xlsx / .ods merged into a structure's live Google Sheet (``capsync import``).

On Google the grid in place is a sheet people may be typing in right now, so
the import never replaces it (a whole rewrite would undo what someone typed
between capsync's read and its write, and close their undo history):

1. the Sheet is pulled first, so what was typed there is in the store and
   capsync knows which of its cells held something;
2. the returned file is recorded as a copy of its own (its file name is its
   key, never the Sheet's), by the rules of :mod:`capsync.store.ownership`:
   it adds and changes answers, removes none, cannot revert a value with an
   older one, and a value replacing the Sheet's is a « copies en conflit »
   anomaly naming both;
3. the Sheet is read again and the answers this file brought (those the store
   now holds) are typed into the cells that are empty in the Sheet and were
   empty when capsync last read it (:mod:`capsync.parse.sheet_patch`): one
   ``values.batchUpdate`` of just those cells. A cell holding a person's answer
   is never overwritten — the conflict stays shown, for the délégué·e·s to settle
   with the structure.

The next pull reads the Sheet again (its version moved) and finds the values
the store already has: nothing is counted twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from capsync.backends.base import Backend
from capsync.campaign.config import Structure
from capsync.campaign.validation import Campaign
from capsync.errors import BackendError, ImportRefused
from capsync.jobs.pull import pull
from capsync.parse.answers import Anomaly, AnomalyKind, ParsedGrid
from capsync.parse.carry import older_copy
from capsync.parse.grid import parse_grid
from capsync.parse.messages import older_copy_message
from capsync.parse.personal import PERSONAL_KIND, parse_personal
from capsync.parse.sheet_patch import SheetPatch, answers_patch, plan_patch
from capsync.store.database import Store
from capsync.store.ownership import FileMemory
from capsync.store.sync_state import raw_hash
from capsync.workbook.identity import IDENTITY_SHEET, Identity, identity_from_rows
from capsync.workbook.refs import Kind, RawWorkbook, WorkbookRef

log = logging.getLogger("capsync")


@dataclass(frozen=True)
class SheetImport:
    """What one returned file did to the live grid."""

    location: str  # the Sheet's address
    written: int  # cells typed into the Sheet
    anomalies: tuple[Anomaly, ...]  # conflicts and stale values met (French messages)


def _refuse(path: Path, reason: str) -> ImportRefused:
    return ImportRefused(f"{path.name} : {reason}")


def import_into_sheet(
    path: Path,
    raw: RawWorkbook,
    identity: Identity,
    campaign: Campaign,
    backend: Backend,
    store: Store,
    *,
    now: dt.datetime,
) -> SheetImport:
    """Record one returned file and type its answers into the Sheet's empty cells."""
    campaign = campaign.for_collective(identity.collective)  # its référentiel from here on
    coll = campaign.config.collective(identity.collective)
    structure = coll.structure(identity.structure)
    ref = WorkbookRef(coll.id, Kind.GRID, structure.id)
    if not backend.exists(ref):
        raise _refuse(
            path,
            f"la grille de « {structure.id} » n'existe pas encore sur {backend.name} : lancez "
            "« capsync generate », puis relancez l'import.",
        )
    location = backend.location(ref)
    pull(campaign, backend, store, collective=coll.id, now=now)  # the Sheet's answers first
    in_place = _read(backend, ref, path)
    parsed = _parsed(path, raw, identity, campaign, structure, in_place)
    summary = store.record_grid(coll.id, structure.id, parsed, "", raw_hash(raw), now)
    in_place = _read(backend, ref, path)  # as it is now: a person may have typed meanwhile
    patch = _patch(store, campaign, coll.id, structure.id, location, parsed, in_place)
    try:
        backend.write_cells(ref, patch.cells)
    except BackendError as exc:
        raise _refuse(
            path,
            f"ses réponses sont enregistrées (elles comptent dans le tableau de bord) mais "
            f"n'ont pas pu être recopiées dans la grille ({exc}) : relancez l'import.",
        ) from exc
    log.info(
        "imported %s into %s: %d cells typed, %d kept as the Sheet has them, %d without a "
        "place in the Sheet, %d plan rows left in the store only",
        path, location, len(patch.cells), len(patch.kept), len(patch.no_place),
        len(patch.kept_rows),
    )  # fmt: skip
    return SheetImport(location, len(patch.cells), (*parsed.anomalies, *summary.notes))


def _read(backend: Backend, ref: WorkbookRef, path: Path) -> RawWorkbook:
    try:
        return backend.read(ref)
    except BackendError as exc:  # trashed, unreadable, quota: nothing recorded, retry later
        raise _refuse(path, str(exc)) from exc


def _parsed(
    path: Path,
    raw: RawWorkbook,
    identity: Identity,
    campaign: Campaign,
    structure: Structure,
    in_place: RawWorkbook,
) -> ParsedGrid:
    """The returned file read as a copy of its own: its name is its key and its label."""
    referentiel, coll = campaign.referentiel, identity.collective
    if identity.kind == PERSONAL_KIND:
        parsed = parse_personal(raw, referentiel, coll, structure, path.name)
    else:
        parsed = parse_grid(raw, referentiel=referentiel, collective=coll, structure=structure,
                            source=path.name)  # fmt: skip
        sheet_identity = identity_from_rows(in_place.get(IDENTITY_SHEET, []))
        if sheet_identity is not None and older_copy(
            identity, sheet_identity, referentiel, structure
        ):
            message = older_copy_message(structure.id)
            stale = Anomaly(structure.id, path.name, "", "", path.name, message,
                            AnomalyKind.STALE_COPY)  # fmt: skip
            parsed.anomalies.append(stale)
    parsed.fresh, parsed.label = True, path.name
    return parsed


def _patch(
    store: Store,
    campaign: Campaign,
    collective: str,
    structure: str,
    location: str,
    parsed: ParsedGrid,
    in_place: RawWorkbook,
) -> SheetPatch:
    """The cells this file brought that the store kept, where the Sheet is empty and was
    empty when capsync last read it."""
    brought = {(a.criterion, a.column): a.text for a in parsed.answers}
    brought.update({(t.criterion, t.column): t.text for t in parsed.texts})
    current = store.structure_cells(collective, structure)
    mine = {key: text for key, text in current.items() if brought.get(key) == text}
    memory = FileMemory(store.conn, collective, structure, location)
    patch = answers_patch(in_place, campaign.referentiel, mine, memory.cells)
    rows = {_content(a.criterion, a.action, a.responsable, a.statut, a.commentaire)
            for a in parsed.actions}  # fmt: skip
    plan = {
        number: values
        for number, values in store.structure_plan_rows(collective, structure).items()
        if _content(values[0], values[3], values[4], values[6], values[7]) in rows
    }
    seen_rows = memory.actions or {}
    return plan_patch(in_place, campaign.referentiel, plan, seen_rows, patch)


def _content(*values: object) -> tuple[str, ...]:
    return tuple("" if v is None else str(v) for v in values)

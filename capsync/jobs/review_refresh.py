"""A new pair (or tiers) for a chapter reaches the grid in place, without ``--upgrade``.

The grid's review headers name who reviews each chapter, and on Google the
pair's and the tiers' columns are protected ranges whose editors are those
people. When the configuration changes them, ``capsync generate`` and the
sync bring the grids in line, at a cost proportional to the change:

- who reviews each grid is fingerprinted from the configuration
  (:func:`capsync.layout.review_columns.review_fingerprint`) and remembered in
  the sync state; an unchanged fingerprint costs no read and no request;
- a changed one reads the grid and compares its review headers with the
  configuration's. On Google, the few header cells and the review ranges'
  editors are rewritten in ONE ``batchUpdate`` (nothing typed is touched),
  and the new reviewers are granted the file
  (``Backend.refresh_review_columns``); a reviewer taken out keeps the file
  until ``capsync audit --fix``. A local file cannot be edited cell by cell:
  it is rebuilt around every value typed in it (the upgrade's carry, with a
  dated backup first), and only when a header really differs.

A grid open in a spreadsheet, unreadable, or waiting for ``--upgrade`` is left
as it is, with a French message, and looked at again next time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass

from capsync.backends.base import Backend, locked_message
from capsync.campaign.config import Collective, Structure
from capsync.campaign.validation import Campaign
from capsync.errors import BackendError, FileLocked
from capsync.layout.grid import grid_spec
from capsync.layout.review_columns import ReviewChanges, review_changes, review_fingerprint
from capsync.parse.carry import carry_over, needs_upgrade, read_identity
from capsync.store.sync_state import SyncState
from capsync.workbook.grid_schema import UNPARSED_SHEETS
from capsync.workbook.refs import Kind, RawWorkbook, WorkbookRef

log = logging.getLogger("capsync")

STATE_PREFIX = "reviewers:"


@dataclass(frozen=True)
class ReviewRefresh:
    """What happened to one grid's review columns."""

    ref: WorkbookRef
    cells: int = 0  # header cells rewritten
    ranges: int = 0  # protected ranges given their editors (Google)
    backup: str = ""  # a local grid rebuilt: where the previous one was kept
    message: str = ""  # why nothing was done (French), to say and retry

    def line(self) -> str:
        """The French line ``generate`` prints for this grid."""
        if self.message:
            return f"  {self.message}"
        what = f"{self.cells} en-tête(s) de revue mis à jour"
        if self.ranges:
            what += f", {self.ranges} plage(s) protégée(s) (tiers, pair)"
        if self.backup:
            what += f" ; sauvegarde : {self.backup}"
        return f"  {self.ref.name} : {what}."


def state_key(collective: str, structure: str) -> str:
    return f"{STATE_PREFIX}{collective}/{structure}"


def remember_reviews(
    campaign: Campaign,
    pairs: Sequence[tuple[Collective, Structure]],
    now: dt.datetime,
    state: SyncState,
) -> None:
    """Grids just written name their reviewers already: nothing to read for them next time.
    Remembered in one transaction, not one per grid."""
    with state.batch():
        for coll, struct in pairs:
            fingerprint = review_fingerprint(campaign.referentiel_for(coll.id), coll, struct)
            state.remember(state_key(coll.id, struct.id), fingerprint, now)


def refresh_reviews(
    campaign: Campaign,
    backend: Backend,
    pairs: Sequence[tuple[Collective, Structure]],
    now: dt.datetime,
    state: SyncState | None = None,
    *,
    read_unknown: bool = True,
) -> list[ReviewRefresh]:
    """Bring the review columns of the grids of ``pairs`` in line with the configuration.

    ``state`` remembers, per grid, who was last put there; without it every grid is
    read and compared (``generate`` on a campaign that has no store yet). With
    ``read_unknown`` False (the sync), a grid the state knows nothing of is taken as
    naming today's reviewers and only remembered: the first cycle after ``generate``
    would otherwise read every grid of the network a second time.

    What ``state`` learns is committed once, at the end (:meth:`SyncState.batch`): one
    transaction per call, not one per grid (a cold sync made 550, ≈ 0.3 s of its parent's
    time), and a grid rewritten here is on disk before it is remembered.
    """
    with state.batch() if state is not None else nullcontext():
        return _refresh_each(campaign, backend, pairs, now, state, read_unknown)


def _refresh_each(
    campaign: Campaign,
    backend: Backend,
    pairs: Sequence[tuple[Collective, Structure]],
    now: dt.datetime,
    state: SyncState | None,
    read_unknown: bool,
) -> list[ReviewRefresh]:
    done: list[ReviewRefresh] = []
    for coll, struct in pairs:
        ref = WorkbookRef(coll.id, Kind.GRID, struct.id)
        key = state_key(coll.id, struct.id)
        fingerprint = review_fingerprint(campaign.referentiel_for(coll.id), coll, struct)
        known = state.hash_of(key) if state is not None else None
        if known == fingerprint:
            continue
        if known is None and state is not None and not read_unknown:
            state.remember(key, fingerprint, now)
            continue
        try:
            if not backend.exists(ref):
                continue
            result = _refresh(campaign, backend, coll, struct, ref, every_sheet=known is not None,
                              now=now)  # fmt: skip
        except FileLocked as exc:
            done.append(ReviewRefresh(ref, message=str(exc)))
            continue
        except BackendError as exc:  # BackendUnavailable included: tried again next time
            done.append(ReviewRefresh(ref, message=f"{backend.location(ref)} : {exc}"))
            continue
        if result is not None:
            done.append(result)
            if result.message:
                continue  # looked at again next time
        if state is not None:
            state.remember(key, fingerprint, now)
    return done


def _refresh(
    campaign: Campaign,
    backend: Backend,
    coll: Collective,
    struct: Structure,
    ref: WorkbookRef,
    *,
    every_sheet: bool,
    now: dt.datetime,
) -> ReviewRefresh | None:
    """One grid; None when it already says what the configuration says."""
    campaign = campaign.for_collective(coll.id)
    raw = backend.read(ref, UNPARSED_SHEETS)  # headers and identity; not the help, the formulas
    identity = read_identity(raw)
    if identity is None or (identity.kind, identity.collective, identity.structure) != (
        Kind.GRID.value, coll.id, struct.id,
    ):  # fmt: skip
        return ReviewRefresh(ref, message=(
            f"{backend.location(ref)} n'est pas la grille de {struct.id} : ses colonnes de "
            "revue n'ont pas été mises à jour (aucune modification)."))  # fmt: skip
    if needs_upgrade(identity, campaign.referentiel, struct):
        return ReviewRefresh(ref, message=(
            f"{backend.location(ref)} : les en-têtes du tiers et du pair seront mis à jour avec "
            "la grille elle-même (capsync generate --upgrade)."))  # fmt: skip
    spec = grid_spec(campaign.referentiel, coll, struct, campaign.config.settings, twins=False)
    changes = review_changes(raw, spec, every_sheet=every_sheet)
    if not changes:
        return None
    if not backend.files_are_xlsx:
        backend.refresh_review_columns(ref, changes.cells, changes.editors)
        log.info("review columns of %s: %d cells, %d ranges", ref, len(changes.cells),
                 len(changes.editors))  # fmt: skip
        return ReviewRefresh(ref, len(changes.cells), len(changes.editors))
    if not changes.cells:  # a file holds no per-person rights: only the headers matter
        return None
    return _rebuild(campaign, backend, coll, struct, ref, backend.read(ref), changes, now)


def _rebuild(
    campaign: Campaign,
    backend: Backend,
    coll: Collective,
    struct: Structure,
    ref: WorkbookRef,
    raw: RawWorkbook,
    changes: ReviewChanges,
    now: dt.datetime,
) -> ReviewRefresh:
    """A local grid rebuilt around every value typed in it, its previous version kept."""
    if backend.is_locked(ref):
        raise FileLocked(locked_message(backend.location(ref)))
    carried, _ = carry_over(raw, campaign.referentiel, struct, now.date())
    spec = grid_spec(campaign.referentiel, coll, struct, campaign.config.settings, carried)
    backup = backend.backup(ref, now)
    backend.write(ref, spec)
    log.info("review headers of %s rewritten (%d cells)", ref, len(changes.cells))
    return ReviewRefresh(ref, len(changes.cells), backup=backup)

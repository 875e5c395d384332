"""``capsync nouvelle-campagne``: a structure starts its next campaign.

The admin writes the new campaign's ID in the configuration (``campaign:`` at the
top, of a collectif or of a structure) and runs the command; capsync never
rewrites the YAML. For each structure whose configured campaign differs from
the one it is in (the store's record, else its grid's identity):

1. its grid is pulled one last time, so the store holds everything typed in it;
2. a new grid is built, pre-filled with each criterion's « niveau retenu » and
   justification, each row marked « À confirmer — repris de la campagne … » in a
   column of its own: while that cell is not empty the level is recorded but not
   counted (:data:`~capsync.workbook.grid_schema.COL_RETAINED_PENDING`);
3. the old grid is archived read-only under the old campaign's name
   (:meth:`~capsync.backends.base.Backend.archive_grid`), the new one written in
   its place, and the store closes the old campaign (its state kept, see
   :mod:`capsync.store.campaigns`).

Run again after a failure, it finishes what was left: a grid already of the new
campaign is never archived as the old one. A campaign the structure already went
through never starts again (its record and archive would be overwritten): refused,
naming the structure's campaigns in order.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from enum import StrEnum

from capsync.backends.base import Backend
from capsync.campaign.config import DEFAULT_CAMPAIGN, Collective, Structure, campaign_of
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.validation import Campaign
from capsync.errors import BackendError, FileLocked
from capsync.jobs.generate import grid_ref, select
from capsync.jobs.pull import pull
from capsync.layout.grid import grid_spec
from capsync.parse.carry import read_identity
from capsync.store.campaigns import (
    CampaignRecord,
    current_campaigns,
    restart_message,
    start_campaign,
    structure_campaigns,
)
from capsync.store.database import Store
from capsync.workbook.grid_schema import (
    COL_CARRIED,
    COL_JUSTIFICATION,
    COL_RETAINED,
    COL_RETAINED_PENDING,
    Carried,
)
from capsync.workbook.refs import Kind
from capsync.workbook.spec import Value

log = logging.getLogger("capsync")


def carried_marker(previous: str) -> str:
    """The text of a carried row's « à confirmer » cell (the group clears it to confirm)."""
    return f"À confirmer — repris de la campagne {previous}"


class Started(StrEnum):
    STARTED = "commencée"
    UNCHANGED = "inchangée"
    LOCKED = "fichier ouvert"
    FAILED = "échec"
    NO_GRID = "sans grille"  # nothing to close: ``generate`` makes its grid, of the new one


@dataclass(frozen=True)
class CampaignResult:
    collective: str
    structure: str
    status: Started
    previous: str = ""
    new: str = ""
    carried: int = 0  # criteria pre-filled « à confirmer »
    archive: str = ""  # where the old grid went
    message: str = ""

    def line(self) -> str:
        who = f"{self.collective}/{self.structure}"
        if self.status == Started.STARTED:
            return (
                f"  {who} : campagne « {self.new} » commencée ({self.carried} critère(s) repris "
                + (f"à confirmer) ; grille de « {self.previous} » archivée en lecture seule : "
                   if self.archive else
                   f"à confirmer) ; la grille de « {self.previous} » n'était plus en place : "
                   "rien à archiver")
            )  # fmt: skip
        if self.status == Started.UNCHANGED:
            return f"  {who} : déjà dans la campagne « {self.new} »"
        return f"  {who} : {self.message}"


@dataclass
class NewCampaignSummary:
    results: list[CampaignResult] = field(default_factory=list)

    def of(self, status: Started) -> list[CampaignResult]:
        return [r for r in self.results if r.status == status]

    def printed(self) -> list[tuple[CampaignResult | None, str, str]]:
        """(result, French text, what follows it verbatim: a path) per line to print."""
        lines = self.lines()
        shown = [r for r in self.results if r.status != Started.UNCHANGED]
        return [
            (None, lines[0], ""),
            *((r, t, r.archive) for r, t in zip(shown, lines[1:], strict=True)),
        ]

    def lines(self) -> list[str]:
        started = self.of(Started.STARTED)
        head = f"Nouvelle campagne : {len(started)} structure(s) passée(s) à leur nouvelle campagne"
        shown = [r for r in self.results if r.status != Started.UNCHANGED]
        return [head + ("." if shown else " (aucune à changer)."), *(r.line() for r in shown)]


def carried_answers(
    cells: dict[tuple[str, str], str],
    referentiel: Referentiel,
    structure: Structure,
    previous: str,
) -> Carried:
    """The new grid's pre-filled cells: per applicable criterion, the previous retenu (still
    unconfirmed ones too) and justification, and the « à confirmer » marker."""
    carried = Carried()
    for criterion in referentiel.criteria_for(structure.all_types):
        level = cells.get((criterion.id, COL_RETAINED)) or cells.get(
            (criterion.id, COL_RETAINED_PENDING)
        )
        text = cells.get((criterion.id, COL_JUSTIFICATION))
        if not level and not text:
            continue
        if level:
            value: Value = int(level) if level.strip().isdigit() else level
            carried.answers[(criterion.id, COL_RETAINED)] = value
        if text:
            carried.answers[(criterion.id, COL_JUSTIFICATION)] = text
        carried.answers[(criterion.id, COL_CARRIED)] = carried_marker(previous)
    return carried


def start_new_campaigns(
    campaign: Campaign,
    backend: Backend,
    store: Store,
    *,
    collective: str | None = None,
    structure: str | None = None,
    now: dt.datetime,
) -> NewCampaignSummary:
    """Start, for each selected structure, the campaign the configuration names for it."""
    pairs = select(campaign, collective, structure)
    summary = NewCampaignSummary()
    pulled: set[str] = set()
    for coll, struct in pairs:
        records = current_campaigns(store, coll.id)
        new = campaign_of(struct)
        if struct.id not in records and not backend.exists(grid_ref(coll, struct)):
            message = no_grid_message(new)  # no campaign to close: never guess one
            summary.results.append(
                CampaignResult(coll.id, struct.id, Started.NO_GRID, new=new, message=message)
            )
            continue
        previous = _previous(backend, coll, struct, records.get(struct.id))
        if previous == new:
            summary.results.append(CampaignResult(coll.id, struct.id, Started.UNCHANGED, new=new))
            continue
        went = structure_campaigns(store, coll.id, struct.id)
        if new in went:  # a campaign never starts again: its record and archive stay whole
            message = restart_message(struct.id, went, new)
            summary.results.append(
                CampaignResult(coll.id, struct.id, Started.FAILED, previous, new, message=message)
            )
            continue
        if coll.id not in pulled:  # the last of what people typed, before the grid moves
            pull(campaign, backend, store, collective=coll.id, now=now, workers=1)
            pulled.add(coll.id)
        summary.results.append(_start_one(campaign, backend, store, coll, struct, previous, now))
    for coll_id in sorted({r.collective for r in summary.of(Started.STARTED)}):
        # the new grids read at once: their carried levels are in the store, « à confirmer »
        pull(campaign, backend, store, collective=coll_id, now=now, workers=1)
    return summary


def no_grid_message(new: str) -> str:
    """A structure with no grid in place and no campaign recorded: nothing says which
    campaign it was in (the default one was assumed, and its « archive » said to be
    missing); its grid is made by ``generate``, already of the new campaign."""
    return (
        "aucune grille en place, donc aucune campagne à clore : « capsync generate » crée "
        f"sa grille, directement de la campagne « {new} ». Si sa grille a été supprimée ou "
        "déplacée, remettez-la d'abord en place : ses réponses seront reprises à confirmer."
    )


def _previous(
    backend: Backend, coll: Collective, struct: Structure, record: CampaignRecord | None
) -> str:
    """The campaign the structure is in: the store's record, else its grid's identity (a
    grid made before campaigns: the default one)."""
    if record is not None:
        return record.campaign
    return _grid_campaign(backend, coll, struct) or DEFAULT_CAMPAIGN


def _grid_campaign(backend: Backend, coll: Collective, struct: Structure) -> str:
    """The campaign the structure's grid in place says in its identity ("" when it has
    none: no grid, a broken one, or one made before campaigns)."""
    ref = grid_ref(coll, struct)
    if not backend.exists(ref):
        return ""
    try:
        identity = read_identity(backend.read(ref))
    except BackendError:
        return ""
    return identity.campaign if identity is not None else ""


def campaign_in_force(backend: Backend, store: Store, coll: Collective, struct: Structure) -> str:
    """The campaign the structure is in now: the last one it started (the store's record),
    else its grid's, else the one the configuration names (no grid yet)."""
    went = structure_campaigns(store, coll.id, struct.id)
    if went:
        return went[-1]
    return _grid_campaign(backend, coll, struct) or campaign_of(struct)


def _start_one(
    campaign: Campaign,
    backend: Backend,
    store: Store,
    coll: Collective,
    struct: Structure,
    previous: str,
    now: dt.datetime,
) -> CampaignResult:
    new = campaign_of(struct)
    ref = grid_ref(coll, struct)
    referentiel = campaign.referentiel_for(coll.id)
    result = CampaignResult(coll.id, struct.id, Started.STARTED, previous=previous, new=new)
    try:
        identity = read_identity(backend.read(ref)) if backend.exists(ref) else None
        if identity is not None and identity.campaign == new:  # a run cut short: finish it
            start_campaign(store, coll.id, struct.id, previous=previous, new=new, at=now,
                           location="")  # fmt: skip
            return result
        cells = store.structure_cells(coll.id, struct.id)
        carried = carried_answers(cells, referentiel, struct, previous)
        spec = grid_spec(referentiel, coll, struct, campaign.config.settings, carried)
        archive = backend.archive_grid(ref, previous) if identity is not None else ""
        backend.write(ref, spec)
        start_campaign(store, coll.id, struct.id, previous=previous, new=new, at=now,
                       location=archive)  # fmt: skip
    except FileLocked as exc:
        return CampaignResult(coll.id, struct.id, Started.LOCKED, previous, new, message=str(exc))
    except BackendError as exc:
        return CampaignResult(coll.id, struct.id, Started.FAILED, previous, new, message=str(exc))
    log.info("campaign %s started for %s/%s (was %s)", new, coll.id, struct.id, previous)
    return CampaignResult(
        coll.id, struct.id, Started.STARTED, previous, new, carried.pending_count, archive
    )


def pending_campaigns(collective: Collective, store: Store) -> list[str]:
    """Structures whose configuration names a campaign their grid is not in yet: the admin
    changed the ID but has not run ``capsync nouvelle-campagne`` (which alone starts it,
    so that naming a campaign never archives a grid by accident). Said by the sync, in
    French; a structure whose grid was never read is not known yet and says nothing."""
    records = current_campaigns(store, collective.id)
    read = {
        structure: identity.campaign or DEFAULT_CAMPAIGN
        for (structure, _), identity in store.file_identities(collective.id).items()
        if identity.kind == Kind.GRID.value
    }
    lines = []
    for struct in collective.structures:
        record = records.get(struct.id)
        current = record.campaign if record is not None else read.get(struct.id)
        wanted = campaign_of(struct)
        if current is not None and current != wanted:
            lines.append(
                f"{struct.name} : la configuration nomme la campagne « {wanted} », sa grille "
                f"est de la campagne « {current} » ; lancez « capsync nouvelle-campagne "
                f"--structure {struct.id} » pour la commencer."
            )
    return lines

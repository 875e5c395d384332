"""``capsync generate --individuel``: each respondent's personal file, beside the grid.

Only missing files are written (a second run touches nothing), like grids.
With ``--upgrade``, a personal file made for another référentiel version or
layout is rebuilt like a grid: its respondent's levels and comments carried by
criterion ID, what has no place any more kept in its « Archives » sheet
(:mod:`capsync.parse.carry_personal`), a dated backup first.

Personal files are files a person opens and e-mails: the local backend keeps
them as ``grilles/<structure>/<respondent>.xlsx``; a backend that keeps no
files (Google Sheets, where each respondent types in their own protected
column of the shared grid) is told so instead.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from capsync.backends.base import Backend, locked_message
from capsync.campaign.config import Collective, Structure
from capsync.campaign.validation import Campaign
from capsync.errors import BackendError, FileLocked
from capsync.jobs.grid_results import GridOutcome, GridResult
from capsync.layout.personal_grid import personal_spec
from capsync.parse.carry import read_identity
from capsync.parse.carry_personal import carry_personal, personal_outdated
from capsync.parse.personal import PERSONAL_KIND
from capsync.workbook.grid_schema import RespondentColumn, respondent_columns
from capsync.workbook.refs import Kind, WorkbookRef

log = logging.getLogger("capsync")


def personal_ref(collective: str, structure: str, respondent_key: str) -> WorkbookRef:
    """« aci-une/sophie-marchand »: the personal file of one respondent of one structure."""
    return WorkbookRef(collective, Kind.PERSONAL, f"{structure}/{respondent_key.split(':', 1)[-1]}")


def write_personal_files(
    campaign: Campaign,
    backend: Backend,
    pairs: Sequence[tuple[Collective, Structure]],
    *,
    create: bool = True,
    upgrade: bool = False,
    now: dt.datetime | None = None,
) -> list[GridResult]:
    """Write the missing personal files of every respondent of ``pairs`` (``create``), and
    rebuild the outdated ones around their answers (``upgrade``, dated by ``now``)."""
    results: list[GridResult] = []
    for coll, struct in pairs:
        for column in respondent_columns(struct):
            ref = personal_ref(coll.id, struct.id, column.key)
            if not backend.files_are_xlsx:
                if create:
                    message = (
                        f"{struct.id} : les fichiers personnels sont des fichiers .xlsx ; avec le "
                        f"stockage « {backend.name} », chaque répondant·e saisit dans sa colonne "
                        "de la grille partagée."
                    )
                    results.append(GridResult(ref, GridOutcome.FAILED, message))
                break
            try:
                if not backend.exists(ref):
                    if create:
                        spec = personal_spec(
                            campaign.referentiel_for(coll.id), coll, struct, column
                        )
                        backend.write(ref, spec)
                        results.append(GridResult(ref, GridOutcome.CREATED))
                elif upgrade and now is not None:
                    results.append(_upgrade(campaign, backend, coll, struct, column, ref, now))
                else:
                    results.append(GridResult(ref, GridOutcome.EXISTING))
            except FileLocked as exc:
                results.append(GridResult(ref, GridOutcome.LOCKED, str(exc)))
            except BackendError as exc:
                results.append(GridResult(ref, GridOutcome.FAILED, str(exc)))
    return results


def _upgrade(
    campaign: Campaign,
    backend: Backend,
    coll: Collective,
    struct: Structure,
    column: RespondentColumn,
    ref: WorkbookRef,
    now: dt.datetime,
) -> GridResult:
    """Rebuild one personal file when the référentiel or layout it was made for changed."""
    campaign = campaign.for_collective(coll.id)  # its collectif's référentiel
    raw = backend.read(ref)
    identity = read_identity(raw)
    if identity is None or identity.kind != PERSONAL_KIND or identity.structure != struct.id:
        message = (
            f"{backend.location(ref)} n'est pas le fichier personnel de {column.header} "
            f"({struct.id}) : il n'a pas été mis à jour (aucune modification)."
        )
        return GridResult(ref, GridOutcome.FAILED, message)
    if not personal_outdated(identity, campaign.referentiel, column.key):
        return GridResult(ref, GridOutcome.UP_TO_DATE)
    if backend.is_locked(ref):  # before the backup: no copy of a replacement that won't happen
        raise FileLocked(locked_message(backend.location(ref)))
    carried, report = carry_personal(raw, campaign.referentiel, struct, column.key, now.date())
    spec = personal_spec(campaign.referentiel, coll, struct, column, carried)
    report.backup = backend.backup(ref, now)
    backend.write(ref, spec)
    log.info("upgraded %s: %s", ref, report.text())
    return GridResult(ref, GridOutcome.UPGRADED, report=report)

"""``capsync generate --individuel``: each respondent's personal file, beside the grid.

Only missing files are written (a second run touches nothing), like grids.
Personal files are files a person opens and e-mails: the local backend keeps
them as ``grilles/<structure>/<respondent>.xlsx``; a backend that keeps no
files (Google Sheets, where each respondent types in their own protected
column of the shared grid) is told so instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from capsync.backends.base import Backend
from capsync.campaign.config import Collective, Structure
from capsync.campaign.validation import Campaign
from capsync.errors import BackendError, FileLocked
from capsync.jobs.grid_results import GridOutcome, GridResult
from capsync.layout.personal_grid import personal_spec
from capsync.workbook.grid_schema import respondent_columns
from capsync.workbook.refs import Kind, WorkbookRef


def personal_ref(collective: str, structure: str, respondent_key: str) -> WorkbookRef:
    """« aci-une/sophie-marchand »: the personal file of one respondent of one structure."""
    return WorkbookRef(collective, Kind.PERSONAL, f"{structure}/{respondent_key.split(':', 1)[-1]}")


def write_personal_files(
    campaign: Campaign, backend: Backend, pairs: Sequence[tuple[Collective, Structure]]
) -> list[GridResult]:
    """Write the missing personal files of every respondent of ``pairs``."""
    results: list[GridResult] = []
    for coll, struct in pairs:
        for column in respondent_columns(struct):
            ref = personal_ref(coll.id, struct.id, column.key)
            if not backend.files_are_xlsx:
                message = (
                    f"{struct.id} : les fichiers personnels sont des fichiers .xlsx ; avec le "
                    f"stockage « {backend.name} », chaque répondant·e saisit dans sa colonne "
                    "de la grille partagée."
                )
                results.append(GridResult(ref, GridOutcome.FAILED, message))
                break
            try:
                if backend.exists(ref):
                    results.append(GridResult(ref, GridOutcome.EXISTING))
                    continue
                backend.write(ref, personal_spec(campaign.referentiel, coll, struct, column))
                results.append(GridResult(ref, GridOutcome.CREATED))
            except FileLocked as exc:
                results.append(GridResult(ref, GridOutcome.LOCKED, str(exc)))
            except BackendError as exc:
                results.append(GridResult(ref, GridOutcome.FAILED, str(exc)))
    return results

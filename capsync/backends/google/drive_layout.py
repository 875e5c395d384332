"""Where each workbook lives on Drive and how its file is named (pure).

Under the root folder, one folder per collectif (named by its id), holding
the dashboard and the calendar, and the folders « Grilles », « Restitutions »
and « Sauvegardes »::

    <racine>/<collectif>/Tableau de bord — … [tableau-de-bord]
    <racine>/<collectif>/Calendrier — … [calendrier]
    <racine>/<collectif>/Grilles/CAP RSE — grille … — Nom [structure-id]
    <racine>/<collectif>/Restitutions/… [structure-id]
    <racine>/<collectif>/Sauvegardes/Sauvegarde … [structure-id] 20260115-103000

Every file name ends with its key in brackets, so that one listing of the
whole tree (a single ``files.list``) tells which file is which workbook.
A file being created is named with « (création en cours) » until its content
is rendered: the rename is part of the rendering batch, so a file whose
content never arrived (an answer lost mid-creation) is recognised, never
mistaken for a finished grid, and completed at the next write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from capsync.workbook.refs import Kind, WorkbookRef

GRIDS_FOLDER = "Grilles"
RESTITUTIONS_FOLDER = "Restitutions"
BACKUPS_FOLDER = "Sauvegardes"
PENDING = " (création en cours)"
BACKUP_PREFIX = "Sauvegarde"
SUBFOLDERS = {Kind.GRID: GRIDS_FOLDER, Kind.RESTITUTION: RESTITUTIONS_FOLDER}
SINGLE_KINDS = (Kind.DASHBOARD, Kind.CALENDAR)
_NAME = re.compile(r"\[(?P<key>[^\[\]]+)\](?P<pending> \(création en cours\))?$")


def key_of(ref: WorkbookRef) -> str:
    return ref.kind.value if ref.kind in SINGLE_KINDS else ref.name


def file_name(title: str, ref: WorkbookRef, pending: bool = False) -> str:
    """« <title> [<key>] », plus the pending mark while the file is being created."""
    name = f"{title} [{key_of(ref)}]"
    return name + PENDING if pending else name


@dataclass(frozen=True)
class ParsedName:
    key: str
    pending: bool


def parse_name(name: str) -> ParsedName | None:
    match = _NAME.search(name)
    if match is None:
        return None
    return ParsedName(match.group("key"), bool(match.group("pending")))


def ref_for(collective: str, folder: str | None, name: str) -> tuple[WorkbookRef, bool] | None:
    """The workbook a file is, from its folder (None: the collectif's own folder) and name."""
    parsed = parse_name(name)
    if parsed is None:
        return None
    if folder is None:
        for kind in SINGLE_KINDS:
            if parsed.key == kind.value:
                return WorkbookRef(collective, kind), parsed.pending
        return None
    for kind, sub in SUBFOLDERS.items():
        if folder == sub:
            return WorkbookRef(collective, kind, parsed.key), parsed.pending
    return None


def backup_name(name: str, stamp: str) -> str:
    """The name of a dated copy; backups start with « Sauvegarde » so listings skip them."""
    return f"{BACKUP_PREFIX} — {name} — {stamp}"

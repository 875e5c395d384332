"""Where each workbook lives on Drive and how its file is named (pure).

Under the root folder, one folder per collectif (named by its id), holding
the dashboard and the calendar, and the folders « Grilles », « Structures »
and « Sauvegardes »::

    <racine>/<collectif>/Tableau de bord — … [tableau-de-bord]
    <racine>/<collectif>/Calendrier — … [calendrier]
    <racine>/<collectif>/Grilles/CAP RSE — grille … — Nom [structure-id]
    <racine>/<collectif>/Structures/Nom [structure-id]/Restitution … [structure-id/restitution-…]
    <racine>/<collectif>/Structures/Nom [structure-id]/À corriger — … [structure-id]
    <racine>/<collectif>/Sauvegardes/Sauvegarde … [structure-id] 20260115-103000

Each structure has a folder of its own for what it receives (its restitutions
with their PDF, its « À corriger » workbook, its calendar), like
``<data>/<collectif>/structures/<id>/`` locally: the folder is shared with the
structure's people (one grant per person, inherited by every file put in it),
so no file is ever granted one by one and nothing of another structure is in
it. Files made before these folders existed, in « Restitutions » and
« À corriger », are still recognised (and moved into their structure's folder).

Every workbook's name ends with its key in brackets, so that one listing of the
whole tree (a single ``files.list``) tells which file is which workbook. The .ics
and .pdf uploaded beside a workbook are named for people (« calendrier.ics »), and
known by the ``appProperties`` they carry (:mod:`.companions`).
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
UPDATING = " (mise à jour en cours)"  # a rewrite in several batches that has not finished
BACKUP_PREFIX = "Sauvegarde"
TO_FIX_FOLDER = "À corriger"  # each structure's « À corriger » workbook, shared with it only
REGROUPEMENTS_FOLDER = "Regroupements"  # the délégué·e·s' kits
SUBFOLDERS = {
    Kind.GRID: GRIDS_FOLDER,
    Kind.RESTITUTION: RESTITUTIONS_FOLDER,
    Kind.TO_FIX: TO_FIX_FOLDER,
    Kind.REGROUPEMENT: REGROUPEMENTS_FOLDER,
}
SINGLE_KINDS = (Kind.DASHBOARD, Kind.CALENDAR, Kind.NETWORK)  # NETWORK: in « reseau/ »
STRUCTURES_FOLDER = "Structures"  # one folder per structure inside: what it receives
STRUCTURE_PREFIX = STRUCTURES_FOLDER + "/"  # « Structures/<id> »: a structure's folder
_NAME = re.compile(r"\[(?P<key>[^\[\]]+)\](?P<pending> \((?:création|mise à jour) en cours\))?$")


def key_of(ref: WorkbookRef) -> str:
    return ref.kind.value if ref.kind in SINGLE_KINDS else ref.name


def file_name(title: str, ref: WorkbookRef, pending: bool = False, mark: str = PENDING) -> str:
    """« <title> [<key>] », plus the pending mark while the file is being (re)written."""
    name = f"{title} [{key_of(ref)}]"
    return name + mark if pending else name


@dataclass(frozen=True)
class ParsedName:
    key: str
    pending: bool


def parse_name(name: str) -> ParsedName | None:
    match = _NAME.search(name)
    if match is None:
        return None
    return ParsedName(match.group("key"), bool(match.group("pending")))


def structure_folder_name(structure: str, title: str = "") -> str:
    """« ACI Une [aci-une] »: the structure's name for people, its id for capsync."""
    return f"{title or structure} [{structure}]"


def structure_place(structure: str) -> str:
    """How :func:`ref_for` names a structure's folder: « Structures/<id> »."""
    return STRUCTURE_PREFIX + structure


def ref_for(collective: str, folder: str | None, name: str) -> tuple[WorkbookRef, bool] | None:
    """The workbook a file is, from its folder (None: the collectif's own folder, else a
    sub-folder's name or :func:`structure_place`) and its name."""
    parsed = parse_name(name)
    if parsed is None:
        return None
    if folder is not None and folder.startswith(STRUCTURE_PREFIX):
        structure = folder[len(STRUCTURE_PREFIX) :]
        if parsed.key == structure:
            return WorkbookRef(collective, Kind.TO_FIX, structure), parsed.pending
        if parsed.key.startswith(structure + "/"):
            return WorkbookRef(collective, Kind.RESTITUTION, parsed.key), parsed.pending
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

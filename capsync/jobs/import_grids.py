"""Put grids that came back by e-mail in place (``capsync import``).

A returned file may have any name: it is recognised by its hidden identity
sheet, never by its name. The grid it replaces is kept as a dated backup first
(``backend.backup``), so importing can never lose what was typed in the file
in place. Each file is judged on its own; a refused file says why, in French,
naming the file.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from capsync.backends.base import Backend
from capsync.backends.xlsx_read import read_workbook
from capsync.campaign.validation import Campaign
from capsync.errors import BackendError, BackendUnavailable, ImportRefused
from capsync.workbook.identity import IDENTITY_SHEET, Identity, identity_from_rows
from capsync.workbook.refs import Kind, WorkbookRef

log = logging.getLogger("capsync")


@dataclass(frozen=True)
class Imported:
    """A grid put in place: where it went and where the previous one was kept."""

    file: Path
    collective: str
    structure: str
    location: str
    backup: str | None  # None when there was no grid in place
    unchanged: bool = False  # the same file was already in place


def _refuse(path: Path, reason: str) -> ImportRefused:
    return ImportRefused(f"{path.name} : {reason}")


def file_identity(path: Path) -> Identity:
    """The identity of a returned grid; refuse what is not a capsync grid."""
    if not Path(path).is_file():
        raise _refuse(path, "fichier introuvable.")
    try:
        raw = read_workbook(path)
    except BackendUnavailable as exc:
        reason = "fichier occupé ou inaccessible, il n'a pas pu être lu : relancez l'import."
        raise _refuse(path, reason) from exc
    except BackendError as exc:
        raise _refuse(path, f"ce fichier n'est pas une grille capsync ({exc})") from exc
    identity = identity_from_rows(raw.get(IDENTITY_SHEET, []))
    if identity is not None and identity.kind != Kind.GRID.value:
        raise _refuse(
            path,
            f"ce fichier est un classeur capsync de type « {identity.kind} », pas une grille "
            "d'auto-évaluation : seules les grilles des structures s'importent.",
        )
    if identity is None or not identity.structure:
        raise _refuse(
            path,
            "ce fichier n'est pas une grille capsync (il n'a pas l'onglet caché "
            f"« {IDENTITY_SHEET} » qui identifie la structure).",
        )
    return identity


def import_grid(
    path: Path,
    campaign: Campaign,
    backend: Backend,
    *,
    collective: str | None = None,
    now: dt.datetime,
) -> Imported:
    """Put one returned grid in place of its structure's grid; raise ImportRefused."""
    path = Path(path)
    identity = file_identity(path)
    if collective and identity.collective != collective:
        raise _refuse(
            path,
            f"cette grille est celle d'une structure du collectif « {identity.collective} », "
            f"pas du collectif « {collective} » demandé.",
        )
    known = {(c.id, s.id) for c in campaign.config.collectives for s in c.structures}
    if (identity.collective, identity.structure) not in known:
        raise _refuse(
            path,
            f"la structure « {identity.structure} » (collectif « {identity.collective} ») "
            "est inconnue de la configuration.",
        )
    if not backend.files_are_xlsx:  # refused before anything is copied or read
        raise _refuse(path, f"le stockage « {backend.name} » ne permet pas encore l'import.")
    ref = WorkbookRef(identity.collective, Kind.GRID, identity.structure)
    content = path.read_bytes()
    backup = None
    if backend.exists(ref):
        in_place = _identity_in_place(backend, ref)
        if in_place is not None and in_place.layout_version > identity.layout_version:
            raise _refuse(
                path,
                f"cette grille a une mise en page plus ancienne (version "
                f"{identity.layout_version}) que celle en place (version "
                f"{in_place.layout_version}) : elle n'a pas été importée. Demandez à la "
                "structure de reporter ses réponses dans la grille actuelle.",
            )
        if _same_file(backend, ref, content):
            return Imported(path, ref.collective, ref.name, backend.location(ref), None, True)
        if backend.is_locked(ref):
            raise _refuse(
                path,
                f"la grille en place {backend.location(ref)} est ouverte dans un tableur : "
                "fermez-la, puis relancez l'import.",
            )
        try:
            backup = backend.backup(ref, now)
        except BackendError as exc:  # no backup, no replacement: the next file goes on
            raise _refuse(path, str(exc)) from exc
    _put(backend, ref, content, path)
    log.info("imported %s as %s", path, backend.location(ref))
    return Imported(path, ref.collective, ref.name, backend.location(ref), backup)


def _identity_in_place(backend: Backend, ref: WorkbookRef) -> Identity | None:
    try:
        raw = backend.read(ref)
    except BackendError:
        return None  # a broken grid in place: the backup keeps it, the import repairs it
    return identity_from_rows(raw.get(IDENTITY_SHEET, []))


def _same_file(backend: Backend, ref: WorkbookRef, content: bytes) -> bool:
    try:
        return backend.read_bytes(ref) == content
    except BackendError:
        return False  # unreadable in place: the import puts a readable grid there


def _put(backend: Backend, ref: WorkbookRef, content: bytes, path: Path) -> None:
    try:
        backend.write_bytes(ref, content)
    except BackendError as exc:  # FileLocked included: the grid in place is open
        raise _refuse(path, str(exc)) from exc

"""A closed campaign's grid on Google Drive: kept, read-only, out of the cycle's sight.

When a structure starts a new campaign (``capsync nouvelle-campagne``), its grid of the
previous one stays a Google Sheet people can open: renamed « … — campagne 2025-2026
(archive) », moved to the collectif's « Archives » folder, its ``appProperties`` saying
what it is (``capsyncKind = grille-archive``, ``capsyncCampaign``, the structure's key
kept), and every person who could type in it (writer, commenter) made a reader. A file
whose kind is not a workbook kind is no workbook of the listing: the pull never reads it.
"""

from __future__ import annotations

import logging
from typing import Protocol

import gspread
import requests
from google.auth.exceptions import GoogleAuthError

from capsync.backends.google.drive import DriveClient, DriveError
from capsync.backends.google.google_errors import why
from capsync.backends.google.listing import ARCHIVED_KIND, PROP_KIND, Entry
from capsync.errors import BackendError
from capsync.workbook.refs import WorkbookRef

log = logging.getLogger("capsync")

ARCHIVES_FOLDER = "Archives"
PROP_CAMPAIGN = "capsyncCampaign"
SHEETS_URL = "https://docs.google.com/spreadsheets/d/"
_FAILURES = (gspread.exceptions.APIError, DriveError, requests.RequestException, GoogleAuthError)
_DOWNGRADED = ("writer", "commenter", "fileOrganizer", "organizer")


class _Archiving(Protocol):
    @property
    def drive(self) -> DriveClient: ...

    def _entry(self, ref: WorkbookRef) -> Entry | None: ...

    def _forget(self) -> None: ...

    def folder(self, collective: str, kind: None = None, sub: str | None = None) -> str: ...


def archived_name(name: str, campaign: str) -> str:
    """« ACI Une [aci-une] » → « ACI Une (aci-une) — campagne 2025-2026 (archive) »: no
    ``[key]`` left for a name-based listing to take it for the grid."""
    plain = name.replace("[", "(").replace("]", ")")
    return f"{plain} — campagne {campaign} (archive)"


def archive_grid(backend: _Archiving, ref: WorkbookRef, campaign: str) -> str:
    """Rename, mark, move and make read-only the grid ``ref``; its URL. (Personal files are
    .xlsx files only, never on Drive: nothing else to archive.)"""
    entry = backend._entry(ref)
    if entry is None:
        raise BackendError(f"La grille {ref} est introuvable sur Google Drive : rien à archiver.")
    try:
        folder = backend.folder(ref.collective, sub=ARCHIVES_FOLDER)
        _archive_one(backend.drive, entry, folder, campaign)
    except _FAILURES as exc:
        raise BackendError(
            f"Archivage impossible de la grille {ref} sur Google Drive ({why(exc)}) : "
            "relancez la commande, rien n'est perdu."
        ) from exc
    finally:
        backend._forget()
    log.info("grid %s archived on Drive as campaign %s", ref, campaign)
    return SHEETS_URL + entry.id


def _archive_one(drive: DriveClient, entry: Entry, folder: str, campaign: str) -> None:
    props = {PROP_KIND: ARCHIVED_KIND, PROP_CAMPAIGN: campaign}
    drive.update(entry.id, {"name": archived_name(entry.name, campaign), "appProperties": props})
    if entry.parent and entry.parent != folder:
        drive.move(entry.id, folder, entry.parent)
    for perm in drive.permissions(entry.id):  # every person who could type now only reads
        inherited = any(d.get("inherited") for d in perm.get("permissionDetails") or [])
        email = perm.get("emailAddress")
        if inherited or perm.get("type") != "user" or not email:
            continue
        if perm.get("role") in _DOWNGRADED:
            drive.revoke(entry.id, str(perm["id"]))
            drive.grant(entry.id, str(email), "reader")

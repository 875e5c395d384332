"""The plain files uploaded beside a workbook on Drive (an .ics, a PDF): names and links.

A person opening a structure's folder on Drive sees « calendrier.ics » and
« restitution-chapitre-2-2026-03-03.pdf », the names the local backend gives the
same files, not capsync's keys (« aci-une/calendrier.ics »). capsync does not need
the name to know the file: it carries its workbook's ``appProperties`` (set when it
is uploaded), and its type says which of the workbook's companions it is. A file
uploaded before, under its key, is found all the same (by its properties, or by that
old name when it has none) and renamed, its properties set, in the request that
replaces its content: never a second file beside it.

The link a person is given is the file's own (``drive.google.com/file/d/<id>/view``),
from the id the listing or the upload answered: no request of its own.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import gspread
import requests
from google.auth.exceptions import GoogleAuthError

from capsync.backends.google import drive_layout as layout
from capsync.backends.google.drive import DriveClient, DriveError
from capsync.backends.google.google_errors import why
from capsync.backends.google.listing import PROP_SHARED, Entry, Listing, app_properties
from capsync.backends.google.sharing import desired_emails
from capsync.backends.local import SINGLE_FILES, TO_FIX_FILE
from capsync.campaign.config import Config
from capsync.errors import BackendError
from capsync.workbook.refs import Kind, WorkbookRef

log = logging.getLogger("capsync")

DRIVE_FILE_URL = "https://drive.google.com/file/d/{id}/view"
MIMES = {"ics": "text/calendar", "pdf": "application/pdf", "csv": "text/csv"}
OTHER_MIME = "application/octet-stream"
# the local backend's names of the workbooks named by their kind, not by a stem of theirs
_STEMS = {
    kind: name.removesuffix(".xlsx")
    for kind, name in {**SINGLE_FILES, Kind.TO_FIX: TO_FIX_FILE}.items()
}
_FAILURES = (gspread.exceptions.APIError, DriveError, requests.RequestException, GoogleAuthError)


class _Uploading(Protocol):
    root: str
    config: Config | None

    @property
    def drive(self) -> DriveClient: ...

    def parent(self, ref: WorkbookRef) -> str: ...

    def listing(self) -> Listing: ...

    def _forget(self) -> None: ...

    def _share_new(self, entry: Entry, ref: WorkbookRef) -> None: ...


def companion_name(ref: WorkbookRef, extension: str) -> str:
    """« calendrier.ics », « restitution-chapitre-2-2026-03-03.pdf »: as on a local disk."""
    return f"{_STEMS.get(ref.kind, ref.stem)}.{extension}"


def legacy_name(ref: WorkbookRef, extension: str) -> str:
    """The name such a file was uploaded under before: its key (« aci-une/calendrier.ics »)."""
    return f"{layout.key_of(ref)}.{extension}"


def _is(entry: Entry, ref: WorkbookRef, extension: str) -> bool:
    if not entry.keyed:  # known by its name only: one of the names capsync gives it
        return entry.name in (companion_name(ref, extension), legacy_name(ref, extension))
    if extension in MIMES:
        return entry.mime == MIMES[extension]
    return entry.name.endswith(f".{extension}")


def find_companion(listing: Listing, ref: WorkbookRef, extension: str) -> Entry | None:
    """The workbook's uploaded file of ``extension``, whatever its name; one known by its
    properties before one known by its name."""
    found = [e for e in listing.companions.get(ref, []) if _is(e, ref, extension)]
    found.sort(key=lambda e: not e.keyed)
    return found[0] if found else None


def companion_link(listing: Listing | None, ref: WorkbookRef, extension: str) -> str | None:
    """The Drive link of the workbook's file of ``extension``, when the listing knows it."""
    entry = find_companion(listing, ref, extension) if listing is not None else None
    return DRIVE_FILE_URL.format(id=entry.id) if entry is not None else None


def upload_companion(backend: _Uploading, ref: WorkbookRef, extension: str, data: bytes) -> None:
    """Upload ``data`` as the workbook's file of ``extension``: ONE request, a creation in
    the workbook's folder or a replacement of the file already there (renamed if needed)."""
    name = companion_name(ref, extension)
    known: Entry | None = None
    try:
        parent = backend.parent(ref)
        listing = backend.listing()
        known = find_companion(listing, ref, extension)
        props = app_properties(backend.root, ref, shared=True)
        if known is not None:  # its identity only: whether its grants were made stays as is
            props.pop(PROP_SHARED)
        made = backend.drive.upload(name, MIMES.get(extension, OTHER_MIME), data, [parent],
                                    known.id if known else None, props)  # fmt: skip
    except _FAILURES as exc:
        backend._forget()
        raise BackendError(
            f"Envoi impossible de {name} ({ref}) sur Google Drive ({why(exc)})."
        ) from exc
    if known is not None:
        _renamed(listing, known, name)
        return
    entry = _new_entry(made, name, parent, extension)
    listing.other[(parent, name)] = entry
    listing.companions.setdefault(ref, []).append(entry)
    if backend.config is not None and desired_emails(backend.config, ref):
        backend._share_new(entry, ref)


def _renamed(listing: Listing, entry: Entry, name: str) -> None:
    """The listing after a replacement: the file has its new name and carries the
    properties now (a very old one was known by its name only)."""
    entry.keyed = True
    if entry.name == name:
        return
    log.info("Drive file %s renamed from %r to %r", entry.id, entry.name, name)
    listing.other.pop((entry.parent, entry.name), None)
    entry.name = name
    listing.other[(entry.parent, name)] = entry


def _new_entry(made: dict[str, Any], name: str, parent: str, extension: str) -> Entry:
    mime = MIMES.get(extension, OTHER_MIME)
    return Entry(str(made.get("id", "")), name, "", parent=parent, mime=mime, keyed=True)

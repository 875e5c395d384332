"""GoogleBackend: workbooks as Google Sheets in a Drive folder tree, within the quotas.

Request counts (each one HTTP request, retries aside):

- ``versions`` / ``exists``: ONE ``files.list`` of the whole tree (1000 per page)
  serves a cycle; each next cycle lists only the grids, personal files and files
  awaiting a grant (:func:`.listing.watched_query`, ONE request per 1000), the whole
  tree again after ``listing_max_age`` seconds or a failed write. A workbook's token
  is its Drive ``version``, which moves with every edit. A listing with nothing under
  the root adds ONE ``files.get`` of the root, once (:mod:`.root_folder`).
- ``read``: ONE ``spreadsheets.get`` with grid data (see :mod:`.reading`).
- ``write``: a new workbook is ``files.create`` + ONE ``batchUpdate`` (+ one
  ``permissions.create`` per person it is shared with); replacing one is ONE
  ``batchUpdate``, plus one ``spreadsheets.get`` of its sheet ids when this
  process did not render or read it before.
- ``backup``: ONE ``files.copy``.
- ``write_file``: ONE upload, creating or replacing the file (:mod:`.companions`).

The sync never rewrites the cells people own: this backend only writes what
it is given, and only ``generate`` / ``generate --upgrade`` give it grids.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Collection, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import gspread
import requests
from google.auth.exceptions import GoogleAuthError

from capsync.backends.base import CellAt
from capsync.backends.google import drive_layout as layout
from capsync.backends.google.archive import archive_grid
from capsync.backends.google.batches import MAX_BATCH_BYTES, pending_title, split_requests
from capsync.backends.google.cell_writes import values_body
from capsync.backends.google.companions import companion_link, upload_companion
from capsync.backends.google.credentials import service_account_credentials
from capsync.backends.google.drive import FOLDER_MIME, SPREADSHEET_MIME, DriveClient, DriveError
from capsync.backends.google.google_errors import trashed_message
from capsync.backends.google.google_errors import why as _why
from capsync.backends.google.http import GOOGLE_HOSTS, sheets_client
from capsync.backends.google.listing import (
    PROP_ROOT,
    PROP_SHARED,
    WATCHED_KINDS,
    Entry,
    Listing,
    app_properties,
    has_property,
    watched_query,
)
from capsync.backends.google.quota import Clock, RequestBudget, RetryPolicy, Sleep, install
from capsync.backends.google.reading import READ_FIELDS, raw_workbook, sheet_ids
from capsync.backends.google.requests import render_requests
from capsync.backends.google.review_columns import ReviewColumns
from capsync.backends.google.root_folder import RootFolder
from capsync.backends.google.sharing import (
    desired_emails,
    grant_missing,
    share_folder,
    share_structure_folder,
)
from capsync.campaign.config import Config, GoogleSettings
from capsync.campaign.validation import Campaign
from capsync.errors import BackendError, BackendUnavailable
from capsync.workbook.refs import STRUCTURE_KINDS, Kind, RawValue, RawWorkbook, WorkbookRef
from capsync.workbook.spec import WorkbookSpec

log = logging.getLogger("capsync")

SHEETS_URL = "https://docs.google.com/spreadsheets/d/"
LISTING_FIELDS = "id,name,mimeType,parents,version,trashed,appProperties"
_FAILURES = (gspread.exceptions.APIError, DriveError, requests.RequestException, GoogleAuthError)
_NO_XLSX = (
    "Google Drive garde les classeurs en Google Sheets, pas en fichiers .xlsx : "
    "impossible de {what}."
)


class GoogleBackend(ReviewColumns):
    """Workbooks as Google Sheets; see the module docstring for what each call costs."""

    name = "google"
    files_are_xlsx = False  # Sheets are rendered request by request, never uploaded as .xlsx
    parallel_workers = False  # each process would hold its own budget and exceed the quota
    shares_with_people = True  # each file is shared with its readers and writers

    def __init__(
        self,
        settings: GoogleSettings,
        credentials: Any,
        *,
        config: Config | None = None,
        service_account_email: str | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        policy: RetryPolicy | None = None,
        listing_max_age: float = 6 * 3600.0,
    ):
        self.settings = settings
        self.config = config
        self.root = settings.root_folder_id or "root"
        self.email = service_account_email or getattr(credentials, "service_account_email", None)
        self.clock = clock
        self.budget = RequestBudget(settings.requests_per_minute, clock, sleep, policy)
        self.client: gspread.Client = sheets_client(credentials, settings.endpoint)
        self.session: requests.Session = self.client.http_client.session
        install(self.session, self.budget, GOOGLE_HOSTS)
        self.drive = DriveClient(self.session)
        self.root_folder = RootFolder(self.drive, self.root, self.email)
        self.listing_max_age = listing_max_age
        self._listing: Listing | None = None
        self._listed_at = 0.0
        self._asked: set[tuple[str, Kind]] = set()
        self._wrote = False  # our own writes moved a grid's version since the listing
        self._sheet_ids: dict[str, list[int]] = {}  # file id → sheet ids it holds now
        self.max_batch_bytes = MAX_BATCH_BYTES

    @classmethod
    def from_campaign(cls, campaign: Campaign, **options: Any) -> GoogleBackend:
        """The backend of ``campaign.config.backend.google`` (key path relative to the config)."""
        return google_backend(campaign.config, campaign.config_path.parent, **options)

    # -- the listing --------------------------------------------------------------------
    def refresh(self) -> Listing:
        """List the whole tree again (one request per 1000 files)."""
        # folders, spreadsheets, the uploaded .ics / .pdf, and this campaign's trashed files
        ours = has_property(PROP_ROOT, self.root)
        q = f"trashed = false or {ours}"
        self.root_folder.check_known()  # a root found missing is not listed again
        try:
            files = list(self.drive.list_files(q, LISTING_FIELDS))
            self.root_folder.confirm(files)  # nothing under the root: is it there at all?
        except _FAILURES as exc:
            raise BackendUnavailable(
                f"Impossible de lister les fichiers sur Google Drive ({_why(exc)}) : "
                "la synchronisation reprendra au prochain passage."
            ) from exc
        self._listing = Listing(self.root, files)
        self._listed_at = self.clock()
        self._wrote = False
        self._share_pending(self._listing)
        return self._listing

    def watch(self) -> Listing:
        """A new cycle: list again only what people edit and what waits for a grant."""
        listing = self._listing
        if listing is None or listing.by_name or self._stale():
            return self.refresh()
        try:
            files = list(self.drive.list_files(watched_query(self.root), LISTING_FIELDS))
        except _FAILURES as exc:
            raise BackendUnavailable(
                f"Impossible de lister les grilles sur Google Drive ({_why(exc)}) : "
                "la synchronisation reprendra au prochain passage."
            ) from exc
        listing.merge_watched(files)
        self._wrote = False
        self._share_pending(listing)
        return listing

    def _stale(self) -> bool:
        return self.clock() - self._listed_at > self.listing_max_age

    def _share_pending(self, listing: Listing) -> None:
        """Grant again what failed when a file or folder was made (a lost answer, a refusal,
        a quota): once per listing, so at every cycle until it works."""
        config = self.config
        if config is None:
            return
        for folder_id, collective in list(listing.unshared_folders.items()):
            if self._shared(folder_id, partial(share_folder, self.drive, folder_id, collective,
                                               config)):  # fmt: skip
                del listing.unshared_folders[folder_id]
        for folder_id, (coll, sid) in list(listing.unshared_structure_folders.items()):
            if self._shared(folder_id, partial(share_structure_folder, self.drive, folder_id,
                                               coll, sid, config)):  # fmt: skip
                del listing.unshared_structure_folders[folder_id]
        for ref, entry in listing.unshared():
            entry.shared = self._shared(entry.id, partial(grant_missing, self.drive, entry.id,
                                                          ref, config))  # fmt: skip
        for ref, entry in listing.misplaced():  # made before each structure had its folder
            try:
                home = self.structure_folder(ref.collective, ref.structure)
                self.drive.move(entry.id, home, entry.parent)
                entry.parent = home
            except _FAILURES as exc:
                log.warning("%s not moved to its structure's folder: %s", ref, _why(exc))

    def _shared(self, file_id: str, grant: Callable[[], list[str]]) -> bool:
        return not self._grant(file_id, grant)

    def _grant(self, file_id: str, grant: Callable[[], list[str]]) -> list[str]:
        """Run ``grant``; when every grant was made, mark the file as shared on Drive.
        Return what failed, in French."""
        try:
            failures = grant()
            if not failures:
                self.drive.update(file_id, {"appProperties": {PROP_SHARED: "1"}})
        except _FAILURES as exc:
            failures = [_why(exc)]
        if failures:
            log.warning("sharing of %s still incomplete: %s", file_id, "; ".join(failures))
        return failures

    def listing(self) -> Listing:
        if self._listing is None or self._stale():
            return self.refresh()
        return self._listing

    def _forget(self) -> None:
        """After a failed write, trust nothing cached about the tree."""
        self._listing = None

    def _entry(self, ref: WorkbookRef) -> Entry | None:
        return self.listing().workbooks.get(ref)

    # -- Backend protocol ---------------------------------------------------------------
    def exists(self, ref: WorkbookRef) -> bool:
        """A trashed workbook exists (it is shown as an anomaly, never created again)."""
        entry = self._entry(ref)
        return entry is not None and not entry.pending

    def versions(self, collective: str, kind: Kind) -> dict[WorkbookRef, str]:
        key = (collective, kind)
        if key in self._asked or self._wrote:  # a new cycle, or our own writes moved versions
            self.watch()
            self._asked.clear()
        listing = self.listing()
        self._asked.add(key)
        return {
            ref: entry.version + (":corbeille" if entry.trashed else "")
            for ref, entry in listing.workbooks.items()
            if ref.collective == collective and ref.kind == kind and not entry.pending
        }

    def location(self, ref: WorkbookRef) -> str:
        listing = self._listing
        entry = listing.workbooks.get(ref) if listing else None
        if entry is not None:
            return SHEETS_URL + entry.id
        folder = layout.SUBFOLDERS.get(ref.kind)
        if ref.kind in STRUCTURE_KINDS:
            folder = f"{layout.STRUCTURES_FOLDER}/{self._structure_title(ref)}"
        parts = [ref.collective, *([folder] if folder else []), layout.key_of(ref)]
        return "Google Drive : " + "/".join(parts)

    def read(self, ref: WorkbookRef, skip: Collection[str] = ()) -> RawWorkbook:
        entry = self._entry(ref)
        if entry is None or entry.pending:
            raise BackendError(f"Le classeur {ref} est introuvable sur Google Drive.")
        if entry.trashed:
            raise BackendError(trashed_message(self.location(ref)))
        try:
            answer = self.client.http_client.fetch_sheet_metadata(
                entry.id, params={"fields": READ_FIELDS}
            )
        except _FAILURES as exc:
            # Whatever the cause (quota, 403, 404), nothing was read: the version is not
            # recorded, so the grid is read again at the next pull, as the message says.
            raise BackendUnavailable(
                f"Lecture impossible de {self.location(ref)} ({_why(exc)}) : "
                "elle sera reprise au prochain passage."
            ) from exc
        self._sheet_ids[entry.id] = sheet_ids(answer)
        raw = raw_workbook(answer)  # one request reads every sheet: ``skip`` only leaves out
        return {sheet: rows for sheet, rows in raw.items() if sheet not in skip}

    def write(self, ref: WorkbookRef, spec: WorkbookSpec) -> None:
        entry = self._entry(ref)
        if entry is not None and entry.trashed:
            raise BackendError(trashed_message(self.location(ref)))
        created = False
        try:
            if entry is None:
                entry = self._create(ref, spec)
                created = True
            old = self._sheet_ids.get(entry.id)
            if old is None:
                meta = self.client.http_client.fetch_sheet_metadata(
                    entry.id, params={"fields": "sheets.properties.sheetId"}
                )
                old = sheet_ids(meta)
            rendered = render_requests(
                spec,
                title=layout.file_name(spec.title, ref),
                old_sheet_ids=old,
                editors=[self.email] if self.email else [],
            )
            self._sheet_ids.pop(entry.id, None)
            self._send(entry.id, rendered.requests, layout.file_name(spec.title, ref, True,
                                                                     layout.UPDATING))  # fmt: skip
        except _FAILURES as exc:
            self._forget()
            raise BackendError(
                f"Écriture impossible de {self.location(ref)} ({_why(exc)}) : "
                "elle sera reprise au prochain passage."
            ) from exc
        self._sheet_ids[entry.id] = list(rendered.sheet_ids.values())
        self._wrote = self._wrote or ref.kind in WATCHED_KINDS  # an output moves no grid
        entry.pending = False
        entry.name = layout.file_name(spec.title, ref)
        if created and self.config is not None:
            self._share_new(entry, ref)
        log.debug("wrote %s on Google Drive (%d requests)", ref, len(rendered.requests))

    def _send(self, file_id: str, requests_: list[dict[str, Any]], updating: str) -> None:
        """One batchUpdate, or several under 2 MB each, the file marked as being rewritten
        until the last one lands (see :mod:`.batches`)."""
        parts = split_requests(requests_, self.max_batch_bytes)
        if len(parts) > 1:
            parts[0].insert(0, pending_title(updating))
            log.info("rendering %s in %d batches", file_id, len(parts))
        for part in parts:
            self.client.http_client.batch_update(file_id, {"requests": part})

    def _share_new(self, entry: Entry, ref: WorkbookRef) -> None:
        """Share a workbook just made; a grant that failed is said now and retried at the
        next listing (the file stays marked « not shared » on Drive until then)."""
        assert self.config is not None
        config = self.config
        failures = self._grant(entry.id, partial(grant_missing, self.drive, entry.id, ref,
                                                 config, True))  # fmt: skip
        if not failures:
            return
        entry.shared = False
        missing = ", ".join(failures)
        raise BackendError(
            f"{self.location(ref)} a été créé mais n'a pas pu être partagé avec {missing} : "
            "le partage sera retenté à chaque passage (capsync sync) ; « capsync audit » dit "
            "ce qui manque et pourquoi."
        )

    def _create(self, ref: WorkbookRef, spec: WorkbookSpec) -> Entry:
        """A new spreadsheet named « … (création en cours) » in the right folder, carrying
        the appProperties that identify it whatever people later name it."""
        parent = self.parent(ref)
        name = layout.file_name(spec.title, ref, pending=True)
        props = app_properties(self.root, ref, shared=not desired_emails(self.config, ref))
        made = self.drive.create(name, SPREADSHEET_MIME, [parent], fields="id,version",
                                 app_properties=props)  # fmt: skip
        entry = Entry(made["id"], name, str(made.get("version", "")), pending=True,
                      shared=props[PROP_SHARED] == "1")  # fmt: skip
        self.listing().workbooks[ref] = entry
        self._sheet_ids[entry.id] = [0]  # Drive's new spreadsheet holds « Sheet1 », id 0
        return entry

    def folder(self, collective: str, kind: Kind | None = None, sub: str | None = None) -> str:
        """The id of the collectif's folder (or its sub-folder), created when missing."""
        listing = self.listing()
        top = listing.collective_folders.get(collective)
        if top is None:
            top = self._collective_folder(collective)
            listing.collective_folders[collective] = top
        sub = sub or (layout.SUBFOLDERS.get(kind) if kind else None)
        if sub is None:
            return top
        found = listing.subfolders.get((collective, sub))
        if found is None:
            found = self.drive.create(sub, FOLDER_MIME, [top], fields="id")["id"]
            listing.subfolders[(collective, sub)] = found
        return found

    def parent(self, ref: WorkbookRef) -> str:
        """The folder a workbook goes in: its structure's own for what a structure receives."""
        if ref.kind in STRUCTURE_KINDS:
            return self.structure_folder(ref.collective, ref.structure)
        return self.folder(ref.collective, ref.kind)

    def structure_folder(self, collective: str, structure: str) -> str:
        """The structure's own folder, created and shared with its people when missing: one
        grant per person, inherited by every restitution, PDF and « À corriger » put in it."""
        listing = self.listing()
        found = listing.structure_folders.get((collective, structure))
        if found is not None:
            return found
        holder = self.folder(collective, sub=layout.STRUCTURES_FOLDER)
        config = self.config
        name = self._structure_title(WorkbookRef(collective, Kind.TO_FIX, structure))
        props = {PROP_ROOT: self.root, PROP_SHARED: "0" if config else "1"}
        made = str(self.drive.create(name, FOLDER_MIME, [holder], fields="id",
                                     app_properties=props)["id"])  # fmt: skip
        listing.structure_folders[(collective, structure)] = made
        if config is not None and not self._shared(made, partial(
            share_structure_folder, self.drive, made, collective, structure, config, True
        )):  # fmt: skip
            listing.unshared_structure_folders[made] = (collective, structure)
        return made

    def _structure_title(self, ref: WorkbookRef) -> str:
        """« ACI Une [aci-une] »: the structure's folder as people see it."""
        known = {(c.id, s.id): s.name for c in (self.config.collectives if self.config else [])
                 for s in c.structures}  # fmt: skip
        title = known.get((ref.collective, ref.structure), "")
        return layout.structure_folder_name(ref.structure, title)

    def _collective_folder(self, collective: str) -> str:
        """The collectif's folder: its délégué·e·s read it, and so every output in it (a
        shared drive's folder grants are inherited), at one grant per person."""
        config = self.config
        props = {PROP_ROOT: self.root, PROP_SHARED: "0" if config else "1"}
        top = str(self.drive.create(collective, FOLDER_MIME, [self.root], fields="id",
                                    app_properties=props)["id"])  # fmt: skip
        if config is not None and not self._shared(
            top, partial(share_folder, self.drive, top, collective, config, True)
        ):
            self.listing().unshared_folders[top] = collective
        return top

    def backup(self, ref: WorkbookRef, stamp: dt.datetime) -> str:
        entry = self._entry(ref)
        if entry is None:
            raise BackendError(f"Impossible de sauvegarder {ref} : le classeur n'existe pas.")
        name = layout.backup_name(entry.name, f"{stamp:%Y%m%d-%H%M%S}")
        try:
            parent = self.folder(ref.collective, sub=layout.BACKUPS_FOLDER)
            made = self.drive.copy(entry.id, name, [parent])
        except _FAILURES as exc:
            self._forget()
            raise BackendError(
                f"Sauvegarde impossible de {self.location(ref)} ({_why(exc)})."
            ) from exc
        log.info("backup of %s kept as %s", ref, name)
        return SHEETS_URL + str(made["id"])

    def write_file(self, ref: WorkbookRef, extension: str, data: bytes) -> None:
        """Upload an .ics or .pdf beside the workbook, named for people (see .companions)."""
        upload_companion(self, ref, extension, data)

    def file_location(self, ref: WorkbookRef, extension: str) -> str:
        """The Drive link of the file just uploaded by :meth:`write_file` (no request)."""
        link = companion_link(self._listing, ref, extension)
        return link or f"{self.location(ref)} (.{extension})"

    def is_locked(self, ref: WorkbookRef) -> bool:
        """Never: people edit the live sheet, and a replacement keeps their open tab working."""
        return False

    def write_cells(self, ref: WorkbookRef, cells: Mapping[CellAt, RawValue]) -> None:
        """ONE ``values.batchUpdate`` (RAW) of just these cells: people typing in the sheet
        at that moment keep every other cell, their formatting and their open tab."""
        entry = self._entry(ref)
        if entry is None or entry.pending or entry.trashed:
            raise BackendError(
                trashed_message(self.location(ref)) if entry is not None and entry.trashed
                else f"Le classeur {ref} est introuvable sur Google Drive."
            )  # fmt: skip
        if not cells:
            return
        try:
            self.client.http_client.values_batch_update(entry.id, values_body(cells))
        except _FAILURES as exc:
            self._forget()
            raise BackendError(
                f"Écriture impossible dans {self.location(ref)} ({_why(exc)})."
            ) from exc
        self._wrote = True
        log.debug("typed %d cells into %s", len(cells), ref)

    def attachable(self, ref: WorkbookRef, extension: str) -> bool:
        return False  # a message gives the link of the file in Drive, shared with its readers

    def read_bytes(self, ref: WorkbookRef, extension: str = "xlsx") -> bytes:
        raise BackendError(_NO_XLSX.format(what=f"lire {self.location(ref)} en .{extension}"))

    def write_bytes(self, ref: WorkbookRef, content: bytes) -> None:
        raise BackendError(_NO_XLSX.format(what=f"remplacer {self.location(ref)} par un .xlsx"))

    def archive_grid(self, ref: WorkbookRef, campaign: str) -> str:
        return archive_grid(self, ref, campaign)  # see capsync.backends.google.archive

    def file_id(self, ref: WorkbookRef) -> str | None:
        entry = self._entry(ref)
        return entry.id if entry else None


def google_backend(config: Config, base: Path | None = None, **options: Any) -> GoogleBackend:
    """The backend of ``config.backend.google``, with the service account's key."""
    settings = config.backend.google
    if not settings.root_folder_id and not settings.endpoint:
        raise BackendError(
            "backend.google.root_folder_id n'est pas renseigné : sans lui, les fichiers iraient "
            "dans le Drive du compte de service, qui n'a pas d'espace de stockage. Indiquez "
            "l'identifiant d'un dossier d'un drive partagé (docs/google.md), puis vérifiez "
            "avec « capsync check --google »."
        )
    credentials = service_account_credentials(settings, base)
    return GoogleBackend(settings, credentials, config=config, **options)

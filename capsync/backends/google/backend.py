"""GoogleBackend: workbooks as Google Sheets in a Drive folder tree, within the quotas.

Request counts (each one HTTP request, retries aside):

- ``versions`` / ``exists``: ONE ``files.list`` of the whole tree (folders and
  spreadsheets, 1000 per page) serves every collectif and kind of a cycle.
  The listing is taken again when a (collectif, kind) pair is asked a second
  time — that is, at the next cycle — or when it is older than
  ``listing_max_age`` seconds. The token of a workbook is its Drive
  ``version``, which moves with every edit.
- ``read``: ONE ``spreadsheets.get`` with grid data (see :mod:`.reading`).
- ``write``: a new workbook is ``files.create`` + ONE ``batchUpdate`` (+ one
  ``permissions.create`` per person it is shared with); replacing one is ONE
  ``batchUpdate``, plus one ``spreadsheets.get`` of its sheet ids when this
  process did not render or read it before.
- ``backup``: ONE ``files.copy``.

The sync never rewrites the cells people own: this backend only writes what
it is given, and only ``generate`` / ``generate --upgrade`` give it grids.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path
from typing import Any

import gspread
import requests

from capsync.backends.google import drive_layout as layout
from capsync.backends.google.credentials import service_account_credentials
from capsync.backends.google.drive import FOLDER_MIME, SPREADSHEET_MIME, DriveClient, DriveError
from capsync.backends.google.http import GOOGLE_HOSTS, sheets_client
from capsync.backends.google.listing import Entry, Listing
from capsync.backends.google.quota import Clock, RequestBudget, RetryPolicy, Sleep, install
from capsync.backends.google.reading import READ_FIELDS, raw_workbook, sheet_ids
from capsync.backends.google.requests import render_requests
from capsync.backends.google.sharing import grant_missing
from capsync.campaign.config import Config, GoogleSettings
from capsync.campaign.validation import Campaign
from capsync.errors import BackendError, BackendUnavailable
from capsync.workbook.refs import Kind, RawWorkbook, WorkbookRef
from capsync.workbook.spec import WorkbookSpec

log = logging.getLogger("capsync")

SHEETS_URL = "https://docs.google.com/spreadsheets/d/"
LISTING_FIELDS = "id,name,mimeType,parents,version"
_MIMES = {"ics": "text/calendar", "pdf": "application/pdf", "csv": "text/csv"}
_NO_XLSX = (
    "Google Drive garde les classeurs en Google Sheets, pas en fichiers .xlsx : "
    "impossible de {what}."
)


class GoogleBackend:
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
        listing_max_age: float = 600.0,
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
        self.listing_max_age = listing_max_age
        self._listing: Listing | None = None
        self._listed_at = 0.0
        self._asked: set[tuple[str, Kind]] = set()
        self._wrote = False  # our own writes moved versions since the listing
        self._sheet_ids: dict[str, list[int]] = {}  # file id → sheet ids it holds now

    @classmethod
    def from_campaign(cls, campaign: Campaign, **options: Any) -> GoogleBackend:
        """The backend of ``campaign.config.backend.google`` (key path relative to the config)."""
        return google_backend(campaign.config, campaign.config_path.parent, **options)

    # -- the listing --------------------------------------------------------------------
    def refresh(self) -> Listing:
        """List the whole tree again (one request per 1000 files)."""
        q = "trashed = false"  # folders, spreadsheets and the uploaded .ics / .pdf
        try:
            files = list(self.drive.list_files(q, LISTING_FIELDS))
        except (DriveError, requests.RequestException) as exc:
            raise BackendError(
                f"Impossible de lister les fichiers sur Google Drive ({_why(exc)}) : "
                "la synchronisation reprendra au prochain passage."
            ) from exc
        self._listing = Listing(self.root, files)
        self._listed_at = self.clock()
        self._wrote = False
        return self._listing

    def listing(self) -> Listing:
        stale = self.clock() - self._listed_at > self.listing_max_age
        if self._listing is None or stale:
            return self.refresh()
        return self._listing

    def _forget(self) -> None:
        """After a failed write, trust nothing cached about the tree."""
        self._listing = None

    def _entry(self, ref: WorkbookRef) -> Entry | None:
        return self.listing().workbooks.get(ref)

    # -- Backend protocol ---------------------------------------------------------------
    def exists(self, ref: WorkbookRef) -> bool:
        entry = self._entry(ref)
        return entry is not None and not entry.pending

    def versions(self, collective: str, kind: Kind) -> dict[WorkbookRef, str]:
        key = (collective, kind)
        if key in self._asked or self._wrote:  # a new cycle, or our own writes moved versions
            self.refresh()
            self._asked.clear()
        listing = self.listing()
        self._asked.add(key)
        return {
            ref: entry.version
            for ref, entry in listing.workbooks.items()
            if ref.collective == collective and ref.kind == kind and not entry.pending
        }

    def location(self, ref: WorkbookRef) -> str:
        listing = self._listing
        entry = listing.workbooks.get(ref) if listing else None
        if entry is not None:
            return SHEETS_URL + entry.id
        folder = layout.SUBFOLDERS.get(ref.kind)
        parts = [ref.collective, *([folder] if folder else []), layout.key_of(ref)]
        return "Google Drive : " + "/".join(parts)

    def read(self, ref: WorkbookRef) -> RawWorkbook:
        entry = self._entry(ref)
        if entry is None or entry.pending:
            raise BackendError(f"Le classeur {ref} est introuvable sur Google Drive.")
        try:
            answer = self.client.http_client.fetch_sheet_metadata(
                entry.id, params={"fields": READ_FIELDS}
            )
        except (gspread.exceptions.APIError, requests.RequestException) as exc:
            error = BackendUnavailable if _transient(exc) else BackendError
            raise error(
                f"Lecture impossible de {self.location(ref)} ({_why(exc)}) : "
                "elle sera reprise au prochain passage."
            ) from exc
        self._sheet_ids[entry.id] = sheet_ids(answer)
        return raw_workbook(answer)

    def write(self, ref: WorkbookRef, spec: WorkbookSpec) -> None:
        entry = self._entry(ref)
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
            self.client.http_client.batch_update(entry.id, rendered.body)
        except (gspread.exceptions.APIError, DriveError, requests.RequestException) as exc:
            self._forget()
            raise BackendError(
                f"Écriture impossible de {self.location(ref)} ({_why(exc)}) : "
                "elle sera reprise au prochain passage."
            ) from exc
        self._sheet_ids[entry.id] = list(rendered.sheet_ids.values())
        self._wrote = True
        entry.pending = False
        entry.name = layout.file_name(spec.title, ref)
        if created and self.config is not None:
            grant_missing(self.drive, entry.id, ref, self.config)
        log.debug("wrote %s on Google Drive (%d requests)", ref, len(rendered.requests))

    def _create(self, ref: WorkbookRef, spec: WorkbookSpec) -> Entry:
        """A new spreadsheet named « … (création en cours) » in the right folder."""
        parent = self.folder(ref.collective, ref.kind)
        name = layout.file_name(spec.title, ref, pending=True)
        made = self.drive.create(name, SPREADSHEET_MIME, [parent], fields="id,version")
        entry = Entry(made["id"], name, str(made.get("version", "")), pending=True)
        self.listing().workbooks[ref] = entry
        self._sheet_ids[entry.id] = [0]  # Drive's new spreadsheet holds « Sheet1 », id 0
        return entry

    def folder(self, collective: str, kind: Kind | None = None, sub: str | None = None) -> str:
        """The id of the collectif's folder (or its sub-folder), created when missing."""
        listing = self.listing()
        top = listing.collective_folders.get(collective)
        if top is None:
            top = self.drive.create(collective, FOLDER_MIME, [self.root], fields="id")["id"]
            listing.collective_folders[collective] = top
        sub = sub or (layout.SUBFOLDERS.get(kind) if kind else None)
        if sub is None:
            return top
        found = listing.subfolders.get((collective, sub))
        if found is None:
            found = self.drive.create(sub, FOLDER_MIME, [top], fields="id")["id"]
            listing.subfolders[(collective, sub)] = found
        return found

    def backup(self, ref: WorkbookRef, stamp: dt.datetime) -> str:
        entry = self._entry(ref)
        if entry is None:
            raise BackendError(f"Impossible de sauvegarder {ref} : le classeur n'existe pas.")
        name = layout.backup_name(entry.name, f"{stamp:%Y%m%d-%H%M%S}")
        try:
            parent = self.folder(ref.collective, sub=layout.BACKUPS_FOLDER)
            made = self.drive.copy(entry.id, name, [parent])
        except (DriveError, requests.RequestException) as exc:
            self._forget()
            raise BackendError(
                f"Sauvegarde impossible de {self.location(ref)} ({_why(exc)})."
            ) from exc
        log.info("backup of %s kept as %s", ref, name)
        return SHEETS_URL + str(made["id"])

    def write_file(self, ref: WorkbookRef, extension: str, data: bytes) -> None:
        """Upload an .ics or .pdf beside the workbook (replacing the previous one)."""
        name = f"{layout.key_of(ref)}.{extension}"
        mime = _MIMES.get(extension, "application/octet-stream")
        try:
            parent = self.folder(ref.collective, ref.kind)
            known = self.listing().other.get((parent, name))
            made = self.drive.upload(name, mime, data, [parent], known.id if known else None)
        except (DriveError, requests.RequestException) as exc:
            self._forget()
            raise BackendError(
                f"Envoi impossible de {name} sur Google Drive ({_why(exc)})."
            ) from exc
        file_id = str(made.get("id", known.id if known else ""))
        if known is None:  # a new file: known to this listing, shared like its workbook
            self.listing().other[(parent, name)] = Entry(file_id, name, "")
            if self.config is not None:
                grant_missing(self.drive, file_id, ref, self.config)

    def is_locked(self, ref: WorkbookRef) -> bool:
        """Never: people edit the live sheet, and a replacement keeps their open tab working."""
        return False

    def read_bytes(self, ref: WorkbookRef) -> bytes:
        raise BackendError(_NO_XLSX.format(what=f"lire {self.location(ref)} en fichier .xlsx"))

    def write_bytes(self, ref: WorkbookRef, content: bytes) -> None:
        raise BackendError(_NO_XLSX.format(what=f"remplacer {self.location(ref)} par un .xlsx"))

    def file_id(self, ref: WorkbookRef) -> str | None:
        entry = self._entry(ref)
        return entry.id if entry else None


def _transient(exc: BaseException) -> bool:
    """Quota, server errors and the network pass; a 403 or 404 will not by itself."""
    if isinstance(exc, gspread.exceptions.APIError):
        status = exc.response.status_code
        return status == 429 or status >= 500
    return isinstance(exc, requests.RequestException)


def _why(exc: BaseException) -> str:
    """A short reason for a French message, without anything secret."""
    if isinstance(exc, gspread.exceptions.APIError):
        return f"Google a répondu {exc.response.status_code}"
    if isinstance(exc, DriveError):
        return f"Google a répondu {exc.status}"
    if isinstance(exc, requests.Timeout):
        return "Google n'a pas répondu à temps"
    return "connexion à Google impossible"


def google_backend(config: Config, base: Path | None = None, **options: Any) -> GoogleBackend:
    """The backend of ``config.backend.google``, with the service account's key."""
    settings = config.backend.google
    credentials = service_account_credentials(settings, base)
    return GoogleBackend(settings, credentials, config=config, **options)

"""Everything the server remembers: Drive files, spreadsheets, changes, quotas, counters.

One lock serialises all mutations: Google applies each request atomically, and tests
that hit the server from several threads must see the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import string
import threading
from dataclasses import dataclass, field
from typing import Any

from .errors import drive_file_not_found, not_found, permission_denied
from .limits import Clock, Faults, Quota, Stats, real_clock
from .spreadsheet import Spreadsheet

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
FOLDER_MIME = "application/vnd.google-apps.folder"
# Addresses Google knows as accounts: the server's own users, Gmail, and any listed in
# ``State.google_accounts``. Drive refuses to share silently with anyone else.
GOOGLE_DOMAINS = frozenset({"gmail.com", "googlemail.com", "example.com"})


def rfc3339(seconds: float) -> str:
    """Drive's timestamp format: UTC, milliseconds, trailing Z."""
    moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class DriveFile:
    """A Drive file's metadata (and, for spreadsheets, a link to the Sheets store)."""

    id: str
    name: str
    mime_type: str
    created: float
    modified: float
    parents: list[str] = field(default_factory=list)
    trashed: bool = False
    version: int = 1
    owner: str = "me@example.com"
    permissions: list[dict[str, Any]] = field(default_factory=list)
    foreign: bool = False
    content: bytes | None = None  # uploaded bytes; None for folders and Google files
    app_properties: dict[str, str] = field(default_factory=dict)  # private to the calling app
    drive_id: str | None = None  # the shared drive holding the file (None: a « My Drive »)
    can_edit: bool = True  # whether the caller may add files in it (capabilities)

    def to_json(self) -> dict[str, Any]:
        """The full File resource; callers mask it with `fields`."""
        out = {
            "kind": "drive#file",
            "id": self.id,
            "name": self.name,
            "mimeType": self.mime_type,
            "parents": list(self.parents),
            "trashed": self.trashed,
            "createdTime": rfc3339(self.created),
            "modifiedTime": rfc3339(self.modified),
            "version": str(self.version),
            "owners": [{"kind": "drive#user", "emailAddress": self.owner, "me": True}],
            "permissions": [dict(p) for p in self.permissions],
        }
        if self.app_properties:
            out["appProperties"] = dict(self.app_properties)
        if self.drive_id:
            out["driveId"] = self.drive_id
        out["capabilities"] = {
            "canAddChildren": self.can_edit and self.mime_type == FOLDER_MIME,
            "canEdit": self.can_edit,
            "canShare": self.can_edit,
        }
        if self.content is not None:  # Drive reports these for files with binary content
            out["size"] = str(len(self.content))
            out["md5Checksum"] = hashlib.md5(self.content).hexdigest()
        return out


class State:
    """The server's whole memory, safe to share between handler threads."""

    def __init__(
        self, clock: Clock = real_clock, seed: int = 0, user_email: str = "me@example.com"
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.user_email = user_email
        self.quota = Quota()
        self.faults = Faults()
        self.stats = Stats()
        self._rng = random.Random(seed)
        self._last_time = 0.0
        self.files: dict[str, DriveFile] = {}
        self.books: dict[str, Spreadsheet] = {}
        self.changes: list[dict[str, Any]] = []
        self.google_accounts: set[str] = set()  # addresses with a Google account
        self.internal_domains: set[str] | None = None  # set: sharing outside them is refused
        self.incomplete_search = False  # files.list says some drives were not searched
        self.drives: dict[str, dict[str, Any]] = {}  # shared drive id -> name, restrictions
        self.disabled_apis: set[str] = set()  # "sheets" / "drive": not enabled in the project
        self.revoked_keys: set[str] = set()  # private_key_id of deleted service-account keys
        self.strict = True  # check every request against the discovery documents and limits

    # -- identities and time ------------------------------------------------------------

    def new_file_id(self) -> str:
        """A 44-character id in the alphabet Google uses for Drive file ids."""
        alphabet = string.ascii_letters + string.digits + "-_"
        return "1" + "".join(self._rng.choice(alphabet) for _ in range(43))

    def new_int_id(self) -> int:
        """A positive 31-bit id, like Google's sheetId / protectedRangeId."""
        return self._rng.randrange(1, 2**31 - 1)

    def now(self) -> float:
        """Clock time, strictly increasing by at least 1 ms so every change is visible."""
        moment = max(self.clock(), self._last_time + 0.001)
        self._last_time = moment
        return moment

    # -- lookup -------------------------------------------------------------------------

    def file(self, file_id: str) -> DriveFile:
        found = self.files.get(file_id)
        if found is None or found.foreign:
            raise drive_file_not_found(file_id)
        return found

    def book(self, spreadsheet_id: str) -> Spreadsheet:
        found = self.files.get(spreadsheet_id)
        if found is not None and found.foreign:
            raise permission_denied()
        book = self.books.get(spreadsheet_id)
        if book is None:
            raise not_found()
        return book

    # -- changes --------------------------------------------------------------------------

    def touch(self, file_id: str, removed: bool = False) -> None:
        """Record a change: bump version and modifiedTime, append to the changes feed."""
        moment = self.now()
        entry = self.files.get(file_id)
        if entry is not None and not removed:
            entry.modified = moment
            entry.version += 1
        self.changes.append({"fileId": file_id, "removed": removed, "time": moment})

    def has_google_account(self, email: str) -> bool:
        email = email.lower()
        return email in self.google_accounts or email.rpartition("@")[2] in GOOGLE_DOMAINS

    def access(self, file_id: str) -> dict[str, str]:
        """Who can open a file and with which role, as Drive decides on a shared drive: the
        file's own grants and every grant of the folders above it (inherited), the strongest
        role kept. E-mails in lower case; the owner is not listed."""
        order = ("reader", "commenter", "writer", "fileOrganizer", "organizer", "owner")
        found: dict[str, str] = {}
        seen: set[str] = set()
        todo = [file_id]
        while todo:
            entry = self.files.get(todo.pop())
            if entry is None or entry.id in seen:
                continue
            seen.add(entry.id)
            for grant in entry.permissions:
                email = str(grant.get("emailAddress") or "").lower()
                role = str(grant.get("role"))
                if email and (email not in found or order.index(role) > order.index(found[email])):
                    found[email] = role
            todo += entry.parents
        return found

    def add_shared_drive_folder(self, name: str, can_edit: bool = True) -> str:
        """A folder at the top of a shared drive (the campaign's root in production)."""
        moment = self.now()
        folder = DriveFile(self.new_file_id(), name, FOLDER_MIME, moment, moment,
                           drive_id="0A" + self.new_file_id()[:17], can_edit=can_edit)  # fmt: skip
        self.files[folder.id] = folder
        assert folder.drive_id is not None
        self.drives[folder.drive_id] = {"name": f"Drive {name}", "restrictions": {}}
        return folder.id

    def add_foreign_file(self, file_id: str, name: str = "Not shared with you") -> None:
        """A spreadsheet owned by someone else and not shared: Sheets answers 403."""
        moment = self.now()
        self.files[file_id] = DriveFile(
            file_id, name, SPREADSHEET_MIME, moment, moment, foreign=True
        )

    def reset(self) -> None:
        """Forget every file, change, counter and quota window (faults switched off)."""
        with self.lock:
            self.files.clear()
            self.books.clear()
            self.changes.clear()
            self.quota.reset()
            self.stats.reset()
            self.faults = Faults()
            self.google_accounts.clear()
            self.internal_domains = None
            self.incomplete_search = False
            self.drives.clear()
            self.disabled_apis.clear()
            self.revoked_keys.clear()
            self.strict = True

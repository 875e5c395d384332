"""The few Drive v3 calls capsync makes, as plain REST over the shared session.

Going through the same ``requests`` session as gspread puts every Drive call
under the same budget and retry adapter (:mod:`.quota`); the calls are simple
enough that a client library would add nothing but a second transport.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import requests

from capsync.errors import BackendError

DRIVE = "https://www.googleapis.com/drive/v3"
UPLOAD = "https://www.googleapis.com/upload/drive/v3"
FOLDER_MIME = "application/vnd.google-apps.folder"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
PAGE_SIZE = 1000


NO_GOOGLE_ACCOUNT = "invalidSharingRequest"  # a silent grant to an address Google does not know
INVITATION = (
    "Bonjour, voici votre fichier CAP RSE. Sans compte Google, suivez le lien de ce message "
    "et Google vous proposera d'en créer un, gratuit, avec votre adresse actuelle (ou, si "
    "votre fédération l'a permis, d'ouvrir le fichier avec un code de vérification)."
)


class DriveError(BackendError):
    """A Drive call answered an error (after the adapter's retries).

    It keeps what Google said (status, ``reason``, message) so that messages can
    say it in French with what to do (:func:`.google_errors.explain`); should one
    escape, it is still a :class:`~capsync.errors.CapsyncError` the CLI reports.
    """

    def __init__(self, status: int, message: str, reason: str = ""):
        super().__init__(f"Google Drive a répondu {status} ({reason or 'erreur'}) : {message}")
        self.status = status
        self.message = message
        self.reason = reason


def error_of(response: requests.Response) -> DriveError:
    """Google's status, reason and message from a Drive error answer."""
    try:
        error = response.json()["error"]
        message = str(error.get("message", ""))
        items = error.get("errors") or [{}]
        reason = str(items[0].get("reason", "")) or _detail_reason(error)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        message, reason = response.text[:200], ""
    return DriveError(response.status_code, message, reason)


def _detail_reason(error: dict[str, Any]) -> str:
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("reason"):
            return str(detail["reason"])
    return ""


def quote(text: str) -> str:
    """A string literal for a Drive query."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class DriveClient:
    def __init__(self, session: requests.Session):
        self.session = session

    def _call(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        # A service account has no storage of its own: real deployments put the root folder
        # in a shared drive, which Drive only serves to calls that say they support them.
        kwargs["params"] = {**kwargs.get("params", {}), "supportsAllDrives": "true"}
        response = self.session.request(method, url, **kwargs)
        if response.status_code >= 400:
            raise error_of(response)
        if response.status_code == 204 or not response.content:
            return {}
        answer: dict[str, Any] = response.json()
        return answer

    def list_files(self, q: str, fields: str) -> Iterator[dict[str, Any]]:
        """Every file matching ``q``, 1000 per request.

        Drive may answer ``incompleteSearch: true`` (some drives were not searched):
        a grid missing from such a listing is not gone, so the listing is refused
        (a 503-like :class:`DriveError`) rather than trusted."""
        token: str | None = None
        while True:
            params: dict[str, Any] = {
                "q": q,
                "pageSize": PAGE_SIZE,
                "fields": f"nextPageToken,incompleteSearch,files({fields})",
                "includeItemsFromAllDrives": "true",
                "corpora": "allDrives",
            }
            if token:
                params["pageToken"] = token
            page = self._call("GET", f"{DRIVE}/files", params=params)
            if page.get("incompleteSearch"):
                raise DriveError(503, "incomplete search", "incompleteSearch")
            files: list[dict[str, Any]] = page.get("files", [])
            yield from files
            token = page.get("nextPageToken")
            if not token:
                return

    def create(
        self,
        name: str,
        mime: str,
        parents: list[str],
        fields: str,
        app_properties: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, "mimeType": mime, "parents": parents}
        if app_properties:
            body["appProperties"] = app_properties
        return self._call("POST", f"{DRIVE}/files", params={"fields": fields}, json=body)

    def update(self, file_id: str, body: dict[str, Any], fields: str = "id") -> dict[str, Any]:
        return self._call("PATCH", f"{DRIVE}/files/{file_id}", params={"fields": fields}, json=body)

    def move(self, file_id: str, to: str, away_from: str) -> dict[str, Any]:
        """Put a file in another folder (one request); its folder's grants now apply to it."""
        params = {"fields": "id", "addParents": to, "removeParents": away_from}
        return self._call("PATCH", f"{DRIVE}/files/{file_id}", params=params, json={})

    def copy(self, file_id: str, name: str, parents: list[str]) -> dict[str, Any]:
        body = {"name": name, "parents": parents}
        return self._call(
            "POST", f"{DRIVE}/files/{file_id}/copy", params={"fields": "id"}, json=body
        )

    def upload(
        self,
        name: str,
        mime: str,
        data: bytes,
        parents: list[str],
        file_id: str | None = None,
        app_properties: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Create (or, with ``file_id``, replace the content of) a plain file: one request.

        Replacing also renames it to ``name`` and sets ``app_properties`` (Drive merges
        them with those it has) in the same request: files.update takes the metadata and
        the media together."""
        boundary = f"capsync-{uuid.uuid4().hex}"
        meta: dict[str, Any] = {"name": name, "mimeType": mime}
        if app_properties:
            meta["appProperties"] = app_properties
        if file_id is None:
            meta["parents"] = parents
        body = (
            (
                f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
                f"{json.dumps(meta)}\r\n--{boundary}\r\nContent-Type: {mime}\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {"Content-Type": f"multipart/related; boundary={boundary}"}
        params = {"uploadType": "multipart", "fields": "id"}
        if file_id is None:
            return self._call("POST", f"{UPLOAD}/files", params=params, data=body, headers=headers)
        url = f"{UPLOAD}/files/{file_id}"
        return self._call("PATCH", url, params=params, data=body, headers=headers)

    def get(self, file_id: str, fields: str) -> dict[str, Any]:
        return self._call("GET", f"{DRIVE}/files/{file_id}", params={"fields": fields})

    def permissions(self, file_id: str) -> list[dict[str, Any]]:
        """Every permission of the file, 100 a page (a shared drive never sends more)."""
        fields = (
            "nextPageToken,permissions(id,type,role,emailAddress,domain,"
            "permissionDetails(inherited,inheritedFrom))"
        )
        found: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            params: dict[str, Any] = {"fields": fields, "pageSize": 100}
            if token:
                params["pageToken"] = token
            page = self._call("GET", f"{DRIVE}/files/{file_id}/permissions", params=params)
            found += page.get("permissions", [])
            token = page.get("nextPageToken")
            if not token:
                return found

    def grant(self, file_id: str, email: str, role: str) -> dict[str, Any]:
        """Share without a notification; an address with no Google account cannot be
        shared with silently (400 ``invalidSharingRequest``), so it gets Google's
        invitation e-mail instead, which lets its owner open the file."""
        body = {"type": "user", "role": role, "emailAddress": email}
        params = {"sendNotificationEmail": "false", "fields": "id,type,role,emailAddress"}
        url = f"{DRIVE}/files/{file_id}/permissions"
        try:
            return self._call("POST", url, params=params, json=body)
        except DriveError as exc:
            if exc.reason != NO_GOOGLE_ACCOUNT:
                raise
        params = {**params, "sendNotificationEmail": "true", "emailMessage": INVITATION}
        return self._call("POST", url, params=params, json=body)

    def revoke(self, file_id: str, permission_id: str) -> None:
        self._call("DELETE", f"{DRIVE}/files/{file_id}/permissions/{permission_id}")

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


class DriveError(BackendError):
    """A Drive call answered an error (after the adapter's retries).

    The backend turns it into a French message naming the workbook; should one
    escape, it is still a :class:`~capsync.errors.CapsyncError` the CLI reports.
    """

    def __init__(self, status: int, message: str):
        super().__init__(f"Google Drive a répondu {status} : {message}")
        self.status = status
        self.message = message


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
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text[:200]
            raise DriveError(response.status_code, message)
        if response.status_code == 204 or not response.content:
            return {}
        answer: dict[str, Any] = response.json()
        return answer

    def list_files(self, q: str, fields: str) -> Iterator[dict[str, Any]]:
        """Every file matching ``q``, 1000 per request."""
        token: str | None = None
        while True:
            params: dict[str, Any] = {
                "q": q,
                "pageSize": PAGE_SIZE,
                "fields": f"nextPageToken,files({fields})",
                "includeItemsFromAllDrives": "true",
                "corpora": "allDrives",
            }
            if token:
                params["pageToken"] = token
            page = self._call("GET", f"{DRIVE}/files", params=params)
            files: list[dict[str, Any]] = page.get("files", [])
            yield from files
            token = page.get("nextPageToken")
            if not token:
                return

    def create(self, name: str, mime: str, parents: list[str], fields: str) -> dict[str, Any]:
        body = {"name": name, "mimeType": mime, "parents": parents}
        return self._call("POST", f"{DRIVE}/files", params={"fields": fields}, json=body)

    def update(self, file_id: str, body: dict[str, Any], fields: str = "id") -> dict[str, Any]:
        return self._call("PATCH", f"{DRIVE}/files/{file_id}", params={"fields": fields}, json=body)

    def copy(self, file_id: str, name: str, parents: list[str]) -> dict[str, Any]:
        body = {"name": name, "parents": parents}
        return self._call(
            "POST", f"{DRIVE}/files/{file_id}/copy", params={"fields": "id"}, json=body
        )

    def upload(
        self, name: str, mime: str, data: bytes, parents: list[str], file_id: str | None = None
    ) -> dict[str, Any]:
        """Create (or, with ``file_id``, replace the content of) a plain file: one request."""
        boundary = f"capsync-{uuid.uuid4().hex}"
        meta: dict[str, Any] = {"name": name, "mimeType": mime}
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

    def permissions(self, file_id: str) -> list[dict[str, Any]]:
        fields = "permissions(id,type,role,emailAddress,domain,permissionDetails(inherited))"
        answer = self._call(
            "GET", f"{DRIVE}/files/{file_id}/permissions", params={"fields": fields}
        )
        permissions: list[dict[str, Any]] = answer.get("permissions", [])
        return permissions

    def grant(self, file_id: str, email: str, role: str) -> dict[str, Any]:
        body = {"type": "user", "role": role, "emailAddress": email}
        params = {"sendNotificationEmail": "false", "fields": "id,type,role,emailAddress"}
        return self._call("POST", f"{DRIVE}/files/{file_id}/permissions", params=params, json=body)

    def revoke(self, file_id: str, permission_id: str) -> None:
        self._call("DELETE", f"{DRIVE}/files/{file_id}/permissions/{permission_id}")

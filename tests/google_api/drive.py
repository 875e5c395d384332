"""Drive v3: files, permissions and changes.

Default answers carry only the fields Drive v3 returns when `fields` is absent
(kind, id, name, mimeType for a file); a `fields` mask selects from the full resource.
Spreadsheet files are the same objects the Sheets side edits, so a Sheets write moves
the file's modifiedTime and version, and shows up in the changes feed.
"""

from __future__ import annotations

import copy
import csv
import io
from typing import Any

from . import sheets
from .drive_query import QueryError, parse_query
from .errors import ApiError, bad_request
from .fields import apply_mask, parse_mask
from .sheets_values import read_range
from .state import SPREADSHEET_MIME, DriveFile, State, rfc3339

ROLES = ("reader", "commenter", "writer", "fileOrganizer", "organizer", "owner")
TYPES = ("user", "group", "domain", "anyone")
_FILE_DEFAULT = "kind,id,name,mimeType"
_PERMISSION_DEFAULT = "kind,id,type,role"


def _masked(item: dict[str, Any], params: dict[str, Any], default: str) -> dict[str, Any]:
    return apply_mask(item, parse_mask(params.get("fields") or default))


def masked_file(entry: DriveFile, params: dict[str, Any]) -> dict[str, Any]:
    """A File resource as `fields` asks (Drive's default fields without it)."""
    return _masked(entry.to_json(), params, _FILE_DEFAULT)


def create(state: State, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """files.create: a spreadsheet (backed by a real Sheets spreadsheet), folder or file."""
    name = body.get("name") or "Untitled"
    mime = body.get("mimeType") or "application/octet-stream"
    parents = body.get("parents") or ["root"]
    for parent in parents:
        if parent != "root":
            state.file(parent)
    _check_app_properties(body)
    if mime == SPREADSHEET_MIME:
        _, entry = sheets.create_book(state, name, parents=parents)
    else:
        moment = state.now()
        entry = DriveFile(
            state.new_file_id(), name, mime, moment, moment, parents=parents, owner=state.user_email
        )
        state.files[entry.id] = entry
        state.touch(entry.id)
    entry.app_properties = {str(k): str(v) for k, v in (body.get("appProperties") or {}).items()}
    return _masked(entry.to_json(), params, _FILE_DEFAULT)


def _check_app_properties(body: dict[str, Any]) -> None:
    """Drive's limit: key + value of one property at most 124 bytes (UTF-8)."""
    for key, value in (body.get("appProperties") or {}).items():
        if value is not None and len(f"{key}{value}".encode()) > 124:
            raise ApiError(
                400,
                f"The size of the property, {key}, exceeds the 124 byte limit on key and value "
                "size.",
                drive_reason="propertySizeLimitExceeded",
                location="appProperties",
            )


def get(state: State, file_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """files.get (metadata)."""
    return _masked(state.file(file_id).to_json(), params, _FILE_DEFAULT)


def download(state: State, file_id: str) -> tuple[str, bytes]:
    """files.get with alt=media: the uploaded bytes; Google files must be exported."""
    entry = state.file(file_id)
    if entry.content is None:
        raise ApiError(
            403,
            "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
            drive_reason="fileNotDownloadable",
            location="alt",
        )
    return entry.mime_type, entry.content


def update(
    state: State, file_id: str, params: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    """files.update: rename, trash/untrash, move with addParents/removeParents."""
    entry = state.file(file_id)
    if body.get("name"):
        entry.name = body["name"]
        if file_id in state.books:
            state.books[file_id].properties["title"] = body["name"]
    if "trashed" in body:
        entry.trashed = bool(body["trashed"])
    _check_app_properties(body)
    for key, value in (body.get("appProperties") or {}).items():
        if value is None:  # Drive: a null value removes the property
            entry.app_properties.pop(key, None)
        else:
            entry.app_properties[str(key)] = str(value)
    for parent in _split(params.get("addParents")):
        if parent != "root":
            state.file(parent)
        if parent not in entry.parents:
            entry.parents.append(parent)
    removed = _split(params.get("removeParents"))
    entry.parents = [p for p in entry.parents if p not in removed]
    state.touch(file_id)
    return _masked(entry.to_json(), params, _FILE_DEFAULT)


def _split(value: Any) -> list[str]:
    return [part for part in str(value or "").split(",") if part]


def delete(state: State, file_id: str) -> None:
    """files.delete: gone for good (no trash), spreadsheet content included."""
    state.file(file_id)
    del state.files[file_id]
    state.books.pop(file_id, None)
    state.touch(file_id, removed=True)


def copy_file(
    state: State, file_id: str, params: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    """files.copy: spreadsheets are copied with their content, named "Copy of ..."."""
    source = state.file(file_id)
    name = body.get("name") or f"Copy of {source.name}"
    parents = body.get("parents") or list(source.parents)
    if source.mime_type == SPREADSHEET_MIME:
        book, entry = sheets.create_book(state, name, parents=parents)
        original = state.books[file_id]
        book.sheets = copy.deepcopy(original.sheets)
        book.named_ranges = copy.deepcopy(original.named_ranges)
        book.properties = {**copy.deepcopy(original.properties), "title": name}
    else:
        moment = state.now()
        entry = DriveFile(
            state.new_file_id(),
            name,
            source.mime_type,
            moment,
            moment,
            parents=parents,
            owner=state.user_email,
            content=source.content,
        )
        state.files[entry.id] = entry
        state.touch(entry.id)
    return _masked(entry.to_json(), params, _FILE_DEFAULT)


def list_files(state: State, params: dict[str, Any]) -> dict[str, Any]:
    """files.list: `q` filter, newest-modified first, pageSize/pageToken paging."""
    try:
        predicate = parse_query(params.get("q") or "trashed = false or trashed = true")
    except QueryError as exc:
        raise ApiError(400, "Invalid Value", drive_reason="invalid", location="q") from exc
    everything = [f.to_json() for f in state.files.values() if not f.foreign]
    if "trashed" not in (params.get("q") or ""):
        everything = [f for f in everything if not f["trashed"]]
    matches = sorted(
        (f for f in everything if predicate(f)), key=lambda f: f["modifiedTime"], reverse=True
    )
    size = min(int(params.get("pageSize") or 100), 1000)
    start = int(params.get("pageToken") or 0)
    page = matches[start : start + size]
    mask = parse_mask(params.get("fields") or "kind,incompleteSearch,nextPageToken,files")
    files_mask = mask.get("files") or parse_mask(_FILE_DEFAULT)
    out: dict[str, Any] = {"kind": "drive#fileList"}
    if start + size < len(matches):
        out["nextPageToken"] = str(start + size)
    out["incompleteSearch"] = state.incomplete_search
    out["files"] = [apply_mask(f, files_mask) for f in page]
    return apply_mask(out, {k: None for k in mask})


def export(state: State, file_id: str, params: dict[str, Any]) -> tuple[str, bytes]:
    """files.export of a spreadsheet as text/csv (first sheet, formatted values)."""
    entry = state.file(file_id)
    mime = params.get("mimeType")
    if entry.mime_type != SPREADSHEET_MIME or mime not in ("text/csv", "text/tab-separated-values"):
        raise bad_request("Export only supports Docs Editors files.")
    book = state.books[file_id]
    rows = read_range(book, book.sheets[0].title, {}).get("values", [])
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter="," if mime == "text/csv" else "\t", lineterminator="\r\n"
    )
    writer.writerows(rows)
    return mime, buffer.getvalue().rstrip("\r\n").encode()


def list_comments(state: State, file_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """comments.list: the double keeps no comments, so the list is always empty."""
    state.file(file_id)
    return {"comments": []}


def create_permission(
    state: State, file_id: str, params: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    """permissions.create with Google's role/type rules."""
    entry = state.file(file_id)
    role, kind = body.get("role"), body.get("type")
    if not role:
        raise ApiError(
            400,
            "The permission role field is required.",
            drive_reason="required",
            location="permission.role",
        )
    if not kind:
        raise ApiError(
            400,
            "The permission type field is required.",
            drive_reason="required",
            location="permission.type",
        )
    if role not in ROLES or kind not in TYPES:
        raise ApiError(400, "Invalid Value", drive_reason="invalid", location="permission")
    if kind in ("user", "group") and not body.get("emailAddress"):
        raise ApiError(
            400,
            "The permission emailAddress field is required.",
            drive_reason="required",
            location="permission.emailAddress",
        )
    if kind == "domain" and not body.get("domain"):
        raise ApiError(
            400,
            "The permission domain field is required.",
            drive_reason="required",
            location="permission.domain",
        )
    if role == "owner" and str(params.get("transferOwnership", "")).lower() != "true":
        raise ApiError(
            403,
            "The transferOwnership parameter must be enabled when the permission role is 'owner'.",
            drive_reason="forbidden",
        )
    _check_sharing(state, params, body)
    permission: dict[str, Any] = {"kind": "drive#permission", "type": kind, "role": role}
    if kind == "anyone":
        permission["id"] = "anyoneWithLink"
        permission["allowFileDiscovery"] = bool(body.get("allowFileDiscovery", False))
    elif kind == "domain":
        permission["id"] = str(state.new_int_id())
        permission["domain"] = body["domain"]
        permission["allowFileDiscovery"] = bool(body.get("allowFileDiscovery", False))
    else:
        permission["id"] = str(state.new_int_id())
        permission["emailAddress"] = body["emailAddress"]
    entry.permissions = [p for p in entry.permissions if p["id"] != permission["id"]]
    entry.permissions.append(permission)
    if role == "owner":
        entry.owner = body["emailAddress"]
    state.touch(file_id)
    return _masked(permission, params, _PERMISSION_DEFAULT)


def _check_sharing(state: State, params: dict[str, Any], body: dict[str, Any]) -> None:
    """Drive's refusals for a user grant: sharing outside the organisation when its policy
    forbids it, and a silent grant to an address that has no Google account."""
    email = str(body.get("emailAddress") or "").lower()
    if body.get("type") not in ("user", "group") or not email:
        return
    domain = email.rpartition("@")[2]
    if state.internal_domains is not None and domain not in state.internal_domains:
        raise ApiError(
            403,
            'Bad Request. User message: "You cannot share this item because it has been '
            "flagged as inappropriate or sharing outside of your organization is not "
            'allowed."',
            drive_reason="shareOutNotPermitted",
        )
    silent = str(params.get("sendNotificationEmail", "true")).lower() == "false"
    if silent and not state.has_google_account(email):
        raise ApiError(
            400,
            f'Bad Request. User message: "You are trying to invite {email}. Since there is no '
            "Google account associated with this email address, you must check the 'Notify "
            "people' box to invite this recipient.\"",
            drive_reason="invalidSharingRequest",
        )


def list_permissions(state: State, file_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """permissions.list: the owner first, then every grant; 100 a page on a shared drive
    (``pageSize`` up to 100, ``pageToken`` from ``nextPageToken``)."""
    entry = state.file(file_id)
    owner = {
        "kind": "drive#permission",
        "id": "owner",
        "type": "user",
        "role": "owner",
        "emailAddress": entry.owner,
    }
    items = [owner, *copy.deepcopy(entry.permissions)]
    size = max(1, min(int(params.get("pageSize") or 100), 100))
    start = int(params.get("pageToken") or 0)
    mask = parse_mask(params.get("fields") or "kind,permissions")
    out: dict[str, Any] = {"kind": "drive#permissionList"}
    if start + size < len(items):
        out["nextPageToken"] = str(start + size)
    out["permissions"] = [
        apply_mask(p, mask.get("permissions")) for p in items[start : start + size]
    ]
    return apply_mask(out, {k: None for k in mask})


def delete_permission(state: State, file_id: str, permission_id: str) -> None:
    """permissions.delete; unknown ids answer Drive's 404."""
    entry = state.file(file_id)
    kept = [p for p in entry.permissions if p["id"] != permission_id]
    if len(kept) == len(entry.permissions):
        raise ApiError(
            404,
            f"Permission not found: {permission_id}.",
            drive_reason="notFound",
            location="permissionId",
        )
    entry.permissions = kept
    state.touch(file_id)


def get_shared_drive(state: State, drive_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """drives.get: a shared drive's name and ``restrictions`` (every one Drive documents,
    false unless a test set it); an unknown id answers Drive's 404."""
    found = state.drives.get(drive_id)
    if found is None:
        raise ApiError(404, f"Shared drive not found: {drive_id}", drive_reason="notFound",
                       location="driveId")  # fmt: skip
    restrictions = dict.fromkeys(
        ("adminManagedRestrictions", "copyRequiresWriterPermission", "domainUsersOnly",
         "driveMembersOnly", "sharingFoldersRequiresOrganizerPermission"), False)  # fmt: skip
    restrictions.update(found.get("restrictions") or {})
    resource = {"kind": "drive#drive", "id": drive_id, "name": found["name"],
                "restrictions": restrictions}  # fmt: skip
    return _masked(resource, params, "kind,id,name")


def start_page_token(state: State) -> dict[str, Any]:
    """changes.getStartPageToken: the position after the latest change."""
    return {"kind": "drive#startPageToken", "startPageToken": str(len(state.changes) + 1)}


def list_changes(state: State, params: dict[str, Any]) -> dict[str, Any]:
    """changes.list: one entry per file changed since the token (its latest change)."""
    token = params.get("pageToken")
    if not token or not str(token).isdigit() or int(token) < 1:
        raise ApiError(400, "Invalid Value", drive_reason="invalid", location="pageToken")
    start = int(token) - 1
    size = int(params.get("pageSize") or 100)
    window = state.changes[start : start + size]
    latest: dict[str, dict[str, Any]] = {}
    for change in window:
        latest.pop(change["fileId"], None)
        latest[change["fileId"]] = change
    items = []
    for change in latest.values():
        entry = state.files.get(change["fileId"])
        item: dict[str, Any] = {
            "kind": "drive#change",
            "changeType": "file",
            "time": rfc3339(change["time"]),
            "removed": entry is None,
            "fileId": change["fileId"],
        }
        if entry is not None:
            item["file"] = apply_mask(entry.to_json(), parse_mask(_FILE_DEFAULT))
        items.append(item)
    out: dict[str, Any] = {"kind": "drive#changeList"}
    if start + size < len(state.changes):
        out["nextPageToken"] = str(start + size + 1)
    else:
        out["newStartPageToken"] = str(len(state.changes) + 1)
    out["changes"] = items
    if params.get("fields"):
        out = apply_mask(out, parse_mask(params["fields"]))
    return out

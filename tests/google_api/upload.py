"""Drive v3 media upload: `POST /upload/drive/v3/files` and `PATCH /upload/drive/v3/files/{id}`.

Follows Google's reference ("Upload file data", developers.google.com/drive): a
`uploadType=multipart` request is `multipart/related` with exactly two parts, the JSON
metadata first and the media second; `uploadType=media` is the bare content. The file
keeps the bytes, so a test can read back what was uploaded (`DriveFile.content`, or
`files.get?alt=media`). Resumable uploads are not implemented (400).
"""

from __future__ import annotations

import json
import re
from email.message import Message
from typing import Any

from . import drive, strict
from .errors import ApiError, bad_request
from .state import DriveFile, State

_GOOGLE_APPS = "application/vnd.google-apps."
_BAD_CONTENT_TYPE = "Bad content type. Please use multipart."
_MALFORMED = "Malformed multipart body."

Part = tuple[Message, bytes]


def _header(value: str) -> Message:
    message = Message()
    message["Content-Type"] = value
    return message


def parse_related(raw: bytes, content_type: str) -> list[Part]:
    """The parts of a multipart/related body: (headers, bytes) each, content kept exact.

    Delimiters must start a line (RFC 2046); CRLF and bare LF line ends are both accepted
    (googleapiclient writes LF). A body without its closing delimiter is malformed.
    """
    header = _header(content_type)
    if header.get_content_maintype() != "multipart":
        raise bad_request(_BAD_CONTENT_TYPE)
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise bad_request(_MALFORMED)
    pieces = re.split(rb"(?:^|\r?\n)--" + re.escape(boundary.encode()), raw)
    parts: list[Part] = []
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            return parts
        line_end = re.match(rb"[ \t]*\r?\n", piece)
        if line_end is None:
            raise bad_request(_MALFORMED)
        piece = piece[line_end.end() :]
        split = re.search(rb"\r?\n\r?\n", piece)
        if piece.startswith((b"\r\n", b"\n")):  # a part without headers
            head, body = b"", piece[2 if piece.startswith(b"\r\n") else 1 :]
        elif split is None:
            raise bad_request(_MALFORMED)
        else:
            head, body = piece[: split.start()], piece[split.end() :]
        headers = Message()
        for line in head.decode("latin-1").splitlines():
            name, colon, value = line.partition(":")
            if not colon:
                raise bad_request(_MALFORMED)
            headers[name.strip()] = value.strip()
        parts.append((headers, body))
    raise bad_request(_MALFORMED)  # no closing delimiter


def _metadata_and_media(raw: bytes, content_type: str) -> tuple[dict[str, Any], bytes, str]:
    parts = parse_related(raw, content_type)
    if len(parts) != 2:
        raise bad_request(f"Invalid multipart request with {len(parts)} mime parts.")
    (_, meta_bytes), (media_headers, media) = parts
    try:
        metadata = json.loads(meta_bytes.decode("utf-8")) if meta_bytes.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad_request(f"Invalid JSON payload received. {exc}") from exc
    if not isinstance(metadata, dict):
        raise bad_request("Invalid JSON payload received. Metadata must be a JSON object.")
    problem = strict.check_file_metadata(metadata)
    if problem is not None:
        raise problem
    media_type = media_headers.get_content_type() if media_headers["Content-Type"] else ""
    return metadata, media, media_type


def _content(
    params: dict[str, Any], raw: bytes, content_type: str
) -> tuple[dict[str, Any], bytes, str]:
    """(metadata, media bytes, media type) of an upload, by its uploadType."""
    kind = params.get("uploadType")
    if kind == "multipart":
        return _metadata_and_media(raw, content_type)
    if kind == "media":
        return {}, raw, _header(content_type).get_content_type() if content_type else ""
    raise ApiError(400, "Invalid Value", drive_reason="invalid", location="uploadType")


def _not_convertible(mime: str) -> None:
    if mime.startswith(_GOOGLE_APPS):
        raise bad_request(f"This test server does not convert uploads to {mime}.")


def create(state: State, params: dict[str, Any], raw: bytes, content_type: str) -> dict[str, Any]:
    """files.create with content: a new file holding the media bytes."""
    metadata, media, media_type = _content(params, raw, content_type)
    mime = metadata.get("mimeType") or media_type or "application/octet-stream"
    _not_convertible(mime)
    parents = metadata.get("parents") or ["root"]
    for parent in parents:
        if parent != "root":
            state.file(parent)
    drive._check_app_properties(metadata)  # Drive's 124-byte limit, as without media
    moment = state.now()
    entry = DriveFile(
        state.new_file_id(),
        metadata.get("name") or "Untitled",
        mime,
        moment,
        moment,
        parents=list(parents),
        owner=state.user_email,
        content=bytes(media),
    )
    # the metadata part's appProperties are kept, as a files.create without media keeps them
    properties = metadata.get("appProperties") or {}
    entry.app_properties = {str(k): str(v) for k, v in properties.items()}
    state.files[entry.id] = entry
    state.touch(entry.id)
    return drive.masked_file(entry, params)


def update(
    state: State, file_id: str, params: dict[str, Any], raw: bytes, content_type: str
) -> dict[str, Any]:
    """files.update with content: new bytes, and the metadata part applied as a PATCH."""
    entry = state.file(file_id)
    metadata, media, _ = _content(params, raw, content_type)
    if "parents" in metadata:
        raise ApiError(
            403,
            "The parents field is not directly writable in update requests. "
            "Use the addParents and removeParents parameters instead.",
            drive_reason="fieldNotWritable",
        )
    if entry.mime_type.startswith(_GOOGLE_APPS):
        _not_convertible(entry.mime_type)
    mime = metadata.get("mimeType") or entry.mime_type
    _not_convertible(mime)
    entry.mime_type = mime
    entry.content = bytes(media)
    # the metadata part is a PATCH like files.update's body: a new name, appProperties
    # merged with the file's (a null value removes one), trashed
    patch = {k: v for k, v in metadata.items() if k in ("name", "trashed", "appProperties")}
    return drive.update(state, file_id, params, patch)

"""The HTTP side: a ThreadingHTTPServer that answers like sheets.googleapis.com and
www.googleapis.com/drive/v3 on one local port.

Each request passes, in order: fault injection (seeded), the per-minute quota, then the
API handler under the state lock; every request is counted in `state.stats`. Sheets
errors use the Sheets error body, Drive errors the Drive one.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import drive, sheets, strict, upload
from .errors import ApiError, quota_exceeded, rate_limited, service_disabled
from .sheets_limits import check_size
from .state import State

_SERVICES = {
    "sheets": "sheets.googleapis.com",
    "drive": "drive.googleapis.com",
    "oauth2": "oauth2.googleapis.com",
}
_FAULT_MESSAGES = {
    429: "Resource has been exhausted (e.g. check quota).",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}


class Answer:
    """What a handler sends back: status, JSON (or raw bytes) and content type."""

    def __init__(
        self,
        status: int,
        payload: Any = None,
        raw: bytes | None = None,
        content_type: str = "application/json; charset=UTF-8",
    ) -> None:
        self.status = status
        self.payload = payload
        self.raw = raw
        self.content_type = content_type

    def body(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.payload is None:
            return b""
        return json.dumps(self.payload, ensure_ascii=False, indent=2).encode()


def _params(query: str) -> dict[str, Any]:
    parsed = parse_qs(query, keep_blank_values=True)
    params: dict[str, Any] = {k: v[-1] for k, v in parsed.items()}
    if "ranges" in parsed:
        params["ranges"] = parsed["ranges"]
    return params


def classify(method: str, path: str) -> tuple[str, str]:
    """(api, kind) of a request: api "sheets"/"drive", kind "read"/"write"."""
    api = "sheets" if path.startswith("/v4/") else "oauth2" if path == "/token" else "drive"
    kind = "read" if method == "GET" else "write"
    return api, kind


def dispatch(
    state: State,
    method: str,
    path: str,
    params: dict[str, Any],
    body: Any,
    raw: bytes = b"",
    content_type: str = "",
) -> tuple[str, Answer]:
    """Route one request to its handler; returns (method name for stats, answer).

    `raw` and `content_type` are the undecoded body, which only media uploads read."""
    if path.startswith("/upload/"):
        return _upload(state, method, path, params, raw, content_type)
    if path == "/token" and method == "POST":
        return "oauth2.token", token_answer(state, raw)
    if path.startswith("/v4/spreadsheets"):
        rest = path[len("/v4/spreadsheets") :]
        if rest.startswith("/"):
            rest = rest[1:]
        cut = min((i for i in (rest.find("/"), rest.find(":")) if i >= 0), default=len(rest))
        spreadsheet_id, tail = rest[:cut], rest[cut:]
        name, kind, payload = sheets.route(state, method, spreadsheet_id, tail, params, body)
        if kind == "write" and spreadsheet_id and spreadsheet_id in state.files:
            state.touch(spreadsheet_id)
        return name, Answer(200, payload)
    return _drive(state, method, path, params, body)


def token_answer(state: State, raw: bytes) -> Answer:
    """Google's OAuth token endpoint for a service account's signed JWT: an access token,
    or ``invalid_grant`` when the key was deleted (revoked) in the Cloud console."""
    form = parse_qs(raw.decode(errors="replace"))
    assertion = (form.get("assertion") or [""])[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(assertion.split(".")[0] + "=="))
    except ValueError:
        header = {}
    if header.get("kid") in state.revoked_keys:
        error = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        return Answer(400, error)
    return Answer(200, {"access_token": "ya29.test", "expires_in": 3599, "token_type": "Bearer"})


def _upload(
    state: State, method: str, path: str, params: dict[str, Any], raw: bytes, content_type: str
) -> tuple[str, Answer]:
    """Drive v3 media uploads: files.create (POST) and files.update (PATCH) with content."""
    parts = [p for p in path.split("/") if p]
    if parts == ["upload", "drive", "v3", "files"] and method == "POST":
        return "files.create", Answer(200, upload.create(state, params, raw, content_type))
    if len(parts) == 5 and parts[:4] == ["upload", "drive", "v3", "files"] and method == "PATCH":
        answer = upload.update(state, parts[4], params, raw, content_type)
        return "files.update", Answer(200, answer)
    raise ApiError(404, f"Not found: {method} {path}")


def _drive(
    state: State, method: str, path: str, params: dict[str, Any], body: Any
) -> tuple[str, Answer]:
    parts = [p for p in path.split("/") if p]
    if parts[:2] != ["drive", "v3"]:
        raise ApiError(404, f"Not found: {path}")
    parts = parts[2:]
    if parts == ["files"]:
        if method == "POST":
            return "files.create", Answer(200, drive.create(state, params, body))
        return "files.list", Answer(200, drive.list_files(state, params))
    if parts == ["changes", "startPageToken"]:
        return "changes.getStartPageToken", Answer(200, drive.start_page_token(state))
    if parts == ["changes"]:
        return "changes.list", Answer(200, drive.list_changes(state, params))
    if len(parts) == 2 and parts[0] == "drives" and method == "GET":
        return "drives.get", Answer(200, drive.get_shared_drive(state, parts[1], params))
    if len(parts) >= 2 and parts[0] == "files":
        file_id = parts[1]
        rest = parts[2:]
        if not rest:
            if method == "GET" and params.get("alt") == "media":
                mime, data = drive.download(state, file_id)
                return "files.get", Answer(200, raw=data, content_type=mime)
            if method == "GET":
                return "files.get", Answer(200, drive.get(state, file_id, params))
            if method == "PATCH":
                return "files.update", Answer(200, drive.update(state, file_id, params, body))
            if method == "DELETE":
                drive.delete(state, file_id)
                return "files.delete", Answer(204)
        if rest == ["copy"] and method == "POST":
            return "files.copy", Answer(200, drive.copy_file(state, file_id, params, body))
        if rest == ["export"]:
            mime, data = drive.export(state, file_id, params)
            return "files.export", Answer(200, raw=data, content_type=mime)
        if rest == ["comments"]:
            return "comments.list", Answer(200, drive.list_comments(state, file_id, params))
        if rest == ["permissions"]:
            if method == "POST":
                answer = drive.create_permission(state, file_id, params, body)
                return "permissions.create", Answer(200, answer)
            return "permissions.list", Answer(200, drive.list_permissions(state, file_id, params))
        if len(rest) == 2 and rest[0] == "permissions" and method == "DELETE":
            drive.delete_permission(state, file_id, rest[1])
            return "permissions.delete", Answer(204)
    raise ApiError(404, f"Not found: {method} {path}")


class Handler(BaseHTTPRequestHandler):
    """One HTTP exchange; the server's `state` holds everything."""

    server: GoogleApiServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: test output should show test results, not an access log."""

    def _handle(self) -> None:
        state = self.server.state
        split = urlsplit(self.path)
        path = unquote(split.path)
        params = _params(split.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        api, kind = classify(self.command, path)
        name = f"{api}.{self.command} {path}"
        code, wait = state.faults.draw()
        if wait:
            time.sleep(wait)
        try:
            if code == 403:  # Drive's per-user rate limit, answered as a 403
                raise rate_limited()
            if code is not None:
                raise ApiError(code, _FAULT_MESSAGES.get(code, "Injected fault."))
            if api in state.disabled_apis:
                raise service_disabled(_SERVICES[api])
            with state.lock:
                if api != "oauth2" and not state.quota.admit(kind, state.clock(), api):
                    if api == "drive":  # Drive says « too fast » with a 403
                        raise rate_limited()
                    raise quota_exceeded(kind, _SERVICES[api], state.quota.limit(kind))
                content_type = self.headers.get("Content-Type") or ""
                uploading = path.startswith("/upload/")
                parse = raw.strip() and self._is_json() and not uploading
                if not uploading:
                    check_size(raw)
                body = json.loads(raw) if parse else {}
                if state.strict:
                    strict.check(self.command, path, params, body)
                name, answer = dispatch(
                    state, self.command, path, params, body or {}, raw, content_type
                )
        except json.JSONDecodeError as exc:
            answer = self._error(api, ApiError(400, f"Invalid JSON payload received. {exc}"))
        except ApiError as exc:
            answer = self._error(api, exc)
        method = name if answer.status < 400 else f"{api}.error"
        state.stats.record(method, kind, answer.status, api)
        self._send(answer)

    def _is_json(self) -> bool:
        return "json" in (self.headers.get("Content-Type") or "application/json")

    @staticmethod
    def _error(api: str, exc: ApiError) -> Answer:
        return Answer(exc.code, exc.sheets_body() if api == "sheets" else exc.drive_body())

    def _send(self, answer: Answer) -> None:
        data = answer.body()
        self.send_response(answer.status)
        if answer.status != 204:
            self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class GoogleApiServer(ThreadingHTTPServer):
    """The local Google: `url`, `state`, and start/stop in a background thread."""

    daemon_threads = True

    def __init__(self, state: State | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), Handler)
        self.state = state or State()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> GoogleApiServer:
        self._thread = threading.Thread(target=self.serve_forever, name="google-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

"""Replaying recorded Google exchanges (vcrpy JSON cassettes) against the local server.

Each cassette is played in order with plain `requests`. Ids Google chose (spreadsheet and
file ids, sheet ids, protected/named range ids, ...) differ from the ones the server
chooses, so the replay learns a mapping from every answer and rewrites later request
URLs and bodies with it; timestamps, etags and revision ids are compared by type only.
Everything else must be equal.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import requests

from .server import GoogleApiServer

ID_KEYS = {
    "id",
    "spreadsheetId",
    "sheetId",
    "protectedRangeId",
    "namedRangeId",
    "chartId",
    "metadataId",
    "fileId",
    "permissionId",
}
VOLATILE_KEYS = {
    "createdTime",
    "modifiedTime",
    "etag",
    "revisionId",
    "headRevisionId",
    "time",
    "version",
    "startPageToken",
    "newStartPageToken",
}
RECORDING_ACCOUNT = "telegram-budgeter@telegram-budgeter.iam.gserviceaccount.com"
_SPREADSHEET_IN_URI = re.compile(r"/spreadsheets/([^/:?]+)|/files/([^/?]+)")

# Results of every cassette replayed in this process, for the terminal summary.
RESULTS: dict[str, tuple[int, int]] = {}


@dataclass
class Outcome:
    """How one cassette went: exchanges matched, and the first differences seen."""

    total: int = 0
    matched: int = 0
    failures: list[str] = field(default_factory=list)


def load(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text())["interactions"]


class IdMap:
    """Recorded id -> id the server returned, for strings and for integers."""

    def __init__(self) -> None:
        self.ids: dict[Any, Any] = {}

    def learn(self, expected: Any, actual: Any) -> None:
        """Walk a recorded and a live answer together, pairing up values under id keys."""
        if isinstance(expected, dict) and isinstance(actual, dict):
            for key, value in expected.items():
                if key not in actual:
                    continue
                if key in ID_KEYS and type(value) is type(actual[key]):
                    self.ids.setdefault(value, actual[key])
                else:
                    self.learn(value, actual[key])
        elif isinstance(expected, list) and isinstance(actual, list):
            for e, a in zip(expected, actual, strict=False):
                self.learn(e, a)

    def text(self, value: str) -> str:
        """A string with every known recorded string id replaced."""
        for old, new in self.ids.items():
            if isinstance(old, str) and len(old) > 8 and old in value:
                value = value.replace(old, new)
        return value

    def value(self, value: Any, key: str | None = None) -> Any:
        """A JSON value with recorded ids replaced (ints only under id keys)."""
        if isinstance(value, dict):
            return {k: self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, key) for v in value]
        if isinstance(value, str):
            return self.ids.get(value, self.text(value)) if key in ID_KEYS else self.text(value)
        if isinstance(value, int) and not isinstance(value, bool) and key in ID_KEYS:
            return self.ids.get(value, value)
        return value


def differences(expected: Any, actual: Any, ids: IdMap, path: str = "$") -> list[str]:
    """Where a live answer differs from the recorded one (ids/timestamps by type only)."""
    key = path.rpartition(".")[2]
    if key in VOLATILE_KEYS or (key in ID_KEYS and ids.value(expected, key) == expected):
        if type(expected) is not type(actual):
            return [f"{path}: type {type(actual).__name__} != {type(expected).__name__}"]
        return []
    expected = ids.value(expected, key)
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = [f"{path}.{k}: missing" for k in expected if k not in actual]
        out += [f"{path}.{k}: unexpected" for k in actual if k not in expected]
        for k in expected.keys() & actual.keys():
            out += differences(expected[k], actual[k], ids, f"{path}.{k}")
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: {len(actual)} items != {len(expected)}"]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            out += differences(e, a, ids, f"{path}[{i}]")
        return out
    if expected != actual or isinstance(expected, bool) != isinstance(actual, bool):
        return [f"{path}: {actual!r} != {expected!r}"]
    return []


def _rewrite_uri(uri: str, base_url: str, ids: IdMap) -> str:
    parts = urlsplit(uri)
    path = quote(ids.text(unquote(parts.path)), safe="/:!'()*,;=@$&+")
    query = ids.text(parts.query)
    return f"{base_url}{path}" + (f"?{query}" if query else "")


def _seed_foreign(server: GoogleApiServer, uri: str, status: int, ids: IdMap) -> None:
    """A 403 on an id the cassette never created means: the recording account could see
    that such a spreadsheet exists but not open it. Recreate that precondition."""
    match = _SPREADSHEET_IN_URI.search(urlsplit(uri).path)
    if status == 403 and match:
        recorded = match.group(1) or match.group(2)
        if recorded not in ids.ids:
            server.state.add_foreign_file(recorded)


def replay(server: GoogleApiServer, path: Path, session: requests.Session) -> Outcome:
    """Play one cassette against a freshly reset server."""
    server.state.reset()
    server.state.user_email = RECORDING_ACCOUNT
    ids = IdMap()
    outcome = Outcome()
    for index, exchange in enumerate(load(path)):
        request, response = exchange["request"], exchange["response"]
        outcome.total += 1
        status = response["status"]["code"]
        _seed_foreign(server, request["uri"], status, ids)
        body = request.get("body") or None
        headers = {}
        if body:
            try:
                body = json.dumps(ids.value(json.loads(body)))
                headers["Content-Type"] = "application/json"
            except json.JSONDecodeError:
                headers["Content-Type"] = "text/csv"
        url = _rewrite_uri(request["uri"], server.url, ids)
        live = session.request(request["method"], url, data=body, headers=headers, timeout=30)
        recorded_text = response["body"]["string"]
        problems = _compare(status, recorded_text, live, ids)
        if problems:
            outcome.failures.append(
                f"#{index} {request['method']} {unquote(request['uri'])}: "
                + "; ".join(problems[:4])
            )
        else:
            outcome.matched += 1
    RESULTS[path.stem] = (outcome.matched, outcome.total)
    return outcome


def _compare(status: int, recorded_text: str, live: requests.Response, ids: IdMap) -> list[str]:
    problems = [] if live.status_code == status else [f"status {live.status_code} != {status}"]
    try:
        expected = json.loads(recorded_text) if recorded_text else None
    except json.JSONDecodeError:
        if live.text != recorded_text:
            problems.append(f"body {live.text[:80]!r} != {recorded_text[:80]!r}")
        return problems
    try:
        actual = live.json() if live.content else None
    except ValueError:
        return [*problems, f"non-JSON answer {live.text[:80]!r}"]
    if not problems:
        ids.learn(expected, actual)
    return problems + differences(expected, actual, ids)

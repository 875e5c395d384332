"""Google's own description of the two APIs: the discovery documents google-api-python-client
ships (``googleapiclient/discovery_cache/documents/sheets.v4.json`` and ``drive.v3.json``).

They are read from the installed package at run time, never copied, so the server checks
requests against the same revision the client library was built from. This module only
finds things in them: which method a request calls (by HTTP method and path template),
its parameters, and the schemas of its body and answer.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import googleapiclient

DOCUMENTS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
# How a path prefix on the local server maps onto each API's discovery document.
_PREFIXES = (("sheets", "/", "sheets.v4"), ("drive", "/drive/v3/", "drive.v3"))


@dataclass(frozen=True)
class Method:
    """One discovery method: its id, parameters, and request/response schema names."""

    api: str  # "sheets" / "drive"
    id: str  # e.g. "sheets.spreadsheets.values.update"
    http_method: str
    parameters: dict[str, Any]
    request: str | None
    response: str | None
    pattern: re.Pattern[str] = field(compare=False)

    @property
    def name(self) -> str:
        """The id without the API prefix ("spreadsheets.values.update")."""
        return self.id.split(".", 1)[1]


@functools.cache
def document(name: str) -> dict[str, Any]:
    """A discovery document ("sheets.v4" / "drive.v3") from the installed client library."""
    loaded: dict[str, Any] = json.loads((DOCUMENTS / f"{name}.json").read_text())
    return loaded


def schemas(api: str) -> dict[str, Any]:
    """Every schema of an API by name."""
    doc = "sheets.v4" if api == "sheets" else "drive.v3"
    found: dict[str, Any] = document(doc)["schemas"]
    return found


def global_parameters(api: str) -> dict[str, Any]:
    """System parameters every method accepts (fields, alt, prettyPrint, ...)."""
    doc = "sheets.v4" if api == "sheets" else "drive.v3"
    found: dict[str, Any] = document(doc)["parameters"]
    return found


def _template(path: str) -> str:
    """A discovery path template as a regex: ``{+name}`` may hold slashes, ``{name}`` not."""
    out = ""
    for literal, plus, name in re.findall(r"([^{]*)(?:\{(\+?)([A-Za-z0-9_]+)\})?", path):
        out += re.escape(literal)
        if name:
            out += f"(?P<{name}>.+)" if plus or name == "range" else f"(?P<{name}>[^/:]+)"
    return out


def _walk(resource: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(resource.get("methods", {}).values())
    for child in resource.get("resources", {}).values():
        found.extend(_walk(child))
    return found


@functools.cache
def methods() -> tuple[Method, ...]:
    """Every method of both APIs, literal paths first so ``files/generateIds`` beats
    ``files/{fileId}``."""
    found: list[tuple[int, Method]] = []
    for api, prefix, doc_name in _PREFIXES:
        for spec in _walk(document(doc_name)):
            paths = [spec.get("flatPath", spec["path"])]
            upload = spec.get("mediaUpload", {}).get("protocols", {}).get("simple", {})
            if upload.get("path"):
                paths.append(upload["path"].lstrip("/"))
            for path in paths:
                root = "/" if path.startswith("upload/") else prefix
                pattern = re.compile(_template(root + path) + r"\Z")
                method = Method(
                    api,
                    spec["id"],
                    spec["httpMethod"],
                    spec.get("parameters", {}),
                    spec.get("request", {}).get("$ref"),
                    spec.get("response", {}).get("$ref"),
                    pattern,
                )
                found.append((path.count("{"), method))
    found.sort(key=lambda pair: pair[0])
    return tuple(method for _, method in found)


def find(http_method: str, path: str) -> tuple[Method, dict[str, str]] | None:
    """The discovery method a request calls, with its path parameters (None: unknown)."""
    for method in methods():
        if method.http_method != http_method:
            continue
        match = method.pattern.match(path)
        if match:
            return method, match.groupdict()
    return None

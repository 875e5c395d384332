"""Split one rendering into ``batchUpdate`` bodies under Google's recommended 2 MB (pure).

A dashboard's batch grows ~85 KB per structure: past 2 MB at ~22 structures,
past Google's 10 MB hard limit at ~120. The requests are cut, in order, into
bodies of at most :data:`MAX_BATCH_BYTES` of JSON; an ``updateCells`` too big on
its own is cut by rows (each part starting where the previous ended).

Coherence when a later part fails: the backend renames the file with the
pending mark before the first part (:func:`pending_title`), and the last part
(which holds the final title) removes it. A file left half-written is thus
named « … (mise à jour en cours) »: readers see it is being updated, the
listing treats it as unfinished, and the next write renders it whole again.
"""

from __future__ import annotations

import json
from typing import Any

Request = dict[str, Any]

MAX_BATCH_BYTES = 2_000_000
_OVERHEAD = 64  # {"requests": [...]} and separators


def size(request: Request) -> int:
    return len(json.dumps(request, ensure_ascii=False, separators=(",", ":")).encode())


def split_cells(request: Request, limit: int) -> list[Request]:
    """An ``updateCells`` cut by rows into requests of at most ``limit`` bytes each."""
    cells = request.get("updateCells")
    if size(request) <= limit or not cells or len(cells.get("rows", [])) < 2:
        return [request]
    rows = cells["rows"]
    half = len(rows) // 2
    start = cells["start"]
    first = {"updateCells": {**cells, "rows": rows[:half]}}
    later_start = {**start, "rowIndex": start.get("rowIndex", 0) + half}
    second = {"updateCells": {**cells, "rows": rows[half:], "start": later_start}}
    return split_cells(first, limit) + split_cells(second, limit)


def split_requests(requests: list[Request], limit: int = MAX_BATCH_BYTES) -> list[list[Request]]:
    """The requests, in order, in bodies of at most ``limit`` bytes (one body when it fits)."""
    parts: list[list[Request]] = [[]]
    used = _OVERHEAD
    for whole in requests:
        for request in split_cells(whole, limit - _OVERHEAD):
            weight = size(request) + 1
            if parts[-1] and used + weight > limit:
                parts.append([])
                used = _OVERHEAD
            parts[-1].append(request)
            used += weight
    return parts


def pending_title(title: str) -> Request:
    """The request that marks a spreadsheet as being rewritten (undone by the last part)."""
    return {"updateSpreadsheetProperties": {"properties": {"title": title}, "fields": "title"}}

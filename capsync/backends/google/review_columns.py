"""A live grid's review columns follow the configuration: header cells and protected ranges.

When the configuration names another pair (or tiers) for a chapter, the grid
in place is a Sheet people are typing in: it is not rewritten. One
``spreadsheets.get`` (the protected ranges only) and ONE ``batchUpdate``
rewrite the review header cells (``updateCells`` of their value only: their
format stays, and a ``str`` is a string, never a formula) and give the review
ranges their new editors (Google keeps a protected range's editors as given,
so each is deleted and added again over the range Google holds now — where
it moved if people inserted columns). Then the file is shared with whoever
the configuration adds (:func:`~capsync.backends.google.sharing.grant_missing`);
a reviewer taken out loses it at ``capsync audit --fix``, as documented.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Protocol

import gspread
import requests

from capsync.backends.google.drive import DriveClient, DriveError
from capsync.backends.google.google_errors import why
from capsync.backends.google.listing import Entry
from capsync.backends.google.sharing import grant_missing
from capsync.campaign.config import Config
from capsync.errors import BackendError
from capsync.workbook.refs import WorkbookRef

PROTECTED_FIELDS = (
    "sheets(properties(sheetId,title),"
    "protectedRanges(protectedRangeId,description,range,warningOnly))"
)
_FAILURES = (gspread.exceptions.APIError, DriveError, requests.RequestException)

CellAt = tuple[str, int, int]
Request = dict[str, Any]


def review_requests(
    meta: Mapping[str, Any],
    cells: Mapping[CellAt, str],
    editors: Mapping[tuple[str, str], tuple[str, ...]],
    service_email: str | None,
) -> list[Request]:
    """The batchUpdate requests: header values, then each review range with its editors."""
    sheets = meta.get("sheets", [])
    ids = {s["properties"]["title"]: s["properties"]["sheetId"] for s in sheets}
    out: list[Request] = []
    for (sheet, row, col), text in sorted(cells.items()):
        if sheet not in ids:
            continue
        bounds = {"sheetId": ids[sheet], "startRowIndex": row, "endRowIndex": row + 1,
                  "startColumnIndex": col, "endColumnIndex": col + 1}  # fmt: skip
        value = {"userEnteredValue": {"stringValue": text}}
        out.append({"updateCells": {"range": bounds, "rows": [{"values": [value]}],
                                    "fields": "userEnteredValue"}})  # fmt: skip
    own = [service_email.lower()] if service_email else []
    for sheet in sheets:
        title = sheet["properties"]["title"]
        for protected in sheet.get("protectedRanges", []):
            wanted = editors.get((title, protected.get("description", "")))
            if wanted is None:
                continue
            out.append(
                {"deleteProtectedRange": {"protectedRangeId": protected["protectedRangeId"]}}
            )
            again = {
                "range": protected["range"],
                "description": protected["description"],
                "warningOnly": False,
                "editors": {"users": sorted({*own, *wanted})},
            }
            out.append({"addProtectedRange": {"protectedRange": again}})
    return out


class _Live(Protocol):
    """What of the Google backend this needs (it is that backend's mixin)."""

    client: gspread.Client
    drive: DriveClient
    config: Config | None
    email: str | None

    def _entry(self, ref: WorkbookRef) -> Entry | None: ...

    def _grant(self, file_id: str, grant: Callable[[], list[str]]) -> list[str]: ...

    def location(self, ref: WorkbookRef) -> str: ...


class ReviewColumns:
    """``Backend.refresh_review_columns`` for the Google backend."""

    def refresh_review_columns(
        self: _Live,
        ref: WorkbookRef,
        cells: Mapping[CellAt, str],
        editors: Mapping[tuple[str, str], tuple[str, ...]],
    ) -> None:
        entry = self._entry(ref)
        if entry is None or entry.pending or entry.trashed:
            raise BackendError(f"Le classeur {ref} est introuvable sur Google Drive.")
        try:
            meta = self.client.http_client.fetch_sheet_metadata(
                entry.id, params={"fields": PROTECTED_FIELDS}
            )
            found = review_requests(meta, cells, editors, self.email)
            if found:
                self.client.http_client.batch_update(entry.id, {"requests": found})
        except _FAILURES as exc:
            raise BackendError(
                f"Mise à jour impossible des colonnes du tiers et du pair de "
                f"{self.location(ref)} ({why(exc)}) : elle sera reprise au prochain passage."
            ) from exc
        if self.config is None:
            return
        failures = self._grant(entry.id, partial(grant_missing, self.drive, entry.id, ref,
                                                 self.config))  # fmt: skip
        if failures:
            raise BackendError(
                f"{self.location(ref)} n'a pas pu être partagé avec {', '.join(failures)} : "
                "le partage sera retenté au prochain passage."
            )

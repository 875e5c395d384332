"""The Drive tree as one ``files.list`` saw it: which file is which workbook.

Built from a single listing of every folder and file under the root (see
:mod:`.drive_layout` for the names), it serves the backend (versions, ids to
read and write) and the sharing audit (every workbook and the .ics / .pdf
beside them) without a request of its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from capsync.backends.google import drive_layout as layout
from capsync.backends.google.drive import FOLDER_MIME, SPREADSHEET_MIME
from capsync.workbook.refs import WorkbookRef

log = logging.getLogger("capsync")


@dataclass
class Entry:
    """One file of the listing."""

    id: str
    name: str
    version: str
    pending: bool = False


class Listing:
    """The Drive tree as one ``files.list`` saw it: folders and workbooks by ref."""

    def __init__(self, root: str, files: list[dict[str, Any]]):
        self.root = root
        folders = {f["id"]: f for f in files if f.get("mimeType") == FOLDER_MIME}
        self.collective_folders: dict[str, str] = {}
        self.subfolders: dict[tuple[str, str], str] = {}
        for folder in folders.values():
            if root in folder.get("parents", []):
                self.collective_folders.setdefault(folder["name"], folder["id"])
        by_id = {v: k for k, v in self.collective_folders.items()}
        place: dict[str, tuple[str, str | None]] = {i: (c, None) for i, c in by_id.items()}
        for folder in folders.values():
            for parent in folder.get("parents", []):
                if parent in by_id:
                    key = (by_id[parent], folder["name"])
                    self.subfolders.setdefault(key, folder["id"])
                    place[folder["id"]] = (by_id[parent], folder["name"])
        self.workbooks: dict[WorkbookRef, Entry] = {}
        self.other: dict[tuple[str, str], Entry] = {}  # (parent id, name) → plain file
        self.companions: dict[WorkbookRef, list[Entry]] = {}  # the .ics / .pdf of a workbook
        for item in files:
            if item.get("mimeType") == FOLDER_MIME:
                continue
            for parent in item.get("parents", []):
                if parent not in place:
                    continue
                entry = Entry(item["id"], item["name"], str(item.get("version", "")))
                if item.get("mimeType") != SPREADSHEET_MIME:
                    self.other[(parent, item["name"])] = entry
                    stem = item["name"].rsplit(".", 1)[0]  # « ailes-revel.pdf » → its workbook
                    companion = layout.ref_for(*place[parent], f"[{stem}]")
                    if companion is not None:
                        self.companions.setdefault(companion[0], []).append(entry)
                    continue
                found = layout.ref_for(*place[parent], item["name"])
                if found is None:
                    log.warning("Drive file %r is not a capsync workbook; ignored", item["name"])
                    continue
                ref, entry.pending = found
                known = self.workbooks.get(ref)
                if known is None or (known.pending and not entry.pending):
                    self.workbooks[ref] = entry
                else:
                    log.warning(
                        "two Drive files for %s: kept %s, ignored %s", ref, known.id, item["id"]
                    )

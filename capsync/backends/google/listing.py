"""The Drive tree as one ``files.list`` saw it: which file is which workbook.

Built from a single listing of every folder and file under the root (see
:mod:`.drive_layout` for the names), it serves the backend (versions, ids to
read and write) and the sharing audit (every workbook and the .ics / .pdf
beside them) without a request of its own.

A workbook is recognised first by the Drive ``appProperties`` capsync sets when
it creates the file (:func:`app_properties`): people cannot see or change them,
so a renamed or moved grid is still its structure's grid. Files made before
those properties existed are recognised by the ``[key]`` in their name and
folder. A trashed workbook stays known (``Entry.trashed``): it is an anomaly to
show, never a reason to create a second grid. The .ics and .pdf uploaded beside a
workbook carry its properties too and are named for people (« calendrier.ics »):
they are known by those properties and their type (:mod:`.companions`).

A cycle does not list the whole tree again: :func:`watched_query` asks Drive only for
this campaign's grids and personal files (by their ``appProperties``) and for whatever
still waits for a grant (``capsyncShared = 0``), one page of 1 000 for 550 grids, and
:meth:`Listing.merge_watched` puts that answer into the listing of the tree kept from
before. The whole tree is listed again when the listing is too old, after a failed
write, or when a grid was recognised only by its name (made before the properties).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from capsync.backends.google import drive_layout as layout
from capsync.backends.google.drive import FOLDER_MIME, SPREADSHEET_MIME, quote
from capsync.workbook.refs import STRUCTURE_KINDS, Kind, WorkbookRef

log = logging.getLogger("capsync")


PROP_ROOT = "capsyncRoot"  # the campaign's root folder id: which campaign the file is of
PROP_COLLECTIVE = "capsyncCollective"
PROP_KIND = "capsyncKind"
PROP_KEY = "capsyncKey"
PROP_SHARED = "capsyncShared"  # "0" until every grant of the file was made
ARCHIVED_KIND = "grille-archive"  # PROP_KIND of a closed campaign's grid (.archive): not read


def app_properties(root: str, ref: WorkbookRef, shared: bool) -> dict[str, str]:
    """The Drive ``appProperties`` that say which workbook a file is (set at creation)."""
    return {
        PROP_ROOT: root,
        PROP_COLLECTIVE: ref.collective,
        PROP_KIND: ref.kind.value,
        PROP_KEY: ref.name,
        PROP_SHARED: "1" if shared else "0",
    }


WATCHED_KINDS = (Kind.GRID, Kind.PERSONAL)  # what people edit: what a cycle must look at


def has_property(key: str, value: str) -> str:
    """The Drive query term for files whose app property ``key`` is ``value``."""
    return f"appProperties has {{ key='{key}' and value={quote(value)} }}"


def watched_query(root: str) -> str:
    """The Drive ``q`` of a cycle's listing: this campaign's grids and personal files,
    trashed or not (a trashed grid is an anomaly), and every file or folder whose grants
    are still to be made."""
    kinds = " or ".join(has_property(PROP_KIND, kind.value) for kind in WATCHED_KINDS)
    both = "(trashed = false or trashed = true)"  # said outright: no default to rely on
    unshared = has_property(PROP_SHARED, "0")
    return f"{has_property(PROP_ROOT, root)} and ({kinds} or {unshared}) and {both}"


def ref_from_properties(root: str, props: dict[str, Any]) -> WorkbookRef | None:
    if props.get(PROP_ROOT) != root or not props.get(PROP_COLLECTIVE):
        return None
    try:
        kind = Kind(props.get(PROP_KIND, ""))
    except ValueError:
        return None
    return WorkbookRef(str(props[PROP_COLLECTIVE]), kind, str(props.get(PROP_KEY, "")))


@dataclass
class Entry:
    """One file of the listing."""

    id: str
    name: str
    version: str
    pending: bool = False
    trashed: bool = False
    shared: bool = True  # False: a grant failed, retried at the next listing
    parent: str = ""  # the folder it is in ("" when not known)
    mime: str = ""  # an uploaded file's type: which of a workbook's companions it is
    keyed: bool = False  # known by its appProperties, not by its name


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
        self.structure_folders: dict[tuple[str, str], str] = {}  # (collectif, structure) → id
        self.unshared_structure_folders: dict[str, tuple[str, str]] = {}  # grants to redo
        self._structure_folders(folders, place)
        self.workbooks: dict[WorkbookRef, Entry] = {}
        self.by_name = False  # a watched workbook was known by its name only: list the tree
        self.other: dict[tuple[str, str], Entry] = {}  # (parent id, name) → plain file
        self.companions: dict[WorkbookRef, list[Entry]] = {}  # the .ics / .pdf of a workbook
        self.unshared_folders: dict[str, str] = {}  # folder id → collectif, grants to redo
        for folder in folders.values():
            props = folder.get("appProperties") or {}
            if props.get(PROP_SHARED) == "0" and folder["id"] in by_id:
                self.unshared_folders[folder["id"]] = by_id[folder["id"]]
        for item in files:
            if item.get("mimeType") == FOLDER_MIME:
                continue
            props = item.get("appProperties") or {}
            known_ref = ref_from_properties(root, props)
            if known_ref is not None and item.get("mimeType") == SPREADSHEET_MIME:
                self._add(known_ref, item, props)
                continue
            if item.get("trashed") or props.get(PROP_KIND) == ARCHIVED_KIND:
                continue
            for parent in item.get("parents", []):
                if parent not in place:
                    continue
                entry = Entry(item["id"], item["name"], str(item.get("version", "")),
                              parent=parent, mime=str(item.get("mimeType", "")),
                              keyed=known_ref is not None)  # fmt: skip
                if item.get("mimeType") != SPREADSHEET_MIME:
                    self.other[(parent, item["name"])] = entry
                    entry.shared = props.get(PROP_SHARED) != "0"
                    stem = item["name"].rsplit(".", 1)[0]  # « ailes-revel.pdf » → its workbook
                    companion = known_ref or layout.ref_for(*place[parent], f"[{stem}]")
                    if isinstance(companion, tuple):
                        companion = companion[0]
                    if companion is not None:
                        self.companions.setdefault(companion, []).append(entry)
                    continue
                found = layout.ref_for(*place[parent], item["name"])
                if found is None:
                    log.warning("Drive file %r is not a capsync workbook; ignored", item["name"])
                    continue
                self.by_name = self.by_name or found[0].kind in WATCHED_KINDS
                self._add(found[0], item, props)

    def merge_watched(self, files: list[dict[str, Any]]) -> None:
        """Take a :func:`watched_query` answer: it replaces every grid and personal file
        (a file gone from it was deleted) and says what still waits for a grant."""
        self.workbooks = {r: e for r, e in self.workbooks.items() if r.kind not in WATCHED_KINDS}
        by_id = {e.id: e for es in self.companions.values() for e in es}
        by_id.update({e.id: e for e in self.workbooks.values()})
        collectives = {v: k for k, v in self.collective_folders.items()}
        structures = {v: k for k, v in self.structure_folders.items()}
        for item in files:
            props = item.get("appProperties") or {}
            ref = ref_from_properties(self.root, props)
            unshared = props.get(PROP_SHARED) == "0"
            if ref and ref.kind in WATCHED_KINDS and item.get("mimeType") == SPREADSHEET_MIME:
                self._add(ref, item, props)
            elif item["id"] in by_id:
                by_id[item["id"]].shared = not unshared
            elif unshared and item["id"] in collectives:
                self.unshared_folders[item["id"]] = collectives[item["id"]]
            elif unshared and item["id"] in structures:
                self.unshared_structure_folders[item["id"]] = structures[item["id"]]

    def _structure_folders(
        self, folders: dict[str, dict[str, Any]], place: dict[str, tuple[str, str | None]]
    ) -> None:
        """Each structure's own folder, « Structures/<nom> [<id>] » in its collectif's."""
        holders = {self.subfolders[k]: k[0] for k in self.subfolders
                   if k[1] == layout.STRUCTURES_FOLDER}  # fmt: skip
        for folder in folders.values():
            parsed = layout.parse_name(folder.get("name", ""))
            collective = next((holders[p] for p in folder.get("parents", []) if p in holders), None)
            if parsed is None or collective is None:
                continue
            self.structure_folders.setdefault((collective, parsed.key), folder["id"])
            place[folder["id"]] = (collective, layout.structure_place(parsed.key))
            if (folder.get("appProperties") or {}).get(PROP_SHARED) == "0":
                self.unshared_structure_folders[folder["id"]] = (collective, parsed.key)

    def misplaced(self) -> list[tuple[WorkbookRef, Entry]]:
        """A structure's files outside its own folder (made before the folders existed): moved
        there, so that they are read by the structure's people and by nobody else."""
        found = []
        for ref, entries in [*((r, [e]) for r, e in self.workbooks.items()),
                             *self.companions.items()]:  # fmt: skip
            if ref.kind not in STRUCTURE_KINDS:
                continue
            home = self.structure_folders.get((ref.collective, ref.structure))
            found += [(ref, e) for e in entries if e.parent and e.parent != home]
        return found

    def _add(self, ref: WorkbookRef, item: dict[str, Any], props: dict[str, Any]) -> None:
        """Keep one file per workbook: a live one over a trashed one, a finished one over
        one whose creation was interrupted."""
        parsed = layout.parse_name(item["name"])
        entry = Entry(item["id"], item["name"], str(item.get("version", "")),
                      pending=bool(parsed and parsed.pending), trashed=bool(item.get("trashed")),
                      shared=props.get(PROP_SHARED) != "0",
                      parent=next(iter(item.get("parents") or []), ""))  # fmt: skip
        known = self.workbooks.get(ref)
        if known is None or _rank(entry) < _rank(known):
            self.workbooks[ref] = entry
        elif not entry.trashed:
            log.warning("two Drive files for %s: kept %s, ignored %s", ref, known.id, item["id"])

    def unshared(self) -> list[tuple[WorkbookRef, Entry]]:
        """Files whose grants failed when they were made: shared at the next listing."""
        found = [(r, e) for r, e in self.workbooks.items() if not e.shared and not e.trashed]
        found += [(r, e) for r, es in self.companions.items() for e in es if not e.shared]
        return found


def _rank(entry: Entry) -> tuple[bool, bool]:
    return (entry.trashed, entry.pending)

"""The local backend: a folder of .xlsx files that people open in Excel or LibreOffice.

Layout of the data folder, one sub-folder per collectif::

    <data>/<collectif>/grilles/<structure-id>.xlsx
    <data>/<collectif>/tableau-de-bord.xlsx
    <data>/<collectif>/restitutions/<structure-id>.xlsx
    <data>/<collectif>/calendrier.xlsx
    <data>/<collectif>/sauvegardes/<name>-AAAAMMJJ-HHMMSS.xlsx

Every write renders to a temporary file in the target's folder, fsyncs it and
renames it into place, so a crash leaves the old file or the new one, never a
half-written one. A file a person has open (Excel's ``~$name.xlsx``,
LibreOffice's ``.~lock.name.xlsx#``) is never replaced: :class:`FileLocked`
is raised and the next run tries again. What the OS refuses (a read-only
folder, a full disk) becomes a :class:`~capsync.errors.DataFolderError` naming
the file.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from pathlib import Path

from capsync.atomic import TEMP_SUFFIX, write_bytes_atomic
from capsync.backends.base import locked_message
from capsync.backends.xlsx_read import read_workbook
from capsync.errors import BackendError, FileLocked, data_folder_error
from capsync.render.xlsx import render_xlsx_bytes
from capsync.workbook.refs import Kind, RawWorkbook, WorkbookRef
from capsync.workbook.spec import WorkbookSpec

log = logging.getLogger("capsync")

GRIDS_DIR = "grilles"
RESTITUTIONS_DIR = "restitutions"
BACKUPS_DIR = "sauvegardes"
_SINGLE_FILES = {Kind.DASHBOARD: "tableau-de-bord.xlsx", Kind.CALENDAR: "calendrier.xlsx"}
_FOLDERS = {Kind.GRID: GRIDS_DIR, Kind.RESTITUTION: RESTITUTIONS_DIR}


def lock_files(path: Path) -> list[Path]:
    """The lock files Excel and LibreOffice leave next to ``path`` while it is open.

    Office names its owner file ``~$`` + the name; for longer names ``~$``
    replaces the first two characters (« OfficeReport.docx » →
    « ~$ficeReport.docx »), and for a 7-character name only the first one
    (« aci-une.xlsx » → « ~$ci-une.xlsx »). The three spellings are all checked:
    missing a lock means overwriting a file someone has open, while a lock
    wrongly seen only delays the file to the next run.
    """
    name = path.name
    candidates = [f"~${name}", f".~lock.{name}#"]
    candidates += [f"~${name[n:]}" for n in (1, 2) if len(name) > n + len(path.suffix)]
    return [path.with_name(c) for c in candidates]


def is_workbook_name(name: str) -> bool:
    """A real workbook, not a lock file, a temporary file or a hidden file."""
    return (
        name.lower().endswith(".xlsx")
        and not name.startswith(("~$", ".~lock.", "."))
        and not name.endswith(TEMP_SUFFIX)
    )


class LocalBackend:
    """Workbooks as .xlsx files under one data folder."""

    name = "local"
    files_are_xlsx = True
    parallel_workers = True  # files on disk: reading and rendering spread over the cores
    shares_with_people = False  # who opens the folder is the file system's business

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)

    # -- where things are -------------------------------------------------
    def folder(self, collective: str, kind: Kind) -> Path:
        base = self.data_dir / collective
        return base / _FOLDERS[kind] if kind in _FOLDERS else base

    def path(self, ref: WorkbookRef) -> Path:
        if ref.kind in _SINGLE_FILES:
            return self.data_dir / ref.collective / _SINGLE_FILES[ref.kind]
        if not ref.name:
            raise BackendError(f"Nom de classeur manquant pour {ref}.")
        return self.folder(ref.collective, ref.kind) / f"{ref.name}.xlsx"

    def location(self, ref: WorkbookRef) -> str:
        return str(self.path(ref))

    def exists(self, ref: WorkbookRef) -> bool:
        return self.path(ref).is_file()

    def is_locked(self, ref: WorkbookRef) -> bool:
        """Whether a spreadsheet program has the workbook open (its lock file is there)."""
        return any(p.exists() for p in lock_files(self.path(ref)))

    # -- reading ------------------------------------------------------------
    def read(self, ref: WorkbookRef) -> RawWorkbook:
        return read_workbook(self.path(ref))

    def read_bytes(self, ref: WorkbookRef) -> bytes:
        path = self.path(ref)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise BackendError(f"Le classeur {path} est introuvable.") from exc
        except OSError as exc:
            raise BackendError(f"Lecture impossible de {path} ({exc.strerror}).") from exc

    def versions(self, collective: str, kind: Kind) -> dict[WorkbookRef, str]:
        folder = self.folder(collective, kind)
        wanted = _SINGLE_FILES.get(kind)
        found: dict[WorkbookRef, str] = {}
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            return found
        for entry in entries:
            if not is_workbook_name(entry.name) or (wanted and entry.name != wanted):
                continue
            try:
                if not entry.is_file():
                    continue
                stat = entry.stat()
            except FileNotFoundError:  # replaced or removed while listing
                continue
            name = "" if wanted else entry.name[: -len(".xlsx")]
            found[WorkbookRef(collective, kind, name)] = f"{stat.st_size}:{stat.st_mtime_ns}"
        return found

    # -- writing ------------------------------------------------------------
    def write(self, ref: WorkbookRef, spec: WorkbookSpec) -> None:
        self.write_bytes(ref, render_xlsx_bytes(spec))

    def write_bytes(self, ref: WorkbookRef, content: bytes) -> None:
        """Put ``content`` in place of the workbook atomically, unless a person has it open."""
        target = self.path(ref)
        if self.is_locked(ref):
            raise FileLocked(locked_message(str(target)))
        _atomic_write(target, content)
        log.debug("wrote %s (%d bytes)", target, len(content))

    def write_file(self, ref: WorkbookRef, extension: str, content: bytes) -> None:
        """A companion file of a workbook (the calendar's .ics, a restitution's .pdf)."""
        target = self.path(ref).with_suffix(f".{extension}")
        if any(lock.exists() for lock in lock_files(target)):
            raise FileLocked(locked_message(str(target)))
        _atomic_write(target, content)

    def backup(self, ref: WorkbookRef, stamp: dt.datetime) -> str:
        source = self.path(ref)
        if not source.is_file():
            raise BackendError(f"Impossible de sauvegarder {source} : le fichier n'existe pas.")
        folder = self.data_dir / ref.collective / BACKUPS_DIR
        base = f"{source.stem}-{stamp:%Y%m%d-%H%M%S}"
        target = folder / f"{base}.xlsx"
        n = 2
        while target.exists():
            target = folder / f"{base}-{n}.xlsx"
            n += 1
        _atomic_write(target, self.read_bytes(ref))
        try:
            shutil.copystat(source, target)
        except OSError as exc:
            raise data_folder_error(exc, target) from exc
        log.info("backup of %s kept as %s", source, target)
        return str(target)


def _atomic_write(target: Path, content: bytes) -> None:
    """Write through :func:`write_bytes_atomic`; what the OS refuses is said in French."""
    try:
        write_bytes_atomic(target, content)
    except PermissionError as exc:
        if os.name == "nt":  # Windows refuses to replace a file open in Excel
            raise FileLocked(locked_message(str(target))) from exc
        raise data_folder_error(exc, target) from exc
    except OSError as exc:  # a read-only folder, a full disk, a file where a folder should be
        raise data_folder_error(exc, target) from exc

"""The local backend: a folder of .xlsx files that people open in Excel or LibreOffice.

Layout of the data folder, one sub-folder per collectif::

    <data>/<collectif>/grilles/<structure-id>.xlsx
    <data>/<collectif>/tableau-de-bord.xlsx
    <data>/<collectif>/structures/<structure-id>/restitution-chapitre-2-2026-03-03.xlsx (+ .pdf)
    <data>/<collectif>/structures/<structure-id>/a-corriger.xlsx
    <data>/<collectif>/regroupements/chapitre-2-2026-03-03.xlsx (+ .pdf)
    <data>/<collectif>/calendrier.xlsx
    <data>/<collectif>/sauvegardes/<name>-AAAAMMJJ-HHMMSS.xlsx
    <data>/<collectif>/archives/<campagne>/<structure-id>-<campagne>.xlsx  (read-only)
    <data>/reseau/vue-reseau.xlsx  (COORACE national's network view)

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
from collections.abc import Collection, Mapping
from pathlib import Path

from capsync.atomic import TEMP_SUFFIX, remove_stale_temporaries, write_bytes_atomic
from capsync.backends.base import CellAt, locked_message
from capsync.errors import BackendError, FileLocked, data_folder_error, os_reason
from capsync.workbook.refs import (
    STRUCTURE_KINDS,
    Kind,
    RawValue,
    RawWorkbook,
    WorkbookRef,
    restitution_ref,
)
from capsync.workbook.spec import WorkbookSpec

log = logging.getLogger("capsync")

GRIDS_DIR = "grilles"
STRUCTURES_DIR = "structures"  # one folder per structure: what it receives, ready to send
REGROUPEMENTS_DIR = "regroupements"
BACKUPS_DIR = "sauvegardes"
ARCHIVES_DIR = "archives"  # grids of closed campaigns, read-only: archives/<campaign>/
TO_FIX_FILE = "a-corriger.xlsx"
SINGLE_FILES = {  # the workbooks a collectif has one of; the Google backend names its .ics thus
    Kind.DASHBOARD: "tableau-de-bord.xlsx",
    Kind.CALENDAR: "calendrier.xlsx",
    Kind.NETWORK: "vue-reseau.xlsx",  # <data>/reseau/vue-reseau.xlsx (``capsync reseau``)
}
_FOLDERS = {Kind.GRID: GRIDS_DIR, Kind.REGROUPEMENT: REGROUPEMENTS_DIR}


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


GRID_FORMATS = (".xlsx", ".ods", ".xls")  # a grid saved by LibreOffice or an old Excel


def is_workbook_name(name: str, formats: tuple[str, ...] = (".xlsx",)) -> bool:
    """A real workbook, not a lock file, a temporary file or a hidden file."""
    return (
        name.lower().endswith(formats)
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
        self._backed_up: set[Path] = set()  # files this process kept a backup of

    # -- where things are -------------------------------------------------
    def folder(self, collective: str, kind: Kind) -> Path:
        base = self.data_dir / collective
        return base / _FOLDERS[kind] if kind in _FOLDERS else base

    def structure_folder(self, collective: str, structure: str) -> Path:
        """Everything one structure receives, and nothing of any other structure."""
        return self.data_dir / collective / STRUCTURES_DIR / structure

    def path(self, ref: WorkbookRef) -> Path:
        if ref.kind in SINGLE_FILES:
            return self.data_dir / ref.collective / SINGLE_FILES[ref.kind]
        if not ref.name or ref.stem in ("", ".", ".."):
            raise BackendError(f"Nom de classeur manquant pour {ref}.")
        if ref.kind == Kind.PERSONAL:  # grilles/<structure>/<respondent>.xlsx, beside the grid
            return self.folder(ref.collective, Kind.GRID) / ref.structure / f"{ref.stem}.xlsx"
        if ref.kind == Kind.TO_FIX:
            return self.structure_folder(ref.collective, ref.name) / TO_FIX_FILE
        if ref.kind == Kind.RESTITUTION:
            return self.structure_folder(ref.collective, ref.structure) / f"{ref.stem}.xlsx"
        return self.folder(ref.collective, ref.kind) / f"{ref.name}.xlsx"

    def source_path(self, ref: WorkbookRef) -> Path:
        """The file a grid is read from: ``<id>.xlsx``, else the ``.ods`` or ``.xls`` a
        structure saved in its place (the next upgrade writes the .xlsx)."""
        if ref.kind != Kind.GRID:
            return self.path(ref)
        folder = self.folder(ref.collective, ref.kind)
        if ref.name.lower().endswith(GRID_FORMATS):  # « aci.ods » beside « aci.xlsx »
            return folder / ref.name
        path = self.path(ref)
        if not path.exists():
            for suffix in GRID_FORMATS[1:]:
                other = path.with_suffix(suffix)
                if other.is_file():
                    return other
        return path

    def location(self, ref: WorkbookRef) -> str:
        return str(self.source_path(ref))

    def file_location(self, ref: WorkbookRef, extension: str) -> str:
        return str(self.path(ref).with_suffix(f".{extension}"))

    def exists(self, ref: WorkbookRef) -> bool:
        return self.source_path(ref).is_file()

    def is_locked(self, ref: WorkbookRef) -> bool:
        """Whether a spreadsheet program has the workbook open (its lock file is there)."""
        paths = {self.path(ref), self.source_path(ref)}
        return any(lock.exists() for p in paths for lock in lock_files(p))

    # -- reading ------------------------------------------------------------
    def read(self, ref: WorkbookRef, skip: Collection[str] = ()) -> RawWorkbook:
        from capsync.backends.xlsx_read import read_workbook  # calamine: only to read

        return read_workbook(self.source_path(ref), skip)

    def read_bytes(self, ref: WorkbookRef, extension: str = "xlsx") -> bytes:
        path = self.source_path(ref)
        if extension != "xlsx":  # a companion file, beside the workbook (see write_file)
            path = self.path(ref).with_suffix(f".{extension}")
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise BackendError(f"Le classeur {path} est introuvable.") from exc
        except OSError as exc:
            raise BackendError(f"Lecture impossible de {path} ({os_reason(exc)}).") from exc

    def versions(self, collective: str, kind: Kind) -> dict[WorkbookRef, str]:
        if kind == Kind.PERSONAL:
            return self._personal_versions(collective)
        if kind in STRUCTURE_KINDS:
            return self._structure_versions(collective, kind)
        return self._versions(self.folder(collective, kind), collective, kind)

    def _structure_versions(self, collective: str, kind: Kind) -> dict[WorkbookRef, str]:
        """Restitutions and « À corriger » workbooks, from every structure's folder."""
        found: dict[WorkbookRef, str] = {}
        try:
            folders = [e.name for e in os.scandir(self.data_dir / collective / STRUCTURES_DIR)]
        except (FileNotFoundError, NotADirectoryError):
            return found
        for structure in sorted(folders):
            folder = self.structure_folder(collective, structure)
            for ref, token in self._versions(folder, collective, kind).items():
                if kind == Kind.TO_FIX and ref.name == TO_FIX_FILE[: -len(".xlsx")]:
                    found[WorkbookRef(collective, kind, structure)] = token
                elif kind == Kind.RESTITUTION and ref.name != TO_FIX_FILE[: -len(".xlsx")]:
                    found[restitution_ref(collective, structure, ref.name)] = token
        return found

    def _personal_versions(self, collective: str) -> dict[WorkbookRef, str]:
        """Respondents' personal files, from each structure's folder beside the grids."""
        found: dict[WorkbookRef, str] = {}
        grids = self.folder(collective, Kind.GRID)
        try:
            folders = [e.name for e in os.scandir(grids) if e.is_dir()]
        except (FileNotFoundError, NotADirectoryError):
            return found
        for structure in sorted(folders):
            for ref, token in self._versions(grids / structure, collective, Kind.PERSONAL).items():
                found[WorkbookRef(collective, Kind.PERSONAL, f"{structure}/{ref.name}")] = token
        return found

    def _versions(self, folder: Path, collective: str, kind: Kind) -> dict[WorkbookRef, str]:
        wanted = SINGLE_FILES.get(kind)
        found: dict[WorkbookRef, str] = {}
        remove_stale_temporaries(folder)
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            return found
        formats = GRID_FORMATS if kind == Kind.GRID else (".xlsx",)
        names = {e.name for e in entries}
        for entry in entries:
            if not is_workbook_name(entry.name, formats) or (wanted and entry.name != wanted):
                continue
            try:
                if not entry.is_file():
                    continue
                stat = entry.stat()
            except FileNotFoundError:  # replaced or removed while listing
                continue
            name = "" if wanted else _grid_name(entry.name, names)
            found[WorkbookRef(collective, kind, name)] = f"{stat.st_size}:{stat.st_mtime_ns}"
        return found

    # -- writing ------------------------------------------------------------
    def write(self, ref: WorkbookRef, spec: WorkbookSpec) -> None:
        from capsync.render.xlsx import render_xlsx_bytes  # XlsxWriter: only to write

        self.write_bytes(ref, render_xlsx_bytes(spec))

    def write_bytes(self, ref: WorkbookRef, content: bytes) -> None:
        """Put ``content`` in place of the workbook atomically, unless a person has it open."""
        target = self.path(ref)
        if self.is_locked(ref):
            raise FileLocked(locked_message(str(target)))
        replaced = self.source_path(ref)
        _atomic_write(target, content)
        log.debug("wrote %s (%d bytes)", target, len(content))
        if replaced != target and replaced in self._backed_up:
            # the .ods/.xls this .xlsx replaces is kept in the backups: one grid in place
            replaced.unlink(missing_ok=True)

    def write_cells(self, ref: WorkbookRef, cells: Mapping[CellAt, RawValue]) -> None:
        """Never: a file is replaced whole (:meth:`write_bytes`), after a dated backup."""
        raise BackendError(
            f"Le classeur {self.path(ref)} est un fichier : il se remplace en entier "
            "(capsync import), il ne se complète pas cellule par cellule."
        )

    def refresh_review_columns(
        self,
        ref: WorkbookRef,
        cells: Mapping[CellAt, str],
        editors: Mapping[tuple[str, str], tuple[str, ...]],
    ) -> None:
        """Never: a file is rebuilt around its values (:mod:`capsync.jobs.review_refresh`)."""
        self.write_cells(ref, dict(cells))

    def attachable(self, ref: WorkbookRef, extension: str) -> bool:
        return self.path(ref).with_suffix(f".{extension}").is_file()

    def write_file(self, ref: WorkbookRef, extension: str, content: bytes) -> None:
        """A companion file of a workbook (the calendar's .ics, a restitution's .pdf)."""
        target = self.path(ref).with_suffix(f".{extension}")
        if any(lock.exists() for lock in lock_files(target)):
            raise FileLocked(locked_message(str(target)))
        _atomic_write(target, content)

    def backup(self, ref: WorkbookRef, stamp: dt.datetime) -> str:
        source = self.source_path(ref)
        if not source.is_file():
            raise BackendError(f"Impossible de sauvegarder {source} : le fichier n'existe pas.")
        folder = self.data_dir / ref.collective / BACKUPS_DIR
        base = f"{source.stem}-{stamp:%Y%m%d-%H%M%S}"
        suffix = source.suffix.lower() or ".xlsx"  # an .ods is kept as an .ods
        target = folder / f"{base}{suffix}"
        n = 2
        while target.exists():
            target = folder / f"{base}-{n}{suffix}"
            n += 1
        _atomic_write(target, self.read_bytes(ref))
        try:
            shutil.copystat(source, target)
        except OSError as exc:
            raise data_folder_error(exc, target) from exc
        log.info("backup of %s kept as %s", source, target)
        self._backed_up.add(source)
        return str(target)

    def archive_grid(self, ref: WorkbookRef, campaign: str) -> str:
        """``grilles/<id>.xlsx`` → ``archives/<campaign>/<id>-<campaign>.xlsx``, read-only;
        the personal files' folder ``grilles/<id>/`` likewise, beside it."""
        source = self.source_path(ref)
        if self.is_locked(ref):
            raise FileLocked(locked_message(str(source)))
        folder = self.data_dir / ref.collective / ARCHIVES_DIR / campaign
        target = folder / f"{source.stem}-{campaign}{source.suffix.lower()}"
        personal = self.folder(ref.collective, Kind.GRID) / ref.structure
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if target.exists():
                raise BackendError(
                    f"L'archive {target} existe déjà : la campagne « {campaign} » de cette "
                    "structure a déjà été close. Rien n'a été déplacé."
                )
            moved = [(source, target)] if source.is_file() else []
            if personal.is_dir():
                moved.append((personal, folder / f"{ref.structure}-{campaign}-individuelles"))
            for old, new in moved:
                os.replace(old, new)
                for path in [new, *new.rglob("*")]:
                    path.chmod(0o555 if path.is_dir() else 0o444)
        except OSError as exc:
            raise data_folder_error(exc, target) from exc
        log.info("grid %s archived as %s", ref, target)
        return str(target)


def _grid_name(file_name: str, names: set[str]) -> str:
    """The name a listed file goes by: its stem (« aci-une ») for the .xlsx, or for the
    first .ods/.xls of a stem with no .xlsx beside it; the whole file name for any other
    (a duplicate the pull reports rather than reads)."""
    stem, _, suffix = file_name.rpartition(".")
    if f".{suffix.lower()}" == ".xlsx":
        return stem
    if any(f"{stem}{s}" in names for s in (".xlsx", ".XLSX")):
        return file_name
    others = [f"{stem}{s}" for s in GRID_FORMATS[1:] if f"{stem}{s}" in names]
    return stem if others and others[0] == file_name else file_name


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

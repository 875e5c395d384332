"""Read every sheet of an .xlsx file into plain Python values, fast (python-calamine).

Values come back as calamine gives them — str, float (also for whole numbers:
parsing decides what a number means), bool, date/datetime/time — with empty
cells and empty strings as None. Rows and columns keep their positions: the
empty area at the top-left is *not* skipped, so (row, col) indices match the
sheet's cells.

Two things are checked before calamine is asked, because calamine cannot be
trusted with them: the extent of each sheet (a single value typed far away, at
XFD1048576, makes calamine allocate the whole rectangle and abort the process
— not an exception, the end of the daemon), and the file's accessibility (a
file being copied, held by an antivirus or a OneDrive placeholder is not a
broken file: it is :class:`BackendUnavailable`, read again at the next pull).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

from capsync.errors import BackendError, BackendUnavailable
from capsync.workbook.refs import RawWorkbook
from capsync.workbook.spec import column_letter

MAX_ROWS = 5_000  # a grid has a few hundred rows; beyond this a far cell was typed by mistake
MAX_COLUMNS = 300

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([^"]*)"')
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s>/]")
_ROW_REF = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="(\d+)"')
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]{1,3})(\d+)"')
_A1 = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")
_HEAD = 8_192  # bytes: the <dimension> element comes before any cell
_CHUNK = 1 << 20


def _clean(value: Any) -> Any:
    return None if value == "" else value


def read_workbook(path: Path) -> RawWorkbook:
    """Every sheet of the workbook at ``path``, hidden ones included, in sheet order.

    Raise :class:`BackendUnavailable` when the file cannot be opened now (retry
    later) and :class:`BackendError` when it is not a readable workbook or holds
    a sheet too large to be a grid.
    """
    path = Path(path)
    if not path.exists():
        raise BackendError(f"Le classeur {path} est introuvable.")
    try:
        with zipfile.ZipFile(path) as archive:
            _check_extent(path, archive)
        workbook = CalamineWorkbook.from_path(str(path))
        try:
            raw: RawWorkbook = {}
            for name in workbook.sheet_names:
                rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
                raw[name] = [[_clean(v) for v in row] for row in rows]
        finally:
            workbook.close()
    except BackendError:
        raise
    except OSError as exc:  # permission, antivirus, placeholder, file being replaced
        raise BackendUnavailable(
            f"Le fichier {path} n'a pas pu être lu (fichier occupé ou inaccessible) : "
            "il sera relu au prochain passage."
        ) from exc
    except Exception as exc:  # calamine raises several kinds; all mean "unreadable"
        name = "ValueError" if isinstance(exc, zipfile.BadZipFile) else type(exc).__name__
        raise BackendError(
            f"Le fichier {path} n'est pas un classeur Excel lisible (.xlsx) : "
            f"il est peut-être abîmé ou d'un autre format ({name})."
        ) from exc
    return _trim(raw)


def too_far_message(path: Path, sheet: str, cell: str) -> str:
    return (
        f"Le fichier {path} : l'onglet « {sheet} » contient une cellule remplie très loin "
        f"({cell}) ; effacez-la (Ctrl+Fin montre la dernière cellule) puis enregistrez."
    )


def _check_extent(path: Path, archive: zipfile.ZipFile) -> None:
    """Refuse a sheet whose last cell is far beyond any grid, before calamine sees it."""
    for sheet, part in _sheet_parts(archive):
        try:
            info = archive.getinfo(part)
        except KeyError:
            continue  # calamine will say the file is broken
        rows, cols = _extent(archive, info)
        if rows > MAX_ROWS or cols > MAX_COLUMNS:
            cell = f"{column_letter(max(cols, 1) - 1)}{max(rows, 1)}"
            raise BackendError(too_far_message(path, sheet, cell))


def _sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, worksheet part in the zip) in workbook order, from workbook.xml and rels."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return []  # not a workbook calamine can read either: it says so
    targets: dict[str, str] = {}
    for rel in rels.iter(f"{_PKG}Relationship"):
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        targets[rel.get("Id", "")] = posixpath.normpath(part)
    parts = []
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        found = targets.get(sheet.get(f"{_REL}id", ""))
        if found:
            parts.append((sheet.get("name", ""), found))
    return parts


def _extent(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
    """(last row, last column), 1-based, of one worksheet part: its <dimension>, else a scan."""
    with archive.open(info) as stream:
        head = stream.read(1_024)  # usually enough: <dimension> is the sheet's second element
        if not _DIMENSION.search(head) and not _SHEET_DATA.search(head):
            head += stream.read(_HEAD - len(head))
        data_at = _SHEET_DATA.search(head)
        match = _DIMENSION.search(head, 0, data_at.start() if data_at else len(head))
        if match:
            last = match.group(1).decode("ascii", "replace").split(":")[-1]
            cell = _A1.match(last.strip().upper())
            if cell:
                return int(cell.group(2)), _column_number(cell.group(1))
        return _scan(head, stream)


def _scan(head: bytes, stream: Any) -> tuple[int, int]:
    """The last row and column referenced by the sheet's cells, read in streamed chunks."""
    rows = cols = 0
    tail = b""
    chunk = head
    while chunk:
        text = tail + chunk
        for match in _ROW_REF.finditer(text):
            rows = max(rows, int(match.group(1)))
        for match in _CELL_REF.finditer(text):
            rows = max(rows, int(match.group(2)))
            cols = max(cols, _column_number(match.group(1).decode()))
        tail = text[-64:]  # a reference cut by the chunk's end is found in the next round
        chunk = stream.read(_CHUNK)
    return rows, cols


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _trim(raw: RawWorkbook) -> RawWorkbook:
    """Drop trailing empty cells and rows so that two reads of one content compare equal."""
    for name, rows in raw.items():
        trimmed = []
        for row in rows:
            end = len(row)
            while end and row[end - 1] is None:
                end -= 1
            trimmed.append(row[:end])
        while trimmed and not trimmed[-1]:
            trimmed.pop()
        raw[name] = trimmed
    return raw

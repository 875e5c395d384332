"""Read every sheet of a workbook into plain Python values, fast (python-calamine).

A grid may come back as .xlsx, .ods (LibreOffice's own format) or .xls, under
any name: the format is told by the file's content (:func:`workbook_format`).
Cells whose formula shows an error come back as
:class:`~capsync.workbook.cell_error.CellError` (calamine gives them as empty,
which would lose what was typed).

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

import html
import posixpath
import re
import zipfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

from capsync.backends.ods_read import ods_scan
from capsync.errors import BackendError, BackendUnavailable
from capsync.workbook.cell_error import CellError
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


Errors = dict[str, list[tuple[int, int, CellError]]]  # sheet → (row, col, error), 0-based


def read_workbook(path: Path, skip: Collection[str] = ()) -> RawWorkbook:
    """Every sheet of the workbook at ``path``, hidden ones included, in sheet order, but
    those named in ``skip``: never decompressed, checked or returned.

    Raise :class:`BackendUnavailable` when the file cannot be opened now (retry
    later) and :class:`BackendError` when it is not a readable workbook or holds
    a sheet too large to be a grid.
    """
    path = Path(path)
    if not path.exists():
        raise BackendError(f"Le classeur {path} est introuvable.")
    try:
        errors: Errors = {}
        with _opened(path) as archive:  # one opening for the format, the extent and the errors
            kind = workbook_format(path, archive)
            if kind == XLSX and archive is not None:
                parts = _sheet_parts(archive)  # workbook.xml and its rels, parsed once
                wanted = [(sheet, part) for sheet, part in parts if sheet not in skip]
                errors = _xlsx_checks(path, archive, wanted)
        if kind == ODS:
            errors, extents = ods_scan(path)
            for sheet, (last_row, last_col) in extents.items():
                if sheet not in skip and (last_row > MAX_ROWS or last_col > MAX_COLUMNS):
                    cell = f"{column_letter(max(last_col, 1) - 1)}{max(last_row, 1)}"
                    raise BackendError(too_far_message(path, sheet, cell))
        if kind == XLSX and path.suffix.lower() == ".xlsx":
            workbook = CalamineWorkbook.from_path(str(path))
        else:  # by content, whatever the extension: an .ods saved as « grille.xlsx »
            with path.open("rb") as handle:
                workbook = CalamineWorkbook.from_filelike(handle)
        try:
            raw: RawWorkbook = {}
            for name in workbook.sheet_names:
                if name in skip:
                    continue
                rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
                raw[name] = _trimmed(rows)
        finally:
            workbook.close()
        _put_errors(raw, errors)
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
            f"Le fichier {path} n'est pas un classeur lisible (.xlsx, .ods ou .xls) : "
            f"il est peut-être abîmé ou d'un autre format ({name})."
        ) from exc
    return raw


def _trimmed(rows: list[list[Any]]) -> list[list[Any]]:
    """Calamine's rows with empty cells as None, trailing empty cells and rows dropped.

    Trimmed so that two reads of one content compare equal. One pass per row,
    trailing cells cut before the others are looked at: the error cells put in
    afterwards (:func:`_put_errors`) extend a row as far as they need.
    """
    out = []
    for row in rows:
        end = len(row)
        while end and (row[end - 1] == "" or row[end - 1] is None):
            end -= 1
        out.append([None if v == "" else v for v in row[:end]])
    while out and not out[-1]:
        out.pop()
    return out


XLSX, ODS, XLS = "xlsx", "ods", "xls"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the header of an .xls (and other old Office files)
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


@contextmanager
def _opened(path: Path) -> Iterator[zipfile.ZipFile | None]:
    """The file as a zip archive, or None when it is not one (an .xls, a broken file)."""
    with Path(path).open("rb") as handle:
        if handle.read(2) != b"PK":
            yield None
            return
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        yield None
        return
    with archive:
        yield archive


def workbook_format(path: Path, archive: zipfile.ZipFile | None = None) -> str:
    """« xlsx », « ods » or « xls », from the file's content, never from its name.

    ``archive`` is the file already opened as a zip, if it is one (read_workbook's).
    Raise :class:`BackendError` for anything else (a PDF, a Word file, a text file).
    """
    if archive is None:
        with _opened(path) as opened:
            if opened is not None:
                return workbook_format(path, opened)
        with Path(path).open("rb") as handle:
            head = handle.read(8)
        if head == _OLE:
            return XLS
    else:
        names = set(archive.namelist())
        if "mimetype" in names and archive.read("mimetype").strip() == _ODS_MIME:
            return ODS
        if "xl/workbook.xml" in names:
            return XLSX
    raise BackendError(
        f"Le fichier {path} n'est pas un classeur (.xlsx, .ods ou .xls) : il est peut-être "
        "abîmé ou d'un autre type (PDF, document texte…). Enregistrez la grille depuis le "
        "tableur au format Excel (.xlsx) ou OpenDocument (.ods)."
    )


_ERROR_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ATTR_R = re.compile(rb'\sr="([A-Z]{1,3})(\d+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*>(.*?)</(?:\w+:)?f>", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_ERROR_MARK = b't="e"'
_MARK_OVERLAP = len(_ERROR_MARK) - 1  # a mark cut by a chunk's end is found across it
_SCAN_CHUNK = 1 << 16


def _xlsx_checks(path: Path, archive: zipfile.ZipFile, parts: list[tuple[str, str]]) -> Errors:
    """Refuse a sheet filled far away, then find the cells showing a formula error.

    Each worksheet part is opened once: its head gives the sheet's extent
    (:func:`_head_extent`), and the rest of the same stream is searched for an
    error cell in 64 KiB chunks (:func:`_marked`): chunks that stay in the
    processor's cache cost about a quarter less than decompressing the part
    whole and searching it (measured on the benchmark's grids). Only a part
    that holds one (rarely any) is read whole and parsed. Every extent is still
    checked before any error cell is read, and what reading a part raised is
    raised only then, as it always was: a sheet filled far away is named even
    when another part is damaged.
    """
    scanned: list[tuple[str, str, bool | Exception]] = []
    for sheet, part in parts:
        try:
            info = archive.getinfo(part)
        except KeyError:
            continue  # calamine will say the file is broken
        marked: bool | Exception = True  # without <dimension>: read whole below
        with archive.open(info) as stream:
            extent, head = _head_extent(stream)
            if extent is None:  # no <dimension>: the scan reads the whole part
                extent = _scan(head, stream)
            else:
                try:
                    marked = _marked(head, stream)
                except Exception as exc:  # raised below, after every extent is checked
                    marked = exc
        rows, cols = extent
        if rows > MAX_ROWS or cols > MAX_COLUMNS:
            cell = f"{column_letter(max(cols, 1) - 1)}{max(rows, 1)}"
            raise BackendError(too_far_message(path, sheet, cell))
        scanned.append((sheet, part, marked))
    found: Errors = {}
    for sheet, part, marked in scanned:
        if isinstance(marked, Exception):
            raise marked
        if marked:
            data = archive.read(part)
            cells = _error_cells(data) if _ERROR_MARK in data else []
            if cells:
                found[sheet] = cells
    return found


def _marked(head: bytes, stream: IO[bytes]) -> bool:
    """Whether a worksheet part holds the mark of an error cell (``t="e"``), read to its end.

    The stream is read to its end even after a mark, so that a damaged part
    fails here (checksum) as it would when read whole.
    """
    found = _ERROR_MARK in head
    tail = head[-_MARK_OVERLAP:]
    while chunk := stream.read(_SCAN_CHUNK):
        if not found:
            found = _ERROR_MARK in tail + chunk[:_MARK_OVERLAP] or _ERROR_MARK in chunk
        tail = chunk[-_MARK_OVERLAP:]
    return found


def _error_cells(data: bytes) -> list[tuple[int, int, CellError]]:
    """The cells of one worksheet part that show a formula error (``t="e"``), with their formula."""
    found = []
    for match in _ERROR_CELL.finditer(data):
        attributes, body = match.group(1), match.group(2) or b""
        ref = _ATTR_R.search(attributes)
        if _ERROR_MARK not in attributes or ref is None:
            continue
        value = _VALUE.search(body)
        formula = _FORMULA.search(body)
        shown = html.unescape(value.group(1).decode()) if value else "#ERREUR"
        typed = f"={html.unescape(formula.group(1).decode())}" if formula else ""
        row, col = int(ref.group(2)) - 1, _column_number(ref.group(1).decode()) - 1
        found.append((row, col, CellError(shown, typed)))
    return found


def _put_errors(raw: RawWorkbook, errors: Errors) -> None:
    """Put each error cell in place of the empty value the reader gave for it."""
    for sheet, cells in errors.items():
        rows = raw.get(sheet)
        if rows is None:
            continue
        for r, c, error in cells:
            while len(rows) <= r:
                rows.append([])
            row = rows[r]
            if len(row) <= c:
                row.extend([None] * (c + 1 - len(row)))
            if row[c] is None:
                row[c] = error


def too_far_message(path: Path, sheet: str, cell: str) -> str:
    return (
        f"Le fichier {path} : l'onglet « {sheet} » contient une cellule remplie très loin "
        f"({cell}) ; effacez-la (Ctrl+Fin montre la dernière cellule) puis enregistrez."
    )


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


def _head_extent(stream: IO[bytes]) -> tuple[tuple[int, int] | None, bytes]:
    """(last row, last column), 1-based, from a worksheet's <dimension>, and the bytes read.

    None when the head has no usable <dimension>: the caller scans the cells.
    """
    head = stream.read(1_024)  # usually enough: <dimension> is the sheet's second element
    if not _DIMENSION.search(head) and not _SHEET_DATA.search(head):
        head += stream.read(_HEAD - len(head))
    data_at = _SHEET_DATA.search(head)
    match = _DIMENSION.search(head, 0, data_at.start() if data_at else len(head))
    if match:
        last = match.group(1).decode("ascii", "replace").split(":")[-1]
        cell = _A1.match(last.strip().upper())
        if cell:
            return (int(cell.group(2)), _column_number(cell.group(1))), head
    return None, head


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

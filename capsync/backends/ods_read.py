"""What python-calamine cannot be trusted with in an .ods file, found in one streamed pass.

Two things, as for .xlsx files (:mod:`capsync.backends.xlsx_read`): the extent
of each sheet (a value typed far away makes calamine allocate the whole
rectangle and abort), and the cells whose formula shows an error (calamine
gives them as empty). OpenDocument repeats rows and cells
(``number-rows-repeated``), so positions are counted, never guessed.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

from capsync.workbook.cell_error import CellError

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
_CELLS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")

Errors = dict[str, list[tuple[int, int, CellError]]]
Extents = dict[str, tuple[int, int]]  # sheet → (rows, columns) holding a value, 1-based


def _repeat(element: ElementTree.Element, name: str) -> int:
    try:
        return max(1, int(element.get(f"{_TABLE}{name}", "1")))
    except ValueError:
        return 1


def _has_content(cell: ElementTree.Element) -> bool:
    return (
        cell.get(f"{_OFFICE}value-type") is not None
        or cell.get(f"{_TABLE}formula") is not None
        or len(cell) > 0
    )


def _formula(cell: ElementTree.Element) -> str:
    """« of:=1/0 » → « =1/0 »: the formula as a person typed it."""
    text = cell.get(f"{_TABLE}formula", "")
    return text.split(":", 1)[1] if text.startswith(("of:", "oooc:", "msoxl:")) else text


def ods_scan(path: Path) -> tuple[Errors, Extents]:
    """Each sheet's error cells and extent, from ``content.xml`` read as a stream."""
    errors: Errors = {}
    extents: Extents = {}
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as stream:
        sheet, row, last_row, last_col = "", 0, 0, 0
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == f"{_TABLE}table":
                    sheet, row, last_row, last_col = element.get(f"{_TABLE}name", ""), 0, 0, 0
                continue
            if tag == f"{_TABLE}table-row":
                rows = _repeat(element, "number-rows-repeated")
                col = 0
                for cell in element:
                    if cell.tag not in _CELLS:
                        continue
                    cols = _repeat(cell, "number-columns-repeated")
                    if _has_content(cell):
                        last_row = max(last_row, row + rows)
                        last_col = max(last_col, col + cols)
                        if cell.get(f"{_CALCEXT}value-type") == "error":
                            shown = "".join(cell.itertext()).strip() or "#ERREUR"
                            found = errors.setdefault(sheet, [])
                            found.append((row, col, CellError(shown, _formula(cell))))
                    col += cols
                row += rows
                element.clear()
            elif tag == f"{_TABLE}table":
                extents[sheet] = (last_row, last_col)
                element.clear()
    return errors, extents

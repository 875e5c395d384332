"""Error cells are found wherever they fall in a sheet's XML, and a parsed grid crosses
the worker processes' pipe unchanged.

``read_workbook`` looks for error cells (``t="e"``) while it streams each worksheet
part in chunks; a cell whose mark is cut by a chunk's end must still be found.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import openpyxl
import pytest

from capsync.backends.xlsx_read import read_workbook
from capsync.parse.answers import Answer, AnswerKind, ParsedGrid, TextAnswer
from capsync.workbook.cell_error import CellError

MARK = b't="e"'
CHUNK_START = 1_024 + 65_536  # the extent is read from the first KiB, then 64 KiB chunks


def _workbook(path: Path, padding: int) -> None:
    """Long formulas (written inline in the sheet's XML) before a typed « #N/A » in B30."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in range(1, 21):  # about 3 000 characters each: the error lands past 64 KiB
        ws.cell(row, 1).value = '=LEN("' + "x" * 3_000 + '")'
    ws.cell(21, 1).value = '=LEN("' + "y" * padding + '")'
    ws.cell(30, 2).value = "#N/A"  # openpyxl writes it as an error cell: t="e"
    ws.cell(30, 3).value = "après l'erreur"
    wb.save(path)


def _mark_offset(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml").index(MARK)


@pytest.mark.parametrize("cut", [0, 1, 2, 4, 5])
def test_an_error_cell_is_found_even_when_a_chunk_ends_inside_its_mark(
    tmp_path: Path, cut: int
) -> None:
    path = tmp_path / "grille.xlsx"
    padding = 1_000
    for _ in range(5):  # move the mark until ``cut`` of its bytes end the first chunk
        _workbook(path, padding)
        offset = _mark_offset(path)
        if offset == CHUNK_START - cut:
            break
        padding += CHUNK_START - cut - offset
    assert offset == CHUNK_START - cut
    rows = read_workbook(path)["Sheet"]
    assert rows[29][1] == CellError("#N/A")
    assert rows[29][2] == "après l'erreur"
    assert sum(isinstance(v, CellError) for row in rows for v in row) == 1


def test_a_parsed_grid_comes_back_from_a_worker_equal_with_its_answers() -> None:
    parsed = ParsedGrid("collectif-01", "aci-une", "grille.xlsx")
    parsed.answers.append(
        Answer("aci-une", "1.1.1", "r:1", AnswerKind.LEVEL, 3, "3", "Chapitre 1", "E4")
    )
    parsed.texts.append(TextAnswer("aci-une", "1.1.1", "justification", "vu", "Chapitre 1", "R4"))
    back = pickle.loads(pickle.dumps(parsed))
    assert back == parsed
    assert isinstance(back.answers[0], Answer)
    assert back.answers[0].level == 3 and back.answers[0].cell == "E4"

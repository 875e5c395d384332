"""Read every sheet of an .xlsx file into plain Python values, fast (python-calamine).

Values come back as calamine gives them — str, float (also for whole numbers:
parsing decides what a number means), bool, date/datetime/time — with empty
cells and empty strings as None. Rows and columns keep their positions: the
empty area at the top-left is *not* skipped, so (row, col) indices match the
sheet's cells.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from ..errors import BackendError
from .base import RawWorkbook


def _clean(value: Any) -> Any:
    return None if value == "" else value


def read_workbook(path: Path) -> RawWorkbook:
    """Every sheet of the workbook at ``path``, hidden ones included, in sheet order."""
    path = Path(path)
    if not path.exists():
        raise BackendError(f"Le classeur {path} est introuvable.")
    try:
        if not zipfile.is_zipfile(path):
            raise ValueError("not a zip archive")
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
    except Exception as exc:  # calamine raises several kinds; all mean "unreadable"
        raise BackendError(
            f"Le fichier {path} n'est pas un classeur Excel lisible (.xlsx) : "
            f"il est peut-être abîmé ou d'un autre format ({type(exc).__name__})."
        ) from exc
    return _trim(raw)


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

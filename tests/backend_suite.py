"""What every backend must do, written once and run on each (tests/test_backend_suite.py).

A ``Harness`` gives the suite a backend and a way to change a workbook the way
a person would (in Excel for local files, in the browser for Google), so the
same assertions hold for both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from capsync.backends.base import Backend
from capsync.workbook.identity import IDENTITY_SHEET, Identity, identity_from_rows
from capsync.workbook.refs import Kind, WorkbookRef
from capsync.workbook.spec import CellRange, ListValidation, SheetSpec, Style, WorkbookSpec

GRID = WorkbookRef("test-na", Kind.GRID, "aci-une")
OTHER = WorkbookRef("test-na", Kind.GRID, "ai-deux")
DASHBOARD = WorkbookRef("test-na", Kind.DASHBOARD)
IDENTITY = Identity(
    kind="grille",
    collective="test-na",
    structure="aci-une",
    referentiel_id="cap-rse-test",
    referentiel_version="1",
    layout_version=1,
    respondents=("r:sophie", "r:karim"),
)


@dataclass
class Harness:
    backend: Backend
    person_types: Callable[[WorkbookRef, str, int, int, str], None]  # (ref, sheet, row, col, text)


def sample_spec(text: str = "bonjour") -> WorkbookSpec:
    sheet = SheetSpec(
        "Chapitre 1",
        rows=[
            ["ID", "Critère", "Niveau", "Justification", "Échéance"],
            ["1.1.1", text, 3, '=IMPORTXML("http://x")', dt.date(2026, 6, 30)],
            ["1.1.2", "+33 6 12", 2.5, "'apostrophe", None],
            ["1.1.3", "TRUE", None, "1,5", None],
        ],
        header_rows=1,
        column_styles=[Style.LOCKED, Style.LOCKED, Style.INPUT, Style.INPUT, Style.INPUT_DATE],
        validations=[ListValidation(CellRange(1, 2, 3, 2), ("0", "1", "2", "3", "4"))],
        protected=True,
    )
    return WorkbookSpec("Grille de test", [sheet], metadata=IDENTITY.as_metadata())


def expected_values() -> list[list[Any]]:
    """What reading ``sample_spec()`` gives: numbers as floats, text kept as typed."""
    return [
        ["ID", "Critère", "Niveau", "Justification", "Échéance"],
        ["1.1.1", "bonjour", 3.0, '=IMPORTXML("http://x")', dt.date(2026, 6, 30)],
        ["1.1.2", "+33 6 12", 2.5, "'apostrophe"],
        ["1.1.3", "TRUE", None, "1,5"],
    ]


def check_write_then_read_back(h: Harness) -> None:
    assert not h.backend.exists(GRID)
    h.backend.write(GRID, sample_spec())
    assert h.backend.exists(GRID)
    raw = h.backend.read(GRID)
    assert raw["Chapitre 1"] == expected_values()
    assert identity_from_rows(raw[IDENTITY_SHEET]) == IDENTITY


def check_replace_keeps_one_workbook(h: Harness) -> None:
    h.backend.write(GRID, sample_spec("premier"))
    h.backend.write(GRID, sample_spec("second"))
    assert h.backend.read(GRID)["Chapitre 1"][1][1] == "second"
    assert list(h.backend.versions("test-na", Kind.GRID)) == [GRID]


def check_versions_move_when_a_person_edits(h: Harness) -> None:
    h.backend.write(GRID, sample_spec())
    h.backend.write(OTHER, sample_spec())
    before = h.backend.versions("test-na", Kind.GRID)
    assert set(before) == {GRID, OTHER}
    assert h.backend.versions("test-na", Kind.DASHBOARD) == {}
    assert h.backend.versions("test-na", Kind.GRID) == before  # nothing changed
    h.person_types(GRID, "Chapitre 1", 2, 2, "4")
    after = h.backend.versions("test-na", Kind.GRID)
    assert after[GRID] != before[GRID]
    assert after[OTHER] == before[OTHER]
    # Excel stores a typed 4 as a number; a Sheets input cell is « Plain text »: "4".
    assert float(h.backend.read(GRID)["Chapitre 1"][2][2]) == 4.0


def check_backup_keeps_the_old_content(h: Harness) -> None:
    h.backend.write(GRID, sample_spec("avant"))
    where = h.backend.backup(GRID, dt.datetime(2026, 1, 15, 10, 30))
    assert where
    h.backend.write(GRID, sample_spec("après"))
    assert h.backend.read(GRID)["Chapitre 1"][1][1] == "après"
    assert list(h.backend.versions("test-na", Kind.GRID)) == [GRID]  # the copy is no grid


def check_single_workbooks_of_a_collectif(h: Harness) -> None:
    spec = WorkbookSpec("Tableau de bord", [SheetSpec("Synthèse", rows=[["Score", 2.5]])],
                        metadata={"kind": "tableau-de-bord", "collective": "test-na"})  # fmt: skip
    h.backend.write(DASHBOARD, spec)
    assert list(h.backend.versions("test-na", Kind.DASHBOARD)) == [DASHBOARD]
    assert h.backend.read(DASHBOARD)["Synthèse"] == [["Score", 2.5]]
    assert h.backend.location(DASHBOARD)


CHECKS = [
    check_write_then_read_back,
    check_replace_keeps_one_workbook,
    check_versions_move_when_a_person_edits,
    check_backup_keeps_the_old_content,
    check_single_workbooks_of_a_collectif,
]

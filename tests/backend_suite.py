"""What every backend must do, written once and run on each (tests/test_backend_suite.py).

A ``Harness`` gives the suite a backend and the ways a person meets it: typing
in a workbook (in Excel for local files, in the browser for Google), opening
it, opening a backup or a companion file. It also says what the backend is
expected to be (files or not, shared with people or not), so that a backend
that claims the wrong thing fails here rather than in a job.
"""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from capsync.backends.base import Backend
from capsync.errors import BackendError, FileLocked
from capsync.workbook.identity import IDENTITY_SHEET, Identity, identity_from_rows
from capsync.workbook.refs import Kind, RawWorkbook, WorkbookRef
from capsync.workbook.spec import CellRange, ListValidation, SheetSpec, Style, WorkbookSpec
from capsync.workers import process_pool

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


@dataclass(frozen=True)
class Expected:
    """What the backend must declare about itself (see the Backend protocol)."""

    files_are_xlsx: bool
    parallel_workers: bool
    shares_with_people: bool
    opening_locks: bool  # a person opening a workbook keeps capsync from replacing it


@dataclass
class Harness:
    backend: Backend
    expected: Expected
    person_types: Callable[[WorkbookRef, str, int, int, str], None]  # (ref, sheet, row, col, text)
    person_opens: Callable[[WorkbookRef], None]  # opens the workbook, as in Excel or a browser
    read_backup: Callable[[str], RawWorkbook]  # what a person finds at a backup's location
    read_companion: Callable[[WorkbookRef, str], list[bytes]]  # every .ext file beside ref


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
    h.person_types(GRID, "Chapitre 1", 3, 3, "preuve tapée avant la sauvegarde")
    original = h.backend.read(GRID)
    where = h.backend.backup(GRID, dt.datetime(2026, 1, 15, 10, 30))
    h.backend.write(GRID, sample_spec("après"))
    assert h.backend.read(GRID)["Chapitre 1"][1][1] == "après"
    assert h.read_backup(where) == original  # every sheet, the person's typing included
    assert list(h.backend.versions("test-na", Kind.GRID)) == [GRID]  # the copy is no grid


def check_an_archived_grid_is_kept_readable_out_of_the_listing(h: Harness) -> None:
    h.backend.write(GRID, sample_spec("première campagne"))
    h.person_types(GRID, "Chapitre 1", 3, 3, "preuve tapée pendant la première campagne")
    original = h.backend.read(GRID)
    where = h.backend.archive_grid(GRID, "2025-2026")
    assert not h.backend.exists(GRID)
    assert list(h.backend.versions("test-na", Kind.GRID)) == []  # the pull never reads it
    h.backend.write(GRID, sample_spec("deuxième campagne"))
    assert list(h.backend.versions("test-na", Kind.GRID)) == [GRID]
    assert h.backend.read(GRID)["Chapitre 1"][1][1] == "deuxième campagne"
    assert h.read_backup(where) == original  # every typed value still there, to read


def check_single_workbooks_of_a_collectif(h: Harness) -> None:
    spec = WorkbookSpec("Tableau de bord", [SheetSpec("Synthèse", rows=[["Score", 2.5]])],
                        metadata={"kind": "tableau-de-bord", "collective": "test-na"})  # fmt: skip
    h.backend.write(DASHBOARD, spec)
    assert list(h.backend.versions("test-na", Kind.DASHBOARD)) == [DASHBOARD]
    assert h.backend.read(DASHBOARD)["Synthèse"] == [["Score", 2.5]]
    assert h.backend.location(DASHBOARD)


def check_it_says_what_it_is(h: Harness) -> None:
    claimed = (h.backend.files_are_xlsx, h.backend.parallel_workers, h.backend.shares_with_people)
    wanted = h.expected
    assert claimed == (wanted.files_are_xlsx, wanted.parallel_workers, wanted.shares_with_people)
    assert h.backend.name


def check_a_workbook_a_person_has_open_is_never_replaced(h: Harness) -> None:
    h.backend.write(GRID, sample_spec("avant"))
    assert not h.backend.is_locked(GRID)
    h.person_opens(GRID)
    assert h.backend.is_locked(GRID) == h.expected.opening_locks
    if h.expected.opening_locks:
        with pytest.raises(FileLocked):
            h.backend.write(GRID, sample_spec("après"))
        with pytest.raises(FileLocked):
            h.backend.write_bytes(GRID, b"PK\x03\x04")
        assert h.backend.read(GRID)["Chapitre 1"][1][1] == "avant"
    else:  # people edit the live sheet: replacing it keeps their open tab working
        h.backend.write(GRID, sample_spec("après"))
        assert h.backend.read(GRID)["Chapitre 1"][1][1] == "après"
    assert not h.backend.is_locked(OTHER)


def check_whole_xlsx_files_move_only_where_workbooks_are_files(h: Harness) -> None:
    h.backend.write(GRID, sample_spec("premier"))
    h.backend.write(OTHER, sample_spec("second"))
    if h.expected.files_are_xlsx:
        content = h.backend.read_bytes(OTHER)
        assert content.startswith(b"PK\x03\x04")  # an .xlsx is a zip
        h.backend.write_bytes(GRID, content)
        assert h.backend.read_bytes(GRID) == content
        assert h.backend.read(GRID) == h.backend.read(OTHER)
    else:
        with pytest.raises(BackendError, match=r"pas en fichiers \.xlsx"):
            h.backend.read_bytes(OTHER)
        with pytest.raises(BackendError, match=r"pas en fichiers \.xlsx"):
            h.backend.write_bytes(GRID, b"PK\x03\x04")
        assert h.backend.read(GRID)["Chapitre 1"][1][1] == "premier"
    assert set(h.backend.versions("test-na", Kind.GRID)) == {GRID, OTHER}


def check_a_companion_file_is_replaced_in_place(h: Harness) -> None:
    h.backend.write(DASHBOARD, sample_spec())
    h.backend.write_file(DASHBOARD, "ics", b"BEGIN:VCALENDAR\r\nfirst")
    h.backend.write_file(DASHBOARD, "ics", b"BEGIN:VCALENDAR\r\nsecond")
    assert h.read_companion(DASHBOARD, "ics") == [b"BEGIN:VCALENDAR\r\nsecond"]
    assert list(h.backend.versions("test-na", Kind.DASHBOARD)) == [DASHBOARD]  # no workbook


def _read_in_a_worker(backend: Backend, ref: WorkbookRef) -> RawWorkbook:
    return backend.read(ref)


def check_worker_processes_read_what_the_parent_wrote(h: Harness) -> None:
    h.backend.write(GRID, sample_spec())
    if not h.expected.parallel_workers:
        return  # never handed to workers: each would hold a quota of its own
    copy = pickle.loads(pickle.dumps(h.backend))  # how a worker receives it
    assert copy.read(GRID) == h.backend.read(GRID)
    with process_pool(1) as pool:
        assert pool.submit(_read_in_a_worker, h.backend, GRID).result() == h.backend.read(GRID)


CHECKS = [
    check_an_archived_grid_is_kept_readable_out_of_the_listing,
    check_write_then_read_back,
    check_replace_keeps_one_workbook,
    check_versions_move_when_a_person_edits,
    check_backup_keeps_the_old_content,
    check_single_workbooks_of_a_collectif,
    check_it_says_what_it_is,
    check_a_workbook_a_person_has_open_is_never_replaced,
    check_whole_xlsx_files_move_only_where_workbooks_are_files,
    check_a_companion_file_is_replaced_in_place,
    check_worker_processes_read_what_the_parent_wrote,
]

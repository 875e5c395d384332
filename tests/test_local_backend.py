"""The local backend: file places, atomic writes, lock files, listing, backups, reading."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from capsync.backends.local import LocalBackend
from capsync.backends.xlsx_read import read_workbook
from capsync.errors import BackendError, BackendUnavailable, FileLocked
from capsync.workbook.refs import Kind, WorkbookRef, restitution_ref
from capsync.workbook.spec import SheetSpec, WorkbookSpec

GRID = WorkbookRef("na", Kind.GRID, "aci-une")


def _spec(text: str = "bonjour") -> WorkbookSpec:
    return WorkbookSpec("t", [SheetSpec("Feuille", rows=[[text, 3, None, 2.5]])])


def test_paths_of_each_kind(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    assert backend.path(GRID) == tmp_path / "na" / "grilles" / "aci-une.xlsx"
    assert (
        backend.path(WorkbookRef("na", Kind.DASHBOARD)) == tmp_path / "na" / "tableau-de-bord.xlsx"
    )
    assert backend.path(restitution_ref("na", "x", "restitution-2026-03-03")) == (
        tmp_path / "na" / "structures" / "x" / "restitution-2026-03-03.xlsx"
    )
    assert backend.path(WorkbookRef("na", Kind.TO_FIX, "x")) == (
        tmp_path / "na" / "structures" / "x" / "a-corriger.xlsx"
    )
    assert backend.path(WorkbookRef("na", Kind.CALENDAR)) == tmp_path / "na" / "calendrier.xlsx"
    assert backend.location(GRID) == str(tmp_path / "na" / "grilles" / "aci-une.xlsx")


def test_write_then_read_back(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    assert not backend.exists(GRID)
    backend.write(GRID, _spec())
    assert backend.exists(GRID)
    assert backend.read(GRID) == {"Feuille": [["bonjour", 3.0, None, 2.5]]}
    assert os.listdir(backend.path(GRID).parent) == ["aci-une.xlsx"]  # no temporary file left


@pytest.mark.parametrize("lock_name", [".~lock.aci-une.xlsx#", "~$aci-une.xlsx", "~$i-une.xlsx"])
def test_a_file_open_in_a_spreadsheet_is_left_alone(tmp_path: Path, lock_name: str) -> None:
    backend = LocalBackend(tmp_path)
    backend.write(GRID, _spec("avant"))
    before = backend.path(GRID).read_bytes()
    (backend.path(GRID).parent / lock_name).write_text("verrou")
    with pytest.raises(FileLocked) as caught:
        backend.write(GRID, _spec("après"))
    assert str(caught.value) == (
        f"Le fichier {backend.path(GRID)} est ouvert dans un tableur (Excel ou LibreOffice) : "
        "il n'a pas été modifié et sera repris au prochain passage."
    )
    assert backend.path(GRID).read_bytes() == before


def test_versions_lists_workbooks_only_and_changes_with_content(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    assert backend.versions("na", Kind.GRID) == {}
    backend.write(GRID, _spec())
    other = WorkbookRef("na", Kind.GRID, "ai-deux")
    backend.write(other, _spec())
    folder = backend.path(GRID).parent
    for junk in (".~lock.autre.xlsx#", "~$autre.xlsx", ".capsync-x.tmp", "notes.txt"):
        (folder / junk).write_text("x")
    first = backend.versions("na", Kind.GRID)
    assert set(first) == {GRID, other}
    stat = backend.path(GRID).stat()
    assert first[GRID] == f"{stat.st_size}:{stat.st_mtime_ns}"
    time.sleep(0.01)
    backend.write(GRID, _spec("changé, plus long"))
    second = backend.versions("na", Kind.GRID)
    assert second[GRID] != first[GRID] and second[other] == first[other]
    backend.write(WorkbookRef("na", Kind.DASHBOARD), _spec())
    assert list(backend.versions("na", Kind.DASHBOARD)) == [WorkbookRef("na", Kind.DASHBOARD)]


def test_backup_keeps_a_dated_copy(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    backend.write(GRID, _spec())
    stamp = dt.datetime(2025, 6, 11, 15, 30, 5)
    first = backend.backup(GRID, stamp)
    second = backend.backup(GRID, stamp)
    assert first == str(tmp_path / "na" / "sauvegardes" / "aci-une-20250611-153005.xlsx")
    assert second == str(tmp_path / "na" / "sauvegardes" / "aci-une-20250611-153005-2.xlsx")
    assert Path(first).read_bytes() == backend.path(GRID).read_bytes()


def test_unreadable_files_raise_a_french_message(tmp_path: Path) -> None:
    text = tmp_path / "pas-un-classeur.xlsx"
    text.write_text("bonjour")
    with pytest.raises(BackendError) as caught:
        read_workbook(text)
    assert str(caught.value) == (
        f"Le fichier {text} n'est pas un classeur (.xlsx, .ods ou .xls) : il est peut-être "
        "abîmé ou d'un autre type (PDF, document texte…). Enregistrez la grille depuis le "
        "tableur au format Excel (.xlsx) ou OpenDocument (.ods)."
    )
    backend = LocalBackend(tmp_path)
    backend.write(GRID, _spec())
    broken = tmp_path / "tronque.xlsx"
    broken.write_bytes(backend.path(GRID).read_bytes()[:900])
    with pytest.raises(BackendError, match="pas un classeur"):
        read_workbook(broken)
    with pytest.raises(BackendError) as missing:
        read_workbook(tmp_path / "absent.xlsx")
    assert str(missing.value) == f"Le classeur {tmp_path / 'absent.xlsx'} est introuvable."


def _far_cell_workbook(path: Path, cell: str) -> Path:
    """A workbook with a value typed by mistake at ``cell`` (openpyxl writes it sparse)."""
    wb = openpyxl.Workbook()
    wb.active.title = "Mode d'emploi"
    wb.active["A1"] = "Bonjour"
    ws = wb.create_sheet("Chapitre 1")
    ws["A1"], ws[cell] = "1.1.1", "oups"
    wb.save(path)
    return path


def _far_message(path: Path, cell: str) -> str:
    return (
        f"Le fichier {path} : l'onglet « Chapitre 1 » contient une cellule remplie très loin "
        f"({cell}) ; effacez-la (Ctrl+Fin montre la dernière cellule) puis enregistrez."
    )


@pytest.mark.parametrize("cell", ["XFD1048576", "A1048576", "KU1", "A5001"])
def test_a_value_typed_far_away_is_refused_before_it_is_read(tmp_path: Path, cell: str) -> None:
    # XFD1048576 handed to python-calamine aborts the whole process: this test would crash.
    path = _far_cell_workbook(tmp_path / "loin.xlsx", cell)
    started = time.perf_counter()
    with pytest.raises(BackendError) as caught:
        read_workbook(path)
    assert str(caught.value) == _far_message(path, cell)
    assert time.perf_counter() - started < 1


def test_a_sheet_without_dimension_is_measured_by_its_cells(tmp_path: Path) -> None:
    path = _far_cell_workbook(tmp_path / "loin.xlsx", "XFD1048576")
    stripped = tmp_path / "sans-dimension.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(stripped, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b'<dimension ref="A1:XFD1048576" />', b"")
            dst.writestr(item, data)
    with zipfile.ZipFile(stripped) as check:
        assert b"<dimension" not in check.read("xl/worksheets/sheet2.xml")
    with pytest.raises(BackendError) as caught:
        read_workbook(stripped)
    assert str(caught.value) == _far_message(stripped, "XFD1048576")


def test_a_workbook_at_the_size_limit_is_read(tmp_path: Path) -> None:
    path = _far_cell_workbook(tmp_path / "grand.xlsx", "KN5000")  # column 300, row 5000
    raw = read_workbook(path)
    assert raw["Chapitre 1"][4999][299] == "oups"


def test_a_file_that_cannot_be_opened_now_is_retried_not_called_broken(tmp_path: Path) -> None:
    held = tmp_path / "en-cours-de-copie.xlsx"
    held.mkdir()  # an OSError on opening, as a file held by an antivirus or OneDrive gives
    with pytest.raises(BackendUnavailable) as caught:
        read_workbook(held)
    assert str(caught.value) == (
        f"Le fichier {held} n'a pas pu être lu (fichier occupé ou inaccessible) : "
        "il sera relu au prochain passage."
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its permissions")
def test_a_file_without_read_permission_is_retried(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    backend.write(GRID, _spec())
    backend.path(GRID).chmod(0)
    with pytest.raises(BackendUnavailable, match="fichier occupé ou inaccessible"):
        backend.read(GRID)


WRITER = """
import sys
from pathlib import Path
from capsync.workbook.refs import Kind, WorkbookRef
from capsync.backends.local import LocalBackend
from capsync.workbook.spec import SheetSpec, WorkbookSpec

backend = LocalBackend(Path(sys.argv[1]))
ref = WorkbookRef("na", Kind.GRID, "aci-une")
rows = [[f"cellule {r}-{c}" for c in range(30)] for r in range(1500)]
n = 0
print("ready", flush=True)
while True:
    n += 1
    rows[0][0] = f"version {n}"
    backend.write(ref, WorkbookSpec("big", [SheetSpec("Grande", rows=rows)]))
"""


def test_a_killed_writer_never_leaves_a_broken_grid(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    backend.write(GRID, _spec("initial"))
    rng = random.Random(1234)
    deadline = time.monotonic() + 10
    for _ in range(5):
        if time.monotonic() > deadline:
            break
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 0.8))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
        raw = read_workbook(backend.path(GRID))  # opens: old or new content, never half
        assert list(raw) in (["Feuille"], ["Grande"])
        assert set(backend.versions("na", Kind.GRID)) == {GRID}


def test_excel_owner_file_of_a_seven_character_name_is_seen(tmp_path: Path) -> None:
    """Excel opening « aci-une.xlsx » (7 characters before .xlsx) leaves « ~$ci-une.xlsx »."""
    backend = LocalBackend(tmp_path)
    backend.write(GRID, _spec("avant"))
    lock = backend.path(GRID).parent / "~$ci-une.xlsx"
    lock.write_bytes(b"\x06Sophie" + b" " * 47)
    assert backend.is_locked(GRID)
    with pytest.raises(FileLocked):
        backend.write(GRID, _spec("après"))
    lock.unlink()
    assert not backend.is_locked(GRID)


def test_each_structure_s_results_are_listed_from_its_own_folder(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    spec = WorkbookSpec(title="x", sheets=[SheetSpec(name="A", rows=[["a"]])])
    backend.write(restitution_ref("na", "aci-une", "restitution-2026-03-03"), spec)
    backend.write(restitution_ref("na", "ai-deux", "restitution-cloture-2026-07-01"), spec)
    backend.write(WorkbookRef("na", Kind.TO_FIX, "aci-une"), spec)
    assert sorted(backend.versions("na", Kind.RESTITUTION)) == [
        restitution_ref("na", "aci-une", "restitution-2026-03-03"),
        restitution_ref("na", "ai-deux", "restitution-cloture-2026-07-01"),
    ]
    assert list(backend.versions("na", Kind.TO_FIX)) == [WorkbookRef("na", Kind.TO_FIX, "aci-une")]
    assert backend.versions("other", Kind.TO_FIX) == {}
    assert sorted(p.name for p in (tmp_path / "na" / "structures" / "aci-une").iterdir()) == [
        "a-corriger.xlsx", "restitution-2026-03-03.xlsx"
    ]  # fmt: skip

"""Faults an admin's machine really meets: kill -9 in the middle of a command, a full disk.

Each command runs in its own process, as under cron. After a fault, the next
run must say what happened in French (exit 1) or just work (exit 0), never
show a traceback, and nothing any person typed may be lost: every value typed
into a grid is still in its grid and in the store.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from capsync.cli import main

from .example_campaign import copy_example
from .filled_grids import find_col, find_row

TYPED = "3 - Maîtrisé"


def capsync(config: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "capsync", "--config", str(config), *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


MOMENTS = (0.45, 0.65, 0.85)  # of an uncut run's duration: while reading, storing, writing
KILLS = 1 + len(MOMENTS)  # per command: one uncut run to time, then one kill per moment


def timed(config: Path, *args: str) -> float:
    """Run ``capsync ARGS`` to its end; how long it took (it includes the start-up)."""
    started = time.monotonic()
    assert_clean(capsync(config, *args))
    return time.monotonic() - started


def killed_after(config: Path, delay: float, *args: str) -> bool:
    """Start ``capsync ARGS``, kill -9 it after ``delay`` s; False if it had already ended."""
    process = subprocess.Popen(
        [sys.executable, "-m", "capsync", "--config", str(config), *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(delay)
    ended = process.poll() is not None
    if not ended:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return not ended


def grids(data: Path) -> list[Path]:
    return sorted(p for p in data.glob("*/grilles/*.xlsx") if not p.name.startswith("~"))


def type_in(path: Path, criterion: str, value: str) -> None:
    """A person types ``value`` as the first respondent's level and saves."""
    book = openpyxl.load_workbook(path)
    sheet = book["Chapitre 1"]
    key = next(sheet.cell(2, c).value for c in range(1, sheet.max_column + 1)
               if str(sheet.cell(2, c).value or "").startswith("r:"))  # fmt: skip
    sheet.cell(find_row(sheet, criterion), find_col(sheet, key)).value = value
    book.save(path)


def typed_value(path: Path, criterion: str) -> object:
    sheet = openpyxl.load_workbook(path, read_only=False)["Chapitre 1"]
    key = next(sheet.cell(2, c).value for c in range(1, sheet.max_column + 1)
               if str(sheet.cell(2, c).value or "").startswith("r:"))  # fmt: skip
    return sheet.cell(find_row(sheet, criterion), find_col(sheet, key)).value


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == 0, result.stdout + result.stderr


def assert_nothing_lost(config: Path, data: Path, criterion: str) -> None:
    """Every grid opens and holds the typed value; the store has it in each history."""
    for path in grids(data):
        assert CalamineWorkbook.from_path(str(path)).sheet_names
        assert typed_value(path, criterion) == TYPED, path
    for path in grids(data):  # in this process: one command per grid, read only
        history = CliRunner().invoke(main, ["--config", str(config), "history", "--structure",
                                            path.stem])  # fmt: skip
        assert history.exit_code == 0, history.output
        assert any(f"{criterion}  " in line and line.split(" → ")[-1] in (TYPED, TYPED[0])
                   for line in history.output.splitlines()), history.output  # fmt: skip


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The example campaign, generated, one value typed in every grid."""
    folder = tmp_path_factory.mktemp("faults")
    config = copy_example(folder)
    assert_clean(capsync(config, "generate"))
    data = folder / "data"
    for path in grids(data):
        type_in(path, "1.1.1", TYPED)
    yield config, data


def test_kill_9_during_sync_loses_nothing_and_the_next_sync_finishes(
    campaign: tuple[Path, Path],
) -> None:
    config, data = campaign
    before = {p: hashlib.sha256(p.read_bytes()).digest() for p in grids(data)}
    took, kills = timed(config, "sync", "--force"), 0
    for moment in MOMENTS:
        kills += killed_after(config, took * moment, "sync", "--force")
        assert_clean(capsync(config, "sync"))
    assert kills >= 1  # at least one kill landed while it worked
    assert {p: hashlib.sha256(p.read_bytes()).digest() for p in grids(data)} == before
    for path in data.rglob("*.xlsx"):  # every output written opens
        assert CalamineWorkbook.from_path(str(path)).sheet_names, path
    assert_nothing_lost(config, data, "1.1.1")


def test_kill_9_during_pull_loses_nothing(campaign: tuple[Path, Path]) -> None:
    config, data = campaign
    kills = 0
    for attempt in range(KILLS):
        for path in grids(data):  # every grid changed: the pull has them all to read
            type_in(path, "1.1.2", f"{attempt % 5} - essai")
        if attempt == 0:
            took = timed(config, "pull")
            continue
        kills += killed_after(config, took * MOMENTS[attempt - 1], "pull")
        assert_clean(capsync(config, "pull"))
    assert kills >= 1
    assert_nothing_lost(config, data, "1.1.1")


def test_kill_9_during_upgrade_loses_nothing(campaign: tuple[Path, Path]) -> None:
    config, data = campaign
    referentiel = config.parent.parent / "referentiel" / "cap-rse-exemple.yaml"
    text = referentiel.read_text(encoding="utf-8")
    kills = 0
    for attempt in range(KILLS):  # a new version each time: every grid is to be rebuilt
        referentiel.write_text(
            text.replace('version: "2025.1"', f'version: "2025.1-{attempt}"'), encoding="utf-8"
        )
        if attempt == 0:
            took = timed(config, "generate", "--upgrade")
            continue
        kills += killed_after(config, took * MOMENTS[attempt - 1], "generate", "--upgrade")
        assert_clean(capsync(config, "generate", "--upgrade"))
    assert kills >= 1
    assert_nothing_lost(config, data, "1.1.1")


def _mount_tmpfs(folder: Path, size: str) -> str | None:
    """Mount a small tmpfs on ``folder``; why not, when this machine does not allow it."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    return None if done.returncode == 0 else f"mount refused: {done.stderr.strip()}"


def test_a_full_disk_is_said_in_french_and_the_next_run_after_freeing_space_works(
    tmp_path: Path,
) -> None:
    config = copy_example(tmp_path)
    data = tmp_path / "data"
    why = _mount_tmpfs(data, "6m")
    if why:
        pytest.skip(why)
    try:
        assert_clean(capsync(config, "generate"))
        for path in grids(data):
            type_in(path, "1.1.1", TYPED)
        filler = data / "remplissage.bin"
        with filler.open("wb") as handle:  # fill the disk to its last few kilobytes
            try:
                while True:
                    handle.write(b"\0" * 65_536)
                    handle.flush()
            except OSError:
                pass
        full = capsync(config, "sync")
        assert full.returncode == 1, full.stdout + full.stderr
        assert "Traceback" not in full.stdout + full.stderr
        assert "le disque est plein" in full.stdout + full.stderr
        filler.unlink()
        assert_clean(capsync(config, "sync"))
        assert_nothing_lost(config, data, "1.1.1")
    finally:
        subprocess.run(["umount", "-l", str(data)], check=False)

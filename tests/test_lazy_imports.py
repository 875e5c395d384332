"""A cron run where nothing changed loads none of the heavy libraries.

The daemon's common case — ``capsync -q sync`` with no grid changed — reads the
configuration, lists the grids and compares fingerprints. Scoring (pandas,
numpy), rendering (XlsxWriter, fpdf2, icalendar), reading workbooks (calamine),
progress bars (rich) and worker pools (multiprocessing) are for cycles that
have work; loading them costs more than the cycle itself.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .example_campaign import copy_example

HEAVY = (
    "pandas", "numpy", "xlsxwriter", "fpdf", "icalendar", "python_calamine", "rich",
    "multiprocessing", "openpyxl",
)  # fmt: skip


def _capsync(
    config: Path, *args: str, importtime: bool = False
) -> subprocess.CompletedProcess[str]:
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run(
        [sys.executable, *flags, "-m", "capsync", "--config", str(config), *args],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_a_sync_with_nothing_changed_loads_no_heavy_library(tmp_path: Path) -> None:
    config = copy_example(tmp_path)
    for args in (("generate",), ("-q", "sync")):
        done = _capsync(config, *args)
        assert done.returncode == 0, done.stdout + done.stderr
    quiet = _capsync(config, "-q", "sync", importtime=True)
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    loaded = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in quiet.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "capsync" in loaded  # the list is the real one
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))
    # Commands are imported with importlib, which -X importtime does not list: ask Python.
    listing = (
        "import atexit, sys; "
        "atexit.register(lambda: print(*sorted(sys.modules), file=sys.stderr)); "
        "from capsync.cli import main; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", listing, "--config", str(config), "-q", "sync"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    modules = set(done.stderr.split())
    other_commands = {
        f"capsync.cli.{name}"
        for name in ("outputs_cmd", "grids_import", "grids_generate", "google_audit", "check")
    }
    assert "capsync.cli.sync_cmd" in modules  # the list is the real one
    assert modules.isdisjoint(other_commands), sorted(modules & other_commands)

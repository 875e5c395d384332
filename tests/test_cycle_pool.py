"""The cycle's worker pool: the workers read the next collectif's grids and build this one's
dashboard and calendars while the parent writes; what a person finds is the same as when
one process does everything, and the parent never waits for work no worker has started."""

from __future__ import annotations

import copy
import datetime as dt
import os
import shutil
import time
from pathlib import Path

import openpyxl
from python_calamine import CalamineWorkbook

from capsync.backends.local import LocalBackend
from capsync.campaign.validation import load_campaign
from capsync.jobs.generate import generate
from capsync.jobs.sync import run_cycle, state_path
from capsync.store.database import Store
from capsync.store.sync_state import SyncState
from capsync.workers import Pool, Task

from .filled_grids import find_col, find_row
from .grid_campaign import config, write_campaign

NOW = dt.datetime(2025, 5, 20, 9, 0)


def _here() -> str:
    return "taken back by the parent"


def test_a_task_no_worker_started_is_done_by_the_parent() -> None:
    with Pool(1) as pool:
        first = Task(pool, _here, os.getpid)
        pool.get().submit(time.sleep, 0).result()  # one worker, in order: ``first`` is done
        assert isinstance(first.result(), int) and first.result() != os.getpid()  # a worker's
        busy = [Task(pool, _here, time.sleep, 0.3) for _ in range(3)]  # the worker is busy
        waiting = Task(pool, _here, os.getpid)
        assert waiting.result() == "taken back by the parent"
        assert waiting.result() == "taken back by the parent"  # kept, not done twice
        assert all(task.result() in (None, "taken back by the parent") for task in busy)


class OneProcess(LocalBackend):
    """The same folders, read and written by the parent alone (as against an API)."""

    parallel_workers = False


def _campaign(folder: Path) -> Path:
    """Two collectifs: 40 structures (enough for the pool) then 2, one answer typed."""
    cfg = config()
    first = cfg["collectives"][0]
    first["structures"] = [
        {"id": f"s{i:02d}", "name": f"Structure {i}", "type": "ACI"} for i in range(40)
    ]
    second = copy.deepcopy(first)
    second.update(id="test-bis", name="Collectif bis")
    second["structures"] = [{"id": "b1", "name": "Bis Un", "type": "AI"},
                            {"id": "b2", "name": "Bis Deux", "type": "ACI"}]  # fmt: skip
    cfg["collectives"].append(second)
    campaign = write_campaign(folder, cfg=cfg)
    backend = LocalBackend(campaign.data_dir)
    generate(campaign, backend, workers=2, now=NOW)
    for collective, structure in (("test-na", "s07"), ("test-bis", "b2")):
        path = campaign.data_dir / collective / "grilles"
        grid = next(p for p in path.iterdir() if structure in p.name)
        book = openpyxl.load_workbook(grid)
        ws = book["Chapitre 1"]
        ws.cell(find_row(ws, "1.1.1"), find_col(ws, "retenu")).value = "3 - Maîtrisé"
        book.save(grid)
    return folder / "capsync.yaml"


def _sync(config_path: Path, backend_class: type[LocalBackend]) -> dict[str, object]:
    campaign = load_campaign(config_path)
    backend = backend_class(campaign.data_dir)
    with Store.open(campaign.data_dir) as store, SyncState(state_path(campaign.data_dir)) as st:
        report = run_cycle(campaign, backend, store, st, now=NOW)
        answers = sorted(
            (str(r.structure), str(r.criterion), str(r.column), str(r.level))
            for r in store.current_answers().itertuples()
        )
    assert report.ok, report.errors
    data = campaign.data_dir
    seen: dict[str, object] = {"answers": answers}
    for ics in sorted(data.rglob("*.ics")):
        seen[str(ics.relative_to(data))] = ics.read_bytes()
    for board in sorted(data.rglob("tableau-de-bord.xlsx")):
        book = CalamineWorkbook.from_path(str(board))
        seen[str(board.relative_to(data))] = {
            name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names
        }
    return seen


def test_a_cycle_with_workers_gives_what_one_process_gives(tmp_path: Path) -> None:
    config_path = _campaign(tmp_path / "pool")
    shutil.copytree(tmp_path / "pool", tmp_path / "alone")
    pooled = _sync(config_path, LocalBackend)
    alone = _sync(tmp_path / "alone" / "capsync.yaml", OneProcess)
    assert ("s07", "1.1.1", "retenu", "3.0") in pooled["answers"]  # type: ignore[operator]
    assert ("b2", "1.1.1", "retenu", "3.0") in pooled["answers"]  # type: ignore[operator]
    calendars = [k for k in pooled if k.endswith("calendrier.ics") and "structures" in k]
    assert len(calendars) == 42  # every structure's own calendar, built in the workers
    assert pooled == alone


def test_a_calendar_a_worker_cannot_write_is_reported_and_written_next_time(
    tmp_path: Path,
) -> None:
    """The workers write the structures' calendars; one held open is said, not forgotten."""
    config_path = _campaign(tmp_path)
    campaign = load_campaign(config_path)
    backend = LocalBackend(campaign.data_dir)
    folder = campaign.data_dir / "test-na" / "structures" / "s12"
    folder.mkdir(parents=True)
    lock = folder / ".~lock.calendrier.ics#"  # LibreOffice has it open
    lock.write_text("")
    with Store.open(campaign.data_dir) as store, SyncState(state_path(campaign.data_dir)) as st:
        first = run_cycle(campaign, backend, store, st, now=NOW)
        (outcome,) = [c for c in first.collectives if c.collective == "test-na"]
        assert [m for m in outcome.locked if "s12" in m] == [
            f"Le fichier {folder / 'calendrier.ics'} est ouvert dans un tableur (Excel ou "
            "LibreOffice) : il n'a pas été modifié et sera repris au prochain passage."
        ]
        assert not (folder / "calendrier.ics").exists()
        assert (campaign.data_dir / "test-na" / "structures" / "s13" / "calendrier.ics").exists()
        lock.unlink()
        again = run_cycle(campaign, backend, store, st, now=NOW)
    (outcome,) = [c for c in again.collectives if c.collective == "test-na"]
    assert not outcome.locked and (folder / "calendrier.ics").exists()


def test_a_collectif_is_finished_even_when_the_next_one_fails(tmp_path: Path) -> None:
    """Locally a collectif's dashboard and fingerprint come after the next collectif's grids
    are recorded, with that collectif's own outputs: its failure does not undo them."""
    config_path = _campaign(tmp_path)
    campaign = load_campaign(config_path)
    backend = LocalBackend(campaign.data_dir)
    blocked = campaign.data_dir / "test-bis" / "structures"
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_text("un fichier là où le dossier des structures doit être")
    with Store.open(campaign.data_dir) as store, SyncState(state_path(campaign.data_dir)) as st:
        first = run_cycle(campaign, backend, store, st, now=NOW)
        outcomes = {c.collective: c for c in first.collectives}
        assert outcomes["test-na"].error is None and outcomes["test-bis"].error is not None
        board = campaign.data_dir / "test-na" / "tableau-de-bord.xlsx"
        assert str(board) in outcomes["test-na"].written
        again = run_cycle(campaign, backend, store, st, now=NOW)
    outcomes = {c.collective: c for c in again.collectives}
    assert outcomes["test-na"].skipped  # its fingerprint was remembered
    assert outcomes["test-bis"].error is not None  # retried, and said again

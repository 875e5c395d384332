"""A cycle works collectif by collectif: pull one, write its outputs, then the next.

On Google that is what lets the Sheets read and write budgets refill together
(a full cycle takes about the longer of the two, not their sum: measured in
``bench/bench_google.py``); everywhere it means that a collectif whose grids
cannot be read does not hold back the others' new answers. Checked against the
local Google API server (the requests capsync really sends, in their order)
and on local files.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gspread
import pytest
import requests
from google.oauth2.credentials import Credentials

from capsync.backends.google import GoogleBackend
from capsync.backends.google.http import sheets_client
from capsync.backends.local import LocalBackend
from capsync.campaign.validation import Campaign
from capsync.jobs.generate import generate
from capsync.jobs.sync import CycleReport, run_cycle
from capsync.store.database import Store
from capsync.store.sync_state import SyncState
from capsync.workbook.grid_schema import COL_RETAINED
from capsync.workbook.refs import Kind, WorkbookRef
from tests.google_api.fixtures import GoogleApi

from .filled_grids import editing, grid_path, put
from .grid_campaign import config, write_campaign
from .test_google_backend import NOW, google, locate

FIRST, SECOND = "test-na", "test-oc"


def two_collectives(folder: Path, backend: str) -> Campaign:
    """The test campaign with a second collectif of two structures."""
    cfg = config()
    other = copy.deepcopy(cfg["collectives"][0])
    other.update(id=SECOND, name="Second collectif", region="Occitanie")
    for structure, sid in zip(other["structures"], ("aci-trois", "ai-quatre"), strict=True):
        structure.update(id=sid, name=sid.replace("-", " ").title())
    cfg["collectives"].append(other)
    if backend == "google":
        quota = {"root_folder_id": None, "requests_per_minute": 50}
        cfg["backend"] = {"kind": "google", "data_dir": "data", "google": quota}
    return write_campaign(folder, cfg=cfg)


@dataclass
class Sent:
    """The requests capsync sent, in order: (method, path)."""

    log: list[tuple[str, str]]

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        path = (request.path_url or "").split("?", 1)[0]
        self.log.append((request.method or "", path))

    def first(self, method: str, fragment: str) -> int:
        return next(i for i, (m, p) in enumerate(self.log) if m == method and fragment in p)


@dataclass
class OnGoogle:
    camp: Campaign
    api: GoogleApi
    backend: GoogleBackend
    store: Store
    state: SyncState
    person: gspread.Client

    def cycle(self, minutes: int) -> CycleReport:
        return run_cycle(self.camp, self.backend, self.store, self.state,
                         now=NOW + dt.timedelta(minutes=minutes))  # fmt: skip

    def type_retained(self, collective: str, structure: str, criterion: str, level: str) -> None:
        """A structure's contact types a « Niveau retenu » in the browser."""
        ref = WorkbookRef(collective, Kind.GRID, structure)
        raw = self.backend.read(ref)
        row, col = locate(raw["Chapitre 1"], criterion, COL_RETAINED)
        book = self.person.open_by_key(self.backend.file_id(ref))
        book.worksheet("Chapitre 1").update_cell(row + 1, col + 1, level)


@pytest.fixture
def on_google(google_api: GoogleApi, tmp_path: Path) -> Iterator[OnGoogle]:
    camp = two_collectives(tmp_path, "google")
    backend = google(google_api, camp)
    generate(camp, backend, workers=1, now=NOW)
    person = sheets_client(Credentials(token="person"), endpoint=google_api.url)
    with Store(tmp_path / "capsync.sqlite") as store, SyncState(tmp_path / "sync.sqlite") as st:
        yield OnGoogle(camp, google_api, backend, store, st, person)


def test_a_collectif_is_written_before_the_next_one_is_read(on_google: OnGoogle) -> None:
    on_google.type_retained(FIRST, "aci-une", "1.1.1", "3")
    on_google.type_retained(SECOND, "aci-trois", "1.1.1", "2")
    sent = Sent([])
    on_google.backend.session.hooks["response"].append(sent.hook)
    assert on_google.cycle(0).ok
    ids = {
        name: on_google.backend.file_id(WorkbookRef(coll, kind, sid))
        for name, (coll, kind, sid) in {
            "first dashboard": (FIRST, Kind.DASHBOARD, ""),
            "first grid": (FIRST, Kind.GRID, "aci-une"),
            "second grid": (SECOND, Kind.GRID, "aci-trois"),
            "second dashboard": (SECOND, Kind.DASHBOARD, ""),
        }.items()
    }
    read_first = sent.first("GET", f"/spreadsheets/{ids['first grid']}")
    wrote_first = sent.first("POST", f"/spreadsheets/{ids['first dashboard']}:batchUpdate")
    read_second = sent.first("GET", f"/spreadsheets/{ids['second grid']}")
    wrote_second = sent.first("POST", f"/spreadsheets/{ids['second dashboard']}:batchUpdate")
    assert read_first < wrote_first < read_second < wrote_second
    listings = [p for m, p in sent.log if m == "GET" and p.endswith("/drive/v3/files")]
    assert len(listings) == 1  # writing outputs moves no grid: one listing serves the cycle


def test_one_changed_grid_costs_at_most_ten_requests(on_google: OnGoogle) -> None:
    on_google.type_retained(FIRST, "aci-une", "1.1.1", "3")
    assert on_google.cycle(0).ok
    stats = on_google.api.state.stats
    stats.reset()
    assert on_google.cycle(15).ok
    assert stats.total <= 2  # nothing changed: the listing of the grids, no read, no write

    on_google.type_retained(SECOND, "ai-quatre", "1.1.1", "4")
    stats.reset()
    report = on_google.cycle(30)
    assert report.ok and report.pull is not None and report.pull.read == 1
    assert stats.snapshot()["by_kind"].get("read", 0) <= 1 + 2  # k + 2 reads, k = 1
    assert stats.total <= 10, stats.snapshot()["by_method"]
    skipped = {c.collective: c.skipped for c in report.collectives}
    assert skipped == {FIRST: True, SECOND: False}  # the other collectif is not touched
    assert report.pull.structures == ["ai-quatre"]


def test_a_collectif_whose_grids_cannot_be_read_does_not_hold_back_the_others(
    tmp_path: Path,
) -> None:
    camp = two_collectives(tmp_path, "local")
    backend = LocalBackend(camp.data_dir)
    generate(camp, backend, workers=1, now=NOW)
    with Store(tmp_path / "capsync.sqlite") as store, SyncState(tmp_path / "s.sqlite") as st:
        assert run_cycle(camp, backend, store, st, now=NOW).ok
        grids = camp.data_dir / FIRST / "grilles"
        path = grid_path(backend, "aci-trois", SECOND)
        with editing(path) as book:
            put(book["Chapitre 1"], "1.1.1", COL_RETAINED, 4)
        shutil.rmtree(grids)  # the first collectif's grids: a file where the folder should be
        grids.write_text("pas un dossier", encoding="utf-8")
        report = run_cycle(camp, backend, store, st, now=NOW + dt.timedelta(minutes=15))
        assert not report.ok and report.errors["pull"].startswith("Lecture des grilles impossible")
        assert report.pull is not None and report.pull.read == 1  # the second collectif's grid
        assert "aci-trois" in report.pull.structures

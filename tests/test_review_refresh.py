"""A new pair for a chapter reaches the grid in place at the next ``generate``, without --upgrade.

On local files the grid is rebuilt around what was typed (backup first) when
its review headers differ; on the Google test server only the header cells
and the review ranges change, in one batchUpdate, and the new pair is given
the file. Nothing typed is touched; an unchanged configuration reads nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from capsync.backends.google.review_columns import review_requests
from capsync.backends.google.sharing import audit
from capsync.backends.local import LocalBackend
from capsync.campaign.validation import Campaign
from capsync.errors import BackendError
from capsync.jobs.generate import generate
from capsync.jobs.review_refresh import refresh_reviews
from capsync.store.database import STORE_FILE, Store
from capsync.store.sync_state import SyncState
from capsync.workbook.refs import Kind, WorkbookRef
from tests.google_api.fixtures import GoogleApi

from .filled_grids import a1, editing, put
from .grid_campaign import config, write_campaign
from .test_personal_upgrade import with_v2
from .test_review_access import GRID, SA, _google, _protected

NOW = dt.datetime(2026, 3, 2, 9, 0)
LATER = dt.datetime(2026, 3, 9, 9, 0)
PAUL = "contact@ai-deux.fr"
NADIA = "nadia@ai-deux.fr"


def _campaign(folder: Path, pair: tuple[str, str] | None, *, google: bool = False) -> Campaign:
    """aci-une's chapter 2 reviewed by ``pair`` (name, e-mail) from ai-deux."""
    cfg = config([{"name": "Sophie Marchand", "role": "direction", "email": "sophie@aci-une.fr"}])
    coll = cfg["collectives"][0]
    coll["delegates"].append({"name": "Laurent Bessière", "email": "laurent@example.org",
                              "role": "tiers"})  # fmt: skip
    une, deux = coll["structures"]
    une["contacts"] = ["direction@aci-une.fr"]
    deux["contacts"] = [PAUL, NADIA, "paul.pair@ai-deux.fr"]
    if pair is not None:
        name, email = pair
        une["pairs"] = [{"chapter": "2", "name": name, "email": email, "structure": "ai-deux"}]
    if google:
        cfg["backend"] = {"kind": "google", "data_dir": "data",
                          "google": {"requests_per_minute": 50}}  # fmt: skip
    return write_campaign(folder, cfg=cfg)


def _header(path: Path, sheet: str, key: str) -> Any:
    ws = openpyxl.load_workbook(path)[sheet]
    row = next(r for r in ws.iter_rows(min_row=2, max_row=2))  # the hidden key row
    col = next(c.column for c in row if c.value == key)
    return ws.cell(3, col).value


def test_a_new_pair_rewrites_the_local_grid_keeping_every_typed_value(tmp_path: Path) -> None:
    first = _campaign(tmp_path, ("Paul Pair", PAUL))
    backend = LocalBackend(first.data_dir)
    generate(first, backend, workers=1, now=NOW)
    grid = backend.path(WorkbookRef("test-na", Kind.GRID, "aci-une"))
    assert _header(grid, "Chapitre 2", "niveau_pair").startswith("Niveau pair\nPaul Pair")
    with editing(grid) as wb:
        put(wb["Chapitre 2"], "2.1.1", "niveau_pair", "3")  # Paul's review, typed
        put(wb["Chapitre 2"], "2.1.1", "r:sophie-marchand", "2 - Structuré")
    second = _campaign(tmp_path, ("Nadia Neuve", NADIA))
    Store.open(second.data_dir).close()  # a campaign that was pulled once: it has a store

    summary = generate(second, backend, workers=1, now=LATER)

    assert _header(grid, "Chapitre 2", "niveau_pair").startswith("Niveau pair\nNadia Neuve")
    ws = openpyxl.load_workbook(grid)["Chapitre 2"]
    assert ws[a1(ws, "2.1.1", "niveau_pair")].value == "3"  # typed values all stay
    assert ws[a1(ws, "2.1.1", "r:sophie-marchand")].value == "2 - Structuré"
    [done] = summary.reviews
    assert done.cells == 1 and Path(done.backup).is_file()
    assert "Colonnes du tiers et du pair : 1 grille(s) mise(s) à jour." in summary.lines()
    # nothing changed since: the grids are not even read again (a broken file goes unseen)
    grid.write_bytes(b"not a workbook")
    again = generate(second, backend, workers=1, now=LATER + dt.timedelta(days=1))
    assert again.reviews == [] and grid.read_bytes() == b"not a workbook"


def test_a_locked_grid_is_left_and_retried(tmp_path: Path) -> None:
    first = _campaign(tmp_path, None)
    backend = LocalBackend(first.data_dir)
    generate(first, backend, workers=1, now=NOW)
    grid = backend.path(WorkbookRef("test-na", Kind.GRID, "aci-une"))
    lock = grid.with_name(f".~lock.{grid.name}#")
    lock.write_text("someone")
    second = _campaign(tmp_path, ("Nadia Neuve", NADIA))
    summary = generate(second, backend, workers=1, now=LATER)
    [skipped] = summary.reviews
    assert "est ouvert dans un tableur" in skipped.message
    assert _header(grid, "Chapitre 2", "niveau_pair").startswith("Niveau pair\npair à désigner")
    lock.unlink()
    with Store.open(second.data_dir), SyncState(second.data_dir / STORE_FILE) as state:
        pairs = [(c, s) for c in second.config.collectives for s in c.structures]
        [done] = refresh_reviews(second, backend, pairs, LATER, state)
    assert done.cells == 1 and not done.message
    assert _header(grid, "Chapitre 2", "niveau_pair").startswith("Niveau pair\nNadia Neuve")


def test_on_google_only_the_review_cells_and_ranges_change(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    first = _campaign(tmp_path / "a", ("Paul Pair", PAUL), google=True)
    backend = _google(google_api, first)
    generate(first, backend, workers=1, now=NOW)
    # a respondent types in the live sheet meanwhile
    raw = backend.read(GRID)
    rows = raw["Chapitre 2"]
    keys = [str(v) for v in rows[1]]
    row = next(i for i, r in enumerate(rows) if r and r[0] == "2.1.1")
    backend.write_cells(GRID, {("Chapitre 2", row, keys.index("r:sophie-marchand")): "3"})
    second = _campaign(tmp_path / "b", ("Nadia Neuve", NADIA), google=True)
    moved = _google(google_api, second)
    google_api.stats.reset()

    summary = generate(second, moved, workers=1, now=LATER)

    writes = google_api.stats.snapshot()["by_method"]
    assert writes.get("spreadsheets.batchUpdate") == 1  # headers and ranges together
    [done] = summary.reviews
    assert (done.cells, done.ranges) == (1, 2)
    after = moved.read(GRID)["Chapitre 2"]
    assert str(after[2][keys.index("niveau_pair")]).startswith("Niveau pair\nNadia Neuve")
    assert after[row][keys.index("r:sophie-marchand")] in ("3", 3)  # typed: untouched
    ch2 = _protected(google_api, moved, "Chapitre 2")
    assert ch2["Colonnes du pair"] == [sorted([SA, NADIA])] * 2
    assert _protected(google_api, moved, "Chapitre 1")["Colonnes du pair"] == [[SA]] * 2
    # Nadia was given the grid; Paul keeps it until « capsync audit --fix »
    findings = audit(moved, second.config)
    assert [f.email for f in findings] == [PAUL]


def test_grids_that_cannot_take_new_headers_are_left_with_a_message(tmp_path: Path) -> None:
    first = _campaign(tmp_path, ("Paul Pair", PAUL))
    backend = LocalBackend(first.data_dir)
    generate(first, backend, workers=1, now=NOW)
    Store.open(first.data_dir).close()
    une = backend.path(WorkbookRef("test-na", Kind.GRID, "aci-une"))
    deux = backend.path(WorkbookRef("test-na", Kind.GRID, "ai-deux"))
    une.write_bytes(deux.read_bytes())  # another structure's grid saved over it
    second = _campaign(tmp_path, ("Nadia Neuve", NADIA))
    summary = generate(second, backend, workers=1, now=LATER)
    [wrong] = summary.reviews
    assert "n'est pas la grille de aci-une" in wrong.message
    assert une.read_bytes() == deux.read_bytes()  # untouched
    # a grid waiting for --upgrade gets its headers with the upgrade itself
    v2 = with_v2(second)
    generate(first, backend, workers=1, now=LATER)
    une.unlink()
    generate(first, backend, workers=1, now=LATER)  # a fresh grid, for Paul
    summary = generate(v2, backend, workers=1, now=LATER)
    [waiting] = summary.reviews
    assert "capsync generate --upgrade" in waiting.message
    # an e-mail changed under the same name: a file holds no rights, nothing to rewrite
    third = _campaign(tmp_path, ("Paul Pair", "paul.pair@ai-deux.fr"))
    content = une.read_bytes()
    assert generate(third, backend, workers=1, now=LATER).reviews == []
    assert une.read_bytes() == content


def test_a_local_file_is_never_edited_cell_by_cell(tmp_path: Path) -> None:
    first = _campaign(tmp_path, None)
    backend = LocalBackend(first.data_dir)
    generate(first, backend, workers=1, now=NOW)
    ref = WorkbookRef("test-na", Kind.GRID, "aci-une")
    content = backend.path(ref).read_bytes()
    with pytest.raises(BackendError, match="il se remplace en entier"):
        backend.refresh_review_columns(ref, {("Chapitre 2", 2, 20): "Niveau pair"}, {})
    assert backend.path(ref).read_bytes() == content


def test_review_requests_touch_only_the_given_cells_and_ranges() -> None:
    meta = {
        "sheets": [
            {
                "properties": {"sheetId": 7, "title": "Chapitre 2"},
                "protectedRanges": [
                    {"protectedRangeId": 1, "description": "Colonnes du pair", "range": {"x": 1}},
                    {"protectedRangeId": 2, "description": "Colonne de Sophie", "range": {"x": 2}},
                ],
            }
        ]
    }
    cells = {("Chapitre 2", 2, 20): "Niveau pair\nNadia", ("Chapitre 9", 2, 20): "gone"}
    editors = {("Chapitre 2", "Colonnes du pair"): (NADIA,)}
    found = review_requests(meta, cells, editors, "SA@Example.com")
    assert [next(iter(r)) for r in found] == [
        "updateCells", "deleteProtectedRange", "addProtectedRange",
    ]  # fmt: skip
    added = found[2]["addProtectedRange"]["protectedRange"]
    assert added["range"] == {"x": 1} and added["editors"]["users"] == [NADIA, "sa@example.com"]
    cell = found[0]["updateCells"]
    assert cell["rows"][0]["values"][0]["userEnteredValue"] == {"stringValue": "Niveau pair\nNadia"}
    assert cell["fields"] == "userEnteredValue"  # the header's format stays


def test_the_sync_brings_a_new_pair_into_the_grid_without_generate(tmp_path: Path) -> None:
    """The daemon's cycle, not only ``generate``: the first cycle remembers who reviews each
    grid without reading it again; a later change of pair reaches the grid in place."""
    from capsync.jobs.sync import run_cycle, state_path

    first = _campaign(tmp_path, ("Paul Pair", PAUL))
    backend = LocalBackend(first.data_dir)
    generate(first, backend, workers=1, now=NOW)
    grid = backend.path(WorkbookRef("test-na", Kind.GRID, "aci-une"))
    with editing(grid) as wb:
        put(wb["Chapitre 2"], "2.1.1", "r:sophie-marchand", "2 - Structuré")
    with Store.open(first.data_dir) as store, SyncState(state_path(first.data_dir)) as state:
        report = run_cycle(first, backend, store, state, now=NOW)
        assert report.reviews == []  # the first cycle only remembers
        second = _campaign(tmp_path, ("Nadia Neuve", NADIA))
        report = run_cycle(second, backend, store, state, now=LATER)
    assert _header(grid, "Chapitre 2", "niveau_pair").startswith("Niveau pair\nNadia Neuve")
    ws = openpyxl.load_workbook(grid)["Chapitre 2"]
    assert ws[a1(ws, "2.1.1", "r:sophie-marchand")].value == "2 - Structuré"
    [line] = [w for w in report.warnings() if "en-tête(s) de revue" in w]
    assert line.startswith("aci-une : 1 en-tête(s) de revue mis à jour ; sauvegarde")


def test_the_reviewers_of_every_grid_are_remembered_in_one_commit(tmp_path: Path) -> None:
    """A cold sync remembers who reviews each grid of a collectif in one transaction (issue
    11: one SQLite transaction per collectif for the sync state): 550 commits, each a flush
    to disk, were ≈ 0.3 s of a cold sync's parent. Another process sees them all after it."""
    import sqlite3

    from capsync.jobs.review_refresh import state_key

    campaign = _campaign(tmp_path, ("Paul Pair", PAUL))
    backend = LocalBackend(campaign.data_dir)
    generate(campaign, backend, workers=1, now=NOW)
    coll = campaign.config.collectives[0]
    pairs = [(coll, s) for s in coll.structures]
    statements: list[str] = []
    with Store.open(campaign.data_dir), SyncState(campaign.data_dir / STORE_FILE) as state:
        with state.batch():  # what generate remembered, forgotten: as on a cold sync
            for _, struct in pairs:
                state.forget(state_key(coll.id, struct.id))
        state.db.set_trace_callback(statements.append)
        assert refresh_reviews(campaign, backend, pairs, LATER, state, read_unknown=False) == []
        state.db.set_trace_callback(None)
    assert len(pairs) >= 2 and statements.count("COMMIT") == 1
    with sqlite3.connect(campaign.data_dir / STORE_FILE) as conn:
        kept = dict(conn.execute("SELECT key, written_at FROM sync_outputs"))
    for _, struct in pairs:
        assert kept[state_key(coll.id, struct.id)] == LATER.isoformat(timespec="seconds")

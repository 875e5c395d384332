"""A grid of 8 respondents is written in one request, well under the 2 MB split, and reads
back on Google with every cell formatted as before; a sync of grids already read does not
spend a request asking whether grids exist."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from capsync.backends.google.batches import MAX_BATCH_BYTES, size
from capsync.backends.google.requests import render_requests
from capsync.backends.google.styles import cell_format
from capsync.campaign.validation import Campaign
from capsync.cli.sync_cmd import refuse_without_grids
from capsync.errors import CapsyncError
from capsync.jobs.generate import generate
from capsync.jobs.sync import run_cycle
from capsync.layout.grid import grid_spec
from capsync.store.database import Store
from capsync.store.sync_state import SyncState
from capsync.workbook.refs import Kind, WorkbookRef
from tests.google_api.fixtures import GoogleApi
from tests.google_api.spreadsheet import normalize_format

from .grid_campaign import config, write_campaign
from .test_google_backend import NOW, google

ROOT = Path(__file__).resolve().parents[1]
ROLES = ["direction", "permanent", "permanent", "administrateur", "administrateur",
         "salarie_parcours", "salarie_parcours", "permanent"]  # fmt: skip
# The per-cell formats made this grid 1.98-2.04 MB, just over the split: two writes each.
# Written once per rectangle it is ≈ 0.83 MB (0.56 MB of it the word-reading formulas).
BOUND = 1_000_000


def eight_respondents(folder: Path) -> Campaign:
    """The real example référentiel; ACI Une has 8 respondents, as in the bench."""
    cfg = config([{"name": f"Personne {k}", "role": role} for k, role in enumerate(ROLES)])
    cfg["backend"]["google"] = {"root_folder_id": None, "requests_per_minute": 50}
    real = yaml.safe_load((ROOT / "referentiel" / "cap-rse-exemple.yaml").read_text("utf-8"))
    return write_campaign(folder, referentiel=real, cfg=cfg)


def test_an_eight_respondent_grid_is_one_request_under_a_megabyte(tmp_path: Path) -> None:
    camp = eight_respondents(tmp_path)
    coll = camp.config.collectives[0]
    spec = grid_spec(camp.referentiel, coll, coll.structures[0], camp.config.settings)
    requests = render_requests(spec, title="Grille").requests
    weight = sum(size(r) + 1 for r in requests)
    assert weight < BOUND < MAX_BATCH_BYTES
    updates = [r["updateCells"] for r in requests if "updateCells" in r]
    assert all("userEnteredFormat" not in c for u in updates for row in u["rows"]
               for c in row.get("values", []))  # fmt: skip
    assert len(updates) == len(spec.sheets) + 1  # one per sheet, and the identity sheet


def _expected(camp: Campaign) -> dict[str, dict[tuple[int, int], dict[str, Any]]]:
    """Each spec cell's format as the per-cell rendering wrote it (merge tails: the anchor's)."""
    coll = camp.config.collectives[0]
    spec = grid_spec(camp.referentiel, coll, coll.structures[0], camp.config.settings)
    out: dict[str, dict[tuple[int, int], dict[str, Any]]] = {}
    for sheet in spec.sheets:
        anchors = {(r, c): (m.first_row, m.first_col) for m in sheet.merges
                   for r in range(m.first_row, m.last_row + 1)
                   for c in range(m.first_col, m.last_col + 1)}  # fmt: skip
        cells = out.setdefault(sheet.name, {})
        for r, row in enumerate(sheet.rows):
            for c in range(sheet.width):
                anchor = anchors.get((r, c), (r, c))
                value = row[c] if c < len(row) and anchor == (r, c) else None
                fmt = cell_format(sheet.style_at(*anchor), isinstance(value, dt.date))
                if fmt is not None:
                    cells[(r, c)] = normalize_format(fmt)
    return out


def test_the_grid_reads_back_on_google_with_every_cell_formatted_as_before(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = eight_respondents(tmp_path)
    backend = google(google_api, camp)
    google_api.stats.reset()
    generate(camp, backend, workers=1, now=NOW, structure="aci-une")
    assert google_api.stats.by_method["spreadsheets.batchUpdate"] == 1  # one write: no split
    file_id = backend.file_id(WorkbookRef("test-na", Kind.GRID, "aci-une"))
    assert file_id
    book = google_api.state.books[file_id]
    expected = _expected(camp)
    kinds = set()
    for name, cells in expected.items():
        stored = book.sheet_by_title(name)
        assert stored is not None
        formatted = {rc for rc, cell in stored.cells.items() if "userEnteredFormat" in cell}
        assert formatted == set(cells), name  # no cell formatted more, none less
        for rc, fmt in cells.items():
            assert stored.cells[rc]["userEnteredFormat"] == fmt, (name, rc)
            kinds.add(repr(fmt))
    assert len(kinds) >= 8  # titles, headers, locked, answers, dates, notes... all compared


@pytest.fixture
def generated(google_api: GoogleApi, tmp_path: Path) -> Campaign:
    camp = write_campaign(tmp_path, cfg=_google_cfg())
    (tmp_path / "data").mkdir(exist_ok=True)
    generate(camp, google(google_api, camp), workers=1, now=NOW)
    return camp


def _google_cfg() -> dict[str, Any]:
    cfg = config()
    cfg["backend"]["google"] = {"root_folder_id": None, "requests_per_minute": 50}
    return cfg


def test_once_grids_were_read_a_sync_does_not_ask_whether_grids_exist(
    google_api: GoogleApi, generated: Campaign
) -> None:
    fresh = google(google_api, generated)  # a new process: nothing listed yet
    google_api.stats.reset()
    refuse_without_grids(generated, fresh, None)  # the store has read nothing: it asks
    assert google_api.stats.total >= 1
    with Store.open(generated.data_dir) as store, SyncState(generated.data_dir / "s.db") as st:
        assert run_cycle(generated, fresh, store, st, now=NOW).ok
    fresh = google(google_api, generated)
    google_api.stats.reset()
    refuse_without_grids(generated, fresh, None)
    refuse_without_grids(generated, fresh, "test-na")
    assert google_api.stats.total == 0


def test_before_any_grid_the_sync_is_refused_and_no_store_is_created(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = write_campaign(tmp_path, cfg=_google_cfg())
    (tmp_path / "data").mkdir()
    with pytest.raises(CapsyncError, match="Aucune grille n'existe encore"):
        refuse_without_grids(camp, google(google_api, camp), None)
    assert list((tmp_path / "data").iterdir()) == []

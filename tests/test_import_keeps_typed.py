"""``capsync import`` through the rebuild path keeps what a person typed last, even unreadable.

A cell holding a value capsync cannot read (« trois ») keeps, in the store, the last
value it could read (« Ne sait pas ») and shows an anomaly. A grid rebuilt by an import
(an .ods returned, or a merge) must show the value typed, not the older one from the
store: else the person's newest answer is lost and its anomaly silently closed.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from capsync.backends.local import LocalBackend
from capsync.campaign.validation import Campaign
from capsync.cli import main
from capsync.jobs.pull import pull
from capsync.store.database import Store

from .filled_grids import COLLECTIVE, a1, campaign_with_grids, editing, grid_path, put
from .french_output import plain

SOPHIE = "r:sophie-marchand"
T1 = dt.datetime(2025, 10, 1, 9, 0)
T2 = dt.datetime(2025, 10, 2, 9, 0)
T3 = dt.datetime(2025, 10, 3, 9, 0)


def _pull(campaign: Campaign, backend: LocalBackend, now: dt.datetime) -> None:
    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=now, workers=1)


def _state(campaign: Campaign) -> tuple[dict[tuple[str, str], str], list[str]]:
    """The store's cells of aci-une, and the values of its open anomalies."""
    with Store.open(campaign.data_dir) as store:
        cells = store.structure_cells(COLLECTIVE, "aci-une")
        anomalies = store.current_anomalies()
    return cells, sorted(str(v) for v in anomalies["value"])


def _cell(path: Path, criterion: str, key: str) -> Any:
    ws = openpyxl.load_workbook(path)["Chapitre 1"]
    return ws[a1(ws, criterion, key)].value


def _archived(path: Path) -> list[Any]:
    return [row[4] for row in openpyxl.load_workbook(path)["Archives"].iter_rows(values_only=True)]


def _import(campaign: Campaign, *files: Path) -> tuple[int, str, str]:
    args = ["--config", str(campaign.config_path), "import", *map(str, files)]
    result = CliRunner().invoke(main, args)
    return result.exit_code, plain(result.stdout), plain(result.stderr)


def _typed_wrong(tmp_path: Path) -> tuple[Campaign, LocalBackend, Path]:
    """aci-une: « Ne sait pas » read, then « trois » typed over it and pulled (an anomaly)."""
    campaign, backend = campaign_with_grids(tmp_path / "c")
    grid = grid_path(backend, "aci-une")
    with editing(grid) as wb:
        put(wb["Chapitre 1"], "1.1.1", SOPHIE, "Ne sait pas")
    _pull(campaign, backend, T1)
    with editing(grid) as wb:
        put(wb["Chapitre 1"], "1.1.1", SOPHIE, "trois")
    _pull(campaign, backend, T2)
    cells, anomalies = _state(campaign)
    assert cells[("1.1.1", SOPHIE)] == "Ne sait pas" and anomalies == ["trois"]
    return campaign, backend, grid


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_grid_returned_as_ods_keeps_the_value_typed_and_its_anomaly(tmp_path: Path) -> None:
    campaign, backend, grid = _typed_wrong(tmp_path)
    out = tmp_path / "ods"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "ods", "--outdir", str(out), str(grid)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    returned = out / "aci-une.ods"

    code, text, err = _import(campaign, returned)
    _pull(campaign, backend, T3)

    assert (code, err) == (0, ""), text
    assert "(fusionnée avec les réponses déjà relevées)" in text
    assert _cell(grid, "1.1.1", SOPHIE) == "trois"
    cells, anomalies = _state(campaign)
    assert cells[("1.1.1", SOPHIE)] == "Ne sait pas" and anomalies == ["trois"]


def test_a_merged_copy_keeps_its_unreadable_value_over_the_older_stored_one(
    tmp_path: Path,
) -> None:
    campaign, backend, grid = _typed_wrong(tmp_path)
    returned = tmp_path / "courriel" / "retour.xlsx"
    returned.parent.mkdir()
    shutil.copy(grid, returned)
    with editing(returned) as wb:  # filled further offline: the import merges it
        put(wb["Chapitre 1"], "1.2.1", SOPHIE, 2)

    code, _, err = _import(campaign, returned)
    _pull(campaign, backend, T3)

    assert (code, err) == (0, "")
    assert _cell(grid, "1.1.1", SOPHIE) == "trois"
    assert _cell(grid, "1.2.1", SOPHIE) in (2, "2")
    cells, anomalies = _state(campaign)
    assert cells[("1.1.1", SOPHIE)] == "Ne sait pas" and anomalies == ["trois"]
    assert cells[("1.2.1", SOPHIE)] == "2"


def test_an_unreadable_value_typed_in_place_survives_a_copy_that_left_it_empty(
    tmp_path: Path,
) -> None:
    campaign, backend = campaign_with_grids(tmp_path / "c")
    grid = grid_path(backend, "aci-une")
    returned = tmp_path / "courriel" / "copie.xlsx"
    returned.parent.mkdir()
    shutil.copy(grid, returned)  # sent before anything was typed
    with editing(returned) as wb:
        put(wb["Chapitre 1"], "1.2.1", SOPHIE, 3)
    with editing(grid) as wb:  # meanwhile, typed in place: never read, so never stored
        put(wb["Chapitre 1"], "1.1.1", SOPHIE, "beaucoup")
    _pull(campaign, backend, T1)

    code, _, err = _import(campaign, returned)
    _pull(campaign, backend, T2)

    assert (code, err) == (0, "")
    assert _cell(grid, "1.1.1", SOPHIE) == "beaucoup"
    assert _cell(grid, "1.2.1", SOPHIE) in (3, "3")
    _, anomalies = _state(campaign)
    assert anomalies == ["beaucoup"]


def test_an_unreadable_value_replaced_by_the_copy_is_archived(tmp_path: Path) -> None:
    campaign, backend, grid = _typed_wrong(tmp_path)
    returned = tmp_path / "courriel" / "retour.xlsx"
    returned.parent.mkdir()
    shutil.copy(grid, returned)
    with editing(returned) as wb:
        put(wb["Chapitre 1"], "1.1.1", SOPHIE, "quatre")

    code, _, err = _import(campaign, returned)
    _pull(campaign, backend, T3)

    assert (code, err) == (0, "")
    assert _cell(grid, "1.1.1", SOPHIE) == "quatre"
    assert "trois" in _archived(grid)  # what was typed in place is not lost
    cells, anomalies = _state(campaign)
    assert cells[("1.1.1", SOPHIE)] == "Ne sait pas" and anomalies == ["quatre"]

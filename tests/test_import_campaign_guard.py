"""``capsync import`` refuses a grid of another campaign than the structure's current one.

After ``nouvelle-campagne``, the previous campaign's grid (its read-only archive, or a
copy saved before the switch) still says « aci-une » in its identity sheet: merged, it
would make last campaign's answers current and clear the new grid's « à confirmer »
marks. It is refused, naming its campaign and the structure's current one; nothing moves.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from click.testing import CliRunner

from capsync.backends.local import LocalBackend
from capsync.campaign.validation import Campaign, load_campaign
from capsync.cli import main
from capsync.jobs.generate import generate
from capsync.jobs.new_campaign import start_new_campaigns
from capsync.jobs.pull import pull
from capsync.store.database import Store
from capsync.workbook.grid_schema import COL_CARRIED

from .filled_grids import COLLECTIVE, count_rows, editing, find_col, find_row, grid_path, put
from .french_output import plain
from .grid_campaign import config, write_campaign

T0 = dt.datetime(2025, 9, 1, 10, 0)
T1 = dt.datetime(2026, 3, 1, 9, 30)
T2 = dt.datetime(2027, 9, 15, 10, 0)
MARK = "À confirmer — repris de la campagne 2025-2026"


def _config(aci_campaign: str | None = None) -> dict[str, Any]:
    cfg = config()
    cfg["campaign"] = "2025-2026"
    if aci_campaign:
        cfg["collectives"][0]["structures"][0]["campaign"] = aci_campaign
    return cfg


def _switched(tmp_path: Path) -> tuple[Campaign, LocalBackend, Path]:
    """aci-une assessed in 2025-2026 (a copy kept at that time), then in 2027-2028."""
    campaign = write_campaign(tmp_path, cfg=_config())
    backend = LocalBackend(campaign.data_dir)
    generate(campaign, backend, workers=1, now=T0)
    grid = grid_path(backend, "aci-une")
    with editing(grid) as wb:
        put(wb["Chapitre 1"], "1.1.1", "retenu", 1)
        put(wb["Chapitre 1"], "1.1.1", "r:karim-benali", 1)
    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=T1, workers=1)
    saved = tmp_path / "courriel" / "aci-une avant.xlsx"
    saved.parent.mkdir()
    shutil.copy(grid, saved)
    campaign.config_path.write_text(yaml.safe_dump(_config("2027-2028"), allow_unicode=True))
    campaign = load_campaign(campaign.config_path)
    with Store.open(campaign.data_dir) as store:
        start_new_campaigns(campaign, backend, store, structure="aci-une", now=T2)
    return campaign, backend, saved


def _import(campaign: Campaign, *files: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--config", str(campaign.config_path), "import",
                                       *map(str, files)])  # fmt: skip
    return result.exit_code, plain(result.stdout), plain(result.stderr)


def _mark(grid: Path) -> Any:
    ws = openpyxl.load_workbook(grid)["Chapitre 1"]
    return ws.cell(find_row(ws, "1.1.1"), find_col(ws, COL_CARRIED)).value


def _refusal(name: str) -> str:
    return (
        f"Refusé — {name} : ce fichier est une grille de la campagne « 2025-2026 » ; la "
        "campagne en cours de « aci-une » est « 2027-2028 ». Elle n'est pas importée (rien "
        "n'a été changé) : les réponses d'une campagne close restent dans son archive ; "
        "recopiez dans la grille en place celles qui valent encore.\n"
        "1 fichier(s) refusé(s) sur 1.\n"
    )


def test_the_archive_of_the_closed_campaign_is_refused_and_nothing_moves(tmp_path: Path) -> None:
    campaign, backend, _ = _switched(tmp_path)
    grid = grid_path(backend, "aci-une")
    archive = campaign.data_dir / COLLECTIVE / "archives" / "2025-2026" / "aci-une-2025-2026.xlsx"
    before = grid.read_bytes()
    db = campaign.data_dir / "capsync.sqlite"
    rows = count_rows(db, "readings", "cur_answers")

    code, out, err = _import(campaign, archive)

    assert (code, out) == (1, "")
    assert err == _refusal(archive.name)
    assert grid.read_bytes() == before and _mark(grid) == MARK
    assert count_rows(db, "readings", "cur_answers") == rows
    assert not (campaign.data_dir / COLLECTIVE / "sauvegardes").exists()


def test_a_copy_saved_before_the_switch_is_refused_too(tmp_path: Path) -> None:
    campaign, backend, saved = _switched(tmp_path)
    grid = grid_path(backend, "aci-une")
    before = grid.read_bytes()

    code, _, err = _import(campaign, saved)

    assert code == 1 and err == _refusal(saved.name)
    assert grid.read_bytes() == before


def test_a_grid_made_before_campaigns_is_of_the_first_campaign(tmp_path: Path) -> None:
    campaign, backend, saved = _switched(tmp_path)
    with editing(saved) as wb:  # as a grid made before campaigns existed: no campaign row
        ws = wb["_capsync"]
        ws.delete_rows(next(c.row for c in ws["A"] if c.value == "campaign"))
    before = grid_path(backend, "aci-une").read_bytes()

    code, _, err = _import(campaign, saved)

    assert code == 1 and err == _refusal(saved.name)
    assert grid_path(backend, "aci-une").read_bytes() == before


def test_a_copy_of_the_current_campaign_is_still_imported(tmp_path: Path) -> None:
    campaign, backend, _ = _switched(tmp_path)
    grid = grid_path(backend, "aci-une")
    copy = tmp_path / "courriel" / "retour 2027.xlsx"
    shutil.copy(grid, copy)
    with editing(copy) as wb:
        put(wb["Chapitre 1"], "1.2.1", "r:karim-benali", 2)

    code, out, err = _import(campaign, copy)

    assert (code, err) == (0, ""), out
    ws = openpyxl.load_workbook(grid)["Chapitre 1"]
    assert ws.cell(find_row(ws, "1.2.1"), find_col(ws, "r:karim-benali")).value == 2
    assert _mark(grid) == MARK


def test_before_any_new_campaign_the_grid_of_its_campaign_is_imported(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path, cfg=_config())
    backend = LocalBackend(campaign.data_dir)
    generate(campaign, backend, workers=1, now=T0)
    copy = tmp_path / "retour.xlsx"
    shutil.copy(grid_path(backend, "aci-une"), copy)
    with editing(copy) as wb:
        put(wb["Chapitre 1"], "1.2.1", "r:karim-benali", 2)
    # the admin already names the next campaign, but has not started it
    campaign.config_path.write_text(yaml.safe_dump(_config("2027-2028"), allow_unicode=True))

    code, out, err = _import(campaign, copy)

    assert (code, err) == (0, ""), out


def test_an_old_campaign_grid_put_in_place_is_not_pulled_and_says_why(tmp_path: Path) -> None:
    """The same copy saved over the grid in place (not through ``capsync import``): the
    sync takes nothing from it and the structure is told, in its anomalies."""
    campaign, backend, saved = _switched(tmp_path)
    grid = grid_path(backend, "aci-une")
    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=T2, workers=1)
        before = store.structure_cells(COLLECTIVE, "aci-une")
    shutil.copy(saved, grid)
    with Store.open(campaign.data_dir) as store:
        report = pull(campaign, backend, store, now=T2 + dt.timedelta(hours=1), workers=1)
        assert store.structure_cells(COLLECTIVE, "aci-une") == before  # nothing came back
        anomalies = store.current_anomalies()
    assert (report.added, report.changed, report.removed) == (0, 0, 0)
    [said] = [a for a in anomalies.itertuples() if a.structure == "aci-une"]
    assert said.kind == "other_campaign" and said.value == "2025-2026"
    assert said.message.startswith(  # kept as composed; typeset where it is shown
        "Ce fichier est une grille de « aci-une » pour la campagne « 2025-2026 », qu'elle a "
        "terminée ; sa campagne en cours est « 2027-2028 »."
    )


def test_a_grid_of_the_campaign_still_to_start_is_refused_as_such(tmp_path: Path) -> None:
    """The configuration names 2027-2028, not started yet for aci-une: its grid is not
    « a closed campaign's », it is one to keep until ``capsync nouvelle-campagne``."""
    campaign = write_campaign(tmp_path, cfg=_config())
    backend = LocalBackend(campaign.data_dir)
    generate(campaign, backend, workers=1, now=T0)
    early = tmp_path / "en avance.xlsx"
    shutil.copy(grid_path(backend, "aci-une"), early)
    with editing(early) as wb:  # as a grid made for the next campaign
        ws = wb["_capsync"]
        row = next(c.row for c in ws["A"] if c.value == "campaign")
        ws.cell(row, 2).value = "2027-2028"
    campaign.config_path.write_text(yaml.safe_dump(_config("2027-2028"), allow_unicode=True))

    code, _, err = _import(load_campaign(campaign.config_path), early)

    assert code == 1
    assert "« 2027-2028 » ; la campagne en cours de « aci-une » est « 2025-2026 »" in err
    assert "cette campagne n'a pas commencé pour la structure (capsync nouvelle-campagne" in err
    assert "campagne close" not in err

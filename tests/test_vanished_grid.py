"""A grid deleted by mistake: ``capsync generate`` recreates it holding what was relevé,
so the next sync erases nothing (an empty grid in its place read as every answer erased)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from capsync.backends.xlsx_read import read_workbook
from capsync.campaign.validation import load_campaign
from capsync.cli import main
from capsync.store.database import Store

from .example_campaign import copy_example

STRUCTURE = "jardins-du-lauragais"


def _run(config: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output
    return result.output


def _shown(grid: Path) -> set[str]:
    """Every text the grid shows in its chapters: what a person sees when they open it."""
    return {
        str(v)
        for sheet, rows in read_workbook(grid).items()
        if sheet.startswith("Chapitre")
        for row in rows
        for v in row
        if isinstance(v, str)
    }


def test_a_deleted_grid_comes_back_with_its_answers_and_nothing_is_erased(tmp_path: Path) -> None:
    config = copy_example(tmp_path)
    for command in (["generate"], ["demo"], ["sync"]):
        _run(config, *command)
    campaign = load_campaign(config)
    grid = next(campaign.data_dir.glob(f"*/grilles/{STRUCTURE}.xlsx"))
    with Store.open(campaign.data_dir) as store:
        cells = store.structure_cells(grid.parent.parent.name, STRUCTURE)
        plan = store.structure_plan(grid.parent.parent.name, STRUCTURE)
    assert len(cells) > 100 and plan

    grid.unlink()
    said = _run(config, "sync")
    assert "la recrée avec elles" in said
    _run(config, "generate")
    assert grid.is_file()
    texts = {v for (_, column), v in cells.items() if column == "justification"}
    assert texts and texts <= _shown(grid)  # the justifications typed are back in the grid
    said = _run(config, "sync")
    assert " 0 effacée(s)" in said, said
    with Store.open(campaign.data_dir) as store:
        assert store.structure_cells(grid.parent.parent.name, STRUCTURE) == cells
        assert store.structure_plan(grid.parent.parent.name, STRUCTURE) == plan


def test_what_could_not_be_read_comes_back_in_its_cell_and_is_still_asked_for(
    tmp_path: Path,
) -> None:
    """The store keeps only what it could read; « beaucoup » typed in a level cell lives in the
    grid and in its open anomaly. A recreated grid shows it again, in the same cell, and the
    structure is still asked to correct it (before, it vanished and its anomaly closed)."""
    config = copy_example(tmp_path)
    for command in (["generate"], ["demo"], ["sync"]):
        _run(config, *command)
    campaign = load_campaign(config)
    grid = next(campaign.data_dir.glob(f"*/grilles/{STRUCTURE}.xlsx"))
    collective = grid.parent.parent.name

    def open_unread() -> set[tuple[str, str, str]]:
        with Store.open(campaign.data_dir) as store:
            frame = store.current_anomalies(collective)
        rows = frame[(frame["structure"] == STRUCTURE) & (frame["kind"] == "unknown_level")]
        return set(rows[["sheet", "cell", "value"]].itertuples(index=False, name=None))

    before = open_unread()
    assert ("Chapitre 1", "E4", "beaucoup") in before
    assert read_workbook(grid)["Chapitre 1"][3][4] == "beaucoup"

    grid.unlink()
    _run(config, "generate")
    assert read_workbook(grid)["Chapitre 1"][3][4] == "beaucoup"  # back where it was typed
    _run(config, "sync")
    assert open_unread() == before  # still asked for, not silently closed


def test_no_grid_found_where_several_were_read_is_one_warning_not_a_call_to_regenerate(
    tmp_path: Path,
) -> None:
    """Every grid of a collectif missing is a folder changed (the data folder moved, the
    root folder on Google) far likelier than seven deletions: one line says so, and sends
    the admin to « capsync check » rather than to « capsync generate », which would make a
    second set of grids in the wrong place."""
    config = copy_example(tmp_path)
    for command in (["generate"], ["demo"], ["sync"]):
        _run(config, *command)
    campaign = load_campaign(config)
    grids = next(campaign.data_dir.glob(f"*/grilles/{STRUCTURE}.xlsx")).parent
    grids.rename(grids.with_name("grilles-ailleurs"))
    said = _run(config, "sync")
    assert "la recrée avec elles" not in said
    [line] = [s for s in said.splitlines() if "Aucune grille du collectif" in s]
    assert "« capsync check »" in line.replace("\u00a0", " ")
    assert " 0 effacée(s)" in said  # nothing taken as erased

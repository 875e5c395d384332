"""Campaigns over the years: a structure starts its next campaign (issue 12, point 4).

Real grids written by ``capsync generate``, filled with openpyxl as people fill them, a
real SQLite store, the real CLI: the new grid is pre-filled « à confirmer », nothing
carried is counted until the group clears the mark, the old grid stays readable and
read-only, both campaigns stay in the store, and the outputs show before / after.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from capsync.backends.local import LocalBackend
from capsync.campaign.config import DEFAULT_CAMPAIGN, campaign_of
from capsync.campaign.validation import Campaign, load_campaign
from capsync.cli import main
from capsync.errors import CapsyncError
from capsync.jobs.new_campaign import Started, start_new_campaigns
from capsync.jobs.pull import pull
from capsync.layout.before_after import (
    BEFORE_AFTER_SHEET,
    TO_CONFIRM,
    TO_REASSESS,
    before_after_lines,
    split_campaigns,
)
from capsync.scoring import scores as scoring
from capsync.store.campaigns import campaign_records, current_campaigns
from capsync.store.database import Store
from capsync.workbook.grid_schema import COL_CARRIED, COL_RETAINED_PENDING

from .filled_grids import COLLECTIVE, editing, find_col, find_row, grid_path, put
from .grid_campaign import config, write_campaign

T0 = dt.datetime(2025, 9, 1, 10, 0)
T1 = dt.datetime(2026, 3, 1, 9, 30)
T2 = dt.datetime(2027, 9, 15, 10, 0)
T3 = dt.datetime(2027, 10, 1, 11, 0)


def _config(structure_campaign: str | None = None) -> dict[str, Any]:
    cfg = config()
    cfg["campaign"] = "2025-2026"
    if structure_campaign:
        cfg["collectives"][0]["structures"][0]["campaign"] = structure_campaign
    return cfg


def _rewrite(campaign: Campaign, cfg: dict[str, Any]) -> Campaign:
    """The admin edits the configuration (capsync never does)."""
    campaign.config_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return load_campaign(campaign.config_path)


def _first_campaign(tmp_path: Path) -> tuple[Campaign, LocalBackend]:
    """aci-une's first campaign, assessed and pulled: two criteria retained, justified."""
    from capsync.jobs.generate import generate

    campaign = write_campaign(tmp_path, cfg=_config())
    backend = LocalBackend(campaign.data_dir)
    generate(campaign, backend, workers=1, now=T0)
    with editing(grid_path(backend, "aci-une")) as wb:
        ws = wb["Chapitre 1"]
        put(ws, "1.1.1", "r:karim-benali", 1)
        put(ws, "1.1.1", "retenu", 1)
        put(ws, "1.1.1", "justification", "Projet écrit en 2019, jamais relu.")
        put(ws, "1.1.2", "retenu", 2)
        put(wb["Chapitre 2"], "2.1.1", "retenu", 3)
    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=T1, workers=1)
    return campaign, backend


def _start(campaign: Campaign, backend: LocalBackend, **options: str) -> Any:
    with Store.open(campaign.data_dir) as store:
        return start_new_campaigns(campaign, backend, store, now=T2, **options)


def _cell(path: Path, sheet: str, criterion: str, key: str) -> Any:
    ws = openpyxl.load_workbook(path)[sheet]
    return ws.cell(find_row(ws, criterion), find_col(ws, key)).value


# -- configuration ------------------------------------------------------------------------


def test_a_configuration_without_campaign_is_in_the_default_one(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    assert campaign.config.campaign == DEFAULT_CAMPAIGN == "1"
    assert {campaign_of(s) for s in campaign.config.collectives[0].structures} == {"1"}


def test_campaign_inherited_from_top_to_collectif_to_structure(tmp_path: Path) -> None:
    cfg = _config("2027-2028")
    cfg["collectives"][0]["structures"][1]["campaign"] = 2026  # a YAML number
    campaign = write_campaign(tmp_path, cfg=cfg)
    coll = campaign.config.collectives[0]
    assert coll.campaign == "2025-2026"
    assert [campaign_of(s) for s in coll.structures] == ["2027-2028", "2026"]


def test_a_campaign_id_with_a_slash_is_refused_with_its_place(tmp_path: Path) -> None:
    cfg = _config("2025/2026")
    with pytest.raises(CapsyncError) as caught:
        write_campaign(tmp_path, cfg=cfg)
    problems = str(caught.value)
    assert "[collectives[0].structures[0].campaign] : campagne « 2025/2026 » invalide" in problems
    assert problems.count("campaign]") == 1  # said where it is written, once


# -- starting a campaign ----------------------------------------------------------------


def test_new_campaign_prefills_marks_archives_and_counts_nothing_carried(tmp_path: Path) -> None:
    campaign, backend = _first_campaign(tmp_path)
    campaign = _rewrite(campaign, _config("2027-2028"))

    summary = _start(campaign, backend)

    started = summary.of(Started.STARTED)
    assert [(r.structure, r.previous, r.new, r.carried) for r in started] == [
        ("aci-une", "2025-2026", "2027-2028", 3)
    ]
    assert [r.structure for r in summary.of(Started.UNCHANGED)] == ["ai-deux"]
    # the old grid: archived under its campaign, read-only, every typed value readable
    archive = campaign.data_dir / COLLECTIVE / "archives" / "2025-2026" / "aci-une-2025-2026.xlsx"
    assert started[0].archive == str(archive)
    assert not os.stat(archive).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert _cell(archive, "Chapitre 1", "1.1.1", "r:karim-benali") == 1
    assert _cell(archive, "Chapitre 1", "1.1.1", "justification").startswith("Projet écrit")
    # the new grid: the previous retenu and justification, marked « à confirmer »
    grid = grid_path(backend, "aci-une")
    assert _cell(grid, "Chapitre 1", "1.1.1", "retenu") == 1
    assert (
        _cell(grid, "Chapitre 1", "1.1.1", "justification") == "Projet écrit en 2019, jamais relu."
    )
    assert _cell(grid, "Chapitre 1", "1.1.1", COL_CARRIED) == (
        "À confirmer — repris de la campagne 2025-2026"
    )
    assert _cell(grid, "Chapitre 1", "1.1.1", "r:karim-benali") is None  # a new assessment
    assert _cell(grid, "Chapitre 1", "1.2.1", COL_CARRIED) is None  # nothing to carry there
    identity = dict(openpyxl.load_workbook(grid)["_capsync"].iter_rows(values_only=True))
    assert identity["campaign"] == "2027-2028"

    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=T3, workers=1)
        answers = store.current_answers(COLLECTIVE)
    before, after = split_campaigns(answers)
    mine = after[after["structure"] == "aci-une"]
    assert set(mine["column"]) == {COL_RETAINED_PENDING}  # recorded, never as a retenu
    scores = scoring.score_collective(
        after, campaign.referentiel, campaign.config.collectives[0].structures
    )
    aci = scores.criteria[scores.criteria["structure"] == "aci-une"]
    assert aci["retained"].isna().all()  # nothing carried is counted
    assert sorted(before.loc[before["column"] == "retenu", "criterion"]) == [
        "1.1.1",
        "1.1.2",
        "2.1.1",
    ]


def test_clearing_the_mark_confirms_the_carried_level(tmp_path: Path) -> None:
    campaign, backend = _first_campaign(tmp_path)
    campaign = _rewrite(campaign, _config("2027-2028"))
    _start(campaign, backend)
    with editing(grid_path(backend, "aci-une")) as wb:
        put(wb["Chapitre 1"], "1.1.1", COL_CARRIED, None)  # confirmed as it was
        put(wb["Chapitre 1"], "1.1.2", COL_CARRIED, None)
        put(wb["Chapitre 1"], "1.1.2", "retenu", 3)  # revised upwards

    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=T3, workers=1)
        answers = store.current_answers(COLLECTIVE)

    lines = before_after_lines(
        answers, campaign.referentiel, campaign.config.collectives[0].structures
    )
    by_scope = {line.scope: line for line in lines if line.structure == "aci-une"}
    assert (by_scope["Critère 1.1.1"].before, by_scope["Critère 1.1.1"].after) == (1.0, 1.0)
    assert (by_scope["Critère 1.1.2"].before, by_scope["Critère 1.1.2"].after) == (2.0, 3.0)
    assert by_scope["Critère 1.1.2"].change == 1.0
    assert (by_scope["Critère 2.1.1"].after, by_scope["Critère 2.1.1"].state) == (None, TO_CONFIRM)
    assert by_scope["Chapitre 1"].before is not None and by_scope["Chapitre 1"].after is not None
    assert by_scope["Chapitre 2"].after is None  # only an unconfirmed level there
    assert "Score global" in by_scope


def test_both_campaigns_stay_in_the_store(tmp_path: Path) -> None:
    campaign, backend = _first_campaign(tmp_path)
    campaign = _rewrite(campaign, _config("2027-2028"))
    _start(campaign, backend)
    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=T3, workers=1)
        records = campaign_records(store, COLLECTIVE)
        assert [(r.structure, r.campaign, r.previous) for r in records] == [
            ("aci-une", "2025-2026", None),
            ("aci-une", "2027-2028", "2025-2026"),
        ]
        assert current_campaigns(store, COLLECTIVE)["aci-une"].campaign == "2027-2028"
    with sqlite3.connect(campaign.data_dir / "capsync.sqlite") as conn:
        (state,) = conn.execute(
            "SELECT state FROM campaign_archive WHERE structure = 'aci-une' "
            "AND campaign = '2025-2026'"
        ).fetchone()
    assert "Projet écrit en 2019" in state


def test_running_it_again_changes_nothing(tmp_path: Path) -> None:
    campaign, backend = _first_campaign(tmp_path)
    campaign = _rewrite(campaign, _config("2027-2028"))
    _start(campaign, backend)
    grid = grid_path(backend, "aci-une")
    before = grid.read_bytes()

    again = _start(campaign, backend)

    assert again.of(Started.STARTED) == []
    assert grid.read_bytes() == before
    assert again.lines() == [
        "Nouvelle campagne : 0 structure(s) passée(s) à leur nouvelle campagne (aucune à changer)."
    ]


def test_a_grid_open_in_a_spreadsheet_is_left_for_the_next_run(tmp_path: Path) -> None:
    campaign, backend = _first_campaign(tmp_path)
    campaign = _rewrite(campaign, _config("2027-2028"))
    grid = grid_path(backend, "aci-une")
    lock = grid.with_name(f".~lock.{grid.name}#")
    lock.write_text("x")

    summary = _start(campaign, backend)

    assert [r.structure for r in summary.of(Started.LOCKED)] == ["aci-une"]
    assert not (campaign.data_dir / COLLECTIVE / "archives").exists()
    lock.unlink()
    assert [r.structure for r in _start(campaign, backend).of(Started.STARTED)] == ["aci-une"]


def test_a_grid_made_before_campaigns_closes_as_the_default_campaign(tmp_path: Path) -> None:
    from capsync.jobs.generate import generate

    campaign = write_campaign(tmp_path)  # no campaign: « 1 »
    backend = LocalBackend(campaign.data_dir)
    generate(campaign, backend, workers=1, now=T0, personal=True)
    cfg = config()
    cfg["collectives"][0]["campaign"] = "2026-2027"
    campaign = _rewrite(campaign, cfg)

    summary = _start(campaign, backend, collective=COLLECTIVE)

    assert [(r.structure, r.previous) for r in summary.of(Started.STARTED)] == [
        ("aci-une", "1"),
        ("ai-deux", "1"),
    ]
    assert (campaign.data_dir / COLLECTIVE / "archives" / "1" / "ai-deux-1.xlsx").is_file()
    personal = campaign.data_dir / COLLECTIVE / "archives" / "1" / "aci-une-1-individuelles"
    assert sorted(p.name for p in personal.iterdir()) == [
        "elodie-roux.xlsx", "karim-benali.xlsx", "sophie-marchand.xlsx"
    ]  # fmt: skip
    assert not (campaign.data_dir / COLLECTIVE / "grilles" / "aci-une").exists()


# -- the outputs and the CLI ------------------------------------------------------------------


def test_dashboard_and_restitution_show_before_and_after(tmp_path: Path) -> None:
    campaign, backend = _first_campaign(tmp_path)
    campaign = _rewrite(campaign, _config("2027-2028"))
    _start(campaign, backend)
    with editing(grid_path(backend, "aci-une")) as wb:
        put(wb["Chapitre 1"], "1.1.2", COL_CARRIED, None)
        put(wb["Chapitre 1"], "1.1.2", "retenu", 3)

    runner = CliRunner()
    synced = runner.invoke(main, ["--config", str(campaign.config_path), "sync"])
    assert synced.exit_code == 0, synced.output
    result = runner.invoke(
        main,
        ["--config", str(campaign.config_path), "restitution", "--structure", "aci-une"],
    )
    assert result.exit_code == 0, result.output

    dashboard = openpyxl.load_workbook(campaign.data_dir / COLLECTIVE / "tableau-de-bord.xlsx")
    rows = [r for r in dashboard[BEFORE_AFTER_SHEET].iter_rows(values_only=True)]
    lines = {(r[0], r[1]): r for r in rows[3:]}
    assert lines[("ACI Une", "Critère 1.1.2")][3:7] == (2, 3, 1, "confirmé ou revu")
    assert lines[("ACI Une", "Critère 1.1.1")][3:7] == (1, None, None, "à confirmer")
    assert not any(r[0] == "AI Deux" for r in rows[3:])
    folder = campaign.data_dir / COLLECTIVE / "structures" / "aci-une"
    made = sorted(folder.glob("restitution*.xlsx"))
    assert made
    restitution = openpyxl.load_workbook(made[-1])
    sheet = [r for r in restitution[BEFORE_AFTER_SHEET].iter_rows(values_only=True)]
    assert ("Critère 1.1.2", "Projet partagé", 2, 3, 1, "confirmé ou revu") in sheet


def test_cli_starts_the_campaign_and_history_filters_by_campaign(tmp_path: Path) -> None:
    campaign, backend = _first_campaign(tmp_path)
    campaign = _rewrite(campaign, _config("2027-2028"))
    runner = CliRunner()
    cli = ["--config", str(campaign.config_path)]

    result = runner.invoke(main, [*cli, "nouvelle-campagne", "--structure", "aci-une"])

    assert result.exit_code == 0, result.output
    archive = campaign.data_dir / COLLECTIVE / "archives" / "2025-2026" / "aci-une-2025-2026.xlsx"
    assert result.output.splitlines() == [
        "Nouvelle campagne\u00a0: 1 structure(s) passée(s) à leur nouvelle campagne.",
        "  test-na/aci-une\u00a0: campagne «\u00a02027-2028\u00a0» commencée (3 critère(s) "
        "repris à confirmer)\u202f; grille de «\u00a02025-2026\u00a0» archivée en lecture "
        f"seule\u00a0: {archive}",
    ]
    with editing(grid_path(backend, "aci-une")) as wb:
        put(wb["Chapitre 1"], "1.2.1", "retenu", 2)
    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=T3, workers=1)

    old = runner.invoke(
        main, [*cli, "history", "--structure", "aci-une", "--campaign", "2025-2026"]
    )
    new = runner.invoke(
        main, [*cli, "history", "--structure", "aci-une", "--campaign", "2027-2028"]
    )
    unknown = runner.invoke(main, [*cli, "history", "--structure", "aci-une", "--campaign", "2030"])

    assert old.exit_code == 0 and new.exit_code == 0
    assert "Projet écrit en 2019" in old.output and "1.2.1" not in old.output
    assert "1.2.1" in new.output
    assert (
        "Chapitre 1!N4  1.1.1  Justification / preuves\u00a0: (vide) → "
        "Projet écrit en 2019, jamais relu." in new.output
    )  # the new grid is read as a new file: carried, never « changed »
    assert "Niveau retenu repris (à confirmer)\u00a0: (vide) → 1" in new.output
    assert unknown.exit_code == 1
    assert unknown.output == (
        "Erreur\u00a0: La structure «\u00a0aci-une\u00a0» n'a pas de campagne "
        "«\u00a02030\u00a0»\u202f; ses campagnes\u00a0: 2025-2026, 2027-2028.\n"
    )


def test_the_store_migrates_and_older_readings_belong_to_the_first_campaign(tmp_path: Path) -> None:
    campaign, backend = _first_campaign(tmp_path)
    db = campaign.data_dir / "capsync.sqlite"
    with sqlite3.connect(db) as conn:  # as a store of the previous schema was
        conn.execute("DROP TABLE campaigns")
        conn.execute("DROP TABLE campaign_archive")
        conn.execute("PRAGMA user_version = 3")
    campaign = _rewrite(campaign, _config("2027-2028"))

    _start(campaign, backend)

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
    old = CliRunner().invoke(
        main,
        ["--config", str(campaign.config_path), "history", "--structure", "aci-une",
         "--campaign", "2025-2026"],
    )  # fmt: skip
    assert "Projet écrit en 2019" in old.output


def test_a_carried_level_stays_unconfirmed_when_the_key_row_is_lost(tmp_path: Path) -> None:
    campaign, backend = _first_campaign(tmp_path)
    campaign = _rewrite(campaign, _config("2027-2028"))
    _start(campaign, backend)
    with editing(grid_path(backend, "aci-une")) as wb:
        for sheet in ("Chapitre 1", "Chapitre 2"):
            wb[sheet].delete_rows(2)  # the hidden key row, deleted while sorting

    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=T3, workers=1)
        _, after = split_campaigns(store.current_answers(COLLECTIVE))

    mine = after[after["structure"] == "aci-une"]
    assert sorted(mine["criterion"]) == ["1.1.1", "1.1.2", "2.1.1"]
    assert set(mine["column"]) == {COL_RETAINED_PENDING}


def test_the_example_structure_starts_its_second_campaign(tmp_path: Path) -> None:
    """The example configuration's trait-d-union-17, assessed in 2025-2026 (the demo's
    answers), then moved to 2027-2028 as config/capsync.yaml shows it."""
    from .example_campaign import copy_example

    path = copy_example(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert "        campaign: 2027-2028\n" in text
    path.write_text(text.replace("        campaign: 2027-2028\n", ""), encoding="utf-8")
    runner = CliRunner()
    cli = ["--config", str(path)]
    for command in (["generate"], ["demo"], ["sync"]):
        done = runner.invoke(main, [*cli, *command])
        assert done.exit_code == 0, done.output
    path.write_text(text, encoding="utf-8")  # the admin writes the new campaign

    started = runner.invoke(main, [*cli, "nouvelle-campagne", "--collective", "nouvelle-aquitaine"])
    restitution = runner.invoke(main, [*cli, "restitution", "--structure", "trait-d-union-17"])

    assert started.exit_code == 0, started.output
    assert "trait-d-union-17\u00a0: campagne «\u00a02027-2028\u00a0» commencée" in started.output
    assert restitution.exit_code == 0, restitution.output
    data = load_campaign(path).data_dir
    folder = data / "nouvelle-aquitaine" / "structures" / "trait-d-union-17"
    newest = max(folder.glob("restitution-*.xlsx"), key=lambda p: p.stat().st_mtime_ns)
    book = openpyxl.load_workbook(newest)
    rows = list(book[BEFORE_AFTER_SHEET].iter_rows(values_only=True))[3:]
    chapters = [r for r in rows if str(r[0]).startswith("Chapitre")]
    assert len(chapters) == 5 and all(r[2] is not None for r in chapters)  # before: scored
    assert all(r[3] is None for r in chapters)  # after: nothing confirmed yet
    states = [r[5] for r in rows if str(r[0]).startswith("Critère")]
    assert TO_CONFIRM in states and set(states) <= {TO_CONFIRM, TO_REASSESS}


def test_a_campaign_already_archived_is_refused_and_nothing_moves(tmp_path: Path) -> None:
    campaign, backend = _first_campaign(tmp_path)
    campaign = _rewrite(campaign, _config("2027-2028"))
    archive = campaign.data_dir / COLLECTIVE / "archives" / "2025-2026" / "aci-une-2025-2026.xlsx"
    archive.parent.mkdir(parents=True)
    archive.write_bytes(b"an older archive")
    grid = grid_path(backend, "aci-une")
    before = grid.read_bytes()

    result = CliRunner().invoke(
        main, ["--config", str(campaign.config_path), "--quiet", "nouvelle-campagne"]
    )

    assert result.exit_code == 1
    assert result.output == (
        "Nouvelle campagne\u00a0: 0 structure(s) passée(s) à leur nouvelle campagne.\n"
        f"  test-na/aci-une\u00a0: L'archive {archive} existe déjà\u00a0: la campagne "
        "«\u00a02025-2026\u00a0» de cette structure a déjà été close. Rien n'a été déplacé.\n"
    )
    assert grid.read_bytes() == before and archive.read_bytes() == b"an older archive"
    with Store.open(campaign.data_dir) as store:
        assert current_campaigns(store, COLLECTIVE) == {}  # still in its first campaign


def test_history_of_a_structure_in_its_first_campaign(tmp_path: Path) -> None:
    campaign, _ = _first_campaign(tmp_path)
    cli = ["--config", str(campaign.config_path), "history", "--structure", "aci-une"]

    same = CliRunner().invoke(main, [*cli, "--campaign", "2025-2026"])
    other = CliRunner().invoke(main, [*cli, "--campaign", "2024-2025"])

    assert same.exit_code == 0 and "Projet écrit en 2019" in same.output
    assert other.exit_code == 1
    assert "ses campagnes\u00a0: 2025-2026." in other.output


def test_an_upgrade_keeps_the_marks_and_nothing_carried_counts(tmp_path: Path) -> None:
    from capsync.jobs.generate import GridOutcome, generate

    campaign, backend = _first_campaign(tmp_path)
    cfg = _config("2027-2028")
    campaign = _rewrite(campaign, cfg)
    _start(campaign, backend)
    cfg["collectives"][0]["structures"][0]["respondents"].append(
        {"name": "Nadia Ferrand", "role": "salarie_parcours"}
    )
    campaign = _rewrite(campaign, cfg)

    summary = generate(campaign, backend, upgrade=True, workers=1, now=T3)

    assert [r.ref.name for r in summary.of(GridOutcome.UPGRADED)] == ["aci-une"]
    grid = grid_path(backend, "aci-une")
    assert _cell(grid, "Chapitre 2", "2.1.1", COL_CARRIED).startswith("À confirmer")
    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=T3 + dt.timedelta(hours=1), workers=1)
        _, after = split_campaigns(store.current_answers(COLLECTIVE))
    assert set(after.loc[after["structure"] == "aci-une", "column"]) == {COL_RETAINED_PENDING}


def test_no_before_after_sheet_until_a_structure_starts_a_new_campaign(tmp_path: Path) -> None:
    from capsync.layout.before_after import dashboard_before_after_sheets

    campaign, _ = _first_campaign(tmp_path)
    with Store.open(campaign.data_dir) as store:
        answers = store.current_answers(COLLECTIVE)
    coll = campaign.config.collectives[0]
    assert dashboard_before_after_sheets(coll, campaign.referentiel, answers) == []
    assert split_campaigns(answers)[0].empty


def test_the_sync_says_when_a_campaign_is_named_but_not_started(tmp_path: Path) -> None:
    """Changing the ID alone starts nothing (no grid is archived by accident), and the sync
    tells the admin which command starts it; once started, it says nothing more."""
    from capsync.jobs.new_campaign import pending_campaigns

    campaign, backend = _first_campaign(tmp_path)
    campaign = _rewrite(campaign, _config("2027-2028"))
    coll = campaign.config.collectives[0]
    with Store.open(campaign.data_dir) as store:
        assert pending_campaigns(coll, store) == [
            f"{coll.structure('aci-une').name} : la configuration nomme la campagne "
            "« 2027-2028 », sa grille est de la campagne « 2025-2026 » ; lancez « capsync "
            "nouvelle-campagne --structure aci-une » pour la commencer."
        ]
    _start(campaign, backend)
    with Store.open(campaign.data_dir) as store:
        assert pending_campaigns(coll, store) == []


def test_a_structure_without_a_grid_has_no_campaign_to_close(tmp_path: Path) -> None:
    """No grid in place and no campaign recorded: nothing says which campaign to close, so
    none is guessed (the default one was archived as missing); ``generate`` then makes its
    grid, already of the new campaign, and the next run has nothing to start."""
    from capsync.jobs.generate import generate

    campaign = write_campaign(tmp_path, cfg=_config("2027-2028"))
    backend = LocalBackend(campaign.data_dir)
    generate(campaign, backend, workers=1, now=T0)
    grid_path(backend, "aci-une").unlink()  # removed before anyone answered (or never made)
    cli = ["--config", str(campaign.config_path)]
    runner = CliRunner()

    result = runner.invoke(main, [*cli, "nouvelle-campagne", "--structure", "aci-une"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Nouvelle campagne\u00a0: 0 structure(s) passée(s) à leur nouvelle campagne.",
        "  test-na/aci-une\u00a0: aucune grille en place, donc aucune campagne à clore\u00a0: "
        "«\u00a0capsync generate\u00a0» crée sa grille, directement de la campagne "
        "«\u00a02027-2028\u00a0». Si sa grille a été supprimée ou déplacée, remettez-la "
        "d'abord en place\u00a0: ses réponses seront reprises à confirmer.",
    ]
    assert not grid_path(backend, "aci-une").exists()
    with Store.open(campaign.data_dir) as store:
        assert current_campaigns(store, COLLECTIVE) == {}
    quiet = runner.invoke(main, [*cli, "-q", "nouvelle-campagne", "--structure", "aci-une"])
    assert quiet.output == result.output  # « generate is to be run » is worth a look, even -q
    generate(campaign, backend, workers=1, now=T2)
    assert [r.status for r in _start(campaign, backend, structure="aci-une").results] == [
        Started.UNCHANGED
    ]


def test_a_campaign_whose_grid_is_gone_starts_and_says_nothing_was_archived(
    tmp_path: Path,
) -> None:
    campaign, backend = _first_campaign(tmp_path)
    campaign = _rewrite(campaign, _config("2027-2028"))
    _start(campaign, backend)  # recorded: aci-une is in 2027-2028
    grid_path(backend, "aci-une").unlink()
    campaign = _rewrite(campaign, _config("2028-2029"))

    summary = _start(campaign, backend, structure="aci-une")

    assert [r.previous for r in summary.of(Started.STARTED)] == ["2027-2028"]
    assert summary.lines()[1].startswith(
        "  test-na/aci-une : campagne « 2028-2029 » commencée ("
    ) and summary.lines()[1].endswith(
        "à confirmer) ; la grille de « 2027-2028 » n'était plus en place : rien à archiver"
    )
    assert grid_path(backend, "aci-une").exists()  # its new grid, answers carried
    assert not (campaign.data_dir / COLLECTIVE / "archives" / "2027-2028").exists()

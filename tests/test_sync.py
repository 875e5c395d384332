"""End to end on the local backend: generate → fill → sync → read the outputs back."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import icalendar
import openpyxl
import pytest
from click.testing import CliRunner

from capsync.backends.local import LocalBackend
from capsync.backends.xlsx_read import read_workbook
from capsync.campaign.validation import load_campaign
from capsync.cli import main
from capsync.jobs.sync import CycleReport, run_cycle, state_path
from capsync.locking import campaign_lock
from capsync.scoring.scores import score_collective
from capsync.store.database import Store
from capsync.store.sync_state import SyncState

from .example_campaign import copy_example
from .french_output import plain


def run(config: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output
    return plain(result.output)


def copy_campaign(config: Path, target: Path) -> Path:
    """A copy of a campaign folder (configuration, référentiel, data with its mtimes)."""
    shutil.copytree(config.parent.parent, target, dirs_exist_ok=True)
    return target / "config" / "capsync.yaml"


def outputs(data: Path) -> dict[Path, int]:
    return {
        p: p.stat().st_mtime_ns
        for p in data.rglob("*")
        if p.suffix in (".xlsx", ".pdf", ".ics") and "grilles" not in p.parts
    }


def every_file(data: Path) -> dict[Path, tuple[int, int]]:
    """Size and mtime of every grid and output: what a later test could have changed."""
    found = {p: p.stat() for p in data.rglob("*") if p.suffix in (".xlsx", ".pdf", ".ics")}
    return {p: (s.st_size, s.st_mtime_ns) for p, s in found.items()}


@pytest.fixture(scope="module")
def demoed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example campaign after generate and demo: grids filled, nothing synced yet."""
    config = copy_example(tmp_path_factory.mktemp("campaign"))
    run(config, "generate")
    run(config, "demo")
    return config


@pytest.fixture(scope="module")
def synced(demoed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example campaign after generate, demo and one sync, shared by the tests that
    only read it; a test that changes anything takes ``synced_copy``. Checked at the end."""
    config = copy_campaign(demoed, tmp_path_factory.mktemp("synced"))
    run(config, "sync")
    data = config.parent.parent / "data"
    before = every_file(data)
    yield config
    assert every_file(data) == before, "a test changed the shared synced campaign"


@pytest.fixture
def synced_copy(synced: Path, tmp_path: Path) -> Path:
    """This test's own copy of ``synced``, to change at will."""
    return copy_campaign(synced, tmp_path / "campaign")


@pytest.fixture
def fresh(demoed: Path, tmp_path: Path) -> Path:
    """This test's own copy of the campaign after generate and demo, never synced."""
    return copy_campaign(demoed, tmp_path / "campaign")


def test_sync_writes_dashboards_and_calendars(synced: Path) -> None:
    data = synced.parent.parent / "data"
    for collective in ("nouvelle-aquitaine", "occitanie"):
        folder = data / collective
        assert (folder / "tableau-de-bord.xlsx").is_file()
        assert (folder / "calendrier.xlsx").is_file()
        calendar = icalendar.Calendar.from_ical((folder / "calendrier.ics").read_bytes())
        uids = [str(e["UID"]) for e in calendar.walk("VEVENT")]
        reviews = [uid for uid in uids if uid.endswith("-revue-plan@capsync")]
        assert len(uids) - len(reviews) == 13  # the phases
        assert len(reviews) == 7  # each structure's plan de progrès review


def restitution_files(data: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in data.glob("*/structures/*/restitution-*")}


def test_restitutions_are_produced_at_their_events_each_in_its_structure_s_folder(
    fresh: Path,
) -> None:
    """23/11/2026: the Occitanie chapter 4 regroupement is 3 days away, the Nouvelle-Aquitaine
    campaign closed on 01/07/2026. Each structure gets one dated restitution, in its folder."""
    report = _cycle(fresh, dt.datetime(2026, 11, 23, 9, 0))
    assert report.ok, report.errors
    data = fresh.parent.parent / "data"
    campaign = load_campaign(fresh)
    for collective, stem in (
        ("occitanie", "restitution-chapitre-4-2026-11-23"),
        ("nouvelle-aquitaine", "restitution-cloture-2026-11-23"),
    ):
        coll = campaign.config.collective(collective)
        for structure in coll.structures:
            folder = data / collective / "structures" / structure.id
            files = sorted(p.name for p in folder.glob("restitution-*"))
            assert files == [f"{stem}.pdf", f"{stem}.xlsx"]
            book = read_workbook(folder / f"{stem}.xlsx")
            texts = {v for rows in book.values() for row in rows for v in row if isinstance(v, str)}
            others = {s.name for s in coll.structures if s.id != structure.id}
            assert not {t for t in texts for name in others if name in t}, structure.id
    produced = [p for p in report.produced() if p.kind == "restitution"]
    assert len(produced) == 14
    kits = [p.name for p in report.produced() if p.kind == "regroupement"]
    assert kits == ["chapitre-4-2026-11-26"]  # the délégué·e·s' kit, 3 days before (issue 11)
    ailes = next(p for p in produced if p.structure == "ailes-revel")
    assert ailes.occasions == ("regroupement du chapitre 4 du 26/11/2026",)
    assert ailes.files[0].endswith("occitanie/structures/ailes-revel/" + f"{ailes.name}.xlsx")


def test_a_restitution_says_its_event_and_what_it_was_computed_from(fresh: Path) -> None:
    assert _cycle(fresh, dt.datetime(2026, 11, 23, 9, 0)).ok
    folder = fresh.parent.parent / "data" / "occitanie" / "structures" / "ailes-revel"
    texts = _texts(folder / "restitution-chapitre-4-2026-11-23.xlsx")
    occasion = "Produite pour\u00a0: regroupement du chapitre 4 du 26/11/2026"
    assert any(t.endswith(occasion) for t in texts)
    assert any(t.startswith("Calculée à partir de") for t in texts)


def test_requested_restitutions_are_dated_and_never_overwrite_earlier_ones(fresh: Path) -> None:
    assert _cycle(fresh, dt.datetime(2026, 11, 23, 9, 0)).ok
    data = fresh.parent.parent / "data"
    first = run(fresh, "restitution", "--structure", "ailes-revel")
    day = f"{dt.date.today():%Y-%m-%d}"
    folder = data / "occitanie" / "structures" / "ailes-revel"
    assert first == (
        f"Restitution produite : {folder / f'restitution-{day}.xlsx'}\n"
        f"Son PDF : {folder / f'restitution-{day}.pdf'}\n"  # where it is, not « … (.pdf) »
    )
    kept = (folder / f"restitution-{day}.pdf").read_bytes()
    second = run(fresh, "restitution", "--structure", "ailes-revel")
    assert f"restitution-{day}-2.xlsx" in second
    assert (folder / f"restitution-{day}.pdf").read_bytes() == kept
    assert (folder / "restitution-chapitre-4-2026-11-23.pdf").is_file()  # the event's, kept
    whole = run(fresh, "restitution", "--collective", "nouvelle-aquitaine")
    assert len(whole.splitlines()) == 2 * 7  # each structure's workbook, then its PDF
    result = CliRunner().invoke(main, ["--config", str(fresh), "restitution", "--structure", "x"])
    assert result.exit_code == 1
    assert "La configuration ne connaît pas la structure « x »." in plain(result.output)


def test_dashboard_scores_are_the_scores_of_the_stored_answers(synced: Path) -> None:
    campaign = load_campaign(synced)
    collective = campaign.config.collective("occitanie")
    with Store.open(campaign.data_dir) as store:
        scores = score_collective(
            store.current_answers("occitanie"), campaign.referentiel, collective.structures
        )
    expected = {
        r.structure: r.overall for r in scores.overall.itertuples() if r.overall == r.overall
    }
    assert expected, "the demo should have produced answers"
    book = openpyxl.load_workbook(campaign.data_dir / "occitanie" / "tableau-de-bord.xlsx")
    sheet = book["Synthèse"]
    names = {s.name: s.id for s in collective.structures}
    found = {}
    rows = list(sheet.iter_rows(values_only=True))
    header = next(r for r in rows if r and "Score global" in [str(v) for v in r])
    col = list(header).index("Score global")
    for row in rows:
        if row and row[0] in names and isinstance(row[col], int | float):
            found[names[row[0]]] = row[col]
    assert found.keys() == expected.keys()
    for structure, overall in expected.items():
        assert found[structure] == pytest.approx(overall, abs=0.05)


def test_a_second_sync_with_nothing_changed_rewrites_nothing(synced_copy: Path) -> None:
    data = synced_copy.parent.parent / "data"
    before = outputs(data)
    output = run(synced_copy, "sync")
    assert "0 fichier de sortie réécrit" in output
    assert outputs(data) == before


def test_a_changed_grid_rewrites_the_outputs_that_depend_on_it(synced_copy: Path) -> None:
    data = synced_copy.parent.parent / "data"
    grid = data / "occitanie" / "grilles" / "ailes-revel.xlsx"
    book = openpyxl.load_workbook(grid)
    sheet = book["Chapitre 1"]
    rows = list(sheet.iter_rows(values_only=True))
    keys = list(rows[1])
    sheet.cell(4, keys.index("retenu") + 1).value = "4 - Exemplaire"
    book.save(grid)
    before = outputs(data)
    output = run(synced_copy, "sync")
    after = outputs(data)
    changed = {p for p in after if after[p] != before.get(p)}
    # the live views (the collectif's, the network's) and the structure's own « À corriger »
    # move; no restitution (no event)
    mine = data / "occitanie" / "structures" / "ailes-revel" / "a-corriger.xlsx"
    network = data / "reseau" / "vue-reseau.xlsx"
    assert {data / "occitanie" / "tableau-de-bord.xlsx", network} <= changed
    assert changed <= {data / "occitanie" / "tableau-de-bord.xlsx", mine, network}
    assert output.startswith("1 grille lue sur 14 ;")


def test_a_command_waits_for_no_one_while_the_lock_is_held(synced_copy: Path) -> None:
    campaign = load_campaign(synced_copy)
    with campaign_lock(campaign.data_dir):
        result = CliRunner().invoke(main, ["--config", str(synced_copy), "sync"])
    assert result.exit_code == 1
    assert "Une autre commande capsync" in result.output


def test_person_text_never_becomes_a_formula_in_the_dashboard(tmp_path: Path) -> None:
    config = copy_example(tmp_path)
    run(config, "generate", "--collective", "occitanie", "--structure", "ailes-revel")
    grid = tmp_path / "data" / "occitanie" / "grilles" / "ailes-revel.xlsx"
    book = openpyxl.load_workbook(grid)
    plan = book["Plan de progrès"]
    keys = [c.value for c in plan[2]]
    typed = ['=IMPORTXML("http://x";"//a")', "+33 6 12 34 56 78", "@SUM(A1:A3)"]
    for offset, text in enumerate(typed):
        row = 4 + offset
        for key, value in (("action", text), ("responsable", text), ("statut", "à faire")):
            cell = plan.cell(row, keys.index(key) + 1)
            cell.value = value
            cell.data_type = "s"  # what a person gets when Excel keeps the text as typed
    book.save(grid)
    run(config, "sync", "--collective", "occitanie")
    dashboard = openpyxl.load_workbook(tmp_path / "data" / "occitanie" / "tableau-de-bord.xlsx")
    cells = [
        c for row in dashboard["Plans de progrès"].iter_rows() for c in row if c.value in typed
    ]
    assert {c.value for c in cells} == set(typed)
    assert all(c.data_type == "s" for c in cells)


@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)
def test_libreoffice_opens_every_output(synced: Path, tmp_path: Path) -> None:
    data = synced.parent.parent / "data" / "occitanie"
    files = [
        data / "tableau-de-bord.xlsx",
        data / "calendrier.xlsx",
        *sorted(data.glob("structures/*/restitution-*.xlsx"))[:2],
    ]
    profile = tmp_path / "profile"
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "ods",
            "--outdir",
            str(tmp_path),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for file in files:
        converted = tmp_path / f"{file.stem}.ods"
        assert converted.is_file() and converted.stat().st_size > 0, result.stdout


def test_demo_never_touches_a_grid_with_answers(synced_copy: Path) -> None:
    data = synced_copy.parent.parent / "data"
    before = {p: p.stat().st_mtime_ns for p in data.rglob("grilles/*.xlsx")}
    output = run(synced_copy, "demo")
    assert output.startswith("0 grilles remplies")
    assert {p: p.stat().st_mtime_ns for p in data.rglob("grilles/*.xlsx")} == before


def test_sync_dates_are_today(synced: Path) -> None:
    campaign = load_campaign(synced)
    with Store.open(campaign.data_dir) as store:
        changes = store.last_change("occitanie")
    assert changes and all(when.date() <= dt.date.today() for when in changes.values())


def _cycle(config: Path, now: dt.datetime) -> CycleReport:
    campaign = load_campaign(config)
    with Store.open(campaign.data_dir) as store, SyncState(state_path(campaign.data_dir)) as state:
        return run_cycle(campaign, LocalBackend(campaign.data_dir), store, state, now=now)


def test_a_deleted_output_is_written_again_at_the_next_sync(fresh: Path) -> None:
    now = dt.datetime(2026, 11, 23, 9, 0)
    assert _cycle(fresh, now).ok
    data = fresh.parent.parent / "data" / "occitanie"
    (data / "tableau-de-bord.xlsx").unlink()
    report = _cycle(fresh, now + dt.timedelta(minutes=15))
    assert (data / "tableau-de-bord.xlsx").is_file()
    written = [w for c in report.collectives for w in c.written]
    assert all("nouvelle-aquitaine" not in w for w in written)


def test_restitutions_are_not_rewritten_the_next_day_when_nothing_moved(fresh: Path) -> None:
    now = dt.datetime(2026, 11, 23, 9, 0)
    assert _cycle(fresh, now).ok
    data = fresh.parent.parent / "data"
    before = restitution_files(data)
    assert len(before) == 28
    report = _cycle(fresh, now + dt.timedelta(days=1))
    assert report.ok and report.produced() == []
    assert restitution_files(data) == before


def test_a_pull_that_fails_still_refreshes_the_outputs_from_what_is_stored(fresh: Path) -> None:
    now = dt.datetime(2026, 11, 23, 9, 0)
    assert _cycle(fresh, now).ok
    data = fresh.parent.parent / "data" / "occitanie"
    shutil.rmtree(data / "grilles")
    (data / "grilles").write_text("un fichier à la place du dossier des grilles")
    (data / "tableau-de-bord.xlsx").unlink()
    report = _cycle(fresh, now + dt.timedelta(minutes=15))
    assert not report.ok
    assert report.errors["pull"].startswith("Lecture des grilles impossible")
    assert (data / "tableau-de-bord.xlsx").is_file()


def test_demo_never_touches_a_grid_whose_plan_de_progres_was_typed(tmp_path: Path) -> None:
    config = copy_example(tmp_path)
    run(config, "generate", "--collective", "occitanie", "--structure", "ailes-revel")
    grid = tmp_path / "data" / "occitanie" / "grilles" / "ailes-revel.xlsx"
    book = openpyxl.load_workbook(grid)
    plan = book["Plan de progrès"]
    keys = [c.value for c in plan[2]]
    plan.cell(4, keys.index("action") + 1).value = "Action tapée par la structure"
    book.save(grid)
    before = grid.read_bytes()
    output = run(config, "demo")
    assert f"{grid} : déjà renseignée, laissée telle quelle." in output
    assert grid.read_bytes() == before


def _texts(path: Path) -> set[str]:
    """Every text cell of a workbook, as a délégué·e reads it."""
    return {
        v
        for rows in read_workbook(path).values()
        for row in rows
        for v in row
        if isinstance(v, str)
    }


def _outcome(report: CycleReport, collective: str):
    (found,) = [c for c in report.collectives if c.collective == collective]
    return found


def test_a_new_day_rewrites_dashboards_and_calendars_not_restitutions(fresh: Path) -> None:
    day = dt.datetime(2026, 11, 23, 9, 0)
    assert _cycle(fresh, day).ok
    data = fresh.parent.parent / "data"
    restitutions = restitution_files(data)
    assert len(restitutions) == 28  # 14 workbooks and 14 PDFs
    report = _cycle(fresh, day + dt.timedelta(days=1))
    assert report.ok, report.errors
    for collective in ("nouvelle-aquitaine", "occitanie"):
        assert not _outcome(report, collective).skipped
        dashboard = _texts(data / collective / "tableau-de-bord.xlsx")
        assert any(t.startswith("Mis à jour le 24/11/2026.") for t in dashboard)
        assert "au 24/11/2026" in _texts(data / collective / "calendrier.xlsx")
    assert restitution_files(data) == restitutions


def test_a_dashboard_open_in_libreoffice_is_written_at_the_next_sync(fresh: Path) -> None:
    day = dt.datetime(2026, 11, 23, 9, 0)
    assert _cycle(fresh, day).ok
    folder = fresh.parent.parent / "data" / "occitanie"
    dashboard = folder / "tableau-de-bord.xlsx"
    lock = folder / ".~lock.tableau-de-bord.xlsx#"
    lock.write_text("Xavier Delmas,xavier,poste-1,23.11.2026 09:30,file:///home/xavier;")
    before = dashboard.read_bytes()
    next_day = day + dt.timedelta(days=1)

    report = _cycle(fresh, next_day)
    message = (
        f"Le fichier {dashboard} est ouvert dans un tableur (Excel ou LibreOffice) : "
        "il n'a pas été modifié et sera repris au prochain passage."
    )
    assert report.ok and _outcome(report, "occitanie").locked == [message]
    assert message in report.warnings()
    assert dashboard.read_bytes() == before
    assert "au 24/11/2026" in _texts(folder / "calendrier.xlsx")  # the rest went on

    lock.unlink()  # LibreOffice closed; nothing else changed since
    report = _cycle(fresh, next_day + dt.timedelta(minutes=15))
    assert report.ok and _outcome(report, "occitanie").written == [str(dashboard)]
    assert any(t.startswith("Mis à jour le 24/11/2026.") for t in _texts(dashboard))


def test_a_collectif_that_fails_is_reported_and_the_others_are_written(fresh: Path) -> None:
    data = fresh.parent.parent / "data"
    blocked = data / "occitanie" / "tableau-de-bord.xlsx"
    blocked.mkdir(parents=True)  # a folder where the dashboard should be
    result = CliRunner().invoke(main, ["--config", str(fresh), "sync"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # said, not a traceback
    lines = plain(result.output).splitlines()
    assert "; 1 collectif en erreur" in lines[0]
    (cause,) = [line for line in lines if line.startswith("Collectif occitanie : ")]
    assert str(blocked.parent) in cause and "c'est un dossier et non un fichier" in cause
    assert (data / "nouvelle-aquitaine" / "tableau-de-bord.xlsx").is_file()
    blocked.rmdir()  # the admin fixes it: the next sync writes what was missing
    assert "0 collectif" not in run(fresh, "sync")
    assert blocked.is_file()

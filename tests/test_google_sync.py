"""A whole `capsync sync` cycle on the Google backend, against the local Google API server.

Grids are generated on Drive, filled through the Sheets API the way people type in
the browser, then `run_cycle` writes the dashboard, the calendar (sheet + .ics) and one
restitution (sheet + PDF) per structure. What is checked is what a délégué·e opens:
the files in the collectif's folder, read back through the API as a person would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gspread
import icalendar
import pytest
from google.oauth2.credentials import Credentials

from capsync.backends.google import GoogleBackend
from capsync.backends.google.http import sheets_client
from capsync.campaign.validation import Campaign
from capsync.jobs.generate import GridOutcome, generate
from capsync.jobs.sync import CycleReport, run_cycle
from capsync.scoring.scores import score_collective
from capsync.store.database import Store
from capsync.store.sync_state import SyncState
from capsync.workbook.grid_schema import FIRST_DATA_ROW, KEY_ROW, PLAN_SHEET
from capsync.workbook.refs import Kind, WorkbookRef
from tests.google_api.fixtures import GoogleApi
from tests.google_api.state import SPREADSHEET_MIME, DriveFile

from .test_google_backend import NOW, campaign, fill_google, google, locate

COLLECTIVE = "test-na"
DELEGATE = "xavier@example.org"
STRUCTURES = {"ACI Une": "aci-une", "AI Deux": "ai-deux"}
FOLDER_MIME = "application/vnd.google-apps.folder"
ACTION_TEXT = '=IMPORTXML("http://x";"//a")'


@dataclass
class Synced:
    camp: Campaign
    backend: GoogleBackend
    store: Store
    state: SyncState
    person: gspread.Client

    def cycle(self, minutes: int = 0) -> CycleReport:
        return run_cycle(self.camp, self.backend, self.store, self.state,
                         now=NOW + dt.timedelta(minutes=minutes))  # fmt: skip


@pytest.fixture
def synced(google_api: GoogleApi, tmp_path: Path) -> Iterator[Synced]:
    """Grids generated on Drive and filled by their structures; no cycle run yet."""
    camp = campaign(tmp_path)
    backend = google(google_api, camp)
    generate(camp, backend, workers=1, now=NOW)
    fill_google(google_api, backend)
    person = sheets_client(Credentials(token="delegue"), endpoint=google_api.url)
    with Store(tmp_path / "capsync.sqlite") as store, SyncState(tmp_path / "sync.sqlite") as st:
        yield Synced(camp, backend, store, st, person)


def files(api: GoogleApi) -> list[DriveFile]:
    return list(api.state.files.values())


def folder(api: GoogleApi, name: str, parent: str = "root") -> DriveFile:
    (found,) = [f for f in files(api) if f.name == name and f.mime_type == FOLDER_MIME
                and parent in f.parents]  # fmt: skip
    return found


def children(api: GoogleApi, parent: DriveFile) -> dict[str, DriveFile]:
    return {f.name: f for f in files(api) if parent.id in f.parents}


def number(text: str) -> float:
    """A score as Sheets shows it, « 2,5 » or « 2.5 »."""
    return float(text.replace(",", "."))


def start_day(event: icalendar.Event) -> dt.date:
    start = event.decoded("dtstart")
    return start.date() if isinstance(start, dt.datetime) else start


def test_a_cycle_writes_what_delegates_read(google_api: GoogleApi, synced: Synced) -> None:
    report = synced.cycle()
    assert report.ok, report.errors
    coll = folder(google_api, COLLECTIVE)
    top = children(google_api, coll)
    dashboard = top["Tableau de bord — Collectif de test [tableau-de-bord]"]
    assert dashboard.mime_type == SPREADSHEET_MIME
    assert top["Calendrier — Collectif de test [calendrier]"].mime_type == SPREADSHEET_MIME

    ics = top["calendrier.ics"]
    assert ics.mime_type == "text/calendar" and ics.content
    events = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
    collective = synced.camp.config.collectives[0]
    reviews = [e for e in events if str(e["UID"]).endswith("-revue-plan@capsync")]
    assert len(reviews) == len(collective.structures)  # each plan de progrès review
    events = [e for e in events if e not in reviews]
    assert len(events) == len(collective.calendar)
    assert sorted(map(start_day, events)) == sorted(p.date for p in collective.calendar)

    # restitutions are documents of events (tests/test_restitution_google.py): none on 02/03/2026
    assert not [p for p in report.produced() if p.kind == Kind.RESTITUTION]

    # the délégué·e reads the collectif's folder, so every output in it: one grant in all
    assert [(p["emailAddress"], p["role"]) for p in coll.permissions] == [(DELEGATE, "reader")]
    outputs = [dashboard, top["Calendrier — Collectif de test [calendrier]"], ics]
    for output in outputs:  # nothing granted file by file
        assert output.permissions == [], output.name

    scores = score_collective(synced.store.current_answers(COLLECTIVE),
                              synced.camp.referentiel, collective.structures)  # fmt: skip
    rows = synced.person.open_by_key(dashboard.id).worksheet("Synthèse").get_all_values()
    header = next(r for r in rows if "Score global" in r)
    shown = {STRUCTURES[r[0]]: r for r in rows if r and r[0] in STRUCTURES}
    assert shown.keys() == set(STRUCTURES.values())
    overall = scores.overall.set_index("structure")["overall"]
    for structure, row in shown.items():
        assert number(row[header.index("Score global")]) == pytest.approx(
            overall[structure], abs=0.05
        )
    for chapter in scores.chapters.itertuples():
        cell = shown[chapter.structure][header.index(f"Ch. {chapter.chapter} — score")]
        assert number(cell) == pytest.approx(chapter.score, abs=0.05)


def test_a_second_cycle_with_nothing_changed_costs_one_listing(
    google_api: GoogleApi, synced: Synced
) -> None:
    synced.cycle()
    before = {f.id: (f.version, f.content) for f in files(google_api)}
    google_api.stats.reset()
    report = synced.cycle(minutes=5)
    assert report.ok and sum(len(c.written) for c in report.collectives) == 0
    assert google_api.stats.snapshot()["by_method"] == {"files.list": 1}
    assert {f.id: (f.version, f.content) for f in files(google_api)} == before


def test_a_cycle_lists_only_the_grids_yet_sees_a_trashed_grid_and_a_grant_to_redo(
    google_api: GoogleApi, synced: Synced
) -> None:
    synced.cycle()
    une, deux = (WorkbookRef(COLLECTIVE, Kind.GRID, s) for s in ("aci-une", "ai-deux"))
    une_id, deux_id = synced.backend.file_id(une), synced.backend.file_id(deux)
    assert une_id and deux_id
    google_api.state.files[une_id].trashed = True  # put in the bin by someone
    lost = google_api.state.files[deux_id]  # its grant was lost: marked on Drive, not made
    lost.permissions = [p for p in lost.permissions if p.get("role") != "writer"]
    lost.app_properties["capsyncShared"] = "0"
    lost.name = "Grille renommée"  # renamed in the browser: still its structure's grid
    google_api.stats.reset()
    report = synced.cycle(minutes=5)
    assert google_api.stats.snapshot()["by_method"]["files.list"] == 1
    assert report.pull is not None
    assert any("corbeille" in a.message for a in report.pull.anomalies), report.pull.anomalies
    assert "writer" in {p.get("role") for p in lost.permissions}
    assert lost.app_properties["capsyncShared"] == "1"
    assert synced.backend.listing().workbooks[deux].id == deux_id


def test_one_edited_grid_is_the_only_one_read_and_the_dashboard_follows(
    google_api: GoogleApi, synced: Synced
) -> None:
    synced.cycle()
    ref = WorkbookRef(COLLECTIVE, Kind.GRID, "ai-deux")
    raw = synced.backend.read(ref)
    row, col = locate(raw["Chapitre 2"], "2.1.2", "retenu")
    book = synced.person.open_by_key(synced.backend.file_id(ref))
    book.worksheet("Chapitre 2").update([["4"]], gspread.utils.rowcol_to_a1(row + 1, col + 1),
                                        value_input_option="USER_ENTERED")  # fmt: skip
    dashboard = synced.backend.file_id(WorkbookRef(COLLECTIVE, Kind.DASHBOARD))
    assert dashboard
    version = google_api.state.files[dashboard].version
    google_api.stats.reset()
    report = synced.cycle(minutes=5)
    assert report.ok and report.pull and report.pull.read == 1
    assert google_api.stats.by_method["spreadsheets.get"] == 1
    assert google_api.state.files[dashboard].version > version
    rows = synced.person.open_by_key(dashboard).worksheet("Synthèse").get_all_values()
    header = next(r for r in rows if "Score global" in r)
    (deux,) = [r for r in rows if r and r[0] == "AI Deux"]
    assert number(deux[header.index("Ch. 2 — score")]) == pytest.approx(4.0)


def test_typed_text_that_looks_like_a_formula_stays_text_in_the_dashboard(
    google_api: GoogleApi, synced: Synced
) -> None:
    ref = WorkbookRef(COLLECTIVE, Kind.GRID, "aci-une")
    plan = synced.backend.read(ref)[PLAN_SHEET]
    keys = plan[KEY_ROW]
    sheet = synced.person.open_by_key(synced.backend.file_id(ref)).worksheet(PLAN_SHEET)
    first = FIRST_DATA_ROW + 1
    cells = [(keys.index("critere"), "1.1.1"), (keys.index("action"), ACTION_TEXT),
             (keys.index("statut"), "à faire")]  # fmt: skip
    sheet.batch_update([{"range": gspread.utils.rowcol_to_a1(first, col + 1), "values": [[text]]}
                        for col, text in cells], value_input_option="USER_ENTERED")  # fmt: skip
    report = synced.cycle()
    assert report.ok, report.errors

    dashboard = synced.backend.file_id(WorkbookRef(COLLECTIVE, Kind.DASHBOARD))
    assert dashboard
    shown = synced.person.open_by_key(dashboard).worksheet("Plans de progrès")
    formulas = shown.get_all_values(value_render_option="FORMULA")
    found = [(r, c) for r, row in enumerate(formulas) for c, v in enumerate(row)
             if v == ACTION_TEXT]  # fmt: skip
    assert len(found) == 1
    r, c = found[0]
    assert shown.get_all_values()[r][c] == ACTION_TEXT  # displayed as typed, not #NAME?
    book = google_api.state.books[dashboard]
    stored = book.sheet_by_title("Plans de progrès")
    assert stored is not None
    assert stored.cells[(r, c)]["userEnteredValue"] == {"stringValue": ACTION_TEXT}


def test_a_forced_cycle_replaces_the_ics_and_pdfs_in_place(
    google_api: GoogleApi, synced: Synced
) -> None:
    synced.cycle()
    uploaded = {f.id: f.version for f in files(google_api) if f.content is not None}
    assert len(uploaded) == 3  # calendrier.ics and two PDFs
    google_api.stats.reset()
    report = run_cycle(synced.camp, synced.backend, synced.store, synced.state,
                       now=NOW + dt.timedelta(days=1), force=True)  # fmt: skip
    assert report.ok, report.errors
    assert google_api.stats.by_method["files.update"] == 3
    assert "files.create" not in google_api.stats.by_method
    after = {f.id: f.version for f in files(google_api) if f.content is not None}
    assert after.keys() == uploaded.keys()  # the same files, no second calendrier.ics
    assert all(after[i] > uploaded[i] for i in uploaded)


def test_the_audit_covers_the_ics_and_pdfs_beside_the_workbooks(
    google_api: GoogleApi, synced: Synced
) -> None:
    from capsync.backends.google.sharing import audit

    synced.cycle()
    assert audit(synced.backend, synced.camp.config) == []
    ics = next(f for f in files(google_api) if f.name == "calendrier.ics")
    synced.backend.drive.grant(ics.id, "inconnu@gmail.com", "reader")
    [finding] = audit(synced.backend, synced.camp.config)
    assert finding.message == (
        "test-na/calendrier : inconnu@gmail.com n'est pas dans la configuration (lecteur)"
    )


def _dashboard_values(api: GoogleApi, person: gspread.Client) -> dict[str, list[list[str]]]:
    top = children(api, folder(api, COLLECTIVE))
    book = person.open_by_key(top["Tableau de bord — Collectif de test [tableau-de-bord]"].id)
    return {ws.title: ws.get_all_values() for ws in book.worksheets()}


def _campaign_until_done(api: GoogleApi, tmp_path: Path, faulty: bool) -> dict:
    """Generate, let people fill, and run cycles until one ends without error."""
    from capsync.backends.google.quota import RetryPolicy

    camp = campaign(tmp_path)
    backend = google(api, camp, policy=RetryPolicy(timeout=0.3))
    person = sheets_client(Credentials(token="delegue"), endpoint=api.url)
    faults = {"rate": 0.2, "codes": (429, 500, 503), "delay": 0.6, "delay_rate": 0.03}
    if faulty:
        api.faults(**faults, seed=11)
    for _ in range(10):
        done = generate(camp, backend, workers=1, now=NOW).results
        if all(r.status in (GridOutcome.CREATED, GridOutcome.EXISTING) for r in done):
            break
    api.faults()
    fill_google(api, backend)
    with Store(tmp_path / "capsync.sqlite") as store, SyncState(tmp_path / "s.sqlite") as state:
        for attempt in range(12):  # a cycle cut short by faults resumes at the next one
            if faulty:
                api.faults(**faults, seed=20 + attempt)
            report = run_cycle(camp, backend, store, state, now=NOW)
            api.faults()
            if report.ok:
                break
        assert report.ok, report.errors
    if faulty:  # the faults really happened, and were answered
        assert sum(api.stats.by_status.get(code, 0) for code in (429, 500, 503)) > 0
    return _dashboard_values(api, person)


def test_with_a_fifth_of_requests_failing_the_cycles_converge_to_the_same_dashboard(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    clean = _campaign_until_done(google_api, tmp_path / "clean", faulty=False)
    google_api.reset()
    faulty = _campaign_until_done(google_api, tmp_path / "faulty", faulty=True)
    assert faulty == clean
    assert any("Score global" in row for row in clean["Synthèse"])


def test_a_new_delegate_in_the_configuration_is_flagged_for_the_audit(
    google_api: GoogleApi, synced: Synced
) -> None:
    from .grid_campaign import config, write_campaign

    assert synced.cycle().warnings() == []
    cfg = config()
    cfg["collectives"][0]["structures"][0]["contacts"] = ["direction@aci-une.fr"]
    cfg["collectives"][0]["structures"][1]["contacts"] = ["contact@ai-deux.fr"]
    cfg["collectives"][0]["delegates"][0]["email"] = "nouvelle@example.org"
    cfg["backend"]["google"] = {"root_folder_id": None, "requests_per_minute": 50}
    synced.camp = write_campaign(synced.camp.config_path.parent, cfg=cfg)
    warnings = synced.cycle(minutes=15).warnings()
    assert warnings == [
        "Collectif test-na : les délégué·e·s ou les contacts ont changé dans la configuration ; "
        "lancez « capsync audit --fix » pour mettre les partages à jour."
    ]
    assert synced.cycle(minutes=30).warnings() == []  # said once


def test_a_sync_while_drive_does_not_answer_reports_the_cause_then_catches_up(
    google_api: GoogleApi, synced: Synced
) -> None:
    """A new ``capsync sync`` (nothing cached) while Drive answers 503 to everything: the
    collectif fails before any output is written, and says why; the next cycle writes it all."""
    from capsync.backends.google.quota import RetryPolicy

    down = google(google_api, synced.camp, policy=RetryPolicy(max_tries=2, base=0.0))
    google_api.faults(rate=1.0, codes=(503,))
    report = run_cycle(synced.camp, down, synced.store, synced.state, now=NOW)
    google_api.faults()
    listing_failed = (
        "Impossible de lister les fichiers sur Google Drive (Google a répondu 503 backendError "
        "« The service is currently unavailable. ») : la synchronisation reprendra au prochain "
        "passage."
    )
    assert not report.ok
    assert report.errors == {
        COLLECTIVE: listing_failed,
        "pull": f"Lecture des grilles impossible : {listing_failed}",
    }
    assert report.summary() == (
        "lecture des grilles impossible ; 0 fichier de sortie réécrit ; 1 collectif en erreur."
    )
    assert report.warnings() == [  # the cause once, not again for each collectif
        f"Lecture des grilles impossible : {listing_failed}",
        f"Collectif {COLLECTIVE} : non mis à jour, pour la même raison.",
    ]
    assert not [f for f in files(google_api) if "tableau-de-bord" in f.name]

    again = synced.cycle(minutes=15)
    assert again.ok, again.errors
    assert [f.name for f in files(google_api) if "tableau-de-bord" in f.name] == [
        "Tableau de bord — Collectif de test [tableau-de-bord]"
    ]

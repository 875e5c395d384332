"""A whole campaign on the Google backend, against the local Google API server.

People fill their grids through the Sheets API as the browser does (values
typed, so USER_ENTERED), the sync pulls and scores; the scores must be the
ones the local backend gives for the same typing. Then the same under 20 %
of failing requests, request counts per operation, and the sharing audit.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import gspread
import pandas as pd
from google.oauth2.credentials import Credentials

from capsync.backends.base import Backend
from capsync.backends.google import GoogleBackend
from capsync.backends.google.http import sheets_client
from capsync.backends.google.quota import RetryPolicy
from capsync.backends.google.sharing import audit, diff, fix
from capsync.backends.local import LocalBackend
from capsync.campaign.config import GoogleSettings
from capsync.campaign.validation import Campaign
from capsync.jobs.generate import GridOutcome, generate
from capsync.jobs.pull import pull
from capsync.scoring.scores import score_collective
from capsync.store.database import Store
from capsync.workbook.grid_schema import FIRST_DATA_ROW, GUIDE_SHEET, KEY_ROW, UNPARSED_SHEETS
from capsync.workbook.refs import Kind, WorkbookRef
from tests.google_api.fixtures import GoogleApi
from tests.google_api.state import DriveFile

from .grid_campaign import config, write_campaign

SA = "capsync@projet.iam.gserviceaccount.com"
NOW = dt.datetime(2026, 3, 2, 9, 0)
# (structure, sheet, criterion, column key) → what the person types
TYPED: dict[tuple[str, str, str, str], str] = {
    ("aci-une", "Chapitre 1", "1.1.1", "r:sophie-marchand"): "3",
    ("aci-une", "Chapitre 1", "1.1.1", "r:karim-benali"): "2",
    ("aci-une", "Chapitre 1", "1.1.2", "r:sophie-marchand"): "NA",
    ("aci-une", "Chapitre 1", "1.1.1", "retenu"): "3",
    ("aci-une", "Chapitre 1", "1.2.1", "retenu"): "1",
    ("aci-une", "Chapitre 2", "2.1.1", "retenu"): "4",
    ("aci-une", "Chapitre 1", "1.1.1", "justification"): '=HYPERLINK("x")',
    ("ai-deux", "Chapitre 1", "1.1.3", "r:1"): "2",
    ("ai-deux", "Chapitre 1", "1.1.3", "retenu"): "2",
    ("ai-deux", "Chapitre 2", "2.1.2", "retenu"): "0",
}


def campaign(folder: Path) -> Campaign:
    cfg = config()
    coll = cfg["collectives"][0]
    coll["structures"][0]["contacts"] = ["direction@aci-une.fr"]
    coll["structures"][1]["contacts"] = ["contact@ai-deux.fr"]
    cfg["backend"]["google"] = {"root_folder_id": None, "requests_per_minute": 50}
    return write_campaign(folder, cfg=cfg)


def google(api: GoogleApi, camp: Campaign, **options: Any) -> GoogleBackend:
    settings = GoogleSettings(endpoint=api.url, requests_per_minute=50)
    return GoogleBackend(settings, Credentials(token="t"), config=camp.config,
                         service_account_email=SA, clock=api.clock, sleep=api.clock.advance,
                         **options)  # fmt: skip


def locate(raw: list[list[Any]], criterion: str, key: str) -> tuple[int, int]:
    col = raw[KEY_ROW].index(key)
    row = next(r for r in range(FIRST_DATA_ROW, len(raw)) if raw[r] and raw[r][0] == criterion)
    return row, col


def fill_google(api: GoogleApi, backend: GoogleBackend) -> None:
    """Type every answer in the browser: one USER_ENTERED batch per sheet, as Sheets saves."""
    person = sheets_client(Credentials(token="person"), endpoint=api.url)
    for structure in ("aci-une", "ai-deux"):
        ref = WorkbookRef("test-na", Kind.GRID, structure)
        raw = backend.read(ref)
        book = person.open_by_key(backend.file_id(ref))
        for sheet in ("Chapitre 1", "Chapitre 2"):
            data = []
            for (sid, sname, criterion, key), text in TYPED.items():
                if (sid, sname) == (structure, sheet):
                    row, col = locate(raw[sheet], criterion, key)
                    data.append({"range": gspread.utils.rowcol_to_a1(row + 1, col + 1),
                                 "values": [[text]]})  # fmt: skip
            if data:
                book.worksheet(sheet).batch_update(data, value_input_option="USER_ENTERED")


def fill_local(backend: LocalBackend) -> None:
    import openpyxl

    for structure in ("aci-une", "ai-deux"):
        ref = WorkbookRef("test-na", Kind.GRID, structure)
        raw = backend.read(ref)
        path = backend.path(ref)
        book = openpyxl.load_workbook(path)
        for (sid, sheet, criterion, key), text in TYPED.items():
            if sid == structure:
                row, col = locate(raw[sheet], criterion, key)
                value: Any = int(text) if text.isdigit() else text  # Excel reads « 3 » as 3
                book[sheet].cell(row + 1, col + 1).value = value
        book.save(path)


def scores(camp: Campaign, backend: Backend, db: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    with Store(db) as store:
        pull(camp, backend, store, now=NOW, workers=1)
        answers = store.current_answers("test-na")
    result = score_collective(answers, camp.referentiel, camp.config.collectives[0].structures)
    return result.criteria, result.chapters


def test_a_campaign_scores_the_same_on_google_as_on_local_files(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    local = LocalBackend(camp.data_dir)
    generate(camp, local, workers=1, now=NOW)
    fill_local(local)
    expected = scores(camp, local, tmp_path / "local.sqlite")

    backend = google(google_api, camp)
    summary = generate(camp, backend, workers=1, now=NOW)
    assert [r.status for r in summary.results] == [GridOutcome.CREATED, GridOutcome.CREATED]
    fill_google(google_api, backend)
    got = scores(camp, backend, tmp_path / "google.sqlite")
    pd.testing.assert_frame_equal(got[0], expected[0])
    pd.testing.assert_frame_equal(got[1], expected[1])
    assert got[1]["score"].notna().any()
    ref = WorkbookRef("test-na", Kind.GRID, "aci-une")  # a pull leaves out the same sheets
    pulled = backend.read(ref, UNPARSED_SHEETS)
    assert list(pulled) == list(local.read(ref, UNPARSED_SHEETS))
    assert GUIDE_SHEET in backend.read(ref) and GUIDE_SHEET not in pulled


def test_with_a_fifth_of_requests_failing_the_sync_converges(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    clean = google(google_api, camp)
    generate(camp, clean, workers=1, now=NOW)
    fill_google(google_api, clean)
    expected = scores(camp, clean, tmp_path / "clean.sqlite")
    google_api.reset()

    policy = RetryPolicy(timeout=0.3)
    backend = google(google_api, camp, policy=policy)
    google_api.faults(rate=0.2, codes=(429, 500, 503), delay=0.6, delay_rate=0.03, seed=7)
    for _ in range(10):  # cycles: a cycle cut short resumes at the next one
        summary = generate(camp, backend, workers=1, now=NOW)
        if all(r.status in (GridOutcome.CREATED, GridOutcome.EXISTING) for r in summary.results):
            break
        time.sleep(0.7)  # time passes between two cycles (a delayed request lands)
    google_api.faults()
    fill_google(google_api, backend)
    google_api.faults(rate=0.2, codes=(429, 500, 503), seed=8)
    got = scores(camp, backend, tmp_path / "faulty.sqlite")
    google_api.faults()
    pd.testing.assert_frame_equal(got[0], expected[0])
    grids = [f for f in google_api.state.files.values() if f.mime_type.endswith("spreadsheet")]
    assert sorted(f.name for f in grids) == [
        "CAP RSE — grille d'auto-évaluation — ACI Une [aci-une]",
        "CAP RSE — grille d'auto-évaluation — AI Deux [ai-deux]",
    ]  # nothing written twice, no half-created file left
    assert backend.budget.retries > 0


def test_request_counts_per_operation(google_api: GoogleApi, tmp_path: Path) -> None:
    camp = campaign(tmp_path)
    backend = google(google_api, camp)
    generate(camp, backend, workers=1, now=NOW)
    created = google_api.stats.snapshot()["by_method"]
    # 1 listing + 2 folders (collectif, Grilles) + the délégué·e's grant on the collectif's
    # folder, then per grid: create + batchUpdate + 1 grant; each new file is then marked
    # shared (files.update). No address here has a Google account: each silent grant is
    # refused (drive.error) and made again with Google's invitation.
    assert created == {"files.list": 1, "files.create": 4, "spreadsheets.batchUpdate": 2,
                       "permissions.create": 3, "files.update": 3,
                       "drive.error": 3}  # fmt: skip
    google_api.stats.reset()
    ref = WorkbookRef("test-na", Kind.GRID, "aci-une")
    backend.versions("test-na", Kind.GRID)
    assert google_api.stats.total == 1  # one listing for every grid
    backend.read(ref)
    assert google_api.stats.total == 2  # a read of one grid is one request
    google_api.stats.reset()
    backend.versions("test-na", Kind.GRID)  # next cycle, nothing changed
    assert google_api.stats.total == 1
    google_api.stats.reset()
    with Store(tmp_path / "s.sqlite") as store:
        pull(camp, backend, store, now=NOW, workers=1)
        pull(camp, backend, store, now=NOW, workers=1)
    assert google_api.stats.snapshot()["by_method"] == {"files.list": 2, "spreadsheets.get": 2}


def test_a_cycle_lists_the_grids_in_one_request_however_big_the_tree(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    backend = google(google_api, camp)
    generate(camp, backend, workers=1, now=NOW)
    holder = google_api.state.files[backend.folder("test-na")]
    for i in range(1200):  # restitutions, PDFs, calendars: the tree grows past one page
        google_api.state.files[f"pdf{i}"] = DriveFile(
            f"pdf{i}", f"r{i}.pdf", "application/pdf", 0.0, 0.0, [holder.id],
            drive_id=holder.drive_id)  # fmt: skip
    google_api.stats.reset()
    assert len(backend.refresh().other) >= 1200  # the whole tree: two pages of 1000
    assert google_api.stats.by_method["files.list"] == 2
    backend.versions("test-na", Kind.GRID)
    google_api.stats.reset()
    grids = backend.versions("test-na", Kind.GRID)  # the next cycle
    assert google_api.stats.snapshot()["by_method"] == {"files.list": 1}
    assert set(grids) == {WorkbookRef("test-na", Kind.GRID, s) for s in ("aci-une", "ai-deux")}


def test_quota_is_never_exceeded_even_for_a_burst(google_api: GoogleApi, tmp_path: Path) -> None:
    camp = campaign(tmp_path)
    backend = google(google_api, camp)
    generate(camp, backend, workers=1, now=NOW)
    start = google_api.clock()
    grid = WorkbookRef("test-na", Kind.GRID, "aci-une")
    for _ in range(70):
        backend.read(grid)  # Sheets reads (Drive listings have their own, larger budget)
    assert google_api.stats.snapshot()["by_status"].get("429", 0) == 0
    assert google_api.clock() - start >= 60  # 70 reads at 50 a minute take over a minute
    assert backend.budget.retries == 0


def test_the_audit_finds_every_over_share_and_fix_removes_them(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    backend = google(google_api, camp)
    generate(camp, backend, workers=1, now=NOW)
    assert audit(backend, camp.config) == []
    une = backend.file_id(WorkbookRef("test-na", Kind.GRID, "aci-une"))
    deux = backend.file_id(WorkbookRef("test-na", Kind.GRID, "ai-deux"))
    assert une and deux
    drive = backend.drive
    drive._call("POST", f"https://www.googleapis.com/drive/v3/files/{une}/permissions",
                json={"type": "anyone", "role": "reader"})  # fmt: skip
    drive.grant(une, "contact@ai-deux.fr", "writer")  # another structure's contact
    drive.grant(deux, "inconnu@gmail.com", "reader")
    drive.grant(deux, "xavier@example.org", "writer")  # the délégué, but as an editor
    findings = audit(backend, camp.config)
    assert sorted(f.message for f in findings) == [
        "test-na/grille/aci-une : accessible à toute personne disposant du lien (lecteur)",
        "test-na/grille/aci-une : contact@ai-deux.fr (contact de la structure ai-deux) "
        "n'a pas à accéder à ce fichier (éditeur)",
        "test-na/grille/ai-deux : inconnu@gmail.com n'est pas dans la configuration (lecteur)",
        "test-na/grille/ai-deux : xavier@example.org (délégué·e du collectif test-na) "
        "n'a pas à accéder à ce fichier (éditeur)",
    ]
    done = fix(backend, findings)
    assert len(done) == 4 and all(line.startswith("Retiré — ") for line in done)
    assert audit(backend, camp.config) == []


def test_a_read_google_did_not_answer_is_retried_at_the_next_pull(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    backend = google(google_api, camp, policy=RetryPolicy(max_tries=2, base=0.0))
    generate(camp, backend, workers=1, now=NOW)
    fill_google(google_api, backend)
    google_api.clock.advance(61)
    with Store(tmp_path / "s.sqlite") as store:
        google_api.quota(reads=0)  # the listing (Drive) passes, every Sheets read gets 429
        failed = pull(camp, backend, store, now=NOW, workers=1)
        google_api.quota()
        google_api.clock.advance(61)
        assert failed.read == 2 and failed.added == 0
        assert all("elle sera reprise au prochain passage" in m for m in failed.messages)
        assert store.source_state("test-na") == {}
        retried = pull(camp, backend, store, now=NOW, workers=1)
        assert retried.read == 2 and retried.added > 0


def test_the_shared_drive_members_inherited_by_every_file_are_not_over_shares() -> None:
    ref = WorkbookRef("test-na", Kind.GRID, "aci-une")
    member = [{"inherited": True, "permissionType": "member"}]
    inherited = {"id": "p1", "type": "user", "role": "organizer",
                 "emailAddress": "admin@coorace.example", "permissionDetails": member}  # fmt: skip
    direct = {"id": "p2", "type": "user", "role": "reader", "emailAddress": "inconnu@gmail.com",
              "permissionDetails": [{"inherited": False, "permissionType": "file"}]}  # fmt: skip
    findings = diff(ref, "f", [inherited, direct], {}, {})
    assert [f.message for f in findings] == [
        "test-na/grille/aci-une : inconnu@gmail.com n'est pas dans la configuration (lecteur)"
    ]


def test_every_drive_call_supports_shared_drives(google_api: GoogleApi, tmp_path: Path) -> None:
    import urllib.parse

    camp = campaign(tmp_path)
    backend = google(google_api, camp)
    seen: list[str] = []
    session = backend.drive.session
    original = session.request

    def spy(method: str, url: str, **kwargs: Any) -> Any:
        response = original(method, url, **kwargs)
        seen.append(response.url)
        return response

    session.request = spy  # type: ignore[method-assign]  # observe requests, answer unchanged
    generate(camp, backend, workers=1, now=NOW)
    drive = [u for u in seen if "/drive/v3/" in u]
    assert drive and all(
        urllib.parse.parse_qs(urllib.parse.urlsplit(u).query).get("supportsAllDrives") == ["true"]
        for u in drive
    )


def test_the_demo_says_it_needs_xlsx_files_and_touches_nothing_on_drive(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    from capsync.jobs.demo import run_demo

    camp = campaign(tmp_path)  # imports on Google: tests/test_google_import.py
    backend = google(google_api, camp)
    generate(camp, backend, workers=1, now=NOW)
    google_api.stats.reset()
    demo = run_demo(camp, backend, today=NOW.date())
    assert (demo.filled, demo.skipped) == (
        [],
        ["La démonstration ne remplit que des grilles locales (backend « local »)."],
    )
    assert google_api.stats.total == 0  # nothing read

"""The eight ways the Google backend failed real people (issue 14), each on the test server.

Each test sets up what Google does (an address with no Google account, a French
spreadsheet, a 403 rate limit, a renamed or trashed grid, a batch past 2 MB, a
disabled API or a revoked key, an incomplete search, a read refused) and checks
what a person or an admin would notice.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from google.oauth2.credentials import Credentials

from capsync.backends.google import GoogleBackend
from capsync.backends.google.backend import google_backend
from capsync.backends.google.http import sheets_client
from capsync.backends.google.quota import RetryPolicy
from capsync.backends.google.sharing import audit
from capsync.campaign.config import GoogleSettings
from capsync.campaign.validation import Campaign
from capsync.errors import BackendError, BackendUnavailable
from capsync.jobs.generate import GridOutcome, generate
from capsync.jobs.pull import pull
from capsync.jobs.sync import run_cycle
from capsync.store.database import Store
from capsync.store.sync_state import SyncState
from capsync.workbook.refs import Kind, WorkbookRef
from capsync.workbook.spec import SheetSpec, WorkbookSpec
from tests.google_api.fixtures import GoogleApi

from .grid_campaign import config, write_campaign
from .test_google_backend import NOW, campaign, google

GRID = WorkbookRef("test-na", Kind.GRID, "aci-une")


def _grid_file(api: GoogleApi, backend: GoogleBackend, ref: WorkbookRef = GRID) -> Any:
    file_id = backend.file_id(ref)
    assert file_id is not None
    return api.state.files[file_id]


def _emails(entry: Any) -> dict[str, str]:
    return {p["emailAddress"]: p["role"] for p in entry.permissions}


# 1. contacts without a Google account ---------------------------------------------------
def test_a_contact_without_a_google_account_is_invited_and_gets_the_grid(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    backend = google(google_api, camp)
    summary = generate(camp, backend, now=NOW)
    assert {r.status for r in summary.results} == {GridOutcome.CREATED}
    assert _emails(_grid_file(google_api, backend)) == {"direction@aci-une.fr": "writer"}
    # Drive refused the silent grant (no Google account at aci-une.fr), then the invitation passed
    assert google_api.stats.by_status[400] >= 2


def test_a_share_refused_is_said_not_counted_as_created_and_retried_next_cycle(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    google_api.state.internal_domains = {"example.com"}  # the organisation forbids sharing out
    backend = google(google_api, camp)
    summary = generate(camp, backend, now=NOW)
    assert not summary.of(GridOutcome.CREATED)
    failed = summary.of(GridOutcome.FAILED)
    assert len(failed) == 2
    assert "n'a pas pu être partagé avec direction@aci-une.fr" in failed[0].message
    assert "shareOutNotPermitted" in failed[0].message
    assert "partage externe" in failed[0].message
    assert _emails(_grid_file(google_api, backend)) == {}
    # a second generate does not make a second grid
    again = generate(camp, google(google_api, camp), now=NOW)
    assert {r.status for r in again.results} == {GridOutcome.EXISTING}
    # the admin allows external sharing: the next cycle's listing shares what was missing
    google_api.state.internal_domains = None
    later = google(google_api, camp)
    later.versions("test-na", Kind.GRID)
    entry = _grid_file(google_api, later)
    assert _emails(entry) == {"direction@aci-une.fr": "writer"}
    assert entry.app_properties["capsyncShared"] == "1"
    google_api.stats.reset()
    google(google_api, camp).versions("test-na", Kind.GRID)
    assert google_api.stats.total == 1  # shared now: nothing more to do


# 2. French locale and time zone ---------------------------------------------------------
def test_every_spreadsheet_is_french_and_reads_french_dates(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    backend = google(google_api, camp)
    generate(camp, backend, now=NOW)
    book = google_api.state.books[_grid_file(google_api, backend).id]
    assert (book.properties["locale"], book.properties["timeZone"]) == ("fr_FR", "Europe/Paris")
    person = sheets_client(Credentials(token="person"), endpoint=google_api.url)
    sheet = person.open_by_key(book.spreadsheet_id).worksheet("Chapitre 1")
    sheet.update([["03/04/2026"]], "Z40", value_input_option="USER_ENTERED")
    raw = google(google_api, camp).read(GRID)
    assert raw["Chapitre 1"][39][25] == dt.date(2026, 4, 3)  # 3 April, not 4 March


# 3. rate limits answered 403 ------------------------------------------------------------
def test_drive_403_rate_limits_are_retried(google_api: GoogleApi, tmp_path: Path) -> None:
    camp = campaign(tmp_path)
    google_api.faults(0.3, codes=(403,), seed=3)
    backend = google(google_api, camp, policy=RetryPolicy(max_tries=12, base=0.1))
    summary = generate(camp, backend, now=NOW)
    google_api.faults(0)
    assert {r.status for r in summary.results} == {GridOutcome.CREATED}
    assert google_api.stats.by_status[403] > 0
    assert _emails(_grid_file(google_api, backend)) == {"direction@aci-une.fr": "writer"}


# 4. identity that people cannot change by accident -------------------------------------
def test_a_renamed_and_moved_grid_is_still_its_structures_grid(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    backend = google(google_api, camp)
    generate(camp, backend, now=NOW)
    entry = _grid_file(google_api, backend)
    entry.name = "Notre grille RSE 2026"  # renamed in the browser, and moved up one folder
    entry.parents = [google_api.state.files[entry.parents[0]].parents[0]]
    files = len(google_api.state.files)
    fresh = google(google_api, camp)
    assert GRID in fresh.versions("test-na", Kind.GRID)
    again = generate(camp, fresh, now=NOW)
    assert {r.status for r in again.results} == {GridOutcome.EXISTING}
    assert len(google_api.state.files) == files
    assert fresh.read(GRID)["Chapitre 1"]


def test_a_trashed_grid_is_an_anomaly_not_a_new_grid(google_api: GoogleApi, tmp_path: Path) -> None:
    camp = campaign(tmp_path)
    generate(camp, google(google_api, camp), now=NOW)
    backend = google(google_api, camp)
    _grid_file(google_api, google(google_api, camp)).trashed = True
    files = len(google_api.state.files)
    again = generate(camp, backend, now=NOW)
    assert {r.status for r in again.results} == {GridOutcome.EXISTING}
    assert len(google_api.state.files) == files
    with Store.open(tmp_path / "data") as store:
        report = pull(camp, google(google_api, camp), store, now=NOW, workers=1)
    texts = [a.message for a in report.anomalies]
    assert any("corbeille" in t and "restaurez-la" in t for t in texts)


# 5. batches under 2 MB, coherent when a later part fails --------------------------------
def _big_spec(rows: int, mark: str) -> WorkbookSpec:
    lines: list[list[Any]] = [[f"{mark} {i}", "x" * 200] for i in range(rows)]
    return WorkbookSpec(title="Tableau de bord", sheets=[SheetSpec(name="Données", rows=lines)])


def test_a_big_workbook_is_sent_in_parts_and_a_failed_part_is_redone(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    ref = WorkbookRef("test-na", Kind.DASHBOARD)
    backend = google(google_api, camp, policy=RetryPolicy(max_tries=1))
    backend.max_batch_bytes = 60_000
    backend.write(ref, _big_spec(600, "v1"))
    assert google_api.stats.by_method["spreadsheets.batchUpdate"] >= 3
    file_id = backend.file_id(ref)
    assert file_id is not None
    assert google_api.state.files[file_id].name == "Tableau de bord [tableau-de-bord]"
    google_api.state.faults.plan.extend([None, 500])  # the second part of the rewrite fails
    with pytest.raises(BackendError):
        backend.write(ref, _big_spec(600, "v2"))
    assert google_api.state.files[file_id].name.endswith("(mise à jour en cours)")
    backend.write(ref, _big_spec(600, "v2"))  # the next cycle renders it whole again
    assert google_api.state.files[file_id].name == "Tableau de bord [tableau-de-bord]"
    raw = backend.read(ref)
    assert raw["Données"][0][0] == "v2 0" and raw["Données"][599][0] == "v2 599"


# 6. errors say what Google said and what to do ------------------------------------------
def test_an_api_left_disabled_is_named_with_what_to_do(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    google_api.state.disabled_apis.add("drive")
    with pytest.raises(BackendUnavailable) as raised:
        google(google_api, camp).versions("test-na", Kind.GRID)
    text = str(raised.value)
    assert "403 accessNotConfigured" in text and "activez l'API" in text


def test_an_unset_root_folder_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    camp = campaign(tmp_path)
    with pytest.raises(BackendError, match="root_folder_id n'est pas renseigné"):
        google_backend(camp.config, tmp_path)


def _key_file(tmp_path: Path, url: str, kid: str) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    key = {"type": "service_account", "project_id": "p", "private_key_id": kid,
           "private_key": pem, "client_email": "capsync@p.iam.gserviceaccount.com",
           "client_id": "1", "token_uri": f"{url}/token"}  # fmt: skip
    path = tmp_path / "cle.json"
    path.write_text(json.dumps(key), encoding="utf-8")
    return path


def test_a_revoked_key_says_so_in_french_without_a_traceback(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    settings = camp.config.backend.google.model_copy(
        update={"endpoint": google_api.url,
                "credentials_file": str(_key_file(tmp_path, google_api.url, "k1"))}
    )  # fmt: skip
    config = camp.config.model_copy(
        update={"backend": camp.config.backend.model_copy(update={"google": settings})}
    )
    google_backend(config, tmp_path).versions("test-na", Kind.GRID)  # a good key works
    google_api.state.revoked_keys.add("k1")
    with pytest.raises(BackendUnavailable) as raised:
        google_backend(config, tmp_path).versions("test-na", Kind.GRID)
    assert "Google refuse la clé du compte de service" in str(raised.value)


# 7. listings that could drop grids and permissions --------------------------------------
def test_an_incomplete_search_is_not_taken_for_vanished_grids(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    generate(camp, google(google_api, camp), now=NOW)
    google_api.state.incomplete_search = True
    with pytest.raises(BackendUnavailable, match="incompleteSearch"):
        google(google_api, camp).versions("test-na", Kind.GRID)


def test_permissions_past_the_first_hundred_are_audited(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    backend = google(google_api, camp)
    generate(camp, backend, now=NOW)
    entry = _grid_file(google_api, backend)
    google_api.state.google_accounts.update(f"p{i}@gmail.com" for i in range(150))
    for i in range(150):
        entry.permissions.append({"kind": "drive#permission", "id": str(10_000 + i),
                                  "type": "user", "role": "reader",
                                  "emailAddress": f"p{i}@gmail.com"})  # fmt: skip
    found = audit(google(google_api, camp), camp.config)
    assert any("p149@gmail.com" in f.message for f in found)


# 8. a read refused is never marked as read ----------------------------------------------
def test_a_refused_read_is_read_again_at_the_next_pull(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp: Campaign = campaign(tmp_path)
    generate(camp, google(google_api, camp), now=NOW)
    google_api.state.faults.plan.extend([None, 403])  # listing passes, the first read is refused
    with Store.open(tmp_path / "data") as store:
        first = pull(camp, google(google_api, camp), store, now=NOW, workers=1)
        assert any("403" in m and "reprise" in m for m in first.messages)
        second = pull(camp, google(google_api, camp), store, now=NOW, workers=1)
    assert (first.read, second.read) == (2, 1)  # the refused grid is read again
    assert not second.messages


# 6. (cont.) capsync check --google: read only ------------------------------------------
def _checked(api: GoogleApi, camp: Campaign, root: str) -> list[tuple[bool, str]]:
    from capsync.backends.google.preflight import preflight

    settings = GoogleSettings(endpoint=api.url, root_folder_id=root)
    backend = GoogleBackend(settings, Credentials(token="t"), config=camp.config,
                            clock=api.clock, sleep=api.clock.advance)  # fmt: skip
    return [(f.ok, f.message) for f in preflight(backend)]


def test_check_google_accepts_a_writable_shared_drive_folder_and_writes_nothing(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    root = google_api.state.add_shared_drive_folder("CAP RSE 2026")
    found = _checked(google_api, camp, root)
    assert all(ok for ok, _ in found) and len(found) == 3
    assert "drive partagé, accessible en écriture" in found[1][1]
    assert google_api.stats.by_kind["write"] == 0


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("my_drive", "est dans un « Mon Drive »"),
        ("read_only", "ne peut pas écrire"),
        ("sheets_off", "SERVICE_DISABLED"),
        ("unknown", "404 notFound"),
    ],
)
def test_check_google_names_what_is_wrong_and_what_to_do(
    google_api: GoogleApi, tmp_path: Path, setup: str, expected: str
) -> None:
    camp = campaign(tmp_path)
    state = google_api.state
    root = state.add_shared_drive_folder("CAP RSE", can_edit=setup != "read_only")
    if setup == "my_drive":
        state.files[root].drive_id = None
    if setup == "sheets_off":
        state.disabled_apis.add("sheets")
    found = _checked(google_api, camp, "inconnu" if setup == "unknown" else root)
    problems = [message for ok, message in found if not ok]
    assert problems and expected in problems[0]
    assert google_api.stats.by_kind["write"] == 0


# 12. Google not answering: one wait, not one per collectif ------------------------------
def _two_collectives(folder: Path) -> Campaign:
    """The Google test campaign with a second collectif and COORACE national's network view."""
    cfg = config()
    other = copy.deepcopy(cfg["collectives"][0])
    other.update(id="test-oc", name="Second collectif", region="Occitanie")
    for structure, sid in zip(other["structures"], ("aci-trois", "ai-quatre"), strict=True):
        structure.update(id=sid, name=sid.replace("-", " ").title())
    cfg["collectives"].append(other)
    cfg["national"] = [{"name": "Hélène Moreau", "email": "helene.moreau@coorace.example"}]
    cfg["backend"]["google"] = {"root_folder_id": None, "requests_per_minute": 50}
    return write_campaign(folder, cfg=cfg)


def test_a_service_that_does_not_answer_is_waited_for_once_per_cycle(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    """When the listing fails after all its retries, nothing more is asked of Google in the
    cycle: each collectif's outputs and the network view would wait through every retry
    again (3 min 25 s measured by hand), to write nothing. Each says why it was left as
    it was, and the next cycle, Google answering again, writes them."""
    camp = _two_collectives(tmp_path)
    backend = google(google_api, camp)
    generate(camp, backend, workers=1, now=NOW)
    google_api.faults(rate=1.0, codes=(503,))
    google_api.stats.reset()
    started = google_api.clock.now
    with Store(tmp_path / "capsync.sqlite") as store, SyncState(tmp_path / "s.sqlite") as state:
        report = run_cycle(camp, backend, store, state, now=NOW)
    assert google_api.stats.total == RetryPolicy().max_tries  # one listing, through its retries
    policy = RetryPolicy()  # the backend's own: its waits are drawn at random, up to a cap
    one_series = sum(min(policy.cap, policy.base * 2**n) for n in range(policy.max_tries - 1))
    assert google_api.clock.now - started <= one_series  # simulated seconds: one series of waits
    assert report.pull_error and "Lecture des grilles impossible" in report.pull_error
    assert [c.collective for c in report.collectives] == ["test-na", "test-oc"]
    for outcome in [*report.collectives, report.network]:
        assert outcome is not None and outcome.error and "prochain passage" in outcome.error
    google_api.faults()  # Google answers again: the next cycle writes everything
    with Store(tmp_path / "capsync.sqlite") as store, SyncState(tmp_path / "s.sqlite") as state:
        again = run_cycle(camp, backend, store, state, now=NOW)
    assert again.pull_error is None
    assert [c.error for c in again.collectives] == [None, None] and again.network is not None
    assert again.network.error is None and again.network.written

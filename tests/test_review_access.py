"""Who may type where, on Google: protected ranges per column, reviewers' access, the audit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from google.oauth2.credentials import Credentials

from capsync.backends.google import GoogleBackend
from capsync.backends.google.http import sheets_client
from capsync.backends.google.sharing import audit, fix
from capsync.campaign.config import GoogleSettings
from capsync.campaign.validation import Campaign
from capsync.jobs.generate import generate
from capsync.workbook.refs import Kind, WorkbookRef
from tests.google_api.fixtures import GoogleApi

from .grid_campaign import config, write_campaign

SA = "capsync@projet.iam.gserviceaccount.com"
NOW = dt.datetime(2026, 3, 2, 9, 0)
TIERS = "laurent@example.org"
PAIR = "contact@ai-deux.fr"
SOPHIE = "sophie@aci-une.fr"
ME = "me@example.com"
GRID = WorkbookRef("test-na", Kind.GRID, "aci-une")


def _campaign(folder: Path, *, with_pair: bool = True) -> Campaign:
    cfg = config(
        [
            {"name": "Sophie Marchand", "role": "direction", "email": SOPHIE},
            {"name": "Karim Benali", "role": "permanent"},
        ]
    )
    coll = cfg["collectives"][0]
    coll["delegates"].append({"name": "Laurent Bessière", "email": TIERS, "role": "tiers"})
    une, deux = coll["structures"]
    une["contacts"] = ["direction@aci-une.fr"]
    deux["contacts"] = [PAIR]
    deux["respondents"] = [{"name": "Paul Pair", "role": "direction"}]
    if with_pair:
        une["pairs"] = [
            {"chapter": "2", "name": "Paul Pair", "email": PAIR, "structure": "ai-deux"}
        ]
    cfg["backend"] = {"kind": "google", "data_dir": "data", "google": {"requests_per_minute": 50}}
    return write_campaign(folder, cfg=cfg)


def _google(api: GoogleApi, camp: Campaign) -> GoogleBackend:
    settings = GoogleSettings(endpoint=api.url, requests_per_minute=50)
    return GoogleBackend(
        settings,
        Credentials(token="t"),
        config=camp.config,
        service_account_email=SA,
        clock=api.clock,
        sleep=api.clock.advance,
    )


def _protected(api: GoogleApi, backend: GoogleBackend, sheet: str) -> dict[str, Any]:
    """Description → editors of the protected ranges of ``sheet``, as Google keeps them."""
    book = sheets_client(Credentials(token="t"), endpoint=api.url).open_by_key(
        backend.file_id(GRID)
    )
    meta = book.fetch_sheet_metadata()
    found = next(s for s in meta["sheets"] if s["properties"]["title"] == sheet)
    out: dict[str, Any] = {}
    for protected in found.get("protectedRanges", []):
        # Google always keeps the account that made the request (here the test server's
        # « me@example.com », in production the service account itself)
        users = [u for u in protected.get("editors", {}).get("users", []) if u != ME]
        out.setdefault(protected.get("description", ""), []).append(sorted(users))
    return out


def test_each_column_is_typed_only_by_the_people_concerned(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = _campaign(tmp_path)
    backend = _google(google_api, camp)
    generate(camp, backend, workers=1, now=NOW)
    ch1 = _protected(google_api, backend, "Chapitre 1")
    ch2 = _protected(google_api, backend, "Chapitre 2")
    assert ch1["Colonne de Sophie Marchand"] == [sorted([SA, SOPHIE])]
    # without an e-mail, a respondent's column is the group's (the contacts type for them)
    assert ch1["Colonne d'un·e répondant·e (le groupe)"] == [sorted([SA, "direction@aci-une.fr"])]
    assert ch1["Colonnes du groupe"] == [sorted([SA, "direction@aci-une.fr"])] * 2
    assert ch1["Colonnes du tiers"] == [sorted([SA, TIERS])] * 2
    # chapter 1 has no pair: nobody but capsync types there; chapter 2 is Paul's
    assert ch1["Colonnes du pair"] == [[SA]] * 2
    assert ch2["Colonnes du pair"] == [sorted([SA, PAIR])] * 2
    # the reviewers were given the grid: the audit finds nothing to change
    assert audit(backend, camp.config) == []


def _may_type(meta: dict[str, Any], sheet: str, row: int, col: int) -> set[str] | None:
    """Who Google lets type in a cell (0-based): the editors common to every protection that
    covers it, a protection's exceptions not covering; None when no protection covers it."""

    def inside(area: dict[str, Any]) -> bool:
        rows = area.get("startRowIndex", 0) <= row < area.get("endRowIndex", 10**9)
        return rows and area.get("startColumnIndex", 0) <= col < area.get("endColumnIndex", 10**9)

    found = next(s for s in meta["sheets"] if s["properties"]["title"] == sheet)
    allowed: set[str] | None = None
    for protected in found.get("protectedRanges", []):
        if not inside(protected["range"]) or any(
            inside(a) for a in protected.get("unprotectedRanges", [])
        ):
            continue
        users = {u for u in protected.get("editors", {}).get("users", []) if u != ME}
        allowed = users if allowed is None else allowed & users
    return allowed


def test_each_person_can_really_type_in_their_own_cells_under_the_sheets_protection(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    """Google lets a person edit a cell only if every protection over it lets them: the
    sheet-wide protection must not close a respondent's or the tiers' column to them."""
    camp = _campaign(tmp_path)
    backend = _google(google_api, camp)
    generate(camp, backend, workers=1, now=NOW)
    book = sheets_client(Credentials(token="t"), endpoint=google_api.url).open_by_key(
        backend.file_id(GRID)
    )
    meta = book.fetch_sheet_metadata()
    chapter = next(s for s in meta["sheets"] if s["properties"]["title"] == "Chapitre 1")
    owned = {
        p["description"]: p["range"]
        for p in chapter["protectedRanges"]
        if p["description"] in ("Colonne de Sophie Marchand", "Colonnes du tiers")
    }
    sophie, tiers = owned["Colonne de Sophie Marchand"], owned["Colonnes du tiers"]
    cell = sophie["startRowIndex"], sophie["startColumnIndex"]
    assert _may_type(meta, "Chapitre 1", *cell) == {SA, SOPHIE}
    cell = tiers["startRowIndex"], tiers["startColumnIndex"]
    assert _may_type(meta, "Chapitre 1", *cell) == {SA, TIERS}
    assert _may_type(meta, "Chapitre 1", 0, 0) == {SA}  # the title: capsync's alone


def test_a_pair_taken_out_of_the_configuration_loses_the_grid(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = _campaign(tmp_path / "a")
    backend = _google(google_api, camp)
    generate(camp, backend, workers=1, now=NOW)
    without = _campaign(tmp_path / "b", with_pair=False)
    findings = audit(backend, without.config)
    assert [f.message for f in findings] == [
        f"test-na/grille/aci-une : {PAIR} (contact de la structure ai-deux) "
        "n'a pas à accéder à ce fichier (éditeur)"
    ]
    assert len(fix(backend, findings)) == 1
    assert audit(backend, without.config) == []

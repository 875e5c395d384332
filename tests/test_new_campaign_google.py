"""A new campaign on Google Drive, against the local Google API server (issue 12, point 4).

The old grid stays a Sheet people can open, renamed with its campaign, in the
collectif's « Archives » folder, identified by its ``appProperties``, its contacts
made readers; the cycle's listing no longer takes it for a grid; the new grid is
pre-filled « à confirmer » and nothing carried is counted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from capsync.campaign.validation import load_campaign
from capsync.jobs.generate import generate
from capsync.jobs.new_campaign import Started, start_new_campaigns
from capsync.jobs.pull import pull
from capsync.layout.before_after import split_campaigns
from capsync.store.database import Store
from capsync.workbook.grid_schema import COL_CARRIED, COL_RETAINED_PENDING
from capsync.workbook.refs import Kind, WorkbookRef
from tests.google_api.fixtures import GoogleApi

from .test_google_backend import SA, campaign, fill_google, google, locate

GRID = WorkbookRef("test-na", Kind.GRID, "aci-une")
T0 = dt.datetime(2026, 3, 2, 9, 0)
T1 = dt.datetime(2027, 9, 15, 10, 0)


def test_a_new_campaign_on_drive_archives_read_only_and_prefills(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    backend = google(google_api, camp)
    generate(camp, backend, now=T0)
    fill_google(google_api, backend)
    db = tmp_path / "capsync.sqlite"
    with Store(db) as store:
        pull(camp, backend, store, now=T0, workers=1)
    old_id = backend.file_id(GRID)
    cfg = yaml.safe_load(camp.config_path.read_text(encoding="utf-8"))
    cfg["collectives"][0]["structures"][0]["campaign"] = "2027-2028"
    camp.config_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    camp = load_campaign(camp.config_path)
    backend = google(google_api, camp)

    with Store(db) as store:
        summary = start_new_campaigns(camp, backend, store, structure="aci-une", now=T1)
        started = summary.of(Started.STARTED)
        assert [(r.previous, r.new, r.carried) for r in started] == [("1", "2027-2028", 3)]

        old = google_api.state.files[old_id]
        assert old.name.endswith("— campagne 1 (archive)") and "[" not in old.name
        assert old.app_properties["capsyncKind"] == "grille-archive"
        assert old.app_properties["capsyncCampaign"] == "1"
        folders = {f.id: f.name for f in google_api.state.files.values()}
        assert [folders[p] for p in old.parents] == ["Archives"]
        roles = {p.get("emailAddress"): p["role"] for p in old.permissions if p.get("emailAddress")}
        assert roles.get("direction@aci-une.fr") == "reader"
        assert "writer" not in {r for e, r in roles.items() if e != SA}

        archived = [f for f in google_api.state.files.values()
                    if f.app_properties.get("capsyncKind") == "grille-archive"]  # fmt: skip
        assert archived == [old]
        new_id = backend.file_id(GRID)
        assert new_id and new_id != old_id
        raw = backend.read(GRID)["Chapitre 1"]
        row, col = locate(raw, "1.1.1", COL_CARRIED)
        assert raw[row][col] == "À confirmer — repris de la campagne 1"
        row, col = locate(raw, "1.1.1", "retenu")
        assert raw[row][col] == 3
        assert raw[row][locate(raw, "1.1.1", "justification")[1]] == '=HYPERLINK("x")'  # as text

        pull(camp, backend, store, now=T1, workers=1)
        before, after = split_campaigns(store.current_answers("test-na"))
    assert set(after.loc[after["structure"] == "aci-une", "column"]) == {COL_RETAINED_PENDING}
    assert set(before["structure"]) == {"aci-une"}

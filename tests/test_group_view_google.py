"""On Google, a GES's consolidated view is a Sheet in the GES's own folder: read by the GES's
contacts and the collectif's délégué·e·s, by nobody of a member or of another structure,
and the audit finds nothing to say."""

from __future__ import annotations

from pathlib import Path

from capsync.backends.google.drive import SPREADSHEET_MIME
from capsync.backends.google.sharing import audit
from capsync.jobs.generate import generate
from capsync.jobs.sync import run_cycle
from capsync.layout.group_view import group_view_ref
from capsync.store.database import Store
from capsync.store.sync_state import SyncState
from tests.google_api.fixtures import GoogleApi

from .grid_campaign import write_campaign
from .test_google_backend import NOW, google
from .test_group_view import OUTSIDER, group_config

FOLDER_MIME = "application/vnd.google-apps.folder"
GES_CONTACT = "direction@horizons.fr"


def test_the_view_is_a_sheet_in_the_group_s_folder_read_by_its_contacts_only(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    cfg = group_config()
    cfg["collectives"][0]["structures"][0]["contacts"] = ["direction@aci-une.fr"]
    cfg["backend"]["google"] = {"root_folder_id": None, "requests_per_minute": 50}
    camp = write_campaign(tmp_path / "c", cfg=cfg)
    backend = google(google_api, camp)
    generate(camp, backend, workers=1, now=NOW)
    with Store(tmp_path / "s.sqlite") as store, SyncState(tmp_path / "st.sqlite") as state:
        assert run_cycle(camp, backend, store, state, now=NOW).ok
    files = google_api.state.files.values()
    (folder,) = [f for f in files if f.mime_type == FOLDER_MIME and f.name.endswith("[horizons]")]
    (view,) = [f for f in files if folder.id in f.parents and f.mime_type == SPREADSHEET_MIME]
    assert "vue-groupe" in view.name
    readers = google_api.state.access(view.id)
    assert readers[GES_CONTACT] == "reader"
    assert readers["xavier@example.org"] == "reader"  # the délégué·e, through the collectif
    for outsider in ("direction@aci-une.fr", "ei@trois.fr"):  # a member's, another's contact
        assert outsider not in readers
    book = backend.read(group_view_ref("test-na", "horizons"))
    assert [r[0] for r in book["Synthèse"][3:5]] == ["ACI Une", "AI Deux"]
    assert OUTSIDER not in str(book)
    assert audit(backend, camp.config) == []

"""Each structure's own results folder on Google Drive (« Structures/<nom> [<id>] »).

What a structure receives — its restitutions and their PDF, its « À corriger » workbook,
its calendar — sits in a folder of its own, read by the structure's contacts, the
collectif's tiers and the structure's pair through ONE grant each on the folder,
inherited by every file in it. Checked with the test server's access rule (grants on
a file and on every folder above it), as Drive decides who may open a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from capsync.backends.google import GoogleBackend
from capsync.backends.google.drive import SPREADSHEET_MIME
from capsync.backends.google.sharing import audit, fix
from capsync.campaign.validation import Campaign
from capsync.jobs.generate import generate
from capsync.jobs.restitution_request import request_restitutions
from capsync.jobs.sync import run_cycle
from capsync.store.database import Store
from capsync.store.sync_state import SyncState
from capsync.workbook.refs import Kind, WorkbookRef
from tests.google_api.fixtures import GoogleApi
from tests.google_api.state import DriveFile

from .grid_campaign import config, write_campaign
from .test_google_backend import NOW, fill_google, google

COLLECTIVE = "test-na"
DELEGATE, TIERS, PAIR = "xavier@example.org", "tiers@example.org", "paula@example.org"
CONTACT = {"aci-une": "direction@aci-une.fr", "ai-deux": "contact@ai-deux.fr"}
FOLDER_MIME = "application/vnd.google-apps.folder"


def reviewed_campaign(folder: Path) -> Campaign:
    """Two structures, a tiers for the collectif, and a pair for aci-une who is one of
    ai-deux's contacts (a pair comes from another member structure)."""
    cfg = config()
    coll = cfg["collectives"][0]
    coll["delegates"].append({"name": "Thomas Tiers", "email": TIERS, "role": "tiers"})
    coll["structures"][0]["contacts"] = [CONTACT["aci-une"]]
    coll["structures"][0]["pair"] = {"name": "Paula Pair", "email": PAIR, "structure": "ai-deux"}
    coll["structures"][1]["contacts"] = [CONTACT["ai-deux"], PAIR]  # the pair works there
    cfg["backend"]["google"] = {"root_folder_id": None, "requests_per_minute": 50}
    return write_campaign(folder, cfg=cfg)


@dataclass
class Drive:
    api: GoogleApi
    camp: Campaign
    backend: GoogleBackend
    store: Store
    state: SyncState

    def folder(self, structure: str) -> DriveFile:
        top = self.only(lambda f: f.name == COLLECTIVE and f.mime_type == FOLDER_MIME)
        holder = self.only(lambda f: f.name == "Structures" and top.id in f.parents)
        return self.only(lambda f: holder.id in f.parents and f.name.endswith(f"[{structure}]"))

    def only(self, test: object) -> DriveFile:
        (found,) = [f for f in self.api.state.files.values() if test(f)]  # type: ignore[operator]
        return found

    def inside(self, folder: DriveFile) -> list[DriveFile]:
        return [f for f in self.api.state.files.values() if folder.id in f.parents]

    def restitutions(self) -> None:
        for structure in CONTACT:
            request_restitutions(self.camp, self.backend, self.store, self.state, now=NOW,
                                 structure=structure)  # fmt: skip


@pytest.fixture
def drive(google_api: GoogleApi, tmp_path: Path) -> Iterator[Drive]:
    camp = reviewed_campaign(tmp_path)
    backend = google(google_api, camp)
    generate(camp, backend, workers=1, now=NOW)
    fill_google(google_api, backend)
    with Store(tmp_path / "capsync.sqlite") as store, SyncState(tmp_path / "s.sqlite") as st:
        assert run_cycle(camp, backend, store, st, now=NOW).ok
        yield Drive(google_api, camp, backend, store, st)


def test_each_structure_reads_its_own_folder_and_nothing_of_another_s(drive: Drive) -> None:
    drive.restitutions()
    une, deux = drive.folder("aci-une"), drive.folder("ai-deux")
    assert une.name == "ACI Une [aci-une]" and deux.name == "AI Deux [ai-deux]"
    # one grant per person, on the folder; the délégué·e inherits from the collectif's
    assert {p["emailAddress"]: p["role"] for p in une.permissions} == {
        CONTACT["aci-une"]: "reader", TIERS: "reader", PAIR: "reader"}  # fmt: skip
    assert {p["emailAddress"]: p["role"] for p in deux.permissions} == {
        CONTACT["ai-deux"]: "reader", PAIR: "reader", TIERS: "reader"}  # fmt: skip
    for structure, folder in (("aci-une", une), ("ai-deux", deux)):
        files = drive.inside(folder)
        names = {f.name for f in files}
        assert "calendrier.ics" in names  # named as on a local disk, found by its properties
        assert "restitution-2026-03-02.pdf" in names
        assert any(f.mime_type == SPREADSHEET_MIME and "restitution" in f.name for f in files)
        for file in files:
            assert file.permissions == [], file.name  # nothing granted file by file
            readers = drive.api.state.access(file.id)
            assert readers[CONTACT[structure]] == "reader", file.name
            assert readers[DELEGATE] == "reader" and readers[TIERS] == "reader", file.name
            other = "ai-deux" if structure == "aci-une" else "aci-une"
            assert CONTACT[other] not in readers, file.name  # never another structure's
            assert readers[PAIR] == "reader", file.name  # aci-une's pair, ai-deux's contact


def test_the_audit_checks_each_structure_folder_and_fix_restores_it(drive: Drive) -> None:
    une, deux = drive.folder("aci-une"), drive.folder("ai-deux")
    assert audit(drive.backend, drive.camp.config) == []
    tiers = next(p["id"] for p in une.permissions if p["emailAddress"] == TIERS)
    drive.backend.drive.revoke(une.id, tiers)
    drive.backend.drive.grant(deux.id, CONTACT["aci-une"], "reader")  # a neighbour's contact
    findings = audit(drive.backend, drive.camp.config)
    assert sorted(f.message for f in findings) == [
        "test-na/restitution/aci-une : tiers@example.org devrait être lecteur",
        "test-na/restitution/ai-deux : direction@aci-une.fr (contact de la structure aci-une) "
        "n'a pas à accéder à ce fichier (lecteur)",
    ]
    fix(drive.backend, findings)
    assert audit(drive.backend, drive.camp.config) == []
    assert CONTACT["aci-une"] not in drive.api.state.access(drive.folder("ai-deux").id)


def test_a_restitution_kept_in_the_old_shared_folder_moves_into_its_structure_s(
    drive: Drive,
) -> None:
    backend = drive.backend
    old = backend.folder(COLLECTIVE, sub="Restitutions")  # where restitutions used to go
    name = "Restitution — ACI Une [aci-une/restitution-2026-01-15]"
    made = backend.drive.create(name, SPREADSHEET_MIME, [old], fields="id")
    backend.drive.grant(made["id"], CONTACT["aci-une"], "reader")  # granted file by file

    backend.refresh()  # the next listing moves it
    moved = drive.api.state.files[made["id"]]
    assert moved.parents == [drive.folder("aci-une").id]
    ref = WorkbookRef(COLLECTIVE, Kind.RESTITUTION, "aci-une/restitution-2026-01-15")
    assert backend.exists(ref)
    findings = audit(backend, drive.camp.config)  # the file's own grant is redundant now
    assert [f.email for f in findings] == [CONTACT["aci-une"]]
    fix(backend, findings)
    assert drive.api.state.access(made["id"])[CONTACT["aci-une"]] == "reader"  # inherited


def test_a_folder_grant_that_failed_is_made_at_the_next_listing(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = reviewed_campaign(tmp_path)
    backend = google(google_api, camp)
    generate(camp, backend, workers=1, now=NOW)
    google_api.state.internal_domains = {"example.org"}  # the contacts' shares are refused
    ref = WorkbookRef(COLLECTIVE, Kind.TO_FIX, "aci-une")
    folder_id = backend.parent(ref)
    assert backend.location(ref).startswith("Google Drive : test-na/Structures/ACI Une [aci-une]")
    grants = {p["emailAddress"] for p in google_api.state.files[folder_id].permissions}
    assert grants == {TIERS, PAIR}  # the contact's grant was refused
    google_api.state.internal_domains = None
    backend.refresh()
    grants = {p["emailAddress"] for p in google_api.state.files[folder_id].permissions}
    assert grants == {TIERS, PAIR, CONTACT["aci-une"]}
    assert google_api.state.files[folder_id].app_properties["capsyncShared"] == "1"

"""``capsync audit [--fix]`` on the test server: the collectifs' folders (their délégué·e·s
read everything in them through one grant), the sub-folders (no grant at all), and the
shared drive's settings that would make a grant fail (read with ``drives.get``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from google.oauth2.credentials import Credentials

from capsync.backends.google import GoogleBackend
from capsync.backends.google.audit_drive import drive_settings
from capsync.backends.google.sharing import audit, fix
from capsync.campaign.config import GoogleSettings
from capsync.cli import main
from capsync.errors import BackendError
from capsync.french import typeset
from capsync.jobs.generate import generate
from capsync.workbook.refs import Kind, WorkbookRef
from tests.google_api.fixtures import GoogleApi

from .test_google_backend import NOW, SA, campaign
from .test_google_failures import _key_file
from .test_google_structure_folders import (
    COLLECTIVE,
    DELEGATE,
    FOLDER_MIME,
    TIERS,
    Drive,
    drive,
)

__all__ = ["drive"]  # the fixture, shared with the structure folders' tests
DASHBOARD = WorkbookRef(COLLECTIVE, Kind.DASHBOARD)


def _folder(drive: Drive, name: str, parent: str | None = None) -> str:
    return drive.only(lambda f: f.name == name and f.mime_type == FOLDER_MIME
                      and (parent is None or parent in f.parents)).id  # fmt: skip


def test_the_audit_checks_the_collectif_folder_and_its_sub_folders(drive: Drive) -> None:
    backend, state = drive.backend, drive.api.state
    top = _folder(drive, COLLECTIVE)
    grids = _folder(drive, "Grilles", top)
    assert {p["emailAddress"]: p["role"] for p in state.files[top].permissions} == {
        DELEGATE: "reader", TIERS: "reader"}  # fmt: skip
    assert audit(backend, drive.camp.config) == []
    delegate = next(p["id"] for p in state.files[top].permissions if p["emailAddress"] == DELEGATE)
    backend.drive.revoke(top, delegate)  # the délégué·e no longer reads the dashboard
    backend.drive.grant(top, "direction@aci-une.fr", "reader")  # a contact reads everything
    backend.drive.grant(grids, "inconnu@gmail.com", "writer")  # someone on every grid
    assert DELEGATE not in state.access(backend.file_id(DASHBOARD))
    findings = audit(backend, drive.camp.config)
    assert sorted(f.message for f in findings) == [
        "dossier du collectif test-na : direction@aci-une.fr (contact de la structure aci-une) "
        "n'a pas à accéder à ce dossier (lecteur)",
        "dossier du collectif test-na : xavier@example.org devrait être lecteur",
        "dossier test-na/Grilles : inconnu@gmail.com n'est pas dans la configuration (éditeur)",
    ]
    done = fix(backend, findings)
    assert "Ajouté — dossier du collectif test-na : xavier@example.org (lecteur)" in done
    assert audit(backend, drive.camp.config) == []
    assert state.access(backend.file_id(DASHBOARD))[DELEGATE] == "reader"  # inherited again
    assert "direction@aci-une.fr" not in state.access(backend.file_id(DASHBOARD))


def _on_shared_drive(google_api: GoogleApi, tmp_path: Path) -> tuple[Path, str]:
    """The campaign generated in a shared-drive folder, and its configuration file for the
    CLI (a real service-account key, exchanged for a token at the test server)."""
    camp = campaign(tmp_path)
    root = google_api.state.add_shared_drive_folder("CAP RSE 2026")
    settings = GoogleSettings(endpoint=google_api.url, root_folder_id=root,
                              requests_per_minute=50)  # fmt: skip
    backend = GoogleBackend(settings, Credentials(token="t"), config=camp.config,
                            service_account_email=SA, clock=google_api.clock,
                            sleep=google_api.clock.advance)  # fmt: skip
    generate(camp, backend, workers=1, now=NOW)
    cfg = yaml.safe_load(camp.config_path.read_text(encoding="utf-8"))
    key = _key_file(tmp_path, google_api.url, "k1")
    cfg["backend"] = {
        "kind": "google",
        "google": {
            "root_folder_id": root,
            "endpoint": google_api.url,
            "credentials_file": str(key),
        },
    }
    camp.config_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return camp.config_path, root


def _audit(config_path: Path, *args: str) -> Result:
    result = CliRunner().invoke(main, ["--config", str(config_path), "audit", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_cli_audit_reports_the_shared_drive_settings_that_block_grants(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    config_path, root = _on_shared_drive(google_api, tmp_path)
    clean = _audit(config_path)
    assert (clean.exit_code, clean.output) == (
        0,
        typeset("Partages conformes à la configuration.\n"),
    )

    drive_id = google_api.state.files[root].drive_id
    assert drive_id is not None
    google_api.state.drives[drive_id]["restrictions"] = {
        "domainUsersOnly": True,
        "sharingFoldersRequiresOrganizerPermission": True,
    }
    blocked = _audit(config_path)
    assert blocked.exit_code == 1
    lines = blocked.output.splitlines()
    first = "Réglage — Drive partagé « Drive CAP RSE 2026 » : l'accès est réservé aux utilisateurs"
    assert lines[0].startswith(typeset(first))
    assert "3 domaines (aci-une.fr, ai-deux.fr, example.org)" in lines[0]
    assert typeset("ne peut pas partager de dossier") in lines[1]
    assert len(lines) == 2  # nothing else differs
    # --fix grants what is missing, but the settings stay: still exit 1
    top = next(f for f in google_api.state.files.values()
               if f.name == COLLECTIVE and root in f.parents)  # fmt: skip
    top.permissions.clear()
    fixed = _audit(config_path, "--fix")
    assert fixed.exit_code == 1
    assert typeset("Ajouté — dossier du collectif test-na : xavier@example.org (lecteur)") in (
        fixed.output.splitlines()
    )
    assert google_api.state.access(top.id)[DELEGATE] == "reader"


def test_drive_settings_read_only_what_drive_documents(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    root = google_api.state.add_shared_drive_folder("CAP RSE")
    settings = GoogleSettings(endpoint=google_api.url, root_folder_id=root)
    backend = GoogleBackend(settings, Credentials(token="t"), config=camp.config,
                            clock=google_api.clock, sleep=google_api.clock.advance)  # fmt: skip
    assert drive_settings(backend.drive, root, camp.config) == []
    assert drive_settings(backend.drive, "root", camp.config) == []  # unset: check says it
    drive_id = google_api.state.files[root].drive_id
    assert drive_id is not None
    google_api.state.drives[drive_id]["restrictions"] = {"driveMembersOnly": True}
    [members_only] = drive_settings(backend.drive, root, camp.config)
    assert "réservé à ses membres" in members_only and "aucun des 3 partages" in members_only
    assert google_api.stats.by_method["drives.get"] == 2  # one read each time, no write
    assert google_api.stats.by_kind["write"] == 0
    google_api.state.files[root].drive_id = None  # a « Mon Drive » folder: check says it
    assert drive_settings(backend.drive, root, camp.config) == []


def test_the_server_refuses_a_drives_get_google_would_refuse(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    root = google_api.state.add_shared_drive_folder("CAP RSE")
    settings = GoogleSettings(endpoint=google_api.url, root_folder_id=root)
    backend = GoogleBackend(settings, Credentials(token="t"), config=camp.config,
                            clock=google_api.clock, sleep=google_api.clock.advance)  # fmt: skip
    base = "https://www.googleapis.com/drive/v3/drives"
    drive_id = google_api.state.files[root].drive_id
    bad_param = backend.session.get(f"{base}/{drive_id}", params={"useDomainAdminAccess": "oui"})
    assert bad_param.status_code == 400  # a boolean parameter given a word
    bad_mask = backend.session.get(f"{base}/{drive_id}", params={"fields": "restrictions(nope)"})
    assert bad_mask.status_code == 400
    unknown = backend.session.get(f"{base}/0Ainconnu", params={"fields": "id"})
    assert unknown.status_code == 404
    assert json.loads(unknown.text)["error"]["errors"][0]["reason"] == "notFound"


def test_a_root_the_account_cannot_share_and_an_unreadable_drive_are_said(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    root = google_api.state.add_shared_drive_folder("CAP RSE", can_edit=False)
    settings = GoogleSettings(endpoint=google_api.url, root_folder_id=root)
    backend = GoogleBackend(settings, Credentials(token="t"), config=camp.config,
                            clock=google_api.clock, sleep=google_api.clock.advance)  # fmt: skip
    [folders] = drive_settings(backend.drive, root, camp.config)
    assert "ne peut pas partager de dossier" in folders and "Gestionnaire" in folders
    google_api.state.drives.clear()  # the shared drive is gone (or not visible)
    with pytest.raises(BackendError, match=r"réglages du drive partagé impossible.*404 notFound"):
        drive_settings(backend.drive, root, camp.config)


def test_a_grant_google_refuses_during_fix_says_why(google_api: GoogleApi, tmp_path: Path) -> None:
    camp = campaign(tmp_path)
    backend = GoogleBackend(GoogleSettings(endpoint=google_api.url), Credentials(token="t"),
                            config=camp.config, service_account_email=SA,
                            clock=google_api.clock, sleep=google_api.clock.advance)  # fmt: skip
    generate(camp, backend, workers=1, now=NOW)
    top = backend.folder(COLLECTIVE)
    google_api.state.files[top].permissions.clear()  # the délégué·e lost the collectif
    google_api.state.internal_domains = {"coorace.example"}  # external sharing now forbidden
    done = fix(backend, audit(backend, camp.config))
    assert len(done) == 1
    assert done[0].startswith("Échec (Google a répondu 403 shareOutNotPermitted « ")
    assert "la console d'administration Google Workspace interdit le partage" in done[0]
    assert done[0].endswith(" — dossier du collectif test-na : xavier@example.org (lecteur)")

"""``capsync reseau`` and the sync's network step, on real files and on the Google test
server: the workbook is written for the national contacts only, and rewritten only when
something changed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from google.oauth2.credentials import Credentials

from capsync.backends.google import GoogleBackend
from capsync.backends.google.sharing import audit
from capsync.backends.local import LocalBackend
from capsync.backends.xlsx_read import read_workbook
from capsync.campaign.config import GoogleSettings
from capsync.cli import main
from capsync.errors import ValidationFailed
from capsync.jobs.generate import generate
from capsync.jobs.network import write_network
from capsync.jobs.sync import run_cycle, state_path
from capsync.store.database import Store
from capsync.store.sync_state import SyncState
from capsync.workbook.refs import NETWORK_REF
from tests.google_api.fixtures import GoogleApi

from .french_output import plain
from .grid_campaign import config, write_campaign
from .test_google_backend import SA, fill_local
from .test_network_layout import network_config, services_referentiel

NOW = dt.datetime(2026, 3, 2, 9, 0)
NATIONAL = "claire@coorace.example"


def run(config_path: Path, *args: str) -> Any:
    return CliRunner().invoke(main, ["--config", str(config_path), *args])


def test_each_sync_writes_the_network_view_when_national_contacts_are_named(
    tmp_path: Path,
) -> None:
    camp = write_campaign(tmp_path, referentiel=services_referentiel(), cfg=network_config())
    local = LocalBackend(camp.data_dir)
    generate(camp, local, workers=1, now=NOW)
    fill_local(local)
    first = run(camp.config_path, "sync")
    assert first.exit_code == 0, first.output
    path = camp.data_dir / "reseau" / "vue-reseau.xlsx"
    book = read_workbook(path)
    participation = book["Participation"]
    assert participation[3][:4] == ["Nouvelle-Aquitaine", "Collectif de test", 4, 2]
    assert participation[4][:4] == ["Occitanie", "Collectif Occitanie", 2, 0]
    assert book["Niveaux par type"][2][1:3] == ["AI — moyenne", "AI — structures"]
    stamp = path.stat().st_mtime_ns

    again = run(camp.config_path, "sync")  # nothing changed: not laid out again
    assert again.exit_code == 0 and path.stat().st_mtime_ns == stamp
    assert "0 fichier de sortie réécrit" in again.output
    asked = run(camp.config_path, "reseau")
    assert (asked.exit_code, asked.output) == (0, f"Vue réseau inchangée\u00a0: {path}\n")
    forced = run(camp.config_path, "reseau", "--force")
    assert forced.output == f"Vue réseau écrite\u00a0: {path}\n"


def test_without_national_contacts_only_the_command_writes_it(tmp_path: Path) -> None:
    camp = write_campaign(tmp_path)
    assert run(camp.config_path, "generate").exit_code == 0
    assert run(camp.config_path, "sync").exit_code == 0
    path = camp.data_dir / "reseau" / "vue-reseau.xlsx"
    assert not path.exists()
    result = run(camp.config_path, "reseau")
    assert result.exit_code == 0 and path.is_file()
    assert result.output.splitlines()[1] == (
        "Aucun contact national dans la configuration (clé «\u00a0national\u00a0»)\u00a0: "
        "la vue réseau n'est partagée avec personne."
    )


def test_a_collectif_may_not_be_called_reseau(tmp_path: Path) -> None:
    cfg = config()
    cfg["collectives"][0]["id"] = "reseau"
    with pytest.raises(ValidationFailed):
        write_campaign(tmp_path, cfg=cfg)
    config_path = tmp_path / "capsync.yaml"
    result = run(config_path, "check")
    lines = config_path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, text in enumerate(lines, 1) if "id: reseau" in text)
    assert (result.exit_code, plain(result.output).splitlines()[0]) == (
        1,
        f"{config_path}:{number} [collectives[0].id] : l'identifiant « reseau » est "
        "réservé à la vue réseau (capsync reseau) ; choisissez-en un autre pour ce collectif.",
    )


def test_a_locked_network_view_is_retried_and_said(tmp_path: Path) -> None:
    camp = write_campaign(tmp_path, cfg=network_config())
    backend = LocalBackend(camp.data_dir)
    generate(camp, backend, workers=1, now=NOW)
    folder = camp.data_dir / "reseau"
    folder.mkdir(parents=True)
    (folder / ".~lock.vue-reseau.xlsx#").write_text("x", encoding="utf-8")
    with Store.open(camp.data_dir) as store, SyncState(state_path(camp.data_dir)) as state:
        report = run_cycle(camp, backend, store, state, now=NOW)
    assert report.network is not None and report.network.locked
    assert any("vue-reseau.xlsx est ouvert" in line for line in report.warnings())
    (folder / ".~lock.vue-reseau.xlsx#").unlink()
    with Store.open(camp.data_dir) as store, SyncState(state_path(camp.data_dir)) as state:
        report = run_cycle(camp, backend, store, state, now=NOW)
    assert report.network is not None and report.network.written == [
        str(folder / "vue-reseau.xlsx")
    ]


def test_on_drive_the_network_view_is_shared_with_the_national_contacts_only(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    cfg = network_config()
    cfg["backend"]["google"] = {"root_folder_id": None, "requests_per_minute": 50}
    camp = write_campaign(tmp_path, cfg=cfg)
    backend = GoogleBackend(
        GoogleSettings(endpoint=google_api.url, requests_per_minute=50),
        Credentials(token="t"),
        config=camp.config,
        service_account_email=SA,
        clock=google_api.clock,
        sleep=google_api.clock.advance,
    )
    with Store.open(tmp_path / "db") as store, SyncState(tmp_path / "state.sqlite") as state:
        made = write_network(camp, backend, store, state, now=NOW)
    assert made.written
    file_id = backend.file_id(NETWORK_REF)
    assert file_id is not None
    people = {
        (p.get("emailAddress"), p.get("role"))
        for p in backend.drive.permissions(file_id)
        if p.get("role") != "owner"
    }
    assert people == {(NATIONAL, "reader")}
    assert audit(backend, camp.config) == []
    backend.drive.grant(file_id, "xavier@example.org", "reader")  # a délégué·e of a region
    messages = [f.message for f in audit(backend, camp.config)]
    assert messages == [
        "reseau/reseau : xavier@example.org (délégué·e du collectif test-na) "
        "n'a pas à accéder à ce fichier (lecteur)"
    ]


def test_a_network_view_that_cannot_be_written_fails_the_cycle_not_the_collectifs(
    tmp_path: Path,
) -> None:
    camp = write_campaign(tmp_path, cfg=network_config())
    assert run(camp.config_path, "generate").exit_code == 0
    (camp.data_dir / "reseau").write_text("un fichier à la place du dossier", encoding="utf-8")
    result = run(camp.config_path, "sync")
    assert result.exit_code == 1
    assert (camp.data_dir / "test-na" / "tableau-de-bord.xlsx").is_file()
    assert any(line.startswith("Vue réseau : ") for line in plain(result.output).splitlines())

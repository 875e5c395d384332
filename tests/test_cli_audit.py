"""``capsync audit`` on the Google backend: what an admin reads when the key is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from capsync.cli import main

from .french_output import plain
from .grid_campaign import config, write_campaign

KEY_ENV = "CAPSYNC_TEST_NO_SUCH_KEY"


def google_campaign(folder: Path, **google: str) -> Path:
    cfg = config()
    settings = {"credentials_env": KEY_ENV, "root_folder_id": "dossier-partage", **google}
    cfg["backend"] = {"kind": "google", "google": settings}
    return write_campaign(folder, cfg=cfg).config_path


def test_audit_without_a_service_account_key_says_where_to_put_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    result = CliRunner().invoke(main, ["--config", str(google_campaign(tmp_path)), "audit"])
    assert (result.exit_code, plain(result.output)) == (
        1,
        "Erreur : Aucune clé de compte de service Google : renseignez "
        f"backend.google.credentials_file ou la variable d'environnement {KEY_ENV}.\n",
    )


def test_audit_with_a_key_file_that_is_not_json_names_the_file(tmp_path: Path) -> None:
    key = tmp_path / "cle.json"
    key.write_text("pas du JSON", encoding="utf-8")
    config_path = google_campaign(tmp_path, credentials_file="cle.json")
    result = CliRunner().invoke(main, ["--config", str(config_path), "audit"])
    assert (result.exit_code, plain(result.output)) == (
        1,
        f"Erreur : La clé du compte de service ({key}) n'est pas du JSON.\n",
    )

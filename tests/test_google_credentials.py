"""The service account's key is used, never shown: not in messages, not in logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from capsync.backends.google.credentials import key_info, service_account_credentials
from capsync.campaign.config import GoogleSettings
from capsync.errors import BackendError

SECRET = (
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (json.dumps({"type": "authorized_user", "private_key": SECRET}),
         "n'est pas celle d'un compte de service"),
        ("{'private_key': '" + SECRET + "'", "n'est pas du JSON"),
    ],
)  # fmt: skip
def test_a_wrong_key_is_named_by_where_it_was_never_by_what_it_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    content: str, message: str,
) -> None:  # fmt: skip
    monkeypatch.setenv("CAPSYNC_TEST_KEY", content)
    caplog.set_level(logging.DEBUG, logger="capsync")
    with pytest.raises(BackendError) as raised:
        key_info(GoogleSettings(credentials_env="CAPSYNC_TEST_KEY"))
    text = str(raised.value)
    assert message in text and "la variable d'environnement CAPSYNC_TEST_KEY" in text
    assert "PRIVATE KEY" not in text and "MIIEv" not in text
    assert "MIIEv" not in caplog.text


def test_a_missing_key_file_says_where_it_was_looked_for(tmp_path: Path) -> None:
    settings = GoogleSettings(credentials_file="cles/compte.json")
    with pytest.raises(BackendError, match="introuvable ou illisible") as raised:
        key_info(settings, base=tmp_path)
    assert str(tmp_path / "cles" / "compte.json") in str(raised.value)


@pytest.mark.parametrize(
    "key",
    [
        {"type": "service_account", "private_key": SECRET},  # no client_email, no token_uri
        {"type": "service_account", "private_key": SECRET, "client_email": "capsync@x.iam",
         "token_uri": "https://oauth2.googleapis.com/token"},  # a truncated private key
    ],
)  # fmt: skip
def test_a_damaged_key_says_where_it_is_and_what_to_do(tmp_path: Path, key: dict) -> None:
    path = tmp_path / "compte.json"
    path.write_text(json.dumps(key), encoding="utf-8")
    with pytest.raises(BackendError) as raised:
        service_account_credentials(GoogleSettings(credentials_file=str(path)))
    assert str(raised.value) == (
        f"La clé du compte de service ({path}) est incomplète ou abîmée : téléchargez une "
        "nouvelle clé JSON du compte de service dans la console Google Cloud."
    )
    assert raised.value.__cause__ is None and raised.value.__suppress_context__  # no key shown

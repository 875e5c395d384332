"""Load the service account's key from a file or an environment variable.

The key never leaves this module except as a Credentials object: it is not
logged, copied or written anywhere, and error messages name where it was
looked for, never what it holds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from capsync.campaign.config import GoogleSettings
from capsync.errors import BackendError

SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive",
)


def key_info(settings: GoogleSettings, base: Path | None = None) -> dict[str, Any]:
    """The service-account key as a dict, from ``credentials_file`` or ``credentials_env``."""
    return _key(settings, base)[0]


def _key(settings: GoogleSettings, base: Path | None) -> tuple[dict[str, Any], str]:
    """The key and where it was found, in French (« la variable d'environnement X », a path)."""
    if settings.credentials_file:
        path = Path(settings.credentials_file)
        if base is not None and not path.is_absolute():
            path = base / path
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BackendError(
                f"Clé du compte de service introuvable ou illisible : {path}."
            ) from exc
        source = str(path)
    elif settings.credentials_env and os.environ.get(settings.credentials_env):
        text = os.environ[settings.credentials_env]
        source = f"la variable d'environnement {settings.credentials_env}"
    else:
        raise BackendError(
            "Aucune clé de compte de service Google : renseignez backend.google.credentials_file "
            f"ou la variable d'environnement {settings.credentials_env or '(credentials_env)'}."
        )
    try:
        info = json.loads(text)
    except ValueError:
        raise BackendError(f"La clé du compte de service ({source}) n'est pas du JSON.") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise BackendError(
            f"La clé ({source}) n'est pas celle d'un compte de service (type service_account)."
        )
    return info, source


def service_account_credentials(settings: GoogleSettings, base: Path | None = None) -> Any:
    """Credentials from the key; a key with missing fields or a damaged private key is said so,
    naming where it was found and never what it holds."""
    from google.oauth2 import service_account

    info, source = _key(settings, base)
    try:
        # google-auth leaves this classmethod unannotated; it returns service_account.Credentials.
        return service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=list(SCOPES)
        )
    except ValueError:  # google-auth's MalformedError, or the key's PEM that cannot be read
        raise BackendError(
            f"La clé du compte de service ({source}) est incomplète ou abîmée : téléchargez une "
            "nouvelle clé JSON du compte de service dans la console Google Cloud."
        ) from None

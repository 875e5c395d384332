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
    if settings.credentials_file:
        path = Path(settings.credentials_file)
        if base is not None and not path.is_absolute():
            path = base / path
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
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
    return info


def service_account_credentials(settings: GoogleSettings, base: Path | None = None) -> Any:
    from google.oauth2 import service_account

    info = key_info(settings, base)
    return service_account.Credentials.from_service_account_info(info, scopes=list(SCOPES))

"""``capsync check --google``: can capsync work on this Google set-up? Writes nothing.

Four read requests, each answering one question an admin would otherwise learn
from a failed ``generate``:

1. the key is accepted (the token exchange; a revoked key fails here);
2. the Drive API is enabled and the root folder is readable (``files.get``);
3. the root folder is a folder in a shared drive (``driveId``) where the
   service account may add files (``capabilities.canAddChildren``);
4. the Sheets API is enabled (a ``spreadsheets.get`` of an id that cannot
   exist: 404 means enabled, 403 ``SERVICE_DISABLED`` means not).
"""

from __future__ import annotations

from dataclasses import dataclass

import gspread

from capsync.backends.google.backend import _FAILURES, GoogleBackend
from capsync.backends.google.google_errors import google_reason, why

PROBE_ID = "capsync-verification-inexistant"


@dataclass(frozen=True)
class Finding:
    ok: bool
    message: str  # French


def preflight(backend: GoogleBackend) -> list[Finding]:
    """Every check, in order; stops after the first failure that hides the next ones."""
    root = backend.settings.root_folder_id
    if not root:
        return [Finding(False, "backend.google.root_folder_id n'est pas renseigné : indiquez "
                               "l'identifiant d'un dossier d'un drive partagé.")]  # fmt: skip
    try:
        folder = backend.drive.get(root, "id,name,mimeType,driveId,trashed,capabilities")
    except _FAILURES as exc:
        return [Finding(False, f"Dossier racine {root} illisible : {why(exc)}.")]
    found = [Finding(True, "Clé du compte de service acceptée ; API Google Drive activée.")]
    name = folder.get("name", root)
    if folder.get("mimeType") != "application/vnd.google-apps.folder":
        found.append(Finding(False, f"« {name} » ({root}) n'est pas un dossier."))
    elif not folder.get("driveId"):
        found.append(Finding(False, f"Le dossier « {name} » est dans un « Mon Drive » : un compte "
                                    "de service n'y a pas d'espace ; prenez un dossier d'un "
                                    "drive partagé."))  # fmt: skip
    elif folder.get("trashed"):
        found.append(Finding(False, f"Le dossier « {name} » est dans la corbeille."))
    elif not (folder.get("capabilities") or {}).get("canAddChildren"):
        found.append(Finding(False, f"Le compte de service ne peut pas écrire dans « {name} » : "
                                    "ajoutez-le comme « Gestionnaire de contenu » du drive "
                                    "partagé."))  # fmt: skip
    else:
        found.append(Finding(True, f"Dossier racine « {name} » : drive partagé, accessible en "
                                   "écriture."))  # fmt: skip
    found.append(_sheets_enabled(backend))
    return found


def _sheets_enabled(backend: GoogleBackend) -> Finding:
    try:
        backend.client.http_client.fetch_sheet_metadata(
            PROBE_ID, params={"fields": "spreadsheetId"}
        )
    except gspread.exceptions.APIError as exc:
        if google_reason(exc)[0] == 404:
            return Finding(True, "API Google Sheets activée.")
        return Finding(False, f"API Google Sheets : {why(exc)}.")
    except _FAILURES as exc:
        return Finding(False, f"API Google Sheets : {why(exc)}.")
    return Finding(True, "API Google Sheets activée.")

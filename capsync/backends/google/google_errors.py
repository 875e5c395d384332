"""What Google said, in French, and what to do about it (pure but for reading an answer).

Messages used to say only « Google a répondu 403 »: an admin could not tell a
revoked key from an API left disabled or a folder not shared with the service
account. :func:`why` gives the status, Google's reason and message, then the
advice for that reason; nothing secret is ever in them (Google's messages
name files and projects, never keys).
"""

from __future__ import annotations

from typing import Any

import gspread
import requests

from capsync.backends.google.drive import DriveError

# Google's reason (Drive's errors[].reason, or Sheets' ErrorInfo reason / status) → advice
ADVICE = {
    "SERVICE_DISABLED": "activez l'API dans la console Google Cloud (API et services → "
    "Bibliothèque) du projet du compte de service, puis relancez",
    "accessNotConfigured": "activez l'API dans la console Google Cloud (API et services → "
    "Bibliothèque) du projet du compte de service, puis relancez",
    "insufficientFilePermissions": "ajoutez le compte de service comme « Gestionnaire de "
    "contenu » du drive partagé qui contient le dossier racine",
    "PERMISSION_DENIED": "ajoutez le compte de service comme « Gestionnaire de contenu » du "
    "drive partagé qui contient le dossier racine, ou vérifiez que l'API est activée",
    "notFound": "le fichier a été supprimé ou n'est plus partagé avec le compte de service ; "
    "vérifiez backend.google.root_folder_id et la corbeille du drive partagé",
    "NOT_FOUND": "le fichier a été supprimé ou n'est plus partagé avec le compte de service ; "
    "vérifiez la corbeille du drive partagé",
    "storageQuotaExceeded": "un compte de service n'a pas d'espace de stockage : mettez le "
    "dossier racine dans un drive partagé (docs/google.md)",
    "shareOutNotPermitted": "la console d'administration Google Workspace interdit le partage "
    "hors de l'organisation : autorisez le partage externe (Applications → Google Workspace → "
    "Drive et Docs → Paramètres de partage) ou donnez une adresse de l'organisation",
    "invalidSharingRequest": "l'adresse n'a pas de compte Google et l'invitation a été "
    "refusée : vérifiez l'adresse et le partage externe de l'organisation",
    "authError": "la clé du compte de service est refusée (révoquée ou supprimée ?) : créez "
    "une nouvelle clé JSON dans la console Google Cloud",
    "UNAUTHENTICATED": "la clé du compte de service est refusée (révoquée ou supprimée ?) : "
    "créez une nouvelle clé JSON dans la console Google Cloud",
    "RATE_LIMIT_EXCEEDED": "le quota de requêtes est épuisé ; capsync reprendra au prochain "
    "passage (baissez backend.google.requests_per_minute s'il se répète)",
    "incompleteSearch": "Google n'a pas pu parcourir tous les drives ; la liste sera reprise "
    "au prochain passage",
}


def google_reason(exc: BaseException) -> tuple[int, str, str]:
    """(status, reason, Google's message) of an error answer; (0, "", "") for anything else."""
    if isinstance(exc, DriveError):
        return exc.status, exc.reason, exc.message
    if isinstance(exc, gspread.exceptions.APIError):
        return _sheets_reason(exc.response)
    return 0, "", ""


def _sheets_reason(response: requests.Response) -> tuple[int, str, str]:
    try:
        error: dict[str, Any] = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return response.status_code, "", response.text[:200]
    reason = str(error.get("status", ""))
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("reason"):
            reason = str(detail["reason"])
    return response.status_code, reason, str(error.get("message", ""))


def why(exc: BaseException) -> str:
    """The reason for a French message: what Google said, then what to do."""
    if type(exc).__name__ == "RefreshError":  # google-auth: the token exchange was refused
        return (
            "Google refuse la clé du compte de service (révoquée, supprimée ou d'un autre "
            "projet) : créez une nouvelle clé JSON dans la console Google Cloud"
        )
    status, reason, message = google_reason(exc)
    if status:
        said = f"Google a répondu {status}"
        if reason:
            said += f" {reason}"
        if message:
            said += f" « {message[:300]} »"
        advice = ADVICE.get(reason) or ADVICE.get(_STATUS_REASON.get(status, ""))
        return f"{said} ; {advice}" if advice else said
    if isinstance(exc, requests.Timeout):
        return "Google n'a pas répondu à temps"
    return "connexion à Google impossible"


_STATUS_REASON = {401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND"}


def trashed_message(where: str) -> str:
    return (
        f"La grille {where} est dans la corbeille de Google Drive : restaurez-la depuis la "
        "corbeille du drive partagé. Les réponses déjà relevées sont conservées ; aucune "
        "nouvelle grille n'est créée à sa place."
    )

"""The shared drive's own settings that would make a grant fail, for ``capsync audit``.

A grant the configuration calls for can be refused by Drive whatever capsync
does, because of how the shared drive holding the root folder is set up. Two
read requests say it before a ``generate`` or an ``audit --fix`` fails on each
person in turn: ``files.get`` of the root folder (its ``driveId``, and whether
the service account may share it) and ``drives.get`` of its shared drive (its
``restrictions``):

- ``driveMembersOnly``: only the drive's members may open its files, so no
  délégué·e or contact can be given a file or a folder;
- ``domainUsersOnly``: only users of the drive's organisation may open them, so
  contacts with an address elsewhere (most structures) cannot;
- ``sharingFoldersRequiresOrganizerPermission``, or a root folder the account
  may not share (``capabilities.canShare``): capsync shares *folders* (each
  collectif's, each structure's), which then needs the « Gestionnaire » role.

These are settings of the shared drive (or of the organisation) that only its
managers can change: ``--fix`` does not touch them; the audit says what to ask.
An organisation-wide policy (sharing outside the organisation forbidden in the
admin console) is not readable with the drive scope: a refused grant says it
(``shareOutNotPermitted``).
"""

from __future__ import annotations

from typing import Any

import requests

from capsync.backends.google.drive import DRIVE, DriveClient, error_of
from capsync.backends.google.google_errors import why
from capsync.campaign.config import Config
from capsync.errors import BackendError

ROOT_FIELDS = "id,name,driveId,capabilities(canShare)"
DRIVE_FIELDS = (
    "id,name,restrictions(domainUsersOnly,driveMembersOnly,"
    "sharingFoldersRequiresOrganizerPermission)"
)


def people(config: Config) -> set[str]:
    """Every address the configuration shares something with (lower case)."""
    found = {c.email.lower() for c in config.national}
    for collective in config.collectives:
        found |= {d.email.lower() for d in collective.delegates}
        for structure in collective.structures:
            found |= {str(e).lower() for e in structure.contacts}
            found |= {str(r.email).lower() for r in structure.respondents if r.email}
            pairs = (structure.pair, *structure.pairs)
            found |= {str(p.email).lower() for p in pairs if p is not None and p.email}
    return found


def _domains(addresses: set[str]) -> str:
    domains = sorted({a.rpartition("@")[2] for a in addresses})
    shown = ", ".join(domains[:8]) + (", …" if len(domains) > 8 else "")
    return f"{len(domains)} domaine{'s' if len(domains) > 1 else ''} ({shown})"


def drive_settings(drive: DriveClient, root: str, config: Config) -> list[str]:
    """What in the shared drive's settings would block a grant, in French ([] when nothing
    does, or when the root folder is not set: ``capsync check --google`` says so)."""
    if root == "root":  # no root_folder_id: the account's own Drive, reported by check
        return []
    folder = _read(drive, f"files/{root}", ROOT_FIELDS, "du dossier racine")
    drive_id = folder.get("driveId")
    if not drive_id:
        return []  # a « Mon Drive » folder: ``capsync check --google`` says what to do
    shared = _read(drive, f"drives/{drive_id}", DRIVE_FIELDS, "du drive partagé")
    name = shared.get("name") or drive_id
    limits = shared.get("restrictions") or {}
    found: list[str] = []
    everyone = people(config)
    if limits.get("driveMembersOnly"):
        found.append(
            f"Drive partagé « {name} » : l'accès aux fichiers est réservé à ses membres "
            f"(« driveMembersOnly ») ; aucun des {len(everyone)} partages de la configuration "
            "ne peut être fait. Demandez à un gestionnaire du drive partagé d'autoriser l'accès "
            "aux personnes qui n'en sont pas membres."
        )
    if limits.get("domainUsersOnly"):
        found.append(
            f"Drive partagé « {name} » : l'accès est réservé aux utilisateurs de son "
            f"organisation (« domainUsersOnly ») ; les adresses de la configuration sont de "
            f"{_domains(everyone)} : celles d'une autre organisation ne pourront rien ouvrir. "
            "Demandez à un gestionnaire du drive partagé d'autoriser le partage externe."
        )
    if limits.get("sharingFoldersRequiresOrganizerPermission") or not (
        folder.get("capabilities") or {}
    ).get("canShare", True):
        found.append(
            f"Drive partagé « {name} » : le compte de service ne peut pas partager de dossier "
            "(seul le rôle « Gestionnaire » le peut) ; or capsync partage le dossier de chaque "
            "collectif et de chaque structure. Donnez le rôle « Gestionnaire » au compte de "
            "service, ou demandez qu'un « Gestionnaire de contenu » puisse partager les dossiers."
        )
    return found


def _read(drive: DriveClient, path: str, fields: str, what: str) -> dict[str, Any]:
    """One GET with the parameters its method documents (``drives.get`` has no
    ``supportsAllDrives``, which :class:`DriveClient` adds to every call it makes)."""
    params = {"fields": fields, **({"supportsAllDrives": "true"} if path.startswith("files/")
                                   else {})}  # fmt: skip
    try:
        response = drive.session.get(f"{DRIVE}/{path}", params=params)
    except requests.RequestException as exc:
        raise BackendError(f"Lecture des réglages {what} impossible : {why(exc)}.") from exc
    if response.status_code >= 400:
        error = error_of(response)
        raise BackendError(f"Lecture des réglages {what} impossible : {why(error)}.") from error
    answer: dict[str, Any] = response.json()
    return answer

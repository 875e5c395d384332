"""Who may open which workbook on Drive, computed from the configuration, and the audit.

The rule (docs/google.md):

- a structure's contacts are writers on their own grid, and on nothing else;
- a collectif's délégué·e·s are readers of its dashboard, calendar and
  restitutions, and commenters on its grids when
  ``backend.google.delegates_comment_on_grids`` is set;
- nobody else: no « anyone with the link », no domain-wide sharing, nobody
  from another structure or collectif.

:func:`desired` and :func:`diff` are pure; :func:`audit` costs one
``permissions.list`` per workbook, :func:`fix` one request per change.

This module is given what it works on — a :class:`DriveClient`, a file id, a
:class:`SharedTree` (which the Google backend is) — and never imports the
backend, which calls :func:`grant_missing` when it creates a file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from capsync.backends.google.drive import DriveClient, DriveError
from capsync.backends.google.listing import Listing
from capsync.campaign.config import Config
from capsync.errors import BackendError
from capsync.workbook.refs import Kind, WorkbookRef

log = logging.getLogger("capsync")

ROLE_LABELS = {
    "reader": "lecteur",
    "commenter": "commentateur",
    "writer": "éditeur",
    "fileOrganizer": "organisateur",
    "organizer": "gestionnaire",
    "owner": "propriétaire",
}


class SharedTree(Protocol):
    """What the audit reads and changes: the Drive client, the account capsync runs as
    (the owner of every file, never an over-share) and a fresh listing of the tree."""

    @property
    def drive(self) -> DriveClient: ...

    @property
    def email(self) -> str | None: ...

    def refresh(self) -> Listing: ...


def desired(config: Config, ref: WorkbookRef) -> dict[str, str]:
    """e-mail (lower case) → role that ``ref`` must be shared with."""
    collective = config.collective(ref.collective)
    delegates = [d.email.lower() for d in collective.delegates]
    wanted: dict[str, str] = {}
    if ref.kind == Kind.GRID:
        if config.backend.google.delegates_comment_on_grids:
            wanted.update(dict.fromkeys(delegates, "commenter"))
        structure = next((s for s in collective.structures if s.id == ref.name), None)
        if structure is not None:
            wanted.update(dict.fromkeys((c.lower() for c in structure.contacts), "writer"))
    else:
        wanted.update(dict.fromkeys(delegates, "reader"))
    return wanted


def who(config: Config) -> dict[str, str]:
    """e-mail → who this person is in the configuration, in French (for messages)."""
    known: dict[str, str] = {}
    for collective in config.collectives:
        for delegate in collective.delegates:
            known.setdefault(delegate.email.lower(), f"délégué·e du collectif {collective.id}")
        for structure in collective.structures:
            for contact in structure.contacts:
                known.setdefault(contact.lower(), f"contact de la structure {structure.id}")
    return known


@dataclass(frozen=True)
class Finding:
    """One difference between a file's sharing and the configuration."""

    ref: WorkbookRef
    file_id: str
    message: str  # French, for the audit's output
    permission_id: str | None = None  # the grant to remove (None: a grant is missing)
    email: str = ""
    role: str = ""  # the role to grant when ``permission_id`` is None


def _inherited(permission: dict[str, Any]) -> bool:
    details = permission.get("permissionDetails") or []
    return bool(details) and all(d.get("inherited") for d in details)


def diff(
    ref: WorkbookRef,
    file_id: str,
    permissions: list[dict[str, Any]],
    wanted: dict[str, str],
    known: dict[str, str],
    owners: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Every permission that the configuration does not call for, and every missing one."""
    found: list[Finding] = []
    have: dict[str, str] = {}
    for perm in permissions:
        kind, role, pid = perm.get("type"), perm.get("role", ""), perm.get("id")
        email = (perm.get("emailAddress") or "").lower()
        label = ROLE_LABELS.get(role, role)
        if role == "owner" or email in owners or _inherited(perm):
            continue  # inherited: the shared drive's members, managed where they are granted
        if kind == "anyone":
            message = f"{ref} : accessible à toute personne disposant du lien ({label})"
        elif kind == "domain":
            message = f"{ref} : partagé avec tout le domaine {perm.get('domain', '')} ({label})"
        elif kind == "group":
            message = (
                f"{ref} : partagé avec le groupe {email} ({label}), absent de la configuration"
            )
        elif email in wanted and wanted[email] == role and email not in have:
            have[email] = role
            continue
        elif email in wanted:
            wanted_label = ROLE_LABELS[wanted[email]]
            message = f"{ref} : {email} a le rôle {label} au lieu de {wanted_label}"
        elif email in known:
            message = f"{ref} : {email} ({known[email]}) n'a pas à accéder à ce fichier ({label})"
        else:
            message = f"{ref} : {email} n'est pas dans la configuration ({label})"
        found.append(Finding(ref, file_id, message, permission_id=pid, email=email, role=role))
    for email, role in wanted.items():
        if email not in have:
            message = f"{ref} : {email} devrait être {ROLE_LABELS[role]}"
            found.append(Finding(ref, file_id, message, email=email, role=role))
    return found


def audit(tree: SharedTree, config: Config) -> list[Finding]:
    """Compare the permissions of every workbook, and of the .ics and .pdf files beside them,
    with the configuration (one read per file)."""
    listing = tree.refresh()
    known = who(config)
    owners = frozenset({tree.email.lower()} if tree.email else set())
    configured = {c.id for c in config.collectives}
    found: list[Finding] = []
    files = [(ref, entry) for ref, entry in listing.workbooks.items()]
    files += [(ref, entry) for ref, entries in listing.companions.items() for entry in entries]
    for ref, entry in sorted(files, key=lambda item: (item[0], item[1].name)):
        wanted = desired(config, ref) if ref.collective in configured else {}
        try:
            permissions = tree.drive.permissions(entry.id)
        except DriveError as exc:
            raise BackendError(f"Lecture des partages de {ref} impossible ({exc.status}).") from exc
        found += diff(ref, entry.id, permissions, wanted, known, owners)
    return found


def fix(tree: SharedTree, findings: list[Finding]) -> list[str]:
    """Remove every over-share and grant what is missing; say what was done, in French."""
    done: list[str] = []
    for finding in findings:
        try:
            if finding.permission_id is not None:
                tree.drive.revoke(finding.file_id, finding.permission_id)
                done.append(f"Retiré — {finding.message}")
        except DriveError as exc:
            done.append(f"Échec ({exc.status}) — {finding.message}")
    for ref_file, email, role in _grants(findings):
        try:
            tree.drive.grant(ref_file[1], email, role)
            done.append(f"Ajouté — {ref_file[0]} : {email} ({ROLE_LABELS[role]})")
        except DriveError as exc:
            done.append(f"Échec ({exc.status}) — {ref_file[0]} : {email} ({ROLE_LABELS[role]})")
    return done


def _grants(findings: list[Finding]) -> list[tuple[tuple[WorkbookRef, str], str, str]]:
    """The grants to make: missing ones (a wrong role was revoked above, so it is missing too)."""
    return [((f.ref, f.file_id), f.email, f.role) for f in findings if f.permission_id is None]


def grant_missing(drive: DriveClient, file_id: str, ref: WorkbookRef, config: Config) -> None:
    """Share a newly created file as the configuration says for ``ref`` (one request per person).

    ``file_id`` is the workbook's, or the .ics / .pdf uploaded beside it: those are read
    by the same people as the workbook."""
    for email, role in desired(config, ref).items():
        try:
            drive.grant(file_id, email, role)
        except DriveError as exc:
            log.warning("could not share %s with %s (HTTP %d); the audit will say so",
                        ref, email, exc.status)  # fmt: skip

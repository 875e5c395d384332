"""Who may open which workbook on Drive, computed from the configuration, and the audit.

The rule (docs/google.md):

- a structure's contacts are writers on their own grid and readers of its own
  folder (« Structures/<nom> [<id>] »: restitutions, « À corriger », calendar),
  with the collectif's tiers and the structure's pairs — one grant per person on
  the folder, inherited by every file in it, none on the files;
- a collectif's délégué·e·s are readers of its folder — one grant per person,
  inherited by its dashboard, calendar, restitutions and every file later put
  in it — and commenters on its grids when
  ``backend.google.delegates_comment_on_grids`` is set;
- the network workbook (``reseau/``) is read by the configuration's ``national``
  contacts only; its folder is shared with nobody;
- nobody else: no « anyone with the link », no domain-wide sharing, nobody
  from another structure or collectif; no grant at all on the collectifs'
  sub-folders (« Grilles », « Structures »…) nor on the network's folder, whose
  files take their readers from elsewhere.

:func:`desired` and :func:`diff` are pure; :func:`audit` costs one
``permissions.list`` per workbook and folder, :func:`fix` one request per change.
Inherited grants are checked where they are granted: on the folders (each
collectif's, each structure's, and the sub-folders, which must have none).

This module is given what it works on — a :class:`DriveClient`, a file id, a
:class:`SharedTree` (which the Google backend is) — and never imports the
backend, which calls :func:`grant_missing` when it creates a file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from capsync.backends.google.drive import DriveClient, DriveError
from capsync.backends.google.google_errors import why
from capsync.backends.google.listing import Listing
from capsync.campaign.config import Collective, Config, Structure
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
    """e-mail (lower case) → role granted on the file ``ref`` itself (not inherited)."""
    if ref.kind == Kind.NETWORK:  # the network view: the national contacts read it, nobody else
        return dict.fromkeys((c.email.lower() for c in config.national), "reader")
    collective = config.collective(ref.collective)
    delegates = [d.email.lower() for d in collective.delegates]
    wanted: dict[str, str] = {}
    if ref.kind == Kind.GRID:
        if config.backend.google.delegates_comment_on_grids:
            wanted.update(dict.fromkeys(delegates, "commenter"))
        structure = next((s for s in collective.structures if s.id == ref.name), None)
        if structure is not None:
            wanted.update(dict.fromkeys(grid_writers(collective, structure), "writer"))
    # STRUCTURE_KINDS: nobody on the file itself; its structure's folder is read by the
    # structure's people (desired_structure_folder), and so every file in it.
    return wanted


def desired_structure_folder(
    config: Config, collective_id: str, structure_id: str
) -> dict[str, str]:
    """e-mail → role on a structure's own folder (its restitutions, « À corriger », calendar):
    its contacts, the collectif's tiers and its pairs read it; nobody of another structure."""
    collective = config.collective(collective_id)
    structure = next((s for s in collective.structures if s.id == structure_id), None)
    if structure is None:
        return {}
    ref = WorkbookRef(collective_id, Kind.RESTITUTION, structure_id)
    return dict.fromkeys(structure_readers(collective, structure, ref), "reader")


def structure_readers(collective: Collective, structure: Structure, ref: WorkbookRef) -> list[str]:
    """Who reads a structure's own results: its contacts; for a restitution, also the
    collectif's tiers and every pair of its chapters (``pair`` and ``pairs``), who read it
    back with the structure (issue 10)."""
    people = [*structure.contacts]
    if ref.kind == Kind.RESTITUTION:
        people += [d.email for d in collective.tiers]
        people += [p.email for p in (structure.pair, *structure.pairs) if p is not None and p.email]
    return [str(e).lower() for e in people]


def grid_writers(collective: Collective, structure: Structure) -> list[str]:
    """Who types in a structure's grid: its contacts and respondents with an e-mail, the
    collectif's tiers and the pairs of its chapters (issue 10). The grid's protected ranges
    then say which columns each may type in; a reviewer taken out of the configuration
    loses the grid at the next ``capsync audit --fix``."""
    people = [*structure.contacts, *(r.email for r in structure.respondents if r.email)]
    people += [d.email for d in collective.tiers]
    people += [p.email for p in (structure.pair, *structure.pairs) if p is not None and p.email]
    return [str(e).lower() for e in people]


def desired_folder(config: Config, collective_id: str) -> dict[str, str]:
    """e-mail → role granted on a collectif's folder: its délégué·e·s read everything in it."""
    collective = config.collective(collective_id)
    return dict.fromkeys((d.email.lower() for d in collective.delegates), "reader")


def desired_emails(config: Config | None, ref: WorkbookRef) -> list[str]:
    """Who the file ``ref`` is shared with directly (none without a configuration)."""
    if config is None or not _configured(config, ref):
        return []
    return sorted(desired(config, ref))


def _configured(config: Config, ref: WorkbookRef) -> bool:
    """Whether the configuration says who may open ``ref`` (its collectif, or the network)."""
    return ref.kind == Kind.NETWORK or ref.collective in {c.id for c in config.collectives}


def who(config: Config) -> dict[str, str]:
    """e-mail → who this person is in the configuration, in French (for messages)."""
    known: dict[str, str] = {c.email.lower(): "contact national" for c in config.national}
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
    place: str = ""  # what the message names, when not ``ref`` (« dossier du collectif x »)

    @property
    def where(self) -> str:
        return self.place or str(self.ref)


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
    place: str = "",
) -> list[Finding]:
    """Every permission that the configuration does not call for, and every missing one
    (messages name ``place``, or ``ref`` when it is empty)."""
    found: list[Finding] = []
    where = place or str(ref)
    have: dict[str, str] = {}
    for perm in permissions:
        kind, role, pid = perm.get("type"), perm.get("role", ""), perm.get("id")
        email = (perm.get("emailAddress") or "").lower()
        label = ROLE_LABELS.get(role, role)
        if role == "owner" or email in owners or _inherited(perm):
            continue  # inherited: the shared drive's members, managed where they are granted
        if kind == "anyone":
            message = f"{where} : accessible à toute personne disposant du lien ({label})"
        elif kind == "domain":
            message = f"{where} : partagé avec tout le domaine {perm.get('domain', '')} ({label})"
        elif kind == "group":
            message = (
                f"{where} : partagé avec le groupe {email} ({label}), absent de la configuration"
            )
        elif email in wanted and wanted[email] == role and email not in have:
            have[email] = role
            continue
        elif email in wanted:
            wanted_label = ROLE_LABELS[wanted[email]]
            message = f"{where} : {email} a le rôle {label} au lieu de {wanted_label}"
        elif email in known:
            what = "ce dossier" if place else "ce fichier"
            message = f"{where} : {email} ({known[email]}) n'a pas à accéder à {what} ({label})"
        else:
            message = f"{where} : {email} n'est pas dans la configuration ({label})"
        found.append(Finding(ref, file_id, message, pid, email, role, place))
    for email, role in wanted.items():
        if email not in have:
            message = f"{where} : {email} devrait être {ROLE_LABELS[role]}"
            found.append(Finding(ref, file_id, message, email=email, role=role, place=place))
    return found


def audit(tree: SharedTree, config: Config) -> list[Finding]:
    """Compare the permissions of every workbook, and of the .ics and .pdf files beside them,
    with the configuration (one read per file)."""
    listing = tree.refresh()
    known = who(config)
    owners = frozenset({tree.email.lower()} if tree.email else set())
    found: list[Finding] = []
    files = [(ref, entry.id, entry.name) for ref, entry in listing.workbooks.items()]
    files += [(r, e.id, e.name) for r, entries in listing.companions.items() for e in entries]
    for ref, file_id, _ in sorted(files, key=lambda item: (item[0], item[2])):
        wanted = desired(config, ref) if _configured(config, ref) else {}
        found += diff(ref, file_id, _permissions(tree, ref, file_id), wanted, known, owners)
    configured = {c.id for c in config.collectives}
    for (collective, structure), folder_id in sorted(listing.structure_folders.items()):
        ref = WorkbookRef(collective, Kind.RESTITUTION, structure)  # « the structure's results »
        wanted = desired_structure_folder(config, collective, structure) if (
            collective in configured) else {}  # fmt: skip
        found += diff(ref, folder_id, _permissions(tree, ref, folder_id), wanted, known, owners)
    return found + _collective_folders(tree, config, listing, known, owners)


def _collective_folders(
    tree: SharedTree, config: Config, listing: Listing, known: dict[str, str],
    owners: frozenset[str],
) -> list[Finding]:  # fmt: skip
    """Each collectif's folder read by its délégué·e·s (inherited by everything in it), and
    no grant on its sub-folders nor on any other folder at the top of the tree."""
    configured = {c.id for c in config.collectives}
    found: list[Finding] = []
    for name, folder_id in sorted(listing.collective_folders.items()):
        ref = WorkbookRef(name, Kind.DASHBOARD)
        wanted = desired_folder(config, name) if name in configured else {}
        place = f"dossier du collectif {name}" if name in configured else f"dossier {name}"
        perms = _permissions(tree, ref, folder_id, place)
        found += diff(ref, folder_id, perms, wanted, known, owners, place)
    for (name, sub), folder_id in sorted(listing.subfolders.items()):
        ref, place = WorkbookRef(name, Kind.DASHBOARD), f"dossier {name}/{sub}"
        perms = _permissions(tree, ref, folder_id, place)
        found += diff(ref, folder_id, perms, {}, known, owners, place)
    return found


def _permissions(
    tree: SharedTree, ref: WorkbookRef, file_id: str, place: str = ""
) -> list[dict[str, Any]]:
    try:
        return tree.drive.permissions(file_id)
    except DriveError as exc:
        raise BackendError(
            f"Lecture des partages de {place or ref} impossible ({why(exc)})."
        ) from exc


def fix(tree: SharedTree, findings: list[Finding]) -> list[str]:
    """Remove every over-share and grant what is missing; say what was done, in French."""
    done: list[str] = []
    for finding in findings:
        try:
            if finding.permission_id is not None:
                tree.drive.revoke(finding.file_id, finding.permission_id)
                done.append(f"Retiré — {finding.message}")
        except DriveError as exc:
            done.append(f"Échec ({why(exc)}) — {finding.message}")
    for ref_file, email, role in _grants(findings):
        try:
            tree.drive.grant(ref_file[1], email, role)
            done.append(f"Ajouté — {ref_file[0]} : {email} ({ROLE_LABELS[role]})")
        except DriveError as exc:
            done.append(f"Échec ({why(exc)}) — {ref_file[0]} : {email} ({ROLE_LABELS[role]})")
    return done


def _grants(findings: list[Finding]) -> list[tuple[tuple[str, str], str, str]]:
    """The grants to make: missing ones (a wrong role was revoked above, so it is missing too)."""
    return [((f.where, f.file_id), f.email, f.role) for f in findings if f.permission_id is None]


def grant_missing(
    drive: DriveClient, file_id: str, ref: WorkbookRef, config: Config, fresh: bool = False
) -> list[str]:
    """Share a file as the configuration says for ``ref``; return what failed, in French.

    Unless the file is ``fresh`` (just made, so shared with nobody), the grants already
    there are not made again (a first try whose answer was lost)."""
    if not _configured(config, ref):
        return []
    return grant_all(drive, file_id, desired(config, ref), fresh)


def share_folder(
    drive: DriveClient, folder_id: str, collective: str, config: Config, fresh: bool = False
) -> list[str]:
    """Let a collectif's délégué·e·s read its folder; return what failed, in French."""
    if collective not in {c.id for c in config.collectives}:
        return []
    return grant_all(drive, folder_id, desired_folder(config, collective), fresh)


def share_structure_folder(
    drive: DriveClient,
    folder_id: str,
    collective: str,
    structure: str,
    config: Config,
    fresh: bool = False,
) -> list[str]:
    """Let a structure's people read its own folder; return what failed, in French."""
    if collective not in {c.id for c in config.collectives}:
        return []
    return grant_all(drive, folder_id, desired_structure_folder(config, collective, structure),
                     fresh)  # fmt: skip


def grant_all(
    drive: DriveClient, file_id: str, wanted: dict[str, str], fresh: bool = False
) -> list[str]:
    """One ``permissions.list`` (none for a fresh file), one ``permissions.create`` per
    missing grant."""
    if not wanted:
        return []
    present = (
        set()
        if fresh
        else {
            ((p.get("emailAddress") or "").lower(), p.get("role"))
            for p in drive.permissions(file_id)
        }
    )
    failures: list[str] = []
    for email, role in wanted.items():
        if (email, role) in present:
            continue
        try:
            drive.grant(file_id, email, role)
        except DriveError as exc:
            failures.append(f"{email} ({why(exc)})")
    return failures

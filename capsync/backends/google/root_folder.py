"""Is ``backend.google.root_folder_id`` a folder capsync can see? Asked only when in doubt.

The listing asks Drive for every file the service account sees, then keeps those under
the root: a root id mistyped, or a folder not shared with the service account, gives
the same empty tree as a new campaign, and the sync used to go on with it (no grid
found, a warning, outputs that failed one by one). Only an answer with nothing under
the root is in doubt; then ONE ``files.get`` of the root (``id,mimeType,trashed``) tells
the two apart, and its answer is kept: a campaign with files never pays for it, a new
one pays once per process (the daemon opens a backend per cycle, so a root fixed
between two cycles is seen at the next).

A root that is missing, not a folder or in the trash is :class:`RootFolderMissing`,
a :class:`~capsync.errors.BackendUnavailable`: nothing may be taken as read (a grid
missing from the tree is not gone), and the cycle asks nothing more of Drive until
the next one, which checks again. The same backend raises it again without a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from capsync.backends.google.drive import FOLDER_MIME, DriveClient, DriveError
from capsync.errors import BackendUnavailable

ROOT_KEY = "backend.google.root_folder_id"
FOLDER_URL = "https://drive.google.com/drive/folders/"
FIELDS = "id,mimeType,trashed"
UNSET = "root"  # no root configured (test endpoints only): the account's own Drive


class RootFolderMissing(BackendUnavailable):
    """The configured root folder cannot be seen: an admin must fix the configuration
    or the sharing; the French message says which key and what to check."""


_AFTER = "Rien n'a été lu ni écrit ; « capsync check --google » vérifie la configuration."


def not_found(root: str, email: str | None) -> RootFolderMissing:
    """Drive answered 404: a mistyped id, or a folder not shared with the service account."""
    account = f"le compte de service ({email})" if email else (
        "le compte de service (l'adresse « client_email » de sa clé JSON)")  # fmt: skip
    return RootFolderMissing(
        f"Le dossier racine de la campagne ({ROOT_KEY} : « {root} ») est introuvable sur "
        f"Google Drive (Google a répondu 404) : vérifiez qu'il est partagé avec {account}, "
        "comme « Gestionnaire de contenu » de son drive partagé, et que l'identifiant est bien "
        f"celui copié de l'adresse du dossier ({FOLDER_URL}<identifiant>). {_AFTER}"
    )


def not_a_folder(root: str) -> RootFolderMissing:
    return RootFolderMissing(
        f"{ROOT_KEY} (« {root} ») désigne un fichier, pas un dossier : copiez l'identifiant "
        f"depuis l'adresse du dossier racine ({FOLDER_URL}<identifiant>). {_AFTER}"
    )


def trashed(root: str) -> RootFolderMissing:
    return RootFolderMissing(
        f"Le dossier racine de la campagne ({ROOT_KEY} : « {root} ») est dans la corbeille de "
        f"Google Drive : restaurez-le depuis la corbeille du drive partagé. {_AFTER}"
    )


@dataclass
class RootFolder:
    """What is known of the root folder: seen (never asked again), or why it is missing."""

    drive: DriveClient
    root: str
    email: str | None
    seen: bool = False
    error: RootFolderMissing | None = field(default=None, repr=False)

    def check_known(self) -> None:
        """Before a listing: the root already found missing is said again, at no cost."""
        if self.error is not None:
            raise self.error

    def confirm(self, files: list[dict[str, Any]]) -> None:
        """After a listing: a root with something in it is seen; an empty one is asked for."""
        if self.seen or self.root == UNSET:
            return
        if any(self.root in f.get("parents", ()) for f in files):
            self.seen = True
            return
        try:
            found = self.drive.get(self.root, FIELDS)
        except DriveError as exc:
            if exc.status != 404:
                raise
            self.error = not_found(self.root, self.email)
            raise self.error from exc
        if found.get("mimeType") != FOLDER_MIME:
            self.error = not_a_folder(self.root)
        elif found.get("trashed"):
            self.error = trashed(self.root)
        if self.error is not None:
            raise self.error
        self.seen = True

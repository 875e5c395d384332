"""Whether the data folder can be used, asked before a command touches it.

``backend.data_dir`` is typed by an admin and often lives on a network share:
it may be a file, a read-only mount, or a share that is not mounted today. A
command that finds out halfway (after creating half a folder, or with a
traceback from deep inside SQLite) leaves the admin guessing; this module
says it first, in French, naming the folder and what to do.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from capsync.errors import DataFolderError

SETTING = "backend.data_dir"


def _existing_ancestor(path: Path) -> Path:
    for parent in (path, *path.parents):
        if parent.exists():
            return parent
    return Path("/")  # pragma: no cover - the root always exists


def writable(folder: Path) -> bool:
    """Really try: ``os.access`` says yes to root on a 0o555 folder and knows no read-only mount.

    An unnamed temporary file (O_TMPFILE on Linux) leaves nothing behind.
    """
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def _read_only(folder: Path, path: Path) -> DataFolderError:
    return DataFolderError(
        f"Impossible d'écrire dans {folder} : ce dossier est en lecture seule ou capsync n'a pas "
        f"le droit d'y écrire. Donnez-lui ce droit (ou choisissez un autre dossier avec "
        f"{SETTING} dans la configuration), puis relancez la commande.",
        path,
    )


def check_data_folder(path: Path, *, writes: bool = True) -> None:
    """Raise :class:`DataFolderError` unless ``path`` is a writable folder or can become one;
    with ``writes=False`` (a command that only reads), unless it is a folder or is missing."""
    if path.exists() and not path.is_dir():
        raise DataFolderError(
            f"Le dossier de données {path} ({SETTING}) est un fichier, pas un dossier : "
            "indiquez un dossier dans la configuration, ou déplacez ce fichier.",
            path,
        )
    if not writes:
        return
    if path.is_dir():
        if not writable(path):
            raise _read_only(path, path)
        return
    parent = _existing_ancestor(path)
    if not parent.is_dir():
        raise DataFolderError(
            f"Le dossier de données {path} ({SETTING}) ne peut pas être créé : {parent} est un "
            "fichier, pas un dossier. Corrigez le chemin dans la configuration.",
            path,
        )
    if not writable(parent):
        raise _read_only(parent, path)


def require_data_folder(path: Path) -> None:
    """For commands that read what ``generate`` made: a missing folder is not created."""
    if not path.is_dir():
        raise DataFolderError(
            f"Le dossier de données {path} n'existe pas : lancez d'abord « capsync generate », "
            "qui le crée avec les grilles (s'il est sur un partage réseau, vérifiez que le "
            "partage est monté). Rien n'a été écrit.",
            path,
        )

"""The one exception hierarchy of capsync.

Every error a user can cause or meet derives from :class:`CapsyncError`, so
the command line turns it into its French message and exit code 1 instead of
a traceback (``capsync/cli/common.py``; the daemon keeps the message in its
status)::

    CapsyncError
    ├── ValidationFailed      configuration or référentiel files hold mistakes
    ├── BackendError          a backend could not read or write a workbook
    │   ├── FileLocked        a grid is open in Excel/LibreOffice; retried later
    │   ├── BackendUnavailable  the service did not answer (quota, 5xx, network); retried later
    │   └── DriveError        Google Drive answered an error (backends/google/drive.py)
    ├── ImportRefused         a returned grid cannot be put in place
    ├── LockBusy              another capsync command holds the campaign lock, or
    │                         another daemon runs on the same data folder
    └── DataFolderError       a file of the data folder cannot be read or written
        │                     (read-only folder, no rights, full disk): names the file
        ├── StoreDamaged      the SQLite store fails its integrity check or is not a
        │                     database; nothing is written to it, the message names
        │                     the last good backup (``<data>/capsync-sauvegarde.sqlite``)
        └── StoreLost         the store is missing, empty or behind its backup
                              (``capsync.store.safety``): refused before anything is
                              written, so the backup is never overwritten by less

Errors raised by pydantic, yaml, openpyxl or gspread are translated into these
at the edge where they happen, with a message saying what to fix and where;
``OSError`` (:func:`data_folder_error`) and ``sqlite3.Error``
(``capsync.store.safety``) are translated where the data folder is touched.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class CapsyncError(Exception):
    """Root of every error a user of capsync can meet."""


@dataclass(frozen=True)
class Problem:
    """One mistake in a YAML file, located so that a person can go and fix it."""

    file: Path
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        key = f" [{self.key}]" if self.key else ""
        return f"{where}{key} : {self.message}"


class ValidationFailed(CapsyncError):
    """The configuration or the référentiel holds one or more mistakes."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class BackendError(CapsyncError):
    """A workbook could not be read or written."""


class FileLocked(BackendError):
    """A workbook is open in a spreadsheet program; it is left alone until the next run."""


class BackendUnavailable(BackendError):
    """The service did not answer in time, even after retries; the next cycle tries again.

    Unlike a broken file, this says nothing about the workbook's content, so
    nothing about it may be recorded as read.
    """


class ImportRefused(CapsyncError):
    """A grid handed to ``capsync import`` cannot be put in place."""


class LockBusy(CapsyncError):
    """Another capsync command (or, for a daemon, another daemon) runs on the same data folder."""


class DataFolderError(CapsyncError):
    """A file of the data folder cannot be read or written; the message says which and why."""

    def __init__(self, message: str, path: Path):
        super().__init__(message)
        self.path = path


class StoreDamaged(DataFolderError):
    """The SQLite store is damaged: it is left untouched until a person replaces it."""

    def __init__(self, path: Path, backup: Path | None):
        if backup is not None:
            todo = (
                f"la dernière sauvegarde saine est {backup} : mettez la base endommagée de côté "
                f"(avec ses fichiers {path.name}-wal et {path.name}-shm s'il y en a), copiez la "
                f"sauvegarde à sa place sous le nom {path.name}, puis relancez la commande."
            )
        else:
            todo = (
                "aucune sauvegarde saine n'existe : mettez ce fichier de côté (il garde "
                "l'historique des réponses), puis relancez « capsync sync », qui relira "
                "toutes les grilles dans une base neuve."
            )
        super().__init__(
            f"Base endommagée : {path} ne passe pas le contrôle d'intégrité de SQLite ; "
            f"capsync n'y a rien écrit. Pour repartir, {todo}",
            path,
        )
        self.backup = backup


_NO_RIGHTS = {errno.EACCES, errno.EPERM, errno.EROFS}
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}


_WHY = {  # the OS says it in English
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.ENOTDIR: "un élément du chemin est un fichier et non un dossier",
    errno.EISDIR: "c'est un dossier et non un fichier",
    errno.EIO: "erreur de lecture ou d'écriture du disque",
    errno.EBUSY: "fichier occupé par un autre programme",
    errno.ENAMETOOLONG: "chemin trop long",
    errno.ELOOP: "trop de liens symboliques en chaîne, ou un lien qui boucle",
    errno.EMFILE: "trop de fichiers ouverts à la fois",
}


def os_reason(exc: OSError) -> str:
    """Why the OS refused, in French: its own ``strerror`` is English (« Permission denied »)."""
    if exc.errno in _NO_RIGHTS:
        return "droits insuffisants, ou disque en lecture seule"
    if exc.errno in _FULL:
        return "disque plein"
    known = _WHY.get(exc.errno or 0)
    if known:
        return known
    code = errno.errorcode.get(exc.errno or 0)
    return f"erreur du système {code}" if code else "erreur du système"


def no_rights_message(path: Path) -> str:
    return (
        f"Impossible d'écrire {path} : le dossier {path.parent} est en lecture seule ou "
        "capsync n'a pas le droit d'y écrire. Donnez-lui ce droit (ou choisissez un autre "
        "dossier avec backend.data_dir dans la configuration), puis relancez la commande."
    )


def disk_full_message(path: Path) -> str:
    return (
        f"Impossible d'écrire {path} : le disque est plein. Libérez de la place, "
        "puis relancez la commande."
    )


def data_folder_error(exc: OSError, path: Path) -> DataFolderError:
    """The French error for an ``OSError`` met on ``path``, a file of the data folder.

    The file the OS names (``exc.filename``) is preferred: it is the one that failed.
    """
    where = Path(exc.filename) if isinstance(exc.filename, str) and exc.filename else path
    if exc.errno in _NO_RIGHTS:
        return DataFolderError(no_rights_message(where), where)
    if exc.errno in _FULL:
        return DataFolderError(disk_full_message(where), where)
    why = os_reason(exc)  # never the OS's English
    return DataFolderError(
        f"Impossible d'utiliser {where} ({why}) : vérifiez ce fichier et son dossier, "
        "puis relancez la commande.",
        where,
    )


def log_failure(log: logging.Logger, exc: Exception, message: str, *args: object) -> None:
    """A failure in the log. A :class:`CapsyncError` on one line with its French message:
    it already says what went wrong and what to do, and a traceback above it on stderr
    only buried that. Anything else is a bug: its traceback is logged at every verbosity,
    not with -v only, because the admin's summary sends them to the log for the details,
    and the first occurrence, often in a daemon's or cron's log, is the one reported."""
    if isinstance(exc, CapsyncError):
        log.error(f"{message}: %s", *args, exc)
    else:
        log.error(message, *args, exc_info=exc)

"""The one exception hierarchy of capsync.

Every error a user can cause derives from :class:`CapsyncError`, so the CLI
turns it into a message and an exit code instead of a traceback::

    CapsyncError
    ├── ValidationFailed      configuration or référentiel files hold mistakes
    ├── BackendError          a backend could not read or write a workbook
    │   ├── FileLocked        a grid is open in Excel/LibreOffice; retried later
    │   └── BackendUnavailable  the service did not answer (quota, 5xx, network); retried later
    ├── ImportRefused         a returned grid cannot be put in place
    └── LockBusy              another capsync command holds the campaign lock

Errors raised by pydantic, yaml, openpyxl or gspread are translated into these
at the edge where they happen, with a message saying what to fix and where.
"""

from __future__ import annotations

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
    """Another capsync command is running on the same data folder."""

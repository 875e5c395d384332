"""The protocol every backend implements, and the names of what it stores.

Backends are thin: they render a :class:`~capsync.workbook.spec.WorkbookSpec`,
read raw cell values back and tell cheaply which workbooks changed. Everything
else (parsing, scoring, deciding what to write) is backend-neutral, which is
what lets one test suite (``tests/backend_suite.py``) run on both backends.

The jobs know a backend only through this protocol: what differs between a
folder of .xlsx files and Google Drive (whether a workbook is a file, whether
worker processes may share the backend, whether files are shared with people
one by one) is a property here, so a job never asks which class it was given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Protocol

from capsync.workbook.refs import Kind, RawValue, RawWorkbook, WorkbookRef
from capsync.workbook.spec import WorkbookSpec

CellAt = tuple[str, int, int]
"""A cell of a workbook: sheet name, 0-based row, 0-based column."""


class Backend(Protocol):
    """What the jobs need from a place that holds workbooks."""

    @property
    def name(self) -> str:
        """The ``backend.kind`` of the configuration (« local », « google »), for messages."""
        ...

    @property
    def files_are_xlsx(self) -> bool:
        """Whether workbooks are .xlsx files that :meth:`read_bytes` and :meth:`write_bytes`
        move whole: then a returned grid can be imported, the demo can fill grids as a
        spreadsheet program would, and a spec can be rendered to bytes anywhere (in a worker
        process) before it is written. False for Google Sheets, rendered request by request."""
        ...

    @property
    def parallel_workers(self) -> bool:
        """Whether worker processes may use this backend at the same time.

        Reading and rendering files spread over cores; against an API each
        process would hold its own request budget and together exceed the quota.
        """
        ...

    @property
    def shares_with_people(self) -> bool:
        """Whether each file is shared with the people who may open it (Drive), so that a
        change of délégué·e·s or contacts in the configuration needs ``capsync audit --fix``."""
        ...

    def exists(self, ref: WorkbookRef) -> bool:
        """Whether the workbook is there (generate creates only the missing ones)."""
        ...

    def is_locked(self, ref: WorkbookRef) -> bool:
        """Whether a person has the workbook open in a program that would lose their edits if
        it were replaced now (a spreadsheet's lock file beside it); checked before a backup
        so that no backup is kept of a replacement that cannot happen."""
        ...

    def write(self, ref: WorkbookRef, spec: WorkbookSpec) -> None:
        """Create or replace the workbook atomically; raise FileLocked when a person has it open."""
        ...

    def write_bytes(self, ref: WorkbookRef, content: bytes) -> None:
        """Put a whole .xlsx in place of the workbook atomically (a returned grid, a rendered
        restitution); raise FileLocked when a person has it open, BackendError when the
        backend keeps no .xlsx files (see :attr:`files_are_xlsx`)."""
        ...

    def read(self, ref: WorkbookRef, skip: Collection[str] = ()) -> RawWorkbook:
        """Every sheet's values but those of the sheets named in ``skip`` (not even read,
        where the backend can avoid it); raise BackendError with a French message when
        unreadable."""
        ...

    def write_cells(self, ref: WorkbookRef, cells: Mapping[CellAt, RawValue]) -> None:
        """Type values into some cells of a workbook people are editing, leaving every other
        cell as it is (a returned file's answers merged into a live Google Sheet); a ``str``
        is literal text, never a formula. BackendError when the backend keeps files, which
        are replaced whole instead (see :attr:`files_are_xlsx`)."""
        ...

    def refresh_review_columns(
        self,
        ref: WorkbookRef,
        cells: Mapping[CellAt, str],
        editors: Mapping[tuple[str, str], tuple[str, ...]],
    ) -> None:
        """A live grid's review headers (``cells``) and the editors of its review ranges
        ((sheet, description) → e-mails) rewritten in one request, the new reviewers granted
        the file (:mod:`capsync.jobs.review_refresh`). BackendError when the backend keeps
        files: they are rebuilt instead (see :attr:`files_are_xlsx`)."""
        ...

    def read_bytes(self, ref: WorkbookRef, extension: str = "xlsx") -> bytes:
        """The workbook's .xlsx file as it is, or its companion file of ``extension`` (a kit's
        .pdf, see :meth:`write_file`); BackendError when the backend keeps no files."""
        ...

    def versions(self, collective: str, kind: Kind) -> dict[WorkbookRef, str]:
        """One cheap listing: each workbook of that kind and an opaque token that changes
        whenever its content may have changed (size and mtime, Drive version...)."""
        ...

    def write_file(self, ref: WorkbookRef, extension: str, content: bytes) -> None:
        """A companion file of a workbook (the calendar's .ics, a restitution's .pdf)."""
        ...

    def attachable(self, ref: WorkbookRef, extension: str) -> bool:
        """Whether the workbook's companion file of ``extension`` is there to travel with a
        message as it is (a kit's .pdf); False where messages give links, not files."""
        ...

    def backup(self, ref: WorkbookRef, stamp: dt.datetime) -> str:
        """Keep a dated copy before a workbook is replaced; return where it went."""
        ...

    def location(self, ref: WorkbookRef) -> str:
        """Where a person finds the workbook (a path or a URL), for messages."""
        ...

    def file_location(self, ref: WorkbookRef, extension: str) -> str:
        """Where a person finds the workbook's companion file of ``extension`` once written
        (:meth:`write_file`): its path, or on Google its own Drive link."""
        ...

    def archive_grid(self, ref: WorkbookRef, campaign: str) -> str:
        """Keep a grid of a closed campaign read-only, out of the grids the pull reads (with
        its respondents' personal files), named with ``campaign``; return where it went.
        A new grid can then be written at ``ref``. FileLocked when a person has it open."""
        ...


def locked_message(where: str) -> str:
    """What to say about a workbook a person has open: untouched, and retried next time."""
    return (
        f"Le fichier {where} est ouvert dans un tableur (Excel ou LibreOffice) : "
        "il n'a pas été modifié et sera repris au prochain passage."
    )

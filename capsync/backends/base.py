"""The small protocol every backend implements, and the names of what it stores.

Backends are thin: they render a :class:`~capsync.spec.WorkbookSpec`, read raw
cell values back and tell cheaply which workbooks changed. Everything else
(parsing, scoring, deciding what to write) is backend-neutral, which is what
lets one test suite run on both backends.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from capsync.workbook.refs import Kind, RawWorkbook, WorkbookRef
from capsync.workbook.spec import WorkbookSpec


class Backend(Protocol):
    """What the sync needs from a place that holds workbooks."""

    name: str

    def exists(self, ref: WorkbookRef) -> bool:
        """Whether the workbook is there (generate creates only the missing ones)."""
        ...

    def write(self, ref: WorkbookRef, spec: WorkbookSpec) -> None:
        """Create or replace the workbook atomically; raise FileLocked when a person has it open."""
        ...

    def read(self, ref: WorkbookRef) -> RawWorkbook:
        """Every sheet's values; raise BackendError with a French message when unreadable."""
        ...

    def versions(self, collective: str, kind: Kind) -> dict[WorkbookRef, str]:
        """One cheap listing: each workbook of that kind and an opaque token that changes
        whenever its content may have changed (size and mtime, Drive version...)."""
        ...

    def write_file(self, ref: WorkbookRef, extension: str, content: bytes) -> object:
        """A companion file of a workbook (the calendar's .ics, a restitution's .pdf)."""
        ...

    def backup(self, ref: WorkbookRef, stamp: dt.datetime) -> str:
        """Keep a dated copy before a workbook is replaced; return where it went."""
        ...

    def location(self, ref: WorkbookRef) -> str:
        """Where a person finds the workbook (a path or a URL), for messages."""
        ...

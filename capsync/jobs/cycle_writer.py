"""Write a cycle's output only when its content moved.

Each live output (dashboard, calendar, « À corriger », .ics) is hashed before it
is written; the hash kept in the sync state says whether the same content is
already there, so a cycle rewrites what changed and nothing else — on Google,
an unchanged output costs no request. A file a person has open is reported,
not forced: its hash is not remembered, so the next cycle writes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from capsync.backends.base import Backend
from capsync.errors import FileLocked
from capsync.jobs.cycle_report import CollectiveOutcome
from capsync.store.sync_state import SyncState, content_hash
from capsync.workbook.refs import WorkbookRef
from capsync.workbook.spec import WorkbookSpec


class OutputWriter:
    """Writes an output only when its content hash moved; remembers the hash once written."""

    def __init__(
        self,
        backend: Backend,
        state: SyncState,
        outcome: CollectiveOutcome,
        now: dt.datetime,
        force: bool,
    ):
        self.backend, self.state, self.outcome = backend, state, outcome
        self.now, self.force = now, force

    def put(
        self,
        key: str,
        digest: str,
        write: Callable[[], None],
        where: str,
        ref: WorkbookRef | None = None,
    ) -> None:
        """Write unless the same content is already there (a deleted output is written again)."""
        same = not self.force and self.state.hash_of(key) == digest
        if same and (ref is None or self.backend.exists(ref)):
            self.outcome.unchanged += 1
            return
        try:
            write()
        except FileLocked as exc:
            self.outcome.locked.append(str(exc))
            return
        self.state.remember(key, digest, self.now)
        self.outcome.written.append(where)

    def spec(self, ref: WorkbookRef, spec: WorkbookSpec) -> None:
        self.put(
            str(ref),
            content_hash(spec),
            lambda: self.backend.write(ref, spec),
            self.backend.location(ref),
            ref,
        )

    def file(
        self, ref: WorkbookRef, extension: str, content: Callable[[], bytes], digest: str
    ) -> None:
        key = f"{ref}.{extension}"
        self.put(
            key,
            digest,
            lambda: self.backend.write_file(ref, extension, content()),
            f"{self.backend.location(ref)} (.{extension})",
        )

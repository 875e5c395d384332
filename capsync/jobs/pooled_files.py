"""A collectif's dashboard and structures' calendars, built in the cycle's worker processes.

A cold cycle writes one ``.ics`` per structure (550 on the benchmark's network).
Each was ≈ 5–7 ms of icalendar's object model, the largest single cost of the
parent while the workers waited; events are now serialized once per collectif
(``render/calendar_ics.py``), ≈ 0.5–1.7 ms a calendar, and they still go to the
pool: built in the parent they cost ≈ 1.5 s less CPU but the cycle was no faster
(the parent is the one that writes). Those whose digest moved are handed to the
pool in a few parts (one pickle of the collectif per part), built and written
there; the parent remembers them in order; the others are never built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from capsync.atomic import durable_batch
from capsync.backends.base import Backend
from capsync.errors import BackendError
from capsync.jobs.cycle_writer import OutputWriter
from capsync.jobs.structure_calendars import CalendarFile
from capsync.store.sync_state import content_hash
from capsync.workbook.refs import WorkbookRef
from capsync.workers import Pool, Task

if TYPE_CHECKING:
    from capsync.layout.dashboard import DashboardInputs

POOL_MIN = 20  # files to build; below this the parent builds them itself


def in_pool(
    writer: OutputWriter, files: Sequence[CalendarFile], pool: Pool | None, extension: str
) -> list[CalendarFile]:
    """``files``, those to be written built and written in ``pool``'s processes from now on.

    A worker writes its part itself (atomically, its folders synced before it
    returns), so the parent only remembers each digest once its part is done:
    writing 550 small files, each flushed to disk, was a tenth of the parent's
    time. What refused a write (a file open, a folder refused) comes back to the
    parent, which reports it as if it had written the file itself.
    """
    wanted = [
        i
        for i, made in enumerate(files)
        if writer.force or writer.state.hash_of(f"{made.ref}.{extension}") != made.digest
    ]
    if pool is None or pool.workers <= 1 or len(wanted) < POOL_MIN:
        return list(files)
    size = -(-len(wanted) // (pool.workers * 2))  # a few parts: the workers share them
    done = list(files)
    backend = writer.backend
    for start in range(0, len(wanted), size):
        part = wanted[start : start + size]
        items = [(files[i].ref, extension, files[i].content) for i in part]
        task = Task(pool, partial(_write_all, backend, items), _write_all, backend, items)
        for n, i in enumerate(part):
            done[i] = replace(files[i], written=partial(_raise_nth, task, n))
    return done


FileItem = tuple[WorkbookRef, str, Callable[[], bytes]]  # ref, extension, content


def _write_all(backend: Backend, items: list[FileItem]) -> list[BackendError | None]:
    """Build and write each file; what refused one is returned, for the parent to say."""
    refused: list[BackendError | None] = []
    with durable_batch():  # its folders synced before the parent remembers any of them
        for ref, extension, content in items:
            try:
                backend.write_file(ref, extension, content())
            except BackendError as exc:  # a file open in a program, a folder refused
                refused.append(exc)
            else:
                refused.append(None)
    return refused


def _raise_nth(task: Task[list[BackendError | None]], n: int) -> None:
    error = task.result()[n]
    if error is not None:
        raise error


Rendered = tuple[str, bytes]  # a workbook's content hash (of its spec) and its .xlsx bytes


def dashboard_in_pool(
    inputs: DashboardInputs, pool: Pool | None, files_are_xlsx: bool
) -> Task[Rendered] | None:
    """The collectif's dashboard laid out and rendered in a worker, from now on; None when
    the parent lays it out itself (no pool, or a backend that renders specs itself).

    The dashboard is the largest piece of a collectif's refresh (its layout and its
    .xlsx are ≈ 70 % of the parent's time when it does them), and it depends only on
    what the scoring already gave, so it is started as soon as the scores are known.
    """
    if pool is None or pool.workers <= 1 or not files_are_xlsx:
        return None
    return Task(pool, partial(rendered_dashboard, inputs), rendered_dashboard, inputs)


def rendered_dashboard(inputs: DashboardInputs) -> Rendered:
    from capsync.layout.dashboard import dashboard_spec
    from capsync.render.xlsx import render_xlsx_bytes

    spec = dashboard_spec(inputs)
    return content_hash(spec), render_xlsx_bytes(spec)

"""A collectif's dashboard and structures' calendars, built in the cycle's worker processes.

A cold cycle writes one ``.ics`` per structure (550 on the benchmark's network).
Each was ≈ 5–7 ms of icalendar's object model, the largest single cost of the
parent while the workers waited; events are now serialized once per collectif
(``render/calendar_ics.py``), ≈ 0.5–1.7 ms a calendar, and they still go to the
pool: built in the parent they cost ≈ 1.5 s less CPU but the cycle was no faster
(the parent is the one that writes). The contents the writer will need — those
whose digest moved — are handed to the pool in a few parts (one pickle of the
collectif per part) and taken back in order when each file is written; the
others are never built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from capsync.jobs.cycle_writer import OutputWriter
from capsync.jobs.structure_calendars import CalendarFile
from capsync.store.sync_state import content_hash
from capsync.workers import Pool, Task

if TYPE_CHECKING:
    from capsync.layout.dashboard import DashboardInputs

POOL_MIN = 20  # files to build; below this the parent builds them itself


def in_pool(
    writer: OutputWriter, files: Sequence[CalendarFile], pool: Pool | None, extension: str
) -> list[CalendarFile]:
    """``files``, the contents to be written built in ``pool``'s processes from now on."""
    wanted = [
        i
        for i, made in enumerate(files)
        if writer.force or writer.state.hash_of(f"{made.ref}.{extension}") != made.digest
    ]
    if pool is None or pool.workers <= 1 or len(wanted) < POOL_MIN:
        return list(files)
    size = -(-len(wanted) // (pool.workers * 2))  # a few parts: the workers share them
    done = list(files)
    for start in range(0, len(wanted), size):
        part = wanted[start : start + size]
        contents = [files[i].content for i in part]
        task = Task(pool, partial(_build, contents), _build, contents)
        for n, i in enumerate(part):
            done[i] = replace(files[i], content=partial(_nth, task, n))
    return done


def _build(contents: list[Callable[[], bytes]]) -> list[bytes]:
    return [content() for content in contents]


def _nth(task: Task[list[bytes]], n: int) -> bytes:
    return task.result()[n]


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

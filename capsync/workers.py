"""Worker processes for the CPU-bound batches: generating, reading and rendering workbooks.

Rendering and parsing .xlsx files are pure Python work that one process does
at one core's speed; the machines capsync runs on have two cores or more.
Pools are only used for local files: against an API, parallel processes
would each hold a request budget and exceed the quota together.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:  # multiprocessing is loaded by the first pool: a no-change cycle starts none
    from concurrent.futures import Future, ProcessPoolExecutor

T = TypeVar("T")

MAX_WORKERS = 2


def worker_count(items: int, minimum: int) -> int:
    """How many processes a batch of ``items`` deserves: one below ``minimum`` items."""
    return min(MAX_WORKERS, os.cpu_count() or 1) if items >= minimum else 1


def process_pool(
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> ProcessPoolExecutor:
    """A pool that starts fast where it is safe.

    ``fork`` starts in milliseconds and shares the loaded modules, but forking a
    process that runs other threads is unsafe; then ``forkserver`` (or ``spawn``).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        method = "fork"
    else:
        method = "forkserver" if "forkserver" in methods else "spawn"
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=initializer,
        initargs=initargs,
    )


class Pool:
    """One worker pool for a whole sync cycle, started by its first task.

    Every batch of the cycle — the next collectif's grids, this collectif's
    calendars and restitutions — goes to the same processes, so they read one
    collectif while the parent writes the previous one, and a cycle where
    nothing changed starts none. ``workers`` ≤ 1 means no pool: callers do the
    work themselves.
    """

    def __init__(
        self,
        workers: int,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        preload: Callable[[], None] | None = None,
    ) -> None:
        self.workers = workers
        self._start = (initializer, initargs)
        self._preload = preload  # run here before the workers start: what they inherit
        self._pool: ProcessPoolExecutor | None = None

    @property
    def started(self) -> bool:
        return self._pool is not None

    def get(self) -> ProcessPoolExecutor:
        if self._pool is None:
            if self._preload is not None:
                self._preload()
            self._pool = process_pool(self.workers, *self._start)
        return self._pool

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        if self._pool is not None:  # a cycle cut short does not wait for the work queued
            self._pool.shutdown(cancel_futures=error is not None)
            self._pool = None


class Task(Generic[T]):
    """A piece of work handed to the pool, which the parent takes back if it needs the result
    before a worker has started it.

    The parent hands out its collectif's dashboard, calendars and the next
    collectif's grids, then does its own part; when it comes to need a result
    still waiting in the queue, running it itself beats waiting for a busy
    worker, so three processes share the work whatever its split. ``here`` is
    the same work as ``fn(*args)``, done in the parent (a worker's function may
    rely on what the pool's initializer left in the worker).
    """

    def __init__(self, pool: Pool, here: Callable[[], T], fn: Callable[..., T], *args: Any) -> None:
        self._here = here
        self._future: Future[T] = pool.get().submit(fn, *args)
        self._value: tuple[T] | None = None

    def result(self) -> T:
        if self._value is None:
            taken_back = self._future.cancel()  # False once a worker holds it
            self._value = (self._here() if taken_back else self._future.result(),)
        return self._value[0]

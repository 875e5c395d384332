"""Worker processes for the CPU-bound batches: generating, reading and rendering workbooks.

Rendering and parsing .xlsx files are pure Python work that one process does
at one core's speed; the machines capsync runs on have two cores or more.
Pools are only used for local files: against an API, parallel processes
would each hold a request budget and exceed the quota together.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

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

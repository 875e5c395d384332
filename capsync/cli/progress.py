"""Progress bars for long commands: shown on a terminal, silent under cron or --quiet."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich is imported only when a bar is drawn: cron's runs never load it
    from rich.console import Console
    from rich.progress import TaskID

Report = Callable[[str, int, int], None]


@contextmanager
def progress_bar(quiet: bool, console: Console | None = None) -> Iterator[Report | None]:
    """Yield a ``(what, done, total)`` callback, or None when nobody watches.

    Nobody watches under ``--quiet`` or when ``console`` (standard error by
    default) is not a terminal: cron mails would fill with redrawn bars. The
    bar is erased when the command ends, so only the summary stays on screen.
    """
    if quiet:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = console if console is not None else Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def report(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done, total=total)

        yield report

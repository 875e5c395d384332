"""``capsync generate``: create the missing grids, or upgrade them with ``--upgrade``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from ..generate import Progress, Status, generate
from .common import CliState, handles_user_errors, pass_state

PROGRESS_MIN = 20  # grids; fewer are done before a bar would be read


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Progress | None]:
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task("Grilles", total=None)

        def update(done: int, total: int) -> None:
            if total < PROGRESS_MIN:
                return
            bar.update(task, completed=done, total=total)

        yield update


@click.command()
@click.option("--collective", "collective", metavar="ID", help="Only this collectif.")
@click.option("--structure", "structure", metavar="ID", help="Only this structure.")
@click.option(
    "--upgrade",
    is_flag=True,
    help="Rebuild grids whose référentiel version or respondents changed, keeping every answer.",
)
@pass_state
@handles_user_errors
def generate_command(
    state: CliState, collective: str | None, structure: str | None, upgrade: bool
) -> None:
    """Create the missing assessment grids; with --upgrade, rebuild outdated ones.

    Existing grids are never overwritten without --upgrade. An upgrade keeps a
    dated backup and moves every answer by criterion ID (or to « Archives »).
    A grid open in Excel or LibreOffice is skipped and done at the next run.

    \b
    Example:
        capsync generate
        capsync generate --collective occitanie --structure ailes-revel
        capsync generate --upgrade
    """
    campaign = state.campaign()
    show_bar = not state.quiet and sys.stderr.isatty()
    with _progress_bar(show_bar) as progress:
        summary = generate(
            campaign, collective=collective, structure=structure, upgrade=upgrade, progress=progress
        )
    lines = summary.lines()
    problems = summary.of(Status.LOCKED) + summary.of(Status.FAILED)
    if not state.quiet or problems:
        click.echo(lines[0])
        for line in lines[1:]:
            click.echo(line, err=line.strip() in {r.message for r in problems})
    if summary.of(Status.FAILED):
        raise SystemExit(1)


generate_command.name = "generate"
commands = [generate_command]

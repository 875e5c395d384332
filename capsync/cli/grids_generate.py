"""``capsync generate``: create the missing grids, or upgrade them with ``--upgrade``."""

from __future__ import annotations

import datetime as dt

import click

from capsync.backends.factory import open_backend
from capsync.cli.common import CliState, pass_state, say
from capsync.cli.progress import progress_bar
from capsync.locking import campaign_lock


@click.command()
@click.option("--collective", "collective", metavar="ID", help="Only this collectif.")
@click.option("--structure", "structure", metavar="ID", help="Only this structure.")
@click.option(
    "--upgrade",
    is_flag=True,
    help="Rebuild grids whose référentiel version or respondents changed, keeping every answer.",
)
@click.option(
    "--individuel",
    "personal",
    is_flag=True,
    help="Also write each respondent's personal file beside the grid (grilles/<id>/<name>.xlsx).",
)
@pass_state
def generate_command(
    state: CliState, collective: str | None, structure: str | None, upgrade: bool, personal: bool
) -> None:
    """Create the missing assessment grids; with --upgrade, rebuild outdated ones.

    Existing grids are never overwritten without --upgrade. An upgrade keeps a
    dated backup and moves every answer by criterion ID (or to « Archives »).
    A grid open in Excel or LibreOffice is skipped and done at the next run.
    --individuel also writes one small personal file per respondent; their
    answers reach the grid's respondent columns at the next --upgrade.

    \b
    Example:
        capsync generate
        capsync generate --collective occitanie --structure ailes-revel
        capsync generate --upgrade
        capsync generate --individuel --structure ailes-revel
    """
    from capsync.jobs.generate import GridOutcome, generate

    campaign = state.campaign()
    with campaign_lock(campaign.data_dir), progress_bar(state.quiet) as report:
        summary = generate(
            campaign,
            open_backend(campaign),
            collective=collective,
            structure=structure,
            upgrade=upgrade,
            personal=personal,
            now=dt.datetime.now(),
            progress=(lambda done, total: report("Grilles", done, total)) if report else None,
        )
    lines = summary.lines()
    problems = summary.of(GridOutcome.LOCKED) + summary.of(GridOutcome.FAILED)
    problems += [r for r in summary.personal if r.status != GridOutcome.CREATED and r.message]
    if not state.quiet or problems:
        say(lines[0])
        for line in lines[1:]:
            say(line, err=line.strip() in {r.message for r in problems})
    if summary.of(GridOutcome.FAILED):
        raise SystemExit(1)


generate_command.name = "generate"
commands = [generate_command]

"""``capsync sync``, ``daemon``, ``status`` and ``demo``: the admins' running commands."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from capsync.backends.factory import open_backend
from capsync.campaign.validation import Campaign, load_campaign
from capsync.cli.common import CliState, pass_state
from capsync.cli.progress import progress_bar
from capsync.jobs.daemon import Daemon, parse_interval
from capsync.jobs.status import RunStatus, iso, process_alive, read_status
from capsync.jobs.sync import run_cycle, state_path
from capsync.locking import campaign_lock
from capsync.store.database import Store
from capsync.store.sync_state import SyncState


def _cycle(
    campaign: Campaign, *, quiet: bool, collective: str | None = None, force: bool = False
) -> RunStatus:
    backend = open_backend(campaign)
    with (
        Store.open(campaign.data_dir) as store,
        SyncState(state_path(campaign.data_dir)) as state,
        progress_bar(quiet) as report,
    ):
        result = run_cycle(
            campaign,
            backend,
            store,
            state,
            now=dt.datetime.now(),
            collective=collective,
            force=force,
            progress=report,
        )
    lines = [result.summary(), *result.warnings()]
    return RunStatus(
        started_at=iso(result.started_at),
        finished_at=iso(dt.datetime.now()),
        ok=result.ok,
        summary="\n".join(lines),
        errors=result.errors,
    )


@click.command()
@click.option("--collective", help="Only this collectif.")
@click.option("--force", is_flag=True, help="Rewrite every output even if its content is the same.")
@pass_state
def sync(state: CliState, collective: str | None, force: bool) -> None:
    """Run one cycle: pull changed grids, score, rewrite outputs whose content changed.

    \b
    Example:
        capsync sync
        capsync --quiet sync --collective occitanie   # from cron
    """
    campaign = state.campaign()
    with campaign_lock(campaign.data_dir):
        result = _cycle(campaign, quiet=state.quiet, collective=collective, force=force)
    lines = result.summary.splitlines()
    for line in lines[1:] if state.quiet else lines:  # --quiet: only what needs a look
        click.echo(line)
    if not result.ok:
        raise SystemExit(1)


@click.command()
@click.option(
    "--every", default="15m", show_default=True, help="Interval between cycles: 30s, 15m, 1h..."
)
@click.option("--max-cycles", type=int, default=None, help="Stop after this many cycles.")
@pass_state
def daemon(state: CliState, every: str, max_cycles: int | None) -> None:
    """Run sync cycles on a schedule until SIGTERM or SIGINT (the cycle in progress finishes).

    The configuration is read again at every cycle, so edits take effect
    without a restart; `capsync status` shows the last run.

    \b
    Example:
        capsync daemon --every 15m
    """
    seconds = parse_interval(every)
    campaign = state.campaign()

    def cycle() -> RunStatus:
        fresh = load_campaign(Path(state.config_path))
        return _cycle(fresh, quiet=True)

    Daemon(cycle, every=seconds, data_dir=campaign.data_dir, max_cycles=max_cycles).run()


@click.command()
@pass_state
def status(state: CliState) -> None:
    """Print the daemon's last run, next run and errors.

    \b
    Example:
        capsync status
    """
    campaign = state.campaign()
    found = read_status(campaign.data_dir)
    if found is None:
        click.echo("Aucun cycle n'a encore été lancé par le démon.")
        return
    if found.state != "arrêté" and not process_alive(found.pid):
        click.echo(
            f"État : arrêté — le démon (pid {found.pid}) s'est interrompu sans finir "
            "proprement ; relancez capsync daemon."
        )
        found.next_run = ""
    else:
        click.echo(f"État : {found.state}" + (f" (pid {found.pid})" if found.pid else ""))
    if found.every_seconds:
        click.echo(f"Intervalle : {found.every_seconds} s ; cycles effectués : {found.cycles}")
    if found.last_run:
        run = found.last_run
        click.echo(
            f"Dernier cycle : {run.started_at} → {run.finished_at} "
            f"({'réussi' if run.ok else 'avec erreurs'})"
        )
        click.echo(run.summary)
        for name, message in run.errors.items():
            click.echo(f"  {name} : {message}")
    if found.next_run:
        click.echo(f"Prochain cycle : {found.next_run}")


@click.command()
@pass_state
def demo(state: CliState) -> None:
    """Fill the example grids with plausible answers so that dashboards show something.

    Only grids in which nobody has typed anything are filled: a real answer is
    never overwritten. Run `capsync generate` first, `capsync sync` after.

    \b
    Example:
        capsync generate && capsync demo && capsync sync
    """
    from capsync.jobs.demo import run_demo  # openpyxl: only for this command

    campaign = state.campaign()
    with campaign_lock(campaign.data_dir):
        report = run_demo(campaign, open_backend(campaign), today=dt.date.today())
    click.echo(f"{len(report.filled)} grilles remplies avec des réponses de démonstration.")
    for message in report.skipped:
        click.echo(message)


commands = [sync, daemon, status, demo]

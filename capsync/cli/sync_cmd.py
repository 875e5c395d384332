"""``capsync sync``, ``daemon``, ``status`` and ``demo``: the admins' running commands."""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path

import click

from capsync.backends.base import Backend
from capsync.backends.factory import open_backend
from capsync.campaign.config import Collective
from capsync.campaign.validation import Campaign, load_campaign
from capsync.cli.common import CliState, known_collective, pass_state, say
from capsync.cli.progress import progress_bar
from capsync.data_folder import check_data_folder, require_data_folder
from capsync.errors import CapsyncError
from capsync.jobs.daemon import Daemon, interval_text, parse_interval
from capsync.jobs.status import (
    UNREADABLE,
    RunStatus,
    iso,
    process_alive,
    read_status,
    status_path,
)
from capsync.jobs.sync import run_cycle, state_path
from capsync.locking import campaign_lock
from capsync.store.database import STORE_FILE, Store
from capsync.store.sync_state import SyncState
from capsync.workbook.refs import Kind

DAEMON_LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"


def grids_were_read(data_dir: Path, collectives: list[str]) -> bool:
    """Whether the store has read a grid of one of ``collectives``: then grids exist, and
    the backend need not be asked (on Google, asking costs the cycle its first listing).
    A store not created yet is not created here: the refusal writes nothing."""
    path = data_dir / STORE_FILE
    if not path.is_file():
        return False
    with Store(path) as store:
        return any(store.source_state(c) for c in collectives)


def refuse_without_grids(
    campaign: Campaign, backend: Backend, collective: str | None, store: Store | None = None
) -> None:
    """Before ``generate`` there is nothing to read: say so rather than write empty outputs.
    ``store``: the campaign's store, already open (else it is opened only if it exists)."""
    require_data_folder(campaign.data_dir)  # an unmounted share is not created
    chosen = [c for c in campaign.config.collectives if not collective or c.id == collective]
    ids = [c.id for c in chosen]
    read = (
        any(store.source_state(c) for c in ids)
        if store is not None
        else grids_were_read(campaign.data_dir, ids)
    )
    if read:
        return
    if not any(backend.versions(c.id, Kind.GRID) for c in chosen):
        scope = f" du collectif « {collective} »" if collective else ""
        raise CapsyncError(
            f"Aucune grille{scope} n'existe encore ({backend.name} : {campaign.data_dir}) : "
            "lancez d'abord « capsync generate », qui crée les grilles. Rien n'a été écrit."
        )


def _cycle(
    campaign: Campaign, *, quiet: bool, collective: str | None = None, force: bool = False
) -> RunStatus:
    """One cycle and what it counted: the French summary, and the numbers the daemon logs."""
    backend = open_backend(campaign)
    existed = (campaign.data_dir / STORE_FILE).is_file()
    if not existed:  # asked before the store is created: a refusal writes nothing
        refuse_without_grids(campaign, backend, collective)
    began = time.monotonic()
    now = dt.datetime.now()
    with Store.open(campaign.data_dir) as store:  # checked once, then read and written
        if existed:
            refuse_without_grids(campaign, backend, collective, store)
        with (
            SyncState(state_path(campaign.data_dir)) as state,
            progress_bar(quiet) as report,
        ):
            result = run_cycle(
                campaign,
                backend,
                store,
                state,
                now=now,
                collective=collective,
                force=force,
                progress=report,
            )
            refreshed = [
                campaign.config.collective(c.collective)
                for c in result.collectives
                if not c.skipped and c.error is None
            ]
            late = _late(campaign, refreshed, store, now.date())
            open_anomalies, new = store.anomaly_counts(collective, since=now)
    summary = result.summary()
    if late:
        shown = ", ".join(late[:5]) + (", …" if len(late) > 5 else "")
        plural = "s" if len(late) > 1 else ""
        summary = f"{summary[:-1]} ; {len(late)} structure{plural} en retard ({shown})."
    pulled = result.pull
    return RunStatus(
        started_at=iso(result.started_at),
        finished_at=iso(dt.datetime.now()),
        ok=result.ok,
        summary="\n".join([summary, *result.warnings()]),
        errors=result.errors,
        grids_read=pulled.read - pulled.personal if pulled else 0,  # personal files aside
        answers=(pulled.added + pulled.changed + pulled.removed) if pulled else 0,
        new_anomalies=new,
        open_anomalies=open_anomalies,
        files_written=sum(len(c.written) for c in result.collectives),
        late_structures=len(late),
        seconds=round(time.monotonic() - began, 1),
    )


def _late(campaign: Campaign, refreshed: list[Collective], store: Store, day: dt.date) -> list[str]:
    """The late structures of the collectifs refreshed; none refreshed, nothing to score (and
    the scoring stack is not even imported: a no-change cycle stays a fraction of a second)."""
    if not refreshed:
        return []
    from capsync.jobs.lateness import late_structures

    return [s for c in refreshed for s in late_structures(campaign, c, store, day)]


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
    known_collective(campaign, collective)
    require_data_folder(campaign.data_dir)  # before the lock, which would create it
    with campaign_lock(campaign.data_dir):
        result = _cycle(campaign, quiet=state.quiet, collective=collective, force=force)
    if not state.quiet or result.needs_a_look:  # --quiet: a line only when there is a reason
        for line in result.summary.splitlines():
            say(line)
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
    from capsync.jobs.notify import mail_after_cycle

    seconds = parse_interval(every)
    campaign = state.campaign()
    _daemon_logging(state.quiet)

    def cycle() -> RunStatus:
        fresh = load_campaign(Path(state.config_path))
        check_data_folder(fresh.data_dir)
        return mail_after_cycle(fresh, lambda: _cycle(fresh, quiet=True), clock=dt.datetime.now)

    Daemon(
        cycle,
        every=seconds,
        data_dir=campaign.data_dir,
        max_cycles=max_cycles,
        config_path=campaign.config_path,
    ).run()


def _daemon_logging(quiet: bool) -> None:
    """Timestamped lines, and the daemon's own start and cycle lines even without -v."""
    for handler in logging.getLogger().handlers:
        handler.setFormatter(logging.Formatter(DAEMON_LOG_FORMAT, "%Y-%m-%d %H:%M:%S"))
    if not quiet:
        logging.getLogger("capsync.daemon").setLevel(logging.INFO)


def _when(moment: str) -> str:
    """« 23/11/2026 12:00:00 », as people write a date, from the status file's ISO text."""
    try:
        return f"{dt.datetime.fromisoformat(moment):%d/%m/%Y %H:%M:%S}"
    except ValueError:
        return moment


@click.command()
@pass_state
def status(state: CliState) -> None:
    """Print the daemon's last run, next run and errors.

    \b
    Example:
        capsync status
    """
    campaign = state.campaign(writes=False)  # only reads: works on a read-only share
    found = read_status(campaign.data_dir)
    if found is None:
        say("Aucun cycle n'a encore été lancé par le démon.")
        return
    if found.state == UNREADABLE:
        say(
            f"Le fichier d'état du démon ({status_path(campaign.data_dir).name}) est illisible "
            "(coupé ou modifié à la main) : le démon le réécrit entier à son prochain cycle."
        )
        return
    if found.state != "arrêté" and not process_alive(found.pid):
        say(
            "État : arrêté — le démon"
            + (f" (pid {found.pid})" if found.pid else "")
            + " s'est interrompu sans finir "
            "proprement ; relancez capsync daemon."
        )
        found.next_run = ""
    else:
        say(f"État : {found.state}" + (f" (pid {found.pid})" if found.pid else ""))
    if found.every_seconds:
        every = interval_text(found.every_seconds)
        say(f"Intervalle : {every} ; cycles effectués : {found.cycles}")
    if found.next_run:
        say(f"Prochain cycle : {_when(found.next_run)}")
    if found.last_run and found.last_run.open_anomalies is not None:
        say(f"Anomalies ouvertes : {found.last_run.open_anomalies}")
    if found.recent:
        say("Derniers cycles :")
        for run in found.recent[-5:]:
            first = run.summary.splitlines()[0] if run.summary else ""
            say(f"  {_when(run.started_at)} ({run.seconds:.1f} s) {_verdict(run)} — {first}")
    if found.last_run:
        run = found.last_run
        say(
            f"Dernier cycle : {_when(run.started_at)} → {_when(run.finished_at)} "
            f"({'réussi' if run.ok else 'avec erreurs'})"
        )
        say(run.summary)
        for name, message in run.errors.items():
            say(f"  {name} : {message}")


def _verdict(run: RunStatus) -> str:
    return "réussi" if run.ok else "en erreur"


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
    require_data_folder(campaign.data_dir)  # before the lock, which would create it
    with campaign_lock(campaign.data_dir):
        report = run_demo(campaign, open_backend(campaign), today=dt.date.today())
    say(f"{len(report.filled)} grilles remplies avec des réponses de démonstration.")
    for message in report.skipped:
        say(message)


commands = [sync, daemon, status, demo]

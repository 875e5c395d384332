"""``capsync notify``: send the invitations and reminders that are due (or list them)."""

from __future__ import annotations

import datetime as dt

import click

from capsync.backends.factory import open_backend
from capsync.cli.common import CliState, fail, known_collective, pass_state, say
from capsync.locking import campaign_lock
from capsync.store.database import Store


@click.command()
@click.option("--dry-run", is_flag=True, help="List what would be sent; send and record nothing.")
@click.option("--collective", help="Only this collectif.")
@click.option(
    "--at",
    "at",
    help="With --dry-run: the date (YYYY-MM-DD) to compose the messages for, instead of today.",
)
@pass_state
def notify(state: CliState, dry_run: bool, collective: str | None, at: str | None) -> None:
    """Send the messages that are due (invitations, reminders, digests), each once.

    Messages go to the SMTP server of the configuration's `mail.smtp`, or, when it
    names none, into `<data>/outbox/` as .eml files. The daemon does this after
    every cycle; failures are retried at the next run.

    \b
    Example:
        capsync notify --dry-run
        capsync notify --dry-run --at 2026-05-26
        capsync notify
    """
    from capsync.jobs.notify import send_notifications

    campaign = state.campaign()
    known_collective(campaign, collective)
    now = dt.datetime.now().astimezone()  # aware: the mails' Date is right on a UTC server
    if at is not None:
        if not dry_run:
            fail("--at ne s'emploie qu'avec --dry-run : un envoi se fait à la date du jour.")
        try:
            now = dt.datetime.combine(dt.date.fromisoformat(at), now.time()).astimezone()
        except ValueError:
            fail(f"Date « {at} » invalide : écrivez-la AAAA-MM-JJ, par exemple 2026-05-26.")
    with campaign_lock(campaign.data_dir), Store.open(campaign.data_dir) as store:
        report = send_notifications(
            campaign, open_backend(campaign), store, now=now, dry_run=dry_run, collective=collective
        )
    if not campaign.config.mail.enabled:
        say("Envoi des messages désactivé (mail.enabled: false).")
        return
    for line in report.summary_lines():
        say(line)
    if report.failed:
        raise SystemExit(1)


commands = [notify]

"""``capsync notify``: send the invitations and reminders that are due (or list them)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from capsync.backends.factory import open_backend
from capsync.campaign.validation import Campaign
from capsync.cli.common import CliState, fail, known_collective, pass_state, say
from capsync.data_folder import require_data_folder
from capsync.locking import campaign_lock
from capsync.store.database import Store

if TYPE_CHECKING:
    from capsync.jobs.notify import NotifyReport


def outbox_line(campaign: Campaign, report: NotifyReport) -> tuple[str, str] | None:
    """Where the messages went when no SMTP server is configured (French, then the folder):
    « 41 envoyé(s) » alone let an admin believe the structures had their mail."""
    from capsync.jobs.mail_transport import OUTBOX_DIR

    count = len(report.new) + len(report.waiting) if report.dry_run else len(report.sent)
    if campaign.config.mail.smtp is not None or not count:
        return None
    done = "seraient écrits" if report.dry_run else "ont été écrits"
    return (
        f"Aucun serveur SMTP n'est configuré (mail.smtp) : ces messages {done} en fichiers "
        ".eml dans le dossier suivant, sans être envoyés : ",
        str(campaign.data_dir / OUTBOX_DIR),
    )


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
    require_data_folder(campaign.data_dir)  # before generate, no grid to invite to: nothing made
    with campaign_lock(campaign.data_dir), Store.open(campaign.data_dir) as store:
        report = send_notifications(
            campaign, open_backend(campaign), store, now=now, dry_run=dry_run, collective=collective
        )
    if not campaign.config.mail.enabled:
        say("Envoi des messages désactivé (mail.enabled: false).")
        return
    for line in report.summary_lines():
        say(line)
    outbox = outbox_line(campaign, report)
    if outbox is not None:
        say(outbox[0], verbatim=outbox[1])
    if report.failed:
        raise SystemExit(1)


commands = [notify]

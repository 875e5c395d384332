"""Send the messages people expect, each once: compose → drop what the log knows → queue →
deliver through the transport, throttled.

The composition is pure (:mod:`capsync.layout.messages`, ``messages_team``); this job
reads what it needs (scores, anomalies, plans, where the grids are), records every
message in the log before it leaves (:mod:`capsync.store.sent_messages`: at worst
sent twice, never lost) and delivers what is still pending, including what failed
at an earlier run. ``sleep`` is passed in, like the clock: the throttle waits
``60 / mail.per_minute`` seconds between two messages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePath

from capsync.backends.base import Backend
from capsync.backends.factory import open_backend
from capsync.campaign.config import Collective
from capsync.campaign.validation import Campaign
from capsync.errors import BackendError, CapsyncError
from capsync.jobs.mail_transport import MailError, Transport, open_transport
from capsync.jobs.personal_files import personal_ref
from capsync.jobs.status import RunStatus
from capsync.layout.messages import CollectiveFacts, Message, PersonalFile, structure_messages
from capsync.layout.messages_personal import personal_invitations
from capsync.layout.messages_restitution import RestitutionNotice, restitution_messages
from capsync.layout.messages_team import (
    KitNotice,
    cycle_failure_messages,
    digest_messages,
    kit_messages,
    plan_messages,
)
from capsync.layout.tables import chapter_label
from capsync.render.email import build_email, message_id
from capsync.scoring import scores as scoring
from capsync.store.database import STORE_FILE, Store
from capsync.store.sent_messages import Entry, MailLog
from capsync.workbook.grid_schema import respondent_columns
from capsync.workbook.refs import Kind, WorkbookRef

log = logging.getLogger("capsync")

Sleep = Callable[[float], None]
MAIL_STATUS_KEY = "messages"
"""The name under which the status shows why messages were not sent."""


@dataclass
class NotifyReport:
    new: list[Message] = field(default_factory=list)  # composed and not yet in the log
    sent: list[Entry] = field(default_factory=list)
    failed: list[tuple[Entry, str]] = field(default_factory=list)
    waiting: list[Entry] = field(default_factory=list)  # queued, still to send
    skipped: list[str] = field(default_factory=list)  # French: messages put off to next run
    dry_run: bool = False

    def summary_lines(self) -> list[str]:
        """What ``capsync notify`` prints and the daemon's status keeps (French)."""
        if self.dry_run:
            lines = [f"{len(self.new) + len(self.waiting)} message(s) à envoyer :"]
            lines += [f"- {m.kind} → {m.to} : {m.subject}" for m in self.new]
            lines += [
                f"- (en attente) {e.kind} → {e.recipient} : {e.subject}" for e in self.waiting
            ]
            return lines + self.skipped
        lines = [f"Messages : {len(self.sent)} envoyé(s), {len(self.failed)} en échec."]
        for entry, cause in self.failed[:5]:
            lines.append(f"Message à {entry.recipient} non envoyé : {cause}")
        if len(self.failed) > 5:
            lines.append(f"… et {len(self.failed) - 5} autres, réessayés au prochain cycle.")
        if self.waiting:
            lines.append(f"{len(self.waiting)} message(s) en attente du prochain cycle.")
        return lines + self.skipped


def collective_facts(
    campaign: Campaign, collective: Collective, backend: Backend, store: Store, mail_log: MailLog
) -> CollectiveFacts:
    """Everything the messages of a collectif are composed from."""
    ref = campaign.referentiel_for(collective.id)
    scores = scoring.score_collective(
        store.current_answers(collective.id), ref, collective.structures
    )
    places = {}
    for structure in collective.structures:
        grid = WorkbookRef(collective.id, Kind.GRID, structure.id)
        if backend.exists(grid):
            places[structure.id] = backend.location(grid)
    last_to_fix = {}
    for structure in collective.structures:
        when = mail_log.last_queued(f"a-corriger/{collective.id}/{structure.id}/")
        if when is not None:
            last_to_fix[structure.id] = when
    return CollectiveFacts(
        collective=collective,
        chapters={c.id: chapter_label(c) for c in ref.chapters},
        completion=scores.chapters,
        anomalies=store.current_anomalies(collective.id),
        actions=store.current_actions(collective.id),
        grid_places=places,
        grids_attached=backend.files_are_xlsx,
        last_to_fix=last_to_fix,
        criteria=scores.criteria,
        personal_files=personal_files(backend, collective),
        approach=ref.approach,
    )


def personal_files(backend: Backend, collective: Collective) -> dict[tuple[str, str], PersonalFile]:
    """(structure, respondent's e-mail) → that respondent's own file, where it exists.

    The file is looked up from the same respondent as the address (their column of
    the grid names it), so an invitation never carries another person's file.
    """
    found = {}
    for structure in collective.structures:
        people = zip(structure.respondents, respondent_columns(structure), strict=False)
        for person, column in people:
            if person.email is None:
                continue
            ref = personal_ref(collective.id, structure.id, column.key)
            if backend.exists(ref):
                key = (structure.id, str(person.email).lower())
                found[key] = PersonalFile(ref, backend.location(ref))
    return found


def kept_kits(backend: Backend, collective: Collective) -> list[KitNotice]:
    """The regroupement kits kept for the collectif: each is sent once, even one produced
    while messages could not be sent; its PDF with it when it is there (a stat, not a read:
    every kit is listed at each run)."""
    return [
        KitNotice(
            ref, backend.location(ref), backend.files_are_xlsx, backend.attachable(ref, "pdf")
        )
        for ref in sorted(backend.versions(collective.id, Kind.REGROUPEMENT))
    ]


def kept_restitutions(backend: Backend, collective: Collective) -> list[RestitutionNotice]:
    """The restitutions kept in the collectif's structure folders (the « À corriger » and a
    group's view are not restitutions), each with whether its PDF is there (a stat)."""
    return [
        RestitutionNotice(
            ref, backend.location(ref), backend.files_are_xlsx, backend.attachable(ref, "pdf")
        )
        for ref in sorted(backend.versions(collective.id, Kind.RESTITUTION))
        if ref.name.partition("/")[2].startswith("restitution-")
    ]


def compose_all(
    campaign: Campaign,
    backend: Backend,
    store: Store,
    mail_log: MailLog,
    *,
    today: dt.date,
    collective: str | None = None,
) -> list[Message]:
    """Every message due today, for every collectif (or one)."""
    config = campaign.config
    found: list[Message] = []
    for coll in config.collectives:
        if collective and coll.id != collective:
            continue
        facts = collective_facts(campaign, coll, backend, store, mail_log)
        for compose in (structure_messages, personal_invitations, plan_messages, digest_messages):
            found += compose(facts, config.mail, config.settings, today)
        kits = kept_kits(backend, coll)
        found += kit_messages(coll, kits, config.mail, config.settings, facts.approach, today)
        kept = kept_restitutions(backend, coll)
        found += restitution_messages(
            coll, kept, config.mail, config.settings, facts.approach, today
        )
    return found


def _file_name(entry: Entry) -> str:
    digest = hashlib.sha256(entry.key.encode()).hexdigest()[:10]
    return f"{entry.queued_at:%Y%m%d-%H%M%S}-{entry.kind}-{digest}"


def queue_messages(
    campaign: Campaign,
    backend: Backend,
    mail_log: MailLog,
    messages: Iterable[Message],
    now: dt.datetime,
    report: NotifyReport,
) -> None:
    """Build each new message's e-mail and record it, before anything is sent."""
    mail = campaign.config.mail
    entries = []
    for message in messages:
        try:
            attached = {
                a.filename: backend.read_bytes(a.ref, PurePath(a.filename).suffix.lstrip("."))
                for a in message.attachments
            }
        except BackendError as exc:  # the grid is being replaced: the message waits a cycle
            report.skipped.append(f"Message à {message.to} remis au prochain cycle : {exc}")
            continue
        email = build_email(
            message, sender=mail.sender, sender_name=mail.sender_name, now=now, attachments=attached
        )
        entries.append(
            Entry(
                key=message.key,
                kind=message.kind.value,
                collective=message.collective,
                structure=message.structure,
                recipient=message.to,
                subject=message.subject,
                message_id=message_id(message.key, mail.sender),
                content=email.as_bytes(),
                queued_at=now,
            )
        )
    mail_log.queue(entries)


def deliver(
    campaign: Campaign,
    mail_log: MailLog,
    transport: Transport,
    *,
    now: dt.datetime,
    report: NotifyReport,
    sleep: Sleep = time.sleep,
) -> None:
    """Send what is queued, oldest first, ``mail.per_minute`` at most per minute.

    A refused address fails that message only; a server that does not answer
    stops the run (the rest waits for the next cycle, with the cause).
    """
    mail = campaign.config.mail
    pending = mail_log.pending()
    gap = 60.0 / mail.per_minute
    try:
        for done, entry in enumerate(pending):
            if done:
                sleep(gap)
            try:
                transport.send(_file_name(entry), entry.content, mail.sender, entry.recipient)
            except MailError as exc:
                mail_log.mark_failed(entry.key, str(exc))
                report.failed.append((entry, str(exc)))
                log.warning("mail to %s not sent: %s", entry.recipient, exc)
                if exc.server_down:
                    report.waiting = pending[done + 1 :]
                    return
                continue
            mail_log.mark_sent(entry.key, now)
            report.sent.append(entry)
    finally:
        transport.close()


def run_notify(
    campaign: Campaign,
    backend: Backend,
    store: Store,
    mail_log: MailLog,
    transport: Transport,
    *,
    now: dt.datetime,
    dry_run: bool = False,
    collective: str | None = None,
    sleep: Sleep = time.sleep,
) -> NotifyReport:
    """Compose today's messages, queue the new ones and deliver everything pending."""
    report = NotifyReport(dry_run=dry_run)
    if not campaign.config.mail.enabled:
        return report
    messages = compose_all(
        campaign, backend, store, mail_log, today=now.date(), collective=collective
    )
    report.new = _unknown(mail_log, messages)
    if dry_run:
        report.waiting = mail_log.pending()
        return report
    queue_messages(campaign, backend, mail_log, report.new, now, report)
    deliver(campaign, mail_log, transport, now=now, report=report, sleep=sleep)
    return report


def _unknown(mail_log: MailLog, messages: list[Message]) -> list[Message]:
    """The messages the log has never seen: each is queued once, whatever the cycles."""
    known = mail_log.known(m.key for m in messages)
    return [m for m in messages if m.key not in known]


def notify_cycle_failure(
    campaign: Campaign,
    mail_log: MailLog,
    transport: Transport,
    backend: Backend,
    *,
    cause: str,
    now: dt.datetime,
    sleep: Sleep = time.sleep,
) -> NotifyReport:
    """Tell the admins that a daemon cycle failed (once a day per cause)."""
    report = NotifyReport()
    config = campaign.config
    if not config.mail.enabled:
        return report
    messages = cycle_failure_messages(cause, config.mail, config.settings, now)
    report.new = _unknown(mail_log, messages)
    queue_messages(campaign, backend, mail_log, report.new, now, report)
    deliver(campaign, mail_log, transport, now=now, report=report, sleep=sleep)
    return report


def send_notifications(
    campaign: Campaign,
    backend: Backend,
    store: Store,
    *,
    now: dt.datetime,
    dry_run: bool = False,
    collective: str | None = None,
    sleep: Sleep = time.sleep,
) -> NotifyReport:
    """:func:`run_notify` with the log in the store's file and the configured transport."""
    transport = open_transport(campaign.config.mail.smtp, campaign.data_dir)
    with MailLog(campaign.data_dir / STORE_FILE) as mail_log:
        return run_notify(
            campaign,
            backend,
            store,
            mail_log,
            transport,
            now=now,
            dry_run=dry_run,
            collective=collective,
            sleep=sleep,
        )


def mail_after_cycle(
    campaign: Campaign,
    run: Callable[[], RunStatus],
    *,
    clock: Callable[[], dt.datetime],
    sleep: Sleep = time.sleep,
) -> RunStatus:
    """The daemon's cycle, then its messages: what is due, and the admins told of a failure.

    A cycle that raises is reported to the admins and raised again (the daemon
    keeps its cause in the status); the messages' own failures never fail the
    cycle: their cause goes into the status, and they are retried next cycle.
    """
    try:
        result = run()
    except Exception as exc:
        _tell_admins(campaign, str(exc) or type(exc).__name__, clock(), sleep)
        raise
    if not result.ok:
        causes = [f"{name} : {message}" for name, message in result.errors.items()]
        _tell_admins(campaign, "\n".join(causes) or result.summary, clock(), sleep)
    if not campaign.config.mail.enabled:
        return result
    try:
        with Store.open(campaign.data_dir) as store:
            report = send_notifications(
                campaign, open_backend(campaign), store, now=clock(), sleep=sleep
            )
    except CapsyncError as exc:
        log.error("messages not sent: %s", exc)
        result.errors[MAIL_STATUS_KEY] = str(exc)
        return result
    if report.sent or report.failed or report.waiting:
        result.summary = "\n".join([result.summary, *report.summary_lines()])
    if report.failed:
        result.errors[MAIL_STATUS_KEY] = report.failed[-1][1]
    return result


def _tell_admins(campaign: Campaign, cause: str, now: dt.datetime, sleep: Sleep) -> None:
    """Best effort: a store or a server that fails too is logged, never raised."""
    if not campaign.config.mail.admins:
        return
    try:
        transport = open_transport(campaign.config.mail.smtp, campaign.data_dir)
        with MailLog(campaign.data_dir / STORE_FILE) as mail_log:
            notify_cycle_failure(
                campaign, mail_log, transport, open_backend(campaign), cause=cause, now=now,
                sleep=sleep,
            )  # fmt: skip
    except Exception:  # the cycle's own failure is what the status must show
        log.exception("could not tell the admins that the cycle failed")

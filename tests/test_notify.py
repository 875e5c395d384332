"""Messages delivered through a real SMTP server (aiosmtpd on 127.0.0.1), or into outbox/,
each once — across a restart and a kill -9 between sending and recording."""

from __future__ import annotations

import datetime as dt
import email
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
from email import policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from capsync.backends.local import LocalBackend
from capsync.campaign.validation import Campaign, load_campaign
from capsync.cli import main
from capsync.jobs.generate import generate
from capsync.jobs.mail_transport import OutboxTransport, SmtpTransport
from capsync.jobs.notify import mail_after_cycle, run_notify
from capsync.jobs.pull import pull
from capsync.jobs.status import RunStatus
from capsync.store.database import STORE_FILE, Store
from capsync.store.sent_messages import MailLog
from capsync.workbook.refs import Kind, WorkbookRef

from .example_campaign import copy_example
from .french_output import plain

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2025, 5, 28, 9, 0, tzinfo=PARIS)  # J−14 before the first regroupement (NA)
SENDER = "cap-rse@coorace.example"


class Inbox:
    """What the SMTP server received: (envelope sender, recipients, raw bytes)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    refused = "refuse@traitdunion17.example"

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address == self.refused:
            return "550 5.1.1 Unknown user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"

    def parsed(self) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=policy.default) for _, _, raw in self.received]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example campaign with its grids, a bad level and two plan lines typed."""
    root = tmp_path_factory.mktemp("notify")
    config = copy_example(root)
    campaign = load_campaign(config)
    backend = LocalBackend(campaign.data_dir)
    generate(campaign, backend, workers=1, now=dt.datetime(2025, 3, 1, 9, 0))
    grid = backend.path(WorkbookRef("nouvelle-aquitaine", Kind.GRID, "trait-d-union-17"))
    book = openpyxl.load_workbook(grid)
    sheet = next(ws for ws in book.worksheets if ws.title.startswith("Chapitre 1"))
    keys = [c.value for c in sheet[2]]
    first = campaign.referentiel.chapters[0].criteria[0].id
    row = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value == first)
    sheet.cell(row, keys.index("retenu") + 1).value = "beaucoup"
    plan = book["Plan de progrès"]
    plan["A4"], plan["D4"] = "1.1.1", "Écrire la charte RSE"
    plan["E4"], plan["F4"] = (
        "Sophie Marchand <direction@traitdunion17.example>",
        dt.date(2025, 6, 1),
    )
    plan["G4"] = "à faire"
    plan["A5"], plan["D5"] = "1.1.1", "Former l'équipe"
    plan["E5"], plan["F5"], plan["G5"] = "intrus@ailleurs.example", dt.date(2025, 5, 30), "en cours"
    book.save(grid)
    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=dt.datetime(2025, 5, 27, 18, 0))
    return root


def campaign_at(prepared: Path, tmp_path: Path, mail: str) -> Campaign:
    for name in ("config", "referentiel", "data"):
        shutil.copytree(prepared / name, tmp_path / name)
    config = tmp_path / "config" / "capsync.yaml"
    text = re.sub(r"\nmail:\n(?:[ #].*\n)*", "\n", config.read_text(encoding="utf-8"))
    block = "\nmail:\n" + textwrap.indent(textwrap.dedent(mail).strip(), "  ") + "\n"
    config.write_text(text + block, encoding="utf-8")
    return load_campaign(config)


def smtp_mail(port: int, extra: str = "", per_minute: int = 600) -> str:
    return f"""
        sender: {SENDER}
        admins: [admin@coorace.example]
        opt_out: [qualite@horizons-charente.example]
        per_minute: {per_minute}
        smtp: {{host: 127.0.0.1, port: {port}, security: none}}
        {extra}
    """


def notify(campaign: Campaign, transport=None, now=NOW, sleep=lambda s: None):
    backend = LocalBackend(campaign.data_dir)
    transport = transport or SmtpTransport(campaign.config.mail.smtp)
    with (
        Store.open(campaign.data_dir) as store,
        MailLog(campaign.data_dir / STORE_FILE) as mail_log,
    ):
        return run_notify(campaign, backend, store, mail_log, transport, now=now, sleep=sleep)


def by_subject(messages: list[EmailMessage], words: str) -> list[EmailMessage]:
    return [m for m in messages if words in str(m["Subject"])]


def test_dry_run_lists_invitations_and_reminders_and_sends_nothing(prepared, tmp_path, smtp_server):
    inbox, port = smtp_server
    campaign = campaign_at(prepared, tmp_path, smtp_mail(port))
    result = CliRunner().invoke(
        main,
        ["--config", str(campaign.config_path), "notify", "--dry-run", "--at", "2025-05-28"],
    )
    assert result.exit_code == 0, result.output
    out = plain(result.output)
    assert "invitation-grille → direction@traitdunion17.example" in out
    # the grid deadline (28/05, regroupement 11/06 minus late_days): the last reminder is due
    assert "rappel → rh@batir-ensemble-pau.example : CAP RSE — rappel : chapitre 1 à " \
           "compléter aujourd'hui" in out  # fmt: skip
    assert "a-corriger → direction@traitdunion17.example" in out
    assert "echeance-plan → direction@traitdunion17.example" in out
    assert "synthese-hebdomadaire → c.moreau@coorace-occitanie.example" in out
    assert "qualite@horizons-charente.example" not in out  # opted out
    assert "intrus@ailleurs.example" not in out  # a typed address is not a recipient
    assert "rappel → direction@ailes-revel.example" not in out  # Occitanie: not yet
    assert inbox.received == []
    assert not (campaign.data_dir / "outbox").exists()
    with MailLog(campaign.data_dir / STORE_FILE) as mail_log:
        assert mail_log.pending() == [] and mail_log.sent() == []


def test_a_run_delivers_each_message_once_with_checked_headers(prepared, tmp_path, smtp_server):
    inbox, port = smtp_server
    campaign = campaign_at(prepared, tmp_path, smtp_mail(port))
    report = notify(campaign)
    assert report.failed == []
    assert len(inbox.received) == len(report.sent) == len(report.new) > 20
    messages = inbox.parsed()
    ids = [m["Message-ID"] for m in messages]
    assert len(set(ids)) == len(ids)
    for (envelope_from, rcpt, _), message in zip(inbox.received, messages, strict=True):
        assert envelope_from == SENDER
        assert rcpt == [str(message["To"])]
        assert message["From"].addresses[0].addr_spec == SENDER
        assert message["From"].addresses[0].display_name == "CAP RSE — COORACE"
        assert message["Date"].datetime == NOW
        assert message["Message-ID"].endswith("@coorace.example>")
        body = message.get_body(("plain",))
        assert body.get_content_charset() == "utf-8"
        assert body["Content-Transfer-Encoding"] == "quoted-printable"
        text = body.get_content()
        assert text.startswith("Bonjour,")
        assert "Vous recevez ce message parce que" in text
        assert "Pour ne plus recevoir ces messages" in text
        assert " :" not in text  # French typography: no-break space before « : »
    # again: nothing new
    assert notify(campaign).sent == []
    assert len(inbox.received) == len(report.sent)


def test_a_structure_message_holds_only_its_own_structure(prepared, tmp_path, smtp_server):
    inbox, port = smtp_server
    campaign = campaign_at(prepared, tmp_path, smtp_mail(port))
    notify(campaign)
    structures = {s.id: s for c in campaign.config.collectives for s in c.structures}
    owners = {str(c).lower(): sid for sid, s in structures.items() for c in s.contacts}
    for message in inbox.parsed():
        if "synthèse" in str(message["Subject"]):
            continue
        text = message.get_body(("plain",)).get_content() + str(message["Subject"])
        named = {sid for sid, s in structures.items() if s.name in text}
        assert named == {owners[str(message["To"]).lower()]}, message["Subject"]


def test_invitation_carries_the_grid_and_what_to_do(prepared, tmp_path, smtp_server):
    inbox, port = smtp_server
    campaign = campaign_at(prepared, tmp_path, smtp_mail(port))
    notify(campaign)
    [invite] = [
        m for m in by_subject(inbox.parsed(), "votre grille")
        if str(m["To"]) == "rh@batir-ensemble-pau.example"
    ]  # fmt: skip
    assert str(invite["Subject"]) == "CAP RSE — votre grille d'auto-évaluation (Bâtir Ensemble Pau)"
    assert str(invite["Reply-To"]) == "xavier.delmas@coorace-na.example"
    text = invite.get_body(("plain",)).get_content()
    assert (
        "«\u00a0Bâtir Ensemble Pau\u00a0» participe au Collectif CAP RSE Nouvelle-Aquitaine" in text
    )
    assert "chapitre 1 à compléter au plus tard le 28/05/2025" in text
    [attachment] = list(invite.iter_attachments())
    assert attachment.get_filename() == "batir-ensemble-pau.xlsx"
    assert attachment.get_content_type().endswith("spreadsheetml.sheet")
    grid = LocalBackend(campaign.data_dir).path(
        WorkbookRef("nouvelle-aquitaine", Kind.GRID, "batir-ensemble-pau")
    )
    assert attachment.get_content() == grid.read_bytes()


def test_to_fix_and_plan_messages_say_where_and_what(prepared, tmp_path, smtp_server):
    inbox, port = smtp_server
    campaign = campaign_at(prepared, tmp_path, smtp_mail(port))
    notify(campaign)
    [fix] = by_subject(inbox.parsed(), "à corriger")
    assert str(fix["To"]) == "direction@traitdunion17.example"
    text = fix.get_body(("plain",)).get_content()
    assert "onglet «\u00a0Chapitre 1" in text and "«\u00a0beaucoup\u00a0»" in text
    plans = by_subject(inbox.parsed(), "plan de progrès")
    assert {str(m["To"]) for m in plans} == {"direction@traitdunion17.example"}
    assert len(plans) == 2  # its own address, and the contacts for the stranger's line
    texts = [m.get_body(("plain",)).get_content() for m in plans]
    assert any("«\u00a0Écrire la charte RSE\u00a0»" in t for t in texts)
    assert all("intrus@ailleurs.example" not in str(m["To"]) for m in plans)
    # « À corriger » at most once a day: a new anomaly the same day waits for tomorrow
    assert notify(campaign, now=NOW + dt.timedelta(hours=3)).sent == []


def test_messages_go_to_outbox_without_a_server_once(prepared, tmp_path):
    campaign = campaign_at(prepared, tmp_path, f"sender: {SENDER}")
    report = notify(campaign, transport=OutboxTransport(campaign.data_dir))
    files = sorted((campaign.data_dir / "outbox").glob("*.eml"))
    assert len(files) == len(report.sent) > 20
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] and parsed["Date"] and parsed["To"]
    assert notify(campaign, transport=OutboxTransport(campaign.data_dir)).sent == []
    assert sorted((campaign.data_dir / "outbox").glob("*.eml")) == files


def test_a_server_that_does_not_answer_is_retried_with_its_cause(prepared, tmp_path, smtp_server):
    inbox, port = smtp_server
    dead = free_port()
    campaign = campaign_at(prepared, tmp_path, smtp_mail(dead))
    report = notify(campaign)
    assert report.sent == [] and len(report.failed) == 1
    assert f"Envoi impossible par le serveur 127.0.0.1:{dead}" in report.summary_lines()[1]
    assert "en attente du prochain cycle" in report.summary_lines()[-1]
    config = campaign.config_path.read_text(encoding="utf-8").replace(str(dead), str(port))
    campaign.config_path.write_text(config, encoding="utf-8")
    later = notify(load_campaign(campaign.config_path), now=NOW + dt.timedelta(minutes=15))
    assert later.new == [] and len(later.sent) == len(report.new) == len(inbox.received)


def test_sending_is_throttled(prepared, tmp_path, smtp_server):
    _, port = smtp_server
    campaign = campaign_at(prepared, tmp_path, smtp_mail(port, per_minute=20))
    naps: list[float] = []
    report = notify(campaign, sleep=naps.append)
    assert naps == [3.0] * (len(report.sent) - 1)


KILLER = """
import datetime as dt, os, signal, sys
from zoneinfo import ZoneInfo
from pathlib import Path
from capsync.backends.local import LocalBackend
from capsync.campaign.validation import load_campaign
from capsync.jobs.mail_transport import SmtpTransport
from capsync.jobs.notify import run_notify
from capsync.store.database import STORE_FILE, Store
from capsync.store.sent_messages import MailLog

class DiesAfterSending(SmtpTransport):
    sent = 0
    def send(self, name, content, sender, recipient):
        super().send(name, content, sender, recipient)
        self.sent += 1
        if self.sent == int(sys.argv[2]):
            self.client.quit()
            os.kill(os.getpid(), signal.SIGKILL)  # sent, not yet recorded

campaign = load_campaign(Path(sys.argv[1]))
now = dt.datetime(2025, 5, 28, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
with Store.open(campaign.data_dir) as store, MailLog(campaign.data_dir / STORE_FILE) as log:
    run_notify(campaign, LocalBackend(campaign.data_dir), store, log,
               DiesAfterSending(campaign.config.mail.smtp), now=now, sleep=lambda s: None)
"""


def test_kill_9_between_sending_and_recording_sends_twice_at_worst_never_loses(
    prepared, tmp_path, smtp_server
):
    inbox, port = smtp_server
    campaign = campaign_at(prepared, tmp_path, smtp_mail(port))
    script = tmp_path / "killer.py"
    script.write_text(KILLER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(campaign.config_path), "3"],
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ},
        check=False,
    )
    assert done.returncode == -signal.SIGKILL
    assert len(inbox.received) == 3
    with MailLog(campaign.data_dir / STORE_FILE) as mail_log:
        assert len(mail_log.sent()) == 2  # the third was sent, not recorded
        queued = len(mail_log.pending()) + 2
    report = notify(campaign)  # the restart
    assert report.new == []  # everything was queued before the first message left
    ids = [str(m["Message-ID"]) for m in inbox.parsed()]
    assert len(set(ids)) == queued  # nothing lost
    assert len(ids) == queued + 1  # the third one twice, with the same Message-ID
    assert ids.count(ids[2]) == 2


def test_a_failed_daemon_cycle_tells_the_admins_once_a_day(prepared, tmp_path, smtp_server):
    inbox, port = smtp_server
    campaign = campaign_at(prepared, tmp_path, smtp_mail(port, "enabled: true"))

    def failing() -> RunStatus:
        return RunStatus(ok=False, summary="1 collectif en erreur.", errors={"occitanie": "boom"})

    def broken() -> RunStatus:
        raise RuntimeError("disque plein")

    result = mail_after_cycle(campaign, failing, clock=lambda: NOW, sleep=lambda s: None)
    assert result.ok is False
    admin = [m for m in inbox.parsed() if str(m["To"]) == "admin@coorace.example"]
    assert len(admin) == 1
    assert "occitanie\u00a0: boom" in admin[0].get_body(("plain",)).get_content()
    assert "Messages\u00a0:" not in result.summary and "Messages :" in result.summary
    mail_after_cycle(campaign, failing, clock=lambda: NOW, sleep=lambda s: None)
    with pytest.raises(RuntimeError):
        mail_after_cycle(campaign, broken, clock=lambda: NOW, sleep=lambda s: None)
    admin = [m for m in inbox.parsed() if str(m["To"]) == "admin@coorace.example"]
    assert len(admin) == 2  # the same cause once a day; another cause is told
    assert "disque plein" in admin[1].get_body(("plain",)).get_content()


def test_a_missing_password_is_named_never_shown(prepared, tmp_path, smtp_server, monkeypatch):
    _, port = smtp_server
    monkeypatch.delenv("CAPSYNC_SMTP_PASSWORD", raising=False)
    campaign = campaign_at(
        prepared, tmp_path,
        f"sender: {SENDER}\nsmtp: {{host: 127.0.0.1, port: {port}, security: none, user: cap}}",
    )  # fmt: skip
    report = notify(campaign)
    assert report.sent == []
    assert "variable d'environnement CAPSYNC_SMTP_PASSWORD est vide" in report.failed[0][1]


def test_a_kept_regroupement_kit_goes_to_each_delegate_once(prepared, tmp_path, smtp_server):
    inbox, port = smtp_server
    campaign = campaign_at(prepared, tmp_path, smtp_mail(port))
    backend = LocalBackend(campaign.data_dir)
    grid = WorkbookRef("nouvelle-aquitaine", Kind.GRID, "batir-ensemble-pau")
    kit = WorkbookRef("nouvelle-aquitaine", Kind.REGROUPEMENT, "chapitre-1-2025-06-11")
    backend.write_bytes(kit, backend.read_bytes(grid))
    notify(campaign)
    kits = by_subject(inbox.parsed(), "kit du regroupement")
    assert sorted(str(m["To"]) for m in kits) == [
        "laurent.bessiere@coorace-na.example",
        "xavier.delmas@coorace-na.example",
    ]
    assert str(kits[0]["Subject"]) == "CAP RSE — kit du regroupement du chapitre 1 (11/06/2025)"
    [attachment] = list(kits[0].iter_attachments())
    assert attachment.get_filename() == "kit-chapitre-1-2025-06-11.xlsx"
    later = notify(campaign, now=NOW + dt.timedelta(days=1))
    assert all(m.kind != "kit-regroupement" for m in later.new)


def test_cli_notify_sends_into_outbox_and_says_so(prepared, tmp_path):
    campaign = campaign_at(prepared, tmp_path, f"sender: {SENDER}\nper_minute: 60000")
    runner = CliRunner()
    args = ["--config", str(campaign.config_path), "notify"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert plain(first.output).startswith("Messages :")
    assert len(list((campaign.data_dir / "outbox").glob("*.eml"))) > 20
    assert "0 envoyé(s)" in runner.invoke(main, args).output
    wrong = runner.invoke(main, [*args, "--at", "2025-05-28"])
    assert wrong.exit_code == 1 and "--at ne s'emploie qu'avec --dry-run :" in plain(wrong.output)
    bad = runner.invoke(main, [*args, "--dry-run", "--at", "28/05/2025"])
    assert bad.exit_code == 1 and "Date « 28/05/2025 » invalide" in plain(bad.output)


def test_cli_notify_when_mail_is_disabled(prepared, tmp_path):
    campaign = campaign_at(prepared, tmp_path, "enabled: false")
    result = CliRunner().invoke(main, ["--config", str(campaign.config_path), "notify"])
    assert result.exit_code == 0
    assert "Envoi des messages désactivé" in result.output
    assert not (campaign.data_dir / "outbox").exists()


def test_a_refused_address_fails_alone_and_is_retried(prepared, tmp_path, smtp_server):
    inbox, port = smtp_server
    campaign = campaign_at(prepared, tmp_path, smtp_mail(port))
    structure_file = campaign.config_path.read_text(encoding="utf-8").replace(
        "contacts: [direction@traitdunion17.example]",
        f"contacts: [direction@traitdunion17.example, {Inbox.refused}]",
    )
    campaign.config_path.write_text(structure_file, encoding="utf-8")
    campaign = load_campaign(campaign.config_path)
    report = notify(campaign)
    assert {e.recipient for e, _ in report.failed} == {Inbox.refused}
    assert all("550 5.1.1 Unknown user" in cause for _, cause in report.failed)
    assert len(report.sent) == len(inbox.received) > 20  # the others went
    again = notify(campaign, now=NOW + dt.timedelta(minutes=15))
    assert again.sent == [] and len(again.failed) == len(report.failed)


def test_the_daemon_step_sends_after_a_good_cycle_and_keeps_its_failures(
    prepared, tmp_path, smtp_server
):
    inbox, port = smtp_server
    campaign = campaign_at(prepared, tmp_path, smtp_mail(port))
    result = mail_after_cycle(
        campaign, lambda: RunStatus(ok=True, summary="Cycle."), clock=lambda: NOW,
        sleep=lambda s: None,
    )  # fmt: skip
    assert result.ok and result.errors == {}
    assert result.summary.splitlines()[0] == "Cycle."
    assert result.summary.splitlines()[1].startswith("Messages")
    assert len(inbox.received) > 20
    dead = free_port()
    config = campaign.config_path.read_text(encoding="utf-8").replace(str(port), str(dead))
    campaign.config_path.write_text(config, encoding="utf-8")
    # the next day, chapter 1 turns « en retard »: new messages, and the server is down
    later = mail_after_cycle(
        load_campaign(campaign.config_path), lambda: RunStatus(ok=True, summary="Cycle."),
        clock=lambda: NOW + dt.timedelta(days=1), sleep=lambda s: None,
    )  # fmt: skip
    assert later.ok
    assert f"127.0.0.1:{dead}" in later.errors["messages"]


def test_each_respondent_is_invited_once_to_their_own_personal_file(
    prepared, tmp_path, smtp_server
):
    inbox, port = smtp_server
    config = campaign_at(prepared, tmp_path, smtp_mail(port)).config_path
    text = config.read_text(encoding="utf-8")
    for name, address in (
        ("Sophie Marchand", "sophie@traitdunion17.example"),
        ("Karim Benali", "karim@traitdunion17.example"),
        ("Bruno Lafitte", "bruno@batir-ensemble-pau.example"),  # no personal file: no message
    ):
        text = text.replace(f"{{name: {name}, ", f"{{name: {name}, email: {address}, ")
    config.write_text(text, encoding="utf-8")
    campaign = load_campaign(config)
    backend = LocalBackend(campaign.data_dir)
    generate(
        campaign, backend, structure="trait-d-union-17", personal=True, workers=1,
        now=dt.datetime(2025, 3, 1, 9, 0),
    )  # fmt: skip
    notify(campaign)
    invited = by_subject(inbox.parsed(), "votre fichier personnel")
    assert sorted(str(m["To"]) for m in invited) == [
        "karim@traitdunion17.example",
        "sophie@traitdunion17.example",
    ]
    for message, stem, other in (
        (next(m for m in invited if "sophie" in str(m["To"])), "sophie-marchand", "Karim"),
        (next(m for m in invited if "karim" in str(m["To"])), "karim-benali", "Sophie"),
    ):
        assert str(message["Subject"]) == (
            "CAP RSE — votre fichier personnel d'auto-évaluation (Trait d'Union 17)"
        )
        body = message.get_body(("plain",)).get_content()
        assert "À faire\u00a0: pour chaque critère, choisir «\u00a0Mon niveau\u00a0»" in body
        assert "chapitre 1 à compléter au plus tard le 28/05/2025" in body
        assert "répondant·e de «\u00a0Trait d'Union 17\u00a0»" in body
        assert "vous ne recevrez plus rien de notre part" in body and other not in body
        [attachment] = list(message.iter_attachments())
        assert attachment.get_filename() == f"{stem}.xlsx"
        own = backend.path(
            WorkbookRef("nouvelle-aquitaine", Kind.PERSONAL, f"trait-d-union-17/{stem}")
        )
        assert attachment.get_content() == own.read_bytes()
    inbox.received.clear()
    notify(campaign)  # sent once: a re-run sends nothing new
    assert by_subject(inbox.parsed(), "votre fichier personnel") == []


def test_an_opted_out_respondent_is_not_invited(prepared, tmp_path, smtp_server):
    inbox, port = smtp_server
    extra = "opt_out: [sophie@traitdunion17.example]"
    mail = smtp_mail(port).replace("opt_out: [qualite@horizons-charente.example]", extra)
    config = campaign_at(prepared, tmp_path, mail).config_path
    text = config.read_text(encoding="utf-8").replace(
        "{name: Sophie Marchand, ", "{name: Sophie Marchand, email: sophie@traitdunion17.example, "
    )
    config.write_text(text, encoding="utf-8")
    campaign = load_campaign(config)
    generate(
        campaign, LocalBackend(campaign.data_dir), structure="trait-d-union-17", personal=True,
        workers=1, now=dt.datetime(2025, 3, 1, 9, 0),
    )  # fmt: skip
    notify(campaign)
    assert by_subject(inbox.parsed(), "votre fichier personnel") == []

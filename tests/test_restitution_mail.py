"""A restitution reaches its structure: announced to its contacts, once, the PDF and the
workbook attached locally; never to another structure; an old one is not mailed by a
capsync installed later."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from pathlib import Path

from capsync.backends.local import LocalBackend
from capsync.campaign.validation import Campaign, load_campaign
from capsync.jobs.generate import generate
from capsync.jobs.restitution_request import request_restitutions
from capsync.jobs.sync import state_path
from capsync.layout.messages_restitution import occasion_text
from capsync.store.database import Store
from capsync.store.sync_state import SyncState

from .example_campaign import copy_example
from .test_mail_fixes import notify_on

NA = "nouvelle-aquitaine"
TDU = "trait-d-union-17"
TDU_CONTACT = "direction@traitdunion17.example"
NOW = dt.datetime(2026, 3, 2, 9, 0)


def _campaign(tmp_path: Path) -> Campaign:
    campaign = load_campaign(copy_example(tmp_path))
    generate(campaign, LocalBackend(campaign.data_dir), workers=1, now=NOW)
    return campaign


def _ask(campaign: Campaign, structure: str, now: dt.datetime) -> None:
    with (
        Store.open(campaign.data_dir) as store,
        SyncState(state_path(campaign.data_dir)) as state,
    ):
        made, _ = request_restitutions(
            campaign, LocalBackend(campaign.data_dir), store, state, now=now, structure=structure
        )
    assert made


def _restitution_mails(mails: list[EmailMessage]) -> list[EmailMessage]:
    return [m for m in mails if str(m["X-Capsync-Key"]).strip().startswith("restitution-")]


def test_a_restitution_is_mailed_to_its_structure_once_with_its_files(tmp_path: Path) -> None:
    campaign = _campaign(tmp_path)
    _ask(campaign, TDU, NOW)
    folder = campaign.data_dir / NA / "structures" / TDU
    mails = _restitution_mails(notify_on(campaign, NOW.date()))
    assert [str(m["To"]) for m in mails] == [TDU_CONTACT]  # its contact, nobody else
    [mail] = mails
    assert str(mail["Subject"]) == "CAP RSE — la restitution de Trait d'Union 17 est prête"
    text = str(mail.get_body(("plain",)).get_content())
    assert "datée du 02/03/2026, est prête\u00a0: elle est jointe à ce message" in text
    attached = {a.get_filename(): a.get_content() for a in mail.iter_attachments()}
    assert attached == {
        "restitution-2026-03-02.pdf": (folder / "restitution-2026-03-02.pdf").read_bytes(),
        "restitution-2026-03-02.xlsx": (folder / "restitution-2026-03-02.xlsx").read_bytes(),
    }
    pdf = next(a for a in mail.iter_attachments() if a.get_filename().endswith(".pdf"))
    assert pdf.get_content_type() == "application/pdf"
    assert _restitution_mails(notify_on(campaign, NOW.date())) == []  # once


def test_an_old_restitution_is_not_mailed_by_a_capsync_installed_later(tmp_path: Path) -> None:
    campaign = _campaign(tmp_path)
    _ask(campaign, TDU, NOW)
    later = NOW.date() + dt.timedelta(days=31)
    assert _restitution_mails(notify_on(campaign, later)) == []


def test_the_occasion_is_said_as_french_says_it() -> None:
    assert occasion_text("chapitre-2") == " du chapitre 2"
    assert occasion_text("chapitres-2-3-4") == " des chapitres 2, 3 et 4"
    assert occasion_text("cloture") == " de clôture"
    assert occasion_text(None) == ""

"""The regroupement kit's e-mail, as a délégué·e receives it: each version of a kit says which
it is in its subject, a kit of a regroupement already held is not « à relire avant », and the
landscape PDF travels with the workbook when it is there (a real SMTP server receives them)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from capsync.backends.local import LocalBackend
from capsync.campaign.config import Collective, Mail
from capsync.campaign.vocabulary import DelegateRole
from capsync.jobs.regroupement_kits import request_kit
from capsync.layout.messages_team import KitNotice, kit_messages
from capsync.store.database import Store
from capsync.workbook.refs import Kind, WorkbookRef
from tests import layout_campaign as lc

from .french_output import plain
from .test_notify import by_subject, campaign_at, notify, prepared, smtp_mail, smtp_server

__all__ = ["prepared", "smtp_server"]  # the fixtures, shared with test_notify


ROLE = next(iter(DelegateRole)).value


def _notice(name: str, *, pdf: bool = True) -> KitNotice:
    ref = WorkbookRef("test-collectif", Kind.REGROUPEMENT, name)
    return KitNotice(ref, f"/data/{name}.xlsx", attach=True, pdf=pdf)


def _collective() -> Collective:
    coll = lc.collective().model_dump()
    coll["delegates"] = [{"name": "Léa", "email": "lea@coorace.example", "role": ROLE}]
    return Collective.model_validate(coll)


def _subjects(today: dt.date) -> dict[str, tuple[str, str]]:
    names = ["chapitre-1-2025-04-10", "chapitre-1-2025-04-10-anonyme",
             "chapitre-1-2025-04-10-2", "chapitre-1-2025-04-10-anonyme-2"]  # fmt: skip
    inputs = lc.inputs()
    found = kit_messages(
        _collective(), [_notice(n) for n in names], Mail(), inputs.settings, today=today
    )
    return {m.key.split("/")[2]: (m.subject, m.body) for m in found}


def test_each_version_of_a_kit_says_which_it_is() -> None:
    sent = _subjects(lc.TODAY)
    subjects = [plain(subject) for subject, _ in sent.values()]
    assert subjects == [
        "CAP RSE — kit du regroupement du chapitre 1 (10/04/2025)",
        "CAP RSE — kit du regroupement du chapitre 1 (10/04/2025), version anonyme",
        "CAP RSE — kit du regroupement du chapitre 1 (10/04/2025), version 2",
        "CAP RSE — kit du regroupement du chapitre 1 (10/04/2025), version anonyme 2",
    ]
    _, anonymous = sent["chapitre-1-2025-04-10-anonyme"]
    assert "ne nomme aucune structure : elle peut être projetée" in plain(anonymous)
    assert "À faire : le relire avant le regroupement." in plain(anonymous)


def test_a_kit_of_a_regroupement_already_held_is_not_to_read_before_it() -> None:
    _, body = _subjects(dt.date(2025, 4, 11))["chapitre-1-2025-04-10"]
    assert "relire avant" not in body
    assert "Le regroupement a eu lieu le 10/04/2025 : ce kit peut servir" in plain(body)
    _, same_day = _subjects(dt.date(2025, 4, 10))["chapitre-1-2025-04-10"]
    assert "À faire : le relire avant le regroupement." in plain(same_day)


def test_the_kit_travels_with_its_pdf_when_there_is_one() -> None:
    settings = lc.inputs().settings
    [both] = kit_messages(_collective(), [_notice("chapitre-1-2025-04-10")], Mail(), settings)
    assert [a.filename for a in both.attachments] == [
        "kit-chapitre-1-2025-04-10.xlsx",
        "kit-chapitre-1-2025-04-10.pdf",
    ]
    assert "le classeur et le PDF à projeter" in plain(both.body)
    [alone] = kit_messages(
        _collective(), [_notice("chapitre-1-2025-04-10", pdf=False)], Mail(), settings
    )
    assert [a.filename for a in alone.attachments] == ["kit-chapitre-1-2025-04-10.xlsx"]


def test_the_named_and_the_anonymous_kit_arrive_under_two_subjects(
    prepared: Path, tmp_path: Path, smtp_server
) -> None:
    inbox, port = smtp_server
    campaign = campaign_at(prepared, tmp_path, smtp_mail(port))
    backend = LocalBackend(campaign.data_dir)
    made = dt.datetime(2025, 5, 28, 9, 0)
    with Store.open(campaign.data_dir) as store:
        for anonymous in (False, True):
            request_kit(campaign, backend, store, collective="nouvelle-aquitaine", chapter="1",
                        now=made, anonymous=anonymous)  # fmt: skip
    notify(campaign)
    kits = by_subject(inbox.parsed(), "kit du regroupement")
    to = "laurent.bessiere@coorace-na.example"
    subjects = sorted(plain(str(m["Subject"])) for m in kits if str(m["To"]) == to)
    assert subjects == [
        "CAP RSE — kit du regroupement du chapitre 1 (11/06/2025)",
        "CAP RSE — kit du regroupement du chapitre 1 (11/06/2025), version anonyme",
    ]
    for mail in (m for m in kits if str(m["To"]) == to):  # both files, each with its own type
        parts = {p.get_filename(): p.get_content_type() for p in mail.iter_attachments()}
        assert sorted(parts.values()) == [
            "application/pdf",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ]
        pdf = next(p for p in mail.iter_attachments() if p.get_content_type() == "application/pdf")
        assert pdf.get_content().startswith(b"%PDF")

"""The mails as their readers get them, from the outbox of real runs on the example campaign:
an unreadable grid named by its file (never the server's path), each structure's own dates
in its invitations and reminders, no « rappel » once a chapter is late, French that agrees,
footers written for their reader, a ``Date`` that is the real time."""

from __future__ import annotations

import datetime as dt
import email
import os
import re
import shutil
import subprocess
import sys
from email import policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest

from capsync.backends.local import LocalBackend
from capsync.campaign.validation import Campaign, load_campaign
from capsync.jobs.generate import generate
from capsync.jobs.mail_transport import OutboxTransport
from capsync.jobs.notify import run_notify
from capsync.jobs.pull import pull
from capsync.store.database import STORE_FILE, Store
from capsync.store.sent_messages import MailLog
from capsync.workbook.refs import Kind, WorkbookRef

from .example_campaign import copy_example

NA, OCC = "nouvelle-aquitaine", "occitanie"
UNREADABLE = "ebe-territoire-zero-chomeur-landes"
HELP = "Votre délégation régionale COORACE répond à vos questions"


def _typed(backend: LocalBackend, structure: str, bad_cells: int, plan: bool) -> None:
    """``bad_cells`` unreadable levels in a grid, and a plan line « Présidence » due soon."""
    path = backend.path(WorkbookRef(NA, Kind.GRID, structure))
    book = openpyxl.load_workbook(path)
    for sheet in (ws for ws in book.worksheets if ws.title.startswith("Chapitre")):
        keys = [c.value for c in sheet[2]]
        for row in range(3, sheet.max_row + 1):
            if bad_cells and re.fullmatch(r"\d+\.\d+\.\d+", str(sheet.cell(row, 1).value)):
                sheet.cell(row, keys.index("retenu") + 1).value = "beaucoup"
                bad_cells -= 1
    if plan:
        sheet = book["Plan de progrès"]
        sheet["A4"], sheet["D4"], sheet["E4"] = "1.1.1", "Écrire la charte RSE", "Présidence"
        sheet["F4"], sheet["G4"] = dt.date(2025, 5, 20), "à faire"
    book.save(path)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example campaign's grids: one bad level (Trait d'Union 17, with a plan line),
    22 (Bâtir Ensemble Pau), one grid that is not a workbook; read once."""
    root = tmp_path_factory.mktemp("mails")
    campaign = load_campaign(copy_example(root))
    backend = LocalBackend(campaign.data_dir)
    generate(campaign, backend, workers=1, now=dt.datetime(2025, 3, 1, 9, 0))
    _typed(backend, "trait-d-union-17", 1, plan=True)
    _typed(backend, "batir-ensemble-pau", 22, plan=False)
    backend.path(WorkbookRef(NA, Kind.GRID, UNREADABLE)).write_bytes(b"%PDF-1.4 pas un classeur")
    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=dt.datetime(2025, 4, 1, 18, 0))
    return root


def copied(prepared: Path, tmp_path: Path, edit: dict[str, str] | None = None) -> Campaign:
    for name in ("config", "referentiel", "data"):
        shutil.copytree(prepared / name, tmp_path / name)
    config = tmp_path / "config" / "capsync.yaml"
    text = config.read_text(encoding="utf-8")
    for old, new in (edit or {}).items():
        assert old in text
        text = text.replace(old, new)
    config.write_text(text, encoding="utf-8")
    return load_campaign(config)


def notify_on(campaign: Campaign, day: dt.date) -> list[EmailMessage]:
    """A real run on ``day`` into the outbox; the mails it wrote, parsed."""
    outbox = campaign.data_dir / "outbox"
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    now = dt.datetime.combine(day, dt.time(9, 0))
    with (
        Store.open(campaign.data_dir) as store,
        MailLog(campaign.data_dir / STORE_FILE) as log,
    ):
        run_notify(
            campaign, LocalBackend(campaign.data_dir), store, log,
            OutboxTransport(campaign.data_dir), now=now, sleep=lambda s: None,
        )  # fmt: skip
    return [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(set(outbox.glob("*.eml")) - before)
    ]


def body(message: EmailMessage) -> str:
    return str(message.get_body(("plain",)).get_content()).replace("\r\n", "\n")


def to(messages: list[EmailMessage], address: str, kind: str) -> list[EmailMessage]:
    return [
        m
        for m in messages
        if str(m["To"]) == address and str(m["X-Capsync-Key"]).strip().startswith(kind)
    ]


def test_an_unreadable_grid_is_named_by_its_file_never_by_the_servers_path(prepared, tmp_path):
    campaign = copied(prepared, tmp_path)
    mails = notify_on(campaign, dt.date(2025, 4, 2))
    [fix] = to(mails, "coordination@ebe-landes.example", "a-corriger")
    text = body(fix)
    assert str(campaign.data_dir) not in text and "/grilles/" not in text
    assert (
        f"- fichier «\u00a0{UNREADABLE}.xlsx\u00a0»\u00a0: Le fichier {UNREADABLE}.xlsx n'est"
        in text
    )
    assert (
        f"À faire\u00a0: le fichier «\u00a0{UNREADABLE}.xlsx\u00a0» n'a pas pu être lu\u202f; "
        "renvoyez-le enregistré en .xlsx" in text
    )
    assert "cellule" not in text and "valeur" not in text
    assert "Nous avons trouvé 1 point à corriger dans la grille" in text


def test_to_fix_says_one_cell_or_sends_the_rest_to_the_structures_own_file(prepared, tmp_path):
    mails = notify_on(copied(prepared, tmp_path), dt.date(2025, 4, 2))
    [one] = to(mails, "direction@traitdunion17.example", "a-corriger")
    text = body(one)
    assert text.startswith("Bonjour,\n\nNous avons trouvé 1 point à corriger dans la grille de")
    assert "À faire\u00a0: corriger cette cellule dans la grille." in text
    assert "capsync a trouvé" not in text
    [many] = to(mails, "rh@batir-ensemble-pau.example", "a-corriger")
    text = body(many)
    assert "22 points à corriger" in text and text.count("\n- onglet") == 20
    assert "- et 2 autres\u00a0: voir le fichier «\u00a0a-corriger.xlsx\u00a0» (onglet «\u00a0À " \
           "corriger\u00a0»)" in text  # fmt: skip
    assert "«\u00a0Anomalies\u00a0»" not in text and "corriger ces cellules" in text


OWN_DATES = {
    "        contacts: [contact@menuiserie-albi.example]": (
        "        contacts: [contact@menuiserie-albi.example]\n"
        "        chapter_dates: {1: 2026-02-15, 2: 2026-05-20}"
    ),
    "        contacts: [jardins@lauragais.example]": (
        "        contacts: [jardins@lauragais.example]\n        joined: 2026-01-05"
    ),
    "{name: Marie Sabatier, role: direction}": (
        "{name: Marie Sabatier, email: marie@lauragais.example, role: direction}"
    ),
}


def test_invitations_give_each_structure_its_own_next_deadline(prepared, tmp_path):
    campaign = copied(prepared, tmp_path, OWN_DATES)
    generate(
        campaign, LocalBackend(campaign.data_dir), structure="jardins-du-lauragais",
        personal=True, workers=1, now=dt.datetime(2025, 10, 1, 9, 0),
    )  # fmt: skip
    mails = notify_on(campaign, dt.date(2025, 11, 1))
    [own] = to(mails, "contact@menuiserie-albi.example", "invitation-grille")
    assert (
        "Prochaine échéance\u00a0: chapitre 1 à compléter au plus tard le 01/02/2026 (date "
        "propre à votre structure\u00a0: le dimanche 15/02/2026)." in body(own)
    )
    [joined] = to(mails, "jardins@lauragais.example", "invitation-grille")
    [person] = to(mails, "marie@lauragais.example", "invitation-fichier-personnel")
    for text in (body(joined), body(person)):
        assert "27/11/2025" not in text  # chapter 1 was held before it joined
        assert "chapitre 2 à compléter au plus tard le 05/03/2026 (regroupement le jeudi " \
               "19/03/2026)" in text  # fmt: skip
    assert "Vous faites partie des répondant·e·s des Jardins du Lauragais" in body(person)
    [other] = to(mails, "agence@tremplin-interim.example", "invitation-grille")
    assert "chapitre 1 à compléter au plus tard le 27/11/2025" in body(other)


def test_an_own_date_is_reminded_and_late_without_a_regroupement_already_held(prepared, tmp_path):
    campaign = copied(prepared, tmp_path, OWN_DATES)
    [reminder] = to(
        notify_on(campaign, dt.date(2026, 1, 29)), "contact@menuiserie-albi.example", "rappel"
    )
    assert str(reminder["Subject"]) == "CAP RSE — rappel\u00a0: chapitre 1 à compléter dans 3 jours"
    text = body(reminder)
    assert "Le chapitre 1 (Projet associatif et gouvernance) de Menuiserie Solidaire d'Albi " \
           "est attendu pour le dimanche 15/02/2026." in text  # fmt: skip
    assert "le regroupement du collectif a eu lieu le jeudi 11/12/2025" in text
    assert "au plus tard le dimanche 01/02/2026 (dans 3 jours)." in text
    [late] = to(
        notify_on(campaign, dt.date(2026, 2, 2)), "contact@menuiserie-albi.example", "retard"
    )
    text = body(late)
    assert "À faire\u00a0: compléter le chapitre d'ici le dimanche 15/02/2026." in text
    assert "avant le regroupement" not in text


def test_reminders_come_before_the_deadline_and_never_once_the_chapter_is_late(prepared, tmp_path):
    campaign = copied(prepared, tmp_path)
    contact, days = "rh@batir-ensemble-pau.example", {}
    day = dt.date(2025, 5, 10)
    while day <= dt.date(2025, 6, 11):  # regroupement 11/06, grid deadline 28/05
        for message in notify_on(campaign, day):
            if str(message["To"]) == contact:
                days.setdefault(str(message["X-Capsync-Key"]).strip().split("/")[0], []).append(day)
        day += dt.timedelta(days=1)
    assert days["rappel"] == [dt.date(2025, 5, 14), dt.date(2025, 5, 25)]  # J−14, J−3
    assert days["retard"] == [dt.date(2025, 5, 29)]
    mails = copied_run(prepared, tmp_path / "again", dt.date(2025, 5, 14))
    [reminder] = to(mails, contact, "rappel")
    assert (
        str(reminder["Subject"]) == "CAP RSE — rappel\u00a0: chapitre 1 à compléter dans 14 jours"
    )
    text = body(reminder)
    assert "Le regroupement du chapitre 1 (Projet associatif et gouvernance) a lieu le " \
           "mercredi 11/06/2025" in text  # fmt: skip
    assert "au plus tard le mercredi 28/05/2025 (dans 14 jours), pour que vos résultats y " \
           "soient présentés." in text  # fmt: skip
    assert "(0 critère renseigné sur " in text and "0 critères" not in text
    assert "La grille de Bâtir Ensemble Pau est complétée à 0\u202f%" in text


def copied_run(prepared: Path, folder: Path, day: dt.date) -> list[EmailMessage]:
    folder.mkdir()
    return notify_on(copied(prepared, folder), day)


def test_each_reader_gets_french_that_agrees_and_a_footer_written_for_them(prepared, tmp_path):
    mails = copied_run(prepared, tmp_path / "run", dt.date(2025, 5, 14))
    structures = [m for m in mails if "d%C3%A9sinscription" in str(m["List-Unsubscribe"])]
    assert len(structures) > 20
    for message in structures:
        text = body(message)
        assert "opt_out" not in text and "opt-out" not in text and "capsync a trouvé" not in text
        assert "vous ne recevrez plus rien de notre part" in text and HELP in text
        subject = unquote(str(message["List-Unsubscribe"]).split("subject=")[1].rstrip(">"))
        assert subject == "désinscription CAP RSE"
    [plan] = to(mails, "direction@traitdunion17.example", "echeance-plan")
    assert "Dans le plan de progrès de Trait d'Union 17, l'action «\u00a0Écrire la charte " \
           "RSE\u00a0» (critère 1.1.1, responsable\u00a0: Présidence)" in body(plan)  # fmt: skip
    [digest] = to(mails, "xavier.delmas@coorace-na.example", "synthese-hebdomadaire")
    text = body(digest)
    assert "Actions dont l'échéance est dépassée\u00a0:\n- aucune" in text
    assert "- aucun\n" not in text.split("Nouvelles anomalies")[1].split("Critères")[0]
    assert HELP not in text and "«\u00a0mail.opt_out\u00a0»" in text
    assert "admin-capsync@coorace.example" in text


def test_the_date_header_is_the_real_time_on_a_server_that_runs_on_utc(prepared, tmp_path):
    campaign = copied(prepared, tmp_path)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("capsync")),
            "--config",
            str(campaign.config_path),
            "notify",
        ],
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "TZ": "UTC"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    after = dt.datetime.now(dt.UTC)
    dates = {
        email.message_from_bytes(p.read_bytes(), policy=policy.default)["Date"].datetime
        for p in (campaign.data_dir / "outbox").glob("*.eml")
    }
    assert dates and all(before <= d <= after for d in dates), (before, dates, after)


def test_a_mail_server_that_does_not_answer_is_said_in_french() -> None:
    """« [Errno 111] Connection refused » reached the status and the admins' mail as is."""
    import socket

    from capsync.campaign.config import Smtp
    from capsync.jobs.mail_transport import MailError, SmtpTransport

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = SmtpTransport(Smtp(host="127.0.0.1", port=port, security="none"))
    with pytest.raises(MailError) as refused:
        transport.send("m", b"Subject: x\r\n\r\nx", "a@example.org", "b@example.org")
    assert str(refused.value) == (
        f"Envoi impossible par le serveur 127.0.0.1:{port} (connexion refusée : serveur arrêté "
        "ou port fermé ; vérifiez mail.smtp) : nouvel essai au prochain cycle."
    )
    unknown = SmtpTransport(Smtp(host="smtp.invalid", port=25, security="none"))
    with pytest.raises(MailError) as unresolved:
        unknown.send("m", b"Subject: x\r\n\r\nx", "a@example.org", "b@example.org")
    assert "(nom de serveur introuvable ; vérifiez mail.smtp.host)" in str(unresolved.value)

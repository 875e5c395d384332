"""« Votre restitution est prête »: each restitution produced reaches its structure (pure).

A restitution is the document of an event (a review recorded, a regroupement
approaching, the close, a request), kept in the structure's own folder. On Google
that folder is shared with the structure, but Drive says nothing when a file
appears in a folder shared long ago; locally the file waits on the server. So each
restitution is announced to the structure's contacts, once: attached where files
travel (the PDF to read, the workbook for the detail), linked on Google.

Only restitutions of the last :data:`RECENT_DAYS` days are announced: a capsync
installed on a campaign already under way does not mail every restitution it finds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from capsync.campaign.config import Collective, Mail, Settings, Structure
from capsync.french import de
from capsync.layout.messages import (
    Attachment,
    Message,
    MessageKind,
    compose,
    contact_reason,
    footer,
    opted_out,
    reply_address,
)
from capsync.workbook.refs import WorkbookRef

RECENT_DAYS = 30
_NAME = re.compile(
    r"restitution-(?:(?P<what>.+?)-)?(?P<day>\d{4}-\d{2}-\d{2})(?:-\d+)?"
)  # « restitution-chapitre-2-2026-03-03 », « restitution-cloture-… », « restitution-…-2 »


@dataclass(frozen=True)
class RestitutionNotice:
    """A restitution kept in a structure's folder."""

    ref: WorkbookRef  # name « <structure>/restitution-… »
    where: str  # a path or a link
    attach: bool  # an .xlsx file that can travel with the message
    pdf: bool = False  # its PDF can travel with it too

    @property
    def structure(self) -> str:
        return self.ref.name.partition("/")[0]

    @property
    def stem(self) -> str:
        return self.ref.name.partition("/")[2]


def occasion_text(what: str | None) -> str:
    """« du chapitre 2 », « des chapitres 2 et 3 », « de clôture », "" (a request)."""
    if not what:
        return ""
    if what == "cloture":
        return " de clôture"
    word, _, chapters = what.partition("-")
    numbers = chapters.split("-") if chapters else []
    if word == "chapitre" and len(numbers) == 1:
        return f" du chapitre {numbers[0]}"
    if word == "chapitres" and len(numbers) > 1:
        return f" des chapitres {', '.join(numbers[:-1])} et {numbers[-1]}"
    return ""


def _paragraphs(
    notice: RestitutionNotice, structure: Structure, day: dt.date, what: str
) -> list[str]:
    if not notice.attach:
        where = f"elle est dans le dossier partagé de votre structure : {notice.where}"
    elif notice.pdf:
        where = "elle est jointe à ce message, le PDF à lire et le classeur pour le détail"
    else:
        where = "elle est jointe à ce message"
    return [
        f"La restitution{what} {de(structure.name)}, datée du {day:%d/%m/%Y}, est prête : {where}.",
        "Elle donne l'état de votre structure en une phrase, vos points forts et vos "
        "priorités, le chemin vers le label et, quand il y en a une, la comparaison avec "
        "votre restitution précédente.",
        "À faire : la lire avec les personnes qui ont répondu, et en parler avec votre tiers "
        "et votre pair ; les lignes proposées du plan de progrès sont à reprendre dans votre "
        "grille.",
    ]


def restitution_messages(
    collective: Collective,
    notices: Iterable[RestitutionNotice],
    mail: Mail,
    settings: Settings,
    approach: str = "CAP RSE",
    today: dt.date | None = None,
) -> list[Message]:
    """One message per restitution of the last :data:`RECENT_DAYS` days and contact of its
    structure, never to anyone else; each is keyed by the restitution, so sent once."""
    out = opted_out(mail)
    structures = {s.id: s for s in collective.structures}
    found = []
    for notice in notices:
        named = _NAME.fullmatch(notice.stem)
        structure = structures.get(notice.structure)
        if notice.ref.collective != collective.id or named is None or structure is None:
            continue
        day = dt.date.fromisoformat(named.group("day"))
        if today is not None and not 0 <= (today - day).days <= RECENT_DAYS:
            continue
        what = occasion_text(named.group("what"))
        subject = f"{approach} — la restitution{what} {de(structure.name)} est prête"
        paragraphs = _paragraphs(notice, structure, day, what)
        attachments = (Attachment(notice.ref, f"{notice.stem}.xlsx"),) if notice.attach else ()
        if notice.attach and notice.pdf:
            attachments = (Attachment(notice.ref, f"{notice.stem}.pdf"), *attachments)
        for contact in (str(c) for c in structure.contacts if str(c).lower() not in out):
            key = f"{MessageKind.RESTITUTION}/{collective.id}/{notice.ref.name}/{contact.lower()}"
            found.append(
                compose(
                    MessageKind.RESTITUTION,
                    key,
                    contact,
                    subject,
                    paragraphs,
                    footer(contact_reason(structure, collective), collective, settings),
                    collective=collective.id,
                    structure=structure.id,
                    reply_to=reply_address(collective),
                    approach=approach,
                    attachments=attachments,
                )
            )
    return found

"""The invitation of each respondent to their own file, where personal files are used (pure).

A structure that works with one file per respondent (``capsync generate
--individuel``) needs each person to receive *their* file: a respondent with an
e-mail in the configuration whose file exists is invited once, to that address
only. The job looks the file up from the same respondent it gives the address
of (:class:`~capsync.layout.messages.CollectiveFacts` ``personal_files``), so a
message can never carry another person's file; an opt-out stops it like the
others. Locally the file travels with the message; where a backend keeps
personal files online, the message gives its link.
"""

from __future__ import annotations

import datetime as dt

from capsync.campaign.config import Collective, Mail, Respondent, Settings, Structure
from capsync.french import de
from capsync.layout.messages import (
    Attachment,
    CollectiveFacts,
    Message,
    MessageKind,
    PersonalFile,
    compose,
    deadlines,
    footer,
    opted_out,
    reply_address,
)


def personal_invitations(
    facts: CollectiveFacts, mail: Mail, settings: Settings, today: dt.date
) -> list[Message]:
    """One invitation per respondent with an e-mail whose personal file exists."""
    out = opted_out(mail)
    found: list[Message] = []
    for structure in facts.collective.structures:
        for person in structure.respondents:
            if person.email is None or str(person.email).lower() in out:
                continue
            file = facts.personal_files.get((structure.id, str(person.email).lower()))
            if file is not None:
                found.append(_invitation(facts, structure, person, file, settings, today))
    return found


def _invitation(
    facts: CollectiveFacts,
    structure: Structure,
    person: Respondent,
    file: PersonalFile,
    settings: Settings,
    today: dt.date,
) -> Message:
    collective: Collective = facts.collective
    to = str(person.email)
    filename = f"{file.ref.name.rsplit('/', 1)[-1]}.xlsx"
    if facts.grids_attached:
        where = (
            f"Il est joint à ce message (fichier {filename}) : ouvrez-le avec Excel ou "
            "LibreOffice, remplissez-le, puis renvoyez-le en réponse à ce message."
        )
        attachments: tuple[Attachment, ...] = (Attachment(file.ref, filename),)
    else:
        where = f"Il est en ligne, à cette adresse : {file.place}"
        attachments = ()
    paragraphs = [
        f"Vous faites partie des répondant·e·s {de(structure.name)} pour "
        f"l'auto-évaluation {facts.approach} du {collective.name}. Votre fichier personnel est "
        f"prêt. {where}",
        "À faire : pour chaque critère, choisir « Mon niveau » sur l'échelle de maturité "
        "décrite à droite, et ajouter un commentaire si vous le souhaitez. Ce fichier ne "
        "contient que vos réponses.",
    ]
    first = next(iter(deadlines(collective, settings, today, structure)), None)
    if first is not None:  # the structure's own dates, as its contacts are told
        paragraphs.append(f"À renvoyer avant l'échéance : {first}.")
    reason = (
        f"votre adresse est celle d'un·e répondant·e de « {structure.name} » dans le "
        f"{collective.name}"
    )
    key = (
        f"{MessageKind.PERSONAL_INVITATION}/{collective.id}/{structure.id}/"
        f"{file.ref.name}/{to.lower()}"
    )
    return compose(
        MessageKind.PERSONAL_INVITATION,
        key,
        to,
        f"{facts.approach} — votre fichier personnel d'auto-évaluation ({structure.name})",
        paragraphs,
        footer(reason, collective, settings),
        attachments=attachments,
        collective=collective.id,
        structure=structure.id,
        reply_to=reply_address(collective),
        approach=facts.approach,
    )

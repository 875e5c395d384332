"""Who is told what, and when: the campaign's e-mails as plain data (pure).

Every message is addressed to ONE person, so that its footer can say why that
person receives it and an opt-out removes only them; a structure's messages
carry only that structure's data. Each message has a ``key`` that names the
occasion (kind, collectif, structure, chapter, date, person): the job sends a
key once and records it, so recomposing the same day's messages after a
restart sends nothing new. Keys hold the dates that make an occasion (the
regroupement's date, the week of a digest), so a moved regroupement is a new
occasion and is reminded again.

When each message is due (``today`` is passed in):

- grid invitation: once per contact, as soon as the structure's grid exists;
- reminder: a chapter not complete, ``N`` days or fewer before its *grid deadline*
  (« au plus tard le … »: the last day it is not « en retard », ``late_days`` before
  the regroupement), for the smallest ``N`` of ``mail.reminder_days`` still ahead (a
  daemon stopped on J−14 reminds on J−12, not twice). Counted from the regroupement,
  J−14 fell on the deadline day and J−3 after « en retard »: counted from the deadline,
  no « rappel » is ever sent once the chapter is late;
- « en retard »: the first day the dashboard calls the chapter « en retard »
  (the regroupement is fewer than ``settings.late_days`` days away), or the
  next six days if no cycle ran that day;
- both against the structure's own date for the chapter (``chapter_dates``)
  when it has one, and never for a chapter held before it ``joined`` (« à
  rattraper »): the dates of the dashboard's « Avancement »;
- « À corriger »: anomalies found since the last such message, at most one a day.

The messages of plan lines and délégué·e·s are in :mod:`capsync.layout.messages_team`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from capsync.campaign.config import Collective, Mail, Phase, Settings, Structure
from capsync.campaign.vocabulary import DelegateRole, PhaseKind
from capsync.french import counted, de, percent
from capsync.layout.calendar import days_left_text, grid_deadline, held_before_joining
from capsync.layout.dashboard_progress import (
    CATCH_UP,
    DONE,
    LATE,
    cell_status,
    structure_dates,
)
from capsync.layout.tables import as_datetime, frame_rows, integer, number
from capsync.layout.to_fix import to_fix_paragraphs
from capsync.workbook.refs import Kind, WorkbookRef

PARIS = ZoneInfo("Europe/Paris")
LATE_WINDOW_DAYS = 7
"""How many days the « en retard » message stays due after the chapter turned late."""

_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


class MessageKind(StrEnum):
    """The closed set of messages capsync sends (the first part of every key)."""

    GRID_INVITATION = "invitation-grille"
    PERSONAL_INVITATION = "invitation-fichier-personnel"
    REMINDER = "rappel"
    LATE = "retard"
    TO_FIX = "a-corriger"
    PLAN_DUE = "echeance-plan"
    KIT = "kit-regroupement"
    RESTITUTION = "restitution-disponible"
    DIGEST = "synthese-hebdomadaire"
    CYCLE_FAILED = "cycle-en-echec"


@dataclass(frozen=True)
class Attachment:
    """A workbook sent with a message (its .xlsx, read by the job)."""

    ref: WorkbookRef
    filename: str


@dataclass(frozen=True)
class PersonalFile:
    """One respondent's own file (``capsync generate --individuel``) and where it is."""

    ref: WorkbookRef
    place: str  # a link or a path


@dataclass(frozen=True)
class Message:
    key: str
    kind: MessageKind
    to: str
    subject: str
    body: str  # the whole French text, footer included
    collective: str = ""
    structure: str = ""  # "" for délégué·e·s and admins
    reply_to: str | None = None
    attachments: tuple[Attachment, ...] = ()
    approach: str = "CAP RSE"  # the démarche, for the unsubscribe request's subject


@dataclass(frozen=True)
class CollectiveFacts:
    """What one collectif's messages are composed from; the job reads it, nothing here does."""

    collective: Collective
    chapters: Mapping[str, str]  # chapter ID → « 1 — Projet associatif et gouvernance »
    completion: pd.DataFrame  # scores.chapters: structure, chapter, answered, applicable, …
    anomalies: pd.DataFrame  # store.current_anomalies
    actions: pd.DataFrame  # store.current_actions
    grid_places: Mapping[str, str]  # structure → where its grid is (a link or a path)
    grids_attached: bool  # .xlsx files: the grid travels with its invitation
    last_to_fix: Mapping[str, dt.datetime] = field(default_factory=dict)  # structure → sent at
    criteria: pd.DataFrame | None = None  # scores.criteria (divergences for the digest)
    # (structure, respondent's e-mail in lower case) → that respondent's own file, if it exists
    personal_files: Mapping[tuple[str, str], PersonalFile] = field(default_factory=dict)
    approach: str = "CAP RSE"  # the démarche of the collectif's référentiel (« CAP ISO 9001 »)


def french(text: str) -> str:
    """French typography: no-break space before « : » and inside « », narrow one before ; ! ?"""
    text = text.replace(" :", "\u00a0:").replace("« ", "«\u00a0").replace(" »", "\u00a0»")
    for mark in ";!?":
        text = text.replace(f" {mark}", f"\u202f{mark}")
    return text


def day_text(day: dt.date) -> str:
    """« jeudi 25/09/2025 »."""
    return f"{_WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}"


def short_hash(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:12]


def opted_out(mail: Mail) -> set[str]:
    return {address.lower() for address in mail.opt_out}


def reply_address(collective: Collective) -> str | None:
    """Replies go to the collectif's animateur·rice (else its first délégué·e)."""
    leads = [d for d in collective.delegates if d.role == DelegateRole.ANIMATEUR]
    chosen = (leads or list(collective.delegates))[:1]
    return str(chosen[0].email) if chosen else None


def footer(
    reason: str, collective: Collective | None, settings: Settings, stop: str | None = None
) -> str:
    """Why this person receives the message, and how to stop it.

    A structure's contact or respondent (``stop`` None) asks by replying, and reads
    ``settings.help_contact`` (« Votre délégation régionale … »), written for them; the
    délégué·e·s and admins, who *are* that help, are told their own way (``stop``).
    """
    lines = ["-- ", f"Vous recevez ce message parce que {reason}."]
    if stop is not None:
        return "\n".join([*lines, f"Pour ne plus recevoir ces messages, {stop}."])
    who = reply_address(collective) if collective else None
    ask = "répondez à ce message en le demandant" if who else "écrivez-le à votre délégué·e"
    lines.append(
        f"Pour ne plus recevoir ces messages, {ask} : vous ne recevrez plus rien de notre part."
    )
    if settings.help_contact:
        lines.append(settings.help_contact)
    return "\n".join(lines)


def compose(
    kind: MessageKind,
    key: str,
    to: str,
    subject: str,
    paragraphs: Iterable[str],
    tail: str,
    **extra: Any,
) -> Message:
    body = "Bonjour,\n\n" + "\n\n".join(paragraphs) + "\n\n" + tail + "\n"
    return Message(key=key, kind=kind, to=to, subject=french(subject), body=french(body), **extra)


def contact_reason(structure: Structure, collective: Collective) -> str:
    return f"votre adresse est celle d'un contact de « {structure.name} » dans le {collective.name}"


def _contacts(structure: Structure, mail: Mail) -> list[str]:
    out = opted_out(mail)
    return [str(c) for c in structure.contacts if str(c).lower() not in out]


def _completion(facts: CollectiveFacts) -> dict[tuple[str, str], dict[str, Any]]:
    return {(str(r["structure"]), str(r["chapter"])): r for r in frame_rows(facts.completion)}


def completion_text(row: Mapping[str, Any] | None) -> str:
    """« complétée à 45 % (9 critères renseignés sur 20) », « (1 critère renseigné sur 9) »."""
    row = row or {}
    answered, applicable = integer(row.get("answered")) or 0, integer(row.get("applicable")) or 0
    share = number(row.get("completion")) or 0.0
    done = counted(answered, "critère renseigné", "critères renseignés")
    return f"complétée à {percent(share)} ({done} sur {applicable})"


def _regroupements(collective: Collective) -> list[Phase]:
    return [p for p in collective.phases() if p.kind == PhaseKind.REGROUPEMENT and p.chapter]


def where_text(phase: Phase) -> str:
    """« à 12 rue …, Toulouse » / « en visio : https://… » / "" when the calendar says nothing."""
    parts = []
    if phase.address or phase.place:
        parts.append(f"à {phase.address or phase.place}")
    if phase.visio_link:
        parts.append(f"en visio : {phase.visio_link}")
    return " ; ".join(parts)


@dataclass(frozen=True)
class _Context:
    facts: CollectiveFacts
    mail: Mail
    settings: Settings
    today: dt.date

    @property
    def collective(self) -> Collective:
        return self.facts.collective

    def extra(self, structure: Structure) -> dict[str, Any]:
        return {
            "collective": self.collective.id,
            "structure": structure.id,
            "reply_to": reply_address(self.collective),
            "approach": self.facts.approach,
        }


def structure_messages(
    facts: CollectiveFacts, mail: Mail, settings: Settings, today: dt.date
) -> list[Message]:
    """Invitations, reminders, « en retard » and « À corriger » for every structure."""
    ctx = _Context(facts, mail, settings, today)
    found: list[Message] = []
    for structure in facts.collective.structures:
        for contact in _contacts(structure, mail):
            found += _invitation(ctx, structure, contact)
            found += _chapter_messages(ctx, structure, contact)
            found += _to_fix(ctx, structure, contact)
    return found


def _invitation(ctx: _Context, structure: Structure, contact: str) -> list[Message]:
    place = ctx.facts.grid_places.get(structure.id)
    if place is None:  # no grid yet: invited once it is generated
        return []
    collective = ctx.collective
    ref = WorkbookRef(collective.id, Kind.GRID, structure.id)
    if ctx.facts.grids_attached:
        where = (
            f"Elle est jointe à ce message (fichier {structure.id}.xlsx) : ouvrez-la avec Excel "
            "ou LibreOffice, puis renvoyez-la remplie en réponse à ce message."
        )
        attachments: tuple[Attachment, ...] = (Attachment(ref, f"{structure.id}.xlsx"),)
    else:
        where = f"Elle est en ligne, à cette adresse : {place}"
        attachments = ()
    first = next(iter(deadlines(collective, ctx.settings, ctx.today, structure)), None)
    paragraphs = [
        f"« {structure.name} » participe au {collective.name}. Sa grille "
        f"d'auto-évaluation {ctx.facts.approach} est prête. {where}",
        "À faire : chaque répondant·e note chaque critère sur l'échelle de maturité, puis "
        "vous retenez ensemble un niveau par critère, avec vos preuves et votre plan de progrès.",
    ]
    if first is not None:
        paragraphs.append(f"Prochaine échéance : {first}.")
    key = f"{MessageKind.GRID_INVITATION}/{collective.id}/{structure.id}/{contact.lower()}"
    return [
        compose(
            MessageKind.GRID_INVITATION,
            key,
            contact,
            f"{ctx.facts.approach} — votre grille d'auto-évaluation ({structure.name})",
            paragraphs,
            footer(contact_reason(structure, collective), collective, ctx.settings),
            attachments=attachments,
            **ctx.extra(structure),
        )
    ]


def deadlines(
    collective: Collective, settings: Settings, today: dt.date, structure: Structure | None = None
) -> list[str]:
    """« chapitre 1 à compléter au plus tard le 28/05/2025 (regroupement le mercredi
    11/06/2025) », soonest first. With ``structure``, against *its* dates, as
    « Avancement » and its reminders: its own date (``chapter_dates``), and nothing for
    a chapter held before it ``joined`` (« à rattraper »)."""
    own = structure_dates(collective, structure) if structure else {}
    joined = structure.joined if structure else None
    found = []
    for phase in _regroupements(collective):
        assert phase.chapter is not None
        due = own.get(phase.chapter, phase.date)
        last = grid_deadline(due, settings.late_days)
        if last < today or held_before_joining(due, joined):
            continue
        why = (
            f"regroupement le {day_text(phase.date)}"
            if due == phase.date
            else f"date propre à votre structure : le {day_text(due)}"
        )
        found.append(
            (last, f"chapitre {phase.chapter} à compléter au plus tard le {last:%d/%m/%Y} ({why})")
        )
    return [text for _, text in sorted(found, key=lambda pair: pair[0])]


def reminder_threshold(days_left: int, reminder_days: Iterable[int]) -> int | None:
    """The reminder due ``days_left`` days before the grid deadline: the smallest N ≥
    days_left; none after the deadline (the chapter is then « en retard »)."""
    ahead = [n for n in reminder_days if days_left <= n]
    return min(ahead) if ahead and days_left >= 0 else None


def _chapter_messages(ctx: _Context, structure: Structure, contact: str) -> list[Message]:
    """Reminders and « en retard » against the structure's own dates (« Avancement »'s):
    its ``chapter_dates`` when it has them, nothing for a chapter to catch up (``joined``)."""
    found: list[Message] = []
    completion = _completion(ctx.facts)
    own = structure_dates(ctx.collective, structure)
    for phase in _regroupements(ctx.collective):
        assert phase.chapter is not None
        row = completion.get((structure.id, phase.chapter))
        due = own.get(phase.chapter, phase.date)
        if row is None or integer(row.get("applicable")) == 0:
            continue
        status = cell_status(row, due, structure.joined, ctx.settings.late_days, ctx.today)
        if status in (DONE, CATCH_UP):
            continue
        last = grid_deadline(due, ctx.settings.late_days)
        threshold = reminder_threshold((last - ctx.today).days, ctx.mail.reminder_days)
        if threshold is not None:
            found.append(_reminder(ctx, structure, contact, phase, row, threshold, due))
        first_late = due - dt.timedelta(days=ctx.settings.late_days - 1)
        if status == LATE and 0 <= (ctx.today - first_late).days < LATE_WINDOW_DAYS:
            found.append(_late(ctx, structure, contact, phase, row, due))
    return found


def _own_date_text(phase: Phase, due: dt.date, today: dt.date) -> str:
    """« », or the sentence that says the structure's date is its own, not the regroupement's
    (in the past tense once the regroupement is held)."""
    if due == phase.date:
        return ""
    held = "a eu lieu" if phase.date < today else "a lieu"
    return (
        f" Cette date est propre à votre structure ; le regroupement du collectif {held} "
        f"le {day_text(phase.date)}."
    )


def _chapter_name(ctx: _Context, chapter: str) -> str:
    """« chapitre 2 (Parcours et accompagnement) »: the title apart, so that it does not
    run into the structure's name that may follow."""
    label = ctx.facts.chapters.get(chapter, chapter)
    number, _, title = label.partition(" — ")
    return f"chapitre {chapter} ({title})" if title and number == chapter else f"chapitre {label}"


def _reminder(
    ctx: _Context,
    structure: Structure,
    contact: str,
    phase: Phase,
    row: Mapping[str, Any],
    threshold: int,
    due: dt.date,
) -> Message:
    """J−N before the grid deadline: what is due when, how complete, what to do."""
    assert phase.chapter is not None
    last = grid_deadline(due, ctx.settings.late_days)
    days = days_left_text((last - ctx.today).days)
    where = where_text(phase)
    if due == phase.date:
        first = (
            f"Le regroupement du {_chapter_name(ctx, phase.chapter)} a lieu le "
            f"{day_text(phase.date)}{' ' + where if where else ''}."
        )
        why = ", pour que vos résultats y soient présentés"
    else:
        first = (
            f"Le {_chapter_name(ctx, phase.chapter)} {de(structure.name)} est attendu pour le "
            f"{day_text(due)}.{_own_date_text(phase, due, ctx.today)}"
        )
        why = ""
    paragraphs = [
        first,
        f"La grille {de(structure.name)} est {completion_text(row)} pour ce chapitre.",
        "À faire : renseigner les critères qui manquent et retenir un niveau pour chacun, "
        f"au plus tard le {day_text(last)} ({days}){why}.",
    ]
    collective = ctx.collective
    key = (
        f"{MessageKind.REMINDER}/{collective.id}/{structure.id}/{phase.chapter}/"
        f"{due.isoformat()}/J-{threshold}/{contact.lower()}"
    )
    return compose(
        MessageKind.REMINDER,
        key,
        contact,
        f"{ctx.facts.approach} — rappel : chapitre {phase.chapter} à compléter {days}",
        paragraphs,
        footer(contact_reason(structure, collective), collective, ctx.settings),
        **ctx.extra(structure),
    )


def _late(
    ctx: _Context,
    structure: Structure,
    contact: str,
    phase: Phase,
    row: Mapping[str, Any],
    due: dt.date,
) -> Message:
    assert phase.chapter is not None
    collective = ctx.collective
    last = grid_deadline(due, ctx.settings.late_days)
    if due == phase.date:
        when = (
            f"il fallait la compléter au plus tard le {last:%d/%m/%Y} ; le regroupement "
            f"a lieu le {day_text(phase.date)}."
        )
        todo = "avant le regroupement, pour que vos résultats y soient présentés"
    else:
        when = f"il est attendu pour le {day_text(due)}.{_own_date_text(phase, due, ctx.today)}"
        todo = f"d'ici le {day_text(due)}"
    todo = f"compléter le chapitre {todo if due >= ctx.today else 'dès que possible'}"
    paragraphs = [
        f"Le {_chapter_name(ctx, phase.chapter)} {de(structure.name)} est maintenant « en "
        f"retard » : sa grille est {completion_text(row)} et {when}",
        f"À faire : {todo}. Votre délégué·e peut vous aider : répondez simplement à ce message.",
    ]
    key = (
        f"{MessageKind.LATE}/{collective.id}/{structure.id}/{phase.chapter}/"
        f"{due.isoformat()}/{contact.lower()}"
    )
    return compose(
        MessageKind.LATE,
        key,
        contact,
        f"{ctx.facts.approach} — chapitre {phase.chapter} en retard ({structure.name})",
        paragraphs,
        footer(contact_reason(structure, collective), collective, ctx.settings),
        **ctx.extra(structure),
    )


def _to_fix(ctx: _Context, structure: Structure, contact: str) -> list[Message]:
    """The anomalies found since the last « À corriger » (at most one a day), as the
    structure's contacts may read them (:func:`~capsync.layout.to_fix.to_fix_paragraphs`)."""
    last = ctx.facts.last_to_fix.get(structure.id)
    if last is not None and last.tzinfo is not None:  # the store's times are naive, local
        last = last.astimezone().replace(tzinfo=None)
    if last is not None and last.date() >= ctx.today:
        return []  # at most once a day
    rows = [r for r in frame_rows(ctx.facts.anomalies) if str(r.get("structure")) == structure.id]
    new = [r for r in rows if last is None or (as_datetime(r.get("found_at")) or last) > last]
    if not new:
        return []
    collective = ctx.collective
    place = "" if ctx.facts.grids_attached else ctx.facts.grid_places.get(structure.id, "")
    key = f"{MessageKind.TO_FIX}/{collective.id}/{structure.id}/{ctx.today}/{contact.lower()}"
    return [
        compose(
            MessageKind.TO_FIX,
            key,
            contact,
            f"{ctx.facts.approach} — à corriger dans la grille {de(structure.name)}",
            to_fix_paragraphs(collective, structure, new, place),
            footer(contact_reason(structure, collective), collective, ctx.settings),
            **ctx.extra(structure),
        )
    ]

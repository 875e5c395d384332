"""Messages about plans and to the team: plan-line échéances, délégué·e·s' digest and kits,
the admins' failed cycle (pure).

- plan line: when its échéance is ``mail.plan_days`` days away or fewer (« proche »),
  then once more when it is past (« dépassée »), unless it is « fait » or « abandonné ».
  It goes to the e-mail written in the « Responsable » cell only when that address is
  one of the structure's own in the configuration (a typed address never makes capsync
  write to a stranger); otherwise to the structure's contacts, naming the responsable;
- digest: once a week, from ``mail.digest_weekday`` on, to each délégué·e of the collectif;
- kit: once per regroupement kit produced, to each délégué·e, its subject saying which
  version it is (« version anonyme », « version 2 »);
- failed cycle: once a day per cause, to ``mail.admins``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from capsync.campaign.config import Collective, Delegate, Mail, Settings, Structure
from capsync.campaign.vocabulary import PhaseKind
from capsync.french import de, percent
from capsync.layout.dashboard_progress import LATE, cell_status, structure_dates
from capsync.layout.dashboard_sheets import CLOSED_STATUSES
from capsync.layout.messages import (
    PARIS,
    Attachment,
    CollectiveFacts,
    Message,
    MessageKind,
    compose,
    contact_reason,
    day_text,
    footer,
    opted_out,
    reply_address,
    short_hash,
)
from capsync.layout.tables import as_date, as_datetime, frame_rows, number, person_text
from capsync.workbook.refs import WorkbookRef

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class KitNotice:
    """A regroupement kit kept for the délégué·e·s (« chapitre-2-2026-03-03 »)."""

    ref: WorkbookRef
    where: str  # a path or a link
    attach: bool  # an .xlsx file that can travel with the message
    pdf: bool = False  # its landscape PDF, to project, can travel with it too

    @property
    def title(self) -> str:
        """« du chapitre 2 (03/03/2026) », from the kit's name."""
        found = KIT_NAME.fullmatch(self.ref.name)
        if found is None:
            return f"« {self.ref.name} »"
        return f"du chapitre {found.group('chapter')} ({self.meeting:%d/%m/%Y})"

    @property
    def meeting(self) -> dt.date | None:
        """The regroupement's day, from the kit's name."""
        found = KIT_NAME.fullmatch(self.ref.name)
        return dt.date.fromisoformat(found.group("date")) if found else None

    @property
    def variant(self) -> str:
        """What tells this kit from the others of its regroupement: « version anonyme »,
        « version 2 », « version anonyme 2 »; "" for the first named one."""
        found = KIT_NAME.fullmatch(self.ref.name)
        if found is None or not (found.group("anonymous") or found.group("number")):
            return ""
        words = ["version", *(["anonyme"] if found.group("anonymous") else [])]
        return " ".join([*words, *([found.group("number")] if found.group("number") else [])])


KIT_NAME = re.compile(
    r"chapitre-(?P<chapter>[^/]+?)-(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?P<anonymous>-anonyme)?(?:-(?P<number>\d+))?"
)


def _delegates(collective: Collective, mail: Mail) -> list[Delegate]:
    out = opted_out(mail)
    return [d for d in collective.delegates if str(d.email).lower() not in out]


def _delegate_reason(collective: Collective) -> str:
    return f"vous êtes délégué·e du {collective.name} dans la configuration de capsync"


def delegate_stop(mail: Mail) -> str:
    """How a délégué·e stops these messages: they are the structures' help, so their
    footer sends them to the admins, not to themselves."""
    admins = ", ".join(str(a) for a in mail.admins)
    who = f"l'administrateur·rice de capsync ({admins})" if admins else "l'administrateur·rice"
    return f"écrivez à {who}, qui ajoutera votre adresse à « mail.opt_out »"


ADMIN_STOP = "retirez votre adresse de la liste « mail.admins » de la configuration"


def _structure_addresses(structure: Structure) -> set[str]:
    return {str(c).lower() for c in structure.contacts}


def plan_recipients(structure: Structure, responsable: str, mail: Mail) -> list[str]:
    """The responsable's own address when it is one of the structure's, else its contacts."""
    own = _structure_addresses(structure)
    out = opted_out(mail)
    typed = [a for a in EMAIL.findall(responsable) if a.lower() in own]
    chosen = typed or [str(c) for c in structure.contacts]
    return [a for a in dict.fromkeys(chosen) if a.lower() not in out]


def plan_messages(
    facts: CollectiveFacts, mail: Mail, settings: Settings, today: dt.date
) -> list[Message]:
    """One message per open plan line whose échéance is near or past, per recipient."""
    collective = facts.collective
    closed = {s.casefold() for s in CLOSED_STATUSES}
    found: list[Message] = []
    for row in frame_rows(facts.actions):
        structure = next((s for s in collective.structures if s.id == row.get("structure")), None)
        deadline = as_date(row.get("echeance"))
        if structure is None or deadline is None:
            continue
        if person_text(row.get("statut")).strip().casefold() in closed:
            continue
        days = (deadline - today).days
        stage = "depassee" if days < 0 else "proche" if days <= mail.plan_days else None
        if stage is None:
            continue
        responsable = person_text(row.get("responsable"))
        for to in plan_recipients(structure, responsable, mail):
            found.append(_plan_message(facts, settings, structure, row, stage, to, today))
    return found


def _plan_message(
    facts: CollectiveFacts,
    settings: Settings,
    structure: Structure,
    row: Mapping[str, object],
    stage: str,
    to: str,
    today: dt.date,
) -> Message:
    collective = facts.collective
    deadline = as_date(row.get("echeance"))
    assert deadline is not None
    action = person_text(row.get("action")) or "(action sans intitulé)"
    criterion = person_text(row.get("criterion"))
    when = (
        f"était prévue pour le {deadline:%d/%m/%Y}"
        if stage == "depassee"
        else f"est prévue pour le {day_text(deadline)}"
    )
    responsable = person_text(row.get("responsable"))
    about = [f"critère {criterion}"] if criterion else []
    about += [f"responsable : {responsable}"] if responsable else []  # a role, or a name
    paragraphs = [
        f"Dans le plan de progrès {de(structure.name)}, l'action « {action} »"
        + (f" ({', '.join(about)})" if about else "")
        + f" {when}. Son statut : « {person_text(row.get('statut')) or 'non renseigné'} ».",
        "À faire : mettre à jour son statut (« fait », « en cours », « abandonné ») ou son "
        "échéance dans l'onglet « Plan de progrès » de la grille.",
    ]
    line = short_hash(criterion, action, deadline, row.get("row"))
    key = f"{MessageKind.PLAN_DUE}/{collective.id}/{structure.id}/{line}/{stage}/{to.lower()}"
    subject = "échéance dépassée" if stage == "depassee" else "échéance proche"
    return compose(
        MessageKind.PLAN_DUE,
        key,
        to,
        f"{facts.approach} — plan de progrès : {subject} ({structure.name})",
        paragraphs,
        footer(contact_reason(structure, collective), collective, settings),
        collective=collective.id,
        structure=structure.id,
        reply_to=reply_address(collective),
        approach=facts.approach,
    )


def digest_week(today: dt.date) -> str:
    year, week, _ = today.isocalendar()
    return f"{year}-S{week:02d}"


def digest_lines(facts: CollectiveFacts, settings: Settings, today: dt.date) -> list[str]:
    """The digest's sections: late chapters, new anomalies, divergences, overdue plan lines."""
    collective = facts.collective
    names = {s.id: s.name for s in collective.structures}
    meetings = {p.chapter: p.date for p in collective.phases() if p.kind == PhaseKind.REGROUPEMENT}
    own = {s.id: (structure_dates(collective, s), s.joined) for s in collective.structures}
    late = []
    for r in frame_rows(facts.completion):
        if str(r["structure"]) not in own:
            continue
        dates, joined = own[str(r["structure"])]
        due = dates.get(str(r["chapter"]))
        if cell_status(r, due, joined, settings.late_days, today) == LATE and due is not None:
            share = number(r.get("completion"))
            what = "regroupement" if due == meetings.get(str(r["chapter"])) else "date propre"
            late.append(
                f"- {names[str(r['structure'])]}, chapitre {r['chapter']} : "
                f"{percent(share or 0)} ({what} le {due:%d/%m/%Y})"
            )
    week_ago = dt.datetime.combine(today - dt.timedelta(days=7), dt.time())
    anomalies = Counter(
        str(r["structure"])
        for r in frame_rows(facts.anomalies)
        if (as_datetime(r.get("found_at")) or week_ago) > week_ago
    )
    discuss = Counter(
        str(r["structure"]) for r in frame_rows(facts.criteria) if bool(r.get("to_discuss"))
    )
    closed = {s.casefold() for s in CLOSED_STATUSES}
    overdue = Counter(
        str(r["structure"])
        for r in frame_rows(facts.actions)
        if (as_date(r.get("echeance")) or today) < today
        and person_text(r.get("statut")).strip().casefold() not in closed
    )
    return [
        _section("Chapitres « en retard »", late, "aucun"),
        _section("Nouvelles anomalies (7 derniers jours)", _counted(anomalies, names), "aucune"),
        _section("Critères à discuter (niveaux divergents)", _counted(discuss, names), "aucun"),
        _section("Actions dont l'échéance est dépassée", _counted(overdue, names), "aucune"),
    ]


def _counted(counts: Counter[str], names: Mapping[str, str]) -> list[str]:
    return [f"- {names[sid]} : {n}" for sid, n in sorted(counts.items()) if sid in names]


def _section(title: str, lines: list[str], none: str) -> str:
    """A digest's section; ``none`` agrees with its heading (« aucune » anomalie)."""
    return f"{title} :\n" + ("\n".join(lines) if lines else f"- {none}")


def digest_messages(
    facts: CollectiveFacts, mail: Mail, settings: Settings, today: dt.date
) -> list[Message]:
    """The week's digest for each délégué·e, due from ``mail.digest_weekday`` on."""
    if today.isoweekday() < mail.digest_weekday:
        return []
    collective = facts.collective
    week = digest_week(today)
    sections = digest_lines(facts, settings, today)
    found = []
    for delegate in _delegates(collective, mail):
        key = f"{MessageKind.DIGEST}/{collective.id}/{week}/{str(delegate.email).lower()}"
        found.append(
            compose(
                MessageKind.DIGEST,
                key,
                str(delegate.email),
                f"{facts.approach} — synthèse de la semaine ({collective.name})",
                [
                    f"Voici où en est le {collective.name} au {day_text(today)}.",
                    *sections,
                    "Le détail est dans le tableau de bord du collectif.",
                ],
                footer(_delegate_reason(collective), None, settings, delegate_stop(mail)),
                collective=collective.id,
            )
        )
    return found


def _kit_attachments(kit: KitNotice) -> tuple[Attachment, ...]:
    if not kit.attach:
        return ()
    pdf = (Attachment(kit.ref, f"kit-{kit.ref.name}.pdf"),) if kit.pdf else ()
    return (Attachment(kit.ref, f"kit-{kit.ref.name}.xlsx"), *pdf)


def kit_paragraphs(kit: KitNotice, collective: Collective, today: dt.date | None) -> list[str]:
    """What the kit's message says: where the kit is, which version, what to do with it."""
    variant = f" ({kit.variant})" if kit.variant else ""
    if not kit.attach:
        where = f" : {kit.where}"
    elif kit.pdf:
        where = " : il est joint à ce message, le classeur et le PDF à projeter."
    else:
        where = " : il est joint à ce message."
    found = [f"Le kit du regroupement {kit.title} du {collective.name}{variant} est prêt{where}"]
    if "anonyme" in kit.variant:
        found.append("Cette version ne nomme aucune structure : elle peut être projetée.")
    meeting = kit.meeting
    if today is not None and meeting is not None and meeting < today:
        found.append(
            f"Le regroupement a eu lieu le {meeting:%d/%m/%Y} : ce kit peut servir à son "
            "compte rendu et aux suites."
        )
    else:
        found.append("À faire : le relire avant le regroupement.")
    return found


def kit_messages(
    collective: Collective,
    kits: Iterable[KitNotice],
    mail: Mail,
    settings: Settings,
    approach: str = "CAP RSE",
    today: dt.date | None = None,
) -> list[Message]:
    """One message per kit and délégué·e, the kit attached (local) or linked (Google); as of
    ``today``, a kit of a regroupement already held is not given to read before it."""
    found = []
    for kit in kits:
        if kit.ref.collective != collective.id:
            continue
        subject = f"{approach} — kit du regroupement {kit.title}"
        subject += f", {kit.variant}" if kit.variant else ""
        paragraphs = kit_paragraphs(kit, collective, today)
        for delegate in _delegates(collective, mail):
            to = str(delegate.email)
            key = f"{MessageKind.KIT}/{collective.id}/{kit.ref.name}/{to.lower()}"
            found.append(
                compose(
                    MessageKind.KIT,
                    key,
                    to,
                    subject,
                    paragraphs,
                    footer(_delegate_reason(collective), None, settings, delegate_stop(mail)),
                    collective=collective.id,
                    attachments=_kit_attachments(kit),
                )
            )
    return found


def cycle_failure_messages(
    cause: str, mail: Mail, settings: Settings, now: dt.datetime
) -> list[Message]:
    """A daemon cycle that failed, once a day per cause, to each admin; its time in Paris
    (a naive ``now`` is the server's local time)."""
    paris = now.astimezone(PARIS)
    out = opted_out(mail)
    found = []
    for admin in mail.admins:
        if str(admin).lower() in out:
            continue
        key = f"{MessageKind.CYCLE_FAILED}/{now.date()}/{short_hash(cause)}/{str(admin).lower()}"
        found.append(
            compose(
                MessageKind.CYCLE_FAILED,
                key,
                str(admin),
                "capsync — un cycle du démon a échoué",
                [
                    f"Le cycle de synchronisation du {paris:%d/%m/%Y à %H:%M} a échoué. Cause :",
                    cause,
                    "Le démon continue et réessaie au prochain cycle ; « capsync status » "
                    "montre le dernier cycle.",
                ],
                footer(
                    "votre adresse est dans la liste « admins » de la configuration de capsync",
                    None,
                    settings,
                    ADMIN_STOP,
                ),
            )
        )
    return found

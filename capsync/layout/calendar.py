"""The collectif's calendrier as a sheet: every phase by date, and where the cohort stands.

Délégué·e·s and structures open ``calendrier.xlsx`` to know what comes next;
the helpers below (phase status, next phase, chapter in progress, regroupement
dates) are also what the dashboard uses to flag late chapters, so the two
documents never disagree. ``today`` is always passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from capsync.campaign.config import Collective, Phase, Structure
from capsync.campaign.vocabulary import PhaseKind
from capsync.french import typeset
from capsync.layout.plan_review import DEFAULT_MONTHS, plan_review_date
from capsync.layout.tables import typeset_sheet
from capsync.workbook.identity import Identity
from capsync.workbook.refs import Kind
from capsync.workbook.spec import (
    CellRange,
    ConditionalFormat,
    ConditionalKind,
    SheetSpec,
    Style,
    Value,
    WorkbookSpec,
)

CALENDAR_SHEET = "Calendrier"
LAYOUT_VERSION = 1

STATUS_PAST = "passé"
STATUS_TODAY = "aujourd'hui"
STATUS_UPCOMING = "à venir"
TENTATIVE = "à confirmer"
NO_CHAPTER = "aucun"

HEADERS: tuple[tuple[str, float], ...] = (
    ("Date", 12),
    ("Heure", 8),
    ("Phase", 50),  # « Visio lecture / inter-session auto-évaluation — chapitre 1 » on one line
    ("Modalité", 14),
    ("Lieu", 24),
    ("Notes", 40),
    ("Statut", 12),
    ("Date à confirmer", 16),
)
TABLE_HEADER_ROW = 5  # rows 0–4: title, next phase, days left, chapter in progress, blank


def phase_status(phase: Phase, today: dt.date) -> str:
    """« passé », « aujourd'hui » or « à venir », by the phase's date only."""
    return day_status(phase.date, today)


def day_status(day: dt.date, today: dt.date) -> str:
    """« passé », « aujourd'hui » or « à venir »."""
    if day < today:
        return STATUS_PAST
    if day == today:
        return STATUS_TODAY
    return STATUS_UPCOMING


def next_phase(collective: Collective, today: dt.date) -> Phase | None:
    """The first phase dated today or later (a phase held today is still « next »)."""
    return next((p for p in collective.phases() if p.date >= today), None)


def regroupement_dates(collective: Collective) -> dict[str, dt.date]:
    """Chapter ID → date of its regroupement (the latest one if a chapter has several)."""
    dates: dict[str, dt.date] = {}
    for phase in collective.phases():
        if phase.kind == PhaseKind.REGROUPEMENT and phase.chapter:
            dates[phase.chapter] = phase.date
    return dates


def chapter_in_progress(collective: Collective, today: dt.date) -> str | None:
    """The chapter of the latest visio lecture already started whose regroupement is not past.

    A chapter with no regroupement in the calendar stays in progress once its
    visio lecture has started; None when no chapter is in progress.
    """
    regroupements = regroupement_dates(collective)
    started = [
        p
        for p in collective.phases()
        if p.kind == PhaseKind.VISIO_LECTURE and p.chapter and p.date <= today
    ]
    for phase in reversed(started):
        assert phase.chapter is not None
        meeting = regroupements.get(phase.chapter)
        if meeting is None or meeting >= today:
            return phase.chapter
    return None


def days_left_text(days: int) -> str:
    """« aujourd'hui », « demain », « dans 12 jours »."""
    if days == 0:
        return "aujourd'hui"
    if days == 1:
        return "demain"
    return f"dans {days} jours"


def _next_reviews(reviews: list[tuple[dt.date, str]], today: dt.date) -> tuple[dt.date, str] | None:
    """The first day of plan reviews still to come, and what it says: « Revue du plan de
    progrès — Trait d'Union 17 », or « … — 7 structures » when several share the day."""
    days = sorted(day for day, _ in reviews if day >= today)
    if not days:
        return None
    names = [name for day, name in reviews if day == days[0]]
    who = names[0] if len(names) == 1 else f"{len(names)} structures"
    return days[0], f"{REVIEW_TITLE} — {who}"


def _summary_rows(
    collective: Collective, today: dt.date, reviews: list[tuple[dt.date, str]]
) -> list[list[Value]]:
    """Above the table: the next step, a phase or the plan reviews after the restitutions
    (after the clôture they are what is left: the calendar is not « terminé » yet)."""
    upcoming = next_phase(collective, today)
    review = _next_reviews(reviews, today)
    if review is not None and (upcoming is None or review[0] < upcoming.date):
        next_text = f"{review[1]} — {review[0]:%d/%m/%Y}"
        days_text = days_left_text((review[0] - today).days)
    elif upcoming is None:
        over = "le calendrier est terminé" if collective.calendar else "calendrier non renseigné"
        next_text, days_text = f"aucune ({over})", "—"
    else:
        tentative = f" ({TENTATIVE})" if upcoming.tentative else ""
        when = month_text(upcoming.date) if upcoming.tentative else f"{upcoming.date:%d/%m/%Y}"
        next_text = f"{upcoming.title} — {when}{tentative}"
        days_text = days_left_text((upcoming.date - today).days)
    chapter = chapter_in_progress(collective, today)
    return [
        [f"Calendrier — {collective.name}", None, None, None, None, None, f"au {today:%d/%m/%Y}"],
        ["Prochaine étape", None, next_text],
        ["Jours restants", None, days_text],
        ["Chapitre en cours", None, f"chapitre {chapter}" if chapter else NO_CHAPTER],
        [],
    ]


MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def month_text(day: dt.date) -> str:
    """« juillet 2026 »: the month of a tentative phase."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def phase_when(phase: Phase) -> dt.date | str:
    """The Date cell: the day, or for a tentative phase (« date à confirmer ») its month as
    text, as its .ics event spans the whole month: no day is invented."""
    return month_text(phase.date) if phase.tentative else phase.date


def _phase_row(phase: Phase, today: dt.date) -> list[Value]:
    return [
        phase_when(phase),
        phase.time.strftime("%H:%M") if phase.time else "",
        phase.title,
        phase.modality.label if phase.modality else "",
        phase.place or "",
        phase.notes or "",
        phase_status(phase, today),
        TENTATIVE if phase.tentative else "",
    ]


REVIEW_TITLE = "Revue du plan de progrès"


def _plan_reviews(collective: Collective, review_months: int) -> list[tuple[dt.date, str]]:
    """Each structure's plan review (the milestone after its restitution): day, structure."""
    found: list[tuple[dt.date, str]] = []
    for structure in collective.structures:
        day = plan_review_date(collective, structure, review_months)
        if day is not None:
            found.append((day, structure.name))
    return found


def _review_rows(
    reviews: list[tuple[dt.date, str]], today: dt.date
) -> list[tuple[dt.date, list[Value]]]:
    return [
        (day, [day, "", f"{REVIEW_TITLE} — {name}", "", "", "", day_status(day, today), ""])
        for day, name in reviews
    ]


def calendar_spec(
    collective: Collective, today: dt.date, review_months: int = DEFAULT_MONTHS
) -> WorkbookSpec:
    """The read-only ``calendrier.xlsx`` of a collectif, as of ``today``: its phases, and each
    structure's plan review (:mod:`capsync.layout.plan_review`) among them by date."""
    reviews = _plan_reviews(collective, review_months)
    rows = _summary_rows(collective, today, reviews)
    rows.append([header for header, _ in HEADERS])
    dated: list[tuple[dt.date, Phase | None, list[Value]]] = [
        (p.date, p, _phase_row(p, today)) for p in collective.phases()
    ]
    dated += [(day, None, row) for day, row in _review_rows(reviews, today)]
    dated.sort(key=lambda d: d[0])  # stable: a phase and a review on one day keep that order
    phases = [p for _, p, _ in dated]
    rows.extend(row for _, _, row in dated)

    cell_styles: dict[tuple[int, int], Style] = {(0, 6): Style.NOTE}
    for r in (1, 2, 3):
        cell_styles[(r, 0)] = Style.HEADER
    row_styles = {0: Style.TITLE, TABLE_HEADER_ROW: Style.HEADER}
    first, last = TABLE_HEADER_ROW + 1, TABLE_HEADER_ROW + len(phases)
    for offset, phase in enumerate(phases):
        row = first + offset
        if rows[row][6] == STATUS_PAST:
            cell_styles[(row, 6)] = Style.NOTE
        if phase is not None and phase.tentative:
            cell_styles[(row, 7)] = Style.WARNING
    formats = []
    if phases:
        formats.append(
            ConditionalFormat(
                target=CellRange(first, 6, last, 6),
                kind=ConditionalKind.TEXT_EQUALS,
                text=STATUS_TODAY,
                style=Style.GOOD,
            )
        )
    sheet = SheetSpec(
        name=CALENDAR_SHEET,
        rows=rows,
        column_widths=[width for _, width in HEADERS],
        column_styles=[Style.DATE, *([Style.TEXT] * (len(HEADERS) - 1))],
        cell_styles=cell_styles,
        row_styles=row_styles,
        freeze_rows=TABLE_HEADER_ROW + 1,
        merges=[CellRange(r, 2, r, 5) for r in (1, 2, 3)],
        conditional_formats=formats,
        protected=True,
        tab_color="#2E75B6",
        autofilter=CellRange(TABLE_HEADER_ROW, 0, last, len(HEADERS) - 1) if phases else None,
    )
    typeset_sheet(sheet)  # French spacing; the places and notes the admins wrote stay as written
    identity = Identity(
        kind=Kind.CALENDAR.value, collective=collective.id, layout_version=LAYOUT_VERSION
    )
    return WorkbookSpec(
        title=f"Calendrier — {collective.name}", sheets=[sheet], metadata=identity.as_metadata()
    )


# -- a structure's own deadlines (its .ics) -------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """An all-day event of one structure's calendar: a date it must meet."""

    key: str  # stable part of the UID: « grille-2 », « restitution », « revue-plan »
    date: dt.date
    summary: str
    description: str


def grid_deadline(due: dt.date, late_days: int) -> dt.date:
    """The last day a chapter due on ``due`` (its regroupement, or the structure's own date)
    can be completed before the dashboard calls it « en retard »."""
    return due - dt.timedelta(days=late_days)


def held_before_joining(due: dt.date | None, joined: dt.date | None) -> bool:
    """A chapter due before the structure ``joined`` the collectif: « à rattraper », the
    rule of the dashboard's « Avancement »
    (:func:`~capsync.layout.dashboard_progress.cell_status`)."""
    return joined is not None and due is not None and due < joined


def _grid_deadline(
    structure: Structure,
    chapter: str,
    due: dt.date,
    meeting: dt.date | None,
    late_days: int,
    state: str | None,
) -> Deadline:
    """« Chapitre 2 : grille à compléter avant le … », ``late_days`` before the chapter is
    due; its description says whether that is the regroupement (``meeting``) or the
    structure's own date."""
    day = grid_deadline(due, late_days)
    if meeting == due:
        when = f"regroupement du chapitre {chapter} le {meeting:%d/%m/%Y}."
    else:
        held = f" (regroupement du collectif le {meeting:%d/%m/%Y})" if meeting else ""
        when = f"chapitre {chapter} attendu le {due:%d/%m/%Y}, date propre à votre structure{held}."
    return Deadline(
        key=f"grille-{chapter}",
        date=day,
        summary=f"Chapitre {chapter}\u00a0: grille à compléter avant le {day:%d/%m/%Y}",
        description="\n".join(
            [
                f"{structure.name} — {when}",
                *([f"Votre grille pour ce chapitre\u00a0: {state}."] if state else []),
            ]
        ),
    )


def structure_deadlines(
    collective: Collective,
    structure: Structure,
    due: Mapping[str, dt.date],
    late_days: int,
    completion: Mapping[str, str],
    review_months: int = DEFAULT_MONTHS,
) -> list[Deadline]:
    """Each chapter's « grille à compléter avant le … », its restitution and plan review.

    ``due`` maps a chapter ID to the day the *structure* owes it, the dashboard's
    :func:`~capsync.layout.dashboard_progress.structure_dates` (its ``chapter_dates``, else
    the regroupement: passed in, as that module builds on this one), so its calendar, its
    mails and the « Avancement » sheet give the same day. A chapter due before the
    structure ``joined`` (« à rattraper ») has no deadline here: its day went by before
    the structure was in the collectif, and a reminder in the past is noise — when the
    structure will catch it up is agreed with the délégué·e·s, who then give it its own
    date in ``chapter_dates`` (and the deadline appears); the chapter's regroupement says
    « à rattraper » in the structure's calendar.

    ``completion`` maps a chapter ID to « complétée à 45 % (9 critères renseignés sur 20) »,
    written into the description at every sync; the plan review is
    :func:`~capsync.layout.plan_review.plan_review_date` (``review_months`` after the
    restitution unless the configuration dates it).
    """
    meetings = regroupement_dates(collective)
    found = [
        _grid_deadline(
            structure, chapter, day, meetings.get(chapter), late_days, completion.get(chapter)
        )
        for chapter, day in due.items()
        if not held_before_joining(day, structure.joined)
    ]
    if structure.restitution_date:
        found.append(
            Deadline(
                "restitution",
                structure.restitution_date,
                f"Restitution de l'auto-évaluation — {structure.name}",
                "Lecture des résultats avec le tiers ou le pair, et mise au point du plan de "
                "progrès.",
            )
        )
    review = plan_review_date(collective, structure, review_months)
    if review is not None:
        found.append(
            Deadline(
                "revue-plan",
                review,
                f"Revue du plan de progrès — {structure.name}",
                typeset(
                    "Faire le point sur chaque action : statut, échéance, responsable, niveau "
                    "atteint ; les critères des actions « fait » sont à réévaluer."
                ),
            )
        )
    return sorted(found, key=lambda d: (d.date, d.key))

"""« Suivi des plans »: after the restitution, where each structure stands with its plan (pure).

One row per structure of the collectif: the day its plan is reviewed
(:mod:`capsync.layout.plan_review`) and how far off it is, its plan's lines, how many
are « fait », « en retard » and « à réévaluer » (:mod:`capsync.scoring.plan_followup`),
and the « accompagnement complémentaire » decided on the restitution day (the decisions
file). A review already past or a line late is on a pink background, so the délégué·e·s
see at once whom to call.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pandas as pd

from capsync.campaign.config import Collective, Structure
from capsync.campaign.decisions import Decisions
from capsync.french import typeset
from capsync.layout.calendar import days_left_text
from capsync.layout.plan_review import plan_review_date, restitution_day
from capsync.layout.tables import FIRST_ROW, Column, frame_rows, table_sheet
from capsync.scoring.plan_followup import is_done
from capsync.workbook.spec import SheetSpec, Style, Value

FOLLOWUP_SHEET = "Suivi des plans"
NO_REVIEW = "non datée"


def review_when(day: dt.date | None, today: dt.date) -> str:
    """« dans 12 jours », « aujourd'hui », « passée depuis 3 jours », « non datée »."""
    if day is None:
        return NO_REVIEW
    days = (day - today).days
    if days >= 0:
        return days_left_text(days)
    return f"passée depuis {-days} jour{'s' if days < -1 else ''}"


def support_counts(collective: Collective, decisions: Decisions) -> Counter[str]:
    """« oui — <service> » / « non » / « non décidé »: the restitution days' decisions."""
    found: Counter[str] = Counter()
    for structure in collective.structures:
        decision = decisions.support_of(structure.id)
        found[decision.text if decision else "non décidé"] += 1
    return found


def followup_sheet(
    collective: Collective,
    followed: pd.DataFrame,
    decisions: Decisions,
    today: dt.date,
    review_months: int,
) -> SheetSpec:
    """The sheet; ``followed`` is :func:`~capsync.scoring.plan_followup.plan_followup`'s."""
    by_structure: dict[str, list[dict[str, Any]]] = {}
    for r in frame_rows(followed):
        by_structure.setdefault(str(r.get("structure")), []).append(r)
    rows: list[list[Value]] = []
    styles: dict[tuple[int, int], Style] = {}
    for structure in collective.structures:
        lines = by_structure.get(structure.id, [])
        review = plan_review_date(collective, structure, review_months)
        support = decisions.support_of(structure.id)
        late = sum(bool(r.get("en_retard")) for r in lines)
        redo = sum(r.get("a_reevaluer") is True for r in lines)
        rows.append(
            [
                structure.name,
                restitution_day(collective, structure),
                review,
                review_when(review, today),
                len(lines),
                sum(is_done(r.get("statut")) for r in lines),
                late,
                redo,
                support.text if support else "",
                support.notes if support else "",
            ]
        )
        at = FIRST_ROW + len(rows) - 1
        if review is not None and review < today:
            styles[(at, 3)] = Style.WARNING
        if late:
            styles[(at, 6)] = Style.WARNING
        if redo:
            styles[(at, 7)] = Style.WARNING
    columns = [
        Column("Structure", 30),
        Column("Restitution", 12, Style.DATE),
        Column("Revue du plan", 12, Style.DATE),
        Column("Échéance de la revue", 16),
        Column("Lignes du plan", 9, Style.INTEGER),
        Column("Faites", 8, Style.INTEGER),
        Column("En retard", 9, Style.INTEGER),
        Column("Critères à réévaluer", 11, Style.INTEGER),
        Column("Accompagnement complémentaire", 30),
        Column("Notes", 30),
    ]
    sheet = table_sheet(
        FOLLOWUP_SHEET,
        "Suivi des plans de progrès",
        typeset(
            f"Au {today:%d/%m/%Y}. Revue du plan : {review_months} mois après la restitution "
            "(ou le dernier regroupement), sauf date fixée dans la configuration. Une ligne "
            "« fait » laisse son critère à réévaluer jusqu'à ce que son niveau retenu ou sa "
            "justification soit revu. Accompagnement : fichier de décisions des délégué·e·s."
        ),
        columns,
        rows,
        empty_message="Aucune structure dans ce collectif.",
    )
    sheet.cell_styles.update(styles)
    return sheet


SUPPORT_SHEET = "Accompagnement"


def support_sheet(
    title: str, structures: Sequence[tuple[Collective, Structure]], decisions: Decisions
) -> SheetSpec:
    """The network's roll-up of the restitution days' decisions: how many structures carry
    out their plan alone (« non »), with which service (« oui — … »), or are not decided
    yet — in all and by region."""
    regions = list(dict.fromkeys(c.region for c, _ in structures))
    counts: dict[str, Counter[str]] = {}
    for collective, structure in structures:
        decision = decisions.support_of(structure.id)
        text = decision.text if decision else "non décidé"
        counts.setdefault(text, Counter())[collective.region] += 1
    order = sorted(counts, key=lambda t: (t == "non décidé", t == "non", t))
    rows: list[list[Value]] = [
        [text, sum(counts[text].values()), *(counts[text][r] for r in regions)] for text in order
    ]
    columns = [
        Column("Accompagnement complémentaire", 36),
        Column("Structures", 11, Style.INTEGER),
        *(Column(region, 14, Style.INTEGER) for region in regions),
    ]
    return table_sheet(
        SUPPORT_SHEET,
        typeset(f"{title} — accompagnement complémentaire décidé à la restitution"),
        typeset(
            "« oui » : le plan de progrès est mené avec un service de l'offre COORACE ; "
            "« non » : la structure le mène avec ses moyens. Fichier de décisions des "
            "délégué·e·s (support), la décision la plus récente de chaque structure."
        ),
        columns,
        rows,
        empty_message="Aucune structure.",
    )

"""The dashboard's « Participation » sheet: who answered each chapter, by role (pure).

It sits next to « Avancement » (how much is answered) and says *who* answered:
per structure and chapter, how many respondents gave at least one answer, how
many of each role, and the warnings of :class:`~capsync.scoring.participation.
ParticipationFlag` (one person carries the chapter alone, no salarié·e en
parcours, no administrateur·rice). Counts only: no name, no level, so the sheet
says nothing about what any person answered.
"""

from __future__ import annotations

import pandas as pd

from capsync.campaign.config import Collective
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.vocabulary import RespondentRole
from capsync.french import typeset
from capsync.layout.tables import (
    FIRST_ROW,
    Column,
    chapter_label,
    frame_rows,
    span_title_and_note,
    table_sheet,
)
from capsync.scoring.participation import UNKNOWN_ROLE, ParticipationFlag, participation_of
from capsync.workbook.spec import CellRange, SheetSpec, Style, Value

PARTICIPATION_SHEET = "Participation"
ROLE_HEADERS = {
    RespondentRole.DIRECTION.value: "Direction",
    RespondentRole.PERMANENT.value: "Salarié·e·s permanent·e·s",
    RespondentRole.ADMINISTRATEUR.value: "Administrateur·rice·s",
    RespondentRole.SALARIE_PARCOURS.value: "Salarié·e·s en parcours",
    UNKNOWN_ROLE: "Rôle non précisé",
}
"""The role columns, in the order of :data:`~capsync.scoring.participation.ROLE_ORDER`."""

NOTE = (
    "Nombre de répondant·e·s ayant donné au moins une réponse (un niveau, « Ne sait pas » ou "
    "« Non applicable ») dans le chapitre, par rôle. Alertes : « {alone} » quand une seule "
    "personne a répondu ; « {salarie} », « {admin} ». Une colonne de répondant·e sans rôle dans "
    "la configuration compte en « Rôle non précisé » et ne déclenche pas d'alerte de rôle."
)


def participation_rows(
    collective: Collective, referentiel: Referentiel, frame: pd.DataFrame
) -> list[list[Value]]:
    """One row per structure and chapter: counts, then the warnings joined by « ; »."""
    names = {s.id: s.name for s in collective.structures}
    titles = {c.id: chapter_label(c) for c in referentiel.chapters}
    rows: list[list[Value]] = []
    for r in frame_rows(frame):
        flags = " ; ".join(str(f) for f in r["flags"])
        counts: list[Value] = [int(r[role]) for role in ROLE_HEADERS]
        rows.append(
            [names[r["structure"]], titles[r["chapter"]], int(r["respondents"]), *counts, flags]
        )
    return rows


def participation_sheet(
    collective: Collective, referentiel: Referentiel, respondents: pd.DataFrame
) -> SheetSpec:
    """The « Participation » sheet of a collectif's dashboard, from its
    :func:`~capsync.scoring.participation.respondent_answers` (computed once for this
    sheet and « Regards croisés »)."""
    frame = participation_of(collective, referentiel, respondents)
    rows = participation_rows(collective, referentiel, frame)
    columns = [
        Column("Structure", 30),
        Column("Chapitre", 36),
        Column("Répondant·e·s", 12, Style.INTEGER),
        *(Column(header, 13, Style.INTEGER) for header in ROLE_HEADERS.values()),
        Column("Alertes", 48),
    ]
    note = NOTE.format(
        alone=ParticipationFlag.ALONE,
        salarie=ParticipationFlag.NO_SALARIE,
        admin=ParticipationFlag.NO_ADMINISTRATEUR,
    )
    sheet = table_sheet(
        PARTICIPATION_SHEET,
        f"Participation — {collective.name}",
        typeset(note),
        columns,
        rows,
        empty_message="Aucune structure dans ce collectif.",
    )
    sheet.freeze_cols = 2
    span_title_and_note(sheet)
    flag_col = len(columns) - 1
    for offset, row in enumerate(rows):
        if row[flag_col]:
            sheet.cell_styles[(FIRST_ROW + offset, flag_col)] = Style.WARNING
        if row[2] == 0:
            sheet.cell_styles[(FIRST_ROW + offset, 2)] = Style.NOTE
    if rows:
        sheet.autofilter = CellRange(FIRST_ROW - 1, 0, FIRST_ROW - 1 + len(rows), flag_col)
    return sheet

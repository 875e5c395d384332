"""The dashboard's « Avancement » matrix and « Progression » chart (pure).

« Avancement » is read at a glance: one row per structure, one column per
chapter (« fait », « en retard », « en cours », « à venir », « à rattraper »,
« sans objet ») with its completion, and the structure's own stage: the first
chapter it has not finished, in the order of *its* dates, and when that is due.
A structure's dates are the collectif's regroupements unless the configuration
gives it its own (``chapter_dates``); one that joined after a regroupement
(``joined``) has that chapter « à rattraper », not « en retard » on everything.

« Progression » is the collectif's mean per chapter over time, from the scores
each sync recorded, each mean with the number of structures it rests on, and
the label's threshold as a line on the chart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd

from capsync.campaign.config import Collective, Structure
from capsync.campaign.referentiel import Referentiel
from capsync.layout.calendar import (
    TENTATIVE,
    days_left_text,
    held_before_joining,
    next_phase,
    regroupement_dates,
)
from capsync.layout.tables import (
    FIRST_ROW,
    Column,
    as_date,
    frame_rows,
    integer,
    number,
    style_column,
    table_sheet,
)
from capsync.workbook.spec import CellRange, Chart, ChartKind, Series, SheetSpec, Style, Value

PROGRESS_SHEET = "Avancement"
PROGRESSION_SHEET = "Progression"
DONE = "fait"
LATE = "en retard"
STARTED = "en cours"
COMING = "à venir"
CATCH_UP = "à rattraper"
NOT_CONCERNED = "sans objet"
FINISHED = "terminé"
MATRIX_FROM = 5  # the first chapter's column: after structure, stage, date, days left, late
FEW = 3
THRESHOLD = "Seuil du label"
DUE = "Échéance"


def structure_dates(collective: Collective, structure: Structure) -> dict[str, dt.date]:
    """Chapter → the date the structure's chapter is due: its own, else the regroupement's."""
    return {**regroupement_dates(collective), **structure.chapter_dates}


def cell_status(
    row: Mapping[str, Any],
    due: dt.date | None,
    joined: dt.date | None,
    late_days: int,
    today: dt.date,
) -> str:
    """One structure × chapter cell of the matrix."""
    completion = number(row.get("completion"))
    if integer(row.get("applicable")) == 0:
        return NOT_CONCERNED
    if completion is not None and completion >= 1.0:
        return DONE
    if held_before_joining(due, joined):
        return CATCH_UP
    if due is not None and (due - today).days < late_days:
        return LATE
    return STARTED if (integer(row.get("answered")) or 0) > 0 else COMING


def _stage(
    statuses: dict[str, str], dates: dict[str, dt.date], order: list[str]
) -> tuple[str, dt.date | None]:
    """The first chapter not finished, in the structure's order of dates."""
    ranked = sorted(order, key=lambda c: (dates.get(c) or dt.date.max, order.index(c)))
    for chapter in ranked:
        if statuses[chapter] not in (DONE, NOT_CONCERNED):
            return f"Chapitre {chapter}", dates.get(chapter)
    return FINISHED, None


def next_step_text(collective: Collective, today: dt.date) -> str:
    """« Prochaine étape du collectif : Visio lecture — chapitre 5, le 12/01/2027 (dans
    41 jours). »: the calendar's next phase, which a late structure's past date is not."""
    phase = next_phase(collective, today)
    if phase is None:
        over = "calendrier terminé" if collective.calendar else "calendrier non renseigné"
        return f"Prochaine étape du collectif : aucune ({over})."
    tentative = f", {TENTATIVE}" if phase.tentative else ""
    when = days_left_text((phase.date - today).days)
    return (
        f"Prochaine étape du collectif : {phase.title}, le {phase.date:%d/%m/%Y} "
        f"({when}{tentative})."
    )


def progress_matrix_sheet(
    collective: Collective,
    referentiel: Referentiel,
    chapters: pd.DataFrame,
    late_days: int,
    today: dt.date,
) -> SheetSpec:
    """Structures × chapters: state and completion, the structure's stage and next date."""
    found = {(r["structure"], r["chapter"]): r for r in frame_rows(chapters)}
    ids = [c.id for c in referentiel.chapters]
    columns = [
        Column("Structure", 32),
        Column("Étape", 12),
        Column(DUE, 13, Style.DATE),  # past for a late structure: not « prochaine »
        Column("Jours restants", 10, Style.INTEGER),
        Column("Jours de retard", 10, Style.INTEGER),
    ]
    for chapter in ids:
        columns += [Column(f"Ch. {chapter}", 11), Column(f"Ch. {chapter} — complétude", 11,
                                                        Style.PERCENT)]  # fmt: skip
    rows: list[list[Value]] = []
    for structure in collective.structures:
        dates = structure_dates(collective, structure)
        statuses, cells = {}, []
        for chapter in ids:
            row = found.get((structure.id, chapter), {})
            statuses[chapter] = cell_status(
                row, dates.get(chapter), structure.joined, late_days, today
            )
            cells += [statuses[chapter], number(row.get("completion"))]
        stage, due = _stage(statuses, dates, ids)
        left = None if due is None else (due - today).days
        # a date gone by is a delay, said as one: no « −538 » days left (issue 11)
        late = -left if left is not None and left < 0 else None
        rows.append([structure.name, stage, due, None if late else left, late, *cells])
    note = (
        f"Au {today:%d/%m/%Y}. {next_step_text(collective, today)} « {LATE} » : chapitre "
        f"incomplet dont l'échéance (le regroupement, ou la date propre à la structure) est "
        f"dans moins de {late_days} jours ou passée ; « {CATCH_UP} » : regroupement tenu avant "
        "l'arrivée de la structure. Étape : le premier chapitre que la structure n'a pas fini, "
        "et son échéance ; passée, les jours de retard."
    )
    sheet = table_sheet(
        PROGRESS_SHEET, f"Avancement — {collective.name}", note, columns, rows,
        empty_message="Aucune structure dans ce collectif.",
    )  # fmt: skip
    for i in range(len(ids)):
        style_column(sheet, rows, MATRIX_FROM + 2 * i, {LATE: Style.WARNING, DONE: Style.GOOD})
    for r, line in enumerate(rows):
        if line[4] is not None:  # days late
            sheet.cell_styles[(FIRST_ROW + r, 4)] = Style.WARNING
    sheet.freeze_cols = 1
    return sheet


def _means_by_day(
    history: pd.DataFrame, ids: list[str], structures: set[str]
) -> list[tuple[dt.date, dict[str, tuple[float | None, int]]]]:
    """Per day, per chapter: the collectif's mean and how many structures it rests on; a day
    whose means did not move since the previous one is left out."""
    table: dict[dt.date, dict[str, list[float]]] = {}
    for r in frame_rows(history):
        day, score = as_date(r.get("date")), number(r.get("score"))
        if day is None or score is None or str(r.get("structure")) not in structures:
            continue
        table.setdefault(day, {}).setdefault(str(r.get("chapter")), []).append(score)
    found, previous = [], None
    for day in sorted(table):
        means = {
            c: (sum(v) / len(v) if (v := table[day].get(c)) else None, len(table[day].get(c, [])))
            for c in ids
        }
        if means != previous:
            found.append((day, means))
        previous = means
    return found


def progression_sheet(
    collective: Collective, referentiel: Referentiel, history: pd.DataFrame
) -> SheetSpec:
    """The collectif's mean per chapter over time, with its counts and the label threshold."""
    ids = [c.id for c in referentiel.chapters]
    threshold = float(referentiel.labellisation.min_chapter_score)
    structures = {s.id for s in collective.structures}
    rows: list[list[Value]] = []
    for day, means in _means_by_day(history, ids, structures):
        row: list[Value] = [day]
        for chapter in ids:
            mean, n = means[chapter]
            row += [mean, n or None]
        rows.append([*row, threshold])
    columns = [Column("Date", 12, Style.DATE)]
    for chapter in ids:
        columns += [Column(f"Chapitre {chapter}", 11, Style.SCORE),
                    Column(f"Ch. {chapter} — structures", 11, Style.INTEGER)]  # fmt: skip
    columns.append(Column(THRESHOLD, 11, Style.SCORE))
    sheet = table_sheet(
        PROGRESSION_SHEET,
        f"Progression du collectif — {collective.name}",
        f"Moyenne du collectif par chapitre à chaque date où elle a changé, avec le nombre de "
        f"structures sur lequel elle repose (moins de {FEW} : à lire avec prudence) ; la "
        f"ligne « {THRESHOLD} » est le score minimal d'un chapitre pour le label.",
        columns,
        rows,
        empty_message="Pas encore d'historique : la progression apparaît au fil des synchros.",
    )  # fmt: skip
    if rows:
        last = FIRST_ROW + len(rows) - 1
        series = [
            Series(f"Chapitre {c}", CellRange(FIRST_ROW, 1 + 2 * i, last, 1 + 2 * i,
                                              PROGRESSION_SHEET))
            for i, c in enumerate(ids)
        ]  # fmt: skip
        width = len(columns) - 1
        series.append(
            Series(
                THRESHOLD, CellRange(FIRST_ROW, width, last, width, PROGRESSION_SHEET), line=True
            )
        )
        sheet.charts.append(
            Chart(
                kind=ChartKind.LINE,
                title="Moyenne du collectif par chapitre au fil du temps",
                categories=CellRange(FIRST_ROW, 0, last, 0, PROGRESSION_SHEET),
                series=tuple(series),
                anchor_row=last + 2,
                anchor_col=0,
                y_max=float(referentiel.scale.max_value),
                width=900,
                date_categories=True,
            )
        )
    return sheet

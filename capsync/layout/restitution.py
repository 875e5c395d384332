"""A structure's restitution workbook (``<data>/<collectif>/restitutions/<structure-id>.xlsx``).

For the meeting where the tiers or the pair reads the results back with the
structure: scores per chapter next to the collectif's mean with a radar chart,
strengths and weak points, divergences, the offre de services of its weakest
objectives, its plan de progrès and its labellisation status. The content is a
:class:`~capsync.layout.restitution_data.RestitutionData` (also rendered to PDF
by :mod:`capsync.render.restitution_pdf`); this module only lays it out.
"""

from __future__ import annotations

from capsync.french import typeset
from capsync.layout.dashboard_sheets import GAP_COLUMNS, LATE, TO_DISCUSS
from capsync.layout.label_decisions import ELIGIBLE, NOT_ASSESSED, NOT_ELIGIBLE
from capsync.layout.plan_lines import plan_suggestions
from capsync.layout.restitution_data import (
    HALF_LEVEL_NOTE,
    PATH_NOTE,
    RestitutionData,
    build_restitution,
)
from capsync.layout.review_views import with_review_sheets
from capsync.layout.tables import (
    FIRST_ROW,
    Column,
    short_chapter,
    span_title_and_note,
    style_column,
    table_sheet,
)
from capsync.workbook.grid_schema import PLAN_ORIGIN_PATH
from capsync.workbook.identity import Identity
from capsync.workbook.refs import Kind
from capsync.workbook.spec import (
    CellRange,
    Chart,
    ChartKind,
    Series,
    SheetSpec,
    Style,
    Value,
    WorkbookSpec,
)

__all__ = ["RestitutionData", "build_restitution", "restitution_spec"]

LAYOUT_VERSION = 1
SUMMARY_SHEET = "Restitution"
CRITERIA_SHEET = "Points forts et faibles"
GAPS_SHEET = "Écarts à discuter"
SERVICES_SHEET = "Offre de services"
PLAN_SHEET = "Plan de progrès"
PATH_SHEET = "Chemin vers le label"


def _summary_head(data: RestitutionData, previous: str) -> list[list[Value]]:
    """Title, what it answers, the state in one sentence, then the scores' header."""
    occasion = typeset("Produite pour : ") + ", ".join(data.occasions) if data.occasions else ""
    header: list[Value] = ["Chapitre", "Intitulé", "Score de la structure"]
    header += ["Moyenne du collectif", "Complétude", *([previous] if previous else [])]
    return [
        [f"Restitution — {data.structure_name}"],
        [f"{data.collective_name} · {data.structure_type} · {data.referentiel}"],
        [f"Au {data.today:%d/%m/%Y}" + (f" · {occasion}" if occasion else "")],
        [data.headline],
        header,
    ]


def _summary_sheet(data: RestitutionData) -> SheetSpec:
    previous = f"Restitution du {data.previous_date:%d/%m/%Y}" if data.previous_date else ""
    rows = _summary_head(data, previous)
    header = 4
    for line in data.chapters:
        rows.append(
            [
                short_chapter(line.chapter),
                line.title if line.assessed else f"{line.title} (non évalué)",
                line.score,  # empty, not 0: no point at the centre of the radar
                line.collective_mean,
                line.completion,
                *([line.previous] if previous else []),
            ]
        )
    first, last = header + 1, header + len(data.chapters)
    was = [data.previous_overall] if previous else []
    rows.append(["Score global", "", data.overall, data.collective_overall, None, *was])
    rows.append([])
    label_row = len(rows)
    rows.append(["Labellisation", data.label])
    if previous and data.previous_label and data.previous_label != data.label:
        when = f"{data.previous_date:%d/%m/%Y}"
        rows.append(["", typeset(f"À la restitution du {when} : {data.previous_label}")])
    reasons = data.label_reasons or (
        ["Tous les critères de la labellisation sont atteints."] if data.label == ELIGIBLE else []
    )
    for reason in reasons:
        rows.append(["", reason])
    if data.label_decision:  # the committee's decision, from the decisions file (issue 12)
        rows.append(["Décision du comité", data.label_decision])
    rows.append([])
    basis_row = len(rows)
    rows.append(["Calculée à partir de"])
    rows += [["", line] for line in data.basis or [data.referentiel]]
    label_style = {ELIGIBLE: Style.GOOD, NOT_ELIGIBLE: Style.WARNING, NOT_ASSESSED: Style.NOTE}
    cell_styles = {
        (label_row, 0): Style.HEADER,
        (label_row, 1): label_style.get(data.label, Style.TEXT),
        (last + 1, 0): Style.HEADER,
        (basis_row, 0): Style.HEADER,
    }
    sheet = SheetSpec(
        name=SUMMARY_SHEET,
        rows=rows,
        column_widths=[21, 52, 14, 14, 12, 14],  # « Calculée à partir de » on one line
        column_styles=[Style.TEXT, Style.TEXT, *[Style.SCORE] * 2, Style.PERCENT, Style.SCORE],
        row_styles={0: Style.TITLE, 1: Style.NOTE, 2: Style.NOTE, header: Style.HEADER},
        cell_styles=cell_styles,
        protected=True,
        tab_color="#2E75B6",
    )
    # title, context and the headline across the table, not wrapped in column A
    sheet.merges += [CellRange(r, 0, r, 5) for r in range(1, header)]
    sheet.charts.append(
        Chart(
            kind=ChartKind.RADAR,
            title=typeset("Scores par chapitre : structure et moyenne du collectif"),
            categories=CellRange(first, 0, last, 0, sheet=SUMMARY_SHEET),
            series=(
                Series(data.structure_name, CellRange(first, 2, last, 2, sheet=SUMMARY_SHEET)),
                Series("Moyenne du collectif", CellRange(first, 3, last, 3, SUMMARY_SHEET)),
            ),
            anchor_row=len(rows) + 1,
            anchor_col=0,
            width=640,
            height=420,
        )
    )
    return sheet


def _path_sheet(data: RestitutionData) -> SheetSpec:
    """The chemin vers le label: each change as a line to copy into the plan de progrès."""
    columns = [
        Column("Chapitre", 9),
        Column("Critère", 8),
        Column("Intitulé", 36),
        Column("Niveau retenu", 22),
        Column("Niveau à atteindre", 22),
        Column("Ligne proposée pour le plan de progrès", 60),
        Column("Action suggérée (description du niveau visé)", 50),
        Column("Origine", 18),
    ]
    rows: list[list[Value]] = [
        [s.chapter, s.criterion, s.title, data.level_name(s.current),
         data.level_name(s.target) if s.target is not None else "à évaluer", line,
         s.action, PLAN_ORIGIN_PATH]
        for s, line in zip(data.path, plan_suggestions(data), strict=True)
    ]  # fmt: skip
    empty = (
        "La structure remplit les conditions du label."
        if data.label == ELIGIBLE
        else "Rien n'a encore été renseigné : le chemin se calculera avec les premières réponses."
    )
    sheet = table_sheet(PATH_SHEET, "Chemin vers le label", typeset(PATH_NOTE), columns, rows,
                        empty_message=empty)  # fmt: skip
    if rows:
        sheet.autofilter = CellRange(2, 0, 2 + len(rows), len(columns) - 1)
    return sheet


def _criteria_sheet(data: RestitutionData) -> SheetSpec:
    columns = [
        Column("", 14),
        Column("Critère", 8),
        Column("Chapitre", 9),
        Column("Intitulé", 48),
        Column("Niveau retenu", 11, Style.LEVEL),
        Column("Niveau", 22),
        Column("Moyenne du collectif", 11, Style.SCORE),
        Column("Obligatoire pour le label", 12),
    ]
    rows: list[list[Value]] = []
    for heading, lines in (("Point fort", data.strengths), ("Point faible", data.weak_points)):
        for c in lines:
            rows.append(
                [
                    heading,
                    c.criterion,
                    c.chapter,
                    c.title,
                    c.retained,
                    data.level_name(c.retained),
                    c.collective_mean,
                    "oui" if c.mandatory else "",
                ]
            )
    sheet = table_sheet(
        CRITERIA_SHEET,
        "Points forts et points faibles",
        typeset(
            f"Points forts : niveaux retenus au-dessus de {data.weak_level} ; points faibles : "
            f"sous le niveau {data.weak_level}, les plus bas d'abord. {HALF_LEVEL_NOTE}"
        ),
        columns,
        rows,
        empty_message="Aucun critère renseigné pour le moment.",
    )
    style_column(sheet, rows, 0, {"Point fort": Style.GOOD, "Point faible": Style.WARNING})
    return sheet


def _gaps_sheet(data: RestitutionData) -> SheetSpec:
    columns = list(GAP_COLUMNS)
    rows: list[list[Value]] = [
        [
            g.criterion,
            g.title,
            g.kind,
            g.retained,
            g.low,
            g.high,
            g.review,
            g.gap,
            g.action,
            g.justification,
            g.review_comment,
        ]
        for g in data.gaps
    ]
    sheet = table_sheet(
        GAPS_SHEET,
        "Écarts à discuter",
        "Divergences entre répondant·e·s et écarts avec la revue.",
        columns,
        rows,
        empty_message="Aucun écart à discuter.",
    )
    style_column(sheet, rows, 8, {TO_DISCUSS: Style.WARNING})
    return sheet


def _services_sheet(data: RestitutionData) -> SheetSpec:
    columns = [
        Column("Objectif", 9),
        Column("Intitulé de l'objectif", 36),
        Column("Niveau moyen", 10, Style.SCORE),
        Column("Ressource", 40),
        Column("Description", 60),
        Column("Lien", 48),
    ]
    rows: list[list[Value]] = [
        [s.objective, s.objective_title, s.objective_mean, s.title, s.description, s.url]
        for s in data.services
    ]
    return table_sheet(
        SERVICES_SHEET,
        "Offre de services du réseau",
        f"Les ressources liées aux objectifs où la structure est sous le niveau {data.weak_level}"
        ", puis aux critères sous ce niveau dans ses autres objectifs.",
        columns,
        rows,
        empty_message="Aucun objectif sous le niveau attendu : pas de ressource à suggérer.",
    )


def _plan_sheet(data: RestitutionData) -> SheetSpec:
    columns = [
        Column("Critère", 8),
        Column("Action", 48),
        Column("Responsable", 20),
        Column("Échéance", 12, Style.DATE),
        Column("Statut", 12),
        Column("Commentaire", 36),
        Column("Retard", 10),
    ]
    rows: list[list[Value]] = [
        [
            a.criterion,
            a.action,
            a.responsable,
            a.echeance,
            a.status_text,
            a.commentaire,
            LATE if a.late else "",
        ]
        for a in data.actions
    ]
    sheet = table_sheet(
        PLAN_SHEET,
        "Plan de progrès",
        f"Au {data.today:%d/%m/%Y}.",
        columns,
        rows,
        empty_message="Aucune action saisie pour le moment.",
    )
    style_column(sheet, rows, 6, {LATE: Style.WARNING})
    return sheet


PERSON_COLUMNS = {GAPS_SHEET: (9, 10), PLAN_SHEET: (1, 2, 4, 5)}
"""Columns of text a person typed in their grid: shown exactly as typed, never retouched."""


def _typeset_sheet(sheet: SheetSpec, person: tuple[int, ...]) -> None:
    """French spacing on every text capsync wrote in ``sheet`` (not in ``person`` columns)."""
    for r, row in enumerate(sheet.rows):
        for c, value in enumerate(row):
            if isinstance(value, str) and (r < FIRST_ROW or c not in person):
                row[c] = typeset(value)


def restitution_spec(data: RestitutionData) -> WorkbookSpec:
    """The read-only restitution workbook of one structure."""
    identity = Identity(
        kind=Kind.RESTITUTION.value,
        collective=data.collective_id,
        structure=data.structure_id,
        referentiel_id=data.referentiel_id,
        referentiel_version=data.referentiel_version,
        layout_version=LAYOUT_VERSION,
    )
    sheets = [
        _summary_sheet(data),
        _path_sheet(data),
        _criteria_sheet(data),
        _gaps_sheet(data),
        _services_sheet(data),
        _plan_sheet(data),
    ]
    sheets = with_review_sheets(sheets, data.review, data.structure_name)  # issue 10
    for sheet in sheets:
        span_title_and_note(sheet)  # a note wrapped in column A alone ran down ten lines
        _typeset_sheet(sheet, PERSON_COLUMNS.get(sheet.name, ()))
    return WorkbookSpec(
        title=f"Restitution — {data.structure_name}",
        sheets=sheets,
        metadata=identity.as_metadata(),
    )

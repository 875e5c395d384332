"""The délégué·e·s' dashboard of a collectif (``<data>/<collectif>/tableau-de-bord.xlsx``).

Pure: :class:`DashboardInputs` in, :class:`~capsync.workbook.spec.WorkbookSpec` out.
Every sheet is sync-owned and protected; the sync rewrites the whole workbook
when its content changes, so nothing here is ever typed by a person. Text that
*came* from a person (actions, comments, anomaly values, names) is copied as a
plain ``str`` through :func:`~capsync.layout.tables.person_text`, never a formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from capsync.campaign.config import Collective, Settings
from capsync.campaign.decisions import Decisions
from capsync.campaign.referentiel import Referentiel
from capsync.layout.before_after import dashboard_before_after_sheets
from capsync.layout.column_names import named_anomalies
from capsync.layout.dashboard_progress import (
    PROGRESS_SHEET,
    PROGRESSION_SHEET,
    progress_matrix_sheet,
    progression_sheet,
)
from capsync.layout.dashboard_sheets import (
    ACTIONS_SHEET,
    ANOMALIES_SHEET,
    CRITERIA_SHEET,
    GAPS_SHEET,
    HISTORY_SHEET,
    actions_sheet,
    anomalies_sheet,
    criteria_sheet,
    gaps_sheet,
    history_sheet,
)
from capsync.layout.label_decisions import (
    ELIGIBLE,
    IN_PROGRESS,
    NOT_ASSESSED,
    NOT_ELIGIBLE,
    label_sheet,
)
from capsync.layout.participation import participation_sheet
from capsync.layout.plan_followup import FOLLOWUP_SHEET, followup_sheet
from capsync.layout.privacy import private_anomalies
from capsync.layout.review_views import dashboard_review_sheet
from capsync.layout.role_views import dashboard_regards_sheet
from capsync.layout.service_demand import service_demand_sheet
from capsync.layout.tables import (
    FIRST_ROW,
    HEADER_ROW,
    NOTE_ROW,
    TITLE_ROW,
    Column,
    as_datetime,
    frame_rows,
    number,
    short_chapter,
    span_title_and_note,
    table_sheet,
    typeset_sheet,
)
from capsync.scoring import scores as scoring
from capsync.scoring.participation import respondent_answers
from capsync.scoring.plan_followup import plan_followup
from capsync.workbook.identity import Identity
from capsync.workbook.refs import Kind
from capsync.workbook.spec import (
    CellRange,
    Chart,
    ChartKind,
    ConditionalFormat,
    ConditionalKind,
    Series,
    SheetSpec,
    Style,
    Value,
    WorkbookSpec,
)

LAYOUT_VERSION = 1

SYNTHESIS_SHEET = "Synthèse"
REASONS_SHEET = "Motifs"
COLLECTIVE_MEAN = "Moyenne du collectif"
THRESHOLD = "Seuil du label"
FEW = 3  # a mean on fewer structures is marked
FEW_ANSWERS = f"moins de {FEW} structures"


OWN_SHEETS = frozenset(
    {
        SYNTHESIS_SHEET,
        PROGRESS_SHEET,
        CRITERIA_SHEET,
        GAPS_SHEET,
        ACTIONS_SHEET,
        FOLLOWUP_SHEET,
        HISTORY_SHEET,
        PROGRESSION_SHEET,
        ANOMALIES_SHEET,
        REASONS_SHEET,
    }
)
"""The sheets laid out here, French-spaced in full; the others' titles and headers only."""


def _empty(*columns: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


@dataclass(frozen=True, eq=False)
class DashboardInputs:
    """Everything the dashboard shows, gathered by the sync; nothing is read here.

    - ``scores``: :func:`~capsync.scoring.scores.score_collective` of the current answers.
    - ``answers``: the store's current answers (collective, structure, criterion,
      column, kind, level, recorded_at); only used for the lowest and highest
      respondent levels shown next to a divergence.
    - ``actions``, ``anomalies``, ``texts``: the store's frames for this collectif
      (see :mod:`capsync.store.database`); texts give the justification and the
      tiers / pair comment next to a gap.
    - ``last_change``: structure ID → when its grid last changed.
    - ``history``: one row per (date, structure, chapter) with columns ``date``
      (a date), ``structure``, ``chapter`` (chapter ID, "" for the overall score)
      and ``score`` (float): the scores computed by successive syncs.
    - ``today``: the day the dashboard is written for (flags « en retard »).
    """

    collective: Collective
    referentiel: Referentiel
    settings: Settings
    scores: scoring.Scores
    today: dt.date
    answers: pd.DataFrame = field(
        default_factory=lambda: _empty("structure", "criterion", "column", "kind", "level")
    )
    actions: pd.DataFrame = field(
        default_factory=lambda: _empty(
            "structure", "criterion", "action", "responsable", "echeance", "statut", "commentaire"
        )
    )
    anomalies: pd.DataFrame = field(
        default_factory=lambda: _empty(
            "structure", "source", "sheet", "cell", "value", "message", "found_at"
        )
    )
    texts: pd.DataFrame = field(
        default_factory=lambda: _empty("structure", "criterion", "column", "text")
    )
    last_change: Mapping[str, dt.datetime] = field(default_factory=dict)
    history: pd.DataFrame = field(
        default_factory=lambda: _empty("date", "structure", "chapter", "score")
    )
    decisions: Decisions = field(default_factory=Decisions)  # label decisions (issue 12)

    def structure_names(self) -> dict[str, str]:
        return {s.id: s.name for s in self.collective.structures}


def _lookup(frame: pd.DataFrame, *keys: str) -> dict[Any, dict[str, Any]]:
    """Rows of ``frame`` by the value(s) of ``keys`` (a tuple when several)."""
    if frame.empty:
        return {}
    found: dict[Any, dict[str, Any]] = {}
    for row in frame_rows(frame):  # to_dict's rows, built faster
        key = row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)
        found[key] = row
    return found


def label_text(row: Mapping[str, Any] | None) -> tuple[str, str]:
    """(« Éligible » / « Non éligible » / « Pas encore de réponse », reasons joined by « ; »)."""
    if row is None or not bool(row.get("assessed", True)):
        return NOT_ASSESSED, ""
    reasons = row.get("reasons")
    text = " ; ".join(str(r) for r in reasons) if isinstance(reasons, list | tuple) else ""
    return (ELIGIBLE if bool(row.get("eligible")) else NOT_ELIGIBLE), text


def collective_chapter_means(inputs: DashboardInputs) -> dict[str, float | None]:
    """Chapter ID → mean score of the collectif's structures that answered it."""
    chapters = inputs.scores.chapters
    ids = {s.id for s in inputs.collective.structures}
    mine = chapters[chapters["structure"].isin(ids)] if not chapters.empty else chapters
    means: dict[str, float | None] = {}
    for chapter in inputs.referentiel.chapters:
        if chapters.empty:
            means[chapter.id] = None
            continue
        rows = mine[mine["chapter"] == chapter.id]  # the collectif picked once, not per chapter
        means[chapter.id] = number(rows["score"].mean()) if not rows.empty else None
    return means


def _synthesis_columns(ref: Referentiel) -> tuple[list[Value], list[float], list[Style | None]]:
    """Headers, widths and styles of the synthesis table: two columns per chapter, then totals."""
    headers: list[Value] = ["Structure", "Type"]
    widths = [34.0, 11.0]  # the type, and « Structures » in the means table below it
    styles: list[Style | None] = [Style.TEXT, Style.TEXT]
    for chapter in ref.chapters:
        headers += [f"Ch. {chapter.id} — score", f"Ch. {chapter.id} — complétude"]
        widths += [11.0, 12.0]
        styles += [Style.SCORE, Style.PERCENT]
    headers += ["Score global", "Labellisation", "Motifs", "Dernière mise à jour", THRESHOLD]
    widths += [10.0, 14.0, 48.0, 14.0, 10.0]
    styles += [Style.SCORE, Style.TEXT, Style.TEXT, Style.DATE, Style.SCORE]
    return headers, widths, styles


def _label_column(ref: Referentiel) -> int:
    """Index of « Labellisation »: after the name, the type and two columns per chapter."""
    return 2 + 2 * len(ref.chapters) + 1


def _threshold_column(ref: Referentiel) -> int:
    """Index of « Seuil du label », the last column: the scores chart's threshold line."""
    return _label_column(ref) + 3


def _structure_rows(
    inputs: DashboardInputs, rows: list[list[Value]], cell_styles: dict[tuple[int, int], Style]
) -> None:
    """One row per structure appended to ``rows``, its labellisation coloured by outcome."""
    chapters = _lookup(inputs.scores.chapters, "structure", "chapter")
    overall = _lookup(inputs.scores.overall, "structure")
    labels = _lookup(inputs.scores.label, "structure")
    label_col = _label_column(inputs.referentiel)
    threshold = float(inputs.referentiel.labellisation.min_chapter_score)
    for structure in inputs.collective.structures:
        row: list[Value] = [structure.name, structure.type_text]
        for chapter in inputs.referentiel.chapters:
            found = chapters.get((structure.id, chapter.id), {})
            row += [number(found.get("score")), number(found.get("completion"))]
        label, _ = label_text(labels.get(structure.id))
        reasons = list(labels.get(structure.id, {}).get("reasons", None) or [])
        if label == NOT_ELIGIBLE and not inputs.collective.closed(inputs.today):
            label = IN_PROGRESS
        short = _short_reasons(len(reasons)) if label in (NOT_ELIGIBLE, IN_PROGRESS) else ""
        row += [number(overall.get(structure.id, {}).get("overall")), label, short]
        row += [as_datetime(inputs.last_change.get(structure.id)), threshold]
        cell_styles[(len(rows), label_col)] = {
            ELIGIBLE: Style.GOOD,
            NOT_ELIGIBLE: Style.WARNING,
            IN_PROGRESS: Style.TEXT,
        }.get(label, Style.NOTE)
        rows.append(row)


def _short_reasons(count: int) -> str:
    if count == 0:
        return ""
    noun = "point à atteindre" if count == 1 else "points à atteindre"
    return f"{count} {noun} (onglet « {REASONS_SHEET} »)"


def reasons_sheet(inputs: DashboardInputs) -> SheetSpec:
    """Every labellisation reason in full, one per line, filterable by structure."""
    labels = _lookup(inputs.scores.label, "structure")
    rows: list[list[Value]] = []
    for structure in inputs.collective.structures:
        for reason in labels.get(structure.id, {}).get("reasons", None) or []:
            rows.append([structure.name, str(reason)])
    columns = [Column("Structure", 32), Column("Ce qui manque pour le label", 90)]
    sheet = table_sheet(
        REASONS_SHEET,
        "Ce qui manque à chaque structure pour le label",
        "Avant la clôture, une structure qui n'est pas encore éligible est « En cours ».",
        columns,
        rows,
        empty_message="Aucun motif : toutes les structures évaluées sont éligibles.",
    )
    if rows:
        sheet.autofilter = CellRange(2, 0, 2 + len(rows), 1)
    return sheet


def _mean_table(
    inputs: DashboardInputs, rows: list[list[Value]], cell_styles: dict[tuple[int, int], Style]
) -> int:
    """The collectif's mean per chapter, below the structures: the second chart reads it.

    Returns the row of its header.
    """
    means = collective_chapter_means(inputs)
    counts = chapter_counts(inputs)
    threshold = float(inputs.referentiel.labellisation.min_chapter_score)
    rows.append([])
    mean_header = len(rows)
    rows.append(["Chapitre", "Structures", COLLECTIVE_MEAN, "Remarque", THRESHOLD, "Intitulé"])
    for c in range(6):  # the table's own header cells, not the whole row: it is narrower
        cell_styles[(mean_header, c)] = Style.HEADER
    for chapter in inputs.referentiel.chapters:
        n = counts.get(chapter.id, 0)
        few = FEW_ANSWERS if 0 < n < FEW else ""
        rows.append(
            [short_chapter(chapter.id), n, means[chapter.id], few, threshold, chapter.title]
        )
    for r in range(mean_header + 1, len(rows)):
        cell_styles[(r, 1)] = Style.INTEGER
        cell_styles[(r, 2)] = Style.SCORE
        cell_styles[(r, 3)] = Style.NOTE
        cell_styles[(r, 4)] = Style.SCORE
        # the title last and unwrapped (its column's number style): it runs over the empty
        # cells to its right instead of wrapping down a narrow column
    return mean_header


def chapter_counts(inputs: DashboardInputs) -> dict[str, int]:
    """Chapter ID → how many structures its collectif mean rests on."""
    chapters = inputs.scores.chapters
    if chapters.empty:
        return {}
    ids = {s.id for s in inputs.collective.structures}
    scored = chapters[chapters["structure"].isin(ids) & chapters["score"].notna()]
    return {str(k): int(v) for k, v in scored.groupby("chapter").size().items()}


def _score_scales(sheet: SheetSpec, ref: Referentiel, first: int, last: int) -> None:
    """A 0 → max colour scale on every chapter score and the overall score."""
    score_cols = [2 + 2 * i for i in range(len(ref.chapters))] + [_label_column(ref) - 1]
    for col in score_cols:
        sheet.conditional_formats.append(
            ConditionalFormat(
                target=CellRange(first, col, last, col),
                kind=ConditionalKind.COLOR_SCALE,
                minimum=0.0,
                maximum=float(ref.scale.max_value),
            )
        )


def _scores_chart(ref: Referentiel, first: int, last: int, anchor_row: int) -> Chart:
    """Columns per structure, one series per chapter, and the label threshold as a line."""
    col = _threshold_column(ref)
    return Chart(
        kind=ChartKind.COLUMN,
        title="Scores par structure et par chapitre",
        categories=CellRange(first, 0, last, 0, sheet=SYNTHESIS_SHEET),
        series=(
            *(
                Series(
                    name=short_chapter(chapter.id),
                    values=CellRange(first, 2 + 2 * i, last, 2 + 2 * i, SYNTHESIS_SHEET),
                )
                for i, chapter in enumerate(ref.chapters)
            ),
            Series(THRESHOLD, CellRange(first, col, last, col, SYNTHESIS_SHEET), line=True),
        ),
        anchor_row=anchor_row,
        anchor_col=0,
        y_min=0.0,
        y_max=float(ref.scale.max_value),
        width=900,
    )


def _means_chart(ref: Referentiel, mean_header: int, anchor_row: int) -> Chart:
    """The collectif's mean per chapter, read from the table under ``mean_header``."""
    mean_first, mean_last = mean_header + 1, mean_header + len(ref.chapters)
    return Chart(
        kind=ChartKind.COLUMN,
        title="Moyenne du collectif par chapitre",
        categories=CellRange(mean_first, 0, mean_last, 0, sheet=SYNTHESIS_SHEET),
        series=(
            Series(COLLECTIVE_MEAN, CellRange(mean_first, 2, mean_last, 2, SYNTHESIS_SHEET)),
            Series(THRESHOLD, CellRange(mean_first, 4, mean_last, 4, SYNTHESIS_SHEET), line=True),
        ),
        anchor_row=anchor_row,
        anchor_col=0,
        y_min=0.0,
        y_max=float(ref.scale.max_value),
    )


def synthesis_sheet(inputs: DashboardInputs) -> SheetSpec:
    """Structures × chapters: score, completion, overall, labellisation, last update; charts."""
    ref = inputs.referentiel
    headers, widths, styles = _synthesis_columns(ref)
    rows: list[list[Value]] = [
        [f"Tableau de bord — {inputs.collective.name}"],
        [
            f"Mis à jour le {inputs.today:%d/%m/%Y}. Scores de 0 à 4 (une décimale) ; "
            "complétude = part des critères applicables renseignés ; « Seuil du label » : "
            "score minimal d'un chapitre pour le label."
        ],
        headers,
    ]
    cell_styles: dict[tuple[int, int], Style] = {}
    _structure_rows(inputs, rows, cell_styles)
    first, last = FIRST_ROW, len(rows) - 1
    mean_header = _mean_table(inputs, rows, cell_styles)
    sheet = SheetSpec(
        name=SYNTHESIS_SHEET,
        rows=rows,
        column_widths=widths,
        column_styles=styles,
        cell_styles=cell_styles,
        row_styles={
            TITLE_ROW: Style.TITLE,
            NOTE_ROW: Style.NOTE,
            HEADER_ROW: Style.HEADER,
        },
        freeze_rows=FIRST_ROW,
        freeze_cols=1,
        protected=True,
        tab_color="#2E75B6",
    )
    chart_row = len(rows) + 1
    if inputs.collective.structures:
        sheet.autofilter = CellRange(HEADER_ROW, 0, last, len(headers) - 1)
        _score_scales(sheet, ref, first, last)
        sheet.charts.append(_scores_chart(ref, first, last, chart_row))
    sheet.charts.append(_means_chart(ref, mean_header, chart_row + 20))
    return sheet


def dashboard_spec(inputs: DashboardInputs) -> WorkbookSpec:
    """The whole read-only dashboard workbook of ``inputs.collective``."""
    names = inputs.structure_names()
    respondents = respondent_answers(inputs.collective, inputs.referentiel, inputs.answers)
    followed = plan_followup(
        inputs.actions, inputs.answers, inputs.texts, inputs.scores.criteria, inputs.today
    )
    sheets = [
        synthesis_sheet(inputs),
        progress_matrix_sheet(
            inputs.collective,
            inputs.referentiel,
            inputs.scores.chapters,
            inputs.settings.late_days,
            inputs.today,
        ),
        participation_sheet(inputs.collective, inputs.referentiel, respondents),  # issue 10
        criteria_sheet(inputs.referentiel, inputs.scores.criteria),
        gaps_sheet(inputs.referentiel, inputs.scores.criteria, inputs.answers, inputs.texts, names),
        dashboard_review_sheet(inputs.collective, inputs.referentiel, inputs.scores.criteria),
        dashboard_regards_sheet(inputs.collective, inputs.referentiel, respondents),
        actions_sheet(inputs.referentiel, followed, names, inputs.today),
        followup_sheet(
            inputs.collective,
            followed,
            inputs.decisions,
            inputs.today,
            inputs.settings.plan_review_months,
        ),  # issue 12: plan reviews, late lines, criteria to re-rate, accompagnement
        history_sheet(inputs.referentiel, inputs.history, names),
        progression_sheet(inputs.collective, inputs.referentiel, inputs.history),
        *dashboard_before_after_sheets(inputs.collective, inputs.referentiel, inputs.answers),
        anomalies_sheet(
            named_anomalies(
                private_anomalies(inputs.anomalies, inputs.collective), inputs.collective
            ),
            names,
        ),
        reasons_sheet(inputs),
        label_sheet(inputs.collective, inputs.scores.label, inputs.decisions, inputs.today),
        service_demand_sheet(
            inputs.collective, inputs.referentiel, inputs.scores.criteria, inputs.decisions
        ),  # issue 12: demand per service, counted as in the network view
    ]
    for sheet in sheets:
        span_title_and_note(sheet)
        typeset_sheet(sheet, whole=sheet.name in OWN_SHEETS)
    identity = Identity(
        kind=Kind.DASHBOARD.value,
        collective=inputs.collective.id,
        referentiel_id=inputs.referentiel.id,
        referentiel_version=inputs.referentiel.version,
        layout_version=LAYOUT_VERSION,
    )
    return WorkbookSpec(
        title=f"Tableau de bord — {inputs.collective.name}",
        sheets=sheets,
        metadata=identity.as_metadata(),
    )

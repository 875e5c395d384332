"""The assessment grid of one structure, as a :class:`~capsync.workbook.spec.WorkbookSpec` (pure).

One workbook per structure: « Mode d'emploi », one sheet per chapter (one row
per criterion that applies to the structure's type), « Plan de progrès », and
when an upgrade archived something, « Archives ». The exact layout is
documented in docs/grid.md; the vocabulary (sheet names, rows, column keys) is
in :mod:`capsync.workbook.grid_schema`, shared with parsing and upgrades.

:class:`Carried` lets ``generate --upgrade`` rebuild a grid around the values
people typed in its previous version: they are placed, as typed, in the new
input cells.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from capsync.campaign.config import Collective, Phase, Settings, Structure
from capsync.campaign.referentiel import Chapter, Criterion, Referentiel
from capsync.campaign.vocabulary import DelegateRole, PhaseKind, StructureType
from capsync.workbook.grid_schema import (
    ARCHIVE_COLUMNS,
    ARCHIVE_SHEET,
    COL_ID,
    COL_RETAINED,
    COL_REVIEW_LEVEL,
    FIRST_DATA_ROW,
    GUIDE_SHEET,
    HEADER_ROW,
    KEY_ROW,
    LAYOUT_VERSION,
    LEADING_COLUMNS,
    PLAN_COLUMNS,
    PLAN_ROWS,
    PLAN_SHEET,
    PLAN_STATUSES,
    RESPONDENT_WIDTH,
    TITLE_ROW,
    TRAILING_COLUMNS,
    Carried,
    RespondentColumn,
    chapter_sheet_name,
    respondent_columns,
)
from capsync.workbook.identity import Identity
from capsync.workbook.spec import (
    CellRange,
    DateValidation,
    ListValidation,
    SheetSpec,
    Style,
    Value,
    WorkbookSpec,
)

LEVEL_MESSAGE = "Choisissez un niveau dans la liste, ou tapez son chiffre (par exemple 3)."
CRITERION_MESSAGE = "Choisissez l'identifiant d'un critère de la grille."
DATE_MESSAGE = "Tapez une date, par exemple 30/06/2026."
STATUS_MESSAGE = "Choisissez un statut dans la liste."
LEVEL_KEYS = (COL_RETAINED, COL_REVIEW_LEVEL)


def grid_spec(
    referentiel: Referentiel,
    collective: Collective,
    structure: Structure,
    settings: Settings | None = None,
    carried: Carried | None = None,
) -> WorkbookSpec:
    """The whole grid of ``structure``; ``carried`` fills it with a previous version's values."""
    settings = settings or Settings()
    carried = carried or Carried()
    respondents = respondent_columns(structure)
    sheets = [_guide_sheet(referentiel, collective, structure, settings)]
    for chapter in referentiel.chapters:
        criteria = [c for c in chapter.criteria if c.applies_to(structure.type)]
        if criteria:
            sheets.append(_chapter_sheet(referentiel, chapter, criteria, respondents, carried))
    applicable = [c.id for c in referentiel.criteria_for(structure.type)]
    sheets.append(_plan_sheet(structure, applicable, carried.plan_rows))
    if carried.archive_rows:
        sheets.append(archive_sheet(carried.archive_rows))
    identity = Identity(
        kind="grille",
        collective=collective.id,
        structure=structure.id,
        referentiel_id=referentiel.id,
        referentiel_version=referentiel.version,
        layout_version=LAYOUT_VERSION,
        respondents=tuple(r.key for r in respondents),
    )
    return WorkbookSpec(
        title=f"CAP RSE — grille d'auto-évaluation — {structure.name}",
        sheets=sheets,
        metadata=identity.as_metadata(),
    )


# -- chapter sheets ------------------------------------------------------------


def levels_text(referentiel: Referentiel, criterion: Criterion) -> str:
    """« 0 - Non engagé : … » one line per level, with this criterion's descriptions."""
    lines = []
    for level in referentiel.scale.levels:
        text = criterion.levels.get(level.value, level.description)
        lines.append(f"{level.value} - {level.label} : {text}")
    return "\n".join(lines)


def _chapter_sheet(
    referentiel: Referentiel,
    chapter: Chapter,
    criteria: list[Criterion],
    respondents: list[RespondentColumn],
    carried: Carried,
) -> SheetSpec:
    columns = [
        *LEADING_COLUMNS,
        *((r.key, r.header, RESPONDENT_WIDTH) for r in respondents),
        *TRAILING_COLUMNS,
    ]
    keys = [key for key, _, _ in columns]
    headers: list[Value] = [
        carried.respondent_headers.get(key, header) for key, header, _ in columns
    ]
    rows: list[list[Value]] = [[] for _ in range(FIRST_DATA_ROW)]
    rows[TITLE_ROW] = [f"Chapitre {chapter.id} — {chapter.title}"]
    rows[KEY_ROW] = list(keys)
    rows[HEADER_ROW] = headers
    for criterion in criteria:
        objective = referentiel.objective_of[criterion.id]
        row: list[Value] = [
            criterion.id,
            f"{objective.id} — {objective.title}",
            criterion.title,
            criterion.question,
            levels_text(referentiel, criterion),
        ]
        row += [carried.answers.get((criterion.id, key)) for key in keys[len(LEADING_COLUMNS) :]]
        rows.append(row)
    n_lead = len(LEADING_COLUMNS)
    first_resp = n_lead
    last_resp = n_lead + len(respondents) - 1
    locked: list[Style | None] = [Style.LOCKED] * n_lead
    column_styles = locked + [Style.INPUT] * (len(respondents) + len(TRAILING_COLUMNS))
    cell_styles: dict[tuple[int, int], Style] = {}
    notes: dict[tuple[int, int], str] = {}
    for i, respondent in enumerate(respondents):
        if respondent.header.startswith("Répondant·e"):  # anonymous: the structure names it
            cell_styles[(HEADER_ROW, first_resp + i)] = Style.INPUT
    if respondents and respondents[0].header.startswith("Répondant·e"):
        notes[(HEADER_ROW, first_resp)] = (
            "Vous pouvez remplacer « Répondant·e 1 » par le prénom de la personne qui répond."
        )
    notes[(HEADER_ROW, keys.index(COL_RETAINED))] = (
        "Le niveau retenu est le consensus du groupe, après discussion des réponses de chacun·e."
    )
    last_row = FIRST_DATA_ROW + len(criteria) - 1
    choices = tuple(referentiel.scale.choice_labels())
    level_cols = [*range(first_resp, last_resp + 1), *(keys.index(k) for k in LEVEL_KEYS)]
    validations: list[ListValidation | DateValidation] = [
        ListValidation(CellRange(FIRST_DATA_ROW, c1, last_row, c2), choices, LEVEL_MESSAGE)
        for c1, c2 in _spans(level_cols)
    ]
    return SheetSpec(
        name=chapter_sheet_name(chapter.id),
        rows=rows,
        column_widths=[w for _, _, w in columns],
        column_styles=column_styles,
        header_rows=FIRST_DATA_ROW,
        row_styles={TITLE_ROW: Style.TITLE, KEY_ROW: Style.LOCKED},
        cell_styles=cell_styles,
        hidden_rows=(KEY_ROW,),
        freeze_rows=FIRST_DATA_ROW,
        freeze_cols=keys.index(COL_ID) + 1,
        notes=notes,
        validations=validations,
        protected=True,
    )


def _spans(cols: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs of column indices, so that one validation covers each run."""
    spans: list[tuple[int, int]] = []
    for c in sorted(set(cols)):
        if spans and spans[-1][1] == c - 1:
            spans[-1] = (spans[-1][0], c)
        else:
            spans.append((c, c))
    return spans


# -- plan de progrès and archives --------------------------------------------


def _plan_sheet(
    structure: Structure, criterion_ids: list[str], carried: list[list[Value]]
) -> SheetSpec:
    keys = [key for key, _, _ in PLAN_COLUMNS]
    n_rows = max(PLAN_ROWS, len(carried))
    rows: list[list[Value]] = [[] for _ in range(FIRST_DATA_ROW)]
    rows[TITLE_ROW] = [f"Plan de progrès — {structure.name}"]
    rows[KEY_ROW] = list(keys)
    rows[HEADER_ROW] = [header for _, header, _ in PLAN_COLUMNS]
    for i in range(n_rows):
        values = carried[i] if i < len(carried) else []
        rows.append([values[c] if c < len(values) else None for c in range(len(keys))])
    last_row = FIRST_DATA_ROW + n_rows - 1
    col = keys.index
    column_styles = [Style.INPUT] * len(keys)
    column_styles[col("echeance")] = Style.INPUT_DATE

    def target(key: str) -> CellRange:
        return CellRange(FIRST_DATA_ROW, col(key), last_row, col(key))

    return SheetSpec(
        name=PLAN_SHEET,
        rows=rows,
        column_widths=[w for _, _, w in PLAN_COLUMNS],
        column_styles=list(column_styles),
        header_rows=FIRST_DATA_ROW,
        row_styles={TITLE_ROW: Style.TITLE, KEY_ROW: Style.LOCKED},
        hidden_rows=(KEY_ROW,),
        freeze_rows=FIRST_DATA_ROW,
        validations=[
            ListValidation(target("critere"), tuple(criterion_ids), CRITERION_MESSAGE),
            DateValidation(target("echeance"), DATE_MESSAGE),
            ListValidation(target("statut"), PLAN_STATUSES, STATUS_MESSAGE),
        ],
        protected=True,
    )


def archive_sheet(archive_rows: list[list[Value]]) -> SheetSpec:
    """« Archives »: what an upgrade could not place in the new grid, kept as typed."""
    rows: list[list[Value]] = [[] for _ in range(FIRST_DATA_ROW)]
    rows[TITLE_ROW] = [
        "Archives — réponses conservées lors des mises à jour de la grille (ne pas effacer)"
    ]
    rows[KEY_ROW] = [key for key, _, _ in ARCHIVE_COLUMNS]
    rows[HEADER_ROW] = [header for _, header, _ in ARCHIVE_COLUMNS]
    rows += [list(r) for r in archive_rows]
    styles: list[Style | None] = [Style.TEXT] * len(ARCHIVE_COLUMNS)
    styles[-1] = Style.DATE
    return SheetSpec(
        name=ARCHIVE_SHEET,
        rows=rows,
        column_widths=[w for _, _, w in ARCHIVE_COLUMNS],
        column_styles=styles,
        header_rows=FIRST_DATA_ROW,
        row_styles={TITLE_ROW: Style.TITLE, KEY_ROW: Style.LOCKED},
        hidden_rows=(KEY_ROW,),
        freeze_rows=FIRST_DATA_ROW,
        tab_color="#7F7F7F",
    )


# -- mode d'emploi ---------------------------------------------------------------


def format_date(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def phase_when(phase: Phase) -> str:
    """« 08/04/2025 à 15h30 », with « (à confirmer) » for a tentative date."""
    text = format_date(phase.date)
    if phase.time:
        text += f" à {phase.time:%H}h{phase.time:%M}"
    if phase.place:
        text += f", {phase.place}"
    if phase.tentative:
        text += " (à confirmer)"
    return text


def _chapter_dates(collective: Collective, chapter_id: str) -> str:
    parts = []
    for kind, label in (
        (PhaseKind.VISIO_LECTURE, "Visio lecture"),
        (PhaseKind.REGROUPEMENT, "Regroupement"),
    ):
        phases = [p for p in collective.phases() if p.kind == kind and p.chapter == chapter_id]
        when = " ; ".join(phase_when(p) for p in phases) if phases else "date à venir"
        parts.append(f"{label} : {when}")
    return "\n".join(parts)


@dataclass
class _Guide:
    """The « Mode d'emploi » being written: label / text rows, section headers styled."""

    rows: list[list[Value]] = field(default_factory=list)
    styles: dict[tuple[int, int], Style] = field(default_factory=dict)

    def section(self, title: str) -> None:
        self.rows.append([])
        self.rows.append([title])
        self.styles[(len(self.rows) - 1, 0)] = Style.HEADER
        self.styles[(len(self.rows) - 1, 1)] = Style.HEADER

    def line(self, label: Value, text: Value = None) -> None:
        self.rows.append([label, text])


def _guide_approach(guide: _Guide) -> None:
    guide.section("La démarche")
    guide.line(
        "CAP RSE",
        "CAP RSE est la démarche de progrès en responsabilité sociétale (RSE) proposée par "
        "COORACE à ses adhérents. Elle fonctionne par niveaux de maturité : chaque critère du "
        "référentiel décrit ce qu'est un niveau 0 (non engagé) jusqu'au niveau le plus élevé.",
    )
    guide.line(
        "Auto-évaluation",
        "7 à 8 personnes de la structure (direction, salarié·e·s permanent·e·s, "
        "administrateur·rice·s, salarié·e·s en parcours) évaluent chacune chaque critère, "
        "puis le groupe se met d'accord sur un niveau retenu (consensus).",
    )
    guide.line(
        "Évaluation complémentaire",
        "Un tiers (délégation régionale) ou un pair (une autre structure du réseau) relit "
        "l'auto-évaluation et donne son propre niveau et un commentaire.",
    )
    guide.line(
        "Plan de progrès",
        "À partir des résultats, la structure note dans l'onglet « Plan de progrès » les "
        "actions qu'elle s'engage à mener : critère, action, responsable, échéance, statut.",
    )
    guide.line(
        "Un chapitre par trimestre",
        "Le collectif avance d'un chapitre par trimestre : lecture partagée du chapitre "
        "(visio), auto-évaluation dans cette grille, puis regroupement du collectif.",
    )


def _guide_who_fills_what(guide: _Guide) -> None:
    guide.section("Qui remplit quoi")
    guide.line(
        "Chaque répondant·e",
        "Sa colonne, dans chaque onglet « Chapitre » : un niveau par critère, choisi dans "
        "la liste (ou tapé : 0 à 4, « Non applicable », « Ne sait pas »).",
    )
    guide.line(
        "Le groupe",
        "La colonne « Niveau retenu » (le consensus) et « Justification / preuves ».",
    )
    guide.line(
        "Le tiers ou le pair",
        "Les colonnes « Niveau tiers / pair » et « Commentaire tiers / pair ».",
    )
    guide.line(
        "À savoir",
        "Les cellules jaunes sont à remplir ; les autres sont protégées. Ne modifiez pas la "
        "colonne ID. Vous pouvez renommer les en-têtes « Répondant·e N », trier les lignes "
        "et ajouter des colonnes : vos réponses restent reconnues.",
    )


def _guide_levels(guide: _Guide, referentiel: Referentiel) -> None:
    guide.section("Les niveaux de maturité")
    for level in referentiel.scale.levels:
        guide.line(f"{level.value} - {level.label}", level.description)
    guide.line(referentiel.scale.not_applicable.label, "Le critère ne concerne pas la structure.")
    guide.line(referentiel.scale.unknown.label, "La personne ne connaît pas la réponse.")


def _guide_calendar(guide: _Guide, referentiel: Referentiel, collective: Collective) -> None:
    guide.section("Calendrier du collectif")
    for chapter in referentiel.chapters:
        guide.line(
            f"Chapitre {chapter.id} — {chapter.title}", _chapter_dates(collective, chapter.id)
        )
    for phase in collective.phases():
        if phase.chapter is None:
            notes = f" — {phase.notes}" if phase.notes else ""
            guide.line(phase.title, phase_when(phase) + notes)


def _guide_help(guide: _Guide, collective: Collective, settings: Settings) -> None:
    guide.section("Besoin d'aide ?")
    for delegate in collective.delegates:
        role = DelegateRole(delegate.role).label
        guide.line(f"{delegate.name} ({role})", str(delegate.email))
    if settings.help_contact:
        guide.line("Contact", settings.help_contact)


def _guide_sheet(
    referentiel: Referentiel, collective: Collective, structure: Structure, settings: Settings
) -> SheetSpec:
    """« Mode d'emploi »: who this grid is for, the approach, who fills what, levels, dates."""
    guide = _Guide()
    guide.rows.append(["CAP RSE — grille d'auto-évaluation"])
    guide.styles[(0, 0)] = Style.TITLE
    guide.line("Structure", f"{structure.name} ({StructureType(structure.type).label})")
    guide.line("Collectif", collective.name)
    guide.line("Référentiel", f"{referentiel.title} — version {referentiel.version}")
    _guide_approach(guide)
    _guide_who_fills_what(guide)
    _guide_levels(guide, referentiel)
    _guide_calendar(guide, referentiel, collective)
    _guide_help(guide, collective, settings)
    return SheetSpec(
        name=GUIDE_SHEET,
        rows=guide.rows,
        column_widths=[34, 100],
        column_styles=[Style.TEXT, Style.TEXT],
        cell_styles=guide.styles,
        protected=True,
        tab_color="#1F4E79",
    )

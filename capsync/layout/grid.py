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
from collections.abc import Sequence
from dataclasses import dataclass, field

from capsync.campaign.config import Collective, Phase, Settings, Structure, campaign_of
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.vocabulary import DelegateRole, PhaseKind
from capsync.french import typeset
from capsync.layout.grid_calc import with_twins
from capsync.layout.grid_chapter import chapter_sheet, levels_sheet, levels_text, typeset_rows
from capsync.layout.plan_sheet import PlanSheet, plan_sheet, retained_lookups, with_suggestions
from capsync.workbook.grid_schema import (
    ARCHIVE_COLUMNS,
    ARCHIVE_SHEET,
    FIRST_DATA_ROW,
    GUIDE_SHEET,
    HEADER_ROW,
    KEY_ROW,
    LAYOUT_VERSION,
    PLAN_ROWS,
    TITLE_ROW,
    Carried,
    plan_criterion_choice,
    respondent_columns,
)
from capsync.workbook.identity import Identity
from capsync.workbook.spec import (
    SheetSpec,
    Style,
    Value,
    WorkbookSpec,
)

__all__ = ["archive_sheet", "grid_spec", "levels_text"]


def grid_spec(
    referentiel: Referentiel,
    collective: Collective,
    structure: Structure,
    settings: Settings | None = None,
    carried: Carried | None = None,
    suggestions: Sequence[Sequence[Value]] = (),
    *,
    twins: bool = True,
) -> WorkbookSpec:
    """The whole grid of ``structure``; ``carried`` fills it with a previous version's values.

    ``suggestions`` (plan rows from the chemin vers le label, :mod:`capsync.layout.plan_lines`)
    go into the plan's empty lines, after every carried line: never over a typed one.
    ``twins`` False leaves the formulas in their sheets (:mod:`capsync.layout.grid_calc`):
    for a comparison of headers, never for a grid to write.
    """
    settings = settings or Settings()
    carried = carried or Carried()
    respondents = respondent_columns(structure)
    sheets = [_guide_sheet(referentiel, collective, structure, settings)]
    for chapter in referentiel.chapters:
        criteria = [c for c in chapter.criteria if c.applies_to(structure.all_types)]
        if criteria:
            sheets.append(
                chapter_sheet(
                    referentiel, collective, structure, chapter, criteria, respondents, carried
                )
            )
    applicable = referentiel.criteria_for(structure.all_types)
    choices = [plan_criterion_choice(c.id, c.title) for c in applicable]
    plan_rows = with_suggestions(carried.plan_rows, suggestions, PLAN_ROWS)
    levels = tuple(f"{lv.value} - {lv.label}" for lv in referentiel.scale.levels)
    plan = PlanSheet(structure.name, choices, levels)
    sheets.append(plan_sheet(plan, plan_rows, retained_lookups(sheets[1:])))
    sheets.append(levels_sheet(referentiel, applicable))
    if carried.archive_rows:
        sheets.append(archive_sheet(carried.archive_rows))
    if twins:  # the formulas on hidden sheets a pull does not read
        sheets = with_twins(sheets)
    identity = Identity(
        kind="grille",
        collective=collective.id,
        structure=structure.id,
        referentiel_id=referentiel.id,
        referentiel_version=referentiel.version,
        layout_version=LAYOUT_VERSION,
        respondents=tuple(r.key for r in respondents),
        campaign=campaign_of(structure),
    )
    return WorkbookSpec(
        title=typeset(f"{referentiel.approach} — grille d'auto-évaluation — {structure.name}"),
        sheets=sheets,
        metadata=identity.as_metadata(),
    )


# -- plan de progrès and archives --------------------------------------------


def archive_sheet(archive_rows: list[list[Value]]) -> SheetSpec:
    """« Archives »: what an upgrade could not place in the new grid, kept as typed."""
    rows: list[list[Value]] = [[] for _ in range(FIRST_DATA_ROW)]
    rows[TITLE_ROW] = [
        "Archives — réponses conservées lors des mises à jour de la grille (ne pas effacer)"
    ]
    rows[KEY_ROW] = [key for key, _, _ in ARCHIVE_COLUMNS]
    rows[HEADER_ROW] = [header for _, header, _ in ARCHIVE_COLUMNS]
    typeset_rows(rows, TITLE_ROW, FIRST_DATA_ROW)  # the archived values stay as typed
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


def _guide_approach(guide: _Guide, approach: str) -> None:
    guide.section("La démarche")
    what = (
        "la démarche de progrès en responsabilité sociétale (RSE)"
        if approach == "CAP RSE"
        else "une démarche de progrès"
    )  # another référentiel (CAP ISO 9001…) says what it is in its own title
    guide.line(
        approach,
        f"{approach} est {what} proposée par COORACE à ses adhérents. Elle fonctionne par "
        "niveaux de maturité : chaque critère du référentiel décrit ce qu'est un niveau 0 "
        "(non engagé) jusqu'au niveau le plus élevé.",
    )
    guide.line(
        "Auto-évaluation",
        "7 à 8 personnes de la structure (direction, salarié·e·s permanent·e·s, "
        "administrateur·rice·s, salarié·e·s en parcours) évaluent chacune chaque critère, "
        "puis le groupe se met d'accord sur un niveau retenu (consensus).",
    )
    guide.line(
        "Évaluation complémentaire",
        "Le tiers (délégation régionale) et un pair (une personne d'une autre structure du "
        "réseau, différente pour chaque chapitre) relisent l'auto-évaluation avec la structure "
        "et donnent chacun leur niveau et un commentaire, dans leurs propres colonnes.",
    )
    guide.line(
        "Plan de progrès",
        "À partir des résultats, la structure note dans l'onglet « Plan de progrès » les "
        "actions qu'elle s'engage à mener : critère, niveau visé, action, responsable, "
        "échéance, statut. Le niveau actuel se remplit tout seul à partir du niveau retenu ; "
        "les lignes « chemin vers le label » sont des suggestions à garder, modifier ou effacer.",
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
        "Les colonnes « Niveau retenu » (le consensus) et « Justification / preuves ». Les "
        "colonnes bleues « Réponses », « Médiane », « Écart » et « À discuter ? » se calculent "
        "toutes seules : commencez la réunion par les lignes colorées « à discuter ».",
    )
    guide.line(
        "Le tiers et le pair",
        "Les colonnes mauves « Niveau tiers » et « Commentaire tiers », « Niveau pair » et "
        "« Commentaire pair » ; leur en-tête dit qui relit le chapitre et quand.",
    )
    guide.line(
        "Les niveaux",
        "Passez la souris sur une question pour lire ce que veut dire chaque niveau pour ce "
        "critère, ou ouvrez l'onglet « Niveaux par critère ». Dans une case de niveau, "
        "choisissez dans la liste ou tapez simplement le chiffre (par exemple 3).",
    )
    guide.line(
        "À savoir",
        "Les cellules jaunes (et mauves pour le tiers et le pair) sont à remplir ; les autres "
        "sont protégées. Ne modifiez pas la colonne ID. Vous pouvez renommer les en-têtes "
        "« Répondant·e N » et ajouter des colonnes : vos réponses restent reconnues.",
    )
    guide.line(
        "Filtrer",
        "Pour travailler un objectif à la fois, utilisez le bouton de filtre de l'en-tête "
        "« Objectif » (ou « À discuter ? » pour ne voir que les lignes à discuter). Le tri des "
        "lignes n'est pas possible sur une feuille protégée dans Excel : filtrez plutôt.",
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
    guide.rows.append([f"{referentiel.approach} — grille d'auto-évaluation"])
    guide.styles[(0, 0)] = Style.TITLE
    guide.line("Structure", f"{structure.name} ({structure.type_label})")
    guide.line("Collectif", collective.name)
    guide.line("Référentiel", f"{referentiel.title} — version {referentiel.version}")
    _guide_approach(guide, referentiel.approach)
    _guide_who_fills_what(guide)
    _guide_levels(guide, referentiel)
    _guide_calendar(guide, referentiel, collective)
    _guide_help(guide, collective, settings)
    typeset_rows(guide.rows)
    return SheetSpec(
        name=GUIDE_SHEET,
        rows=guide.rows,
        column_widths=[34, 100],
        column_styles=[Style.TEXT, Style.TEXT],
        cell_styles=guide.styles,
        protected=True,
        tab_color="#1F4E79",
    )

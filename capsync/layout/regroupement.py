"""The regroupement kit as a workbook, for the délégué·e·s (pure): one sheet per question.

« Kit » (the meeting and its figures), « Répartition » (per criterion, the
count of structures at each level, with the radar of the collectif's means),
« Critères qui partagent », « Qui pourrait témoigner », « Retards »,
« Offre de services », « Ordre du jour ». Laid out from the same
:class:`~capsync.layout.regroupement_data.KitData` as the PDF; every table has
filter buttons; a justification quoted is copied as typed, never a formula.
"""

from __future__ import annotations

from collections.abc import Sequence

from capsync.french import typeset
from capsync.layout.regroupement_data import (
    FEW,
    HIDDEN,
    SHOWN_TYPE,
    KitData,
    LevelCount,
    line_text,
    weak_rule,
)
from capsync.layout.tables import (
    FIRST_ROW,
    Column,
    span_title_and_note,
    table_sheet,
    typeset_sheet,
)
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

LAYOUT_VERSION = 1
KIT_SHEET = "Kit"
LEVELS_SHEET = "Répartition"
DIVIDING_SHEET = "Critères qui partagent"
WITNESS_SHEET = "Qui pourrait témoigner"
LATE_SHEET = "Retards"
SERVICES_SHEET = "Offre de services"
AGENDA_SHEET = "Ordre du jour"
FEW_MARK = "peu de réponses"
HIDDEN_NOTE = (
    f"un critère auquel moins de {FEW} structures ont répondu n'a ni moyenne ni répartition "
    f"(« {HIDDEN} ») : un critère propre à un type de structure désignerait la structure."
)


def _table(
    name: str, title: str, note: str, columns: Sequence[Column], rows: list[list[Value]],
    empty: str,
) -> SheetSpec:  # fmt: skip
    sheet = table_sheet(
        name, typeset(title), typeset(note), columns, rows, empty_message=typeset(empty)
    )
    return typeset_sheet(span_title_and_note(sheet))  # the référentiel's texts too


def kit_sheet(kit: KitData) -> SheetSpec:
    """The meeting and its figures, as label / value lines."""
    answered = f"{kit.answered} sur {kit.structures}"
    lines: list[list[str]] = [
        ["Collectif", kit.collective_name],
        ["Chapitre", f"{kit.chapter} — {kit.chapter_title}"],
        ["Regroupement", f"{kit.meeting:%d/%m/%Y}" + (f", {kit.place}" if kit.place else "")],
        ["Kit produit le", f"{kit.today:%d/%m/%Y}"],
        ["Structures ayant répondu au chapitre", answered],
        ["Moyenne du collectif sur le chapitre", kit.chapter_mean_text],
        ["Critères qui partagent le collectif", str(len(kit.dividing))],
        ["Points faibles communs", str(len(kit.weak_points))],
        ["Structures en retard ou sans réponse", str(len(kit.stragglers))],
    ]
    note = (
        f"Kit anonyme : aucune structure n'y est nommée ; {HIDDEN_NOTE}"
        if kit.anonymous
        else "Une structure n'est citée comme témoin que si elle l'a accepté ; sinon « une "
        f"structure », avec son type quand au moins {SHOWN_TYPE} structures du collectif le "
        "partagent (et sans type du tout si le type manquant des autres les désignerait). "
        "Pour projeter ou diffuser : capsync regroupement --anonyme."
    )
    rows: list[list[Value]] = [[typeset(a), typeset(b)] for a, b in lines]
    return _table(
        KIT_SHEET, kit.title, note, [Column("En bref", 40), Column("", 70)], rows, "",
    )  # fmt: skip


def _level_row(line: LevelCount) -> list[Value]:
    if line.hidden:  # no figure, so no point on the radar either
        return [line.criterion, line.title, None, None, HIDDEN, *(None for _ in line.counts),
                None, None]  # fmt: skip
    return [
        line.criterion,
        line.title,
        line.mean,
        line.n,
        FEW_MARK if line.few else "",
        *line.counts,
        line.spread,
        line.weak,
    ]


def _level_columns(kit: KitData) -> list[Column]:
    return [
        Column("Critère", 9),
        Column("Intitulé", 40),
        Column("Moyenne du collectif", 11, Style.SCORE),
        Column("Structures ayant répondu", 11, Style.INTEGER),
        Column(f"Moins de {FEW} réponses", 12),
        *(Column(f"{v} - {name}", 11, Style.INTEGER) for v, name in kit.levels),
        Column("Écart entre structures (niveaux)", 11, Style.INTEGER),
        Column(f"Sous le niveau {kit.weak_level}", 11, Style.INTEGER),
    ]


def levels_sheet(kit: KitData) -> SheetSpec:
    """Per criterion: how many structures at each level, the mean and the count it rests on;
    the radar of the means beside it."""
    rows = [_level_row(line) for line in kit.lines]
    few = (
        HIDDEN_NOTE[0].upper() + HIDDEN_NOTE[1:]
        if kit.anonymous
        else f"Une moyenne sur moins de {FEW} structures est signalée « {FEW_MARK} »."
    )
    sheet = _table(
        LEVELS_SHEET,
        f"Répartition par critère — chapitre {kit.chapter}",
        f"Nombre de structures à chaque niveau (niveau retenu). {few}",
        _level_columns(kit),
        rows,
        "Aucun critère dans ce chapitre.",
    )
    if rows:
        last = FIRST_ROW + len(rows) - 1
        sheet.charts.append(
            Chart(
                kind=ChartKind.RADAR,
                title=f"Moyenne du collectif par critère — chapitre {kit.chapter}",
                categories=CellRange(FIRST_ROW, 0, last, 0, LEVELS_SHEET),
                series=(Series("Moyenne du collectif", CellRange(FIRST_ROW, 2, last, 2)),),
                anchor_row=last + 2,
                anchor_col=1,
                y_max=float(kit.levels[-1][0]),
            )
        )  # fmt: skip
    return sheet


def dividing_sheet(kit: KitData) -> SheetSpec:
    rows = [_level_row(line) for line in kit.dividing]
    return _table(
        DIVIDING_SHEET,
        "Les critères qui partagent le collectif",
        "Les plus grands écarts de niveau retenu entre structures : de quoi lancer le débat.",
        _level_columns(kit),
        rows,
        "Aucun écart entre structures pour le moment (il faut deux réponses au moins).",
    )


def witness_sheet(kit: KitData) -> SheetSpec:
    """For each weak point, the structures at level 3–4 whose justification describes a
    practice; the justification as typed, next to a named structure only."""
    rows: list[list[Value]] = []
    for point in kit.weak_points:
        line = point.line
        common: list[Value] = [line.criterion, line.title, line_text(line), line.weak]
        if not point.witnesses:
            rows.append([*common, typeset("(personne au niveau 3 ou 4 avec une pratique décrite)"),
                         None, ""])  # fmt: skip
        for w in point.witnesses:
            rows.append([*common, w.label, w.level_text, w.excerpt])
    return _table(
        WITNESS_SHEET,
        "Points faibles communs : qui pourrait témoigner",
        f"Un point faible : {weak_rule(kit.weak_level)}. "
        "Témoins possibles : niveau retenu 3 ou 4 et une justification qui décrit une "
        "pratique. "
        + (
            "Aucune structure n'est nommée dans ce kit anonyme."
            if kit.anonymous
            else "Une structure n'est nommée que si elle l'a accepté."
        ),
        [
            Column("Critère", 9),
            Column("Intitulé", 34),
            Column("Moyenne du collectif", 22),
            Column(f"Structures sous le niveau {kit.weak_level}", 12, Style.INTEGER),
            Column("Structure", 30),
            Column("Niveau retenu", 24),
            Column("Ce qu'elle fait (sa justification)", 60),
        ],
        rows,
        "Aucun point faible commun à ce chapitre.",
    )


def late_sheet(kit: KitData) -> SheetSpec:
    """Who has not finished; without counts in an anonymous kit where the number of
    criteria that apply differs between structures (it would tell their type)."""
    note = f"Au {kit.today:%d/%m/%Y}, regroupement le {kit.meeting:%d/%m/%Y}."
    columns = [Column("Structure", 34), Column("État", 14)]
    rows: list[list[Value]] = [[s.label, s.status] for s in kit.stragglers]
    if kit.late_figures:
        columns += [
            Column("Complétude", 11, Style.PERCENT),
            Column("Critères renseignés", 11, Style.INTEGER),
            Column("Critères applicables", 11, Style.INTEGER),
        ]
        for row, s in zip(rows, kit.stragglers, strict=True):
            row += [s.completion, s.answered, s.applicable]
    else:
        note += (
            " Avancement par quart : le nombre de critères applicables diffère selon le type"
            " de structure et la désignerait."
        )
        columns.append(Column("Avancement", 44))
        for row, s in zip(rows, kit.stragglers, strict=True):
            row.append(s.progress)
    return _table(
        LATE_SHEET,
        f"Qui n'a pas fini le chapitre {kit.chapter}",
        note,
        columns,
        rows,
        "Toutes les structures ont complété le chapitre.",
    )


def services_sheet(kit: KitData) -> SheetSpec:
    rows: list[list[Value]] = [
        [s.title, s.description, s.url, ", ".join(s.for_criteria)] for s in kit.services
    ]
    return _table(
        SERVICES_SHEET,
        "L'offre de services des points faibles",
        "Ce que le réseau propose sur les points faibles communs du chapitre.",
        [Column("Service", 34), Column("Description", 60), Column("Lien", 36),
         Column("Critères", 14)],
        rows,
        "Aucun service de l'offre n'est lié aux points faibles de ce chapitre.",
    )  # fmt: skip


def agenda_sheet(kit: KitData) -> SheetSpec:
    rows: list[list[Value]] = [[a.start, a.minutes, a.title, a.detail] for a in kit.agenda]
    return _table(
        AGENDA_SHEET,
        f"Ordre du jour (projet) — {kit.title}",
        "Un projet à adapter : les durées sont indicatives.",
        [Column("Heure", 9), Column("Durée (min)", 9, Style.INTEGER), Column("Séquence", 40),
         Column("Détail", 70)],
        rows,
        "",
    )  # fmt: skip


def kit_spec(kit: KitData, collective_id: str, referentiel_id: str, version: str) -> WorkbookSpec:
    """The whole kit workbook, read-only."""
    identity = Identity(
        kind=Kind.REGROUPEMENT.value,
        collective=collective_id,
        referentiel_id=referentiel_id,
        referentiel_version=version,
        layout_version=LAYOUT_VERSION,
    )
    sheets = [
        kit_sheet(kit),
        levels_sheet(kit),
        dividing_sheet(kit),
        witness_sheet(kit),
        late_sheet(kit),
        services_sheet(kit),
        agenda_sheet(kit),
    ]
    return WorkbookSpec(
        title=f"Kit du regroupement — {kit.collective_name}",
        sheets=sheets,
        metadata=identity.as_metadata(),
    )

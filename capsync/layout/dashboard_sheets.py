"""The dashboard's detail sheets: Avancement, Critères, Écarts, Plans de progrès, Historique,
Anomalies. Each is a pure function of the frames it shows (see :mod:`.dashboard`)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter
from collections.abc import Mapping
from typing import Any

import pandas as pd

from capsync.campaign.referentiel import Referentiel
from capsync.layout.review_gaps import gap_rows
from capsync.layout.tables import (
    FIRST_ROW,
    HEADER_ROW,
    Column,
    as_date,
    as_datetime,
    frame_rows,
    integer,
    number,
    person_text,
    style_column,
    table_sheet,
)
from capsync.layout.to_fix import file_name, without_paths
from capsync.parse.answers import anomaly_kind
from capsync.scoring import scores as scoring
from capsync.workbook.spec import (
    CellRange,
    ConditionalFormat,
    ConditionalKind,
    SheetSpec,
    Style,
    Value,
)

CRITERIA_SHEET = "Critères"
GAPS_SHEET = "Écarts"
ACTIONS_SHEET = "Plans de progrès"
HISTORY_SHEET = "Historique"
ANOMALIES_SHEET = "Anomalies"

LATE = "en retard"
TO_REASSESS = "à réévaluer"
COMPLETE = "complet"
IN_PROGRESS = "en cours"
NOT_STARTED = "non commencé"
# The « État » of a chapter none of whose criteria apply to the structure's type (not the
# answer « Non applicable », which is the parser's AnswerKind.NOT_APPLICABLE).
NO_CRITERION_APPLIES = "sans objet"
TO_DISCUSS = "à discuter"
CLOSED_STATUSES = frozenset({"fait", "abandonné"})
FEW_ANSWERS = "peu de réponses"  # a mean on fewer than 3 structures


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def action_is_late(echeance: Any, statut: Any, today: dt.date) -> bool:
    """An action is late when its échéance is past and it is neither « fait » nor « abandonné »."""
    deadline = as_date(echeance)
    return (
        deadline is not None
        and deadline < today
        and _fold(person_text(statut)) not in {_fold(s) for s in CLOSED_STATUSES}
    )


def chapter_status(
    completion: float | None,
    answered: int,
    regroupement: dt.date | None,
    late_days: int,
    today: dt.date,
    applicable: int | None = None,
) -> str:
    """« complet », « en retard » (regroupement in fewer than ``late_days`` days or past,
    and not complete), « en cours », « non commencé », or « sans objet » when no criterion
    of the chapter applies to the structure."""
    if applicable == 0:
        return NO_CRITERION_APPLIES
    if completion is not None and completion >= 1.0:
        return COMPLETE
    if regroupement is not None and (regroupement - today).days < late_days:
        return LATE
    return IN_PROGRESS if answered > 0 else NOT_STARTED


def _weak_count(record: Mapping[str, Any]) -> int:
    """How many answering structures are below the weak level (their share × their number)."""
    share, answered = number(record.get("share_weak")), integer(record.get("n_answered"))
    return round(share * answered) if share is not None and answered else 0


def criteria_sheet(referentiel: Referentiel, criteria: pd.DataFrame) -> SheetSpec:
    """Per criterion: the collectif's mean, answers per level and the share of weak structures,
    common weak points first (the next regroupement's agenda)."""
    stats = scoring.criterion_statistics(criteria, referentiel)
    weak = referentiel.scoring.weak_level
    levels = referentiel.scale.levels
    columns = [
        Column("ID", 8),
        Column("Chapitre", 9),
        Column("Objectif", 9),
        Column("Critère", 40),
        Column("Moyenne du collectif", 12, Style.SCORE),
        Column("Structures ayant répondu", 12, Style.INTEGER),
        Column("Moins de 3 réponses", 11),
        *(Column(f"{lv.value} - {lv.label}", 11, Style.INTEGER) for lv in levels),
        Column(f"Part des structures sous le niveau {weak}", 14, Style.PERCENT),
    ]
    records = frame_rows(stats)
    records.sort(  # as the note says: most structures below the level first, then the share
        key=lambda r: (
            -_weak_count(r),
            -(number(r.get("share_weak")) or -1.0),
            number(r.get("mean")) if number(r.get("mean")) is not None else 99.0,
            list(referentiel.criteria).index(r["criterion"])
            if r["criterion"] in referentiel.criteria
            else 0,
        )
    )
    rows: list[list[Value]] = [
        [
            str(r["criterion"]),
            str(r["chapter"]),
            str(r["objective"]),
            str(r["title"]),
            number(r.get("mean")),
            integer(r.get("n_answered")),
            FEW_ANSWERS if 0 < (integer(r.get("n_answered")) or 0) < 3 else "",
            *(integer(r.get(f"level_{lv.value}")) for lv in levels),
            number(r.get("share_weak")),
        ]
        for r in records
    ]
    note = (
        f"Les critères où le plus de structures sont sous le niveau {weak} viennent en premier : "
        "de quoi préparer l'ordre du jour du prochain regroupement."
    )
    sheet = table_sheet(
        CRITERIA_SHEET,
        "Critères — résultats du collectif",
        note,
        columns,
        rows,
        empty_message="Aucune réponse pour le moment.",
    )
    sheet.freeze_cols = 1
    if rows:
        sheet.conditional_formats.append(
            ConditionalFormat(
                CellRange(FIRST_ROW, 4, FIRST_ROW + len(rows) - 1, 4),
                ConditionalKind.COLOR_SCALE,
                maximum=float(referentiel.scale.max_value),
            )
        )
    return sheet


GAP_COLUMNS = (
    Column("Critère", 8),
    Column("Intitulé", 34),
    Column("Écart entre", 22),
    Column("Niveau retenu", 10, Style.LEVEL),
    Column("Niveau le plus bas", 10, Style.INTEGER),
    Column("Niveau le plus haut", 10, Style.INTEGER),
    Column("Niveau tiers / pair", 10, Style.INTEGER),
    Column("Écart", 8, Style.LEVEL),
    Column("Suite", 12),
    Column("Justification", 40),
    Column("Commentaire tiers / pair", 40),
)
"""The columns of a gap table, shared by the dashboard and the restitution."""


def gaps_sheet(
    referentiel: Referentiel,
    criteria: pd.DataFrame,
    answers: pd.DataFrame,
    texts: pd.DataFrame,
    names: Mapping[str, str],
) -> SheetSpec:
    """Divergences « à discuter » (with the lowest and highest levels) and self vs review gaps."""
    columns = [Column("Structure", 30), *GAP_COLUMNS]
    rows: list[list[Value]] = [
        [
            names.get(g["structure"], g["structure"]),
            g["criterion"],
            g["title"],
            g["kind"],
            g["retained"],
            integer(g["low"]),
            integer(g["high"]),
            integer(g["review"]),
            g["gap"],
            g["action"],
            g["justification"],
            g["review_comment"],
        ]
        for g in gap_rows(referentiel, criteria, answers, texts)
    ]
    threshold = referentiel.scoring.divergence_threshold
    sheet = table_sheet(
        GAPS_SHEET,
        "Écarts à discuter",
        f"« {TO_DISCUSS} » : les avis des répondant·e·s sont vraiment partagés (deux "
        f"personnes au moins de chaque côté d'un écart de {threshold} niveaux, à partir de 4 "
        f"réponses), le niveau retenu s'écarte d'au moins {threshold} de la médiane, ou le "
        f"tiers ou le pair s'écarte d'au moins {threshold} du niveau retenu.",
        columns,
        rows,
        empty_message="Aucun écart pour le moment.",
    )
    style_column(sheet, rows, 9, {TO_DISCUSS: Style.WARNING})
    return sheet


def actions_sheet(
    referentiel: Referentiel, actions: pd.DataFrame, names: Mapping[str, str], today: dt.date
) -> SheetSpec:
    """Every structure's plan de progrès; overdue actions flagged « en retard »."""
    order = {sid: i for i, sid in enumerate(names)}
    records = frame_rows(actions)
    records.sort(
        key=lambda r: (
            order.get(str(r.get("structure")), len(order)),
            as_date(r.get("echeance")) or dt.date.max,
        )
    )
    columns = [
        Column("Structure", 30),
        Column("Critère", 8),
        Column("Intitulé du critère", 30),
        Column("Action", 48),
        Column("Responsable", 20),
        Column("Échéance", 12, Style.DATE),
        Column("Statut", 12),
        Column("Commentaire", 36),
        Column("Retard", 10),
        Column("Niveau actuel", 9, Style.LEVEL),
        Column("Niveau visé", 9),
        Column("Origine", 18),
        Column("Réévaluation", 13),
    ]  # the last four: capsync.scoring.plan_followup (absent columns show blank)
    rows: list[list[Value]] = []
    for r in records:
        criterion = person_text(r.get("criterion"))
        known = referentiel.criteria.get(criterion)
        late = action_is_late(r.get("echeance"), r.get("statut"), today)
        structure = str(r.get("structure"))
        rows.append(
            [
                names.get(structure, structure),
                criterion,
                known.title if known else "",
                person_text(r.get("action")),
                person_text(r.get("responsable")),
                as_date(r.get("echeance")),
                person_text(r.get("statut")),
                person_text(r.get("commentaire")),
                LATE if late else "",
                plan_level(r.get("niveau_actuel")),
                person_text(r.get("niveau_vise")),
                person_text(r.get("origine")) or ("structure" if r.get("action") else ""),
                TO_REASSESS if r.get("a_reevaluer") is True else "",
            ]
        )
    sheet = table_sheet(
        ACTIONS_SHEET,
        "Plans de progrès du collectif",
        f"Au {today:%d/%m/%Y}. Une action est « {LATE} » quand son échéance est passée et "
        f"qu'elle n'est ni « fait » ni « abandonné » ; une action « fait » laisse son critère "
        f"« {TO_REASSESS} » jusqu'à ce que son niveau retenu (ou sa justification) soit revu.",
        columns,
        rows,
        empty_message="Aucune action saisie pour le moment.",
    )
    style_column(sheet, rows, 8, {LATE: Style.WARNING})
    style_column(sheet, rows, 12, {TO_REASSESS: Style.WARNING})
    return sheet


def plan_level(value: Any) -> float | None:
    """A retained level for a sheet: a number, or blank when there is none."""
    if value is None or isinstance(value, str):
        return None
    level = float(value)
    return None if level != level else level  # NaN: not rated


def history_sheet(
    referentiel: Referentiel, history: pd.DataFrame, names: Mapping[str, str]
) -> SheetSpec:
    """Scores by date: one row per (date, structure) whose scores changed since that
    structure's previous row (daily snapshots would repeat the same line for months);
    a structure with no score at all is left out."""
    table: dict[tuple[dt.date, str], dict[str, float | None]] = {}
    for r in frame_rows(history):
        day = as_date(r.get("date"))
        if day is None:
            continue
        chapter = person_text(r.get("chapter"))
        table.setdefault((day, str(r["structure"])), {})[chapter] = number(r.get("score"))
    order = {sid: i for i, sid in enumerate(names)}
    ids = [ch.id for ch in referentiel.chapters] + [""]
    previous: dict[str, list[float | None]] = {}
    rows: list[list[Value]] = []
    for day, sid in sorted(table, key=lambda k: (k[0], order.get(k[1], len(order)), k[1])):
        values = [table[(day, sid)].get(c) for c in ids]
        if all(v is None for v in values) or previous.get(sid) == values:
            continue
        previous[sid] = values
        rows.append([day, names.get(sid, sid), *values])
    columns = [
        Column("Date", 12, Style.DATE),
        Column("Structure", 34),
        *(Column(f"Chapitre {ch.id}", 11, Style.SCORE) for ch in referentiel.chapters),
        Column("Score global", 11, Style.SCORE),
    ]
    return table_sheet(
        HISTORY_SHEET,
        "Historique des scores",
        "Une ligne par structure à chaque date où ses scores ont changé.",
        columns,
        rows,
        empty_message="Pas encore d'historique.",
    )


def anomalies_sheet(anomalies: pd.DataFrame, names: Mapping[str, str]) -> SheetSpec:
    """What the last pulls could not read, with the sheet and cell to fix.

    A count per kind comes first, so a délégué·e sees at once what dominates
    (« niveau non reconnu » : 12, « copies en conflit » : 1…); the table below
    has filter buttons, the « Type » column to show one kind at a time.
    """
    order = {sid: i for i, sid in enumerate(names)}
    records = frame_rows(anomalies)
    records.sort(
        key=lambda r: (
            order.get(str(r.get("structure")), len(order)),
            person_text(r.get("sheet")),
            person_text(r.get("cell")),
        )
    )
    columns = [
        Column("Structure", 28),
        Column("Type", 22),
        Column("Fichier", 24),
        Column("Onglet", 16),
        Column("Cellule", 8),
        Column("Valeur saisie", 22),
        Column("Problème", 60),
        Column("Constaté le", 12, Style.DATE),
    ]
    rows: list[list[Value]] = [
        [
            names.get(str(r.get("structure")), person_text(r.get("structure")))
            or "(dossier du collectif)",
            anomaly_kind(r.get("kind")).label,
            file_name(r.get("source")),  # the file's name, never the server's path
            person_text(r.get("sheet")),
            person_text(r.get("cell")),
            person_text(r.get("value")),
            without_paths(person_text(r.get("message")), r.get("source")),  # names, no paths
            as_datetime(r.get("found_at")),
        ]
        for r in records
    ]
    counts = Counter(row[1] for row in rows)
    summary: list[list[Value]] = [["Type d'anomalie", "Nombre"]]
    summary += [[label, n] for label, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]
    summary.append(["Total", len(rows)])
    sheet = table_sheet(
        ANOMALIES_SHEET,
        "Anomalies à corriger dans les grilles",
        "Chaque ligne indique l'onglet et la cellule à corriger ; la valeur saisie est "
        "conservée telle quelle. Les boutons de filtre de la ligne d'en-tête (colonne "
        "« Type ») montrent un type à la fois.",
        columns,
        rows,
        empty_message="Aucune anomalie : toutes les grilles ont été lues sans problème.",
    )
    return with_counts_on_top(sheet, summary, len(rows))


def with_counts_on_top(sheet: SheetSpec, summary: list[list[Value]], n: int) -> SheetSpec:
    """Insert ``summary`` (a small table of counts) between the note and the main table,
    and put filter buttons on the main table's header."""
    above = len(summary) + 1  # the counts, then a blank row
    header = HEADER_ROW + above
    sheet.rows[HEADER_ROW:HEADER_ROW] = [*summary, []]
    styles = {r + above if r >= HEADER_ROW else r: st for r, st in sheet.row_styles.items()}
    styles[HEADER_ROW] = Style.HEADER
    for r in range(HEADER_ROW + 1, HEADER_ROW + len(summary)):
        sheet.cell_styles[(r, 1)] = Style.INTEGER
    sheet.cell_styles[(HEADER_ROW + len(summary) - 1, 0)] = Style.HEADER
    sheet.row_styles = styles
    sheet.freeze_rows = header + 1
    if n:
        sheet.autofilter = CellRange(header, 0, header + n, len(sheet.column_widths) - 1)
    return sheet

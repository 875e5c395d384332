"""A GES's consolidated view: its member structures side by side (« vue-groupe.xlsx »), pure.

Each member is assessed on its own grid; the group (its contacts, and the délégué·e·s of
its collectif) reads here the members' scores and completion per chapter, their levels
per criterion, their eligibility and label state, the group's mean with the number of
structures behind it, the weak points they share and how far their plans de progrès
went.

The view is the dashboard's own code run on a *sub-collectif* of the members
(:func:`member_inputs`): every frame is cut down to the members before anything is laid
out, so nothing of a structure outside the group can reach a cell — the one rule that
makes this view safe to hand to a group's contacts. Means are the dashboard's, marked
« moins de 3 structures » the same way.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from capsync.campaign.config import Collective, Structure
from capsync.campaign.referentiel import Referentiel
from capsync.layout.dashboard import (
    COLLECTIVE_MEAN,
    FEW,
    FEW_ANSWERS,
    DashboardInputs,
    reasons_sheet,
    synthesis_sheet,
)
from capsync.layout.dashboard_sheets import LATE, action_is_late, actions_sheet
from capsync.layout.label_decisions import label_sheet
from capsync.layout.tables import (
    FIRST_ROW,
    Column,
    frame_rows,
    integer,
    number,
    person_text,
    span_title_and_note,
    table_sheet,
    typeset_sheet,
)
from capsync.scoring import scores as scoring
from capsync.workbook.identity import Identity
from capsync.workbook.refs import WorkbookRef, restitution_ref
from capsync.workbook.spec import SheetSpec, Style, Value, WorkbookSpec

LAYOUT_VERSION = 1
GROUP_VIEW_STEM = "vue-groupe"  # <data>/<collectif>/structures/<ges>/vue-groupe.xlsx
GROUP_VIEW_KIND = "vue-groupe"  # its identity's kind
GROUP_MEAN = "Moyenne du groupe"
MEMBERS_SHEET = "Critères par structure"
WEAK_SHEET = "Points faibles communs"
PLANS_SHEET = "Avancement des plans"
NOT_APPLICABLE = "Non applicable"
NOT_FOR_TYPE = "sans objet"  # the criterion does not apply to the member's types
COMMON = 2  # a weak point is common when at least this many members are below the level


def groups(collective: Collective) -> list[Structure]:
    """The collectif's GES that list members (``capsync check``: members in its collectif)."""
    return [s for s in collective.structures if s.members]


def group_view_ref(collective: str, group: str) -> WorkbookRef:
    """The view, in the GES's own folder: read by its contacts (and, on Drive, the
    collectif's délégué·e·s through the collectif's folder), like its restitutions."""
    return restitution_ref(collective, group, GROUP_VIEW_STEM)


def _only(frame: pd.DataFrame, keep: set[str]) -> pd.DataFrame:
    """The rows of ``frame`` about the ``keep`` structures (all of a frame without them)."""
    if "structure" not in frame.columns:
        return frame
    return frame[frame["structure"].astype(str).isin(keep)].reset_index(drop=True)


def member_inputs(inputs: DashboardInputs, group: Structure) -> DashboardInputs:
    """The collectif's dashboard inputs cut down to ``group``'s members, in its order.

    The only door from the collectif's data into the view: everything after this sees
    the members and nothing else."""
    by_id = {s.id: s for s in inputs.collective.structures}
    members = [by_id[m] for m in group.members if m in by_id]
    keep = {s.id for s in members}
    cut: Callable[[pd.DataFrame], pd.DataFrame] = lambda frame: _only(frame, keep)  # noqa: E731
    scores = inputs.scores
    return dataclasses.replace(
        inputs,
        collective=inputs.collective.model_copy(update={"structures": members}),
        scores=scoring.Scores(
            criteria=cut(scores.criteria),
            chapters=cut(scores.chapters),
            overall=cut(scores.overall),
            label=cut(scores.label),
        ),
        answers=cut(inputs.answers),
        actions=cut(inputs.actions),
        anomalies=cut(inputs.anomalies),
        texts=cut(inputs.texts),
        last_change={k: v for k, v in inputs.last_change.items() if k in keep},
        history=cut(inputs.history),
        decisions=inputs.decisions.for_structures(keep),
    )


def _group_synthesis(inputs: DashboardInputs, group: Structure) -> SheetSpec:
    """The dashboard's « Synthèse » of the members, its means named the group's."""
    sheet = synthesis_sheet(inputs)
    names = {
        COLLECTIVE_MEAN: GROUP_MEAN,
        f"{COLLECTIVE_MEAN} par chapitre": f"{GROUP_MEAN} par chapitre",
    }
    for row in sheet.rows:
        for c, value in enumerate(row):
            if isinstance(value, str) and value in names:
                row[c] = names[value]
    sheet.rows[0] = [f"Vue du groupe — {group.name}"]
    sheet.rows[1] = [
        f"{sheet.rows[1][0]} Une ligne par structure membre du groupe ; la « {GROUP_MEAN} » "
        f"repose sur le nombre de structures indiqué à côté (moins de {FEW} : à lire avec "
        "prudence)."
    ]
    sheet.charts = [
        dataclasses.replace(
            chart,
            title=names.get(chart.title, chart.title),
            series=tuple(
                dataclasses.replace(s, name=names.get(s.name, s.name)) for s in chart.series
            ),
        )
        for chart in sheet.charts
    ]
    return sheet


def _level_cell(row: dict[str, object]) -> Value:
    """A member's level on a criterion: the retained level, « Non applicable », « sans objet »
    (not for its types) or empty (not answered yet)."""
    if not bool(row.get("type_applies")):
        return NOT_FOR_TYPE
    if bool(row.get("not_applicable")):
        return NOT_APPLICABLE
    return number(row.get("retained")) if bool(row.get("answered")) else None


def members_criteria_sheet(inputs: DashboardInputs) -> SheetSpec:
    """One row per criterion, one column per member (its level), then the group's mean and
    the number of members it rests on."""
    ref, members = inputs.referentiel, inputs.collective.structures
    cells = {
        (str(r["structure"]), str(r["criterion"])): r for r in frame_rows(inputs.scores.criteria)
    }
    stats = {
        str(r["criterion"]): r
        for r in frame_rows(scoring.criterion_statistics(inputs.scores.criteria, ref))
    }
    columns = [
        Column("ID", 8),
        Column("Chapitre", 9),
        Column("Critère", 40),
        *(Column(s.name, 14, Style.SCORE) for s in members),
        Column(GROUP_MEAN, 11, Style.SCORE),
        Column("Structures ayant répondu", 12, Style.INTEGER),
        Column(f"Moins de {FEW} structures", 18),
    ]
    rows: list[list[Value]] = []
    for cid, criterion in ref.criteria.items():
        levels = [_level_cell(cells.get((s.id, cid), {})) for s in members]
        if members and all(v == NOT_FOR_TYPE for v in levels):
            continue  # a criterion none of the members' types has
        n = integer(stats.get(cid, {}).get("n_answered")) or 0
        mean = number(stats.get(cid, {}).get("mean"))
        few = FEW_ANSWERS if 0 < n < FEW else ""
        rows.append([cid, ref.chapter_of[cid].id, criterion.title, *levels, mean, n, few])
    sheet = table_sheet(
        MEMBERS_SHEET,
        "Niveau retenu par critère et par structure membre",
        f"Niveau retenu (ou médiane des répondant·e·s) de 0 à {ref.scale.max_value} ; vide : "
        f"pas encore renseigné ; « {NOT_FOR_TYPE} » : critère d'un autre type de structure. "
        f"La « {GROUP_MEAN} » est celle des structures qui ont répondu, leur nombre à côté.",
        columns,
        rows,
        empty_message="Aucun critère pour les types de ces structures.",
    )
    sheet.freeze_cols = 3
    return sheet


@dataclass(frozen=True)
class WeakPoint:
    """A criterion below the weak level in :data:`COMMON` members or more."""

    criterion: str
    members: tuple[str, ...]  # their names, in the group's order
    n_answered: int  # members who answered it
    mean: float | None  # the group's mean on it


def common_weak_points(inputs: DashboardInputs) -> list[WeakPoint]:
    """The members' shared weak points, the most shared first (then the lowest mean)."""
    ref = inputs.referentiel
    weak_level = ref.scoring.weak_level
    names = inputs.structure_names()
    weak_by: dict[str, list[str]] = {}
    for r in frame_rows(inputs.scores.criteria):
        retained = number(r.get("retained"))
        if bool(r.get("answered")) and retained is not None and retained < weak_level:
            weak_by.setdefault(str(r["criterion"]), []).append(names[str(r["structure"])])
    stats = {
        str(r["criterion"]): r
        for r in frame_rows(scoring.criterion_statistics(inputs.scores.criteria, ref))
    }
    found = [
        WeakPoint(
            c, tuple(who), integer(stats[c].get("n_answered")) or 0, number(stats[c].get("mean"))
        )
        for c, who in weak_by.items()
        if len(who) >= COMMON
    ]
    order = list(ref.criteria)
    return sorted(found, key=lambda w: (-len(w.members), w.mean or 0.0, order.index(w.criterion)))


def common_weak_sheet(inputs: DashboardInputs) -> SheetSpec:
    """The criteria on which at least :data:`COMMON` members are below the weak level."""
    ref = inputs.referentiel
    weak_level = ref.scoring.weak_level
    rows: list[list[Value]] = [
        [
            w.criterion,
            ref.chapter_of[w.criterion].id,
            ref.criteria[w.criterion].title,
            len(w.members),
            w.n_answered,
            w.mean,
            ", ".join(w.members),
        ]
        for w in common_weak_points(inputs)
    ]
    columns = [
        Column("ID", 8),
        Column("Chapitre", 9),
        Column("Critère", 40),
        Column(f"Structures sous le niveau {weak_level}", 12, Style.INTEGER),
        Column("Structures ayant répondu", 12, Style.INTEGER),
        Column(GROUP_MEAN, 11, Style.SCORE),
        Column("Lesquelles", 40),
    ]
    return table_sheet(
        WEAK_SHEET,
        "Points faibles communs aux structures du groupe",
        f"Critères retenus sous le niveau {weak_level} dans {COMMON} structures membres au "
        "moins, les plus partagés d'abord : de quoi bâtir une action commune au groupe.",
        columns,
        rows,
        empty_message=f"Aucun critère sous le niveau {weak_level} dans {COMMON} structures "
        "à la fois pour le moment.",
    )


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def plans_sheet(inputs: DashboardInputs) -> SheetSpec:
    """Per member: how many actions its plan de progrès has, done, late, the others."""
    counts = {s.id: [0, 0, 0] for s in inputs.collective.structures}  # actions, fait, late
    for r in frame_rows(inputs.actions):
        mine = counts.get(str(r.get("structure")))
        if mine is None:
            continue
        mine[0] += 1
        mine[1] += _fold(person_text(r.get("statut"))) == "fait"
        mine[2] += action_is_late(r.get("echeance"), r.get("statut"), inputs.today)
    rows: list[list[Value]] = []
    for s in inputs.collective.structures:
        total, done, late = counts[s.id]
        rows.append([s.name, total, done, late, done / total if total else None])
    columns = [
        Column("Structure", 32),
        Column("Actions", 10, Style.INTEGER),
        Column("Faites", 10, Style.INTEGER),
        Column(f"Actions {LATE}", 11, Style.INTEGER),
        Column("Part faite", 10, Style.PERCENT),
    ]
    sheet = table_sheet(
        PLANS_SHEET,
        "Avancement des plans de progrès des structures membres",
        f"Au {inputs.today:%d/%m/%Y}. Une action est « {LATE} » quand son échéance est "
        "passée et qu'elle n'est ni « fait » ni « abandonné » ; le détail est dans l'onglet "
        "« Plans de progrès ».",
        columns,
        rows,
        empty_message="Aucune structure membre.",
    )
    for i, row in enumerate(rows):
        if row[3]:
            sheet.cell_styles[(FIRST_ROW + i, 3)] = Style.WARNING
    return sheet


def group_view_spec(collective_inputs: DashboardInputs, group: Structure) -> WorkbookSpec:
    """The whole consolidated view of ``group`` from its collectif's dashboard inputs."""
    inputs = member_inputs(collective_inputs, group)
    ref: Referentiel = inputs.referentiel
    actions = actions_sheet(ref, inputs.actions, inputs.structure_names(), inputs.today)
    actions.rows[0] = ["Plans de progrès des structures du groupe"]
    sheets = [
        _group_synthesis(inputs, group),
        reasons_sheet(inputs),  # the synthesis's « Motifs » column points to it
        members_criteria_sheet(inputs),
        common_weak_sheet(inputs),
        label_sheet(inputs.collective, inputs.scores.label, inputs.decisions, inputs.today),
        plans_sheet(inputs),
        actions,
    ]
    for sheet in sheets:
        span_title_and_note(sheet)
        typeset_sheet(sheet, whole=sheet.name != actions.name)
    identity = Identity(
        kind=GROUP_VIEW_KIND,
        collective=collective_inputs.collective.id,
        referentiel_id=ref.id,
        referentiel_version=ref.version,
        layout_version=LAYOUT_VERSION,
        structure=group.id,
    )
    return WorkbookSpec(
        title=f"Vue du groupe — {group.name}",
        sheets=sheets,
        metadata=identity.as_metadata(),
    )

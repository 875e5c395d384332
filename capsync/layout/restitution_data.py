"""What a structure's restitution says, built once and rendered twice.

:func:`build_restitution` gathers the scores, strengths and weak points,
divergences, offre de services and plan de progrès of one structure into a pure
:class:`RestitutionData`; :mod:`capsync.layout.restitution` renders it as a
workbook and :mod:`capsync.render.restitution_pdf` as a PDF, so the two never disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from capsync.campaign.config import Collective
from capsync.campaign.referentiel import Referentiel
from capsync.french import de, typeset
from capsync.layout.before_after import waiting_headline
from capsync.layout.dashboard import label_text
from capsync.layout.label_decisions import ELIGIBLE
from capsync.layout.label_path import PathStep, label_path
from capsync.layout.restitution_before import Before
from capsync.layout.restitution_plan import ActionLine, plan_lines
from capsync.layout.review_gaps import gap_rows
from capsync.layout.review_views import StructureReview, structure_review
from capsync.layout.tables import frame_rows, number
from capsync.scoring import scores as scoring

MAX_STRENGTHS = 5
MAX_WEAK_POINTS = 8
MAX_WEAK_OBJECTIVES = 3
FIRST_PAGE_ITEMS = 3  # strengths and priorities on the first page
HALF_LEVEL_NOTE = (
    "Un niveau en demi (par exemple « niveau 0,5 ») est la médiane des répondant·e·s "
    "quand la structure n'a pas encore inscrit de niveau retenu : leurs avis se partagent "
    "entre les deux niveaux voisins."
)


def level_name(levels: tuple[tuple[int, str], ...], value: float | None) -> str:
    """« 2 - Structuré »; « 1,5 (entre 1 - Émergent et 2 - Structuré) »; « — » when missing."""
    if value is None:
        return "—"
    names = dict(levels)
    if float(value).is_integer() and int(value) in names:
        return f"{int(value)} - {names[int(value)]}"
    low, high = int(value // 1), int(value // 1) + 1
    shown = f"{value:g}".replace(".", ",")
    if low in names and high in names:
        return f"{shown} (entre {low} - {names[low]} et {high} - {names[high]})"
    return shown


PATH_NOTE = (
    "Les changements ci-dessous suffiraient à rendre la structure éligible au label ; "
    "chacun est proposé comme une ligne de son plan de progrès."
)


def headline(data: RestitutionData) -> str:  # the structure's state in one French sentence
    return typeset(_headline(data))


def _headline(data: RestitutionData) -> str:
    if not data.answered and data.carried_waiting:  # a new campaign, its group yet to meet
        return waiting_headline(data.carried_waiting)
    if not data.answered:
        return (
            f"Rien n'a encore été renseigné dans la grille {de(data.structure_name)} : "
            "cette restitution se remplira avec ses premières réponses."
        )
    done = sum(1 for c in data.chapters if c.assessed)
    total = len(data.chapters)
    score = scoring.format_score(data.overall)
    mean = scoring.format_score(data.collective_overall)
    start = (
        f"{data.structure_name} a évalué {done} chapitre{'s' if done > 1 else ''} sur {total}, "
        f"score global {score} (moyenne du collectif {mean})"
    )
    if data.label == ELIGIBLE:
        return f"{start} : elle remplit les conditions du label."
    steps = len(data.path)
    if steps == 0:
        return f"{start}."
    plural = "s" if steps > 1 else ""
    return f"{start} : {steps} étape{plural} la sépare{'nt' if steps > 1 else ''} du label."


@dataclass(frozen=True)
class ChapterLine:
    chapter: str
    title: str
    score: float | None
    collective_mean: float | None
    completion: float | None
    previous: float | None = None  # at the structure's previous restitution

    @property
    def assessed(self) -> bool:
        """Whether anything of the chapter is answered: else it is « pas encore évalué »."""
        return self.score is not None


@dataclass(frozen=True)
class CriterionLine:
    criterion: str
    chapter: str
    title: str
    retained: float | None
    collective_mean: float | None
    mandatory: bool = False


@dataclass(frozen=True)
class GapLine:
    criterion: str
    title: str
    kind: str  # « entre répondant·e·s », « niveau retenu / groupe », « auto-évaluation / tiers »…
    retained: float | None
    low: float | None
    high: float | None
    review: float | None
    gap: float | None
    action: str  # « à discuter » or ""
    justification: str
    review_comment: str


@dataclass(frozen=True)
class ServiceLine:
    objective: str
    objective_title: str
    objective_mean: float | None
    service: str
    title: str
    description: str
    url: str


@dataclass(frozen=True)
class RestitutionData:
    """Everything a restitution shows, ready to render (workbook or PDF)."""

    collective_id: str
    collective_name: str
    structure_id: str
    structure_name: str
    structure_type: str
    referentiel: str  # « CAP RSE — version 1.0 »
    referentiel_id: str
    referentiel_version: str
    today: dt.date
    chapters: list[ChapterLine]
    overall: float | None
    collective_overall: float | None
    label: str  # « Éligible », « Non éligible », « Pas encore de réponse »
    label_reasons: list[str] = field(default_factory=list)
    strengths: list[CriterionLine] = field(default_factory=list)
    weak_points: list[CriterionLine] = field(default_factory=list)
    gaps: list[GapLine] = field(default_factory=list)
    services: list[ServiceLine] = field(default_factory=list)
    actions: list[ActionLine] = field(default_factory=list)
    weak_level: int = 2
    levels: tuple[tuple[int, str], ...] = ()  # the scale: (value, name)
    occasions: list[str] = field(default_factory=list)  # the events this restitution answers
    basis: list[str] = field(default_factory=list)  # what it was computed from, in French
    previous_date: dt.date | None = None  # of the structure's previous restitution
    previous_overall: float | None = None  # its global score then (None: not known)
    previous_label: str = ""  # its label status then (« Éligible »…), "" when not known
    path: list[PathStep] = field(default_factory=list)  # the chemin vers le label
    review: StructureReview = field(default_factory=StructureReview)  # tiers, pair, roles
    label_decision: str = ""  # the label committee's decision, in French (issue 12)
    carried_waiting: int = 0  # levels carried from the previous campaign, not yet confirmed

    @property
    def answered(self) -> bool:
        return any(line.assessed for line in self.chapters)

    def level_name(self, value: float | None) -> str:
        """« 2 - Structuré »; a half level names the two it lies between."""
        return level_name(self.levels, value)

    @property
    def headline(self) -> str:
        """The state in one sentence, first thing on the first page."""
        return headline(self)


def _criterion_lines(
    referentiel: Referentiel, mine: pd.DataFrame, means: dict[str, float | None]
) -> list[CriterionLine]:
    lines = []
    for r in frame_rows(mine[mine["answered"]] if not mine.empty else mine):
        cid = str(r["criterion"])
        lines.append(
            CriterionLine(
                criterion=cid,
                chapter=str(r["chapter"]),
                title=referentiel.criteria[cid].title,
                retained=number(r["retained"]),
                collective_mean=means.get(cid),
                mandatory=bool(r["mandatory"]),
            )
        )
    return lines


def weakest_objectives(
    referentiel: Referentiel, mine: pd.DataFrame, weak_level: int
) -> list[tuple[str, float]]:
    """(objective ID, mean retained level) of the structure's objectives below ``weak_level``,
    weakest first, at most :data:`MAX_WEAK_OBJECTIVES`."""
    if mine.empty:
        return []
    answered = mine[mine["answered"]]
    means = answered.groupby("objective", sort=False)["retained"].mean()
    objectives = (o for ch in referentiel.chapters for o in ch.objectives)
    order = {o.id: i for i, o in enumerate(objectives)}  # document order, ties broken by it
    ranked = sorted(
        ((str(o), float(m)) for o, m in means.items() if m < weak_level),
        key=lambda item: (item[1], order.get(item[0], 0)),
    )
    return ranked[:MAX_WEAK_OBJECTIVES]


def _service_applies(referentiel: Referentiel, service_id: str, types: tuple[str, ...]) -> bool:
    """A service some criteria point to serves the types those criteria apply to; one only an
    objective points to serves every type (« mise à disposition » is for AI and ETTI only).
    An ensemblier (GES + AI + ACI) is served as each of its types."""
    linked = [c for c in referentiel.criteria.values() if service_id in c.services]
    return not linked or any(t in c.structure_types for c in linked for t in types)


def _service_objectives(
    referentiel: Referentiel, mine: pd.DataFrame, weak_level: int
) -> list[tuple[str, float, bool]]:
    """(objective, its mean, whether its own services count): the weakest objectives, then
    those holding a weak criterion though their mean is fine, for that criterion's services
    only: a criterion at 0 - Non engagé beside two at 3 still gets the training made for it."""
    weakest = weakest_objectives(referentiel, mine, weak_level)
    answered = mine[mine["answered"]]
    means = answered.groupby("objective", sort=False)["retained"].mean()
    weak = answered[answered["retained"] < weak_level]
    taken = {o for o, _ in weakest}
    ordered = [o.id for ch in referentiel.chapters for o in ch.objectives]
    others = [o for o in ordered if o not in taken and o in set(weak["objective"])]
    return [(o, m, True) for o, m in weakest] + [(o, float(means[o]), False) for o in others]


def _services(
    referentiel: Referentiel, mine: pd.DataFrame, weak_level: int, types: tuple[str, ...] = ()
) -> list[ServiceLine]:
    """The offre de services of the weakest objectives (objective's, then its weak criteria's)
    and of the weak criteria of the other objectives, only those meant for the structure's
    types, each service once."""
    objectives = {o.id: o for ch in referentiel.chapters for o in ch.objectives}
    lines: list[ServiceLine] = []
    for objective_id, mean, own in _service_objectives(referentiel, mine, weak_level):
        objective = objectives[objective_id]
        weak_criteria = set(
            mine[
                (mine["objective"] == objective_id)
                & mine["answered"]
                & (mine["retained"] < weak_level)
            ]["criterion"]
        )
        ids = list(objective.services) if own else []
        for criterion in objective.criteria:
            if criterion.id in weak_criteria:
                ids += [s for s in criterion.services if s not in ids]
        listed = {line.service for line in lines} if not own else set()
        for service_id in ids:
            service = referentiel.services.get(service_id)
            if (
                service is None
                or service_id in listed
                or (types and not _service_applies(referentiel, service_id, types))
            ):
                continue
            lines.append(
                ServiceLine(
                    objective=objective_id,
                    objective_title=objective.title,
                    objective_mean=mean,
                    service=service.id,
                    title=service.title,
                    description=service.description,
                    url=str(service.url) if service.url else "",
                )
            )
    return lines


def _by_structure(frame: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """One frame per structure, split once (filtering per structure is quadratic)."""
    if frame is None or frame.empty or "structure" not in frame:
        return {}
    return {str(k): v for k, v in frame.groupby("structure", sort=False)}


@dataclass(frozen=True, eq=False)
class CollectiveView:
    """What every restitution of a collectif shares, computed once per collectif.

    A sync writes one restitution per structure; recomputing the collectif's
    statistics for each of 550 structures made the cycle quadratic. The means
    are rounded to the one decimal people read, so that a small change in one
    structure does not rewrite every other structure's restitution.
    """

    criterion_means: dict[str, float | None]
    chapter_means: dict[str, float | None]
    overall_mean: float | None
    chapter_rows: dict[tuple[str, str], dict[str, Any]]
    overall_rows: dict[str, dict[str, Any]]
    label_rows: dict[str, dict[str, Any]]
    criteria: dict[str, pd.DataFrame]
    answers: dict[str, pd.DataFrame]
    texts: dict[str, pd.DataFrame]
    actions: dict[str, pd.DataFrame]
    label_decisions: dict[str, str] = field(default_factory=dict)  # structure → its decision

    @classmethod
    def empty(cls) -> CollectiveView:
        """The view of a cycle where no restitution is due: nothing reads it, so it is not
        computed (splitting every frame per structure costs ≈ 30 ms a collectif)."""
        return cls({}, {}, None, {}, {}, {}, {}, {}, {}, {})


def _rounded(value: object) -> float | None:
    found = number(value)
    return None if found is None else float(scoring.round_score(found))


def collective_view(
    collective: Collective,
    referentiel: Referentiel,
    scores: scoring.Scores,
    *,
    actions: pd.DataFrame | None = None,
    answers: pd.DataFrame | None = None,
    texts: pd.DataFrame | None = None,
    label_decisions: dict[str, str] | None = None,
) -> CollectiveView:
    stats = scoring.criterion_statistics(scores.criteria, referentiel)
    ids = {s.id for s in collective.structures}
    chapters_all = scores.chapters[scores.chapters["structure"].isin(ids)]
    chapter_means = {
        chapter.id: _rounded(chapters_all[chapters_all["chapter"] == chapter.id]["score"].mean())
        for chapter in referentiel.chapters
    }
    overall_rows = {str(r["structure"]): r for r in frame_rows(scores.overall)}
    overalls = (number(overall_rows[s]["overall"]) for s in ids if s in overall_rows)
    present = [v for v in overalls if v is not None]
    return CollectiveView(
        criterion_means={str(r["criterion"]): _rounded(r["mean"]) for r in frame_rows(stats)},
        chapter_means=chapter_means,
        overall_mean=_rounded(sum(present) / len(present)) if present else None,
        chapter_rows={
            (str(r["structure"]), str(r["chapter"])): r for r in frame_rows(scores.chapters)
        },
        overall_rows=overall_rows,
        label_rows={str(r["structure"]): r for r in frame_rows(scores.label)},
        criteria=_by_structure(scores.criteria),
        answers=_by_structure(answers),
        texts=_by_structure(texts),
        actions=_by_structure(actions),
        label_decisions=label_decisions or {},
    )


def _chapter_lines(
    referentiel: Referentiel,
    view: CollectiveView,
    structure_id: str,
    previous: dict[str, float | None] | None = None,
) -> list[ChapterLine]:
    """The structure's score and completion per chapter, next to the collectif's mean."""
    lines = []
    for chapter in referentiel.chapters:
        row = view.chapter_rows.get((structure_id, chapter.id), {})
        lines.append(
            ChapterLine(
                chapter=chapter.id,
                title=chapter.title,
                score=number(row.get("score")),
                collective_mean=view.chapter_means.get(chapter.id),
                completion=number(row.get("completion")),
                previous=(previous or {}).get(chapter.id),
            )
        )
    return lines


def _strengths(answered: list[CriterionLine], weak: int) -> list[CriterionLine]:
    """Criteria retained above the weak level, highest first, at most :data:`MAX_STRENGTHS`."""
    return sorted(
        (c for c in answered if c.retained is not None and c.retained > weak),
        key=lambda c: -(c.retained or 0),
    )[:MAX_STRENGTHS]


def _weak_points(answered: list[CriterionLine], weak: int) -> list[CriterionLine]:
    """Criteria retained below the weak level, lowest first and mandatory ones first on a tie."""
    return sorted(
        (c for c in answered if c.retained is not None and c.retained < weak),
        key=lambda c: (c.retained, not c.mandatory),
    )[:MAX_WEAK_POINTS]


def _gap_lines(
    referentiel: Referentiel, view: CollectiveView, structure_id: str, mine: pd.DataFrame
) -> list[GapLine]:
    """The structure's divergences, as the dashboard's « Écarts » sheet computes them."""
    empty = pd.DataFrame()
    return [
        GapLine(**{k: v for k, v in g.items() if k != "structure"})
        for g in gap_rows(
            referentiel,
            mine,
            view.answers.get(structure_id, empty),
            view.texts.get(structure_id, empty),
        )
    ]


def build_restitution(
    collective: Collective,
    referentiel: Referentiel,
    structure_id: str,
    scores: scoring.Scores,
    *,
    today: dt.date,
    actions: pd.DataFrame | None = None,
    answers: pd.DataFrame | None = None,
    texts: pd.DataFrame | None = None,
    view: CollectiveView | None = None,
    occasions: list[str] | None = None,
    basis: list[str] | None = None,
    previous: Before | None = None,
) -> RestitutionData:
    """The restitution of one structure of ``collective``, from the collectif's scores.

    Pass ``view`` (from :func:`collective_view`) when building many restitutions;
    ``occasions`` and ``basis`` say why it was produced and from what, ``previous``
    the date and chapter scores of the structure's previous restitution.
    """
    if view is None:
        view = collective_view(
            collective, referentiel, scores, actions=actions, answers=answers, texts=texts
        )
    structure = collective.structure(structure_id)
    before = previous or Before()
    weak = referentiel.scoring.weak_level
    mine = view.criteria.get(structure_id, scores.criteria.iloc[0:0])
    label_row = view.label_rows.get(structure_id)
    label, _ = label_text(label_row)
    reasons = [str(x) for x in label_row.get("reasons", [])] if label_row else []
    answered = _criterion_lines(referentiel, mine, view.criterion_means)
    return RestitutionData(
        collective_id=collective.id,
        collective_name=collective.name,
        structure_id=structure.id,
        structure_name=structure.name,
        structure_type=structure.type_label,
        referentiel=f"{referentiel.title} — version {referentiel.version}",
        referentiel_id=referentiel.id,
        referentiel_version=referentiel.version,
        today=today,
        chapters=_chapter_lines(referentiel, view, structure_id, before.chapters),
        overall=number(view.overall_rows.get(structure_id, {}).get("overall")),
        collective_overall=view.overall_mean,
        label=label,
        label_reasons=reasons,
        strengths=_strengths(answered, weak),
        weak_points=_weak_points(answered, weak),
        gaps=_gap_lines(referentiel, view, structure_id, mine),
        services=(
            _services(referentiel, mine, weak, structure.all_types) if not mine.empty else []
        ),
        actions=plan_lines(view.actions.get(structure_id), today),
        weak_level=weak,
        levels=tuple((lv.value, lv.label) for lv in referentiel.scale.levels),
        occasions=list(occasions or []),
        basis=list(basis or []),
        previous_date=before.date,
        previous_overall=before.overall,
        previous_label=before.label,
        path=label_path(referentiel, mine) if label != ELIGIBLE else [],
        review=structure_review(collective, referentiel, structure_id, mine, view),
        label_decision=view.label_decisions.get(structure_id, ""),
    )

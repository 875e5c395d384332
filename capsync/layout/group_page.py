"""What the GES's one-page PDF says (« vue-groupe.pdf »): the members' scores per chapter,
the group's mean with its count, and the weak points they share (pure).

Built from the same members-only inputs as the workbook
(:func:`capsync.layout.group_view.member_inputs`), so the page can say nothing the
workbook does not, and nothing of a structure outside the group.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from capsync.campaign.config import Structure
from capsync.layout.dashboard import (
    DashboardInputs,
    chapter_counts,
    collective_chapter_means,
    label_text,
)
from capsync.layout.group_view import WeakPoint, common_weak_points, member_inputs
from capsync.layout.label_decisions import IN_PROGRESS, NOT_ELIGIBLE
from capsync.layout.tables import frame_rows, number


@dataclass(frozen=True)
class MemberLine:
    name: str
    type_text: str
    scores: tuple[float | None, ...]  # per chapter, in the référentiel's order
    overall: float | None
    label: str  # « Éligible », « En cours », « Non éligible », « Pas encore de réponse »


@dataclass(frozen=True)
class MeanLine:
    chapter: str
    title: str
    n: int  # members the mean rests on
    mean: float | None


@dataclass(frozen=True)
class GroupPage:
    """One page for the group; ``structure_name`` is the group's (the PDF's footer)."""

    structure_name: str
    collective_name: str
    today: dt.date
    chapters: tuple[str, ...]
    members: tuple[MemberLine, ...]
    means: tuple[MeanLine, ...]
    weak_level: int
    weak: tuple[tuple[str, str, WeakPoint], ...]  # (criterion, title, the point)


def _member_line(inputs: DashboardInputs, structure: Structure) -> MemberLine:
    chapters = {
        str(r["chapter"]): number(r.get("score"))
        for r in frame_rows(inputs.scores.chapters)
        if str(r["structure"]) == structure.id
    }
    overall = next(
        (number(r.get("overall")) for r in frame_rows(inputs.scores.overall)
         if str(r["structure"]) == structure.id),
        None,
    )  # fmt: skip
    label_row = next(
        (r for r in frame_rows(inputs.scores.label) if str(r["structure"]) == structure.id), None
    )
    label, _ = label_text(label_row)
    if label == NOT_ELIGIBLE and not inputs.collective.closed(inputs.today):
        label = IN_PROGRESS
    return MemberLine(
        name=structure.name,
        type_text=structure.type_text,
        scores=tuple(chapters.get(c.id) for c in inputs.referentiel.chapters),
        overall=overall,
        label=label,
    )


def group_page(collective_inputs: DashboardInputs, group: Structure) -> GroupPage:
    """The page of ``group`` from its collectif's dashboard inputs (members only)."""
    inputs = member_inputs(collective_inputs, group)
    ref = inputs.referentiel
    means, counts = collective_chapter_means(inputs), chapter_counts(inputs)
    return GroupPage(
        structure_name=group.name,
        collective_name=inputs.collective.name,
        today=inputs.today,
        chapters=tuple(c.id for c in ref.chapters),
        members=tuple(_member_line(inputs, s) for s in inputs.collective.structures),
        means=tuple(
            MeanLine(c.id, c.title, counts.get(c.id, 0), means.get(c.id)) for c in ref.chapters
        ),
        weak_level=ref.scoring.weak_level,
        weak=tuple(
            (w.criterion, ref.criteria[w.criterion].title, w) for w in common_weak_points(inputs)
        ),
    )

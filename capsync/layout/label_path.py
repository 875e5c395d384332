"""The « chemin vers le label »: the fewest changes that would make a structure eligible.

A restitution that only says « non éligible » leaves the structure to work out
why and how far it is. This computes a short, concrete list — criterion, level
today, level to reach — that would meet every rule of ``labellisation``
(docs/scoring.md): each applicable mandatory criterion at its minimum, each
chapter complete, each chapter score at its minimum once rounded. Each step
is worded as a line of the plan de progrès the structure can take as it is.

What « fewest » means, decided here: the fewest criteria changed, each raised only to
the level the rules ask (a mandatory criterion to its minimum, a chapter's criterion to
the chapter minimum rounded up) — not a lower count reached by asking « 4 - Exemplaire »
of a few. Mandatory criteria come first (they are needed whatever else); then in each
chapter still below its minimum, the criteria whose rise adds most to the chapter's
weighted mean, one at a time, until it reaches the minimum. Each criterion's rise is
fixed and the mean only grows with their sum, so taking the largest first reaches the
minimum with the fewest of them: this greedy choice is the minimum, not an
approximation. Only when every criterion is already at that level is one raised a level
further, the heaviest first. Unanswered criteria count as answered at the target. A
chapter where nothing is answered yet is one step, « à évaluer », rather than a list of
every criterion in it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pandas as pd

from capsync.campaign.referentiel import Referentiel
from capsync.scoring.labels import round_score

_EPSILON = 1e-9
TO_ANSWER = "critère à renseigner"


@dataclass(frozen=True)
class PathStep:
    """One change on the way to the label."""

    chapter: str
    criterion: str  # "" for a whole chapter still to assess
    title: str
    current: float | None  # the level retained today; None when not answered
    target: int | None  # the level to reach; None for a chapter to assess
    why: str  # French: which rule the step meets
    action: str = ""  # the référentiel's description of the target level: the suggested action


def _chapter_steps(
    referentiel: Referentiel, chapter: str, rows: pd.DataFrame, targets: dict[str, int]
) -> list[PathStep]:
    """Steps that bring one chapter to its completion and its minimum score."""
    rules = referentiel.labellisation
    applicable = rows[rows["applicable"]]
    if applicable.empty:
        return []
    if not applicable["answered"].any():
        count = len(applicable)
        title = next((c.title for c in referentiel.chapters if c.id == chapter), "")
        why = f"chapitre pas encore évalué, {count} critère{'s' if count > 1 else ''} à renseigner"
        return [PathStep(chapter, "", title, None, None, why)]
    floor = math.ceil(rules.min_chapter_score - _EPSILON)
    level = {
        str(r.criterion): (float(r.retained) if r.answered else None)
        for r in applicable.itertuples(index=False)
    }
    weight = {str(r.criterion): float(r.weight) for r in applicable.itertuples(index=False)}
    steps: list[PathStep] = []
    for cid, current in level.items():
        if current is None and cid not in targets:
            targets[cid] = floor
            steps.append(_step(referentiel, chapter, cid, None, floor, TO_ANSWER))

    def value(cid: str) -> float:
        if cid in targets:
            return max(float(targets[cid]), level[cid] or 0.0)
        return level[cid] or 0.0

    def score() -> float:
        total = sum(weight.values())
        return float(round_score(sum(weight[c] * value(c) for c in level) / total))

    while score() < rules.min_chapter_score - _EPSILON:
        gains = {c: weight[c] * (floor - value(c)) for c in level if value(c) < floor}
        if not gains:  # every criterion at the floor already: one more level on the heaviest
            gains = {c: weight[c] for c in level if value(c) < referentiel.scale.max_value}
            if not gains:
                break
            best = max(gains, key=lambda c: (gains[c], -value(c)))
            targets[best] = int(value(best)) + 1
        else:
            best = max(gains, key=lambda c: (gains[c], -value(c)))
            targets[best] = floor
        minimum = f"{rules.min_chapter_score:g}".replace(".", ",")
        why = f"score du chapitre {chapter} au minimum de {minimum}"
        steps = [s for s in steps if s.criterion != best]
        steps.append(_step(referentiel, chapter, best, level[best], targets[best], why))
    return steps


def level_choice(referentiel: Referentiel, value: int) -> str:
    """« 3 - Maîtrisé »: a level as the plan's drop-down and the chemin spell it."""
    label = next((lv.label for lv in referentiel.scale.levels if lv.value == value), "")
    return f"{value} - {label}" if label else str(value)


def _step(
    referentiel: Referentiel,
    chapter: str,
    criterion: str,
    current: float | None,
    target: int,
    why: str,
) -> PathStep:
    found = referentiel.criteria[criterion]
    action = found.levels.get(target, "")
    return PathStep(chapter, criterion, found.title, current, target, why, action)


def label_path(referentiel: Referentiel, mine: pd.DataFrame) -> list[PathStep]:
    """The steps of one structure (its rows of the criteria table) towards eligibility.

    Empty when the structure is eligible already, or has answered nothing at all
    (then the restitution says so instead).
    """
    if mine.empty or not mine["answered"].any():
        return []
    rules = referentiel.labellisation
    targets: dict[str, int] = {}
    steps: list[PathStep] = []
    required = mine[mine["mandatory"] & mine["applicable"]]
    for r in required.itertuples(index=False):
        current = float(r.retained) if r.answered else None
        if current is None or current < rules.min_mandatory_level - _EPSILON:
            cid = str(r.criterion)
            targets[cid] = rules.min_mandatory_level
            why = "critère obligatoire pour le label"
            steps.append(_step(referentiel, str(r.chapter), cid, current, targets[cid], why))
    for chapter in referentiel.chapters:
        rows = mine[mine["chapter"] == chapter.id]
        for step in _chapter_steps(referentiel, chapter.id, rows, targets):
            # a mandatory criterion raised further for its chapter keeps one step, the higher
            steps = [s for s in steps if not step.criterion or s.criterion != step.criterion]
            steps.append(step)
    steps = _folded(referentiel, steps)
    order = {c: i for i, c in enumerate(referentiel.criteria)}
    chapters = {c.id: i for i, c in enumerate(referentiel.chapters)}
    return sorted(steps, key=lambda s: (chapters.get(s.chapter, 0), order.get(s.criterion, -1)))


def _folded(referentiel: Referentiel, steps: list[PathStep]) -> list[PathStep]:
    """A chapter not assessed yet is one step: its mandatory criteria, unanswered with the
    rest of it, are named in that step (« dont 5.2.1 et 5.3.1, obligatoires ») instead of
    being steps of their own, which counted them twice in « N étapes la séparent du
    label »."""
    whole = {s.chapter: s for s in steps if not s.criterion}
    inside: dict[str, list[PathStep]] = {}
    for step in steps:
        if step.criterion and step.chapter in whole:
            inside.setdefault(step.chapter, []).append(step)
    kept = [s for s in steps if not (s.criterion and s.chapter in whole)]
    for chapter, folded in inside.items():
        ids = [s.criterion for s in folded]
        named = " et ".join([", ".join(ids[:-1]), ids[-1]] if len(ids) > 1 else ids)
        level = level_choice(referentiel, referentiel.labellisation.min_mandatory_level)
        what = "obligatoires" if len(ids) > 1 else "obligatoire"
        step = whole[chapter]
        why = f"{step.why}, dont {named}, {what} au moins au niveau {level}"
        kept[kept.index(step)] = replace(step, why=why)
    return kept

"""What the demo types, made from the référentiel so that it reads like a real campaign.

A délégué·e reading a demo dashboard or restitution should find nothing odd:
a justification describes the level retained for that very criterion, an
action of the plan de progrès aims at the next level of the criterion it sits
on, and respondents mostly agree, with a few real disagreements between
the people who run the structure and those who work in it — the divergences
a regroupement discusses. Pure functions of a seeded random generator.
"""

from __future__ import annotations

import random
import re

from capsync.campaign.referentiel import Criterion, Scale
from capsync.campaign.vocabulary import RespondentRole

EVIDENCE = (
    "compte rendu du conseil d'administration",
    "procédure écrite et datée",
    "tableau de suivi partagé en réunion d'équipe",
    "bilan annuel présenté en assemblée générale",
    "échanges en réunion d'équipe, sans trace écrite",
    "livret d'accueil remis à chaque arrivée",
)
OWNERS = (  # by chapter, in référentiel order: who would carry such an action
    ("Présidence", "Direction"),
    ("CIP", "Direction"),
    ("Responsable RH", "Direction"),
    ("Chargé·e de développement", "Direction"),
    ("Référent·e RSE", "Direction"),
)
RUNNING = {RespondentRole.DIRECTION, RespondentRole.ADMINISTRATEUR}
DISPUTED_SHARE = 0.12
"""Criteria on which the group really disagrees: the two camps are two levels apart."""


def first_clause(text: str) -> str:
    """The description up to its first « ; » or sentence end, without the final stop."""
    return re.split(r" ; |\. ", text.strip(), maxsplit=1)[0].rstrip(" .")


def respondent_levels(
    roles: list[RespondentRole | None], truth: int, top: int, rng: random.Random
) -> list[int]:
    """One level per respondent: mostly the group's level, sometimes one off; on a disputed
    criterion, those who run the structure see it two levels apart from those who work in it."""
    if rng.random() < DISPUTED_SHARE and len(roles) >= 2:
        high, low = min(top, truth + 1), max(0, truth - 1)
        if high - low < 2:
            high, low = (min(top, low + 2), low) if low == 0 else (high, max(0, high - 2))
        known = [r for r in roles if r is not None]
        if known and len({r in RUNNING for r in known}) == 2:
            return [high if role in RUNNING else low for role in roles]
        half = len(roles) // 2
        camps = [high] * half + [low] * (len(roles) - half)
        rng.shuffle(camps)
        return camps
    lean = rng.choice([-1, 1])  # those who see it differently see it the same way
    return [min(top, max(0, truth + (lean if rng.random() < 0.3 else 0))) for _ in roles]


def justification(criterion: Criterion, level: int, rng: random.Random) -> str:
    """What the structure writes for its retained level: that level's description, a proof."""
    described = criterion.levels.get(level)
    said = first_clause(described) if described else criterion.title
    return f"{said}. Preuve : {rng.choice(EVIDENCE)}."


def plan_action(
    criterion: Criterion, level: int, scale: Scale, chapter_index: int, rng: random.Random
) -> tuple[str, str, str]:
    """(action, responsable, commentaire): reach the next level of this criterion."""
    target = min(level + 1, scale.max_value)
    label = next((lv.label for lv in scale.levels if lv.value == target), str(target))
    action = f"{criterion.title} : atteindre le niveau {target} « {label} »"
    goal = criterion.levels.get(target)
    comment = f"Objectif : {first_clause(goal)}." if goal else ""
    owner = rng.choice(OWNERS[chapter_index % len(OWNERS)])
    return action, owner, comment

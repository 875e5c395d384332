"""The chemin vers le label as lines of the grid's plan de progrès (pure).

Each step on a criterion becomes a line the structure can keep, change or delete:
the criterion (« 3.4.3 — Handicap »), the level to reach, the référentiel's description
of that level as the suggested action, « à faire », and the origin « chemin vers le
label ». A step on a whole chapter still to assess is not a plan line (it is assessing,
not progressing). The grid puts them only into its empty lines
(:func:`capsync.layout.plan_sheet.with_suggestions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from capsync.campaign.referentiel import Referentiel
from capsync.french import typeset
from capsync.layout.label_path import TO_ANSWER, PathStep, level_choice
from capsync.workbook.grid_schema import (
    PLAN_COLUMNS,
    PLAN_ORIGIN_PATH,
    PLAN_STATUSES,
    plan_criterion_choice,
)
from capsync.workbook.spec import Value

if TYPE_CHECKING:
    from capsync.layout.restitution_data import RestitutionData

_KEYS = [key for key, _, _ in PLAN_COLUMNS]


def suggested_plan_rows(referentiel: Referentiel, steps: Sequence[PathStep]) -> list[list[Value]]:
    """One plan line per criterion step, in PLAN_COLUMNS order."""
    rows: list[list[Value]] = []
    for step in steps:
        if not step.criterion or step.target is None:
            continue
        values: dict[str, Value] = {
            "critere": plan_criterion_choice(step.criterion, step.title),
            "niveau_vise": level_choice(referentiel, step.target),
            "action": step.action or None,
            "statut": PLAN_STATUSES[0],
            "commentaire": step.why,
            "origine": PLAN_ORIGIN_PATH,
        }
        rows.append([values.get(key) for key in _KEYS])
    return rows


def plan_suggestions(data: RestitutionData) -> list[str]:
    """The chemin vers le label as sentences of a restitution (PDF and workbook), in French."""
    lines = []
    for step in data.path:
        if not step.criterion:
            lines.append(f"Chapitre {step.chapter} {step.title} : {step.why}")
        elif step.current is None:  # « (critère à renseigner) » would say it twice
            target = data.level_name(step.target)
            why = "" if step.why == TO_ANSWER else f" ({step.why})"
            lines.append(f"{step.criterion} {step.title} : à renseigner, au moins {target}{why}")
        else:
            change = f"passer de {data.level_name(step.current)} à {data.level_name(step.target)}"
            lines.append(f"{step.criterion} {step.title} : {change} ({step.why})")
    return [typeset(line) for line in lines]

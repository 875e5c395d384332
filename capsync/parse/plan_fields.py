"""The plan de progrès' target level and origin, as people type them (pure).

The target (« Niveau visé ») is read with the scale's own reader, so « 3 - Maîtrisé »,
« 3 » and « niveau 3 » all mean 3; what is not a level of the scale (« N/A » included:
a target is a level to reach) is kept as typed and reported, the rest of the line is
read. The origin is a closed set spelled loosely; anything else is kept as typed.
"""

from __future__ import annotations

from collections.abc import Callable

from capsync.parse.answers import AnomalyKind, AnswerKind
from capsync.parse.cells import LevelReader, normalize
from capsync.workbook.grid_schema import (
    PLAN_ORIGIN_PATH,
    PLAN_ORIGIN_REVIEW,
    PLAN_ORIGINS,
)

Report = Callable[[AnomalyKind, str, str, str, str], None]

_ORIGINS = {normalize(o): o for o in PLAN_ORIGINS} | {
    "chemin": PLAN_ORIGIN_PATH,
    "label": PLAN_ORIGIN_PATH,
    "revue": PLAN_ORIGIN_REVIEW,
    "tiers": PLAN_ORIGIN_REVIEW,
    "pair": PLAN_ORIGIN_REVIEW,
    "revue tiers": PLAN_ORIGIN_REVIEW,
    "revue pair": PLAN_ORIGIN_REVIEW,
    "tiers pair": PLAN_ORIGIN_REVIEW,
    "capsync": PLAN_ORIGIN_PATH,
}


def target_message(value: str, reader: LevelReader) -> str:
    low, high = min(reader.values), max(reader.values)
    return (
        f"Niveau visé « {value} » non reconnu : choisissez dans la liste un niveau de "
        f"{low} à {high}."
    )


def plan_target(text: str, reader: LevelReader, report: Report, sheet: str, cell: str) -> str:
    """« 3 » for a level of the scale; the typed text otherwise (reported); "" when blank."""
    if not text:
        return ""
    reading = reader.read_text(text)
    if reading is not None and reading[0] == AnswerKind.LEVEL and reading[1] is not None:
        return str(reading[1])
    report(AnomalyKind.UNKNOWN_LEVEL, sheet, cell, text, target_message(text, reader))
    return text


def plan_origin(text: str) -> str:
    """The origin's canonical spelling; other text is kept; blank stays blank (outputs read
    it as « structure »: grids of layout 2 had no origin, and a line typed is the
    structure's own)."""
    if not text:
        return ""
    return _ORIGINS.get(normalize(text), text)

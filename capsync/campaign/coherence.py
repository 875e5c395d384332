"""Checks that numbers and dates of the two YAML files make sense together.

The schema knows each key alone; these checks know that a labellisation
threshold of 5 cannot be met on a 0–4 scale, that « 2 » cannot mean both
« Non applicable » and level 2, and that a chapter's visio lecture comes
before its regroupement. They read the raw YAML data, like the other
cross-checks, so they run even when the schema check failed elsewhere.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

from capsync.campaign.vocabulary import PhaseKind
from capsync.campaign.yaml_source import PathKey, YamlSource
from capsync.errors import Problem

_DEFAULT_LEVELS = [0, 1, 2, 3, 4]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None  # .inf, .nan: the schema says so


def _shown(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value).replace(".", ",")


def scale_levels(ref: dict[str, Any]) -> list[int]:
    """The level values of the scale as written (the default scale when none is)."""
    scale = ref.get("scale")
    levels = scale.get("levels") if isinstance(scale, dict) else None
    if not isinstance(levels, list):
        return _DEFAULT_LEVELS
    values = [lv.get("value") for lv in levels if isinstance(lv, dict)]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def _bounded(ref: dict[str, Any], low: int, high: int) -> Iterator[tuple[PathKey, float, str]]:
    """(where, value, what it must be) for each numeric key outside the scale."""
    rules = (  # (block, key, lowest, highest, whole numbers only)
        ("labellisation", "min_chapter_score", low, high, False),
        ("labellisation", "min_mandatory_level", low, high, True),
        ("scoring", "weak_level", low, high, True),
        ("scoring", "divergence_threshold", 1, high - low, True),
    )
    for block, key, least, most, whole in rules:
        section = ref.get(block)
        value = _number(section.get(key)) if isinstance(section, dict) else None
        if value is None or (whole and not value.is_integer()):
            continue  # not a number, or not a whole one: the schema says so
        if not least <= value <= most:
            yield (block, key), value, f"entre {least} et {most}"


def _aliases(ref: dict[str, Any], values: list[int]) -> Iterator[tuple[PathKey, str, str]]:
    """(where, alias, what it already means) for each ambiguous special answer."""
    scale = ref.get("scale")
    if not isinstance(scale, dict):
        return
    meaning = {str(v): f"le niveau {v}" for v in values}
    for level in scale.get("levels") or []:
        if isinstance(level, dict) and isinstance(level.get("label"), str):
            meaning.setdefault(level["label"].strip().casefold(), f"le niveau « {level['label']} »")
    for key in ("not_applicable", "unknown"):
        answer = scale.get(key)
        if not isinstance(answer, dict):
            continue
        written: list[tuple[str | int, Any]] = [("label", answer.get("label"))]
        aliases = answer.get("aliases")
        written += list(enumerate(aliases if isinstance(aliases, list) else []))
        for where, text in written:
            if not isinstance(text, str | int) or isinstance(text, bool):
                continue
            norm = str(text).strip().casefold()
            loc: PathKey = (
                ("scale", key, where) if where == "label" else ("scale", key, "aliases", where)
            )
            if norm in meaning:
                yield loc, str(text), meaning[norm]
            else:
                meaning[norm] = f"« {answer.get('label')} »"


def referentiel_coherence(source: YamlSource, ref: dict[str, Any]) -> Iterator[Problem]:
    """Numbers bounded by the scale; special answers that cannot be read as a level."""
    values = scale_levels(ref)
    if not values:
        return
    low, high = min(values), max(values)
    for loc, value, bounds in _bounded(ref, low, high):
        message = (
            f"{_shown(value)} est hors de l'échelle des niveaux ({low} à {high}) : "
            f"cette valeur doit être {bounds}."
        )
        yield source.problem(loc, message)
    for loc, alias, meaning in _aliases(ref, values):
        message = (
            f"« {alias} » désigne déjà {meaning} ; une même écriture ne peut pas avoir "
            "deux sens dans la grille : supprimez-la ou changez-la."
        )
        yield source.problem(loc, message)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return dt.datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
    return None


_LABEL = {
    PhaseKind.WEBINAIRE.value: "le webinaire",
    PhaseKind.LANCEMENT.value: "la journée de lancement",
    PhaseKind.VISIO_LECTURE.value: "la visio lecture",
    PhaseKind.REGROUPEMENT.value: "le regroupement",
    PhaseKind.CLOTURE.value: "la clôture",
}
# Each pair (earlier, later) must be in this order when both are dated.
_CAMPAIGN_ORDER = ("webinaire", "lancement", "chapter", "cloture")


def _rank(kind: str) -> int | None:
    if kind in (PhaseKind.VISIO_LECTURE.value, PhaseKind.REGROUPEMENT.value):
        return _CAMPAIGN_ORDER.index("chapter")
    return _CAMPAIGN_ORDER.index(kind) if kind in _CAMPAIGN_ORDER else None


def _title(kind: str, chapter: Any) -> str:
    label = _LABEL.get(kind, kind)
    return f"{label} du chapitre {chapter}" if chapter is not None else label


def _out_of_order(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether phase ``a``, written before ``b`` or not, must come before ``b`` yet does not."""
    kind_a, kind_b = str(a.get("kind")), str(b.get("kind"))
    rank_a, rank_b = _rank(kind_a), _rank(kind_b)
    if rank_a is None or rank_b is None:
        return False
    if rank_a == rank_b == _CAMPAIGN_ORDER.index("chapter"):
        same_chapter = str(a.get("chapter")) == str(b.get("chapter"))
        must = same_chapter and kind_a == "visio_lecture" and kind_b == "regroupement"
    else:
        must = rank_a < rank_b
    date_a, date_b = _date(a.get("date")), _date(b.get("date"))
    return must and date_a is not None and date_b is not None and date_a > date_b


def calendar_coherence(source: YamlSource, cfg: dict[str, Any]) -> Iterator[Problem]:
    """Each collectif's calendar in the method's order: a chapter's visio before its regroupement.

    The lancement comes before every chapter, the clôture after them; each
    mistake names both lines, so the admin sees which of the two dates to fix.
    """
    collectives = cfg.get("collectives")
    for ci, coll in enumerate(collectives if isinstance(collectives, list) else []):
        calendar = coll.get("calendar") if isinstance(coll, dict) else None
        phases = [(i, p) for i, p in enumerate(calendar or []) if isinstance(p, dict)]
        for i, first in phases:
            for j, later in phases:
                if i == j or not _out_of_order(first, later):
                    continue
                loc_first = ("collectives", ci, "calendar", i)
                loc_later = ("collectives", ci, "calendar", j)
                message = (
                    f"{_title(str(first.get('kind')), first.get('chapter'))} "
                    f"({_date(first.get('date')):%d/%m/%Y}) tombe après "
                    f"{_title(str(later.get('kind')), later.get('chapter'))} "
                    f"(ligne {source.line_of(loc_later)}, {_date(later.get('date')):%d/%m/%Y}) ; "
                    "remettez les deux dates dans l'ordre de la démarche."
                )
                yield source.problem((*loc_first, "date"), message)

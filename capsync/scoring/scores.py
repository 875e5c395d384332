"""Maturity scores: from the current answers of a collectif to score tables.

The formula, its corner cases and hand-worked examples are in ``docs/scoring.md``;
``tests/test_scoring.py`` checks those numbers. Everything here is pure pandas on
the answers frame the store returns (``collective, structure, criterion, column,
kind, level, recorded_at``), vectorised so that a sync cycle can score a whole
region (hundreds of structures, hundreds of thousands of answers) in well under
a second: answers are mapped to integer row positions of a (structure ×
criterion) table and aggregated with one ``groupby`` per measure.

Labellisation, collectif statistics and French number formatting live in
:mod:`capsync.scoring.labels` and are re-exported here, so that callers only
import :mod:`capsync.scoring.scores`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from capsync.campaign.config import Structure
from capsync.campaign.referentiel import Referentiel
from capsync.parse.answers import AnswerKind
from capsync.scoring import divergence
from capsync.scoring.labels import (
    criterion_statistics,
    format_change,
    format_level,
    format_score,
    labellisation,
    round_score,
)
from capsync.workbook.grid_schema import (
    COL_PAIR_LEVEL,
    COL_RETAINED,
    COL_REVIEW_LEVEL,
    COL_TIERS_LEVEL,
    RESPONDENT_PREFIX,
)

__all__ = [
    "ANSWER_COLUMNS",
    "Scores",
    "chapter_scores",
    "criterion_scores",
    "criterion_statistics",
    "format_change",
    "format_level",
    "format_score",
    "labellisation",
    "overall_scores",
    "progression",
    "round_score",
    "score_collective",
]

log = logging.getLogger("capsync")

ANSWER_COLUMNS = ("collective", "structure", "criterion", "column", "kind", "level", "recorded_at")
SOURCE_RETENU = "retenu"
SOURCE_MEDIAN = "mediane"

CRITERIA_COLUMNS = (
    "structure",
    "chapter",
    "objective",
    "criterion",
    "weight",
    "mandatory",
    "applicable",
    "not_applicable",
    "answered",
    "retained",
    "retained_source",
    "n_levels",
    "median",
    "divergence",
    "trimmed_divergence",
    "to_discuss",
    "discuss_reasons",
    "tiers",
    "tiers_gap",
    "pair",
    "pair_gap",
    "type_applies",
    "tiers_na",
)
CHAPTER_COLUMNS = (
    "structure",
    "chapter",
    "score",
    "percent",
    "answered",
    "applicable",
    "completion",
)
OVERALL_COLUMNS = ("structure", "overall", "chapters_answered")
PROGRESSION_COLUMNS = ("structure", "chapter", "before", "after", "change")


@dataclass(frozen=True, eq=False)
class Scores:
    """Every score table of one collectif at one moment (see the functions below)."""

    criteria: pd.DataFrame
    chapters: pd.DataFrame
    overall: pd.DataFrame
    label: pd.DataFrame


def _unique_structures(structures: Sequence[Structure]) -> list[Structure]:
    seen: dict[str, Structure] = {}
    for structure in structures:
        seen.setdefault(structure.id, structure)
    return list(seen.values())


def _skeleton(referentiel: Referentiel, structures: Sequence[Structure]) -> pd.DataFrame:
    """One row per (structure, criterion), structures then criteria in document order."""
    crit = [
        (ch.id, o.id, c.id, float(c.weight), c.mandatory_for_label)
        for ch in referentiel.chapters
        for o in ch.objectives
        for c in o.criteria
    ]
    n_c = len(crit)
    chapters, objectives, ids, weights, mandatory = (list(col) for col in zip(*crit, strict=True))
    by_type: dict[tuple[str, ...], np.ndarray] = {}
    applies = []
    for structure in structures:
        types = structure.all_types  # an ensemblier AI + ACI: the union of both
        if types not in by_type:
            by_type[types] = np.array(
                [referentiel.criteria[c].applies_to(types) for c in ids], dtype=bool
            )
        applies.append(by_type[types])
    n_s = len(structures)
    return pd.DataFrame(
        {
            "structure": np.repeat(np.array([s.id for s in structures], dtype=object), n_c),
            "chapter": np.tile(np.array(chapters, dtype=object), n_s),
            "objective": np.tile(np.array(objectives, dtype=object), n_s),
            "criterion": np.tile(np.array(ids, dtype=object), n_s),
            "weight": np.tile(np.array(weights, dtype=float), n_s),
            "mandatory": np.tile(np.array(mandatory, dtype=bool), n_s),
            "type_applies": np.concatenate(applies) if applies else np.array([], dtype=bool),
        }
    )


def _positions(
    answers: pd.DataFrame, structure_ids: list[str], criterion_ids: list[str]
) -> pd.DataFrame:
    """The answers of known structures and criteria, each with its skeleton row ``pos``.

    Answers to criteria the référentiel no longer has (archived by an upgrade) or
    of structures outside the collectif are ignored. Should the frame hold the
    same cell twice, the most recent record wins.
    """
    s_code = pd.Index(structure_ids).get_indexer(answers["structure"])
    c_code = pd.Index(criterion_ids).get_indexer(answers["criterion"])
    keep = (s_code >= 0) & (c_code >= 0)
    frame = answers.loc[keep, ["column", "kind", "level", "recorded_at"]].copy()
    frame["level"] = pd.to_numeric(frame["level"], errors="coerce").astype(float)
    frame["pos"] = s_code[keep].astype(np.int64) * len(criterion_ids) + c_code[keep]
    if frame.duplicated(["pos", "column"]).any():
        log.warning("scoring: duplicate answers for one cell; keeping the most recent")
        order = ["recorded_at", "kind", "level"]  # ties broken by value, never by row order
        frame = frame.sort_values(order, kind="mergesort").drop_duplicates(
            ["pos", "column"], keep="last"
        )
    return frame


def _flags(values: pd.Series, **tests: Callable[[str], bool]) -> dict[str, np.ndarray]:
    """Boolean masks of ``values`` for each named test, testing each distinct value once.

    The column and kind fields hold a handful of distinct keys over hundreds of
    thousands of rows; testing the keys then broadcasting is ~10× faster than
    ``Series.str`` methods.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    keys = [str(u) for u in uniques]
    return {
        name: np.array([test(k) for k in keys], dtype=bool)[codes] if keys else codes >= 0
        for name, test in tests.items()
    }


def _scatter(size: int, series: pd.Series, fill: float = np.nan) -> np.ndarray:
    out = np.full(size, fill, dtype=float)
    out[series.index.to_numpy(dtype=np.int64)] = series.to_numpy(dtype=float)
    return out


def criterion_scores(
    answers: pd.DataFrame, referentiel: Referentiel, structures: Sequence[Structure]
) -> pd.DataFrame:
    """One row per (structure, criterion) of the collectif: the retained level and its flags.

    Columns: structure, chapter, objective, criterion, weight, mandatory,
    applicable (counts in completion: applies to the type and not « Non
    applicable »), not_applicable (marked « Non applicable »), answered,
    retained, retained_source (« retenu », « mediane » or ""), n_levels,
    median, divergence (highest − lowest answer), trimmed_divergence (the same
    without one isolated answer at each end, from four answers on), to_discuss
    and discuss_reasons (:mod:`capsync.scoring.divergence`), tiers and pair
    (their levels) with tiers_gap and pair_gap (retained − review),
    type_applies (applies to one of the structure's types), tiers_na (the tiers confirmed
    « Non applicable » in their column, :func:`~capsync.scoring.labels.labellisation`).
    """
    structures = _unique_structures(structures)
    frame = _skeleton(referentiel, structures)
    size = len(frame)
    criterion_ids = list(referentiel.criteria)
    found = _positions(answers, [s.id for s in structures], criterion_ids)

    column = _flags(
        found["column"],
        respondent=lambda key: key.startswith(RESPONDENT_PREFIX),
        retenu=lambda key: key == COL_RETAINED,
        tiers=lambda key: key in (COL_TIERS_LEVEL, COL_REVIEW_LEVEL),  # layout 1: tiers / pair
        pair=lambda key: key == COL_PAIR_LEVEL,
    )
    kind = _flags(
        found["kind"],
        level=lambda k: k == AnswerKind.LEVEL,
        not_applicable=lambda k: k == AnswerKind.NOT_APPLICABLE,
    )
    has_level = kind["level"] & found["level"].notna().to_numpy()
    respondent, is_retenu = column["respondent"], column["retenu"]

    stats = _respondent_statistics(found.loc[respondent & has_level], size, referentiel)
    n_levels = stats["n"]
    n_na = _scatter(size, found.loc[respondent & kind["not_applicable"]].groupby("pos").size(), 0.0)
    retenu_level = _scatter(size, found.loc[is_retenu & has_level].set_index("pos")["level"])
    retenu_na = _marked(found, is_retenu & kind["not_applicable"], size)
    tiers_na = _marked(found, column["tiers"] & kind["not_applicable"], size)
    type_applies = frame["type_applies"].to_numpy()
    has_retenu = ~np.isnan(retenu_level)
    not_applicable = type_applies & (
        retenu_na | (~has_retenu & ~retenu_na & (n_na > 0) & (n_levels == 0))
    )
    applicable = type_applies & ~not_applicable
    from_retenu = applicable & has_retenu
    median = np.where(applicable, stats["median"], np.nan)
    retained = np.where(from_retenu, retenu_level, median)
    answered = applicable & ~np.isnan(retained)
    source = np.where(from_retenu, SOURCE_RETENU, np.where(answered, SOURCE_MEDIAN, ""))
    tiers = np.where(type_applies, _review_level(found, column["tiers"] & has_level, size), np.nan)
    pair = np.where(type_applies, _review_level(found, column["pair"] & has_level, size), np.nan)
    flags = divergence.reasons(
        trimmed=np.where(applicable, stats["trimmed"], np.nan),
        median=median,
        retenu=np.where(from_retenu, retenu_level, np.nan),
        tiers=tiers,
        pair=pair,
        threshold=float(referentiel.scoring.divergence_threshold),
    )
    frame["applicable"] = applicable
    frame["not_applicable"] = not_applicable
    frame["answered"] = answered
    frame["retained"] = retained
    frame["retained_source"] = source
    frame["n_levels"] = np.where(type_applies, n_levels, 0)
    frame["median"] = median
    frame["divergence"] = np.where(applicable, stats["spread"], np.nan)
    frame["trimmed_divergence"] = np.where(applicable, stats["trimmed"], np.nan)
    frame["to_discuss"], frame["discuss_reasons"] = _reason_texts(flags, applicable)
    frame["tiers"] = tiers
    frame["tiers_gap"] = retained - tiers
    frame["pair"] = pair
    frame["pair_gap"] = retained - pair
    frame["tiers_na"] = type_applies & tiers_na
    return frame.loc[:, list(CRITERIA_COLUMNS)]


def _marked(found: pd.DataFrame, mask: np.ndarray, size: int) -> np.ndarray:
    """Per skeleton row, whether one of the ``mask`` answers is on it."""
    marked = np.zeros(size, dtype=bool)
    marked[found.loc[mask, "pos"].to_numpy(dtype=np.int64)] = True
    return marked


def _respondent_statistics(
    given: pd.DataFrame, size: int, referentiel: Referentiel
) -> dict[str, np.ndarray]:
    """n, median, spread and trimmed spread of the respondents' levels, per skeleton row."""
    counts = divergence.level_counts(
        given["pos"].to_numpy(dtype=np.int64),
        given["level"].to_numpy(dtype=float),
        size,
        referentiel.scale.values,
    )
    return divergence.statistics(counts, referentiel.scale.values)


def _review_level(found: pd.DataFrame, mask: np.ndarray, size: int) -> np.ndarray:
    """A reviewer's level per skeleton row (the later record when a layout-1 column and
    a tiers column both hold one)."""
    rows = found.loc[mask].drop_duplicates("pos", keep="last")
    return _scatter(size, rows.set_index("pos")["level"])


def _reason_texts(
    flags: dict[divergence.Reason, np.ndarray], applicable: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """« À discuter » (any reason, applicable criteria only) and its reasons in French:
    « avis partagés entre répondant·e·s ; … » for the rows to discuss, "" elsewhere."""
    to_discuss = np.zeros(len(applicable), dtype=bool)
    for mask in flags.values():
        to_discuss |= mask & applicable
    texts = np.full(len(to_discuss), "", dtype=object)
    for i in np.flatnonzero(to_discuss):
        texts[i] = " ; ".join(reason.value for reason, mask in flags.items() if mask[i])
    return to_discuss, texts


def chapter_scores(criteria: pd.DataFrame, referentiel: Referentiel) -> pd.DataFrame:
    """Per structure and chapter: weighted mean of the retained levels, and completion.

    ``score`` is unrounded (NaN when nothing is answered); ``percent`` is the
    score as a share of the scale's top level; ``completion`` is answered /
    applicable, NaN for a chapter where no criterion applies.
    """
    answered = criteria["answered"].to_numpy(dtype=bool)
    weight = criteria["weight"].to_numpy(dtype=float)
    retained = criteria["retained"].to_numpy(dtype=float)
    work = pd.DataFrame(
        {
            "structure": criteria["structure"].to_numpy(),
            "chapter": criteria["chapter"].to_numpy(),
            "w": np.where(answered, weight, 0.0),
            "wr": np.where(answered, weight * np.nan_to_num(retained), 0.0),
            "answered": answered.astype(np.int64),
            "applicable": criteria["applicable"].to_numpy(dtype=bool).astype(np.int64),
        }
    )
    sums = work.groupby(["structure", "chapter"], sort=False).sum().reset_index()
    total_weight = sums["w"].to_numpy()
    score = np.divide(
        sums["wr"].to_numpy(),
        total_weight,
        out=np.full(len(sums), np.nan),
        where=total_weight > 0,
    )
    applicable = sums["applicable"].to_numpy()
    completion = np.divide(
        sums["answered"].to_numpy(),
        applicable,
        out=np.full(len(sums), np.nan),
        where=applicable > 0,
    )
    return pd.DataFrame(
        {
            "structure": sums["structure"],
            "chapter": sums["chapter"],
            "score": score,
            "percent": score / referentiel.scale.max_value * 100.0,
            "answered": sums["answered"].astype(np.int64),
            "applicable": sums["applicable"].astype(np.int64),
            "completion": completion,
        }
    )


def overall_scores(chapters: pd.DataFrame, referentiel: Referentiel) -> pd.DataFrame:
    """Per structure: weighted mean (chapter weights) over the chapters with an answer."""
    weights = {ch.id: float(ch.weight) for ch in referentiel.chapters}
    score = chapters["score"].to_numpy(dtype=float)
    has = ~np.isnan(score)
    weight = chapters["chapter"].map(weights).to_numpy(dtype=float)
    work = pd.DataFrame(
        {
            "structure": chapters["structure"].to_numpy(),
            "w": np.where(has, weight, 0.0),
            "ws": np.where(has, weight * np.nan_to_num(score), 0.0),
            "n": has.astype(np.int64),
        }
    )
    sums = work.groupby("structure", sort=False).sum().reset_index()
    total = sums["w"].to_numpy()
    overall = np.divide(
        sums["ws"].to_numpy(), total, out=np.full(len(sums), np.nan), where=total > 0
    )
    return pd.DataFrame(
        {
            "structure": sums["structure"],
            "overall": overall,
            "chapters_answered": sums["n"].astype(np.int64),
        }
    )


def score_collective(
    answers: pd.DataFrame, referentiel: Referentiel, structures: Sequence[Structure]
) -> Scores:
    """Every score table of a collectif from its current answers."""
    criteria = criterion_scores(answers, referentiel, structures)
    chapters = chapter_scores(criteria, referentiel)
    return Scores(
        criteria=criteria,
        chapters=chapters,
        overall=overall_scores(chapters, referentiel),
        label=labellisation(criteria, chapters, referentiel),
    )


def progression(
    before: pd.DataFrame,
    after: pd.DataFrame,
    referentiel: Referentiel,
    structures: Sequence[Structure],
) -> pd.DataFrame:
    """Change of each chapter score and of the overall score between two answer frames.

    One row per structure and chapter, then one row with ``chapter == ""`` for
    the overall score. ``change`` is NaN unless both scores exist.
    """

    def long(answers: pd.DataFrame) -> pd.DataFrame:
        chapters = chapter_scores(criterion_scores(answers, referentiel, structures), referentiel)
        overall = overall_scores(chapters, referentiel)
        overall = pd.DataFrame(
            {"structure": overall["structure"], "chapter": "", "score": overall["overall"]}
        )
        table = pd.concat([chapters[["structure", "chapter", "score"]], overall], ignore_index=True)
        return table.set_index(["structure", "chapter"])["score"]

    old, new = long(before), long(after)
    ids = [s.id for s in _unique_structures(structures)]
    order = [ch.id for ch in referentiel.chapters] + [""]
    index = pd.MultiIndex.from_product([ids, order], names=["structure", "chapter"])
    table = pd.DataFrame(
        {"before": old.reindex(index).to_numpy(), "after": new.reindex(index).to_numpy()},
        index=index,
    ).reset_index()
    table["change"] = table["after"] - table["before"]
    return table.loc[:, list(PROGRESSION_COLUMNS)]

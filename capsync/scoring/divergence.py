"""When a criterion is « à discuter »: the one rule of the grids, the dashboard and restitutions.

A group of 7–8 people rarely agrees to the level; a rule that flags any
single outlier flags most criteria (199 of ~290 on the demo campaign under the
old « highest − lowest ≥ 2 »), and a wall of red is read by nobody. A
criterion is worth the group's time when (T is ``scoring.divergence_threshold``,
2 by default; docs/scoring.md gives examples):

- **opinions are really split**: with 2 or 3 answers, highest − lowest ≥ T;
  from 4 answers on, one isolated answer at each end is set aside: the
  second-highest − second-lowest ≥ T (two people on each side of the gap);
- **the retenu is far from the group**: |retenu − median| ≥ T;
- **a review is far from the self-assessment**: |tiers − reference| ≥ T or
  |pair − reference| ≥ T, the reference being the retenu, else the median.

Only levels count: « Ne sait pas », « Non applicable » and blank cells are not
answers. The grid's own formulas (:mod:`capsync.layout.consensus`) compute the
same order statistics from counts, as this module does, so both agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import numpy as np

# the flag's words live with the grid's vocabulary, which the grid's formulas write too
from capsync.workbook.grid_schema import TO_DISCUSS as TO_DISCUSS


class Reason(StrEnum):
    """Why a criterion is « à discuter »; the value is the French wording people read."""

    SPLIT = "avis partagés entre répondant·e·s"
    RETAINED = "niveau retenu loin de la médiane du groupe"
    TIERS = "niveau du tiers loin de l'auto-évaluation"
    PAIR = "niveau du pair loin de l'auto-évaluation"


def level_counts(
    positions: np.ndarray, levels: np.ndarray, size: int, values: Sequence[int]
) -> np.ndarray:
    """A (size × levels) matrix: how many respondents gave each level of the scale, per row."""
    ordered = np.array(sorted(values), dtype=float)
    counts = np.zeros((size, len(ordered)), dtype=np.int64)
    column = np.searchsorted(ordered, levels)
    known = (column < len(ordered)) & (ordered[np.minimum(column, len(ordered) - 1)] == levels)
    np.add.at(counts, (positions[known], column[known]), 1)
    return counts


def nth_smallest(counts: np.ndarray, values: Sequence[int], p: np.ndarray) -> np.ndarray:
    """The p-th smallest answer of each row (1-based ``p``), as the grid's formula computes it."""
    ordered = np.array(sorted(values), dtype=float)
    cumulative = np.cumsum(counts, axis=1)[:, :-1]
    steps = np.diff(ordered)
    below = cumulative < p[:, None]
    return np.asarray(ordered[0] + (below * steps).sum(axis=1), dtype=float)


def statistics(counts: np.ndarray, values: Sequence[int]) -> dict[str, np.ndarray]:
    """Per row: n (answers), median, spread (highest − lowest), trimmed spread; NaN if unknown."""
    n = counts.sum(axis=1)
    nf = n.astype(float)
    low = nth_smallest(counts, values, np.floor((nf + 1) / 2))
    high = nth_smallest(counts, values, nf - np.floor((nf - 1) / 2))
    median = np.where(n > 0, (low + high) / 2, np.nan)
    spread = np.where(
        n >= 2,
        nth_smallest(counts, values, nf) - nth_smallest(counts, values, np.ones_like(nf)),
        np.nan,
    )
    trim = np.where(n >= 4, 2.0, 1.0)
    trimmed = nth_smallest(counts, values, nf + 1 - trim) - nth_smallest(counts, values, trim)
    return {
        "n": n,
        "median": median,
        "spread": spread,
        "trimmed": np.where(n >= 2, trimmed, np.nan),
    }


def _far(level: np.ndarray, reference: np.ndarray, threshold: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.asarray(np.abs(level - reference) >= threshold, dtype=bool)


def reasons(
    *,
    trimmed: np.ndarray,
    median: np.ndarray,
    retenu: np.ndarray,
    tiers: np.ndarray,
    pair: np.ndarray,
    threshold: float,
) -> dict[Reason, np.ndarray]:
    """Each reason's mask; a criterion is « à discuter » when any is true (NaN is never far)."""
    reference = np.where(np.isnan(retenu), median, retenu)
    with np.errstate(invalid="ignore"):
        split = np.asarray(trimmed >= threshold, dtype=bool)
    return {
        Reason.SPLIT: split,
        Reason.RETAINED: _far(retenu, median, threshold),
        Reason.TIERS: _far(tiers, reference, threshold),
        Reason.PAIR: _far(pair, reference, threshold),
    }

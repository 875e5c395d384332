"""Self-assessment against the tiers' and the pair's review, per chapter (pure pandas).

The tiers and the pair review some criteria of a chapter, not always all of
them; comparing their mean with the chapter's score would compare different
criteria. So each reviewer is set against the self-assessment **on the criteria
that reviewer rated**: ``tiers_self`` is the weighted mean of the structure's
retained levels (the retenu, else the respondents' median, as in the chapter
score) on the criteria the tiers rated, ``tiers`` the weighted mean of the
tiers' levels on the same criteria, ``tiers_gap`` = ``tiers_self`` − ``tiers``
(positive: the structure sees itself higher than the tiers does: the sign of
the criteria's ``tiers_gap``, retenu − review). Same for the pair. A chapter
nobody reviewed has NaN and a count of 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

REVIEWERS = ("tiers", "pair")
REVIEW_COLUMNS = (
    "structure",
    "chapter",
    *(f"{who}_{what}" for who in REVIEWERS for what in ("n", "self", "mean", "gap")),
)


def review_chapters(criteria: pd.DataFrame) -> pd.DataFrame:
    """Per (structure, chapter) of ``criteria`` (the frame of
    :func:`~capsync.scoring.scores.criterion_scores`): for the tiers and the pair, the
    criteria rated (``*_n``), the self-assessment on them (``*_self``), the reviewer's
    mean (``*_mean``) and the gap (``*_gap``), weighted like the chapter score."""
    if criteria.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in REVIEW_COLUMNS})
    weight = criteria["weight"].to_numpy(dtype=float)
    retained = criteria["retained"].to_numpy(dtype=float)
    work = pd.DataFrame({"structure": criteria["structure"], "chapter": criteria["chapter"]})
    for who in REVIEWERS:
        level = criteria[who].to_numpy(dtype=float)
        both = ~np.isnan(level) & ~np.isnan(retained)
        w = np.where(both, weight, 0.0)
        work[f"{who}_n"] = both.astype(np.int64)
        work[f"{who}_w"] = w
        work[f"{who}_ws"] = w * np.nan_to_num(retained)
        work[f"{who}_wr"] = w * np.nan_to_num(level)
    sums = work.groupby(["structure", "chapter"], sort=False).sum().reset_index()
    out = pd.DataFrame({"structure": sums["structure"], "chapter": sums["chapter"]})
    for who in REVIEWERS:
        total = sums[f"{who}_w"].to_numpy(dtype=float)
        nan = np.full(len(sums), np.nan)
        mine = np.divide(
            sums[f"{who}_ws"].to_numpy(dtype=float), total, out=nan.copy(), where=total > 0
        )
        theirs = np.divide(
            sums[f"{who}_wr"].to_numpy(dtype=float), total, out=nan.copy(), where=total > 0
        )
        out[f"{who}_n"] = sums[f"{who}_n"].astype(int)
        out[f"{who}_self"] = mine
        out[f"{who}_mean"] = theirs
        out[f"{who}_gap"] = mine - theirs
    return out[list(REVIEW_COLUMNS)]

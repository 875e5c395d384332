"""The « Écarts » a délégué·e and a structure read: what is « à discuter », and why (pure).

One list, built here for the dashboard's « Écarts » sheet and the
restitution alike, so both say the same thing under the rule of
:mod:`capsync.scoring.divergence`:

- « entre répondant·e·s »: opinions really split (with the lowest and highest
  answers);
- « niveau retenu / groupe »: a retenu far from the group's median;
- « auto-évaluation / tiers » and « auto-évaluation / pair »: every criterion
  the tiers or the pair rated differently from the retained level, « à
  discuter » when the gap reaches the threshold, with the reviewer's comment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from capsync.campaign.referentiel import Referentiel
from capsync.layout.tables import as_datetime, frame_rows, missing, number, person_text
from capsync.parse.answers import AnswerKind
from capsync.scoring.divergence import TO_DISCUSS, Reason
from capsync.scoring.participation import starts_with
from capsync.workbook.grid_schema import (
    COL_JUSTIFICATION,
    COL_PAIR_COMMENT,
    COL_REVIEW_COMMENT,
    COL_TIERS_COMMENT,
    RESPONDENT_PREFIX,
)

BETWEEN_RESPONDENTS = "entre répondant·e·s"
RETAINED_VS_GROUP = "niveau retenu / groupe"
SELF_VS_TIERS = "auto-évaluation / tiers"
SELF_VS_PAIR = "auto-évaluation / pair"


def respondent_range(answers: pd.DataFrame) -> dict[tuple[str, str], tuple[float, float]]:
    """(structure, criterion) → (lowest, highest) level given by the respondents.

    One pass over plain arrays rather than a pandas group-by: grouping on two text
    columns cost more than the rest of the « Écarts » sheet. Like the group-by, a
    row without a structure or a criterion counts nowhere.
    """
    if answers.empty:
        return {}
    chosen = (
        starts_with(answers["column"], RESPONDENT_PREFIX)
        & (answers["kind"].astype(str) == AnswerKind.LEVEL)
        & answers["level"].notna()
        & answers["structure"].notna()
        & answers["criterion"].notna()
    ).to_numpy()
    structures = answers["structure"].to_numpy(dtype=object)[chosen]
    criteria = answers["criterion"].to_numpy(dtype=object)[chosen]
    levels = answers["level"].to_numpy(dtype=float)[chosen].tolist()
    found: dict[tuple[str, str], tuple[float, float]] = {}
    for key, level in zip(zip(structures, criteria, strict=True), levels, strict=True):
        span = found.get(key)
        if span is None:
            found[key] = (level, level)
        elif level < span[0]:
            found[key] = (level, span[1])
        elif level > span[1]:
            found[key] = (span[0], level)
    return found


def latest_texts(texts: pd.DataFrame) -> dict[tuple[str, str, str], str]:
    """(structure, criterion, column) → the most recent text recorded there."""
    records = frame_rows(texts)
    if records and "recorded_at" in records[0]:
        records.sort(key=lambda r: as_datetime(r["recorded_at"]) or dt.datetime.min)
    return {
        (str(r["structure"]), str(r["criterion"]), str(r["column"])): person_text(r["text"])
        for r in records
    }


_READ = (
    "structure",
    "criterion",
    "discuss_reasons",
    "divergence",
    "retained",
    "median",
    "tiers",
    "tiers_gap",
    "pair",
    "pair_gap",
)
"""The columns of the criteria frame a gap is read from."""


def _candidates(criteria: pd.DataFrame) -> pd.DataFrame:
    """Only rows that can give a gap (most criteria of most structures have none), and only
    the columns read: turning the other dozen into dicts was most of the cost."""
    tiers = criteria["tiers_gap"].fillna(0).astype(float) != 0
    pair = criteria["pair_gap"].fillna(0).astype(float) != 0
    rows = criteria[criteria["to_discuss"].fillna(False).astype(bool) | tiers | pair]
    return rows[[c for c in _READ if c in rows.columns]]


def gap_rows(
    referentiel: Referentiel,
    criteria: pd.DataFrame,
    answers: pd.DataFrame,
    texts: pd.DataFrame,
) -> list[dict[str, Any]]:
    """The gaps of ``criteria``, per structure, in the order above.

    Each dict: structure, criterion, title, kind, retained, low, high, review,
    gap, action (« à discuter » or ""), justification, review_comment.
    """
    if criteria.empty:
        return []
    candidates = _candidates(criteria)
    if candidates.empty:
        return []
    spans = respondent_range(answers)
    said = latest_texts(texts)
    threshold = referentiel.scoring.divergence_threshold
    split, retained = Reason.SPLIT.value, Reason.RETAINED.value
    found: list[dict[str, Any]] = []
    for r in frame_rows(candidates):
        key = (str(r["structure"]), str(r["criterion"]))
        reasons = str(r.get("discuss_reasons") or "")
        common = {
            "structure": key[0],
            "criterion": key[1],
            "title": referentiel.criteria[key[1]].title if key[1] in referentiel.criteria else "",
            "retained": number(r.get("retained")),
            "justification": said.get((*key, COL_JUSTIFICATION), ""),
            "review_comment": "",
        }
        if split in reasons and not missing(r.get("divergence")):
            low, high = spans.get(key, (None, None))
            found.append(
                common
                | {"kind": BETWEEN_RESPONDENTS, "low": low, "high": high, "review": None}
                | {"gap": number(r["divergence"]), "action": TO_DISCUSS}
            )
        if retained in reasons:
            found.append(
                common
                | {"kind": RETAINED_VS_GROUP, "low": None, "high": None, "review": None}
                | {"gap": _diff(r.get("retained"), r.get("median")), "action": TO_DISCUSS}
            )
        for kind, level, gap, comments in (
            (SELF_VS_TIERS, "tiers", "tiers_gap", (COL_TIERS_COMMENT, COL_REVIEW_COMMENT)),
            (SELF_VS_PAIR, "pair", "pair_gap", (COL_PAIR_COMMENT,)),
        ):
            value = number(r.get(gap))
            if value is None or value == 0:
                continue
            comment = next((said[(*key, c)] for c in comments if said.get((*key, c))), "")
            found.append(
                common
                | {"kind": kind, "low": None, "high": None, "review": number(r.get(level))}
                | {"gap": value, "review_comment": comment}
                | {"action": TO_DISCUSS if abs(value) >= threshold else ""}
            )
    return found


def _diff(a: Any, b: Any) -> float | None:
    x, y = number(a), number(b)
    return None if x is None or y is None else x - y

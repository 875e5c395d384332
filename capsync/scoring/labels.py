"""What the score tables say to people: labellisation reasons, collectif statistics, French numbers.

Split from :mod:`capsync.scoring.scores` (which re-exports everything here) because
these functions read the criterion and chapter tables rather than the answers.
The rules are documented in ``docs/scoring.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from capsync.campaign.referentiel import Referentiel

MISSING = "—"
_EPSILON = 1e-9  # absorbs binary noise such as 1.95 * 10 == 19.499999999999996


def round_score(value: float | np.ndarray | pd.Series) -> np.ndarray | float:
    """Round to one decimal, halves away from zero, as people do by hand (1,25 → 1,3).

    Python's ``round`` would give 1,2 (banker's rounding on a binary float);
    the dashboards, the labellisation rule and the reasons all use this one
    rounding so that a structure never reads « 2,0 » next to « inférieur à 2,0 ».
    """
    array = np.asarray(value, dtype=float)
    rounded = np.sign(array) * np.floor(np.abs(array) * 10 + 0.5 + _EPSILON) / 10
    rounded = rounded + 0.0  # turns -0.0 into 0.0
    if np.ndim(rounded) == 0:
        return float(rounded)
    return np.asarray(rounded, dtype=float)


def _number(value: float | None) -> float | None:
    """The value as a float, None when it is missing (None, NaN, pandas' NA)."""
    return None if value is None or pd.isna(value) else float(value)


def format_score(value: float | None) -> str:
    """« 2,5 »: a score with one decimal and a French decimal comma; « — » when there is none."""
    number = _number(value)
    if number is None:
        return MISSING
    return f"{round_score(number):.1f}".replace(".", ",")


def format_change(value: float | None) -> str:
    """« +0,3 », « -1,2 », « 0,0 »: a progression between two dates; « — » when unknown."""
    number = _number(value)
    if number is None:
        return MISSING
    rounded = round_score(number)
    sign = "+" if rounded > 0 else ""
    return f"{sign}{rounded:.1f}".replace(".", ",")


def format_level(value: float | None) -> str:
    """« 1 », « 1,5 »: a maturity level, without a decimal when it is a whole level."""
    number = _number(value)
    if number is None:
        return MISSING
    if number.is_integer():
        return str(int(number))
    return f"{number:g}".replace(".", ",")


NOTHING_APPLICABLE = (
    "Aucun critère applicable renseigné : tous les critères sont « Non applicable » ou sans réponse"
)


def _incomplete(chapter: str, answered: int, applicable: int) -> str:
    noun = "critère renseigné" if applicable == 1 else "critères renseignés"
    return f"Chapitre {chapter} incomplet ({answered}/{applicable} {noun})"


def labellisation(
    criteria: pd.DataFrame, chapters: pd.DataFrame, referentiel: Referentiel
) -> pd.DataFrame:
    """Per structure: eligible for the label, or the French reasons why not.

    Reasons come per structure in this order: for each chapter (document
    order) its completion then its score, then each applicable mandatory
    criterion (document order). A chapter where no criterion applies is not
    judged. A mandatory criterion marked « Non applicable » is a reason « à
    confirmer par le tiers » until the tiers confirms it (``to_confirm`` lists
    those criteria). The chapter score is compared once rounded to one decimal, as it
    is displayed. ``assessed`` is False for a structure with no answer at all
    (not even « Non applicable »): it is shown as « Pas encore de réponse ».
    """
    rules = referentiel.labellisation
    structures = pd.unique(criteria["structure"])
    reasons: dict[str, list[str]] = {str(s): [] for s in structures}

    structure = chapters["structure"].to_numpy()
    chapter = chapters["chapter"].to_numpy()
    answered = chapters["answered"].to_numpy(dtype=np.int64)
    applicable = chapters["applicable"].to_numpy(dtype=np.int64)
    score = chapters["score"].to_numpy(dtype=float)
    incomplete = (applicable > 0) & (answered < rules.required_completion * applicable - _EPSILON)
    with np.errstate(invalid="ignore"):  # NaN compares False: no score, no score reason
        low = (applicable > 0) & (
            np.asarray(round_score(score)) < rules.min_chapter_score - _EPSILON
        )
    minimum = format_score(rules.min_chapter_score)
    for i in np.flatnonzero(incomplete | low):
        messages = reasons[str(structure[i])]
        if incomplete[i]:
            messages.append(_incomplete(chapter[i], int(answered[i]), int(applicable[i])))
        if low[i]:
            messages.append(
                f"Chapitre {chapter[i]} : score {format_score(score[i])} "
                f"inférieur au minimum de {minimum}"
            )

    to_confirm = _mandatory_reasons(criteria, rules.min_mandatory_level, reasons)

    # Nothing answered cannot be eligible: with every criterion « Non applicable » no rule
    # above would fail. A structure with no answer at all is not assessed yet.
    answered_any = criteria.groupby("structure", sort=False)["answered"].any()
    na_any = criteria.groupby("structure", sort=False)["not_applicable"].any()
    assessed = {str(k): bool(v or na_any.get(k, False)) for k, v in answered_any.items()}
    for sid, messages in reasons.items():
        if not bool(answered_any.get(sid, False)):
            messages.clear()
            if assessed.get(sid, False):
                messages.append(NOTHING_APPLICABLE)
    return pd.DataFrame(
        {
            "structure": list(reasons),
            "eligible": np.array(
                [not r and assessed.get(s, False) for s, r in reasons.items()], dtype=bool
            ),
            "assessed": np.array([assessed.get(s, False) for s in reasons], dtype=bool),
            "reasons": pd.Series(list(reasons.values()), dtype=object),
            "to_confirm": pd.Series([to_confirm.get(s, []) for s in reasons], dtype=object),
        }
    )


def to_confirm_reason(criterion: str) -> str:
    """The reason a mandatory criterion marked « Non applicable » keeps the label back."""
    return f"Critère obligatoire {criterion} marqué « Non applicable » : à confirmer par le tiers"


def _mandatory_reasons(
    criteria: pd.DataFrame, floor_level: int, reasons: dict[str, list[str]]
) -> dict[str, list[str]]:
    """Append each structure's mandatory-criterion reasons; return its « à confirmer » IDs.

    A mandatory criterion the structure marked « Non applicable » does not waive the
    condition on its own: it stays a reason, « à confirmer par le tiers », until the tiers
    writes « Non applicable » in their column too (``tiers_na``). A criterion that does
    not apply to the structure's type(s) is not required at all.
    """
    retained = criteria["retained"].to_numpy(dtype=float)
    mandatory = criteria["mandatory"].to_numpy(dtype=bool)
    required = mandatory & criteria["applicable"].to_numpy(dtype=bool)
    confirmed = (
        criteria["tiers_na"].to_numpy(dtype=bool)
        if "tiers_na" in criteria
        else np.zeros(len(criteria), dtype=bool)
    )
    unconfirmed = mandatory & criteria["not_applicable"].to_numpy(dtype=bool) & ~confirmed
    missing = np.isnan(retained)
    with np.errstate(invalid="ignore"):
        below = retained < floor_level
    floor = format_level(floor_level)
    owner = criteria["structure"].to_numpy()
    criterion = criteria["criterion"].to_numpy()
    to_confirm: dict[str, list[str]] = {}
    for i in np.flatnonzero((required & (missing | below)) | unconfirmed):
        if unconfirmed[i]:
            text = to_confirm_reason(str(criterion[i]))
            to_confirm.setdefault(str(owner[i]), []).append(str(criterion[i]))
        elif missing[i]:
            text = f"Critère obligatoire {criterion[i]} non renseigné"
        else:
            level = format_level(retained[i])
            text = f"Critère obligatoire {criterion[i]} au niveau {level} (minimum {floor})"
        reasons[str(owner[i])].append(text)
    return to_confirm


def criterion_statistics(criteria: pd.DataFrame, referentiel: Referentiel) -> pd.DataFrame:
    """Per criterion, over the structures that answered it: the collectif's weak points.

    Columns: criterion, chapter, objective, title, mean (of retained levels),
    n_answered, level_<v> for every level of the scale (a median such as 2,5
    counts in the level it has reached, 2), share_weak (share of the answering
    structures whose retained level is below ``scoring.weak_level``; NaN when
    no structure answered).
    """
    values = np.array(sorted(referentiel.scale.values), dtype=float)
    ids = list(referentiel.criteria)
    done = criteria.loc[criteria["answered"], ["criterion", "retained"]]
    retained = done["retained"].to_numpy(dtype=float)
    position = np.clip(np.searchsorted(values, retained, side="right") - 1, 0, None)
    work = pd.DataFrame(
        {
            "criterion": done["criterion"].to_numpy(),
            "retained": retained,
            "level": values[position].astype(np.int64) if len(values) else position,
            "weak": retained < referentiel.scoring.weak_level,
        }
    )
    grouped = work.groupby("criterion", sort=False)
    mean = grouped["retained"].mean().reindex(ids)
    n_answered = grouped.size().reindex(ids, fill_value=0).astype(np.int64)
    weak = grouped["weak"].sum().reindex(ids, fill_value=0)
    table = pd.DataFrame(
        {
            "criterion": ids,
            "chapter": [referentiel.chapter_of[c].id for c in ids],
            "objective": [referentiel.objective_of[c].id for c in ids],
            "title": [referentiel.criteria[c].title for c in ids],
            "mean": mean.to_numpy(dtype=float),
            "n_answered": n_answered.to_numpy(),
        }
    )
    counts = work.groupby(["criterion", "level"]).size()
    for value in values.astype(np.int64):
        per = counts.xs(value, level="level") if value in counts.index.get_level_values(1) else None
        column = per.reindex(ids, fill_value=0) if per is not None else pd.Series(0, index=ids)
        table[f"level_{value}"] = column.to_numpy(dtype=np.int64)
    n = table["n_answered"].to_numpy(dtype=float)
    table["share_weak"] = np.divide(
        weak.to_numpy(dtype=float), n, out=np.full(len(ids), np.nan), where=n > 0
    )
    return table

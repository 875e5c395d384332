"""Following a plan de progrès over the months (pure pandas): late lines, criteria to re-rate.

Two rules, the same for the dashboard, the restitution and a structure's « À corriger »:

- **en retard**: the échéance is past and the line is neither « fait » nor « abandonné »
  (an abandoned action is closed, not late).
- **à réévaluer**: the line is « fait », and its criterion has not been re-rated since. The
  store appends a line again whenever one of its cells changes, so the line's
  ``recorded_at`` is when it was last changed — at the latest, when it was marked
  « fait ». The criterion counts as re-rated when its « Niveau retenu » or its
  « Justification / preuves » was recorded later than that: the store records only
  changes, so a group that confirms the same level says so by updating its evidence.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import pandas as pd

from capsync.workbook.grid_schema import COL_JUSTIFICATION, COL_RETAINED, PLAN_DONE

CLOSED = frozenset({"fait", "abandonne"})
FOLLOWUP_COLUMNS = ("niveau_actuel", "en_retard", "a_reevaluer")


def _fold(value: Any) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _day(value: Any) -> dt.date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def is_late(echeance: Any, statut: Any, today: dt.date) -> bool:
    """The échéance is past and the line is neither « fait » nor « abandonné »."""
    deadline = _day(echeance)
    return deadline is not None and deadline < today and _fold(statut) not in CLOSED


def is_done(statut: Any) -> bool:
    return _fold(statut) == PLAN_DONE


def _stamp(value: Any) -> pd.Timestamp | None:
    """A recorded time of any shape (datetime, date, ISO text) as one comparable type."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    try:
        return pd.Timestamp(value).tz_localize(None)
    except (ValueError, TypeError):
        return None


def _last_rated(
    answers: pd.DataFrame, texts: pd.DataFrame, wanted: set[tuple[str, str]]
) -> dict[tuple[str, str], pd.Timestamp]:
    """(structure, criterion) → when its retenu or justification was last recorded, for the
    ``wanted`` ones only (the lines marked done: a handful, of a collectif's thousands)."""
    found: dict[tuple[str, str], pd.Timestamp] = {}
    for frame, column in ((answers, COL_RETAINED), (texts, COL_JUSTIFICATION)):
        if not wanted or frame.empty or "recorded_at" not in frame.columns:
            continue
        rows = frame[frame["column"] == column]
        for s, c, at in zip(rows["structure"], rows["criterion"], rows["recorded_at"], strict=True):
            key = (str(s), str(c))
            if key not in wanted:
                continue
            stamp = _stamp(at)
            if stamp is not None and (key not in found or stamp > found[key]):
                found[key] = stamp
    return found


def plan_followup(
    actions: pd.DataFrame,
    answers: pd.DataFrame,
    texts: pd.DataFrame,
    criteria: pd.DataFrame,
    today: dt.date,
) -> pd.DataFrame:
    """``actions`` with ``niveau_actuel`` (the retained level today, NaN when none),
    ``en_retard`` and ``a_reevaluer`` (see the module docstring)."""
    frame = actions.copy()
    if frame.empty:
        for column in FOLLOWUP_COLUMNS:
            frame[column] = pd.Series(dtype=object)
        return frame
    retained: dict[tuple[str, str], float] = {}
    if not criteria.empty:
        for s, c, level in zip(
            criteria["structure"], criteria["criterion"], criteria["retained"], strict=True
        ):
            retained[(str(s), str(c))] = float(level)
    keys = list(zip(frame["structure"].astype(str), frame["criterion"].astype(str), strict=True))
    done = {k for k, statut in zip(keys, frame["statut"], strict=True) if is_done(statut) and k[1]}
    rated = _last_rated(answers, texts, done)
    frame["niveau_actuel"] = [retained.get(k, float("nan")) for k in keys]
    frame["en_retard"] = [
        is_late(e, s, today) for e, s in zip(frame["echeance"], frame["statut"], strict=True)
    ]
    when = frame["recorded_at"] if "recorded_at" in frame.columns else [None] * len(frame)
    done_at = [_stamp(at) for at in when]
    frame["a_reevaluer"] = [
        is_done(statut) and bool(k[1]) and not (k in rated and at is not None and rated[k] > at)
        for k, statut, at in zip(keys, frame["statut"], done_at, strict=True)
    ]
    return frame

"""A grid's column keys as people read them: « Sophie Marchand (Direction) », « Niveau retenu »
(pure).

The store keeps each answer under its column's key (« r:sophie-marchand », « retenu »);
what capsync says about a cell — the history, a conflict between two files, a stale
copy — is read by structures and délégué·e·s, who know the columns by their headers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from capsync.campaign.config import Collective, Structure
from capsync.parse.answers import OWN_COMMENT_SUFFIX
from capsync.workbook.grid_schema import (
    COL_JUSTIFICATION,
    COL_RETAINED,
    COL_RETAINED_PENDING,
    COL_REVIEW_COMMENT,
    COL_REVIEW_LEVEL,
    RESPONDENT_PREFIX,
    TRAILING_COLUMNS,
    respondent_columns,
)

COLUMN_LABELS = {
    COL_RETAINED: "Niveau retenu",
    COL_JUSTIFICATION: "Justification / preuves",
    COL_REVIEW_LEVEL: "Niveau tiers / pair",
    COL_REVIEW_COMMENT: "Commentaire tiers / pair",
    COL_RETAINED_PENDING: "Niveau retenu repris (à confirmer)",  # a new campaign's
    "critere": "Critère",
    "action": "Action",
    "responsable": "Responsable",
    "echeance": "Échéance",
    "statut": "Statut",
    "commentaire": "Commentaire",
    "niveau_vise": "Niveau visé",
    "origine": "Origine",
}


def structure_labels(structure: Structure | None) -> dict[str, str]:
    """Column key → header, for the grid of ``structure`` (its respondents by name)."""
    labels = dict(COLUMN_LABELS)
    labels.update({key: header for key, header, _ in TRAILING_COLUMNS})
    if structure is not None:
        labels.update({r.key: r.header for r in respondent_columns(structure)})
    return labels


def column_label(key: str, labels: dict[str, str]) -> str:
    """The header of a column key; a respondent no longer in the grid (renamed, removed) is
    shown under a readable header, never as a raw key."""
    if key in labels:
        return labels[key]
    if key.endswith(OWN_COMMENT_SUFFIX):
        return f"Commentaire de {column_label(key[: -len(OWN_COMMENT_SUFFIX)], labels)}"
    if key.startswith(RESPONDENT_PREFIX):
        name = key[len(RESPONDENT_PREFIX) :]
        person = f"Répondant·e {name}" if name.isdigit() else name.replace("-", " ").title()
        return f"{person} (colonne retirée)"
    return key


_KEYED = re.compile(r"(Critère [^\s()]+) \(([^()]+)\)")


def named_columns(text: str, labels: dict[str, str]) -> str:
    """« Critère 1.1.2 (r:sophie-marchand) : … » → « Critère 1.1.2 (Sophie Marchand
    (Direction)) : … »: what the store's messages about a cell say, with the column's
    header (a by-role structure's text, pseudonymised already, is left as it is)."""
    return _KEYED.sub(lambda m: f"{m.group(1)} ({column_label(m.group(2), labels)})", text)


if TYPE_CHECKING:
    import pandas as pd


def named_anomalies(anomalies: pd.DataFrame, collective: Collective) -> pd.DataFrame:
    """``anomalies`` with each message's column keys as the headers of its structure's grid."""
    if anomalies.empty or "message" not in anomalies or "structure" not in anomalies:
        return anomalies
    labels = {s.id: structure_labels(s) for s in collective.structures}
    frame = anomalies.copy()
    frame["message"] = [
        named_columns(m, labels.get(str(sid)) or structure_labels(None))
        if isinstance(m, str)
        else m
        for sid, m in zip(frame["structure"], frame["message"], strict=True)
    ]
    return frame

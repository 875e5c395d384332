"""The anomalies of two files of one structure that disagree (French, for the délégué·e·s).

Kept apart from the recording (:mod:`capsync.store.record`) so the wording can
be read and improved in one place; the kinds are what tests and dashboards use.
"""

from __future__ import annotations

import datetime as dt

from capsync.parse.answers import Anomaly, AnomalyKind, ParsedGrid
from capsync.store.ownership import file_label

Event = tuple[str, str, str, float | None, str, str, str]
CellState = tuple[str, float | None, str, str]


def _shown(text: str, level: float | None) -> str:
    if text:
        return text
    return "(vide)" if level is None else f"{level:g}"


def _day(at: str) -> str:
    try:
        return f"{dt.datetime.fromisoformat(at):%d/%m/%Y}"
    except ValueError:
        return at


def this_file(parsed: ParsedGrid) -> str:
    return parsed.label or file_label(parsed.source)


def conflict_anomaly(parsed: ParsedGrid, event: Event, old: CellState, other: str) -> Anomaly:
    criterion, column, _kind, level, text, sheet, cell = event
    message = (
        f"Critère {criterion} ({column}) : « {this_file(parsed)} » indique "
        f"« {_shown(text, level)} » alors que « {file_label(other)} » indiquait "
        f"« {_shown(old[2], old[1])} » (relevé le {_day(old[3])}). La valeur la plus récente "
        "est retenue, l'autre reste dans l'historique : vérifiez avec la structure laquelle "
        "est juste et corrigez la grille si besoin."
    )
    return Anomaly(
        parsed.structure, parsed.source, sheet, cell, _shown(text, level), message,
        AnomalyKind.CONFLICTING_COPIES,
    )  # fmt: skip


def stale_anomaly(parsed: ParsedGrid, event: Event, old: CellState, other: str) -> Anomaly:
    criterion, column, _kind, level, text, sheet, cell = event
    by = f" par « {file_label(other)} »" if other else ""
    message = (
        f"Critère {criterion} ({column}) : « {this_file(parsed)} » contient "
        f"« {_shown(text, level)} », une valeur plus ancienne que « {_shown(old[2], old[1])} » "
        f"relevée le {_day(old[3])}{by} : c'est une copie périmée, cette valeur n'a pas été "
        "reprise. Si elle est la bonne, saisissez-la à nouveau dans la grille de la structure."
    )
    return Anomaly(
        parsed.structure, parsed.source, sheet, cell, _shown(text, level), message,
        AnomalyKind.STALE_COPY,
    )  # fmt: skip

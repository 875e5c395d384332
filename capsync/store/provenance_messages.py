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
PlanValues = tuple[str | None, ...]  # a stored plan row (capsync.store.record._action_values)


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


def stale_anomaly(
    parsed: ParsedGrid, event: Event, old: CellState | None, other: str = ""
) -> Anomaly:
    """A copy holding a value the cell held before: older than ``old``, or (``old`` None) an
    answer erased since."""
    criterion, column, _kind, level, text, sheet, cell = event
    by = f" par « {file_label(other)} »" if other else ""
    since = (
        "une réponse effacée depuis"
        if old is None
        else f"une valeur plus ancienne que « {_shown(old[2], old[1])} » relevée le "
        f"{_day(old[3])}{by}"
    )
    message = (
        f"Critère {criterion} ({column}) : « {this_file(parsed)} » contient "
        f"« {_shown(text, level)} », {since} : c'est une copie périmée, cette valeur n'a pas "
        "été reprise. Si elle est la bonne, saisissez-la à nouveau dans la grille de la "
        "structure."
    )
    return Anomaly(
        parsed.structure, parsed.source, sheet, cell, _shown(text, level), message,
        AnomalyKind.STALE_COPY,
    )  # fmt: skip


PLAN_SHEET_NAME = "Plan de progrès"
PLAN_HEADERS = (
    "Critère", "Action", "Responsable", "Échéance", "Statut", "Commentaire", "Niveau visé",
    "Origine",
)  # fmt: skip  # PLAN_FIELDS' headers, as the grid's « Plan de progrès » shows them


def plan_field_text(row: PlanValues, field: int) -> str:
    """A plan row's field as people typed it (a date as JJ/MM/AAAA, an unreadable one as typed)."""
    positions = (0, 1, 2, 3, 5, 6, 9, 10)
    if field == 3 and not row[3]:
        return row[4] or "(vide)"
    value = row[positions[field]]
    if field == 3 and value:
        try:
            return f"{dt.date.fromisoformat(value):%d/%m/%Y}"
        except ValueError:
            return value
    return value or "(vide)"


def _plan_where(row: PlanValues) -> str:
    criterion = f"critère {row[0]}" if row[0] else "sans critère"
    return f"Plan de progrès, action « {row[1] or '(sans texte)'} » ({criterion})"


def _plan_cell(row: PlanValues, field: int | None) -> str:
    cells = (row[8] or "").split(",")
    if field is not None and field < len(cells) and cells[field]:
        return cells[field]
    return next((c for c in cells if c), "")


_AGAIN = "Si elle est la bonne, saisissez-la à nouveau dans la grille de la structure."
_PLAN_TEXTS = {
    "stale_field": "{where}, {header} : « {name} » contient « {value} », une valeur plus "
    "ancienne que « {held} » (« {there} ») : c'est une copie périmée, cette valeur n'a pas été "
    "reprise. " + _AGAIN,
    "conflict": "{where}, {header} : « {name} » indique « {value} » alors que « {there} » "
    "indiquait « {held} ». La valeur la plus récente est retenue, l'autre reste dans "
    "l'historique : vérifiez avec la structure laquelle est juste et corrigez la grille si besoin.",
    "stale_row": "{where} : « {name} » contient une version plus ancienne de cette ligne que "
    "celle du plan : c'est une copie périmée, elle n'a pas été reprise. " + _AGAIN,
    "deleted_row": "{where} : « {name} » contient cette ligne, supprimée du plan depuis : c'est "
    "une copie périmée, elle n'a pas été remise au plan. Si elle doit y rester, saisissez-la à "
    "nouveau dans la grille de la structure.",
    "changed_deleted": "{where} : « {name} » contient cette ligne modifiée, alors qu'elle a été "
    "supprimée du plan depuis : elle n'y a pas été remise. Vérifiez avec la structure si elle "
    "doit y rester, et saisissez-la à nouveau dans la grille si besoin.",
}


def plan_anomaly(
    parsed: ParsedGrid,
    kind: str,
    copy: PlanValues,
    field: int | None,
    current: PlanValues | None,
    place: str,
) -> Anomaly:
    """A copy's plan row (or one of its fields) not taken as it was, or taken over another
    file's: why, in French. ``kind``: a :class:`~capsync.store.plan_merge.PlanNoteKind`
    value; ``place``: the file that holds the current row (« » when none does)."""
    value = copy[1] or "" if field is None else plan_field_text(copy, field)
    message = _PLAN_TEXTS[kind].format(
        where=_plan_where(copy if current is None else current),
        header="" if field is None else PLAN_HEADERS[field],
        name=this_file(parsed),
        value=value,
        held="" if current is None or field is None else plan_field_text(current, field),
        there=file_label(place) if place else "la grille",
    )
    conflict = kind in ("conflict", "changed_deleted")
    return Anomaly(
        parsed.structure,
        parsed.source,
        copy[7] or PLAN_SHEET_NAME,
        _plan_cell(copy, field),
        value,
        message,
        AnomalyKind.CONFLICTING_COPIES if conflict else AnomalyKind.STALE_COPY,
    )

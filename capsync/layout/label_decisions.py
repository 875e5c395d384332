"""Labellisation as a process, as people read it: the dashboard's « Label » sheet and the
sentence a restitution shows (pure).

Eligibility stays computed (:func:`capsync.scoring.labels.labellisation`); what the label
committee decided comes from the decisions file (:mod:`capsync.campaign.decisions`). The
sheet puts both side by side, lists the mandatory criteria marked « Non applicable » that
the tiers still has to confirm, and flags a label nearing its end.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from capsync.campaign.config import Collective
from capsync.campaign.decisions import Decisions, LabelDecision, LabelState
from capsync.french import typeset
from capsync.layout.tables import (
    FIRST_ROW,
    Column,
    frame_rows,
    span_title_and_note,
    table_sheet,
)
from capsync.workbook.spec import SheetSpec, Style, Value

LABEL_SHEET = "Label"
ELIGIBLE = "Éligible"
IN_PROGRESS = "En cours"  # not eligible yet, before the clôture: no failure declared
NOT_ELIGIBLE = "Non éligible"  # after the clôture (Collective.closed)
NOT_ASSESSED = "Pas encore de réponse"
_STATE_STYLES = {
    LabelState.LABELLISEE: Style.GOOD,
    LabelState.A_RENOUVELER: Style.WARNING,
    LabelState.EXPIREE: Style.WARNING,
    LabelState.REFUSEE: Style.WARNING,
}


def decision_text(decision: LabelDecision | None, today: dt.date) -> str:
    """« Comité du 02/07/2026 : labellisée jusqu'au 01/07/2029 (renouvellement à préparer
    dès le 02/01/2029). »; "" without a decision."""
    if decision is None:
        return ""
    start = f"Comité du {decision.committee:%d/%m/%Y} : {decision.decision.label.lower()}"
    state = decision.state(today)
    if decision.valid_until is not None:
        start += f" jusqu'au {decision.valid_until:%d/%m/%Y}"
    renewal = decision.renewal
    if state == LabelState.EXPIREE:
        start += " — label expiré, à renouveler"
    elif state == LabelState.A_RENOUVELER:
        start += " — renouvellement à préparer maintenant"
    elif renewal is not None and state == LabelState.LABELLISEE:
        start += f" (renouvellement à préparer dès le {renewal:%d/%m/%Y})"
    notes = f" {decision.notes.strip()}" if decision.notes.strip() else ""
    return typeset(f"{start}.") + notes


def decision_texts(decisions: Decisions, today: dt.date) -> dict[str, str]:
    """Structure ID → :func:`decision_text` of its latest decision, for the restitutions."""
    ids = dict.fromkeys(d.structure for d in decisions.labels)
    return {s: decision_text(decisions.label_of(s), today) for s in ids}


def label_sheet(
    collective: Collective, label: pd.DataFrame, decisions: Decisions, today: dt.date
) -> SheetSpec:
    """Per structure: the computed eligibility, the « Non applicable » to confirm, and the
    committee's decision with its validity; a label to renew is on a pink background."""
    rows_by = {str(r["structure"]): r for r in frame_rows(label)}
    not_eligible = NOT_ELIGIBLE if collective.closed(today) else IN_PROGRESS
    rows: list[list[Value]] = []
    styles: dict[tuple[int, int], Style] = {}
    for structure in collective.structures:
        row = rows_by.get(structure.id, {})
        eligible = (
            NOT_ASSESSED
            if not bool(row.get("assessed", False))
            else (ELIGIBLE if bool(row.get("eligible")) else not_eligible)
        )
        confirm = ", ".join(str(c) for c in (row.get("to_confirm") or []))
        decision = decisions.label_of(structure.id)
        state = decision.state(today) if decision else LabelState.NONE
        rows.append(
            [
                structure.name,
                eligible,
                confirm,
                decision.decision.label if decision else "",
                decision.committee if decision else None,
                decision.valid_until if decision else None,
                decision.renewal if decision else None,
                state.value,
            ]
        )
        r = FIRST_ROW + len(rows) - 1
        if confirm:
            styles[(r, 2)] = Style.WARNING
        if state in _STATE_STYLES:
            styles[(r, 7)] = _STATE_STYLES[state]
    columns = [
        Column("Structure", 30),
        Column("Éligibilité calculée", 14),
        Column(typeset("« Non applicable » à confirmer par le tiers"), 22),
        Column("Décision du comité", 13),
        Column("Date du comité", 12, Style.DATE),
        Column("Fin de validité", 12, Style.DATE),
        Column("Renouvellement dû le", 13, Style.DATE),
        Column("État du label", 15),
    ]
    sheet = table_sheet(
        LABEL_SHEET,
        "Labellisation : éligibilité et décisions du comité",
        typeset(
            "Éligibilité calculée à partir des réponses ; un critère obligatoire marqué "
            "« Non applicable » ne compte comme tel qu'une fois confirmé par le tiers "
            "(« Non applicable » dans sa colonne « Niveau tiers »). Décisions : fichier de "
            "décisions tenu par les délégué·e·s."
        ),
        columns,
        rows,
        empty_message="Aucune structure dans ce collectif.",
    )
    sheet.cell_styles.update(styles)
    span_title_and_note(sheet)
    sheet.rows[0] = [typeset(str(sheet.rows[0][0]))]
    return sheet

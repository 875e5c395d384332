"""A structure's plan de progrès as its restitution shows it: soonest deadline first, late
actions flagged, a status capsync cannot read said so (pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from capsync.layout.dashboard_sheets import action_is_late
from capsync.layout.tables import as_date, frame_rows, person_text
from capsync.parse.cells import read_status


@dataclass(frozen=True)
class ActionLine:
    criterion: str
    action: str
    responsable: str
    echeance: dt.date | None
    statut: str
    commentaire: str
    late: bool
    unknown_status: bool = False  # typed, kept as typed, but not one of the plan's statuses

    @property
    def status_text(self) -> str:
        """The status as typed, said to be corrected when it is not one (« fini »): the
        « À corriger » workbook lists it, the restitution must not read it as valid."""
        return f"{self.statut}, statut non reconnu" if self.unknown_status else self.statut


def _unknown_status(value: object) -> bool:
    text = person_text(value).strip()
    return bool(text) and read_status(text) is None


def plan_lines(actions: pd.DataFrame | None, today: dt.date) -> list[ActionLine]:
    """The structure's plan de progrès, soonest deadline first, late actions flagged."""
    plan = [
        ActionLine(
            criterion=person_text(r.get("criterion")),
            action=person_text(r.get("action")),
            responsable=person_text(r.get("responsable")),
            echeance=as_date(r.get("echeance")),
            statut=person_text(r.get("statut")),
            commentaire=person_text(r.get("commentaire")),
            late=action_is_late(r.get("echeance"), r.get("statut"), today),
            unknown_status=_unknown_status(r.get("statut")),
        )
        for r in frame_rows(actions)
    ]
    plan.sort(key=lambda a: a.echeance or dt.date.max)
    return plan

"""What reading a grid produces: answers, texts, plan rows and anomalies (plain data).

These types are the contract between parsing and everything above it: the
store appends them, scoring and the dashboards read them back as frames. The
answer kinds are defined here once, as a :class:`AnswerKind` ``StrEnum`` whose
values are the strings the SQLite store has always held (``level``, ``na``,
``nsp``, ``text``), so stores written before the enum existed read unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from capsync.workbook.identity import Identity


class AnswerKind(StrEnum):
    """What one answered cell holds; the value is what the store's ``kind`` column keeps."""

    LEVEL = "level"  # a level of the scale (« 3 », « 3 – maîtrisé »…)
    NOT_APPLICABLE = "na"  # « Non applicable » and its spellings
    UNKNOWN = "nsp"  # « Ne sait pas » and its spellings
    TEXT = "text"  # a justification or a tiers/pair comment


PLAN_FIELDS = ("critere", "action", "responsable", "echeance", "statut", "commentaire")


class Answer(NamedTuple):
    """One non-empty level cell: who answered what for which criterion, and where."""

    structure: str
    criterion: str
    column: str  # "r:<respondent>", "retenu" or "niveau_revue"
    kind: AnswerKind  # LEVEL, NOT_APPLICABLE or UNKNOWN
    level: int | None
    text: str  # what was typed, as text
    sheet: str
    cell: str  # A1


class TextAnswer(NamedTuple):
    """A justification or a tiers/pair comment: typed text, stored like an answer."""

    structure: str
    criterion: str
    column: str  # "justification" or "commentaire_revue"
    text: str
    sheet: str
    cell: str


@dataclass(frozen=True)
class Action:
    """One row of the « Plan de progrès »."""

    structure: str
    criterion: str
    action: str
    responsable: str
    echeance: dt.date | None
    statut: str
    commentaire: str
    sheet: str
    row: int  # 1-based sheet row, as people see it
    cells: tuple[str, ...]  # A1 of each field, in PLAN_FIELDS order ("" for a missing column)
    echeance_text: str = ""  # what was typed when it is not a readable date


@dataclass(frozen=True)
class Anomaly:
    """A cell that could not be read, with what the structure should write instead."""

    structure: str
    source: str  # where the file is (path or URL)
    sheet: str
    cell: str
    value: str
    message: str


@dataclass
class ParsedGrid:
    """Everything read from one grid, and what could not be (kept apart from removals)."""

    collective: str
    structure: str
    source: str
    answers: list[Answer] = field(default_factory=list)
    texts: list[TextAnswer] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # applicable criteria with no row
    # criterion → (sheet, 1-based row, column key → letter) for each criterion row read
    rows_found: dict[str, tuple[str, int, dict[str, str]]] = field(default_factory=dict)
    unreadable: set[tuple[str, str]] = field(default_factory=set)  # (criterion, column) kept
    plan_found: bool = False  # False: the plan's rows are unknown, not deleted
    identity: Identity | None = None

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
from functools import partial
from typing import Any, NamedTuple

from capsync.workbook.identity import Identity


class AnswerKind(StrEnum):
    """What one answered cell holds; the value is what the store's ``kind`` column keeps."""

    LEVEL = "level"  # a level of the scale (« 3 », « 3 – maîtrisé »…)
    NOT_APPLICABLE = "na"  # « Non applicable » and its spellings
    UNKNOWN = "nsp"  # « Ne sait pas » and its spellings
    TEXT = "text"  # a justification or a tiers/pair comment


PLAN_FIELDS = (
    "critere", "action", "responsable", "echeance", "statut", "commentaire", "niveau_vise",
    "origine",
)  # fmt: skip


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
    target: str = ""  # niveau visé: the level's digit (« 3 »), else what was typed
    origin: str = ""  # « chemin vers le label », « revue tiers/pair », « structure » or typed


class AnomalyKind(StrEnum):
    """What is wrong, as a closed set: dashboards filter and count by it, tests assert it.

    The French message of an anomaly says the same thing for people and is free
    to improve; the kind is the stable part. Values are what the store's
    ``kind`` column keeps (stores written before kinds existed read as
    :attr:`OTHER`); :attr:`label` is what the délégué·e·s read.
    """

    UNKNOWN_LEVEL = "unknown_level"  # a level cell that is not a level of the scale
    INVALID_DATE = "invalid_date"  # a plan échéance that is not a date
    UNKNOWN_STATUS = "unknown_status"  # a plan statut that is not one of the statuses
    UNKNOWN_CRITERION = "unknown_criterion"  # a plan row naming no criterion of the référentiel
    DUPLICATE_CRITERION = "duplicate_criterion"  # one criterion on two rows
    MISSING_SHEET = "missing_sheet"  # the plan or every chapter sheet is gone
    HEADER_MOVED = "header_moved"  # header rows sorted or moved among the criteria
    ERROR_VALUE = "error_value"  # a formula showing an error (#DIV/0!, #NOM?)
    CELL_OUTSIDE_TABLE = "cell_outside_table"  # typed where no column or row is read
    OTHER_CAMPAIGN = "other_campaign"  # a grid of a campaign the structure has left
    MISSING_ROW = "missing_row"  # a criterion's row deleted from its chapter sheet
    UNREADABLE_FILE = "unreadable_file"  # not a workbook, damaged, or too large
    OTHER_STRUCTURE = "other_structure"  # another structure's grid (or not a grid) in place
    STRAY_FILE = "stray_file"  # a file the pull does not read (« grille (1).xlsx »)
    CONFLICTING_COPIES = "conflicting_copies"  # two files disagree on one cell
    STALE_COPY = "stale_copy"  # a copy older than what capsync already has
    OUTSIDE_OWN_COLUMNS = "outside_own_columns"  # a personal file typed in others' columns
    OTHER = "other"  # anything else (and anomalies stored before kinds existed)

    @property
    def label(self) -> str:
        """The kind as the délégué·e·s read it in the « Anomalies » sheet."""
        return _ANOMALY_LABELS[self]


_ANOMALY_LABELS = {
    AnomalyKind.UNKNOWN_LEVEL: "niveau non reconnu",
    AnomalyKind.INVALID_DATE: "date invalide",
    AnomalyKind.UNKNOWN_STATUS: "statut non reconnu",
    AnomalyKind.UNKNOWN_CRITERION: "critère inconnu",
    AnomalyKind.DUPLICATE_CRITERION: "critère en double",
    AnomalyKind.MISSING_SHEET: "onglet manquant",
    AnomalyKind.HEADER_MOVED: "en-têtes déplacés",
    AnomalyKind.ERROR_VALUE: "erreur de formule",
    AnomalyKind.CELL_OUTSIDE_TABLE: "cellule hors du tableau",
    AnomalyKind.OTHER_CAMPAIGN: "grille d'une autre campagne",
    AnomalyKind.MISSING_ROW: "ligne de critère supprimée",
    AnomalyKind.UNREADABLE_FILE: "fichier illisible",
    AnomalyKind.OTHER_STRUCTURE: "fichier d'une autre structure",
    AnomalyKind.STRAY_FILE: "fichier en trop ou en double",
    AnomalyKind.CONFLICTING_COPIES: "copies en conflit",
    AnomalyKind.STALE_COPY: "copie périmée",
    AnomalyKind.OUTSIDE_OWN_COLUMNS: "saisie hors de ses colonnes",
    AnomalyKind.OTHER: "autre",
}


def anomaly_kind(value: object) -> AnomalyKind:
    """A stored kind back as the enum; empty or unknown values (older stores) are OTHER."""
    try:
        return AnomalyKind(str(value))
    except ValueError:
        return AnomalyKind.OTHER


@dataclass(frozen=True)
class Anomaly:
    """Something that could not be read, where, and what the structure should do instead."""

    structure: str
    source: str  # where the file is (path or URL)
    sheet: str
    cell: str
    value: str
    message: str
    kind: AnomalyKind


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
    # Whose file this is (see capsync.store.ownership): a personal file owns only its
    # respondent's columns; a copy never seen before (``fresh``) removes nothing; a file
    # that cannot be attributed with certainty (``attributed`` False) changes nothing.
    owner: str = ""  # a personal file's respondent column key; "" for a grid
    fresh: bool = False
    attributed: bool = True
    label: str = ""  # the file's name in messages, when it is not the source's

    def owns(self, column: str) -> bool:
        """Whether this file may change the cells of ``column``."""
        return not self.owner or column in (self.owner, f"{self.owner}{OWN_COMMENT_SUFFIX}")

    def __getstate__(self) -> dict[str, Any]:
        """What a worker process sends back: the answers as plain tuples.

        A NamedTuple is pickled through a Python-level ``__getnewargs__`` per
        answer, which made the answers nine tenths of a grid's pickling cost;
        plain tuples pickle in C. :meth:`__setstate__` makes them answers again.
        """
        state = dict(self.__dict__)
        state["answers"] = list(map(tuple, self.answers))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["answers"] = list(map(partial(tuple.__new__, Answer), state["answers"]))
        self.__dict__.update(state)


OWN_COMMENT_SUFFIX = ":commentaire"  # "r:<slug>:commentaire": a respondent's own comment

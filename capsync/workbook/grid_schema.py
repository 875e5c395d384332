"""The fixed vocabulary of an assessment grid, shared by layout, parsing and upgrades.

Columns are found by the *key* written in a hidden row above the French
headers, never by position or by header text: structures add columns of their
own, rename the « Répondant·e 1 » headers to people's names and re-sort rows,
and their answers must still land on the right criterion and respondent.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from capsync.campaign.config import Structure
from capsync.campaign.vocabulary import RespondentRole
from capsync.workbook.spec import Value

LAYOUT_VERSION = 1

GUIDE_SHEET = "Mode d'emploi"
PLAN_SHEET = "Plan de progrès"
ARCHIVE_SHEET = "Archives"
IDENTITY_SHEET = "_capsync"

TITLE_ROW = 0
KEY_ROW = 1  # hidden: stable column keys
HEADER_ROW = 2  # French headers people read
FIRST_DATA_ROW = 3

ANONYMOUS_RESPONDENTS = 8
PLAN_ROWS = 60

# Fixed columns of a chapter sheet, in order, before the respondents' columns.
COL_ID = "id"
COL_OBJECTIVE = "objectif"
COL_CRITERION = "critere"
COL_QUESTION = "question"
COL_LEVELS = "niveaux"
# ...respondents' columns (keys "r:<slug>")...
COL_RETAINED = "retenu"
COL_JUSTIFICATION = "justification"
COL_REVIEW_LEVEL = "niveau_revue"
COL_REVIEW_COMMENT = "commentaire_revue"

LEADING_COLUMNS: tuple[tuple[str, str, float], ...] = (
    (COL_ID, "ID", 8),
    (COL_OBJECTIVE, "Objectif", 22),
    (COL_CRITERION, "Critère", 28),
    (COL_QUESTION, "Question", 40),
    (COL_LEVELS, "Niveaux de maturité pour ce critère", 50),
)
TRAILING_COLUMNS: tuple[tuple[str, str, float], ...] = (
    (COL_RETAINED, "Niveau retenu", 18),
    (COL_JUSTIFICATION, "Justification / preuves", 40),
    (COL_REVIEW_LEVEL, "Niveau tiers / pair", 18),
    (COL_REVIEW_COMMENT, "Commentaire tiers / pair", 36),
)
RESPONDENT_WIDTH = 16.0

PLAN_COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("critere", "Critère", 12),
    ("action", "Action", 48),
    ("responsable", "Responsable", 22),
    ("echeance", "Échéance", 14),
    ("statut", "Statut", 14),
    ("commentaire", "Commentaire", 40),
)
PLAN_STATUSES: tuple[str, ...] = ("à faire", "en cours", "fait", "abandonné")

RESPONDENT_PREFIX = "r:"


def chapter_sheet_name(chapter_id: str) -> str:
    return f"Chapitre {chapter_id}"


def slug(text: str) -> str:
    """« Élodie Roux » → « elodie-roux »: stable, accent-free keys."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


@dataclass(frozen=True)
class RespondentColumn:
    """One respondent's level column: its stable key and the header people read."""

    key: str
    header: str


def respondent_columns(structure: Structure) -> list[RespondentColumn]:
    """The respondents of a grid: the configured people, or eight anonymous columns."""
    if not structure.respondents:
        return [
            RespondentColumn(f"{RESPONDENT_PREFIX}{i}", f"Répondant·e {i}")
            for i in range(1, ANONYMOUS_RESPONDENTS + 1)
        ]
    columns: list[RespondentColumn] = []
    for person in structure.respondents:
        key = f"{RESPONDENT_PREFIX}{slug(person.name)}"
        while key in {c.key for c in columns}:  # two people with the same name
            key += "-bis"
        columns.append(
            RespondentColumn(key, f"{person.name} ({RespondentRole(person.role).label})")
        )
    return columns


ARCHIVE_COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("feuille", "Feuille d'origine", 22),
    ("cellule", "Cellule d'origine", 12),
    ("critere", "ID critère", 12),
    ("intitule", "Intitulé / colonne", 36),
    ("valeur", "Valeur", 40),
    ("archive_le", "Archivé le", 14),
)


@dataclass
class Carried:
    """Values of a previous version of the grid, to put back in the new one, as typed."""

    answers: dict[tuple[str, str], Value] = field(default_factory=dict)  # (criterion, key)
    respondent_headers: dict[str, str] = field(default_factory=dict)  # key → header typed
    plan_rows: list[list[Value]] = field(default_factory=list)  # in PLAN_COLUMNS order
    archive_rows: list[list[Value]] = field(default_factory=list)  # in ARCHIVE_COLUMNS order

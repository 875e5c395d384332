"""The fixed vocabulary of an assessment grid, shared by layout, parsing and upgrades.

Columns are found by the *key* written in a hidden row above the French
headers, never by position or by header text: structures add columns of their
own, rename the « Répondant·e 1 » headers to people's names and re-sort rows,
and their answers must still land on the right criterion and respondent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field

from capsync.campaign.config import Structure
from capsync.campaign.vocabulary import RespondentRole
from capsync.workbook.spec import Value

LAYOUT_VERSION = 3  # 2: consensus columns; tiers and pair in columns of their own
# 3: the plan de progrès has a current level (computed), a target level and an origin

GUIDE_SHEET = "Mode d'emploi"
PLAN_SHEET = "Plan de progrès"
ARCHIVE_SHEET = "Archives"
LEVELS_SHEET = "Niveaux par critère"
IDENTITY_SHEET = "_capsync"
LISTS_SHEET = "_listes"  # written by the xlsx renderer for long drop-downs
CALC_PREFIX = "_calculs "  # « _calculs Chapitre 1 »: a sheet's formulas (layout/grid_calc.py)


class SheetNames(Collection[str]):
    """Sheet names: some given, and every name that starts with one of ``prefixes``."""

    def __init__(self, names: Iterable[str], prefixes: tuple[str, ...] = ()) -> None:
        self.names = frozenset(names)
        self.prefixes = prefixes

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self.names or name.startswith(self.prefixes))

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.names))

    def __len__(self) -> int:
        return len(self.names)


def is_calc_sheet(name: str) -> bool:
    """A hidden sheet holding another sheet's formulas: never parsed, carried or archived."""
    return name.startswith(CALC_PREFIX)


# Sheets no parser reads (help, level descriptions, drop-down lists, what an upgrade set
# aside, the formulas' twins): a pull does not read them at all — a quarter of a grid's
# reading time, three quarters with the formulas — and a far cell or a broken part in one
# of them no longer makes the grid unreadable.
UNPARSED_SHEETS = SheetNames(
    {GUIDE_SHEET, LEVELS_SHEET, LISTS_SHEET, ARCHIVE_SHEET}, prefixes=(CALC_PREFIX,)
)

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
# Computed by the spreadsheet (generated formulas): never typed, never carried.
COL_COUNT = "nb_reponses"
COL_MEDIAN = "mediane"
COL_SPREAD = "ecart"
COL_DISCUSS = "a_discuter"
COL_RETAINED = "retenu"
COL_JUSTIFICATION = "justification"
COL_TIERS_LEVEL = "niveau_tiers"
COL_TIERS_COMMENT = "commentaire_tiers"
COL_PAIR_LEVEL = "niveau_pair"
COL_PAIR_COMMENT = "commentaire_pair"
# Layout 1 had one shared review column; its values are read and carried as the tiers'.
COL_REVIEW_LEVEL = "niveau_revue"
COL_REVIEW_COMMENT = "commentaire_revue"
LEGACY_REVIEW_KEYS = {COL_REVIEW_LEVEL: COL_TIERS_LEVEL, COL_REVIEW_COMMENT: COL_TIERS_COMMENT}
REVIEW_LEVEL_KEYS = (COL_TIERS_LEVEL, COL_PAIR_LEVEL)
REVIEW_COMMENT_KEYS = (COL_TIERS_COMMENT, COL_PAIR_COMMENT)

LEADING_COLUMNS: tuple[tuple[str, str, float], ...] = (
    (COL_ID, "ID", 7),
    (COL_OBJECTIVE, "Objectif", 12),
    (COL_CRITERION, "Critère", 22),
    (COL_QUESTION, "Question", 30),
)
# Layout 1 had the level descriptions in a column (rows 15 lines high): they are
# now a note on the question and the « Niveaux par critère » sheet.
RETIRED_COLUMNS: tuple[tuple[str, str, float], ...] = (
    (COL_LEVELS, "Niveaux de maturité pour ce critère", 0),
)
COMPUTED_COLUMNS: tuple[tuple[str, str, float], ...] = (
    (COL_COUNT, "Réponses", 8.5),
    (COL_MEDIAN, "Médiane", 8),
    (COL_SPREAD, "Écart", 7),
    (COL_DISCUSS, "À discuter ?", 9.5),
)
TRAILING_COLUMNS: tuple[tuple[str, str, float], ...] = (
    (COL_RETAINED, "Niveau retenu", 13),
    (COL_JUSTIFICATION, "Justification / preuves", 28),
    (COL_TIERS_LEVEL, "Niveau tiers", 12),
    (COL_TIERS_COMMENT, "Commentaire tiers", 22),
    (COL_PAIR_LEVEL, "Niveau pair", 12),
    (COL_PAIR_COMMENT, "Commentaire pair", 22),
)
COL_CARRIED = "a_confirmer"
"""A new campaign's marker: « À confirmer — repris de la campagne 2025-2026 ». While it is
not empty, the row's niveau retenu is the previous campaign's, and is not counted."""
CARRIED_COLUMN: tuple[str, str, float] = (
    COL_CARRIED,
    "Repris — à confirmer\n(videz la cellule)",
    20,
)
COL_RETAINED_PENDING = "retenu_a_confirmer"
"""The column key a carried, unconfirmed niveau retenu is recorded under: kept, never scored."""
GENERATED_KEYS = frozenset(
    key for key, _, _ in (*LEADING_COLUMNS, *COMPUTED_COLUMNS, *RETIRED_COLUMNS)
)  # capsync writes these; a value read there was never typed
RESPONDENT_WIDTH = 9.5

PLAN_COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("critere", "Critère", 30),
    ("niveau_actuel", "Niveau actuel", 13),
    ("niveau_vise", "Niveau visé", 13),
    ("action", "Action", 44),
    ("responsable", "Responsable", 22),
    ("echeance", "Échéance", 14),
    ("statut", "Statut", 14),
    ("commentaire", "Commentaire", 40),
    ("origine", "Origine", 20),
)
PLAN_COMPUTED = frozenset({"niveau_actuel"})  # the sheet's formula: never typed, never carried
PLAN_STATUSES: tuple[str, ...] = ("à faire", "en cours", "fait", "abandonné")
PLAN_DONE = "fait"
PLAN_ORIGIN_PATH = "chemin vers le label"
PLAN_ORIGIN_REVIEW = "revue tiers/pair"
PLAN_ORIGIN_STRUCTURE = "structure"
PLAN_ORIGINS: tuple[str, ...] = (PLAN_ORIGIN_PATH, PLAN_ORIGIN_REVIEW, PLAN_ORIGIN_STRUCTURE)
"""Where a plan line comes from; a blank origin reads as « structure » (layout 2 had none)."""

RESPONDENT_PREFIX = "r:"


PLAN_CRITERION_SEPARATOR = " — "


def plan_criterion_choice(criterion_id: str, title: str) -> str:
    """« 3.4.3 — Handicap »: the plan's criterion drop-down names the criterion, not a bare ID."""
    return f"{criterion_id}{PLAN_CRITERION_SEPARATOR}{title}"


def plan_criterion_id(text: str) -> str:
    """The ID in a plan's criterion cell, whether the drop-down's « ID — titre » or a typed ID."""
    return text.split(PLAN_CRITERION_SEPARATOR, 1)[0].strip()


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
    # (sheet, cell) → what was typed there and could not be read: a grid recreated from the
    # store gets it back in the same cell (the store keeps only what it could read)
    unread: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def pending_count(self) -> int:
        """Rows carried from the previous campaign still « à confirmer » (their marker cell)."""
        return sum(1 for _, key in self.answers if key == COL_CARRIED)


TO_DISCUSS = "à discuter"  # the flag the grid's formulas and the scoring both write

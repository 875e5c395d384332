"""Turn the raw values of one grid into answers, texts, actions and anomalies (pure).

People type levels in every spelling (« 3 », 3.0, « 3 – maîtrisé », « MAÎTRISÉ »,
« NA », « ? »), dates as text or as real dates, re-sort rows, insert columns and
delete rows. Everything that can be read is read; everything that cannot
becomes an :class:`Anomaly` telling the structure, in French, which cell to fix
and what is expected. Nothing here does I/O, so the same function serves the
local and the Google backend and is tested on hand-built workbooks.

Speed matters (hundreds of grids per pull): the accepted spellings of a scale
are computed once per référentiel into one dict, and each cell costs one
lookup in the common case.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from capsync.campaign.config import Structure
from capsync.campaign.referentiel import Referentiel, Scale
from capsync.parse.locate import LocatedSheet, locate_chapter_sheet, locate_plan_sheet
from capsync.workbook.grid_schema import (
    ARCHIVE_SHEET,
    COL_ID,
    COL_JUSTIFICATION,
    COL_RETAINED,
    COL_REVIEW_COMMENT,
    COL_REVIEW_LEVEL,
    GUIDE_SHEET,
    IDENTITY_SHEET,
    PLAN_SHEET,
    PLAN_STATUSES,
    RESPONDENT_PREFIX,
)
from capsync.workbook.identity import Identity, identity_from_rows
from capsync.workbook.spec import cell_a1
from capsync.workbook.spec import column_letter as _column_letter

LEVEL = "level"
NOT_APPLICABLE = "na"
UNKNOWN = "nsp"
TEXT_COLUMNS = (COL_JUSTIFICATION, COL_REVIEW_COMMENT)
PLAN_FIELDS = ("critere", "action", "responsable", "echeance", "statut", "commentaire")
_NOT_CHAPTERS = {GUIDE_SHEET, PLAN_SHEET, ARCHIVE_SHEET, IDENTITY_SHEET}
_NOT_PLAN = {GUIDE_SHEET, ARCHIVE_SHEET, IDENTITY_SHEET, "_listes"}
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_LETTERS = [_column_letter(i) for i in range(256)]


def column_letter(col: int) -> str:
    return _LETTERS[col] if col < 256 else _column_letter(col)


class Answer(NamedTuple):
    """One non-empty level cell: who answered what for which criterion, and where."""

    structure: str
    criterion: str
    column: str  # "r:<respondent>", "retenu" or "niveau_revue"
    kind: str  # "level", "na" or "nsp"
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


# -- spellings ---------------------------------------------------------------


def normalize(text: str) -> str:
    """« 3 – MAÎTRISÉ » → « 3 maitrise »: no accents, no case, punctuation as single spaces."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9?]+", " ", ascii_text.lower()).split())


_BUILTIN_NA = ("Non applicable", "N/A", "NA", "N.A.", "Sans objet", "Non concerné")
_BUILTIN_NSP = ("Ne sait pas", "NSP", "?", "Ne sais pas", "Je ne sais pas", "NSPP")

Reading = tuple[str, int | None]  # (kind, level)


class LevelReader:
    """Every accepted spelling of one scale, computed once: text → (kind, level)."""

    def __init__(self, scale: Scale):
        self.scale = scale
        self.values = set(scale.values)
        table: dict[str, Reading] = {}
        for lv in scale.levels:
            reading = (LEVEL, lv.value)
            for spelling in (
                str(lv.value),
                lv.label,
                f"{lv.value} {lv.label}",
                f"niveau {lv.value}",
                f"niveau {lv.value} {lv.label}",
            ):
                table[normalize(spelling)] = reading
        for answer, kind, builtin in (
            (scale.not_applicable, NOT_APPLICABLE, _BUILTIN_NA),
            (scale.unknown, UNKNOWN, _BUILTIN_NSP),
        ):
            for spelling in (answer.label, *answer.aliases, *builtin):
                table.setdefault(normalize(spelling), (kind, None))
        self._normalized = table
        # Exact spellings seen so far (the drop-down's own labels first): one lookup per cell.
        self._exact: dict[str, Reading | None] = {}
        for label in scale.choice_labels():
            self._exact[label] = table[normalize(label)]
        low, high = min(scale.values), max(scale.values)
        self.expected = (
            f"choisissez un niveau de {low} à {high} dans la liste, "
            f"« {scale.not_applicable.label} » ou « {scale.unknown.label} »."
        )

    def read_text(self, text: str) -> Reading | None:
        """The reading of a typed text, None when it is not an accepted spelling.

        A leading comparison or sign (« <3 », « ≥ 3 », « -1 », « +2 ») says something
        other than the level its digits name: it is not read, so the structure is asked.
        """
        try:
            return self._exact[text]
        except KeyError:
            pass
        signed = text.lstrip()[:1] in _SIGNS
        reading = None if signed else self._normalized.get(normalize(text))
        if reading is None and not signed:
            number = _number(text)
            if number is not None and number in self.values:
                reading = (LEVEL, number)
        if len(self._exact) < 10_000:
            self._exact[text] = reading
        return reading

    def read_number(self, number: float) -> Reading | None:
        if number.is_integer() and int(number) in self.values:
            return (LEVEL, int(number))
        return None


_SIGNS = frozenset("<>≤≥⩽⩾+-−")  # a value starting with one of these is not a plain level
_WHOLE = re.compile(r"^\s*(\d+)(?:[.,]0+)?\s*$")


def _number(text: str) -> int | None:
    """« 3 », « 3,0 », « 3.00 » → 3; anything else (« 1e0 », « 3.5 », « -1 ») → None."""
    match = _WHOLE.match(text)
    return int(match.group(1)) if match else None


_READERS: dict[int, tuple[Scale, LevelReader]] = {}


def level_reader(referentiel: Referentiel) -> LevelReader:
    """The reader of a référentiel's scale, built once and reused."""
    scale = referentiel.scale
    cached = _READERS.get(id(scale))
    if cached is None or cached[0] is not scale:
        cached = (scale, LevelReader(scale))
        _READERS[id(scale)] = cached
    return cached[1]


def display(value: Any) -> str:
    """A cell value as a person would read it in the sheet."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return f"{value:%d/%m/%Y}"
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return str(value).strip()


_DMY = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4}|\d{2})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def read_date(value: Any) -> dt.date | None:
    """A date cell as a date; raise ValueError when it is not one (an empty cell is None).

    Only dates of years 2000–2100 are dates of this campaign: « 2026 » typed alone,
    or a year typed as 1926, is asked again rather than read as a date a century off.
    Digits typed as text are never Excel serial numbers (« 2026 » is not 18/07/1905).
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
    return _in_campaign_years(_read_date(value))


def _read_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial(float(value))
    if isinstance(value, str):
        text = value.strip()
        if match := _DMY.match(text):
            day, month, year = (int(g) for g in match.groups())
            if len(match.group(3)) == 2:
                year += 2000
            return dt.date(year, month, day)
        if match := _YMD.match(text):
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day)
    raise ValueError(f"not a date: {value!r}")


_FIRST_YEAR, _LAST_YEAR = 2000, 2100
_SERIALS = (36526, 73051)  # 01/01/2000 and 01/01/2100 as Excel serial day numbers


def _in_campaign_years(date: dt.date) -> dt.date:
    if not _FIRST_YEAR <= date.year <= _LAST_YEAR:
        raise ValueError(f"date out of the campaign's years: {date}")
    return date


def _serial(number: float) -> dt.date:
    """An Excel serial day number (1900 system, as Excel and LibreOffice write it)."""
    if not _SERIALS[0] <= number <= _SERIALS[1]:
        raise ValueError(f"not a date serial of years 2000–2100: {number}")
    return _EXCEL_EPOCH + dt.timedelta(days=int(number))


_STATUSES = {normalize(s): s for s in PLAN_STATUSES}


def read_status(text: str) -> str | None:
    """« A FAIRE » → « à faire »; None when not one of the plan's statuses."""
    return _STATUSES.get(normalize(text))


# -- messages ------------------------------------------------------------------


def level_message(value: str, reader: LevelReader) -> str:
    return f"Valeur « {value} » non reconnue : {reader.expected}"


def date_message(value: str) -> str:
    return f"Date « {value} » invalide : écrivez une date au format JJ/MM/AAAA."


def status_message(value: str) -> str:
    choices = ", ".join(f"« {s} »" for s in PLAN_STATUSES[:-1])
    return f"Statut « {value} » non reconnu : choisissez {choices} ou « {PLAN_STATUSES[-1]} »."


def unknown_criterion_message(value: str) -> str:
    return (
        f"Critère « {value} » inconnu : indiquez l'identifiant d'un critère du référentiel "
        "(colonne « ID » des onglets « Chapitre »)."
    )


def duplicate_message(criterion: str, first: str, again: str) -> str:
    return (
        f"Le critère « {criterion} » apparaît deux fois ({first} et {again}) : seule la "
        f"première ligne est lue ; supprimez la ligne en double ou fusionnez les réponses."
    )


def identity_message(identity: Identity, collective: str, structure: str) -> str:
    return (
        f"Cette grille est celle de la structure « {identity.structure} » (collectif "
        f"« {identity.collective} ») et non celle de « {structure} » (collectif "
        f"« {collective} ») : elle n'a pas été lue. Remettez le bon fichier à sa place "
        "ou importez-le avec « capsync import »."
    )


NO_PLAN_MESSAGE = (
    f"Onglet « {PLAN_SHEET} » introuvable : s'il a été renommé ou supprimé, remettez-le "
    "(le plan de progrès n'a pas été lu)."
)
NO_CHAPTER_MESSAGE = (
    "Aucun onglet « Chapitre » n'a été trouvé dans ce fichier : ce n'est sans doute pas "
    "une grille capsync. Remettez la grille d'origine à sa place."
)


# -- parsing ---------------------------------------------------------------------


def parse_grid(
    raw: dict[str, list[list[Any]]],
    *,
    referentiel: Referentiel,
    collective: str,
    structure: Structure,
    source: str,
) -> ParsedGrid:
    """Read one grid's raw values; never raise on what people typed."""
    sid = structure.id
    parsed = ParsedGrid(collective=collective, structure=sid, source=source)

    def anomaly(sheet: str, cell: str, value: str, message: str) -> None:
        parsed.anomalies.append(Anomaly(sid, source, sheet, cell, value, message))

    identity = identity_from_rows(raw[IDENTITY_SHEET]) if IDENTITY_SHEET in raw else None
    parsed.identity = identity
    if identity is not None and (identity.structure, identity.collective) != (sid, collective):
        anomaly(IDENTITY_SHEET, _identity_cell(raw), identity.structure,
                identity_message(identity, collective, sid))  # fmt: skip
        return parsed

    reader = level_reader(referentiel)
    known = referentiel.criteria
    seen: dict[str, str] = {}  # criterion → "Chapitre 1!A4"
    chapters = 0
    others: list[str] = []  # sheets that may hold the plan, renamed or not
    respondent_keys = identity.respondents if identity else ()
    for sheet, rows in raw.items():
        if sheet in _NOT_CHAPTERS:
            continue
        located = locate_chapter_sheet(sheet, rows, respondent_keys)
        if located is None or COL_ID not in located.columns:
            others.append(sheet)
            continue
        chapters += 1
        _parse_chapter(parsed, located, rows, reader, known, seen, anomaly)

    if chapters == 0:
        anomaly("", "", "", NO_CHAPTER_MESSAGE)
    parsed.missing = [c.id for c in referentiel.criteria_for(structure.type) if c.id not in seen]
    plan = _locate_plan(raw, others)
    if plan is not None:
        parsed.plan_found = True
        _parse_plan(parsed, plan, raw[plan.sheet], known, anomaly)
    elif chapters:
        anomaly(PLAN_SHEET, "", "", NO_PLAN_MESSAGE)
    return parsed


def _locate_plan(raw: dict[str, list[list[Any]]], others: list[str]) -> LocatedSheet | None:
    """The plan by its name, else by its key row in a sheet a structure renamed."""
    for sheet in (PLAN_SHEET, *others):
        if sheet in raw and sheet not in _NOT_PLAN:
            located = locate_plan_sheet(sheet, raw[sheet])
            if located is not None:
                return located
    return None


def _identity_cell(raw: dict[str, list[list[Any]]]) -> str:
    for r, row in enumerate(raw.get(IDENTITY_SHEET, [])):
        if row and row[0] == "structure":
            return cell_a1(r, 1)
    return ""


def _parse_chapter(
    parsed: ParsedGrid,
    located: LocatedSheet,
    rows: Sequence[Sequence[Any]],
    reader: LevelReader,
    known: dict[str, Any],
    seen: dict[str, str],
    anomaly: Any,
) -> None:
    sheet = located.sheet
    sid = parsed.structure
    columns = located.columns
    level_cols = [
        (key, col, column_letter(col))
        for key, col in columns.items()
        if key.startswith(RESPONDENT_PREFIX) or key in (COL_RETAINED, COL_REVIEW_LEVEL)
    ]
    text_cols = [(key, columns[key], column_letter(columns[key])) for key in TEXT_COLUMNS
                 if key in columns]  # fmt: skip
    id_letter = column_letter(columns[COL_ID])
    letters = {key: column_letter(col) for key, col in columns.items()}
    answers = parsed.answers
    texts = parsed.texts
    read_text = reader.read_text
    for cid, r in located.rows.items():
        if cid not in known:
            continue  # a row the structure added with an ID of its own
        where = f"{sheet}!{id_letter}{r + 1}"
        if cid in seen:
            anomaly(sheet, f"{id_letter}{r + 1}", cid, duplicate_message(cid, seen[cid], where))
            continue
        seen[cid] = where
        parsed.rows_found[cid] = (sheet, r + 1, letters)
        row = rows[r]
        width = len(row)
        for key, col, letter in level_cols:
            if col >= width:
                continue
            value = row[col]
            if value is None:
                continue
            if isinstance(value, str):
                text = value.strip()
                if not text:
                    continue
                reading = read_text(text)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                text = display(value)
                reading = reader.read_number(float(value))
            else:
                text = display(value)
                reading = None
            if reading is None:
                anomaly(sheet, f"{letter}{r + 1}", text, level_message(text, reader))
                parsed.unreadable.add((cid, key))
                continue
            answers.append(Answer(sid, cid, key, reading[0], reading[1], text, sheet,
                                  f"{letter}{r + 1}"))  # fmt: skip
        for key, col, letter in text_cols:
            if col < width and row[col] is not None:
                text = display(row[col])
                if text:
                    texts.append(TextAnswer(sid, cid, key, text, sheet, f"{letter}{r + 1}"))
    for cid, r in located.duplicate_ids:
        if cid in known:
            first = seen.get(cid, "")
            where = f"{sheet}!{id_letter}{r + 1}"
            anomaly(sheet, f"{id_letter}{r + 1}", cid, duplicate_message(cid, first, where))


def _parse_plan(
    parsed: ParsedGrid,
    located: LocatedSheet,
    rows: Sequence[Sequence[Any]],
    known: dict[str, Any],
    anomaly: Any,
) -> None:
    sheet = located.sheet
    columns = located.columns

    def at(row: Sequence[Any], key: str) -> Any:
        col = columns.get(key)
        return row[col] if col is not None and col < len(row) else None

    def a1(key: str, r: int) -> str:
        return cell_a1(r, columns[key]) if key in columns else f"{r + 1}"

    for r in located.data_rows:
        row = rows[r]
        fields = {
            k: display(at(row, k)) for k in ("critere", "action", "responsable", "commentaire")
        }
        raw_date, raw_status = at(row, "echeance"), display(at(row, "statut"))
        if not any(fields.values()) and raw_date is None and not raw_status:
            continue  # a row of a column the structure added, nothing of the plan
        criterion = fields["critere"]
        if criterion and criterion not in known:
            anomaly(sheet, a1("critere", r), criterion, unknown_criterion_message(criterion))
        echeance_text = ""
        try:
            echeance = read_date(raw_date)
        except (ValueError, OverflowError):
            echeance = None
            echeance_text = display(raw_date)
            anomaly(sheet, a1("echeance", r), echeance_text, date_message(echeance_text))
        statut = raw_status
        if raw_status:
            canonical = read_status(raw_status)
            if canonical is None:
                anomaly(sheet, a1("statut", r), raw_status, status_message(raw_status))
            else:
                statut = canonical
        parsed.actions.append(
            Action(
                structure=parsed.structure,
                criterion=criterion,
                action=fields["action"],
                responsable=fields["responsable"],
                echeance=echeance,
                statut=statut,
                commentaire=fields["commentaire"],
                sheet=sheet,
                row=r + 1,
                cells=tuple(a1(k, r) if k in columns else "" for k in PLAN_FIELDS),
                echeance_text=echeance_text,
            )
        )

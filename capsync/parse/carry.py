"""Carry a grid's typed values into its new version (pure), for ``generate --upgrade``.

When the référentiel or the respondents change, a grid is rebuilt around what
people typed. Every person-typed cell of the old workbook is found by
criterion ID and column key (:mod:`capsync.parse.locate`), never by position,
and either placed — as typed, without normalisation — in the new grid, or kept
in the « Archives » sheet with where it came from. Nothing is dropped:

- answers of a criterion still applicable, for a column still in the grid → moved;
- answers of a removed or no-longer-applicable criterion, of a respondent no
  longer configured, and the content of rows, columns and sheets the structure
  added → « Archives »;
- the « Archives » rows of the old grid → kept; the plan de progrès rows → carried.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from capsync.campaign.config import Structure
from capsync.campaign.referentiel import Referentiel
from capsync.parse.answers import Anomaly, AnomalyKind
from capsync.parse.locate import SEARCH_ROWS, LocatedSheet, locate_chapter_sheet, locate_plan_sheet
from capsync.workbook.cell_error import CellError
from capsync.workbook.grid_schema import (
    ARCHIVE_COLUMNS,
    ARCHIVE_SHEET,
    CALC_PREFIX,
    COL_CARRIED,
    GENERATED_KEYS,
    GUIDE_SHEET,
    IDENTITY_SHEET,
    LAYOUT_VERSION,
    LEGACY_REVIEW_KEYS,
    LEVELS_SHEET,
    LISTS_SHEET,
    PLAN_COLUMNS,
    PLAN_COMPUTED,
    PLAN_SHEET,
    RESPONDENT_PREFIX,
    TRAILING_COLUMNS,
    Carried,
    SheetNames,
    respondent_columns,
    slug,
)
from capsync.workbook.identity import Identity, identity_from_rows
from capsync.workbook.spec import Value, cell_a1

# capsync's own sheets, which an upgrade writes again: never carried nor archived (a
# formulas' twin holds copies of what the grid's sheets hold)
_NOT_CARRIED = SheetNames({IDENTITY_SHEET, LISTS_SHEET, GUIDE_SHEET, LEVELS_SHEET}, (CALC_PREFIX,))
_NOT_CHAPTERS = SheetNames({*_NOT_CARRIED.names, ARCHIVE_SHEET, PLAN_SHEET}, (CALC_PREFIX,))
TRAILING_KEYS = tuple(key for key, _, _ in TRAILING_COLUMNS)
ANONYMOUS_HEADER = re.compile(r"^Répondant·e \d+$")
ANONYMOUS_KEY = re.compile(rf"^{RESPONDENT_PREFIX}\d+$")


class Moved(StrEnum):
    """The counters of an :class:`UpgradeReport`; each value is its French plural, as printed."""

    ANSWERS = "réponses déplacées"
    REMOVED = "réponses de critères retirés archivées"
    OTHER_TYPE = "réponses de critères non applicables archivées"  # not for this structure type
    RESPONDENT = "réponses de répondant·e·s retiré·e·s archivées"
    RESPONDENT_HEADER = "en-têtes de répondant·e·s retiré·e·s archivés"
    ADDED_COLUMN = "cellules de colonnes ajoutées archivées"
    ADDED_ROW = "cellules de lignes ajoutées archivées"
    TITLE_ROW = "cellules de lignes de titre archivées"
    ADDED_SHEET = "cellules de feuilles ajoutées archivées"
    DUPLICATE = "cellules de lignes en double archivées"
    ERROR_VALUE = "cellules en erreur de formule archivées"
    ARCHIVES_KEPT = "lignes d'archives conservées"
    PLAN_ROWS = "lignes du plan de progrès reprises"
    HEADERS = "en-têtes de répondant·e·s conservés"
    NEW_RESPONDENTS = "nouvelles colonnes de répondant·e·s"
    FROM_FILES = "réponses reprises des fichiers personnels"


SINGULAR = {
    Moved.ANSWERS: "réponse déplacée",
    Moved.REMOVED: "réponse de critère retiré archivée",
    Moved.OTHER_TYPE: "réponse de critère non applicable archivée",
    Moved.RESPONDENT: "réponse de répondant·e retiré·e archivée",
    Moved.RESPONDENT_HEADER: "en-tête de répondant·e retiré·e archivé",
    Moved.ADDED_COLUMN: "cellule de colonne ajoutée archivée",
    Moved.ADDED_ROW: "cellule de ligne ajoutée archivée",
    Moved.TITLE_ROW: "cellule de ligne de titre archivée",
    Moved.ADDED_SHEET: "cellule de feuille ajoutée archivée",
    Moved.DUPLICATE: "cellule de ligne en double archivée",
    Moved.ERROR_VALUE: "cellule en erreur de formule archivée",
    Moved.ARCHIVES_KEPT: "ligne d'archives conservée",
    Moved.PLAN_ROWS: "ligne du plan de progrès reprise",
    Moved.HEADERS: "en-tête de répondant·e conservé",
    Moved.NEW_RESPONDENTS: "nouvelle colonne de répondant·e",
    Moved.FROM_FILES: "réponse reprise d'un fichier personnel",
}


@dataclass
class UpgradeReport:
    """What an upgrade did to one grid, counted by kind."""

    structure: str
    counts: Counter[Moved] = field(default_factory=Counter)
    backup: str = ""
    renamed: list[str] = field(default_factory=list)  # « Répondant·e 1 → Marie Curie »

    def text(self) -> str:
        parts = [f"{n} {kind if n > 1 else SINGULAR[kind]}" for kind, n in self.counts.items() if n]
        parts += [f"colonne reprise : {line}" for line in self.renamed]
        return ", ".join(parts) if parts else "aucune donnée saisie"


def needs_upgrade(identity: Identity, referentiel: Referentiel, structure: Structure) -> bool:
    """Whether the grid was built for another layout, référentiel version or respondents."""
    keys = tuple(r.key for r in respondent_columns(structure))
    return (
        identity.layout_version != LAYOUT_VERSION
        or identity.referentiel_id != referentiel.id
        or identity.referentiel_version != referentiel.version
        or identity.respondents != keys
    )


def older_copy(
    identity: Identity, previous: Identity, referentiel: Referentiel, structure: Structure
) -> bool:
    """Whether a file is a copy from before an upgrade: the file capsync last read in its
    place was up to date, and this one was built for an older layout, référentiel or set of
    respondents (someone saved an old copy over the upgraded grid)."""
    return needs_upgrade(identity, referentiel, structure) and not needs_upgrade(
        previous, referentiel, structure
    )


def restored_copy_anomaly(
    structure: str, source: str, name: str, seen_at: dt.datetime, identical: bool
) -> Anomaly:
    """The file put back in place held exactly what capsync read there on ``seen_at``.

    ``identical`` (the same bytes: a backup, a copy saved between two syncs) is an older
    copy, merged like one from before an upgrade (STALE_COPY). The same values in other
    bytes may as well be a person who set back, and saved, what they had typed: taken,
    and only said (OTHER), so that no deliberate change is ever refused."""
    when = f"{seen_at:%d/%m/%Y à %H:%M}"
    if identical:
        message = (
            f"Ce fichier est identique à la version de « {name} » relevée le {when} : une "
            f"copie plus ancienne (une sauvegarde, une copie enregistrée plus tôt) a été remise "
            "à sa place. Seules les réponses nouvelles qu'elle apporte ont été reprises, elle "
            "n'efface ni ne remplace rien de ce qui a été saisi depuis ; chaque ligne « copie "
            "périmée » donne une valeur à jour que le fichier ne montre plus : recopiez-la "
            "dans le fichier (« capsync history » les garde toutes)."
        )
        return Anomaly(structure, source, "", "", "", message, AnomalyKind.STALE_COPY)
    message = (
        f"« {name} » contient exactement les valeurs relevées le {when}. Si c'est une copie "
        "plus ancienne remise à sa place, les réponses saisies depuis ont été remplacées par "
        "les siennes : « capsync history » les garde, ressaisissez-les dans le fichier. Si "
        "ces valeurs ont été rétablies volontairement, il n'y a rien à faire."
    )
    return Anomaly(structure, source, "", "", "", message, AnomalyKind.OTHER)


def read_identity(raw: dict[str, list[list[Any]]]) -> Identity | None:
    rows = raw.get(IDENTITY_SHEET)
    return identity_from_rows(rows) if rows is not None else None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell(rows: Sequence[Sequence[Any]], r: int, c: int) -> Any:
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


class _Carrier:
    """Collects the moved values and the archive rows of one old grid."""

    def __init__(self, referentiel: Referentiel, structure: Structure, today: dt.date):
        self.referentiel = referentiel
        self.structure = structure
        self.today = today
        self.new_keys = [r.key for r in respondent_columns(structure)]
        self.input_keys = {*self.new_keys, *TRAILING_KEYS, COL_CARRIED}  # markers stay
        self.applicable = {c.id for c in referentiel.criteria_for(structure.all_types)}
        self.carried = Carried()
        self.report = UpgradeReport(structure.id)
        self.fresh_archives: list[list[Value]] = []
        self.mapping: dict[str, str] = {}  # old respondent key → new key (renamed column)
        self.personal = False  # a personal file: its one column's header is « Mon niveau »

    def archive(
        self, kind: Moved, sheet: str, r: int, c: int, cid: Any, label: str, value: Any
    ) -> None:
        if isinstance(value, CellError):  # what was typed, as text: never a formula again
            value = value.typed
        row: list[Value] = [sheet, cell_a1(r, c), cid or None, label or None, value, self.today]
        self.fresh_archives.append(row)
        self.report.counts[kind] += 1

    def chapter(self, sheet: str, rows: list[list[Any]], located: LocatedSheet) -> None:
        title_col = located.columns.get("critere")
        self.above_header(sheet, rows, located, "Chapitre ")
        for key, col in located.columns.items():
            if key in GENERATED_KEYS or key in self.mapping:
                continue
            header = located.headers.get(key, key)
            if (
                not self.personal
                and key.startswith(RESPONDENT_PREFIX)
                and header
                and not ANONYMOUS_HEADER.match(header)
                and ANONYMOUS_KEY.match(key)
            ):
                self._header(sheet, located.header_row, col, key, header)
        for cid, r in located.rows.items():
            title = _text(_cell(rows, r, title_col)) if title_col is not None else ""
            for old_key, col in located.columns.items():
                value = _cell(rows, r, col)
                if old_key in GENERATED_KEYS or _blank(value):
                    continue
                # layout 1's shared « tiers / pair » column becomes the tiers' column
                key = LEGACY_REVIEW_KEYS.get(old_key) or self.mapping.get(old_key, old_key)
                header = located.headers.get(old_key) or old_key
                label = f"{title} — {header}" if title else old_key
                if isinstance(value, CellError):  # « #NOM? »: archived with its formula
                    self.archive(Moved.ERROR_VALUE, sheet, r, col, cid, label, value)
                elif cid not in self.referentiel.criteria:
                    self.archive(Moved.REMOVED, sheet, r, col, cid, label, value)
                elif cid not in self.applicable:
                    self.archive(Moved.OTHER_TYPE, sheet, r, col, cid, label, value)
                elif key not in self.input_keys:
                    self.archive(Moved.RESPONDENT, sheet, r, col, cid, label, value)
                elif (cid, key) in self.carried.answers:  # the same criterion on two sheets
                    self.archive(Moved.DUPLICATE, sheet, r, col, cid, label, value)
                else:
                    self.carried.answers[(cid, key)] = value
                    self.report.counts[Moved.ANSWERS] += 1
        id_col = located.columns.get("id")
        for cid, r in located.duplicate_ids:
            for key, col in located.columns.items():
                value = _cell(rows, r, col)
                if key not in GENERATED_KEYS and not _blank(value):
                    header = located.headers.get(key) or key
                    self.archive(Moved.DUPLICATE, sheet, r, col, cid, header, value)
        extra_cols = {c for c, _ in located.extra_columns}
        for r in located.extra_rows:
            for c, value in enumerate(rows[r]):
                if c not in extra_cols and c != id_col and not _blank(value):
                    header = _text(_cell(rows, located.header_row, c))
                    self.archive(Moved.ADDED_ROW, sheet, r, c, None, header, value)
        for c, header in located.extra_columns:
            for r in range(located.header_row, len(rows)):
                value = _cell(rows, r, c)
                if _blank(value):
                    continue
                cid = _text(_cell(rows, r, id_col)) if id_col is not None else ""
                label = header if r > located.header_row else "en-tête de colonne ajoutée"
                self.archive(Moved.ADDED_COLUMN, sheet, r, c, cid, label, value)

    def _header(self, sheet: str, r: int, c: int, key: str, header: str) -> None:
        if key in self.new_keys:
            if key not in self.carried.respondent_headers:
                self.carried.respondent_headers[key] = header
                self.report.counts[Moved.HEADERS] += 1
        else:
            self.archive(Moved.RESPONDENT_HEADER, sheet, r, c, None, "en-tête de colonne", header)

    def above_header(
        self, sheet: str, rows: list[list[Any]], located: LocatedSheet, title: str
    ) -> None:
        """Archive what people typed beside the title, above the headers (« Séance du 12 mars »).

        The title cell (first column, starting with ``title``) and the hidden key
        row are capsync's own; any other non-blank cell up there was typed.
        """
        key_row = located.header_row - 1 if located.by_keys else None
        criteria_rows = set(located.rows.values())  # criteria a sort moved above the headers
        for r in range(min(located.header_row, len(rows))):
            if r == key_row or r in criteria_rows:
                continue
            for c, value in enumerate(rows[r]):
                if _blank(value) or (c == 0 and _text(value).startswith(title)):
                    continue
                self.archive(Moved.TITLE_ROW, sheet, r, c, None, "ligne de titre", value)

    def plan(self, sheet: str, rows: list[list[Any]], located: LocatedSheet) -> None:
        keys = [key for key, _, _ in PLAN_COLUMNS]
        self.above_header(sheet, rows, located, PLAN_SHEET)
        for r in located.data_rows:
            values = [
                _cell(rows, r, located.columns[k])
                if k in located.columns and k not in PLAN_COMPUTED
                else None
                for k in keys
            ]
            for k, v in zip(keys, values, strict=True):
                if isinstance(v, CellError):
                    self.archive(Moved.ERROR_VALUE, sheet, r, located.columns[k], None, k, v)
            values = [None if isinstance(v, CellError) else v for v in values]
            if any(not _blank(v) for v in values):
                self.carried.plan_rows.append(values)
                self.report.counts[Moved.PLAN_ROWS] += 1
        for c, header in located.extra_columns:
            for r in range(located.header_row, len(rows)):
                value = _cell(rows, r, c)
                if not _blank(value):
                    label = header if r > located.header_row else "en-tête de colonne ajoutée"
                    self.archive(Moved.ADDED_COLUMN, sheet, r, c, None, label, value)

    def old_archives(self, sheet: str, rows: list[list[Any]]) -> None:
        """Keep the rows of capsync's « Archives »; a sheet of that name that is not
        capsync's (no key row) is archived cell by cell like any sheet people added."""
        keys = [key for key, _, _ in ARCHIVE_COLUMNS]
        headers = [header for _, header, _ in ARCHIVE_COLUMNS]
        key_row = next(
            (
                i
                for i, row in enumerate(rows[:SEARCH_ROWS])
                if [_text(v) for v in row[: len(keys)]] == keys
            ),
            None,
        )
        if key_row is None:
            self.whole_sheet(sheet, rows)
            return
        start = key_row + 2
        for r, row in enumerate(rows[:start]):
            own = keys if r == key_row else headers if r == key_row + 1 else []
            for c, value in enumerate(row):
                if _blank(value) or (c < len(own) and _text(value) == own[c]):
                    continue
                if c == 0 and r < key_row and _text(value).startswith(ARCHIVE_SHEET):
                    continue  # the title
                self.archive(Moved.TITLE_ROW, sheet, r, c, None, "ligne de titre", value)
        for row in rows[start:]:
            if any(not _blank(v) for v in row):
                self.carried.archive_rows.append(
                    [v.typed if isinstance(v, CellError) else v for v in row]
                )
                self.report.counts[Moved.ARCHIVES_KEPT] += 1

    def whole_sheet(self, sheet: str, rows: list[list[Any]]) -> None:
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if not _blank(value):
                    self.archive(Moved.ADDED_SHEET, sheet, r, c, None, "feuille ajoutée", value)


def _role(header: str) -> str:
    """« Marie Curie (Direction) » → « direction »: the role part of a respondent header."""
    return slug(header.split("(", 1)[1]) if "(" in header else ""


def respondent_mapping(
    located: Sequence[LocatedSheet], old_keys: Sequence[str], structure: Structure
) -> dict[str, str]:
    """Old respondent columns that are now a configured person: old key → new key.

    A structure often types people's names over « Répondant·e 1 » before the
    admin configures them; the column whose header names a newly configured
    person (same name slug, whatever follows « ( ») becomes that person's
    column. A configured person renamed in the configuration, at the same
    position with the same role, keeps their column too.
    """
    if not structure.respondents:
        return {}
    columns = respondent_columns(structure)
    by_name = {slug(p.name): col.key for p, col in zip(structure.respondents, columns, strict=True)}
    free = [c.key for c in columns if c.key not in old_keys]  # new columns, still empty
    new_keys = {c.key for c in columns}
    mapping: dict[str, str] = {}
    for sheet in located:
        for key in sheet.respondent_keys():
            if key in new_keys or key in mapping:
                continue
            target = by_name.get(slug(sheet.headers.get(key, "").split("(", 1)[0]))
            if target in free and target not in mapping.values():
                mapping[key] = target
    for i, key in enumerate(old_keys):
        if key in mapping or key in new_keys or ANONYMOUS_KEY.match(key) or i >= len(columns):
            continue
        target = columns[i].key
        old_header = next((s.headers[key] for s in located if s.headers.get(key)), "")
        role = _role(columns[i].header)
        if target in free and target not in mapping.values() and role and _role(old_header) == role:
            mapping[key] = target
    return mapping


def _old_label(key: str, located: Sequence[LocatedSheet]) -> str:
    match = ANONYMOUS_KEY.match(key)
    if match:
        return f"Répondant·e {key[len(RESPONDENT_PREFIX) :]}"
    return next((s.headers[key] for s in located if s.headers.get(key)), key)


def carry_over(
    raw: dict[str, list[list[Any]]],
    referentiel: Referentiel,
    structure: Structure,
    today: dt.date,
) -> tuple[Carried, UpgradeReport]:
    """Everything typed in the old grid ``raw``, placed for the new grid or archived."""
    identity = read_identity(raw)
    old_keys = identity.respondents if identity else ()
    carrier = _Carrier(referentiel, structure, today)
    known = {c.header: c.key for c in respondent_columns(structure)}
    chapters: dict[str, LocatedSheet] = {}
    for sheet, rows in raw.items():
        if sheet in _NOT_CHAPTERS:
            continue
        located = locate_chapter_sheet(sheet, rows, old_keys, known, referentiel.criteria)
        if located is not None and "id" in located.columns:
            chapters[sheet] = located
    carrier.mapping = respondent_mapping(list(chapters.values()), old_keys, structure)
    names = {
        c.key: p.name
        for p, c in zip(structure.respondents, respondent_columns(structure), strict=False)
    }
    carrier.report.renamed = [
        f"{_old_label(old, list(chapters.values()))} → {names[new]}"
        for old, new in carrier.mapping.items()
    ]
    for sheet, rows in raw.items():
        if sheet in _NOT_CARRIED:
            continue
        if sheet == ARCHIVE_SHEET:
            carrier.old_archives(sheet, rows)
            continue
        if sheet == PLAN_SHEET:
            plan = locate_plan_sheet(sheet, rows)
            if plan is not None:
                carrier.plan(sheet, rows, plan)
                continue
        elif sheet in chapters:
            carrier.chapter(sheet, rows, chapters[sheet])
            continue
        carrier.whole_sheet(sheet, rows)
    carrier.carried.archive_rows += carrier.fresh_archives
    new_keys = set(carrier.new_keys) - set(old_keys) - set(carrier.mapping.values())
    carrier.report.counts[Moved.NEW_RESPONDENTS] += len(new_keys) if identity else 0
    return carrier.carried, carrier.report

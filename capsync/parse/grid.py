"""Turn the raw values of one grid into answers, texts, actions and anomalies (pure).

People re-sort rows, insert columns, delete rows and type levels and dates in
every spelling. Everything that can be read is read (cells by
:mod:`capsync.parse.cells`); everything that cannot becomes an :class:`Anomaly`
telling the structure, in French (:mod:`capsync.parse.messages`), which cell to
fix and what is expected. Nothing here does I/O, so the same function serves
the local and the Google backend and is tested on hand-built workbooks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from capsync.campaign.config import Structure
from capsync.campaign.referentiel import Referentiel
from capsync.parse.answers import (
    PLAN_FIELDS,
    Action,
    Anomaly,
    AnomalyKind,
    Answer,
    AnswerKind,
    ParsedGrid,
    TextAnswer,
)
from capsync.parse.cells import (
    LevelReader,
    column_letter,
    display,
    level_reader,
    read_date,
    read_status,
)
from capsync.parse.locate import LocatedSheet, locate_chapter_sheet, locate_plan_sheet
from capsync.parse.messages import (
    NO_CHAPTER_MESSAGE,
    NO_PLAN_MESSAGE,
    added_row_message,
    date_message,
    duplicate_message,
    error_message,
    header_moved_message,
    identity_message,
    level_message,
    missing_rows_message,
    other_referentiel_message,
    status_message,
    unknown_criterion_message,
)
from capsync.parse.plan_fields import plan_origin, plan_target
from capsync.workbook.cell_error import CellError
from capsync.workbook.grid_schema import (
    ARCHIVE_SHEET,
    CALC_PREFIX,
    COL_CARRIED,
    COL_ID,
    COL_JUSTIFICATION,
    COL_RETAINED,
    COL_RETAINED_PENDING,
    COL_REVIEW_COMMENT,
    COL_REVIEW_LEVEL,
    GUIDE_SHEET,
    IDENTITY_SHEET,
    LEGACY_REVIEW_KEYS,
    LEVELS_SHEET,
    LISTS_SHEET,
    PLAN_SHEET,
    RESPONDENT_PREFIX,
    REVIEW_COMMENT_KEYS,
    REVIEW_LEVEL_KEYS,
    SheetNames,
    chapter_sheet_name,
    plan_criterion_id,
)
from capsync.workbook.identity import identity_from_rows
from capsync.workbook.spec import cell_a1

# What the jobs import from here; the types live in capsync.parse.answers.
__all__ = ["Anomaly", "ParsedGrid", "identity_message", "parse_grid"]

TEXT_COLUMNS = (COL_JUSTIFICATION, *REVIEW_COMMENT_KEYS, COL_REVIEW_COMMENT)
_PENDING = {COL_RETAINED: COL_RETAINED_PENDING}  # a carried level, not confirmed yet
LEVEL_COLUMNS = frozenset({COL_RETAINED, *REVIEW_LEVEL_KEYS, COL_REVIEW_LEVEL})
# sheets no chapter or plan is looked for in; the formulas' twins included (by their prefix)
_NOT_CHAPTERS = SheetNames(
    {GUIDE_SHEET, LEVELS_SHEET, PLAN_SHEET, ARCHIVE_SHEET, IDENTITY_SHEET}, (CALC_PREFIX,)
)
_NOT_PLAN = SheetNames(
    {GUIDE_SHEET, LEVELS_SHEET, ARCHIVE_SHEET, IDENTITY_SHEET, LISTS_SHEET}, (CALC_PREFIX,)
)

Raw = dict[str, list[list[Any]]]
Report = Callable[[AnomalyKind, str, str, str, str], None]  # kind, sheet, cell, value, message


def parse_grid(
    raw: Raw,
    *,
    referentiel: Referentiel,
    collective: str,
    structure: Structure,
    source: str,
) -> ParsedGrid:
    """Read one grid's raw values; never raise on what people typed."""
    sid = structure.id
    parsed = ParsedGrid(collective=collective, structure=sid, source=source)

    def anomaly(kind: AnomalyKind, sheet: str, cell: str, value: str, message: str) -> None:
        parsed.anomalies.append(Anomaly(sid, source, sheet, cell, value, message, kind))

    identity = identity_from_rows(raw[IDENTITY_SHEET]) if IDENTITY_SHEET in raw else None
    parsed.identity = identity
    if identity is not None and (identity.structure, identity.collective) != (sid, collective):
        anomaly(AnomalyKind.OTHER_STRUCTURE, IDENTITY_SHEET, _identity_cell(raw),
                identity.structure,
                identity_message(identity, collective, sid))  # fmt: skip
        parsed.attributed = False  # another structure's file changes nothing of this one
        return parsed
    if identity is not None and identity.referentiel_id not in ("", referentiel.id):
        message = other_referentiel_message(identity.referentiel_id, referentiel.id, sid)
        cell = _identity_cell(raw)
        anomaly(AnomalyKind.OTHER_STRUCTURE, IDENTITY_SHEET, cell, identity.referentiel_id, message)
        parsed.attributed = False  # criterion IDs of another référentiel mean other things
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
        located = locate_chapter_sheet(sheet, rows, respondent_keys, known_ids=known)
        if located is None or COL_ID not in located.columns:
            others.append(sheet)
            continue
        chapters += 1
        if located.header_moved:
            anomaly(AnomalyKind.HEADER_MOVED, sheet, "", "", header_moved_message(sheet))
        _parse_chapter(parsed, located, rows, reader, known, seen, anomaly)

    if chapters == 0:
        anomaly(AnomalyKind.OTHER_STRUCTURE if identity is None else AnomalyKind.MISSING_SHEET,
                "", "", "", NO_CHAPTER_MESSAGE)  # fmt: skip
        parsed.attributed = identity is not None  # not a grid at all: it changes nothing
    applicable = referentiel.criteria_for(structure.all_types)
    parsed.missing = [c.id for c in applicable if c.id not in seen]
    plan = _locate_plan(raw, others)
    if plan is not None:
        parsed.plan_found = True
        _parse_plan(parsed, plan, raw[plan.sheet], known, anomaly, reader)
    elif chapters:
        anomaly(AnomalyKind.MISSING_SHEET, PLAN_SHEET, "", "", NO_PLAN_MESSAGE)
    return parsed


def _locate_plan(raw: Raw, others: list[str]) -> LocatedSheet | None:
    """The plan by its name, else by its key row in a sheet a structure renamed."""
    for sheet in (PLAN_SHEET, *others):
        if sheet in raw and sheet not in _NOT_PLAN:
            located = locate_plan_sheet(sheet, raw[sheet])
            if located is not None:
                return located
    return None


def _identity_cell(raw: Raw) -> str:
    for r, row in enumerate(raw.get(IDENTITY_SHEET, [])):
        if row and row[0] == "structure":
            return cell_a1(r, 1)
    return ""


def _parse_chapter(
    parsed: ParsedGrid,
    located: LocatedSheet,
    rows: Sequence[Sequence[Any]],
    reader: LevelReader,
    known: Mapping[str, object],
    seen: dict[str, str],
    anomaly: Report,
) -> None:
    """Read the level and text cells of one chapter sheet, row by criterion ID.

    Written as one loop, without a call per cell: a cold pull reads a quarter
    of a million cells. Hence each answer is built with ``tuple.__new__`` (the
    same tuple ``Answer(...)`` makes, without its Python-level ``__new__``), the
    key it is stored under is chosen once per column, and the row's number is
    written once per row.
    """
    sheet = located.sheet
    sid = parsed.structure
    columns = located.columns
    level_cols, text_cols = _chapter_columns(columns)
    id_letter = column_letter(columns[COL_ID])
    letters = {key: column_letter(col) for key, col in columns.items()}
    letters |= {p: letters[k] for k, p in _PENDING.items() if k in letters}  # read there too
    add_answer = parsed.answers.append
    texts = parsed.texts
    read_text = reader.read_text
    new = tuple.__new__
    marker = columns.get(COL_CARRIED, -1)  # a new campaign's « à confirmer » (see grid_schema)
    for cid, r in located.rows.items():
        if cid not in known:
            continue  # a row the structure added with an ID of its own
        line = str(r + 1)
        where = f"{sheet}!{id_letter}{line}"
        if cid in seen:
            anomaly(AnomalyKind.DUPLICATE_CRITERION, sheet, id_letter + line, cid,
                    duplicate_message(cid, seen[cid], where))  # fmt: skip
            continue
        seen[cid] = where
        parsed.rows_found[cid] = (sheet, r + 1, letters)
        row = rows[r]
        width = len(row)
        pending = 0 <= marker < width and row[marker] not in (None, "")  # not counted yet
        for key, pending_key, col, letter in level_cols:
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
            else:
                if isinstance(value, CellError):
                    anomaly(AnomalyKind.ERROR_VALUE, sheet, letter + line, value.typed,
                            error_message(value))  # fmt: skip
                    parsed.unreadable.add((cid, key))
                    continue
                text, reading = display(value), read_value(reader, value)
            if reading is None:
                anomaly(AnomalyKind.UNKNOWN_LEVEL, sheet, letter + line, text,
                        level_message(text, reader))  # fmt: skip
                parsed.unreadable.add((cid, key))
                continue
            add_answer(new(Answer, (sid, cid, pending_key if pending else key, reading[0],
                                    reading[1], text, sheet, letter + line)))  # fmt: skip
        for key, col, letter in text_cols:
            if col < width and row[col] is not None:
                text = display(row[col])
                if isinstance(row[col], CellError):  # kept as typed, and pointed out
                    anomaly(AnomalyKind.ERROR_VALUE, sheet, letter + line, text,
                            error_message(row[col]))  # fmt: skip
                if text:
                    texts.append(TextAnswer(sid, cid, key, text, sheet, letter + line))
    _report_duplicates(located, known, seen, id_letter, anomaly)
    if located.extra_rows:
        typed = sorted({c[2] for c in level_cols} | {c[1] for c in text_cols})
        _report_added_rows(located, rows, typed, anomaly)


def _chapter_columns(
    columns: Mapping[str, int],
) -> tuple[list[tuple[str, str, int, str]], list[tuple[str, int, str]]]:
    """The level columns (key, key while pending, index, letter) and the text columns."""
    # a grid of layout 1 has one « tiers / pair » column: its values are the tiers'
    level_cols = [
        (name, _PENDING.get(name, name), col, column_letter(col))
        for name, col in (
            (LEGACY_REVIEW_KEYS.get(key, key), col)
            for key, col in columns.items()
            if key.startswith(RESPONDENT_PREFIX) or key in LEVEL_COLUMNS
        )
    ]
    text_cols = [(LEGACY_REVIEW_KEYS.get(key, key), columns[key], column_letter(columns[key]))
                 for key in TEXT_COLUMNS if key in columns]  # fmt: skip
    return level_cols, text_cols


def report_missing_rows(parsed: ParsedGrid, referentiel: Referentiel, raw: Raw) -> None:
    """The applicable criteria whose row is gone from a chapter sheet still there, as one
    anomaly per sheet, so the structure sees it where it sees what to correct.

    Apart from :func:`parse_grid`, which only lists them (``parsed.missing``): the pull
    calls it on a whole grid it takes; a sheet gone altogether is said otherwise."""
    if not parsed.attributed:
        return
    by_sheet: dict[str, list[str]] = {}
    for cid in parsed.missing:
        chapter = referentiel.chapter_of.get(cid)
        sheet = chapter_sheet_name(chapter.id) if chapter else ""
        if sheet in raw:
            by_sheet.setdefault(sheet, []).append(cid)
    for sheet, criteria in by_sheet.items():
        message = missing_rows_message(sheet, criteria)
        ids = ", ".join(criteria)
        kind = AnomalyKind.MISSING_ROW
        parsed.anomalies.append(
            Anomaly(parsed.structure, parsed.source, sheet, "", ids, message, kind)
        )


def _report_added_rows(
    located: LocatedSheet, rows: Sequence[Sequence[Any]], typed: list[int], anomaly: Report
) -> None:
    """Rows inserted in the table (no criterion ID) where something is typed in the
    ``typed`` columns: not relevé, said once per row at its first typed cell, so the
    structure moves it to its criterion's row."""
    for r in located.extra_rows:
        row = rows[r]
        col = next((c for c in typed if c < len(row) and row[c] not in (None, "")), None)
        if col is not None:
            cell = f"{column_letter(col)}{r + 1}"
            anomaly(AnomalyKind.CELL_OUTSIDE_TABLE, located.sheet, cell, display(row[col]),
                    added_row_message(located.sheet))  # fmt: skip


def _report_duplicates(
    located: LocatedSheet,
    known: Mapping[str, object],
    seen: dict[str, str],
    id_letter: str,
    anomaly: Report,
) -> None:
    """The rows whose criterion ID appeared above: only the first one is read."""
    sheet = located.sheet
    for cid, r in located.duplicate_ids:
        if cid in known:
            where = f"{sheet}!{id_letter}{r + 1}"
            anomaly(AnomalyKind.DUPLICATE_CRITERION, sheet, f"{id_letter}{r + 1}", cid,
                    duplicate_message(cid, seen.get(cid, ""), where))  # fmt: skip


def read_value(reader: LevelReader, value: Any) -> tuple[AnswerKind, int | None] | None:
    """A level cell that holds no text: a whole number of the scale, else unreadable."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return reader.read_number(float(value))
    return None


def _parse_plan(
    parsed: ParsedGrid,
    located: LocatedSheet,
    rows: Sequence[Sequence[Any]],
    known: Mapping[str, object],
    anomaly: Report,
    reader: LevelReader,
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
        for _key, col in columns.items():
            if col < len(row) and isinstance(row[col], CellError):
                anomaly(AnomalyKind.ERROR_VALUE, sheet, cell_a1(r, col), row[col].typed,
                        error_message(row[col]))  # fmt: skip
        fields = {
            k: display(at(row, k))
            for k in ("critere", "action", "responsable", "commentaire", "niveau_vise", "origine")
        }
        raw_date, raw_status = at(row, "echeance"), display(at(row, "statut"))
        if not any(fields.values()) and raw_date is None and not raw_status:
            continue  # a row of a column the structure added, nothing of the plan
        criterion = plan_criterion_id(fields["critere"])
        if criterion and criterion not in known:
            anomaly(AnomalyKind.UNKNOWN_CRITERION, sheet, a1("critere", r), criterion,
                    unknown_criterion_message(criterion))  # fmt: skip
        echeance_text = ""
        try:
            echeance = read_date(raw_date)
        except (ValueError, OverflowError):
            echeance = None
            echeance_text = display(raw_date)
            anomaly(AnomalyKind.INVALID_DATE, sheet, a1("echeance", r), echeance_text,
                    date_message(echeance_text))  # fmt: skip
        statut = raw_status
        if raw_status:
            canonical = read_status(raw_status)
            if canonical is None:
                anomaly(AnomalyKind.UNKNOWN_STATUS, sheet, a1("statut", r), raw_status,
                        status_message(raw_status))  # fmt: skip
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
                target=plan_target(
                    fields["niveau_vise"], reader, anomaly, sheet, a1("niveau_vise", r)
                ),
                origin=plan_origin(fields["origine"]),
            )
        )

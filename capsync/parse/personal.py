"""Reading one respondent's personal file (pure): their levels and comments, nothing else.

A personal file (:mod:`capsync.layout.personal_grid`) owns one respondent's
column: whatever else is typed in it (a column added, another respondent's
key pasted) is reported as an anomaly of kind « saisie hors de ses colonnes »
and never read as anyone's answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from capsync.campaign.config import Structure
from capsync.campaign.referentiel import Referentiel
from capsync.parse.answers import (
    OWN_COMMENT_SUFFIX,
    Anomaly,
    AnomalyKind,
    Answer,
    ParsedGrid,
    TextAnswer,
)
from capsync.parse.cells import column_letter, display, level_reader
from capsync.parse.locate import locate_personal_sheet
from capsync.parse.messages import error_message, level_message
from capsync.workbook.cell_error import CellError
from capsync.workbook.grid_schema import COL_CRITERION, COL_ID, COL_LEVELS, COL_QUESTION
from capsync.workbook.identity import IDENTITY_SHEET, identity_from_rows

PERSONAL_KIND = "grille-personnelle"  # Identity.kind of a personal file
_OWN_KEYS = {COL_ID, COL_CRITERION, COL_QUESTION, COL_LEVELS}


def outside_message(respondent: str, header: str) -> str:
    return (
        f"Ce fichier personnel ({respondent}) contient une colonne « {header} » qui n'est pas "
        "la sienne : elle n'a pas été lue. Seules « Mon niveau » et « Mon commentaire » "
        "comptent ; les autres réponses se saisissent dans la grille de la structure."
    )


def parse_personal(
    raw: dict[str, list[list[Any]]],
    referentiel: Referentiel,
    collective: str,
    structure: Structure,
    source: str,
) -> ParsedGrid:
    """The answers of a personal file; ``owner`` is its respondent, so nothing else changes."""
    sid = structure.id
    parsed = ParsedGrid(collective=collective, structure=sid, source=source)
    identity = identity_from_rows(raw.get(IDENTITY_SHEET, []))
    parsed.identity = identity
    if identity is None or identity.structure != sid or not identity.respondents:
        parsed.attributed = False
        return parsed
    key = identity.respondents[0]
    comment = f"{key}{OWN_COMMENT_SUFFIX}"
    parsed.owner = key
    reader = level_reader(referentiel)
    for sheet, rows in raw.items():
        located = locate_personal_sheet(sheet, rows, key)
        if located is None or COL_ID not in located.columns:
            continue
        for other, col in located.columns.items():
            if other not in _OWN_KEYS | {key, comment} and _filled(rows, located.rows, col):
                parsed.anomalies.append(
                    Anomaly(
                        sid,
                        source,
                        sheet,
                        column_letter(col),
                        other,
                        outside_message(key, located.headers.get(other) or other),
                        AnomalyKind.OUTSIDE_OWN_COLUMNS,
                    )
                )
        for col, header in located.extra_columns:
            parsed.anomalies.append(
                Anomaly(
                    sid,
                    source,
                    sheet,
                    column_letter(col),
                    header,
                    outside_message(key, header),
                    AnomalyKind.OUTSIDE_OWN_COLUMNS,
                )
            )
        for cid, r in located.rows.items():
            if cid not in referentiel.criteria:
                continue
            row = rows[r]
            parsed.rows_found[cid] = (sheet, r + 1, {
                k: column_letter(c) for k, c in located.columns.items()})  # fmt: skip
            _level(parsed, reader, key, cid, sheet, row, located.columns.get(key), r)
            at = located.columns.get(comment)
            if at is not None and at < len(row) and row[at] is not None:
                text = display(row[at])
                if text:
                    cell = f"{column_letter(at)}{r + 1}"
                    parsed.texts.append(TextAnswer(sid, cid, comment, text, sheet, cell))
    return parsed


def _filled(rows: Sequence[Sequence[Any]], found: dict[str, int], col: int) -> bool:
    return any(col < len(rows[r]) and rows[r][col] not in (None, "") for r in found.values())


def _level(
    parsed: ParsedGrid,
    reader: Any,
    key: str,
    cid: str,
    sheet: str,
    row: Sequence[Any],
    col: int | None,
    r: int,
) -> None:
    if col is None or col >= len(row) or row[col] is None:
        return
    value = row[col]
    cell = f"{column_letter(col)}{r + 1}"
    if isinstance(value, CellError):
        parsed.anomalies.append(Anomaly(parsed.structure, parsed.source, sheet, cell,
                                        value.typed, error_message(value),
                                        AnomalyKind.ERROR_VALUE))  # fmt: skip
        parsed.unreadable.add((cid, key))
        return
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return
        reading = reader.read_text(text)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        text, reading = display(value), reader.read_number(float(value))
    else:
        text, reading = display(value), None
    if reading is None:
        parsed.anomalies.append(Anomaly(parsed.structure, parsed.source, sheet, cell, text,
                                        level_message(text, reader),
                                        AnomalyKind.UNKNOWN_LEVEL))  # fmt: skip
        parsed.unreadable.add((cid, key))
        return
    parsed.answers.append(
        Answer(parsed.structure, cid, key, reading[0], reading[1], text, sheet, cell)
    )

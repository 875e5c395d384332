"""A structure's own « À corriger » workbook: what capsync could not read in its grid.

Kept in the structure's folder (``<data>/<collectif>/structures/<id>/a-corriger.xlsx``
locally, its own shared folder on Drive), so that the structure learns which
of its cells to fix without a délégué·e forwarding the dashboard — which
shows every structure's anomalies and so must not reach it. Only this
structure's rows are given to :func:`to_fix_spec`; the file names the grid by
its file name, never by a path of the server.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from capsync.campaign.config import Collective, Structure
from capsync.french import de, typeset
from capsync.layout.tables import (
    Column,
    as_datetime,
    person_text,
    span_title_and_note,
    table_sheet,
)
from capsync.workbook.identity import Identity
from capsync.workbook.refs import Kind
from capsync.workbook.spec import CellRange, Style, Value, WorkbookSpec

LAYOUT_VERSION = 1
SHEET = "À corriger"


def file_name(source: Any) -> str:
    """The grid's file name (« ailes-revel.xlsx »), never the folder it sits in on the server."""
    text = person_text(source)
    return PurePath(text.replace("\\", "/")).name if text else ""


_CELL = re.compile(r"([A-Z]+)(\d+)")
_CHAPTER = re.compile(r"Chapitre (\d+)")


def _in_grid_order(row: list[Value]) -> tuple[object, ...]:
    """File, then what concerns the whole file, then the sheets as the grid has them
    (chapters by number, then the plan and the rest), then each sheet top to bottom, left
    to right: « E4 » before « E10 »."""
    name, sheet, cell = str(row[0]), str(row[1]), str(row[2])
    chapter = _CHAPTER.fullmatch(sheet)
    where = (0, int(chapter.group(1)), "") if chapter else (1 if sheet else -1, 0, sheet)
    found = _CELL.fullmatch(cell)
    at = (int(found.group(2)), len(found.group(1)), found.group(1)) if found else (0, 0, cell)
    return (name, *where, *at)


def to_fix_spec(
    collective: Collective, structure: Structure, anomalies: list[dict[str, Any]]
) -> WorkbookSpec:
    """The « À corriger » workbook of one structure, from its own anomalies only."""
    columns = [
        Column("Fichier", 24),
        Column("Onglet", 22),
        Column("Cellule", 9),
        Column("Valeur saisie", 24),
        Column("Ce qui est attendu", 70),
        Column("Constaté le", 16, Style.DATE),
    ]
    rows: list[list[Value]] = [
        [
            file_name(r.get("source")),
            person_text(r.get("sheet")),
            person_text(r.get("cell")),
            person_text(r.get("value")),
            typeset(person_text(r.get("message"))),  # capsync's message; the value stays as typed
            as_datetime(r.get("found_at")),
        ]
        for r in anomalies
        if r.get("structure") == structure.id
    ]
    rows.sort(key=_in_grid_order)
    sheet = table_sheet(
        SHEET,
        f"À corriger dans la grille {de(structure.name)}",
        typeset(
            "Chaque ligne indique l'onglet et la cellule à corriger dans votre grille ; la valeur "
            "saisie est conservée telle quelle et la ligne disparaît dès la correction lue."
        ),
        columns,
        rows,
        empty_message=typeset("Rien à corriger : votre grille a été lue sans problème."),
    )
    if rows:
        sheet.autofilter = CellRange(2, 0, 2 + len(rows), len(columns) - 1)
    span_title_and_note(sheet)  # the note across the table, not down a narrow column A
    identity = Identity(
        kind=Kind.TO_FIX.value,
        collective=collective.id,
        structure=structure.id,
        referentiel_id="",
        referentiel_version="",
        layout_version=LAYOUT_VERSION,
    )
    return WorkbookSpec(
        title=f"À corriger — {structure.name}", sheets=[sheet], metadata=identity.as_metadata()
    )

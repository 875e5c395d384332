"""A structure's own « À corriger » workbook: what capsync could not read in its grid.

Kept in the structure's folder (``<data>/<collectif>/structures/<id>/a-corriger.xlsx``
locally, its own shared folder on Drive), so that the structure learns which
of its cells to fix without a délégué·e forwarding the dashboard — which
shows every structure's anomalies and so must not reach it. Only this
structure's rows are given to :func:`to_fix_spec`; the file names the grid by
its file name, never by a path of the server — nor does its mail, whose list
(:func:`to_fix_lines`) is composed here from the same rows. Where respondents are
shown by role (``respondents_by_role``), both read the rows through
:func:`~capsync.layout.privacy.contacts_anomalies`: the direction never reads a
salarié·e's answer.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from capsync.campaign.config import Collective, Structure
from capsync.french import counted, de, typeset
from capsync.layout.column_names import named_columns, structure_labels
from capsync.layout.privacy import contacts_anomalies
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
    """The grid's file name (« ailes-revel.xlsx »), never the folder it sits in on the server;
    on Google, its link: the last part of « https://docs.google.com/spreadsheets/d/<id> » is
    an id that means nothing to the reader, the link opens the file."""
    text = person_text(source)
    if text.startswith(("https://", "http://")):
        return text
    return PurePath(text.replace("\\", "/")).name if text else ""


_ABSOLUTE = re.compile(r"(?<![\w:/\\])(?:[A-Za-z]:\\|/)(?:[^\s/\\«»]+[/\\])+(?P<name>[^\s/\\«»]+)")
"""A server path (« /srv/data/x/grilles/ab.xlsx », « C:\\data\\ab.xlsx »), not a link's."""


def without_paths(text: str, source: Any = None) -> str:
    """``text`` with every path of the server replaced by its file's name: a structure
    reads « ebe-pays-de-foix.xlsx », never where the file sits on the server."""
    where = person_text(source)
    if where and not where.startswith(("http://", "https://")):
        text = text.replace(where, file_name(where))
    return _ABSOLUTE.sub(lambda m: m.group("name"), text)


def whole_file(row: dict[str, Any]) -> bool:
    """An anomaly of the file itself (unreadable, another campaign's): no sheet, no cell."""
    return not person_text(row.get("sheet")) and not person_text(row.get("cell"))


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
    labels = structure_labels(structure)
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
            typeset(
                named_columns(without_paths(person_text(r.get("message")), r.get("source")), labels)
            ),
            as_datetime(r.get("found_at")),
        ]  # capsync's message, without the server's paths, columns by their header; the
        # value stays as typed
        for r in contacts_anomalies(
            [r for r in anomalies if r.get("structure") == structure.id], collective, structure
        )
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


UNREADABLE = "unreadable_file"  # AnomalyKind.UNREADABLE_FILE: not a workbook, damaged
MAX_LISTED = 20
"""Anomalies listed one by one in the « À corriger » mail; the rest are counted."""


def anomaly_line(row: dict[str, Any], grid: str = "", labels: dict[str, str] | None = None) -> str:
    """« - onglet « Chapitre 2 », cellule D14, valeur « 5 » : <ce qui est attendu> », or, for
    the whole file, « - fichier « ebe.xlsx » : … »: where a person looks, never a server path
    nor a column's key (``labels``: the grid's headers). A file other than the grid
    (``grid``: its file name), a personal one, is named first."""
    message = without_paths(person_text(row.get("message")), row.get("source"))
    message = named_columns(message, labels or structure_labels(None))
    if whole_file(row):
        name = file_name(row.get("source"))
        return f"- {f'fichier « {name} »' if name else 'votre grille'} : {message}"
    sheet, cell = person_text(row.get("sheet")), person_text(row.get("cell"))
    name = file_name(row.get("source"))
    where = [f"fichier « {name} »"] if name and name != grid else []
    where += [f"onglet « {sheet} »"] if sheet else []
    where += [f"cellule {cell}"] if cell else []
    value = person_text(row.get("value"))
    if value and value not in message:
        where.append(f"valeur « {value} »")
    return f"- {', '.join(where)} : {message}"


def to_fix_paragraphs(
    collective: Collective,
    structure: Structure,
    rows: list[dict[str, Any]],
    place: str,
) -> list[str]:
    """The « À corriger » mail of ``rows`` (the structure's new anomalies): what was found,
    then what to do — save the file again as .xlsx when the file itself could not be read,
    correct the cells otherwise. ``place`` is the grid's link ("" when it travels as a file).
    """
    rows = contacts_anomalies(rows, collective, structure)
    labels = structure_labels(structure)
    listed = [anomaly_line(r, f"{structure.id}.xlsx", labels) for r in rows[:MAX_LISTED]]
    if len(rows) > MAX_LISTED:
        listed.append(
            f"- et {len(rows) - MAX_LISTED} autres : voir le fichier « a-corriger.xlsx » "
            "(onglet « À corriger »), dans le dossier de votre structure."
        )
    unreadable = [r for r in rows if str(r.get("kind")) == UNREADABLE]
    others = [r for r in rows if whole_file(r) and str(r.get("kind")) != UNREADABLE]
    cells = len(rows) - len(unreadable) - len(others)
    found = counted(len(rows), "point à corriger", "points à corriger")
    paragraphs = [
        f"Nous avons trouvé {found} dans la grille {de(structure.name)} :",
        "\n".join(listed),
    ]
    if unreadable:
        names = sorted({file_name(r.get("source")) for r in unreadable} - {""})
        which = f"« {' », « '.join(names)} »" if names else "de votre grille"
        paragraphs.append(
            f"À faire : le fichier {which} n'a pas pu être lu ; renvoyez-le "
            "enregistré en .xlsx (dans Excel ou LibreOffice : « Enregistrer sous », format "
            "Excel .xlsx). Tant qu'il ne peut pas être lu, ses réponses ne comptent pas dans "
            "vos résultats."
        )
    if others:
        paragraphs.append("À faire : pour le fichier, suivre ce qui est indiqué ci-dessus.")
    if cells:
        one = cells == 1
        paragraphs.append(
            f"À faire : corriger {'cette cellule' if one else 'ces cellules'} dans la grille"
            + (f" ({place})" if place else "")
            + (
                ". Tant qu'elle n'est pas corrigée, cette réponse ne compte pas"
                if one
                else ". Tant qu'elles ne sont pas corrigées, ces réponses ne comptent pas"
            )
            + " dans vos résultats."
        )
    return paragraphs

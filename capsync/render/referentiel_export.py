"""The référentiel as a flat table: one row per criterion, for reading, printing or filtering.

COORACE staff review the référentiel in a spreadsheet, not in YAML. Every
export has the same French headers and rows; only the encoding differs:

- CSV in UTF-8 with a byte-order mark and « ; » separators, which French Excel
  opens with accents and columns intact (decimal commas for weights);
- JSON, a list of objects keyed by the same headers;
- .xlsx through the project's renderer, wrapped text and sized columns.

Formula safety: in .xlsx every text is written as text by the renderer. CSV has
no types, so a text starting with = + - @ is prefixed with « ' », the usual guard
against spreadsheet formula injection; nothing else is ever changed.
"""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from capsync.campaign.referentiel import Referentiel
from capsync.workbook.spec import SheetSpec, Style, Value, WorkbookSpec

SHEET_NAME = "Référentiel"
FIXED_COLUMNS: tuple[tuple[str, float], ...] = (
    ("Chapitre", 9),
    ("Titre du chapitre", 28),
    ("Objectif", 9),
    ("Titre de l'objectif", 32),
    ("Critère", 9),
    ("Intitulé du critère", 32),
    ("Question", 48),
    ("Types de structure", 16),
    ("Poids", 7),
    ("Obligatoire pour le label", 12),
    ("ISO 26000", 26),
    ("Offre de services", 36),
)
LEVEL_WIDTH = 42
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    XLSX = "xlsx"


def headers(ref: Referentiel) -> list[str]:
    """Column headers: the fixed ones, then « Niveau 0 - Non engagé » … one per level."""
    levels = [f"Niveau {label}" for label in ref.scale.choice_labels()[: len(ref.scale.levels)]]
    return [name for name, _ in FIXED_COLUMNS] + levels


def rows(ref: Referentiel) -> list[list[Value]]:
    """One row per criterion, in document order, aligned with :func:`headers`."""
    table: list[list[Value]] = []
    for chapter in ref.chapters:
        for objective in chapter.objectives:
            for crit in objective.criteria:
                services = [ref.services[s].title for s in crit.services if s in ref.services]
                table.append(
                    [
                        chapter.id,
                        chapter.title,
                        objective.id,
                        objective.title,
                        crit.id,
                        crit.title,
                        crit.question,
                        ", ".join(t.value for t in crit.structure_types),
                        crit.weight,
                        "Oui" if crit.mandatory_for_label else "Non",
                        "; ".join(i.label for i in crit.iso26000),
                        "; ".join(services),
                        *(crit.levels.get(level.value, "") for level in ref.scale.levels),
                    ]
                )
    return table


def _csv_cell(value: Value) -> str:
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def to_csv(ref: Referentiel) -> bytes:
    """CSV for French Excel: UTF-8 with BOM, « ; » separators, CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers(ref))
    writer.writerows([_csv_cell(v) for v in row] for row in rows(ref))
    return buffer.getvalue().encode("utf-8-sig")


def to_json(ref: Referentiel) -> str:
    """A JSON list of objects keyed by the French headers, accents kept."""
    names = headers(ref)
    records: list[dict[str, Any]] = [dict(zip(names, row, strict=True)) for row in rows(ref)]
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def to_spec(ref: Referentiel) -> WorkbookSpec:
    """The backend-neutral workbook: one sheet, header frozen, wrapped text, sized columns."""
    names = headers(ref)
    widths = [w for _, w in FIXED_COLUMNS] + [LEVEL_WIDTH] * len(ref.scale.levels)
    styles: list[Style | None] = [Style.TEXT] * len(names)
    styles[[n for n, _ in FIXED_COLUMNS].index("Poids")] = None
    sheet = SheetSpec(
        name=SHEET_NAME,
        rows=[list[Value](names), *rows(ref)],
        column_widths=widths,
        column_styles=styles,
        header_rows=1,
        freeze_rows=1,
        freeze_cols=5,
        fit_width=False,
    )
    return WorkbookSpec(title=f"{ref.title} — version {ref.version}", sheets=[sheet])


def export_bytes(ref: Referentiel, fmt: ExportFormat) -> bytes:
    """The exported file's content in ``fmt``."""
    if fmt is ExportFormat.CSV:
        return to_csv(ref)
    if fmt is ExportFormat.JSON:
        return to_json(ref).encode("utf-8")
    from capsync.render.xlsx import render_xlsx_bytes  # XlsxWriter, for this format only

    return render_xlsx_bytes(to_spec(ref))


def default_filename(ref: Referentiel, fmt: ExportFormat) -> str:
    """``cap-rse-exemple-2025.1.csv``: the référentiel and its version, so exports never mix."""
    return f"{ref.id}-{ref.version}.{fmt.value}"


def export_referentiel(ref: Referentiel, fmt: ExportFormat, path: Path) -> Path:
    """Write the export to ``path`` (through a temporary file, so a failure leaves no half file)."""
    path = Path(path)
    content = export_bytes(ref, ExportFormat(fmt))
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(content)
    tmp.replace(path)
    return path

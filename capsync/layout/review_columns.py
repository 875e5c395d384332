"""The review columns of a grid in place, against the configuration (pure).

The tiers' and the pair's columns of each chapter sheet carry who reviews
(« Niveau pair\\nJean Dupont (Atelier du Sud) ») and, on Google, a protected
range whose editors are exactly those people. When the configuration names
another pair for a chapter (or another tiers), those few cells and ranges
must follow without rebuilding the grid, where people are typing:
:func:`review_changes` compares a grid as read with the grid the
configuration describes, and says which header cells to rewrite and which
protected ranges get which editors. Columns are found by the hidden key row,
so a column the structure moved keeps its place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from capsync.campaign.config import Collective, Structure
from capsync.campaign.referentiel import Referentiel
from capsync.layout.grid_chapter import review_headers
from capsync.parse.locate import locate_chapter_sheet
from capsync.store.sync_state import content_hash
from capsync.workbook.grid_schema import (
    COL_PAIR_COMMENT,
    COL_PAIR_LEVEL,
    COL_TIERS_COMMENT,
    COL_TIERS_LEVEL,
)
from capsync.workbook.spec import SheetSpec, WorkbookSpec

REVIEW_KEYS = (COL_TIERS_LEVEL, COL_TIERS_COMMENT, COL_PAIR_LEVEL, COL_PAIR_COMMENT)
REVIEW_RANGES = ("Colonnes du tiers", "Colonnes du pair")  # EditorRange descriptions

CellAt = tuple[str, int, int]  # (sheet, 0-based row, 0-based column)


@dataclass
class ReviewChanges:
    """What a grid in place needs so its review columns say what the configuration says."""

    cells: dict[CellAt, str] = field(default_factory=dict)  # header cells to rewrite
    # (sheet, protected range description) → its editors, for the sheets that changed
    editors: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.cells or self.editors)


def _chapter_sheets(spec: WorkbookSpec) -> list[SheetSpec]:
    return [s for s in spec.sheets if s.editor_ranges]


def _expected(sheet: SheetSpec) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    keys = [str(k) for k in sheet.rows[1]]  # the hidden key row
    headers = sheet.rows[2]
    texts = {k: str(headers[keys.index(k)]) for k in REVIEW_KEYS if k in keys}
    editors = {
        owned.description: tuple(sorted(owned.editors))
        for owned in sheet.editor_ranges
        if owned.description in REVIEW_RANGES
    }
    return texts, editors


def review_fingerprint(
    referentiel: Referentiel, collective: Collective, structure: Structure
) -> str:
    """A hash of who reviews each chapter of a grid, as its headers and protected ranges
    say it: unchanged, nothing to read (remembered per grid, so a sync cycle reads no grid
    for this, and builds no spec)."""
    tiers = sorted(str(d.email).lower() for d in collective.tiers)
    parts = []
    for chapter in referentiel.chapters:
        pair = structure.pair_for(chapter.id)
        email = str(pair.email).lower() if pair is not None and pair.email else ""
        parts.append((chapter.id, review_headers(collective, structure, chapter), tiers, email))
    return content_hash(*parts)


def review_changes(
    raw: dict[str, list[list[Any]]], spec: WorkbookSpec, every_sheet: bool = False
) -> ReviewChanges:
    """The header cells of ``raw`` (a grid as read) that differ from ``spec`` (the grid the
    configuration describes), and the editors of the review ranges of those sheets — of
    every chapter sheet with ``every_sheet`` (the reviewers changed since capsync last
    looked: an e-mail may have changed under the same name)."""
    changes = ReviewChanges()
    for sheet in _chapter_sheets(spec):
        rows = raw.get(sheet.name)
        if rows is None:
            continue
        located = locate_chapter_sheet(sheet.name, rows)
        if located is None or not located.by_keys:
            continue  # no key row: an upgrade rebuilds it, nothing is guessed here
        texts, editors = _expected(sheet)
        changed = False
        for key, text in texts.items():
            col = located.columns.get(key)
            if col is None:
                continue
            row = rows[located.header_row] if located.header_row < len(rows) else []
            now = row[col] if col < len(row) else None
            if (now or "") != text:
                changes.cells[(sheet.name, located.header_row, col)] = text
                changed = True
        if changed or every_sheet:
            for description, people in editors.items():
                changes.editors[(sheet.name, description)] = people
    return changes

"""The first screen of a chapter on a 1366 × 768 screen, as the LibreOffice screenshots showed it.

``scripts/screenshot-grid`` opens a generated grid in LibreOffice Calc on a
1366 × 768 virtual screen (docs/grid.md, « Premier écran »); looking at those
screenshots fixed the widths below. What the screenshots relied on is checked
here on the real example campaign, without a screen: the columns a first-time
respondent needs fit the width LibreOffice leaves for cells, the header rows
and one whole criterion fit its height, the panes are frozen where the
screenshot showed them, and the workbook opens on « Mode d'emploi ».
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from capsync.campaign.validation import Campaign, load_campaign
from capsync.layout.grid import grid_spec
from capsync.layout.personal_grid import personal_spec
from capsync.render.xlsx import render_xlsx_bytes
from capsync.workbook.grid_schema import (
    COL_CRITERION,
    COL_QUESTION,
    FIRST_DATA_ROW,
    GUIDE_SHEET,
    HEADER_ROW,
    KEY_ROW,
    RESPONDENT_PREFIX,
    TITLE_ROW,
    respondent_columns,
)
from capsync.workbook.spec import DEFAULT_COLUMN_WIDTH, SheetSpec, Style, row_heights

from .example_campaign import REPO

# Measured on the screenshots (LibreOffice 7.4, 100 % zoom, Calibri replaced by a
# wider font): a column `w` characters wide takes about 10·w + 5 pixels, more
# than Excel's 7·w + 5 with Calibri, so a layout that fits here fits there too.
PX_PER_CHAR, PX_PADDING = 10, 5
CELLS_WIDTH = 1366 - 37 - 62  # minus the row numbers, the scroll bar and the sidebar
CELLS_HEIGHT_PT = (705 - 124) * 0.75  # 124..705 px hold cells under the toolbars (96 dpi)
LEVEL_LINE_PT = 13


@pytest.fixture(scope="module")
def campaign() -> Campaign:
    return load_campaign(REPO / "config" / "capsync.yaml")


def pixels(sheet: SheetSpec, columns: range) -> int:
    widths = [
        sheet.column_widths[c] if c < len(sheet.column_widths) else DEFAULT_COLUMN_WIDTH
        for c in columns
    ]
    return sum(round(w * PX_PER_CHAR) + PX_PADDING for w in widths)


def rows_height(sheet: SheetSpec, through: int) -> float:
    """Points taken by the visible rows up to ``through`` (a row without height is one line)."""
    heights = row_heights(sheet)
    return sum(
        heights.get(r, LEVEL_LINE_PT + 2) for r in range(through + 1) if r not in sheet.hidden_rows
    )


def busiest(campaign: Campaign) -> tuple[object, object]:
    """The structure with the most respondents: the widest grid."""
    pairs = [(c, s) for c in campaign.config.collectives for s in c.structures]
    return max(pairs, key=lambda p: len(respondent_columns(p[1])))


def test_grid_first_screen_shows_criterion_question_and_answer_cells(campaign: Campaign) -> None:
    coll, struct = busiest(campaign)
    spec = grid_spec(campaign.referentiel, coll, struct, campaign.config.settings)  # type: ignore[arg-type]
    chapter = spec.sheets[1]
    keys = chapter.rows[KEY_ROW]
    first_answer = next(i for i, k in enumerate(keys) if str(k).startswith(RESPONDENT_PREFIX))
    assert keys.index(COL_QUESTION) < first_answer
    # ID, objective, criterion, question and at least four respondents' cells side by side
    assert pixels(chapter, range(first_answer + 4)) <= CELLS_WIDTH
    assert chapter.freeze_cols == keys.index(COL_CRITERION) + 1
    assert chapter.freeze_rows == FIRST_DATA_ROW
    # the title, the headers and the whole first criterion fit under the toolbars
    assert rows_height(chapter, FIRST_DATA_ROW) <= CELLS_HEIGHT_PT
    assert chapter.rows[TITLE_ROW] and chapter.rows[HEADER_ROW]


def test_personal_file_first_screen_shows_every_column(campaign: Campaign) -> None:
    coll, struct = busiest(campaign)
    respondent = respondent_columns(struct)[0]  # type: ignore[arg-type]
    spec = personal_spec(campaign.referentiel, coll, struct, respondent)  # type: ignore[arg-type]
    for chapter in spec.sheets[1:]:
        # the criterion, the question, the two cells to fill and the level descriptions
        assert pixels(chapter, range(len(chapter.rows[KEY_ROW]))) <= CELLS_WIDTH, chapter.name
        assert rows_height(chapter, FIRST_DATA_ROW) <= CELLS_HEIGHT_PT, chapter.name
        assert chapter.freeze_cols == 2 and chapter.freeze_rows == FIRST_DATA_ROW


@pytest.mark.parametrize("kind", ["grid", "personal"])
def test_workbook_opens_on_the_guide_with_frozen_chapter_panes(
    campaign: Campaign, kind: str, tmp_path: Path
) -> None:
    coll, struct = busiest(campaign)
    if kind == "grid":
        spec = grid_spec(campaign.referentiel, coll, struct, campaign.config.settings)  # type: ignore[arg-type]
        frozen = "D4"  # rows 1–3 and ID, Objectif, Critère
    else:
        spec = personal_spec(campaign.referentiel, coll, struct, respondent_columns(struct)[0])  # type: ignore[arg-type]
        frozen = "C4"  # rows 1–3 and ID, Critère
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx_bytes(spec)))
    assert book.active is not None and book.active.title == GUIDE_SHEET
    chapter = book[spec.sheets[1].name]
    assert chapter.freeze_panes == frozen


def test_row_heights_count_lines_broken_between_words() -> None:
    """A long objective in a narrow column needs the lines a word wrap makes, not fewer
    (the screenshot showed « bénévole » cut off under a row one line too low)."""
    text = "1.2 — Faire vivre une gouvernance engagée et bénévole"
    sheet = SheetSpec("s", rows=[[text]], column_widths=[12], column_styles=[Style.TEXT])
    per_line = int(12 * 1.2)
    naive = -(-len(text) // per_line)
    assert row_heights(sheet)[0] > naive * LEVEL_LINE_PT + 2

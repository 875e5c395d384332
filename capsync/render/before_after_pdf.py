"""The « Avant / après » section of a restitution's PDF, for a structure in a new campaign.

Kept apart from :mod:`.restitution_pdf`, which calls :func:`before_after_section`
with the structure's :class:`~capsync.layout.before_after.BeforeAfterLine`s, the
same lines as the workbook's « Avant - après » sheet, so the two never disagree:
a table of the chapters (previous campaign, now, change), then a table of the
criteria whose level moved or is still « à confirmer », with the state words of
:mod:`capsync.layout.before_after`. Criteria confirmed at the same level are
counted in one sentence, not listed: on paper, what changed is what matters.
Nothing is drawn for a structure without a previous campaign.
"""

from __future__ import annotations

from collections.abc import Sequence

from capsync.french import typeset
from capsync.layout.before_after import (
    NOTE,
    TO_CONFIRM,
    BeforeAfterLine,
    changed_criteria,
)
from capsync.render.pdf_text import (
    BLACK,
    GRID_COLOUR,
    HEADER_FILL,
    TABLE_ROW,
    _Document,
    _fit,
    _heading,
    _paragraph,
    _width,
    _write,
)
from capsync.scoring.scores import format_change, format_level, format_score

HEADING = "Avant / après : campagne précédente et campagne en cours"
OVERALL = "Score global"
PREVIOUS = "Campagne précédente"
CURRENT = "Campagne en cours"
CHANGE = "Évolution"
CHAPTER_WIDTHS = (37.0, 37.0, 24.0)  # previous, now, change; the chapter takes the rest
CRITERION_WIDTHS = (15.0, 0.0, 16.0, 16.0, 20.0, 30.0)  # 0: the title takes the rest


def _row(
    pdf: _Document,
    cells: Sequence[str],
    widths: Sequence[float],
    *,
    header: bool = False,
    bold: bool = False,
) -> None:
    """One row of bordered cells at the current y; text columns (wide ones) left-aligned and
    shortened to fit, numbers centred."""
    top = pdf.get_y()
    pdf.set_line_width(0.2)
    pdf.set_draw_color(*GRID_COLOUR)
    pdf.set_text_color(*BLACK)
    if header:
        pdf.set_fill_color(*HEADER_FILL)
        pdf.rect(pdf.l_margin, top, sum(widths), TABLE_ROW, style="F")
    pdf.use_font(8.5, bold=header or bold)
    baseline = top + 0.5 * TABLE_ROW + 0.3 * pdf.font_size
    x = pdf.l_margin
    for width, text in zip(widths, cells, strict=True):
        pdf.rect(x, top, width, TABLE_ROW)
        shown = _fit(pdf, text, width - 3)
        left = width > 40 and not header
        pdf.text(x + (1.5 if left else (width - _width(pdf, shown)) / 2), baseline, shown)
        x += width
    pdf.set_y(top + TABLE_ROW)


def _table(
    pdf: _Document,
    header: Sequence[str],
    rows: Sequence[tuple[Sequence[str], bool]],
    widths: Sequence[float],
) -> None:
    """A header row, then each (cells, bold) row; the header again atop each new page."""
    _row(pdf, header, widths, header=True)
    for cells, bold in rows:
        if pdf.will_page_break(TABLE_ROW):
            pdf.add_page()
            _row(pdf, header, widths, header=True)
        _row(pdf, cells, widths, bold=bold)


def _chapter_table(pdf: _Document, lines: Sequence[BeforeAfterLine]) -> None:
    widths = [pdf.epw - sum(CHAPTER_WIDTHS), *CHAPTER_WIDTHS]
    chapters = [line for line in lines if line.scope.startswith("Chapitre")]
    overall = [line for line in lines if line.scope == OVERALL]
    rows = []
    for line in [*chapters, *overall]:
        name = line.scope.removeprefix("Chapitre ")
        label = f"{name} — {line.title}" if line.scope != OVERALL else OVERALL
        cells = [typeset(label), format_score(line.before), format_score(line.after),
                 format_change(line.change)]  # fmt: skip
        rows.append((cells, line.scope == OVERALL))
    _table(pdf, ["Chapitre", PREVIOUS, CURRENT, CHANGE], rows, widths)


def _criterion_table(pdf: _Document, lines: Sequence[BeforeAfterLine]) -> None:
    widths = [pdf.epw - sum(CRITERION_WIDTHS) if w == 0 else w for w in CRITERION_WIDTHS]
    rows = [
        ([line.scope.removeprefix("Critère "), typeset(line.title), format_level(line.before),
          format_level(line.after), format_change(line.change), line.state], False)
        for line in lines
    ]  # fmt: skip
    _table(pdf, ["Critère", "Intitulé", "Avant", "Après", CHANGE, "Niveau repris"], rows, widths)


def _unchanged(lines: Sequence[BeforeAfterLine], shown: int) -> str:
    same = sum(1 for line in lines if line.scope.startswith("Critère")) - shown
    if same == 0:
        return ""
    if same == 1:
        return f"1 {'autre ' if shown else ''}critère est confirmé au même niveau."
    return f"{same} {'autres ' if shown else ''}critères sont confirmés au même niveau."


def before_after_section(pdf: _Document, lines: Sequence[BeforeAfterLine]) -> None:
    """The section, when the structure has a previous campaign (``lines`` not empty)."""
    if not lines:
        return
    _heading(pdf, typeset(HEADING))
    _chapter_table(pdf, lines)
    pdf.ln(3)
    changed = changed_criteria(lines)
    if changed:
        _write(pdf, "Critères dont le niveau a changé ou reste à confirmer", size=10, bold=True)
        pdf.ln(1)
        _criterion_table(pdf, changed)
        pdf.ln(2)
    else:
        _paragraph(pdf, "Aucun critère n'a changé de niveau depuis la campagne précédente.")
    unchanged = _unchanged(lines, len(changed))
    if unchanged:
        _paragraph(pdf, unchanged)
        pdf.ln(1)
    if any(line.state == TO_CONFIRM for line in changed):
        _paragraph(pdf, typeset(NOTE))

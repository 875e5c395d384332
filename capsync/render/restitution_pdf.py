"""A structure's restitution as a PDF, for the meeting and for e-mail.

Rendered with fpdf2 (about 20 times faster than matplotlib figures: the sync
rewrites every changed structure's PDF, 550 of them on a cold run), so no
office suite is needed. Page 1 has the title, the radar chart (structure vs the
collectif's mean, drawn with vector primitives) and the scores table; the
following pages flow the label reasons, strengths, weak points, divergences,
offre de services and plan de progrès as wrapped text, page breaks handled by
fpdf2. Text is set in DejaVu Sans, shipped with matplotlib, because the core
PDF fonts cannot show « œ », « · », « — » or « ’ ». The content comes from the
same :class:`~capsync.layout.restitution_data.RestitutionData` as the workbook,
so the two never disagree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from fpdf import FPDF

from capsync.atomic import write_bytes_atomic
from capsync.layout.restitution_data import RestitutionData
from capsync.scoring.scores import format_level, format_score

UNICODE_FONT = "DejaVu"
CORE_FONT = "helvetica"
CORE_ENCODING = "windows-1252"  # WinAnsi: every French letter, « » · — ’ … • €
Colour = tuple[int, int, int]  # red, green, blue, 0-255
STRUCTURE_COLOUR: Colour = (0x2E, 0x75, 0xB6)
MEAN_COLOUR: Colour = (0xC5, 0x5A, 0x11)
GRID_COLOUR: Colour = (0xBF, 0xBF, 0xBF)
GREY: Colour = (0x7F, 0x7F, 0x7F)
DARK_GREY: Colour = (0x40, 0x40, 0x40)
HEADER_FILL: Colour = (0xD9, 0xE1, 0xF2)
BLACK: Colour = (0, 0, 0)
MARGIN = 18.0  # mm
BODY_SIZE = 9.5  # pt
LINE_HEIGHT = 4.6  # mm per body line
BULLET_INDENT = 5.0  # mm
TABLE_ROW = 6.5  # mm
DETAIL_INDENT = 10.0  # mm
LEVEL_MAX = 4
_SPACES = re.compile(" +")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")
# Spaces and hyphens that look the same as a WinAnsi character (U+202F before « ; : ? ! »).
_SAME_LOOK = str.maketrans(
    {"\u202f": "\u00a0", "\u2007": " ", "\u2009": " ", "\u2010": "-", "\u2011": "-", "\u2212": "-"}
)


@cache
def _font_files() -> tuple[Path, Path]:
    """DejaVu Sans regular and bold, from matplotlib's own data folder.

    Imported here: only the rare PDF with text beyond WinAnsi needs it.
    """
    import matplotlib

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return fonts / "DejaVuSans.ttf", fonts / "DejaVuSans-Bold.ttf"


def _clean(text: str) -> str:
    """Typed text as printable text: line breaks kept, tabs and control characters as spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL.sub(" ", text).translate(_SAME_LOOK)


def _strings(value: object) -> Iterator[str]:
    """Every string inside ``value`` (dataclasses, lists, tuples)."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _needs_unicode_font(data: RestitutionData) -> bool:
    """True when some text (typed by a person, usually) has a character outside WinAnsi."""
    try:
        _clean("\n".join(_strings(data))).encode(CORE_ENCODING)
    except UnicodeEncodeError:
        return True
    return False


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)} %"


class _Document(FPDF):
    """A4 portrait in millimetres, a footer naming the structure on every page.

    Helvetica (a PDF core font: nothing to parse, subset or embed) unless some
    text needs more than WinAnsi, then DejaVu Sans: about 120 ms more per PDF,
    spent parsing the font and subsetting it into the file.
    """

    def __init__(self, data: RestitutionData, *, unicode_font: bool) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.widths: dict[tuple[str, str, float, str], float] = {}
        self.footer_text = _clean(f"Restitution CAP RSE — {data.structure_name}")
        if unicode_font:
            regular, bold = _font_files()
            self.add_font(UNICODE_FONT, "", regular)
            self.add_font(UNICODE_FONT, "B", bold)
            self.family_name = UNICODE_FONT
        else:
            self.core_fonts_encoding = CORE_ENCODING
            self.family_name = CORE_FONT
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)
        self.set_title(self.footer_text)
        self.set_subject(_clean(data.collective_name))
        self.set_creator("capsync")
        # Dated by the restitution, not the clock: the same content gives the same bytes.
        self.set_creation_date(dt.datetime.combine(data.today, dt.time(), dt.UTC))
        self.set_lang("fr-FR")
        # Never rewrite a « {nb} » in the text. fpdf2 documents None as "disable the alias"
        # but annotates the parameter as str.
        self.alias_nb_pages(None)  # type: ignore[arg-type]

    def use_font(self, size: float, *, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)

    def footer(self) -> None:
        self.use_font(7)
        self.set_text_color(*GREY)
        text = f"{_fit(self, self.footer_text, self.epw - 15)} · page {self.page_no()}"
        self.text(self.w - self.r_margin - _width(self, text), self.h - 9, text)


def _width(pdf: _Document, text: str) -> float:
    """``pdf.get_string_width(text)`` without its per-call text-shaping machinery (~50 µs),
    remembered per font and size: words repeat a lot in a restitution."""
    key = (pdf.font_family, pdf.font_style, pdf.font_size_pt, text)
    width = pdf.widths.get(key)
    if width is None:
        font = pdf.current_font
        assert font is not None, "use_font() sets a font before any text is measured"
        width = font.get_text_width(pdf.normalize_text(text), pdf.font_size_pt, None)[1] / pdf.k
        pdf.widths[key] = width
    return width


def _split_word(pdf: _Document, word: str, width: float) -> list[str]:
    """A word wider than a line (a long URL) cut into pieces that fit, at least one character."""
    pieces, piece, piece_width = [], "", 0.0
    for char in word:
        char_width = _width(pdf, char)
        if piece and piece_width + char_width > width:
            pieces.append(piece)
            piece, piece_width = "", 0.0
        piece += char
        piece_width += char_width
    return [*pieces, piece]


def _wrap(pdf: _Document, text: str, width: float) -> list[str]:
    """``text`` as lines no wider than ``width`` at the current font, greedy by word.

    fpdf2's ``multi_cell`` measures the whole line again for every character
    (quadratic): about 100 ms per restitution. Measuring each word once is linear.
    Line breaks typed by the person are kept; runs of spaces become one space.
    """
    lines: list[str] = []
    space = _width(pdf, " ")
    for paragraph in _clean(text).split("\n"):
        line, line_width = "", 0.0
        for word in _SPACES.split(paragraph.strip(" ")):
            word_width = _width(pdf, word)
            if line and line_width + space + word_width <= width:
                line += " " + word
                line_width += space + word_width
                continue
            if line:
                lines.append(line)
            *full, line = _split_word(pdf, word, width) if word_width > width else [word]
            lines += full
            line_width = _width(pdf, line) if full else word_width
        lines.append(line)
    return lines


def _lines(pdf: _Document, text: str, left: float, height: float, *, bullet: bool = False) -> None:
    """Wrapped text from x = ``left`` to the right margin, a new page when the next line
    would cross the bottom margin; a bullet hangs before the first line.

    ``text`` is several times cheaper than ``cell`` for the hundreds of lines of a plan.
    """
    baseline = 0.5 * height + 0.3 * pdf.font_size  # where ``cell`` puts it
    for i, line in enumerate(_wrap(pdf, text, pdf.w - pdf.r_margin - left)):
        if pdf.will_page_break(height):
            pdf.add_page()
        if bullet and i == 0:
            pdf.text(left - BULLET_INDENT, pdf.y + baseline, "•")
        pdf.text(left, pdf.y + baseline, line)
        pdf.ln(height)


def _write(
    pdf: _Document, text: str, *, size: float, bold: bool = False, colour: Colour = BLACK
) -> None:
    """A full-width paragraph at the left margin."""
    pdf.use_font(size, bold=bold)
    pdf.set_text_color(*colour)
    _lines(pdf, text, pdf.l_margin, size * 0.48)


def _header(pdf: _Document, data: RestitutionData) -> None:
    _write(pdf, "Restitution CAP RSE", size=20, bold=True)
    pdf.ln(1)
    _write(pdf, data.structure_name, size=15)
    pdf.ln(1)
    _write(pdf, f"{data.structure_type} · {data.collective_name}", size=10, colour=DARK_GREY)
    _write(pdf, f"Au {data.today:%d/%m/%Y} · {data.referentiel}", size=9, colour=GREY)
    pdf.ln(2)
    label = f"Labellisation : {data.label}"
    if data.label_reasons:
        label += f" ({len(data.label_reasons)} point(s) à atteindre, voir page suivante)"
    _write(pdf, label, size=10, bold=True)


def _point(
    cx: float, cy: float, radius: float, index: int, n: int, value: float
) -> tuple[float, float]:
    """Chapter ``index`` of ``n`` at ``value``: chapter 1 at the top, then clockwise."""
    angle = -math.pi / 2 + 2 * math.pi * index / n
    r = radius * max(0.0, min(value, LEVEL_MAX)) / LEVEL_MAX
    return cx + r * math.cos(angle), cy + r * math.sin(angle)


def _runs(values: list[float | None]) -> Iterator[tuple[int, int]]:
    """The (i, j) pairs of neighbouring chapters that both have a value (closing the loop)."""
    n = len(values)
    for i in range(n if n > 2 else n - 1):
        j = (i + 1) % n
        if values[i] is not None and values[j] is not None:
            yield i, j


def _series(
    pdf: _Document,
    cx: float,
    cy: float,
    radius: float,
    values: list[float | None],
    colour: Colour,
    *,
    fill: bool,
) -> None:
    """One polygon: outline between known values, optional semi-transparent fill."""
    n = len(values)
    points = [_point(cx, cy, radius, i, n, v or 0.0) for i, v in enumerate(values)]
    pdf.set_draw_color(*colour)
    pdf.set_fill_color(*colour)
    if fill and n > 2 and any(v is not None for v in values):
        with pdf.local_context(fill_opacity=0.18):
            pdf.polygon(points, style="F")
    for i, j in _runs(values):
        pdf.line(*points[i], *points[j])
    for (x, y), v in zip(points, values, strict=True):
        if v is not None:
            pdf.circle(x, y, 0.8, style="F")


def _radar(pdf: _Document, data: RestitutionData, top: float) -> float:
    """The radar chart under ``top``; returns the y below it."""
    n = len(data.chapters)
    if n == 0:
        return top
    radius = 48.0
    cx, cy = pdf.w / 2, top + 12 + radius
    pdf.set_line_width(0.2)
    pdf.set_draw_color(*GRID_COLOUR)
    for ring in range(1, LEVEL_MAX + 1):
        ring_points = [_point(cx, cy, radius, i, n, ring) for i in range(n)]
        if n > 2:
            pdf.polygon(ring_points)
        else:
            pdf.circle(cx, cy, radius * ring / LEVEL_MAX)
    pdf.use_font(9)
    pdf.set_text_color(*BLACK)
    for i, chapter in enumerate(data.chapters):
        pdf.set_draw_color(*GRID_COLOUR)
        pdf.line(cx, cy, *_point(cx, cy, radius, i, n, LEVEL_MAX))
        x, y = _point(cx, cy, radius + 6, i, n, LEVEL_MAX)
        label = _clean(f"Ch. {chapter.chapter}")
        pdf.text(x - pdf.get_string_width(label) / 2, y + 1.2, label)
    pdf.use_font(6.5)
    pdf.set_text_color(*GREY)
    for ring in range(LEVEL_MAX + 1):
        pdf.text(cx + 1.2, cy - radius * ring / LEVEL_MAX - 0.8, str(ring))
    pdf.set_line_width(0.6)
    _series(pdf, cx, cy, radius, [c.score for c in data.chapters], STRUCTURE_COLOUR, fill=True)
    pdf.set_line_width(0.45)
    pdf.set_dash_pattern(dash=1.6, gap=1.0)
    _series(
        pdf, cx, cy, radius, [c.collective_mean for c in data.chapters], MEAN_COLOUR, fill=False
    )
    pdf.set_dash_pattern()
    _legend(pdf, data, top)
    pdf.set_line_width(0.2)
    return cy + radius + 10


def _legend(pdf: _Document, data: RestitutionData, top: float) -> None:
    """Two swatches at the top right of the chart area."""
    x = pdf.w - pdf.r_margin - 52
    pdf.use_font(8)
    pdf.set_text_color(*BLACK)
    entries = [
        (STRUCTURE_COLOUR, False, _fit(pdf, data.structure_name, 43)),
        (MEAN_COLOUR, True, "Moyenne du collectif"),
    ]
    for k, (colour, dashed, text) in enumerate(entries):
        y = top + 2 + 5 * k
        pdf.set_draw_color(*colour)
        pdf.set_line_width(0.6)
        if dashed:
            pdf.set_dash_pattern(dash=1.6, gap=1.0)
        pdf.line(x, y, x + 7, y)
        pdf.set_dash_pattern()
        pdf.text(x + 9, y + 1.1, text)


def _fit(pdf: _Document, text: str, width: float) -> str:
    """``text`` on one line, cut and ended with « … » when wider than ``width``."""
    text = _clean(text).replace("\n", " ")
    if _width(pdf, text) <= width:
        return text
    while text and _width(pdf, text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _table_row(
    pdf: _Document,
    cells: list[str],
    widths: list[float],
    top: float,
    *,
    bold: bool = False,
    header: bool = False,
) -> None:
    """One row of bordered cells: the first left-aligned (shortened to fit), the others centred."""
    pdf.use_font(8.5, bold=bold or header)
    x = pdf.l_margin
    baseline = top + 0.5 * TABLE_ROW + 0.3 * pdf.font_size
    for k, (width, text) in enumerate(zip(widths, cells, strict=True)):
        pdf.rect(x, top, width, TABLE_ROW)
        if k == 0 and not header:
            pdf.text(x + 1.5, baseline, _fit(pdf, text, width - 3))
        else:
            pdf.text(x + (width - _width(pdf, text)) / 2, baseline, text)
        x += width


def _scores_table(pdf: _Document, data: RestitutionData, top: float) -> None:
    widths = [pdf.epw - 78, 24, 30, 24]
    pdf.set_line_width(0.2)
    pdf.set_draw_color(*GRID_COLOUR)
    pdf.set_fill_color(*HEADER_FILL)
    pdf.set_text_color(*BLACK)
    pdf.rect(pdf.l_margin, top, pdf.epw, TABLE_ROW, style="F")
    header = ["Chapitre", "Structure", "Moy. collectif", "Complétude"]
    _table_row(pdf, header, widths, top, header=True)
    for c in data.chapters:
        top += TABLE_ROW
        cells = [
            f"{c.chapter} — {c.title}",
            format_score(c.score),
            format_score(c.collective_mean),
            _percent(c.completion),
        ]
        _table_row(pdf, cells, widths, top)
    top += TABLE_ROW
    total = ["Score global", format_score(data.overall), format_score(data.collective_overall), ""]
    _table_row(pdf, total, widths, top, bold=True)


def _first_page(pdf: _Document, data: RestitutionData) -> None:
    pdf.add_page()
    _header(pdf, data)
    below = _radar(pdf, data, pdf.get_y() + 2)
    _scores_table(pdf, data, below)


def _heading(pdf: _Document, text: str) -> None:
    pdf.ln(3)
    if pdf.will_page_break(6 + 2 * LINE_HEIGHT):  # never a heading alone at the foot of a page
        pdf.add_page()
    _write(pdf, text, size=12.5, bold=True)
    pdf.ln(1)


def _paragraph(pdf: _Document, text: str, *, bullet: bool = False, indent: float = 0.0) -> None:
    """Wrapped body text; a bullet hangs in the margin of its first line."""
    pdf.use_font(BODY_SIZE)
    pdf.set_text_color(*BLACK)
    left = pdf.l_margin + indent + (BULLET_INDENT if bullet else 0.0)
    _lines(pdf, text, left, LINE_HEIGHT, bullet=bullet)


def _label_section(pdf: _Document, data: RestitutionData) -> None:
    _heading(pdf, f"Labellisation : {data.label}")
    for reason in data.label_reasons:
        _paragraph(pdf, reason, bullet=True)


def _criteria_sections(pdf: _Document, data: RestitutionData) -> None:
    _heading(pdf, "Points forts")
    for c in data.strengths:
        _paragraph(pdf, f"{c.criterion} {c.title} — niveau {format_level(c.retained)}", bullet=True)
    if not data.strengths:
        _paragraph(pdf, "Aucun critère au-dessus du niveau attendu pour le moment.")
    _heading(pdf, "Points faibles")
    for c in data.weak_points:
        mandatory = " (obligatoire pour le label)" if c.mandatory else ""
        _paragraph(
            pdf,
            f"{c.criterion} {c.title} — niveau {format_level(c.retained)}, moyenne du collectif "
            f"{format_score(c.collective_mean)}{mandatory}",
            bullet=True,
        )
    if not data.weak_points:
        _paragraph(pdf, f"Aucun critère sous le niveau {data.weak_level}.")


def _gaps_section(pdf: _Document, data: RestitutionData) -> None:
    _heading(pdf, "Écarts à discuter")
    for g in data.gaps:
        if g.low is not None:
            detail = f"niveaux de {format_level(g.low)} à {format_level(g.high)}"
        else:
            detail = f"retenu {format_level(g.retained)}, tiers / pair {format_level(g.review)}"
        _paragraph(pdf, f"{g.criterion} {g.title} — {g.kind} : {detail}", bullet=True)
        if g.justification:
            _paragraph(pdf, f"Justification : {g.justification}", indent=DETAIL_INDENT)
        if g.review_comment:
            _paragraph(pdf, f"Commentaire tiers / pair : {g.review_comment}", indent=DETAIL_INDENT)
    if not data.gaps:
        _paragraph(pdf, "Aucun écart à discuter.")


def _services_section(pdf: _Document, data: RestitutionData) -> None:
    _heading(pdf, "Offre de services")
    for s in data.services:
        _paragraph(pdf, f"{s.objective} {s.objective_title} — {s.title}", bullet=True)
        if s.url:
            _paragraph(pdf, s.url, indent=DETAIL_INDENT)
    if not data.services:
        _paragraph(pdf, "Pas de ressource à suggérer : aucun objectif sous le niveau attendu.")


def _plan_section(pdf: _Document, data: RestitutionData) -> None:
    _heading(pdf, "Plan de progrès")
    for a in data.actions:
        when = f", échéance {a.echeance:%d/%m/%Y}" if a.echeance else ""
        who = f", {a.responsable}" if a.responsable else ""
        late = " — en retard" if a.late else ""
        status = f" ({a.statut})" if a.statut else ""
        _paragraph(pdf, f"{a.criterion} {a.action}{who}{when}{status}{late}", bullet=True)
        if a.commentaire:
            _paragraph(pdf, f"Commentaire : {a.commentaire}", indent=DETAIL_INDENT)
    if not data.actions:
        _paragraph(pdf, "Aucune action saisie pour le moment.")


def restitution_pdf_bytes(data: RestitutionData) -> bytes:
    """The PDF of ``data``: page 1 the scores, then the text pages."""
    pdf = _Document(data, unicode_font=_needs_unicode_font(data))
    _first_page(pdf, data)
    pdf.add_page()
    _label_section(pdf, data)
    _criteria_sections(pdf, data)
    _gaps_section(pdf, data)
    _services_section(pdf, data)
    _plan_section(pdf, data)
    return bytes(pdf.output())


def write_restitution_pdf(data: RestitutionData, path: Path) -> None:
    """Write the restitution PDF atomically (temporary file, then ``os.replace``)."""
    write_bytes_atomic(path, restitution_pdf_bytes(data))

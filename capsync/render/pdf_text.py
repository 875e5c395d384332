"""Text on PDF pages, set as French readers expect: the primitives every capsync PDF shares.

fpdf2 does the page description; this module measures words once (fpdf2's own
``multi_cell`` is quadratic), wraps paragraphs, breaks pages before a heading
would sit alone, and picks the font: Helvetica (a PDF core font, nothing to
embed) unless some text needs more than WinAnsi, then DejaVu Sans, shipped with
matplotlib (a PyPI dependency: no system font needed), because the core fonts
cannot show « ≥ », « Ω » or emoji. DejaVu draws Latin, Greek, Cyrillic, Arabic,
Hebrew and the common emoji; a character it cannot draw (Chinese, most emoji)
is printed as « � », so the reader sees something was typed there, and fpdf2
logs no warning.
Used by the restitution (:mod:`.restitution_pdf`) and the regroupement kit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Protocol

from fpdf import FPDF
from fpdf.fonts import TTFFont


class Titled(Protocol):
    """What a document's metadata is taken from."""

    @property
    def structure_name(self) -> str: ...

    @property
    def collective_name(self) -> str: ...

    @property
    def today(self) -> dt.date: ...


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
# Variation selectors, skin tones and tag characters change how an emoji looks; no font here
# draws them, and the emoji itself is kept.
_EMOJI_MODIFIERS = re.compile("[\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")
NOT_DRAWABLE = "\ufffd"  # « � »: the reader sees that a character was typed here
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


@cache
def _drawable() -> frozenset[int]:
    """The characters both DejaVu Sans faces can draw (Latin, Greek, Cyrillic, Arabic, Hebrew,
    symbols, the common emoji); read once from the fonts' character maps."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # fpdf2 needs it

    covered = []
    for path in _font_files():
        with TTFont(path) as font:
            covered.append(frozenset(font.getBestCmap()))
    return covered[0] & covered[1]


def _visible(text: str) -> str:
    """Characters no embedded font can draw (Chinese, most emoji) as a visible « � », instead
    of a gap and one fpdf2 warning per character; emoji modifiers go, their emoji stays."""
    try:
        text.encode(CORE_ENCODING)
        return text  # WinAnsi: every French text, drawn by both fonts
    except UnicodeEncodeError:
        text = _EMOJI_MODIFIERS.sub("", text)
    drawable = _drawable()
    return "".join(c if ord(c) in drawable or c == "\n" else NOT_DRAWABLE for c in text)


def _clean(text: str) -> str:
    """Typed text as printable text: line breaks kept, tabs and control characters as spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _visible(_CONTROL.sub(" ", text).translate(_SAME_LOOK))


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


def close_fonts(pdf: FPDF) -> None:
    """Close the TrueType files ``pdf`` opened (core fonts hold no file)."""
    for font in pdf.fonts.values():
        if isinstance(font, TTFFont):
            font.close()


class _Document(FPDF):
    """A4 in millimetres (portrait unless told), a footer naming the document on every page.

    Helvetica (a PDF core font: nothing to parse, subset or embed) unless some
    text needs more than WinAnsi, then DejaVu Sans: about 120 ms more per PDF,
    spent parsing the font and subsetting it into the file.
    """

    def __init__(
        self,
        data: Titled,
        *,
        unicode_font: bool,
        footer: str = "Restitution CAP RSE",
        orientation: str = "P",
    ) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.widths: dict[tuple[str, str, float, str], float] = {}
        self.footer_text = _clean(f"{footer} — {data.structure_name}")
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

    def pdf_bytes(self) -> bytes:
        """The finished PDF; the embedded fonts' files are closed at once.

        fpdf2 opens a TrueType file lazily and keeps it open until the font is
        collected, which leaks one file handle per PDF in a long-running daemon.
        """
        try:
            return bytes(self.output())
        finally:
            close_fonts(self)

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


def _glued(words: list[str]) -> list[str]:
    """The words of a line with a lone « - » joined to both its neighbours: a level's name
    (« 2 - Structuré ») is never split into « 2 » at a line's end and « - Structuré », which
    reads as a dash, below."""
    glued: list[str] = []
    join_next = False
    for word in words:
        if word == "-" and glued:
            glued[-1] += " -"
            join_next = True
        elif join_next:
            glued[-1] += " " + word
            join_next = False
        else:
            glued.append(word)
    return glued


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
        for word in _glued(_SPACES.split(paragraph.strip(" "))):
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


def _fit(pdf: _Document, text: str, width: float) -> str:
    """``text`` on one line, cut and ended with « … » when wider than ``width``."""
    text = _clean(text).replace("\n", " ")
    if _width(pdf, text) <= width:
        return text
    while text and _width(pdf, text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


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

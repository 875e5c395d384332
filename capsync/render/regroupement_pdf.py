"""A regroupement kit as a landscape PDF of slide-like pages, to project or to print.

One question per page, a title band on top: the meeting; the collectif's radar
on the chapter (mean per criterion, a criterion nobody answered shown as such,
never as a point at the centre); the distribution per criterion as stacked bars
with their counts; the criteria that divide the collectif; for each weak point
who could testify; who has not finished; the offre de services; the agenda
draft. Same :class:`~capsync.layout.regroupement_data.KitData` as the workbook.
"""

from __future__ import annotations

from capsync.french import counted, typeset
from capsync.layout.regroupement_data import (
    FEW,
    KitData,
    LevelCount,
    line_text,
    weak_rule,
)
from capsync.render.pdf_text import (
    BLACK,
    CORE_ENCODING,
    DARK_GREY,
    GREY,
    GRID_COLOUR,
    HEADER_FILL,
    LEVEL_MAX,
    MEAN_COLOUR,
    Colour,
    _clean,
    _Document,
    _fit,
    _paragraph,
    _strings,
    _width,
    _wrap,
    _write,
)
from capsync.render.restitution_pdf import _point, _series

BAND: Colour = (0x2E, 0x75, 0xB6)
WHITE: Colour = (0xFF, 0xFF, 0xFF)
# Level 0 → 4, red to green: the colours of the dashboard's scales.
LEVEL_COLOURS: tuple[Colour, ...] = (
    (0xF8, 0x69, 0x6B),
    (0xFB, 0xAA, 0x77),
    (0xFF, 0xEB, 0x84),
    (0xB1, 0xD5, 0x80),
    (0x63, 0xBE, 0x7B),
)
ROW = 8.0  # mm per criterion in the distribution
TITLE_WIDTH = 95.0  # mm: the criterion's number and title, left of its bar
BAR_LEFT = 98.0  # mm from the left margin
BAR_WIDTH = 108.0  # mm: the stacked bar; the mean and its count take the rest of the line
ROWS_PER_PAGE = 17


def _needs_unicode_font(kit: KitData) -> bool:
    try:
        _clean("\n".join(_strings(kit))).encode(CORE_ENCODING)
    except UnicodeEncodeError:
        return True
    return False


def _slide(pdf: _Document, title: str, subtitle: str = "") -> None:
    """A new page with its title band."""
    pdf.add_page()
    pdf.set_fill_color(*BAND)
    pdf.rect(0, 0, pdf.w, 22, style="F")
    pdf.use_font(18, bold=True)
    pdf.set_text_color(*WHITE)
    pdf.text(pdf.l_margin, 14, _fit(pdf, typeset(title), pdf.epw))
    pdf.set_y(28)
    if subtitle:
        _write(pdf, typeset(subtitle), size=10, colour=DARK_GREY)
        pdf.ln(2)


def _cover(pdf: _Document, kit: KitData) -> None:
    pdf.add_page()
    pdf.set_fill_color(*BAND)
    pdf.rect(0, 0, pdf.w, 70, style="F")
    pdf.set_y(22)
    _write(pdf, f"Regroupement {kit.approach}", size=28, bold=True, colour=WHITE)
    pdf.ln(2)
    _write(pdf, f"Chapitre {kit.chapter} — {kit.chapter_title}", size=16, colour=WHITE)
    pdf.set_y(82)
    _write(pdf, kit.collective_name, size=16, bold=True)
    pdf.ln(2)
    where = f", {kit.place}" if kit.place else ""
    _write(pdf, f"Le {kit.meeting:%d/%m/%Y}{where}", size=13)
    pdf.ln(6)
    figures = typeset(
        f"{counted(kit.answered, 'structure')} sur {kit.structures} "
        f"{'a' if kit.answered <= 1 else 'ont'} répondu au chapitre · moyenne du "
        f"collectif : {kit.chapter_mean_text}"
    )
    _write(pdf, figures, size=12)
    pdf.ln(4)
    note = (
        "Version anonyme : aucune structure n'y est nommée, et un critère auquel moins de "
        f"{FEW} structures ont répondu n'a ni moyenne ni répartition."
        if kit.anonymous
        else "Document des délégué·e·s. Pour le projeter : capsync regroupement --anonyme."
    )
    _write(pdf, typeset(f"Kit produit le {kit.today:%d/%m/%Y}. {note}"), size=9, colour=GREY)


def _radar(pdf: _Document, kit: KitData, top: float) -> None:
    """The collectif's mean per criterion of the chapter, on the left half."""
    n = len(kit.lines)
    if n < 3:
        return
    radius = 58.0
    cx, cy = pdf.l_margin + radius + 22, top + radius + 8
    pdf.set_line_width(0.2)
    pdf.set_draw_color(*GRID_COLOUR)
    for ring in range(1, LEVEL_MAX + 1):
        pdf.polygon([_point(cx, cy, radius, i, n, ring) for i in range(n)])
    pdf.use_font(8.5)
    for i, line in enumerate(kit.lines):
        pdf.set_draw_color(*GRID_COLOUR)
        pdf.line(cx, cy, *_point(cx, cy, radius, i, n, LEVEL_MAX))
        x, y = _point(cx, cy, radius + 7, i, n, LEVEL_MAX)
        pdf.set_text_color(*(BLACK if line.n else GREY))
        label = _clean(line.criterion)
        pdf.text(x - pdf.get_string_width(label) / 2, y + 1.2, label)
        if not line.n:  # no point at the centre: said under its label
            said = f"moins de {FEW}" if line.hidden else "sans réponse"
            pdf.text(x - pdf.get_string_width(said) / 2, y + 4.4, said)
    pdf.use_font(6.5)
    pdf.set_text_color(*GREY)
    for ring in range(LEVEL_MAX + 1):
        pdf.text(cx + 1.2, cy - radius * ring / LEVEL_MAX - 0.8, str(ring))
    pdf.set_line_width(0.7)
    means = [line.mean if line.n else None for line in kit.lines]
    _series(pdf, cx, cy, radius, means, MEAN_COLOUR, fill=True)
    pdf.set_line_width(0.2)


def _overview(pdf: _Document, kit: KitData) -> None:
    few = (
        f"moins de {FEW} : ni moyenne ni répartition, pour ne désigner aucune structure"
        if kit.anonymous
        else f"moins de {FEW} : « peu de réponses »"
    )
    _slide(
        pdf,
        f"Le collectif sur le chapitre {kit.chapter}",
        f"Moyenne du niveau retenu par critère, sur les structures qui y ont répondu ({few}).",
    )
    top = pdf.y
    _radar(pdf, kit, top)
    left = pdf.w / 2 + 5 if len(kit.lines) >= 3 else 0.0
    pdf.set_y(top + 4)
    for line in kit.lines:
        said = line_text(line) if line.n or line.hidden else "aucune réponse"  # not « — »
        text = typeset(f"{line.criterion} {line.title} : {said}")
        _paragraph(pdf, text, bullet=True, indent=left)


def _bar(pdf: _Document, line: LevelCount, x: float, y: float, width: float) -> None:
    """The structures of one criterion at each level, one coloured segment per level."""
    if not line.n:  # a hidden line has no counts left to draw
        pdf.set_text_color(*GREY)
        pdf.text(x, y + 5, "répartition non affichée" if line.hidden else "aucune réponse")
        return
    for level, count in enumerate(line.counts):
        if not count:
            continue
        part = width * count / line.n
        pdf.set_fill_color(*LEVEL_COLOURS[min(level, len(LEVEL_COLOURS) - 1)])
        pdf.rect(x, y + 1, part, ROW - 2, style="F")
        pdf.set_text_color(*BLACK)
        label = str(count)
        pdf.text(x + part / 2 - pdf.get_string_width(label) / 2, y + 5.3, label)
        x += part


def _distribution(pdf: _Document, kit: KitData) -> None:
    legend = " · ".join(f"{v} - {name}" for v, name in kit.levels)
    for start in range(0, max(len(kit.lines), 1), ROWS_PER_PAGE):
        _slide(
            pdf,
            "Répartition par critère",
            f"Nombre de structures à chaque niveau retenu ({legend}).",
        )
        for line in kit.lines[start : start + ROWS_PER_PAGE]:
            y = pdf.y
            pdf.set_text_color(*BLACK)
            _row_text(pdf, f"{line.criterion} {line.title}", pdf.l_margin, y, TITLE_WIDTH)
            _bar(pdf, line, pdf.l_margin + BAR_LEFT, y, BAR_WIDTH)
            pdf.set_text_color(*DARK_GREY)
            left = BAR_LEFT + BAR_WIDTH + 5
            _row_text(pdf, typeset(line_text(line)), pdf.l_margin + left, y, pdf.epw - left)
            pdf.set_y(y + ROW)
    _level_legend(pdf, kit)


def _row_text(pdf: _Document, text: str, x: float, y: float, width: float) -> None:
    """A cell of the distribution: one line at 9 pt, or two at 8 pt when it is longer than
    ``width`` (« 2,0 (2 structures, peu de réponses) », a long criterion title), so that
    nothing is cut with « … » short of a third line's worth."""
    pdf.use_font(9)
    if _width(pdf, _clean(text)) <= width:
        pdf.text(x, y + 5, _clean(text))
        return
    pdf.use_font(8)
    lines = _wrap(pdf, text, width)
    if len(lines) > 2:
        lines = [lines[0], _fit(pdf, " ".join(lines[1:]), width)]
    for k, shown in enumerate(lines):
        pdf.text(x, y + 3.4 + 3.3 * k, shown)


def _level_legend(pdf: _Document, kit: KitData) -> None:
    pdf.ln(3)
    x = pdf.l_margin + BAR_LEFT
    pdf.use_font(8)
    for value, name in kit.levels:
        pdf.set_fill_color(*LEVEL_COLOURS[min(value, len(LEVEL_COLOURS) - 1)])
        pdf.rect(x, pdf.y, 4, 4, style="F")
        pdf.set_text_color(*BLACK)
        label = _clean(f"{value} - {name}")
        pdf.text(x + 5, pdf.y + 3.3, label)
        x += pdf.get_string_width(label) + 10


def _dividing(pdf: _Document, kit: KitData) -> None:
    _slide(
        pdf,
        "Les critères qui partagent le collectif",
        "Les plus grands écarts de niveau retenu entre structures : de quoi lancer le débat.",
    )
    if not kit.dividing:
        _paragraph(pdf, "Aucun écart entre structures pour le moment.")
    for line in kit.dividing:
        counts = ", ".join(
            f"{count} au niveau {v}"
            for (v, _), count in zip(kit.levels, line.counts, strict=True)
            if count
        )
        spread = counted(line.spread or 0, "niveau", "niveaux")
        text = (
            f"{line.criterion} {line.title} — écart de {spread} : {counts} "
            f"({counted(line.n, 'structure')})"
        )
        _paragraph(pdf, typeset(text), bullet=True)
        pdf.ln(1.5)


def _named(kit: KitData) -> str:
    """Who the witnesses' lines name: the anonymous kit names none, whatever was agreed."""
    return (
        "aucun n'est nommé dans ce kit anonyme" if kit.anonymous else "nommés s'ils l'ont accepté"
    )


def _witnesses(pdf: _Document, kit: KitData) -> None:
    _slide(
        pdf,
        "Points faibles communs : qui pourrait témoigner",
        f"Point faible : {weak_rule(kit.weak_level)} ; témoins possibles au niveau 3 ou 4, "
        f"avec une pratique décrite ({_named(kit)}).",
    )
    if not kit.weak_points:
        _paragraph(pdf, "Aucun point faible commun à ce chapitre.")
    for point in kit.weak_points:
        line = point.line
        head = (
            f"{line.criterion} {line.title} — {counted(line.weak, 'structure')} sous le niveau "
            f"{kit.weak_level} ; moyenne {line_text(line)}"
        )
        _write(pdf, typeset(head), size=11, bold=True)
        if not point.witnesses:
            _paragraph(pdf, "Personne au niveau 3 ou 4 avec une pratique décrite.", indent=4)
        for w in point.witnesses:
            said = typeset(" : « ") + w.excerpt + typeset(" »") if w.excerpt else ""
            _paragraph(pdf, typeset(f"{w.label}, {w.level_text}") + said,
                       bullet=True, indent=4)  # fmt: skip
        pdf.ln(2)


def _stragglers(pdf: _Document, kit: KitData) -> None:
    why = "" if kit.late_figures else " Avancement par quart, pour ne pas désigner de type."
    _slide(
        pdf,
        f"Qui n'a pas fini le chapitre {kit.chapter}",
        f"Au {kit.today:%d/%m/%Y}, regroupement le {kit.meeting:%d/%m/%Y}.{why}",
    )
    if not kit.stragglers:
        _paragraph(pdf, "Toutes les structures ont complété le chapitre.")
    for s in kit.stragglers:
        _paragraph(pdf, typeset(f"{s.label} : {s.status}, {s.progress}"), bullet=True)


def _services(pdf: _Document, kit: KitData) -> None:
    _slide(pdf, "L'offre de services", "Ce que le réseau propose sur les points faibles communs.")
    if not kit.services:
        _paragraph(pdf, "Aucun service de l'offre n'est lié aux points faibles de ce chapitre.")
    for s in kit.services:
        noun = "critère" if len(s.for_criteria) == 1 else "critères"
        text = f"{s.title} ({noun} {', '.join(s.for_criteria)})"
        text += f" — {s.description}" if s.description else ""
        _paragraph(pdf, typeset(text), bullet=True)
        if s.url:
            _paragraph(pdf, s.url, indent=5)


def _agenda(pdf: _Document, kit: KitData) -> None:
    _slide(pdf, "Ordre du jour (projet)", f"{kit.title} — durées indicatives, à adapter.")
    widths = (22.0, 18.0, 85.0, pdf.epw - 125.0)
    pdf.set_fill_color(*HEADER_FILL)
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.2)
    pdf.use_font(9.5, bold=True)
    pdf.set_text_color(*BLACK)
    for text, width in zip(("Heure", "Durée", "Séquence", "Détail"), widths, strict=True):
        pdf.cell(width, 8, text, border=1, fill=True)
    pdf.ln(8)
    pdf.use_font(9.5)
    for item in kit.agenda:
        cells = (item.start, f"{item.minutes} min", item.title, item.detail)
        _agenda_row(pdf, cells, widths)


AGENDA_ROW = 9.0  # mm: a row of one line
AGENDA_LINE = 4.4  # mm between the lines of a cell on several lines


def _agenda_row(pdf: _Document, cells: tuple[str, ...], widths: tuple[float, ...]) -> None:
    """One row of the agenda, as high as its longest cell: the witnesses of five weak points
    (« 2.3.3 (1 témoignage possible) ; … ») are read whole, never cut with « … »."""
    texts = [_wrap(pdf, text, width - 2) for text, width in zip(cells, widths, strict=True)]
    height = AGENDA_ROW + AGENDA_LINE * (max(len(lines) for lines in texts) - 1)
    top, x = pdf.y, pdf.l_margin
    for lines, width in zip(texts, widths, strict=True):
        pdf.rect(x, top, width, height)
        for k, line in enumerate(lines):
            pdf.text(x + 1, top + 5.6 + AGENDA_LINE * k, line)
        x += width
    pdf.set_y(top + height)


def kit_pdf_bytes(kit: KitData) -> bytes:
    """The kit's PDF: one slide-like landscape page per question."""
    pdf = _Document(
        kit,
        unicode_font=_needs_unicode_font(kit),
        footer=f"Kit du regroupement {kit.approach}",
        orientation="L",
    )
    _cover(pdf, kit)
    _overview(pdf, kit)
    _distribution(pdf, kit)
    _dividing(pdf, kit)
    _witnesses(pdf, kit)
    _stragglers(pdf, kit)
    _services(pdf, kit)
    _agenda(pdf, kit)
    return pdf.pdf_bytes()

"""A structure's restitution as a PDF, for the meeting and for e-mail.

Rendered with fpdf2 (about 20 times faster than matplotlib figures: the sync
rewrites every changed structure's PDF, 550 of them on a cold run), so no
office suite is needed. Page 1 has the title, the radar chart (structure vs the
collectif's mean, drawn with vector primitives), the scores table, three strengths,
three priorities and the chemin vers le label (the radar smaller to make room for it),
whose steps page 1 has no room for open page 2; the
following pages flow the label reasons, strengths, weak points, divergences,
offre de services and plan de progrès as wrapped text, page breaks handled by
fpdf2. Text is set in DejaVu Sans, shipped with matplotlib, because the core
PDF fonts cannot show « œ », « · », « — » or « ’ ». The content comes from the
same :class:`~capsync.layout.restitution_data.RestitutionData` as the workbook,
so the two never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path

from capsync.atomic import write_bytes_atomic
from capsync.french import heading_for, percent, typeset
from capsync.layout.before_after import BeforeAfterLine
from capsync.layout.plan_lines import plan_suggestions
from capsync.layout.restitution_data import (
    FIRST_PAGE_ITEMS,
    HALF_LEVEL_NOTE,
    PATH_NOTE,
    CriterionLine,
    GapLine,
    RestitutionData,
)
from capsync.layout.review_gaps import RETAINED_VS_GROUP, SELF_VS_PAIR, SELF_VS_TIERS
from capsync.render.before_after_pdf import before_after_section
from capsync.render.pdf_text import (
    BLACK,
    BODY_SIZE,
    BULLET_INDENT,
    CORE_ENCODING,
    DARK_GREY,
    DETAIL_INDENT,
    GREY,
    GRID_COLOUR,
    HEADER_FILL,
    LEVEL_MAX,
    LINE_HEIGHT,
    MEAN_COLOUR,
    STRUCTURE_COLOUR,
    TABLE_ROW,
    Colour,
    _clean,
    _Document,
    _fit,
    _heading,
    _paragraph,
    _strings,
    _width,
    _wrap,
    _write,
)
from capsync.render.review_pdf import review_legend, review_polygons, review_sections
from capsync.scoring.scores import format_score


def _needs_unicode_font(data: RestitutionData, more: Sequence[BeforeAfterLine] = ()) -> bool:
    """True when some text (typed by a person, usually) has a character outside WinAnsi."""
    try:
        _clean("\n".join(_strings([data, list(more)]))).encode(CORE_ENCODING)
    except UnicodeEncodeError:
        return True
    return False


PATH_RADIUS = 28.0  # mm: the radar when page 1 also holds the chemin vers le label
LEGEND_WIDTH = 43.0  # mm: the text of the radar's legend
LEGEND_LINE = 3.4  # mm: between the two lines of a long name in the legend
ROW_LINE = 3.6  # mm: between the lines of a table cell on two lines
HEADING_ROOM = 10.0  # mm: a heading of one line, its space above and below
_REVIEWERS = {SELF_VS_TIERS: "tiers", SELF_VS_PAIR: "pair"}  # who gave the other level


def _percent(value: float | None) -> str:
    return "—" if value is None else percent(value)


def _header(pdf: _Document, data: RestitutionData, title: str) -> None:
    _write(pdf, title, size=20, bold=True)
    pdf.ln(1)
    _write(pdf, data.structure_name, size=15)
    pdf.ln(1)
    _write(pdf, f"{data.structure_type} · {data.collective_name}", size=10, colour=DARK_GREY)
    _write(pdf, f"Au {data.today:%d/%m/%Y} · {data.referentiel}", size=9, colour=GREY)
    if data.occasions:
        _write(pdf, typeset("Produite pour : ") + ", ".join(data.occasions), size=9, colour=GREY)
    pdf.ln(2)
    _write(pdf, typeset(data.headline), size=11, bold=True)
    pdf.ln(1)
    label = typeset(f"Labellisation : {data.label}")
    if data.path:
        label += typeset(" (chemin vers le label ci-dessous)")
    _write(pdf, label, size=10)


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
    known = [p for p, v in zip(points, values, strict=True) if v is not None]
    if fill and len(known) > 2:  # a chapter not assessed is no point at the centre
        with pdf.local_context(fill_opacity=0.18):
            pdf.polygon(known, style="F")
    for i, j in _runs(values):
        pdf.line(*points[i], *points[j])
    for (x, y), v in zip(points, values, strict=True):
        if v is not None:
            pdf.circle(x, y, 0.8, style="F")


def _radar(pdf: _Document, data: RestitutionData, top: float) -> float:
    """The radar chart under ``top``; returns the y below it. Smaller when there is a
    chemin vers le label, so that page 1 has room for it."""
    n = len(data.chapters)
    if n == 0:
        return top
    radius, above = (PATH_RADIUS, 8.0) if data.path else (38.0, 12.0)
    cx, cy = pdf.w / 2, top + above + radius
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
        pdf.set_text_color(*(BLACK if chapter.assessed else GREY))
        pdf.text(x - pdf.get_string_width(label) / 2, y + 1.2, label)
        if not chapter.assessed:
            note = "non évalué"
            pdf.text(x - pdf.get_string_width(note) / 2, y + 4.6, note)
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
    review_polygons(data, lambda v, c: _series(pdf, cx, cy, radius, v, c, fill=False))  # issue 10
    _legend(pdf, data, top)
    pdf.set_line_width(0.2)
    if not data.path:
        return cy + radius + 14
    lowest = max(  # the baseline of the lowest label, or of its « non évalué »
        _point(cx, cy, radius + 6, i, n, LEVEL_MAX)[1] + (1.2 if c.assessed else 4.6)
        for i, c in enumerate(data.chapters)
    )
    return max(lowest + 4, cy + radius + 4)


def _legend(pdf: _Document, data: RestitutionData, top: float) -> None:
    """The swatches at the top right of the chart area; the structure's name whole, on two
    lines when it needs them (a name longer than that is cut, as in the footer)."""
    x = pdf.w - pdf.r_margin - 52
    pdf.use_font(8)
    pdf.set_text_color(*BLACK)
    name = _wrap(pdf, data.structure_name, LEGEND_WIDTH)
    if len(name) > 2:
        name = [_fit(pdf, data.structure_name, LEGEND_WIDTH)]
    entries = [
        (STRUCTURE_COLOUR, False, name),
        (MEAN_COLOUR, True, ["Moyenne du collectif"]),
        *((colour, dashed, [text]) for colour, dashed, text in review_legend(data)),
    ]
    y = top + 2
    for colour, dashed, lines in entries:
        pdf.set_draw_color(*colour)
        pdf.set_line_width(0.6)
        if dashed:
            pdf.set_dash_pattern(dash=1.6, gap=1.0)
        pdf.line(x, y, x + 7, y)
        pdf.set_dash_pattern()
        for k, text in enumerate(lines):
            pdf.text(x + 9, y + 1.1 + LEGEND_LINE * k, text)
        y += 5 + LEGEND_LINE * (len(lines) - 1)


def _cell_lines(pdf: _Document, text: str, width: float, *, wrap: bool) -> list[str]:
    """A cell's lines: a chapter title wrapped on two lines at most (a third is cut), the
    other cells split where they say so (« Restitution du\n02/12/2026 »)."""
    if not wrap:
        return _clean(text).split("\n")  # « 45 % »: its narrow space drawn as the core font can
    lines = _wrap(pdf, text, width - 3)
    return lines if len(lines) <= 2 else [lines[0], _fit(pdf, " ".join(lines[1:]), width - 3)]


def _table_row(
    pdf: _Document,
    cells: list[str],
    widths: list[float],
    top: float,
    *,
    bold: bool = False,
    header: bool = False,
) -> float:
    """One row of bordered cells, the first left-aligned, the others centred, as high as its
    longest cell; returns the y below it."""
    pdf.use_font(8.5, bold=bold or header)
    texts = [
        _cell_lines(pdf, text, width, wrap=k == 0 and not header)
        for k, (width, text) in enumerate(zip(widths, cells, strict=True))
    ]
    height = TABLE_ROW + ROW_LINE * (max(len(lines) for lines in texts) - 1)
    if header:
        pdf.rect(pdf.l_margin, top, pdf.epw, height, style="F")
    x = pdf.l_margin
    for k, (width, lines) in enumerate(zip(widths, texts, strict=True)):
        pdf.rect(x, top, width, height)
        baseline = top + 0.5 * (height - ROW_LINE * (len(lines) - 1)) + 0.3 * pdf.font_size
        for text in lines:
            left = x + 1.5 if k == 0 and not header else x + (width - _width(pdf, text)) / 2
            pdf.text(left, baseline, text)
            baseline += ROW_LINE
        x += width
    return top + height


def _scores_table(pdf: _Document, data: RestitutionData, top: float) -> None:
    """Chapter by chapter, with the previous restitution's scores when there is one; its
    label status under the table when it differs from today's."""
    before = f"{data.previous_date:%d/%m/%Y}" if data.previous_date else ""
    numbers = [23, 19, 22, 20] if before else [24, 30, 24]
    widths = [pdf.epw - sum(numbers), *numbers]
    pdf.set_line_width(0.2)
    pdf.set_draw_color(*GRID_COLOUR)
    pdf.set_fill_color(*HEADER_FILL)
    pdf.set_text_color(*BLACK)
    then = [f"Restitution du\n{before}"] if before else []
    header = ["Chapitre", *then, "Structure", "Moy. collectif", "Complétude"]
    top = _table_row(pdf, header, widths, top, header=True)
    for c in data.chapters:
        was = [format_score(c.previous)] if before else []
        cells = [
            f"{c.chapter} — {c.title}",
            *was,
            format_score(c.score) if c.assessed else "non évalué",
            format_score(c.collective_mean),
            _percent(c.completion),
        ]
        top = _table_row(pdf, cells, widths, top)
    was = [format_score(data.previous_overall)] if before else []
    total = ["Score global", *was, format_score(data.overall),
             format_score(data.collective_overall), ""]  # fmt: skip
    pdf.set_y(_table_row(pdf, total, widths, top, bold=True) + 2)
    if before and data.previous_label and data.previous_label != data.label:
        _paragraph(pdf, typeset(f"Labellisation à la restitution du {before} : "
                                f"{data.previous_label}."))  # fmt: skip


def _first_page(pdf: _Document, data: RestitutionData, title: str) -> tuple[bool, list[str]]:
    """The « so what » page: the state, the scores, three strengths, three priorities and
    the chemin vers le label, each step worded as a line of the plan de progrès, as many
    steps as fit. Returns what :func:`_path_rest` puts at the top of page 2."""
    pdf.add_page()
    _header(pdf, data, title)
    if not data.answered:
        return True, []
    below = _radar(pdf, data, pdf.get_y() + 2)
    _scores_table(pdf, data, below)
    weak = data.level_name(data.weak_level)
    _heading(
        pdf, heading_for(min(len(data.strengths), FIRST_PAGE_ITEMS), "point fort", "points forts")
    )
    _first_page_criteria(pdf, data, data.strengths, f"au-dessus du niveau {weak}")
    if not data.strengths:
        _paragraph(pdf, "Aucun critère au-dessus du niveau attendu pour le moment.")
    _heading(
        pdf, heading_for(min(len(data.weak_points), FIRST_PAGE_ITEMS), "priorité", "priorités", "e")
    )
    _first_page_criteria(pdf, data, data.weak_points, f"sous le niveau {weak}")
    if not data.weak_points:
        _paragraph(pdf, f"Aucun critère sous le niveau {weak}.")
    return _path_start(pdf, data)


def _first_page_criteria(
    pdf: _Document, data: RestitutionData, lines: Sequence[CriterionLine], where: str
) -> None:
    """Up to three criteria with their level; below three, a line says there is no other:
    « Trois priorités » over one line read as two lost."""
    for c in lines[:FIRST_PAGE_ITEMS]:
        _paragraph(
            pdf, typeset(f"{c.criterion} {c.title} — {data.level_name(c.retained)}"), bullet=True
        )
    if 0 < len(lines) < FIRST_PAGE_ITEMS:
        _paragraph(pdf, f"Aucun autre critère {where}.")


def _path_start(pdf: _Document, data: RestitutionData) -> tuple[bool, list[str]]:
    """The chemin vers le label down to the foot of the page: its heading, its note and the
    steps that fit, then « … et 7 autres changements, page suivante ». Returns whether it
    started here and the steps left (all of them when not even one fits)."""
    steps = plan_suggestions(data)
    if not steps:
        return True, []
    pdf.use_font(BODY_SIZE)
    width = pdf.w - pdf.r_margin - pdf.l_margin - BULLET_INDENT
    heights = [LINE_HEIGHT * len(_wrap(pdf, step, width)) for step in steps]
    note = LINE_HEIGHT * len(_wrap(pdf, typeset(PATH_NOTE), pdf.epw))
    more = LINE_HEIGHT if len(steps) > 1 else 0.0
    if pdf.y + HEADING_ROOM + note + heights[0] + more > pdf.page_break_trigger:
        return False, steps
    _heading(pdf, "Chemin vers le label")
    _paragraph(pdf, typeset(PATH_NOTE))
    shown = 0
    for step, height in zip(steps, heights, strict=True):
        room = LINE_HEIGHT if shown + 1 < len(steps) else 0.0  # for the « … et 7 autres »
        if pdf.y + height + room > pdf.page_break_trigger:
            break
        _paragraph(pdf, step, bullet=True)
        shown += 1
    left = len(steps) - shown
    if left:
        plural = "s" if left > 1 else ""
        _paragraph(pdf, f"… et {left} autre{plural} changement{plural}, page suivante")
    return True, steps[shown:]


def _path_rest(pdf: _Document, started: bool, steps: list[str]) -> None:
    """The steps of the chemin page 1 had no room for, first thing on page 2."""
    if not steps:
        return
    _heading(pdf, "Chemin vers le label (suite)" if started else "Chemin vers le label")
    if not started:
        _paragraph(pdf, typeset(PATH_NOTE))
    for step in steps:
        _paragraph(pdf, step, bullet=True)


def _label_section(pdf: _Document, data: RestitutionData) -> None:
    _heading(pdf, typeset(f"Labellisation : {data.label}"))
    for reason in data.label_reasons:
        _paragraph(pdf, typeset(reason), bullet=True)
    if data.label_decision:  # the committee's decision (issue 12), already typeset
        _paragraph(pdf, typeset("Décision du comité : " + data.label_decision))


def _criteria_sections(pdf: _Document, data: RestitutionData) -> None:
    _heading(pdf, "Points forts")
    for c in data.strengths:
        _paragraph(
            pdf, typeset(f"{c.criterion} {c.title} — {data.level_name(c.retained)}"), bullet=True
        )
    if not data.strengths:
        _paragraph(pdf, "Aucun critère au-dessus du niveau attendu pour le moment.")
    _heading(pdf, "Points faibles")
    for c in data.weak_points:
        mandatory = " (obligatoire pour le label)" if c.mandatory else ""
        _paragraph(
            pdf,
            typeset(
                f"{c.criterion} {c.title} — {data.level_name(c.retained)}, moyenne du collectif "
                f"{format_score(c.collective_mean)}{mandatory}"
            ),
            bullet=True,
        )
    if not data.weak_points:
        _paragraph(pdf, f"Aucun critère sous le niveau {data.level_name(data.weak_level)}.")


def _gap_detail(data: RestitutionData, g: GapLine) -> str:
    """What the levels of a gap were: the respondents' range, the retenu and the group's
    median, or the retenu and the one reviewer's level, each with its name."""
    if g.low is not None:
        return f"niveaux de {data.level_name(g.low)} à {data.level_name(g.high)}"
    retained = f"niveau retenu {data.level_name(g.retained)}"
    if g.kind == RETAINED_VS_GROUP:  # gap = retenu − median (review_gaps.gap_rows)
        median = None if g.retained is None or g.gap is None else round(g.retained - g.gap, 2)
        return f"{retained}, médiane du groupe {data.level_name(median)}"
    return f"{retained}, {_REVIEWERS.get(g.kind, 'tiers / pair')} {data.level_name(g.review)}"


def _gaps_section(pdf: _Document, data: RestitutionData) -> None:
    _heading(pdf, "Écarts à discuter")
    for g in data.gaps:
        detail = _gap_detail(data, g)
        _paragraph(pdf, typeset(f"{g.criterion} {g.title} — {g.kind} : {detail}"), bullet=True)
        if g.justification:
            _paragraph(pdf, typeset("Justification : ") + g.justification, indent=DETAIL_INDENT)
        if g.review_comment:
            who = _REVIEWERS.get(g.kind, "tiers / pair")
            _paragraph(pdf, typeset(f"Commentaire du {who} : ") + g.review_comment,
                       indent=DETAIL_INDENT)  # fmt: skip
    if not data.gaps:
        _paragraph(pdf, "Aucun écart à discuter.")


def _services_section(pdf: _Document, data: RestitutionData) -> None:
    _heading(pdf, "Offre de services")
    for s in data.services:
        _paragraph(pdf, typeset(f"{s.objective} {s.objective_title} — {s.title}"), bullet=True)
        if s.url:
            _paragraph(pdf, s.url, indent=DETAIL_INDENT)
    if not data.services:
        said = "aucune n'est liée à un objectif ou à un critère sous le niveau attendu"
        _paragraph(pdf, typeset(f"Pas de ressource à suggérer : {said}."))


def _plan_section(pdf: _Document, data: RestitutionData) -> None:
    _heading(pdf, "Plan de progrès")
    for a in data.actions:
        when = f", échéance {a.echeance:%d/%m/%Y}" if a.echeance else ""
        who = f", {a.responsable}" if a.responsable else ""
        late = " — en retard" if a.late else ""
        status = f" ({a.status_text})" if a.statut else ""
        _paragraph(pdf, f"{a.criterion} {a.action}{who}{when}{status}{late}", bullet=True)
        if a.commentaire:
            _paragraph(pdf, typeset("Commentaire : ") + a.commentaire, indent=DETAIL_INDENT)
    if not data.actions:
        _paragraph(pdf, "Aucune action saisie pour le moment.")


def restitution_pdf_bytes(
    data: RestitutionData, approach: str = "CAP RSE", before_after: Sequence[BeforeAfterLine] = ()
) -> bytes:
    """The PDF of ``data``: page 1 the scores, then the text pages, the first of them the
    « Avant / après » of a structure in a new campaign (``before_after``, issue 12)."""
    title = f"Restitution {approach}"  # the démarche of the référentiel (« CAP ISO 9001 »)
    unicode_font = _needs_unicode_font(data, before_after)
    pdf = _Document(data, unicode_font=unicode_font, footer=title)
    started, steps = _first_page(pdf, data, title)
    if data.answered:
        pdf.add_page()
        _path_rest(pdf, started, steps)
    before_after_section(pdf, before_after)  # after the header alone when nothing counts yet
    if data.answered:
        _label_section(pdf, data)
        _criteria_sections(pdf, data)
        _gaps_section(pdf, data)
        review_sections(pdf, data)  # issue 10: tiers, pair and « regards croisés »
        _services_section(pdf, data)
        _plan_section(pdf, data)
    _basis_section(pdf, data)
    return pdf.pdf_bytes()


def _basis_section(pdf: _Document, data: RestitutionData) -> None:
    """What the restitution was computed from, and how to read a half level."""
    _heading(pdf, "Calculée à partir de")
    for line in data.basis or [data.referentiel]:
        _paragraph(pdf, line, bullet=True)
    if any(c.retained is not None and not float(c.retained).is_integer()
           for c in (*data.strengths, *data.weak_points)):  # fmt: skip
        _paragraph(pdf, typeset(HALF_LEVEL_NOTE))


def write_restitution_pdf(data: RestitutionData, path: Path) -> None:
    """Write the restitution PDF atomically (temporary file, then ``os.replace``)."""
    write_bytes_atomic(path, restitution_pdf_bytes(data))

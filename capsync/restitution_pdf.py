"""A structure's restitution as a PDF, for the meeting and for e-mail.

Rendered with matplotlib alone (PdfPages on bare ``Figure`` objects, so pyplot
and the global backend are never touched), so no office suite is needed.
Page 1 has the title, the radar chart (structure vs the collectif's mean) and
the scores table; the following pages flow the label reasons, strengths, weak
points, divergences, offre de services and plan de progrès as wrapped text.
The content comes from the same
:class:`~capsync.layout.restitution.RestitutionData` as the workbook, so the
two never disagree.
"""

from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from .atomic import write_bytes_atomic
from .layout.restitution_data import RestitutionData
from .scoring import format_level, format_score

A4 = (8.27, 11.69)  # inches, portrait
LEFT, RIGHT, TOP, BOTTOM = 0.08, 0.92, 0.94, 0.06
STRUCTURE_COLOUR = "#2E75B6"
MEAN_COLOUR = "#C55A11"
WRAP = 96  # characters per line of body text at 9 pt on A4
LINE = 0.0165  # figure fraction per body line


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)} %"


def _radar(fig: Figure, data: RestitutionData) -> None:
    axes = fig.add_axes((0.2, 0.42, 0.6, 0.33), projection="polar")
    labels = [f"Ch. {c.chapter}" for c in data.chapters]
    n = len(labels)
    angles = [2 * math.pi * i / n for i in range(n)] + [0.0]

    def closed(values: list[float | None]) -> list[float]:
        found = [math.nan if v is None else v for v in values]
        return [*found, found[0]] if found else found

    structure = closed([c.score for c in data.chapters])
    mean = closed([c.collective_mean for c in data.chapters])
    axes.plot(angles, structure, color=STRUCTURE_COLOUR, linewidth=2, label=data.structure_name)
    axes.fill(
        angles, [0 if math.isnan(v) else v for v in structure], color=STRUCTURE_COLOUR, alpha=0.15
    )
    axes.plot(
        angles, mean, color=MEAN_COLOUR, linewidth=1.5, linestyle="--", label="Moyenne du collectif"
    )
    axes.set_theta_offset(math.pi / 2)  # chapter 1 at the top, then clockwise
    axes.set_theta_direction(-1)
    axes.set_xticks(angles[:-1], labels)
    axes.set_ylim(0, 4)
    axes.set_yticks([1, 2, 3, 4], ["1", "2", "3", "4"], fontsize=7)
    axes.legend(loc="upper right", bbox_to_anchor=(1.35, 1.12), fontsize=8)


def _scores_table(fig: Figure, data: RestitutionData) -> None:
    axes = fig.add_axes((LEFT, 0.1, RIGHT - LEFT, 0.27))
    axes.axis("off")
    cells = [
        [
            f"{c.chapter} — {textwrap.shorten(c.title, 52, placeholder='…')}",
            format_score(c.score),
            format_score(c.collective_mean),
            _percent(c.completion),
        ]
        for c in data.chapters
    ]
    cells.append(
        ["Score global", format_score(data.overall), format_score(data.collective_overall), ""]
    )
    table = axes.table(
        cellText=cells,
        colLabels=["Chapitre", "Structure", "Moy. collectif", "Complétude"],
        colWidths=[0.55, 0.13, 0.17, 0.15],
        loc="upper center",
        cellLoc="center",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(8.5)
    table.scale(1, 1.5)
    for (row, col), cell in table.get_celld().items():
        if row == 0 or row == len(cells):
            cell.set_text_props(fontweight="bold")
        if row == 0:
            cell.set_facecolor("#D9E1F2")
        if col == 0 and row > 0:
            cell.set_text_props(ha="left")
            cell.PAD = 0.02


def _first_page(data: RestitutionData) -> Figure:
    fig = Figure(figsize=A4)
    fig.text(LEFT, TOP, "Restitution CAP RSE", fontsize=20, fontweight="bold", va="top")
    fig.text(LEFT, TOP - 0.04, data.structure_name, fontsize=15, va="top")
    fig.text(
        LEFT,
        TOP - 0.075,
        f"{data.structure_type} · {data.collective_name}",
        fontsize=10,
        va="top",
        color="#404040",
    )
    fig.text(
        LEFT,
        TOP - 0.1,
        f"Au {data.today:%d/%m/%Y} · {data.referentiel}",
        fontsize=9,
        va="top",
        color="#7F7F7F",
    )
    label = f"Labellisation : {data.label}"
    if data.label_reasons:
        label += f" ({len(data.label_reasons)} point(s) à atteindre, voir page suivante)"
    fig.text(LEFT, TOP - 0.13, label, fontsize=10, va="top", fontweight="bold")
    _radar(fig, data)
    _scores_table(fig, data)
    return fig


@dataclass(frozen=True)
class _Line:
    text: str
    size: float = 9.0
    bold: bool = False
    indent: float = 0.0
    space_before: float = 0.0


def _paragraph(text: str, *, bullet: bool = False, indent: float = 0.0) -> list[_Line]:
    width = WRAP - (4 if bullet else 0) - int(indent * 100)
    wrapped = textwrap.wrap(text, width=width) or [""]
    lines = []
    for i, part in enumerate(wrapped):
        prefix = ("• " if i == 0 else "  ") if bullet else ""
        lines.append(_Line(prefix + part, indent=indent))
    return lines


def _heading(text: str) -> list[_Line]:
    return [_Line(text, size=12.5, bold=True, space_before=0.012)]


def _body(data: RestitutionData) -> list[_Line]:
    """Weak points, label reasons, divergences, offre de services and plan de progrès."""
    lines: list[_Line] = []
    lines += _heading(f"Labellisation : {data.label}")
    for reason in data.label_reasons:
        lines += _paragraph(reason, bullet=True)
    lines += _heading("Points forts")
    for c in data.strengths:
        lines += _paragraph(
            f"{c.criterion} {c.title} — niveau {format_level(c.retained)}", bullet=True
        )
    if not data.strengths:
        lines += _paragraph("Aucun critère au-dessus du niveau attendu pour le moment.")
    lines += _heading("Points faibles")
    for c in data.weak_points:
        mandatory = " (obligatoire pour le label)" if c.mandatory else ""
        lines += _paragraph(
            f"{c.criterion} {c.title} — niveau {format_level(c.retained)}, moyenne du collectif "
            f"{format_score(c.collective_mean)}{mandatory}",
            bullet=True,
        )
    if not data.weak_points:
        lines += _paragraph(f"Aucun critère sous le niveau {data.weak_level}.")
    lines += _heading("Écarts à discuter")
    for g in data.gaps:
        if g.low is not None:
            detail = f"niveaux de {format_level(g.low)} à {format_level(g.high)}"
        else:
            detail = f"retenu {format_level(g.retained)}, tiers / pair {format_level(g.review)}"
        lines += _paragraph(f"{g.criterion} {g.title} — {g.kind} : {detail}", bullet=True)
        for extra in (g.justification, g.review_comment):
            if extra:
                lines += _paragraph(extra, indent=0.03)
    if not data.gaps:
        lines += _paragraph("Aucun écart à discuter.")
    lines += _heading("Offre de services")
    for s in data.services:
        lines += _paragraph(f"{s.objective} {s.objective_title} — {s.title}", bullet=True)
        if s.url:
            lines += _paragraph(s.url, indent=0.03)
    if not data.services:
        lines += _paragraph("Pas de ressource à suggérer : aucun objectif sous le niveau attendu.")
    lines += _heading("Plan de progrès")
    for a in data.actions:
        when = f", échéance {a.echeance:%d/%m/%Y}" if a.echeance else ""
        who = f", {a.responsable}" if a.responsable else ""
        late = " — en retard" if a.late else ""
        status = f" ({a.statut})" if a.statut else ""
        lines += _paragraph(f"{a.criterion} {a.action}{who}{when}{status}{late}", bullet=True)
    if not data.actions:
        lines += _paragraph("Aucune action saisie pour le moment.")
    return lines


def _text_pages(data: RestitutionData) -> list[Figure]:
    pages: list[Figure] = []
    fig: Figure | None = None
    y = 0.0
    for line in _body(data):
        height = LINE * line.size / 9.0 + line.space_before
        if fig is None or y - height < BOTTOM:
            fig = Figure(figsize=A4)
            pages.append(fig)
            fig.text(RIGHT, 0.03, data.structure_name, fontsize=7, ha="right", color="#7F7F7F")
            y = TOP
        y -= height
        fig.text(
            LEFT + line.indent,
            y,
            line.text,
            fontsize=line.size,
            fontweight="bold" if line.bold else "normal",
            va="bottom",
        )
    return pages


def restitution_pdf_bytes(data: RestitutionData) -> bytes:
    """The PDF of ``data``: page 1 the scores, then the text pages."""
    buffer = io.BytesIO()
    metadata = {
        "Title": f"Restitution CAP RSE — {data.structure_name}",
        "Subject": data.collective_name,
        "Creator": "capsync",
        "CreationDate": None,
    }
    with PdfPages(buffer, metadata=metadata) as pdf:
        for fig in [_first_page(data), *_text_pages(data)]:
            pdf.savefig(fig)
    return buffer.getvalue()


def write_restitution_pdf(data: RestitutionData, path: Path) -> None:
    """Write the restitution PDF atomically (temporary file, then ``os.replace``)."""
    write_bytes_atomic(path, restitution_pdf_bytes(data))

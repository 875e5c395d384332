"""A GES's consolidated view as one landscape PDF page (« vue-groupe.pdf »), to print or send.

The members' scores per chapter side by side, the group's mean with the number of members
behind it (« moins de 3 structures » said in full), and the weak points they share. The
workbook beside it has the detail.
"""

from __future__ import annotations

from capsync.french import typeset
from capsync.layout.dashboard import FEW, FEW_ANSWERS
from capsync.layout.group_page import GroupPage
from capsync.render.pdf_text import (
    BLACK,
    CORE_ENCODING,
    GREY,
    HEADER_FILL,
    TABLE_ROW,
    _clean,
    _Document,
    _fit,
    _heading,
    _paragraph,
    _strings,
    _write,
)
from capsync.scoring.labels import format_score

NAME_WIDTH = 70.0  # mm
TYPE_WIDTH = 22.0
LABEL_WIDTH = 38.0


def _needs_unicode_font(page: GroupPage) -> bool:
    try:
        _clean("\n".join(_strings(page))).encode(CORE_ENCODING)
    except UnicodeEncodeError:
        return True
    return False


def _row(pdf: _Document, cells: list[str], widths: list[float], *, header: bool = False) -> None:
    pdf.use_font(8.5, bold=header)
    pdf.set_text_color(*BLACK)
    if header:
        pdf.set_fill_color(*HEADER_FILL)
    for i, (text, width) in enumerate(zip(cells, widths, strict=True)):
        align = "L" if i in (0, 1) or i == len(cells) - 1 else "R"
        pdf.cell(width, TABLE_ROW, _fit(pdf, text, width - 2), border=1, align=align, fill=header)
    pdf.ln(TABLE_ROW)


def _table(pdf: _Document, page: GroupPage) -> None:
    chapter_width = (pdf.epw - NAME_WIDTH - TYPE_WIDTH - LABEL_WIDTH) / (len(page.chapters) + 1)
    widths = [NAME_WIDTH, TYPE_WIDTH, *[chapter_width] * (len(page.chapters) + 1), LABEL_WIDTH]
    header = ["Structure", "Type", *(f"Ch. {c}" for c in page.chapters), "Global"]
    _row(pdf, [*header, "Labellisation"], widths, header=True)
    for m in page.members:
        scores = [format_score(s) for s in (*m.scores, m.overall)]
        _row(pdf, [m.name, m.type_text, *scores, m.label], widths)
    means = [f"{format_score(line.mean)} ({line.n})" if line.n else "—" for line in page.means]
    _row(pdf, ["Moyenne du groupe (structures)", "", *means, "", ""], widths, header=True)


def group_view_pdf_bytes(page: GroupPage) -> bytes:
    """The group's page: title, the members' table, the group's mean, shared weak points."""
    pdf = _Document(
        page,
        unicode_font=_needs_unicode_font(page),
        footer="Vue du groupe CAP RSE",
        orientation="L",
    )
    pdf.add_page()
    _write(pdf, typeset(f"Vue du groupe — {page.structure_name}"), size=16, bold=True)
    subtitle = (
        f"{page.collective_name} · au {page.today:%d/%m/%Y} · scores de 0 à 4 des structures "
        "membres, chacune évaluée sur sa propre grille."
    )
    _write(pdf, typeset(subtitle), size=9, colour=GREY)
    pdf.ln(3)
    _table(pdf, page)
    few = [line.chapter for line in page.means if 0 < line.n < FEW]
    note = "Entre parenthèses : le nombre de structures derrière chaque moyenne."
    if few:
        which = f"Chapitre {few[0]}" if len(few) == 1 else f"Chapitres {', '.join(few)}"
        note += f" {which} : {FEW_ANSWERS}, à lire avec prudence."
    _write(pdf, typeset(note), size=8.5, colour=GREY)
    _heading(pdf, "Points faibles communs")
    if not page.weak:
        _paragraph(
            pdf,
            typeset(f"Aucun critère sous le niveau {page.weak_level} dans deux structures "
                    "membres à la fois pour le moment."),
        )  # fmt: skip
    for criterion, title, point in page.weak[:12]:
        text = (
            f"{criterion} {title} — sous le niveau {page.weak_level} dans "
            f"{len(point.members)} structures sur {point.n_answered} : {', '.join(point.members)}"
        )
        _paragraph(pdf, typeset(text), bullet=True)
    return pdf.pdf_bytes()

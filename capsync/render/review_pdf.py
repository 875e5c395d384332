"""The review and the « regards croisés » in a restitution's PDF.

Kept apart from :mod:`.restitution_pdf`, which calls three hooks: the tiers'
and the pair's polygons on the radar (:func:`review_polygons`, drawn by the
caller's own series function so both look alike), their legend entries
(:func:`review_legend`), and the two text sections (:func:`review_sections`).
The content is the :class:`~capsync.layout.review_views.StructureReview` of the
restitution's data, as in the workbook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from capsync.french import typeset
from capsync.layout.restitution_data import RestitutionData
from capsync.layout.review_views import PAIR_SERIES, TIERS_SERIES, ReviewChapter
from capsync.layout.role_views import HIDDEN, NO_ANSWER, NOTE, ROLE_TITLES, RoleCell
from capsync.render.pdf_text import DETAIL_INDENT, Colour, _Document, _heading, _paragraph
from capsync.scoring.participation import MIN_GROUP
from capsync.scoring.scores import format_score

TIERS_COLOUR: Colour = (0x38, 0x8E, 0x3C)
PAIR_COLOUR: Colour = (0x7B, 0x1F, 0xA2)
Draw = Callable[[list[float | None], Colour], None]


def review_polygons(data: RestitutionData, draw: Draw) -> None:
    """The tiers' and the pair's chapter levels, when they rated anything."""
    review = data.review
    if review.has_tiers:
        draw([c.tiers for c in review.chapters], TIERS_COLOUR)
    if review.has_pair:
        draw([c.pair for c in review.chapters], PAIR_COLOUR)


def review_legend(data: RestitutionData) -> list[tuple[Colour, bool, str]]:
    """Legend entries (colour, dashed, text) for the polygons :func:`review_polygons` drew."""
    review = data.review
    entries: list[tuple[Colour, bool, str]] = []
    if review.has_tiers:
        entries.append((TIERS_COLOUR, False, TIERS_SERIES))
    if review.has_pair:
        entries.append((PAIR_COLOUR, False, PAIR_SERIES))
    return entries


def _signed(value: float | None) -> str:
    if value is None:
        return "—"
    text = format_score(abs(value))
    return text if round(value, 1) == 0 else ("+" if value > 0 else "−") + text


def _reviewer(name: str, n: int, own: float | None, level: float | None, gap: float | None) -> str:
    plural = "s" if n > 1 else ""
    return (
        f"{name} {format_score(level)} sur {n} critère{plural} (auto-évaluation "
        f"{format_score(own)}, écart {_signed(gap)})"
    )


def chapter_sentence(c: ReviewChapter) -> str:
    """« 1 — Gouvernance : tiers 1,3 sur 3 critères (auto-évaluation 1,7, écart +0,3) ; … »."""
    parts = []
    if c.tiers is not None:
        parts.append(_reviewer("tiers", c.tiers_n, c.tiers_self, c.tiers, c.tiers_gap))
    if c.pair is not None:
        who = f"pair ({c.pair_name})" if c.pair_name else "pair"
        parts.append(_reviewer(who, c.pair_n, c.pair_self, c.pair, c.pair_gap))
    return typeset(f"{c.chapter} — {c.title} : " + " ; ".join(parts))


def _review_section(pdf: _Document, data: RestitutionData) -> None:
    review = data.review
    _heading(pdf, "Auto-évaluation, tiers et pair")
    if not review.reviewed:
        _paragraph(pdf, "Aucun niveau tiers ni pair saisi pour le moment.")
        return
    if review.tiers_names:
        _paragraph(pdf, typeset(f"Tiers : {review.tiers_names}."))
    _paragraph(
        pdf,
        typeset(
            "Écart = auto-évaluation − niveau du relecteur, sur les critères qu'il ou elle a "
            "notés (positif : la structure se voit plus haut)."
        ),
    )
    for c in review.chapters:
        if c.tiers is not None or c.pair is not None:
            _paragraph(pdf, chapter_sentence(c), bullet=True)


def _cell(cell: RoleCell) -> str:
    if cell.mean is None:
        return f"{HIDDEN} ({cell.respondents})" if cell.respondents else NO_ANSWER
    return f"{format_score(cell.mean)} ({cell.respondents})"


def _roles(cells: Mapping[str, RoleCell], nobody: str) -> str:
    """« Direction 2,8 (5), Permanent·e·s moins de 3 (2), … », or ``nobody`` when no one of
    any role answered: four « — » in a row read as a fault, not as a chapter not assessed."""
    if not any(cells[r].respondents for r in ROLE_TITLES):
        return nobody
    return ", ".join(f"{t} {_cell(cells[r])}" for r, t in ROLE_TITLES.items())


def _regards_section(pdf: _Document, data: RestitutionData) -> None:
    regards = data.review.regards
    _heading(pdf, "Regards croisés")
    _paragraph(pdf, typeset(NOTE + " Entre parenthèses : le nombre de personnes."))
    if not regards.shown:
        _paragraph(
            pdf,
            typeset(
                f"Aucun rôle ne compte encore {MIN_GROUP} répondant·e·s sur un même chapitre : "
                "rien n'est affiché, pour que personne ne puisse être reconnu·e."
            ),
        )
        return
    own = any(c.mean is not None for line in regards.lines for c in line.structure.values())
    if not own:
        _paragraph(
            pdf,
            typeset(
                f"Dans la structure, aucun rôle ne compte {MIN_GROUP} répondant·e·s sur un "
                "chapitre : seules les moyennes du collectif sont données."
            ),
        )
    for line in regards.lines:
        everyone = _roles(line.collective, "personne n'a encore répondu au chapitre")
        if not own:
            _paragraph(pdf, typeset(f"{line.chapter} — {line.title} : {everyone}"), bullet=True)
            continue
        mine = _roles(line.structure, "chapitre pas encore évalué")
        _paragraph(pdf, typeset(f"{line.chapter} — {line.title}"), bullet=True)
        _paragraph(pdf, typeset(f"Structure : {mine}"), indent=DETAIL_INDENT)
        _paragraph(pdf, typeset(f"Collectif : {everyone}"), indent=DETAIL_INDENT)


def review_sections(pdf: _Document, data: RestitutionData) -> None:
    """The review, then the « regards croisés », as text sections."""
    _review_section(pdf, data)
    _regards_section(pdf, data)

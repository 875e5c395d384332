"""Self-assessment against the tiers and the pair, per chapter and per criterion (pure).

What the évaluation complémentaire changed: for each chapter, the
structure's retained levels on the criteria the tiers rated next to the
tiers' levels, likewise for the pair (:mod:`capsync.scoring.review_summary`
says why on the same criteria), and the reviewed criteria one by one. The
dashboard shows it for every structure (« Revue tiers et pair »), the
restitution for its structure, with the tiers' and the pair's polygons on its
radar when there is a review. Reviewers are named (they are délégué·e·s and
pairs, not respondents).
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from capsync.campaign.config import Collective, Structure
from capsync.campaign.referentiel import Referentiel
from capsync.french import typeset
from capsync.layout.role_views import (
    Regards,
    restitution_regards,
    restitution_regards_sheet,
)
from capsync.layout.tables import (
    FIRST_ROW,
    Column,
    chapter_label,
    frame_rows,
    integer,
    number,
    span_title_and_note,
    table_sheet,
)
from capsync.scoring.participation import role_means
from capsync.scoring.review_summary import review_chapters
from capsync.workbook.spec import CellRange, ChartKind, Series, SheetSpec, Style, Value

REVIEW_SHEET = "Revue tiers et pair"
TIERS_SERIES = "Tiers"
PAIR_SERIES = "Pair"
NOTE = (
    "Pour chaque relecteur·rice, l'auto-évaluation est prise sur les critères qu'il ou elle a "
    "notés : « Écart » = auto-évaluation − niveau du relecteur (positif : la structure se voit "
    "plus haut). Niveaux moyens pondérés comme le score du chapitre."
)


@dataclass(frozen=True)
class ReviewChapter:
    chapter: str
    title: str
    tiers_n: int
    tiers_self: float | None
    tiers: float | None
    tiers_gap: float | None
    pair_name: str
    pair_n: int
    pair_self: float | None
    pair: float | None
    pair_gap: float | None


@dataclass(frozen=True)
class ReviewCriterion:
    criterion: str
    chapter: str
    title: str
    retained: float | None
    tiers: float | None
    tiers_gap: float | None
    pair: float | None
    pair_gap: float | None


@dataclass(frozen=True)
class StructureReview:
    """How others see a structure: the tiers and the pair per chapter (document order) and
    per reviewed criterion, and the « regards croisés » of its roles."""

    tiers_names: str = ""
    chapters: list[ReviewChapter] = field(default_factory=list)
    criteria: list[ReviewCriterion] = field(default_factory=list)
    regards: Regards = field(default_factory=Regards)  # the structure's roles, and the collectif's
    threshold: float = 2.0  # the référentiel's divergence_threshold: a gap this large is red

    @property
    def has_tiers(self) -> bool:
        return any(c.tiers is not None for c in self.chapters)

    @property
    def has_pair(self) -> bool:
        return any(c.pair is not None for c in self.chapters)

    @property
    def reviewed(self) -> bool:
        return self.has_tiers or self.has_pair


def tiers_names(collective: Collective) -> str:
    return ", ".join(d.name for d in collective.tiers)


def pair_name(structure: Structure, chapter: str) -> str:
    pair = structure.pair_for(chapter)
    return pair.name if pair is not None else ""


def _chapter_line(
    structure: Structure, chapter_id: str, title: str, r: Mapping[str, object]
) -> ReviewChapter:
    return ReviewChapter(
        chapter=chapter_id,
        title=title,
        tiers_n=integer(r.get("tiers_n")) or 0,
        tiers_self=number(r.get("tiers_self")),
        tiers=number(r.get("tiers_mean")),
        tiers_gap=number(r.get("tiers_gap")),
        pair_name=pair_name(structure, chapter_id),
        pair_n=integer(r.get("pair_n")) or 0,
        pair_self=number(r.get("pair_self")),
        pair=number(r.get("pair_mean")),
        pair_gap=number(r.get("pair_gap")),
    )


class CollectiveAnswers(Protocol):
    """What a restitution's collectif view gives here: the answers, split by structure."""

    @property
    def answers(self) -> dict[str, pd.DataFrame]: ...


_COLLECTIVE_MEANS: weakref.WeakKeyDictionary[Any, pd.DataFrame] = weakref.WeakKeyDictionary()


def collective_role_means(
    collective: Collective, referentiel: Referentiel, view: CollectiveAnswers
) -> pd.DataFrame:
    """The collectif's « regards croisés », computed once per collectif view (a sync builds
    hundreds of restitutions from one view: once each would be quadratic)."""
    found = _COLLECTIVE_MEANS.get(view)
    if found is None:
        frames = [f for f in view.answers.values() if not f.empty]
        answers = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        found = _COLLECTIVE_MEANS[view] = role_means(collective, referentiel, answers)
    return found


def structure_review(
    collective: Collective,
    referentiel: Referentiel,
    structure_id: str,
    mine: pd.DataFrame,
    view: CollectiveAnswers,
) -> StructureReview:
    """How others see one structure: the tiers and the pair, from its rows of the criteria
    frame (``mine``), and its roles' « regards croisés » next to the collectif's."""
    structure = collective.structure(structure_id)
    answers = view.answers.get(structure_id, pd.DataFrame())
    means = collective_role_means(collective, referentiel, view)
    regards = restitution_regards(collective, referentiel, structure_id, answers, means)
    found = {str(r["chapter"]): r for r in frame_rows(review_chapters(mine))}
    chapters = [
        _chapter_line(structure, ch.id, ch.title, found.get(ch.id, {}))
        for ch in referentiel.chapters
    ]
    criteria = [
        ReviewCriterion(
            criterion=str(r["criterion"]),
            chapter=str(r["chapter"]),
            title=referentiel.criteria[str(r["criterion"])].title,
            retained=number(r.get("retained")),
            tiers=number(r.get("tiers")),
            tiers_gap=number(r.get("tiers_gap")),
            pair=number(r.get("pair")),
            pair_gap=number(r.get("pair_gap")),
        )
        for r in frame_rows(mine)
        if number(r.get("tiers")) is not None or number(r.get("pair")) is not None
    ]
    threshold = float(referentiel.scoring.divergence_threshold)
    return StructureReview(tiers_names(collective), chapters, criteria, regards, threshold)


CHAPTER_COLUMNS = (
    Column("Chapitre", 36),
    Column("Critères notés par le tiers", 11, Style.INTEGER),
    Column("Auto-évaluation (mêmes critères)", 13, Style.SCORE),
    Column("Niveau tiers", 10, Style.SCORE),
    Column("Écart tiers", 9, Style.SCORE),
    Column("Pair", 22),
    Column("Critères notés par le pair", 11, Style.INTEGER),
    Column("Auto-évaluation (mêmes critères)", 13, Style.SCORE),
    Column("Niveau pair", 10, Style.SCORE),
    Column("Écart pair", 9, Style.SCORE),
)
TIERS_COL, PAIR_COL = 3, 8  # in CHAPTER_COLUMNS: the radar's review series


def chapter_values(c: ReviewChapter) -> list[Value]:
    return [
        f"{c.chapter} — {c.title}",
        c.tiers_n,
        c.tiers_self,
        c.tiers,
        c.tiers_gap,
        c.pair_name,
        c.pair_n,
        c.pair_self,
        c.pair,
        c.pair_gap,
    ]


def _far(
    sheet: SheetSpec, rows: list[list[Value]], cols: tuple[int, ...], threshold: float
) -> None:
    """A chapter gap of ``threshold`` or more (the « à discuter » distance) in red."""
    for r, row in enumerate(rows):
        for c in cols:
            value = row[c]
            if isinstance(value, float) and abs(value) >= threshold:
                sheet.cell_styles[(FIRST_ROW + r, c)] = Style.WARNING


def dashboard_review_sheet(
    collective: Collective, referentiel: Referentiel, criteria: pd.DataFrame
) -> SheetSpec:
    """Every structure × chapter of the collectif that a tiers or a pair reviewed."""
    names = {s.id: s.name for s in collective.structures}
    titles = {c.id: chapter_label(c) for c in referentiel.chapters}
    order = {s.id: i for i, s in enumerate(collective.structures)}
    rows: list[list[Value]] = []
    found = frame_rows(review_chapters(criteria))
    chapters = {c: i for i, c in enumerate(titles)}
    found.sort(
        key=lambda r: (
            order.get(str(r["structure"]), len(order)),
            chapters.get(str(r["chapter"]), 0),
        )
    )
    for r in found:
        if str(r["structure"]) not in names or not (r["tiers_n"] or r["pair_n"]):
            continue
        structure = collective.structure(str(r["structure"]))
        line = _chapter_line(structure, str(r["chapter"]), "", r)
        values = chapter_values(line)
        values[0] = titles.get(line.chapter, line.chapter)
        rows.append([structure.name, *values])
    tiers = tiers_names(collective) or "aucun tiers dans la configuration"
    sheet = table_sheet(
        REVIEW_SHEET,
        "Auto-évaluation, tiers et pair",
        typeset(f"Tiers : {tiers}. " + NOTE),
        [Column("Structure", 28), *CHAPTER_COLUMNS],
        rows,
        empty_message="Aucun niveau tiers ni pair saisi pour le moment.",
    )
    sheet.freeze_cols = 2
    span_title_and_note(sheet)
    _far(sheet, rows, (5, 10), referentiel.scoring.divergence_threshold)
    return sheet


def restitution_review_sheet(review: StructureReview) -> SheetSpec:
    """Per chapter (rows :data:`FIRST_ROW` on, the radar's review series), then per criterion."""
    rows: list[list[Value]] = [chapter_values(c) for c in review.chapters]
    tiers = review.tiers_names or "aucun tiers dans la configuration"
    sheet = table_sheet(
        REVIEW_SHEET,
        "Auto-évaluation, tiers et pair",
        typeset(f"Tiers : {tiers}. " + NOTE),
        list(CHAPTER_COLUMNS),
        rows,
        empty_message="Le référentiel n'a pas de chapitre.",
    )
    _far(sheet, rows, (4, 9), review.threshold)
    _criteria_block(sheet, review)
    span_title_and_note(sheet)
    return sheet


CRITERIA_HEADER: list[Value] = ["Critère", "", "Niveau retenu", "Niveau tiers", "Écart tiers",
                                 "", "", "Niveau retenu", "Niveau pair", "Écart pair"]  # fmt: skip
"""Under the chapter table, aligned with its columns."""


def _criteria_block(sheet: SheetSpec, review: StructureReview) -> None:
    """Each reviewed criterion under the chapter table, in the same columns."""
    header = len(sheet.rows) + 1
    sheet.rows += [[], list(CRITERIA_HEADER)]
    sheet.row_styles[header] = Style.HEADER
    for c in review.criteria:
        own = c.retained if c.tiers is not None else None
        sheet.rows.append([f"{c.criterion} — {c.title}", None, own, c.tiers, c.tiers_gap,
                           None, None, c.retained if c.pair is not None else None, c.pair,
                           c.pair_gap])  # fmt: skip
        r = len(sheet.rows) - 1
        for col in (2, 3, 4, 7, 8, 9):
            sheet.cell_styles[(r, col)] = Style.LEVEL
        for col, gap in ((4, c.tiers_gap), (9, c.pair_gap)):
            if gap is not None and abs(gap) >= review.threshold:
                sheet.cell_styles[(r, col)] = Style.WARNING
    if not review.criteria:
        sheet.rows.append(["Aucun critère revu pour le moment."])
        sheet.row_styles[len(sheet.rows) - 1] = Style.NOTE


def add_review_polygons(summary: SheetSpec, review: StructureReview) -> None:
    """The tiers' and the pair's chapter levels as polygons on the summary's radar chart,
    read from the review sheet (whose chapter rows are in the radar's order)."""
    radar = next((c for c in summary.charts if c.kind == ChartKind.RADAR), None)
    if radar is None or not review.reviewed:
        return
    first, last = FIRST_ROW, FIRST_ROW + len(review.chapters) - 1
    extra = [
        Series(name, CellRange(first, col, last, col, sheet=REVIEW_SHEET))
        for name, col, present in (
            (TIERS_SERIES, TIERS_COL, review.has_tiers),
            (PAIR_SERIES, PAIR_COL, review.has_pair),
        )
        if present
    ]
    index = summary.charts.index(radar)
    names = " et ".join(s.name.lower() for s in extra)
    summary.charts[index] = dataclasses.replace(
        radar, title=f"{radar.title}, {names}", series=(*radar.series, *extra)
    )


AFTER_SHEET = "Écarts à discuter"
"""The restitution sheet the review and the « regards croisés » follow."""


def with_review_sheets(
    sheets: list[SheetSpec], review: StructureReview, structure_name: str
) -> list[SheetSpec]:
    """A restitution's sheets with « Revue tiers et pair » and « Regards croisés » after its
    « Écarts à discuter » (at the end if it has none), and the review polygons on its radar."""
    added = [
        restitution_review_sheet(review),
        restitution_regards_sheet(review.regards, structure_name),
    ]
    for sheet in sheets:
        add_review_polygons(sheet, review)
    names = [s.name for s in sheets]
    at = names.index(AFTER_SHEET) + 1 if AFTER_SHEET in names else len(sheets)
    return [*sheets[:at], *added, *sheets[at:]]

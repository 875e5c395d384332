"""« Regards croisés »: how each role sees each chapter, for the dashboard and the restitution.

The mean level per chapter of the direction, the permanent·e·s, the
administrateur·rice·s and the salarié·e·s en parcours, with the number of
people behind each mean. A mean is shown only when at least
:data:`~capsync.scoring.participation.MIN_GROUP` (3) people of that role
answered the chapter, so that nobody can be singled out:

- the dashboard shows the collectif's means (everyone of that role in the
  collectif);
- a structure's restitution shows its own means (its people only, at least 3
  of the role) and the collectif's; there, the collectif's mean is left out
  when the other structures have only 1 or 2 people of that role, since a
  reader who knows their own people's answers could work out theirs.

Pure: frames in, :class:`Regards` and sheets out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from capsync.campaign.config import Collective
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.vocabulary import RespondentRole
from capsync.french import typeset
from capsync.layout.tables import (
    FIRST_ROW,
    Column,
    chapter_label,
    frame_rows,
    number,
    span_title_and_note,
    table_sheet,
)
from capsync.scoring.labels import round_score
from capsync.scoring.participation import MIN_GROUP, role_means, role_means_of
from capsync.workbook.spec import SheetSpec, Style, Value

REGARDS_SHEET = "Regards croisés"
ROLE_TITLES = {
    RespondentRole.DIRECTION.value: "Direction",
    RespondentRole.PERMANENT.value: "Permanent·e·s",
    RespondentRole.ADMINISTRATEUR.value: "Administrateur·rice·s",
    RespondentRole.SALARIE_PARCOURS.value: "Salarié·e·s en parcours",
}
HIDDEN = f"moins de {MIN_GROUP}"
NO_ANSWER = "aucune réponse"  # « moins de 3 » beside « 0 personne » read as a riddle
NOTE = (
    "Niveau moyen donné par les répondant·e·s de chaque rôle (chaque personne compte pour une "
    "voix : la moyenne de ses niveaux dans le chapitre). Une moyenne n'est affichée que si "
    f"{MIN_GROUP} personnes au moins de ce rôle ont répondu au chapitre : en dessous, « {HIDDEN} » "
    f"(« {NO_ANSWER} » quand personne de ce rôle n'a répondu)."
)


@dataclass(frozen=True)
class RoleCell:
    """The people of one role behind a mean, and the mean (None when not shown)."""

    respondents: int
    mean: float | None


@dataclass(frozen=True)
class RegardsLine:
    chapter: str
    title: str
    structure: dict[str, RoleCell] = field(default_factory=dict)  # role → cell
    collective: dict[str, RoleCell] = field(default_factory=dict)


@dataclass(frozen=True)
class Regards:
    """A restitution's « regards croisés », per chapter in document order."""

    lines: list[RegardsLine] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        """Whether any mean is shown at all (else the section says why not)."""
        return any(
            cell.mean is not None
            for line in self.lines
            for cell in (*line.structure.values(), *line.collective.values())
        )


def _cells(frame: pd.DataFrame) -> dict[tuple[str, str], RoleCell]:
    return {
        (str(r["chapter"]), str(r["role"])): RoleCell(
            int(r["respondents"]), number(r["mean"]) if r["shown"] else None
        )
        for r in frame_rows(frame)
    }


def _as_shown(cell: RoleCell) -> RoleCell:
    """The collectif's mean to one decimal, as it is shown: a structure keeps its dated
    restitutions, and two unrounded means of a role a person joined in between gave that
    person's exact mean (6 × 2,181 − 5 × 2,173 = 2,22)."""
    if cell.mean is None:
        return cell
    return RoleCell(cell.respondents, float(round_score(cell.mean)))


def restitution_regards(
    collective: Collective,
    referentiel: Referentiel,
    structure_id: str,
    answers: pd.DataFrame,
    collective_means: pd.DataFrame | None,
) -> Regards:
    """The structure's own means (from its ``answers``) next to the collectif's
    (``collective_means``, :func:`~capsync.scoring.participation.role_means` of the whole
    collectif, computed once per collectif)."""
    own = _cells(role_means(collective, referentiel, answers, structures=[structure_id]))
    everyone = _cells(collective_means) if collective_means is not None else {}
    lines = []
    for chapter in referentiel.chapters:
        mine: dict[str, RoleCell] = {}
        theirs: dict[str, RoleCell] = {}
        for role in ROLE_TITLES:
            cell = own.get((chapter.id, role), RoleCell(0, None))
            whole = everyone.get((chapter.id, role), RoleCell(0, None))
            others = whole.respondents - cell.respondents
            safe = others == 0 or others >= MIN_GROUP
            mine[role] = cell
            theirs[role] = _as_shown(whole) if safe else RoleCell(whole.respondents, None)
        lines.append(RegardsLine(chapter.id, chapter.title, mine, theirs))
    return Regards(lines)


def _role_columns() -> list[Column]:
    columns: list[Column] = []
    for title in ROLE_TITLES.values():
        columns.append(Column(f"{title} — niveau moyen", 13, Style.SCORE))
        columns.append(Column(f"{title} — personnes", 11, Style.INTEGER))
    return columns


def _role_values(cells: dict[str, RoleCell]) -> list[Value]:
    values: list[Value] = []
    for role in ROLE_TITLES:
        cell = cells.get(role, RoleCell(0, None))
        values += [_shown(cell), cell.respondents]
    return values


def _hidden_notes(sheet: SheetSpec, rows: list[list[Value]]) -> None:
    """A hidden mean reads as a note, not as a number."""
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value in (HIDDEN, NO_ANSWER):
                sheet.cell_styles[(FIRST_ROW + r, c)] = Style.NOTE


def dashboard_regards_sheet(
    collective: Collective, referentiel: Referentiel, respondents: pd.DataFrame
) -> SheetSpec:
    """The collectif's « Regards croisés »: one row per chapter, a mean and a count per role,
    from its :func:`~capsync.scoring.participation.respondent_answers` (shared with
    « Participation »)."""
    cells = _cells(role_means_of(referentiel, respondents))
    rows: list[list[Value]] = [
        [
            chapter_label(chapter),
            *_role_values({role: cells[(chapter.id, role)] for role in ROLE_TITLES}),
        ]
        for chapter in referentiel.chapters
    ]
    sheet = table_sheet(
        REGARDS_SHEET,
        f"Regards croisés — {collective.name}",
        typeset(NOTE),
        [Column("Chapitre", 40), *_role_columns()],
        rows,
        empty_message="Le référentiel n'a pas de chapitre.",
    )
    _hidden_notes(sheet, rows)
    span_title_and_note(sheet)
    return sheet


def restitution_regards_sheet(regards: Regards, structure_name: str) -> SheetSpec:
    """A restitution's « Regards croisés »: one row per chapter and role, the structure's
    mean and count next to the collectif's."""
    rows: list[list[Value]] = []
    for line in regards.lines:
        for role, title in ROLE_TITLES.items():
            mine, everyone = line.structure[role], line.collective[role]
            counts = [_shown(mine), mine.respondents, _shown(everyone), everyone.respondents]
            rows.append([f"{line.chapter} — {line.title}", title, *counts])
    columns = [
        Column("Chapitre", 40),
        Column("Rôle", 22),
        Column("Structure — niveau moyen", 13, Style.SCORE),
        Column("Structure — personnes", 12, Style.INTEGER),
        Column("Collectif — niveau moyen", 13, Style.SCORE),
        Column("Collectif — personnes", 12, Style.INTEGER),
    ]
    sheet = table_sheet(
        REGARDS_SHEET,
        f"Regards croisés — {structure_name}",
        typeset(
            NOTE + " La moyenne du collectif n'est pas affichée quand les autres structures "
            "ont une ou deux personnes de ce rôle."
        ),
        columns,
        rows,
        empty_message="Le référentiel n'a pas de chapitre.",
    )
    _hidden_notes(sheet, rows)
    span_title_and_note(sheet)
    return sheet


def _shown(cell: RoleCell) -> Value:
    """The mean, or why there is none: nobody of the role answered, or too few to show it."""
    if cell.mean is not None:
        return cell.mean
    return NO_ANSWER if cell.respondents == 0 else HIDDEN

"""One respondent's personal file, as a :class:`~capsync.workbook.spec.WorkbookSpec` (pure).

When a structure works with one file per respondent (``capsync generate
--individuel``), each person gets a small workbook of their own: the criteria
that apply to the structure, with their level descriptions beside them, and
two columns to fill, « Mon niveau » and « Mon commentaire ». Nothing of
anybody else is in it, so it can be e-mailed and returned without exposing or
erasing anyone's answers: reading it changes only its respondent's column
(see :mod:`capsync.store.ownership`), and the answers reach the shared grid's
respondent column at the next ``capsync generate --upgrade``.

Its hidden identity says ``grille-personnelle`` and names the one respondent
key; the chapter sheets carry the same hidden key row as the grid (``id``,
``r:<respondent>``, ``r:<respondent>:commentaire``), so the parser finds the
columns however the sheet was edited.
"""

from __future__ import annotations

from capsync.campaign.config import Collective, Structure
from capsync.campaign.referentiel import Referentiel
from capsync.french import typeset
from capsync.layout.grid import archive_sheet
from capsync.layout.grid_chapter import levels_text, typeset_rows
from capsync.parse.answers import OWN_COMMENT_SUFFIX
from capsync.parse.personal import PERSONAL_KIND
from capsync.workbook.grid_schema import (
    COL_CRITERION,
    COL_ID,
    COL_LEVELS,
    COL_QUESTION,
    FIRST_DATA_ROW,
    GUIDE_SHEET,
    HEADER_ROW,
    KEY_ROW,
    LAYOUT_VERSION,
    TITLE_ROW,
    Carried,
    RespondentColumn,
    chapter_sheet_name,
)
from capsync.workbook.identity import Identity
from capsync.workbook.spec import CellRange, ListValidation, SheetSpec, Style, Value, WorkbookSpec

LEVEL_HEADER = "Mon niveau"
COMMENT_HEADER = "Mon commentaire"
LEVEL_MESSAGE = "Choisissez un niveau dans la liste (ou tapez son chiffre)."


def personal_columns(respondent: RespondentColumn) -> list[tuple[str, str, float, Style]]:
    """(key, header, width, style) of a personal chapter sheet, left to right: what to
    read first, then the two cells to fill, then the long level descriptions.

    All six fit a 1366 × 768 screen in LibreOffice (docs/grid.md « Premier écran »):
    the descriptions are read beside the cell they help fill."""
    return [
        (COL_ID, "ID", 6, Style.LOCKED),
        (COL_CRITERION, "Critère", 16, Style.LOCKED),
        (COL_QUESTION, "Question", 26, Style.TEXT),
        (respondent.key, LEVEL_HEADER, 12, Style.INPUT),
        (f"{respondent.key}{OWN_COMMENT_SUFFIX}", COMMENT_HEADER, 16, Style.INPUT),
        (COL_LEVELS, "Niveaux de maturité pour ce critère", 46, Style.TEXT),
    ]


def _guide(structure: Structure, respondent: RespondentColumn) -> SheetSpec:
    lines = [
        f"CAP RSE — ma grille personnelle — {respondent.header}",
        f"Structure : {structure.name}",
        "",
        "1. Dans chaque onglet « Chapitre », lisez le critère, la question et les niveaux "
        "(à droite), puis choisissez « Mon niveau » dans la liste.",
        "2. Vous pouvez expliquer votre choix dans « Mon commentaire » (facultatif).",
        "3. « Ne sait pas » est une réponse : elle ne compte pas dans la moyenne.",
        "4. Enregistrez le fichier et renvoyez-le à votre structure ou à la déléguée "
        "(par courriel, sans changer son format si possible) ; vous pouvez le renvoyer "
        "plusieurs fois, seules vos réponses sont reprises.",
        "Vos réponses rejoignent la grille commune de la structure, qui fixe ensuite le "
        "« niveau retenu » ensemble.",
    ]
    rows: list[list[Value]] = [[line] for line in lines]
    typeset_rows(rows)
    return SheetSpec(
        name=GUIDE_SHEET,
        rows=rows,
        column_widths=[110],
        row_styles={0: Style.TITLE, 1: Style.NOTE},
        column_styles=[Style.TEXT],
        protected=True,
    )


def _chapter(
    referentiel: Referentiel,
    structure: Structure,
    respondent: RespondentColumn,
    chapter_id: str,
    carried: Carried,
) -> SheetSpec | None:
    chapter = referentiel.chapter(chapter_id)
    criteria = [c for c in chapter.criteria if c.applies_to(structure.all_types)]
    if not criteria:
        return None
    columns = personal_columns(respondent)
    rows: list[list[Value]] = [
        [f"Chapitre {chapter.id} — {chapter.title}"],
        [key for key, _, _, _ in columns],
        [header for _, header, _, _ in columns],
    ]
    comment = f"{respondent.key}{OWN_COMMENT_SUFFIX}"
    for criterion in criteria:
        rows.append(
            [
                criterion.id,
                criterion.title,
                criterion.question,
                None,
                None,
                levels_text(referentiel, criterion),
            ]
        )
    typeset_rows(rows, TITLE_ROW)
    rows[KEY_ROW] = [key for key, _, _, _ in columns]
    for r, criterion in enumerate(criteria, start=FIRST_DATA_ROW):  # as typed, after typesetting
        rows[r][3] = carried.answers.get((criterion.id, respondent.key))
        rows[r][4] = carried.answers.get((criterion.id, comment))
    last = FIRST_DATA_ROW + len(criteria) - 1
    level_col = 3
    return SheetSpec(
        name=chapter_sheet_name(chapter.id),
        rows=rows,
        column_widths=[width for _, _, width, _ in columns],
        column_styles=[style for _, _, _, style in columns],
        row_styles={TITLE_ROW: Style.TITLE, HEADER_ROW: Style.HEADER},
        hidden_rows=(KEY_ROW,),
        freeze_rows=FIRST_DATA_ROW,
        freeze_cols=2,
        validations=[
            ListValidation(
                CellRange(FIRST_DATA_ROW, level_col, last, level_col),
                tuple(referentiel.scale.choice_labels()),
                LEVEL_MESSAGE,
            )
        ],
        protected=True,
    )


def personal_spec(
    referentiel: Referentiel,
    collective: Collective,
    structure: Structure,
    respondent: RespondentColumn,
    carried: Carried | None = None,
) -> WorkbookSpec:
    """The personal file of one respondent of ``structure``; ``carried`` fills it with what
    its previous version held (:mod:`capsync.parse.carry_personal`), as typed."""
    carried = carried or Carried()
    sheets = [_guide(structure, respondent)]
    for chapter in referentiel.chapters:
        sheet = _chapter(referentiel, structure, respondent, chapter.id, carried)
        if sheet is not None:
            sheets.append(sheet)
    if carried.archive_rows:
        sheets.append(archive_sheet(carried.archive_rows))
    identity = Identity(
        kind=PERSONAL_KIND,
        collective=collective.id,
        structure=structure.id,
        referentiel_id=referentiel.id,
        referentiel_version=referentiel.version,
        layout_version=LAYOUT_VERSION,
        respondents=(respondent.key,),
    )
    return WorkbookSpec(
        title=typeset(
            f"{referentiel.approach} — grille personnelle — {respondent.header} — {structure.name}"
        ),
        sheets=sheets,
        metadata=identity.as_metadata(),
    )

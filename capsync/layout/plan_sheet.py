"""The grid's « Plan de progrès » sheet (pure): one line per action the structure commits to.

Each line names a criterion, its **current level** — computed by the sheet from the
chapter's « Niveau retenu », so it follows the group's consensus live, offline too, and
is never typed (capsync never writes into a grid during a sync) — the **target level**
(a drop-down of the scale), the action, who carries it, by when, its status, a comment,
and its **origin**: « chemin vers le label » for a line capsync suggested, « revue
tiers/pair » for one the tiers or the pair asked for, « structure » for the structure's own
(a blank origin reads as « structure »).

Suggested lines only ever go into empty lines, after every line already in the plan
(:func:`with_suggestions`): a typed line is never overwritten, and a suggestion already in
the plan (same criterion) is not offered twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from capsync.french import typeset
from capsync.layout.grid_chapter import typeset_rows
from capsync.workbook.grid_schema import (
    COL_ID,
    COL_RETAINED,
    FIRST_DATA_ROW,
    HEADER_ROW,
    KEY_ROW,
    PLAN_COLUMNS,
    PLAN_COMPUTED,
    PLAN_ORIGINS,
    PLAN_ROWS,
    PLAN_SHEET,
    PLAN_STATUSES,
    TITLE_ROW,
    plan_criterion_id,
)
from capsync.workbook.spec import (
    CellRange,
    DateValidation,
    Formula,
    ListValidation,
    SheetSpec,
    Style,
    Value,
    column_letter,
)

CRITERION_MESSAGE = "Choisissez l'identifiant d'un critère de la grille."
DATE_MESSAGE = "Tapez une date, par exemple 30/06/2026."
STATUS_MESSAGE = "Choisissez un statut dans la liste."
TARGET_MESSAGE = "Choisissez le niveau à atteindre dans la liste."
ORIGIN_MESSAGE = "Choisissez d'où vient la ligne : chemin vers le label, revue, structure."
PLAN_KEYS = tuple(key for key, _, _ in PLAN_COLUMNS)


@dataclass(frozen=True)
class PlanSheet:
    """What the plan sheet needs of the grid: who it is for and its drop-downs."""

    structure_name: str
    criterion_choices: list[str]
    level_choices: tuple[str, ...]


@dataclass(frozen=True)
class RetainedLookup:
    """Where one chapter sheet keeps its criteria's IDs and « Niveau retenu » (0-based)."""

    sheet: str
    id_col: int
    retained_col: int
    last_row: int


def retained_lookups(sheets: Sequence[SheetSpec]) -> list[RetainedLookup]:
    """The chapter sheets of a grid being built: those whose key row has ``id`` and ``retenu``."""
    found = []
    for sheet in sheets:
        keys = sheet.rows[KEY_ROW] if len(sheet.rows) > KEY_ROW else []
        if COL_ID in keys and COL_RETAINED in keys and len(sheet.rows) > FIRST_DATA_ROW:
            found.append(
                RetainedLookup(
                    sheet.name, keys.index(COL_ID), keys.index(COL_RETAINED), len(sheet.rows) - 1
                )
            )
    return found


def current_level_formula(criterion_cell: str, lookups: Sequence[RetainedLookup]) -> Formula:
    """« Niveau actuel »: the retenu of the criterion named in ``criterion_cell``, as shown in
    its chapter sheet (« 3 - Maîtrisé »), blank when not retained yet.

    The ID is the cell up to « — » (the drop-down's « 3.4.3 — Handicap ») or the whole
    cell (a typed ID); each chapter sheet is searched in turn with INDEX/MATCH, which
    Excel, LibreOffice and Google Sheets evaluate alike, and whose ranges follow rows
    and columns a structure inserts. ``&""`` shows an empty retenu as blank, not 0.
    """
    ident = f'TRIM(IFERROR(LEFT({criterion_cell},FIND(" — ",{criterion_cell})-1),{criterion_cell}))'
    found = '""'
    for lookup in reversed(lookups):
        first, last = FIRST_DATA_ROW + 1, lookup.last_row + 1
        quoted = "'" + lookup.sheet.replace("'", "''") + "'"
        id_col, col = column_letter(lookup.id_col), column_letter(lookup.retained_col)
        ids = f"{quoted}!${id_col}${first}:${id_col}${last}"
        levels = f"{quoted}!${col}${first}:${col}${last}"
        found = f'IFERROR(INDEX({levels},MATCH({ident},{ids},0))&"",{found})'
    return Formula(f'=IF({criterion_cell}="","",{found})')


def with_suggestions(
    carried: Sequence[Sequence[Value]], suggestions: Sequence[Sequence[Value]], rows: int
) -> list[list[Value]]:
    """The carried lines, then each suggestion whose criterion is not in the plan yet, while
    the sheet's generated lines last (a suggestion never pushes the plan beyond them)."""
    lines = [list(r) for r in carried]
    col = PLAN_KEYS.index("critere")
    taken = {
        plan_criterion_id(str(r[col])) for r in lines if len(r) > col and r[col] not in (None, "")
    }
    for suggestion in suggestions:
        criterion = plan_criterion_id(str(suggestion[col]))
        if len(lines) >= rows or criterion in taken:
            continue
        lines.append(list(suggestion))
        taken.add(criterion)
    return lines


def plan_sheet(
    plan: PlanSheet, carried: Sequence[Sequence[Value]], lookups: Sequence[RetainedLookup]
) -> SheetSpec:
    """« Plan de progrès »: the typed lines as they were, then empty lines to fill."""
    col = PLAN_KEYS.index
    n_rows = max(PLAN_ROWS, len(carried))
    rows: list[list[Value]] = [[] for _ in range(FIRST_DATA_ROW)]
    rows[TITLE_ROW] = [f"Plan de progrès — {plan.structure_name}"]
    rows[KEY_ROW] = list(PLAN_KEYS)
    rows[HEADER_ROW] = [header for _, header, _ in PLAN_COLUMNS]
    typeset_rows(rows, TITLE_ROW, FIRST_DATA_ROW)  # never the plan's rows: they are typed
    criterion_letter = column_letter(col("critere"))
    for i in range(n_rows):
        values = carried[i] if i < len(carried) else []
        line: list[Value] = [
            None if key in PLAN_COMPUTED else (values[c] if c < len(values) else None)
            for c, key in enumerate(PLAN_KEYS)
        ]
        line[col("niveau_actuel")] = current_level_formula(
            f"{criterion_letter}{FIRST_DATA_ROW + i + 1}", lookups
        )
        rows.append(line)
    last_row = FIRST_DATA_ROW + n_rows - 1
    column_styles: list[Style | None] = [Style.INPUT] * len(PLAN_KEYS)
    column_styles[col("echeance")] = Style.INPUT_DATE
    column_styles[col("niveau_actuel")] = Style.COMPUTED

    def target(key: str) -> CellRange:
        return CellRange(FIRST_DATA_ROW, col(key), last_row, col(key))

    return SheetSpec(
        name=PLAN_SHEET,
        rows=rows,
        column_widths=[w for _, _, w in PLAN_COLUMNS],
        column_styles=column_styles,
        header_rows=FIRST_DATA_ROW,
        row_styles={TITLE_ROW: Style.TITLE, KEY_ROW: Style.LOCKED},
        hidden_rows=(KEY_ROW,),
        freeze_rows=FIRST_DATA_ROW,
        validations=[
            ListValidation(target("critere"), tuple(plan.criterion_choices), CRITERION_MESSAGE),
            ListValidation(target("niveau_vise"), plan.level_choices, TARGET_MESSAGE, alert=False),
            DateValidation(target("echeance"), DATE_MESSAGE),
            ListValidation(target("statut"), PLAN_STATUSES, STATUS_MESSAGE),
            ListValidation(target("origine"), PLAN_ORIGINS, ORIGIN_MESSAGE),
        ],
        protected=True,
        autofilter=CellRange(HEADER_ROW, 0, last_row, len(PLAN_KEYS) - 1),
        print_header=typeset(f"{plan.structure_name} — Plan de progrès"),
    )

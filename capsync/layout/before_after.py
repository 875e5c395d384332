"""Before / after a new campaign, per chapter and per criterion (pure).

When a structure starts its next campaign (``capsync nouvelle-campagne``), the store
hands back, with the current answers, the levels it had when the previous campaign
closed, under the column keys ``avant:<key>`` (:mod:`capsync.store.campaigns`). This
module splits them off, scores both with :func:`capsync.scoring.scores.progression`
(chapters, overall) and :func:`~capsync.scoring.scores.criterion_scores` (criteria),
and lays the result out: the dashboard's « Avant / après » sheet for the collectif,
the same sheet in each restitution for its structure.

A criterion carried over from the previous campaign and not yet confirmed by the
group (its « à confirmer » cell not cleared) has no level in the new campaign: it
shows « à confirmer », never the carried level counted as a new one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from capsync.campaign.config import Collective, Structure
from capsync.campaign.referentiel import Referentiel
from capsync.french import typeset
from capsync.layout.tables import Column, table_sheet
from capsync.scoring import scores as scoring
from capsync.store.campaigns import PREVIOUS_PREFIX
from capsync.workbook.grid_schema import COL_RETAINED_PENDING
from capsync.workbook.spec import SheetSpec, Style, Value, WorkbookSpec

BEFORE_AFTER_SHEET = "Avant - après"
TO_CONFIRM = "à confirmer"
CONFIRMED = "confirmé ou revu"
TO_REASSESS = "à réévaluer"  # rated before, its carried level cleared and not rated again
NOTE = (
    "Un niveau repris de la campagne précédente reste « à confirmer » (non compté) tant que "
    "le groupe n'a pas vidé la cellule « Repris — à confirmer » de sa grille."
)


@dataclass(frozen=True)
class BeforeAfterLine:
    structure: str
    scope: str  # « Chapitre 2 », « Critère 2.1.1 », « Score global »
    title: str
    before: float | None
    after: float | None
    state: str  # « à confirmer », « confirmé ou revu », « nouveau », « à réévaluer », ""

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 2)


def split_campaigns(answers: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(previous campaign's answers with their own column keys, current answers)."""
    if answers.empty or "column" not in answers:
        return answers.iloc[0:0], answers
    columns = answers["column"].astype(str)
    old = columns.str.startswith(PREVIOUS_PREFIX)
    before = answers.loc[old].copy()
    before["column"] = columns[old].str.slice(len(PREVIOUS_PREFIX))
    return before, answers.loc[~old]


def _number(value: object) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), 2)  # type: ignore[arg-type]


def before_after_lines(
    answers: pd.DataFrame, referentiel: Referentiel, structures: Sequence[Structure]
) -> list[BeforeAfterLine]:
    """Per structure that has a previous campaign: its overall score, each chapter, then
    each criterion rated in either campaign, before and after."""
    before, after = split_campaigns(answers)
    ids = set(before["structure"].astype(str)) if not before.empty else set()
    concerned = [s for s in structures if s.id in ids]
    if not concerned:
        return []
    progression = scoring.progression(before, after, referentiel, concerned)
    old = scoring.criterion_scores(before, referentiel, concerned)
    new = scoring.criterion_scores(after, referentiel, concerned)
    pending = set(
        zip(
            after.loc[after["column"] == COL_RETAINED_PENDING, "structure"].astype(str),
            after.loc[after["column"] == COL_RETAINED_PENDING, "criterion"].astype(str),
            strict=True,
        )
    )
    chapters = {c.id: c.title for c in referentiel.chapters}
    lines: list[BeforeAfterLine] = []
    for structure in concerned:
        mine = progression[progression["structure"] == structure.id]
        for row in mine.itertuples(index=False):
            chapter = str(row.chapter)
            scope = f"Chapitre {chapter}" if chapter else "Score global"
            lines.append(BeforeAfterLine(structure.id, scope, chapters.get(chapter, ""),
                                         _number(row.before), _number(row.after), ""))  # fmt: skip
        lines += _criterion_lines(structure.id, old, new, pending, referentiel)
    return lines


def _criterion_lines(
    structure: str,
    old: pd.DataFrame,
    new: pd.DataFrame,
    pending: set[tuple[str, str]],
    referentiel: Referentiel,
) -> list[BeforeAfterLine]:
    was = old[old["structure"] == structure].set_index("criterion")["retained"]
    now = new[new["structure"] == structure].set_index("criterion")["retained"]
    lines = []
    for cid, criterion in referentiel.criteria.items():
        before, after = _number(was.get(cid)), _number(now.get(cid))
        waiting = (structure, cid) in pending
        if before is None and after is None and not waiting:
            continue
        state = TO_CONFIRM if waiting else CONFIRMED if before is not None else "nouveau"
        if after is None and not waiting:
            state = TO_REASSESS
        lines.append(BeforeAfterLine(structure, f"Critère {cid}", criterion.title, before,
                                     None if waiting else after, state))  # fmt: skip
    return lines


def before_after_rows(
    lines: Sequence[BeforeAfterLine], names: Mapping[str, str] | None = None
) -> list[list[Value]]:
    """The sheet's rows; with ``names``, a first column names the structure (dashboard)."""
    rows: list[list[Value]] = []
    for line in lines:
        row: list[Value] = [names.get(line.structure, line.structure)] if names else []
        row += [line.scope, line.title, line.before, line.after, line.change, line.state]
        rows.append(row)
    return rows


def before_after_sheet(
    lines: Sequence[BeforeAfterLine],
    names: Mapping[str, str] | None = None,
    *,
    previous: str = "Campagne précédente",
) -> SheetSpec:
    """« Avant - après »: the previous campaign's scores beside the current ones."""
    columns = [
        *([Column("Structure", 30)] if names else []),
        Column("Chapitre / critère", 16),
        Column("Intitulé", 40),
        Column(previous, 14, Style.SCORE),
        Column("Campagne en cours", 14, Style.SCORE),
        Column("Évolution", 11, Style.SCORE),
        Column("Niveau repris", 18),
    ]
    return table_sheet(
        BEFORE_AFTER_SHEET,
        "Avant / après : campagne précédente et campagne en cours",
        f"Scores par chapitre et niveau retenu par critère. {NOTE}",
        columns,
        before_after_rows(lines, names),
        empty_message="Aucune structure n'a encore commencé de nouvelle campagne.",
    )


def dashboard_before_after_sheets(
    collective: Collective, referentiel: Referentiel, answers: pd.DataFrame
) -> list[SheetSpec]:
    """The dashboard's « Avant - après » (every structure of the collectif in a new
    campaign); none while no structure has started one."""
    lines = before_after_lines(answers, referentiel, collective.structures)
    names = {s.id: s.name for s in collective.structures}
    return [before_after_sheet(lines, names)] if lines else []


def structure_before_after(
    answers: pd.DataFrame | None, referentiel: Referentiel, structure: Structure
) -> list[BeforeAfterLine]:
    """One structure's lines (``answers``: its answers as the collectif's view holds them);
    none when it has no previous campaign."""
    return [] if answers is None else before_after_lines(answers, referentiel, [structure])


def changed_criteria(lines: Sequence[BeforeAfterLine]) -> list[BeforeAfterLine]:
    """The criterion lines worth reading in a document: a level that moved (or appeared,
    or went) between the campaigns, and every carried level still « à confirmer »."""
    return [
        line
        for line in lines
        if line.scope.startswith("Critère")
        and (line.state == TO_CONFIRM or line.before != line.after)
    ]


def with_before_after(spec: WorkbookSpec, lines: Sequence[BeforeAfterLine]) -> WorkbookSpec:
    """A structure's restitution with its « Avant - après » sheet, when it has a previous
    campaign (``lines``: :func:`structure_before_after`)."""
    if not lines:
        return spec
    sheet = before_after_sheet(lines)
    sheet.rows = [[typeset(v) if isinstance(v, str) else v for v in row] for row in sheet.rows]
    return replace(spec, sheets=[*spec.sheets, sheet])


def waiting_headline(count: int) -> str:
    """A restitution's first sentence while its group has confirmed none of the levels a new
    campaign carried over: « nothing answered yet » would say the grid is empty, it is not."""
    plural = "x repris" if count > 1 else " repris"
    return (
        f"Le{'s' if count > 1 else ''} {count} niveau{plural} de la campagne précédente "
        f"attend{'ent' if count > 1 else ''} la confirmation du groupe : rien n'est encore "
        "compté pour cette campagne."
    )

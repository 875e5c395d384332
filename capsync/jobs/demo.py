"""``capsync demo``: fill the example grids as a collectif would, so dashboards show something.

It writes with openpyxl, cell by cell, the way a person's spreadsheet program
would, including the mess real people type (numbers, lower-case labels, a
level out of the scale, an impossible date), respondents who disagree, and
plans de progrès. It only touches grids in which nobody has typed anything
yet, so it can never overwrite a real answer. It needs workbooks kept as .xlsx
files (:attr:`Backend.files_are_xlsx`): on Google Sheets it says so and stops.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from dataclasses import dataclass, field
from enum import StrEnum

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from capsync.backends.base import Backend
from capsync.campaign.config import Collective, Structure
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.validation import Campaign
from capsync.campaign.vocabulary import PhaseKind, RespondentRole
from capsync.errors import BackendError, FileLocked
from capsync.jobs.demo_texts import justification, plan_action, respondent_levels
from capsync.parse.locate import LocatedSheet, locate_chapter_sheet, locate_plan_sheet
from capsync.workbook.grid_schema import (
    COL_ID,
    COL_JUSTIFICATION,
    COL_PAIR_COMMENT,
    COL_PAIR_LEVEL,
    COL_RETAINED,
    COL_TIERS_COMMENT,
    COL_TIERS_LEVEL,
    GENERATED_KEYS,
    PLAN_SHEET,
    chapter_sheet_name,
    respondent_columns,
)
from capsync.workbook.refs import Kind, WorkbookRef


class Filling(StrEnum):
    """What the demo did with one grid."""

    FILLED = "filled"
    ANSWERED = "answered"  # somebody already typed in it: left alone
    NOT_STARTED = "not_started"  # one structure in ten has not started: left empty


@dataclass
class DemoReport:
    filled: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # messages in French


def _progress(collective: Collective, today: dt.date) -> dict[str, float]:
    """How far the collectif is in each chapter: 1.0 once its regroupement is near or past."""
    progress: dict[str, float] = {}
    for phase in collective.calendar:
        if phase.chapter is None:
            continue
        if phase.kind == PhaseKind.VISIO_LECTURE and phase.date <= today:
            progress[phase.chapter] = max(progress.get(phase.chapter, 0.0), 0.6)
        if phase.kind == PhaseKind.REGROUPEMENT and phase.date <= today + dt.timedelta(days=30):
            progress[phase.chapter] = 1.0
    return progress


def _has_answers(sheet: Worksheet, located: LocatedSheet) -> bool:
    skip = {c for k, c in located.columns.items() if k in GENERATED_KEYS}
    for r in located.rows.values():
        for c in range(sheet.max_column):
            if c not in skip and sheet.cell(r + 1, c + 1).value not in (None, ""):
                return True
    return False


def _label(ref: Referentiel, level: int, rng: random.Random) -> str | int:
    """A level as people type it: mostly the drop-down label, sometimes not."""
    text = ref.scale.choice_labels()[level]
    roll = rng.random()
    if roll < 0.75:
        return text
    if roll < 0.88:
        return level
    return ref.scale.levels[level].label.lower()


def _fill_chapter(
    sheet: Worksheet,
    located: LocatedSheet,
    ref: Referentiel,
    share: float,
    base: float,
    rng: random.Random,
    reviewed: list[tuple[str, str]],
    roles: dict[str, RespondentRole],
) -> dict[str, int]:
    """Fill a chapter sheet; the level retained for each criterion that got one."""
    retained: dict[str, int] = {}
    top = ref.scale.max_value
    respondents = located.respondent_keys()
    for criterion_id, r in located.rows.items():
        if rng.random() > share:
            continue
        truth = min(top, max(0, round(base + rng.gauss(0, 0.8))))
        levels = []
        seen = respondent_levels([roles.get(k) for k in respondents], truth, top, rng)
        for key, seen_level in zip(respondents, seen, strict=True):
            if rng.random() < 0.15:
                continue  # this respondent skipped the criterion
            roll = rng.random()
            cell = sheet.cell(r + 1, located.columns[key] + 1)
            if roll < 0.04:
                cell.value = ref.scale.unknown.label
            elif roll < 0.06:
                cell.value = "N/A"
            else:
                levels.append(seen_level)
                cell.value = _label(ref, seen_level, rng)
        if levels and rng.random() < 0.7:
            consensus = sorted(levels)[len(levels) // 2]
            retained[criterion_id] = consensus
            sheet.cell(r + 1, located.columns[COL_RETAINED] + 1).value = ref.scale.choice_labels()[
                consensus
            ]
            if rng.random() < 0.4 and criterion_id in ref.criteria:
                sheet.cell(r + 1, located.columns[COL_JUSTIFICATION] + 1).value = justification(
                    ref.criteria[criterion_id], consensus, rng
                )
            for level_key, comment_key in reviewed:
                _fill_review(sheet, r + 1, located, ref, consensus, rng, level_key, comment_key)
    return retained


REVIEW_COMMENTS = (
    "Preuves à compléter avant de retenir ce niveau.",
    "Pratique constatée lors de la visite ; à formaliser par écrit.",
    "Le niveau retenu semble prudent : les actions décrites vont plus loin.",
)


def _reviewers(collective: Collective, structure: Structure, chapter: str) -> list[tuple[str, str]]:
    """The review columns a demo fills for a chapter: the tiers', and the pair's if named."""
    found = [(COL_TIERS_LEVEL, COL_TIERS_COMMENT)] if collective.tiers else []
    if structure.pair_for(chapter) is not None:
        found.append((COL_PAIR_LEVEL, COL_PAIR_COMMENT))
    return found


def _fill_review(
    sheet: Worksheet,
    row: int,
    located: LocatedSheet,
    ref: Referentiel,
    consensus: int,
    rng: random.Random,
    level_key: str,
    comment_key: str,
) -> None:
    """A tiers or a pair reviews about half the criteria: mostly agrees, sometimes one lower,
    rarely two levels apart (a real discussion for the restitution)."""
    if level_key not in located.columns or rng.random() >= 0.5:
        return
    shift = rng.choices([0, -1, 1, -2], weights=[60, 28, 8, 4])[0]
    review = min(ref.scale.max_value, max(0, consensus + shift))
    sheet.cell(row, located.columns[level_key] + 1).value = ref.scale.choice_labels()[review]
    if review != consensus and comment_key in located.columns:
        sheet.cell(row, located.columns[comment_key] + 1).value = rng.choice(REVIEW_COMMENTS)


def _fill_plan(
    sheet: Worksheet,
    located: LocatedSheet,
    ref: Referentiel,
    retained: dict[str, int],
    today: dt.date,
    rng: random.Random,
) -> None:
    """Two to four actions on the structure's weakest criteria, each aiming at the next level."""
    row = located.first_data_row
    top = ref.scale.max_value
    weakest = sorted((level, rng.random(), cid) for cid, level in retained.items() if level < top)
    chapters = [ch.id for ch in ref.chapters]
    for level, _, criterion_id in weakest[: rng.randint(2, 4)]:
        chapter = chapters.index(ref.chapter_of[criterion_id].id)
        action, who, comment = plan_action(
            ref.criteria[criterion_id], level, ref.scale, chapter, rng
        )
        due = today + dt.timedelta(days=rng.randint(-60, 180))
        done = due < today and rng.random() < 0.5
        status = "fait" if done else rng.choice(["à faire", "en cours"])
        values: dict[str, str | int | dt.date | None] = {
            "critere": criterion_id,
            "niveau_vise": level + 1,
            "action": action,
            "responsable": who,
            "echeance": due,
            "statut": status,
            "commentaire": comment,
        }
        for key, value in values.items():
            cell = sheet.cell(row + 1, located.columns[key] + 1)
            cell.value = value
            if isinstance(value, dt.date):
                cell.number_format = "DD/MM/YYYY"
        row += 1


def _plant_mistakes(book: openpyxl.Workbook, ref: Referentiel, rng: random.Random) -> None:
    """What real grids contain: a level out of the scale, a word, an impossible date."""
    sheet = book[chapter_sheet_name(ref.chapters[0].id)]
    located = locate_chapter_sheet(sheet.title, list(sheet.iter_rows(values_only=True)))
    if located and located.rows:
        r = next(iter(located.rows.values()))
        key = located.respondent_keys()[0]
        sheet.cell(r + 1, located.columns[key] + 1).value = rng.choice(["7", "beaucoup"])
    plan = book[PLAN_SHEET]
    located_plan = locate_plan_sheet(PLAN_SHEET, list(plan.iter_rows(values_only=True)))
    if located_plan:
        r = located_plan.first_data_row + 5
        plan.cell(r + 1, located_plan.columns["action"] + 1).value = "Réunir le CSE sur la QVCT"
        plan.cell(r + 1, located_plan.columns["echeance"] + 1).value = "31/02/2026"
        plan.cell(r + 1, located_plan.columns["statut"] + 1).value = "A FAIRE"


def _chapters_to_fill(
    book: openpyxl.Workbook, ref: Referentiel
) -> list[tuple[str, Worksheet, LocatedSheet]] | None:
    """The chapter sheets of the grid, or None when somebody already typed in it."""
    found: list[tuple[str, Worksheet, LocatedSheet]] = []
    for chapter in ref.chapters:
        name = chapter_sheet_name(chapter.id)
        if name not in book.sheetnames:
            continue
        sheet = book[name]
        located = locate_chapter_sheet(name, list(sheet.iter_rows(values_only=True)))
        if located is None or COL_ID not in located.columns:
            continue
        if _has_answers(sheet, located):
            return None
        found.append((chapter.id, sheet, located))
    if PLAN_SHEET in book.sheetnames:
        rows = list(book[PLAN_SHEET].iter_rows(values_only=True))
        located_plan = locate_plan_sheet(PLAN_SHEET, rows)
        if located_plan and located_plan.data_rows:  # somebody typed an action
            return None
    return found


def fill_grid(
    content: bytes,
    campaign: Campaign,
    collective: Collective,
    structure: Structure,
    today: dt.date,
    *,
    seed: int = 2025,
) -> tuple[Filling, bytes | None]:
    """Fill one grid's .xlsx; the filled file, or None when it is to be left as it is."""
    ref = campaign.referentiel_for(collective.id)
    rng = random.Random(f"{seed}-{structure.id}")
    book = openpyxl.load_workbook(io.BytesIO(content))
    located_sheets = _chapters_to_fill(book, ref)
    if located_sheets is None:
        return Filling.ANSWERED, None
    if rng.random() < 0.1:  # one structure in ten has not started yet
        return Filling.NOT_STARTED, None
    progress = _progress(collective, today)
    base = rng.uniform(1.2, 3.2)
    people = zip(respondent_columns(structure), structure.respondents, strict=False)
    roles = {column.key: person.role for column, person in people}
    retained: dict[str, int] = {}
    for chapter_id, sheet, located in located_sheets:
        share = progress.get(chapter_id, 0.0) * rng.uniform(0.85, 1.0)
        share = 1.0 if share > 0.95 else share
        reviewed = _reviewers(collective, structure, chapter_id)
        retained |= _fill_chapter(sheet, located, ref, share, base, rng, reviewed, roles)
    retained = {cid: level for cid, level in retained.items() if cid in ref.criteria}
    if PLAN_SHEET in book.sheetnames and retained:
        plan = book[PLAN_SHEET]
        located_plan = locate_plan_sheet(PLAN_SHEET, list(plan.iter_rows(values_only=True)))
        if located_plan:
            _fill_plan(plan, located_plan, ref, retained, today, rng)
    if rng.random() < 0.35:
        _plant_mistakes(book, ref, rng)
    buffer = io.BytesIO()
    book.save(buffer)
    return Filling.FILLED, buffer.getvalue()


_SKIPPED = {
    Filling.ANSWERED: "déjà renseignée, laissée telle quelle.",
    Filling.NOT_STARTED: "laissée vide (structure pas encore lancée).",
}


def run_demo(campaign: Campaign, backend: Backend, *, today: dt.date) -> DemoReport:
    """Fill every example grid that nobody has touched yet (workbooks kept as .xlsx files)."""
    report = DemoReport()
    if not backend.files_are_xlsx:
        report.skipped.append(
            "La démonstration ne remplit que des grilles locales (backend « local »)."
        )
        return report
    for collective in campaign.config.collectives:
        for structure in collective.structures:
            left = _fill_one(campaign, backend, collective, structure, today)
            if left is None:
                report.filled.append(structure.id)
            else:
                report.skipped.append(left)
    return report


def _fill_one(
    campaign: Campaign,
    backend: Backend,
    collective: Collective,
    structure: Structure,
    today: dt.date,
) -> str | None:
    """Fill one grid in place; None once filled, else why it was left as it is (French)."""
    ref = WorkbookRef(collective.id, Kind.GRID, structure.id)
    where = backend.location(ref)
    if not backend.exists(ref):
        return f"{where} : grille absente, lancez d'abord capsync generate."
    locked = f"{where} : fichier ouvert dans un tableur, laissé tel quel."
    if backend.is_locked(ref):
        return locked
    try:
        outcome, filled = fill_grid(backend.read_bytes(ref), campaign, collective, structure, today)
        if filled is None:
            return f"{where} : {_SKIPPED[outcome]}"
        backend.write_bytes(ref, filled)
    except FileLocked:  # opened between the check and the write
        return locked
    except BackendError as exc:
        return f"{where} : {exc}"
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):  # not a workbook openpyxl reads
        return f"{where} : fichier illisible (ce n'est pas un classeur .xlsx), laissé tel quel."
    return None

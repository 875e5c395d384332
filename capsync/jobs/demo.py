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
from dataclasses import dataclass, field
from enum import StrEnum

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from capsync.backends.base import Backend
from capsync.campaign.config import Collective, Structure
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.validation import Campaign
from capsync.campaign.vocabulary import PhaseKind
from capsync.errors import BackendError, FileLocked
from capsync.parse.locate import LocatedSheet, locate_chapter_sheet, locate_plan_sheet
from capsync.workbook.grid_schema import (
    COL_ID,
    COL_JUSTIFICATION,
    COL_RETAINED,
    COL_REVIEW_COMMENT,
    COL_REVIEW_LEVEL,
    PLAN_SHEET,
    chapter_sheet_name,
)
from capsync.workbook.refs import Kind, WorkbookRef

JUSTIFICATIONS = [
    "Projet associatif révisé en assemblée générale ; compte rendu disponible.",
    "Procédure écrite, appliquée depuis deux ans ; revue chaque année en réunion d'équipe.",
    "Pratique réelle mais non formalisée : à écrire avant le regroupement.",
    "Tableau de suivi partagé avec la CIP ; indicateurs présentés au CA.",
    "Action lancée cette année, premiers résultats au prochain bilan.",
]
ACTIONS = [
    ("Formaliser la procédure d'accueil et d'information collective", "Direction"),
    ("Présenter les résultats de l'auto-évaluation au conseil d'administration", "Présidence"),
    ("Mettre en place un questionnaire de satisfaction clients", "Chargée de développement"),
    ("Former deux encadrants techniques à la prévention des risques", "Responsable RH"),
    ("Réaliser un bilan carbone simplifié des déplacements", "Référent RSE"),
    ("Associer deux salariés en parcours au comité de pilotage RSE", "CIP"),
]


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
    skip = {located.columns[k] for k in ("id", "objectif", "critere", "question", "niveaux")}
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
    reviewed: bool,
) -> None:
    top = ref.scale.max_value
    respondents = located.respondent_keys()
    for r in located.rows.values():
        if rng.random() > share:
            continue
        truth = min(top, max(0, round(base + rng.gauss(0, 0.8))))
        levels = []
        for key in respondents:
            if rng.random() < 0.15:
                continue  # this respondent skipped the criterion
            roll = rng.random()
            cell = sheet.cell(r + 1, located.columns[key] + 1)
            if roll < 0.04:
                cell.value = ref.scale.unknown.label
            elif roll < 0.06:
                cell.value = "N/A"
            else:
                spread = 2 if rng.random() < 0.12 else 1  # some people see it very differently
                level = min(top, max(0, truth + rng.randint(-spread, spread)))
                levels.append(level)
                cell.value = _label(ref, level, rng)
        if levels and rng.random() < 0.7:
            consensus = sorted(levels)[len(levels) // 2]
            sheet.cell(r + 1, located.columns[COL_RETAINED] + 1).value = ref.scale.choice_labels()[
                consensus
            ]
            if rng.random() < 0.4:
                sheet.cell(r + 1, located.columns[COL_JUSTIFICATION] + 1).value = rng.choice(
                    JUSTIFICATIONS
                )
            if reviewed and rng.random() < 0.5:
                review = max(0, consensus - rng.choice([0, 0, 1]))
                sheet.cell(
                    r + 1, located.columns[COL_REVIEW_LEVEL] + 1
                ).value = ref.scale.choice_labels()[review]
                if review != consensus:
                    sheet.cell(
                        r + 1, located.columns[COL_REVIEW_COMMENT] + 1
                    ).value = "Preuves à compléter avant de retenir ce niveau."


def _fill_plan(
    sheet: Worksheet, located: LocatedSheet, ids: list[str], today: dt.date, rng: random.Random
) -> None:
    row = located.first_data_row
    for action, who in rng.sample(ACTIONS, k=rng.randint(2, 4)):
        due = today + dt.timedelta(days=rng.randint(-60, 180))
        done = due < today and rng.random() < 0.5
        status = "fait" if done else rng.choice(["à faire", "en cours"])
        values: dict[str, str | dt.date | None] = {
            "critere": rng.choice(ids),
            "action": action,
            "responsable": who,
            "echeance": due,
            "statut": status,
            "commentaire": None,
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
    ref = campaign.referentiel
    rng = random.Random(f"{seed}-{structure.id}")
    book = openpyxl.load_workbook(io.BytesIO(content))
    located_sheets = _chapters_to_fill(book, ref)
    if located_sheets is None:
        return Filling.ANSWERED, None
    if rng.random() < 0.1:  # one structure in ten has not started yet
        return Filling.NOT_STARTED, None
    progress = _progress(collective, today)
    base = rng.uniform(1.2, 3.2)
    reviewed = structure.pair is not None
    ids: list[str] = []
    for chapter_id, sheet, located in located_sheets:
        share = progress.get(chapter_id, 0.0) * rng.uniform(0.85, 1.0)
        share = 1.0 if share > 0.95 else share
        _fill_chapter(sheet, located, ref, share, base, rng, reviewed)
        ids.extend(located.rows)
    if PLAN_SHEET in book.sheetnames and ids:
        plan = book[PLAN_SHEET]
        located_plan = locate_plan_sheet(PLAN_SHEET, list(plan.iter_rows(values_only=True)))
        if located_plan:
            _fill_plan(plan, located_plan, ids, today, rng)
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
    return None

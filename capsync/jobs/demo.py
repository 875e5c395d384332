"""``capsync demo``: fill the example grids as a collectif would, so dashboards show something.

It writes with openpyxl, cell by cell, the way a person's spreadsheet program
would, including the mess real people type (numbers, lower-case labels, a
level out of the scale, an impossible date), respondents who disagree, and
plans de progrès. It only touches grids in which nobody has typed anything
yet, so it can never overwrite a real answer.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from capsync.atomic import write_bytes_atomic
from capsync.backends.base import Backend
from capsync.backends.local import LocalBackend
from capsync.campaign.config import Collective, Structure
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.validation import Campaign
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
        if phase.kind.value == "visio_lecture" and phase.date <= today:
            progress[phase.chapter] = max(progress.get(phase.chapter, 0.0), 0.6)
        if phase.kind.value == "regroupement" and phase.date <= today + dt.timedelta(days=30):
            progress[phase.chapter] = 1.0
    return progress


def _has_answers(sheet: Worksheet, located: LocatedSheet) -> bool:
    skip = {located.columns[k] for k in ("id", "objectif", "critere", "question", "niveaux")}
    for r in located.rows.values():
        for c in range(sheet.max_column):
            if c not in skip and sheet.cell(r + 1, c + 1).value not in (None, ""):
                return True
    return False


def _label(ref: Referentiel, level: int, rng: random.Random) -> object:
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
    for cid, r in located.rows.items():
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
        _ = cid


def _fill_plan(
    sheet: Worksheet, located: LocatedSheet, ids: list[str], today: dt.date, rng: random.Random
) -> None:
    row = located.first_data_row
    for action, who in rng.sample(ACTIONS, k=rng.randint(2, 4)):
        due = today + dt.timedelta(days=rng.randint(-60, 180))
        done = due < today and rng.random() < 0.5
        status = "fait" if done else rng.choice(["à faire", "en cours"])
        values = {
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


def fill_grid(
    path: Path,
    campaign: Campaign,
    collective: Collective,
    structure: Structure,
    today: dt.date,
    *,
    seed: int = 2025,
) -> bool:
    """Fill one grid; False when somebody already typed in it."""
    ref = campaign.referentiel
    rng = random.Random(f"{seed}-{structure.id}")
    book = openpyxl.load_workbook(path)
    progress = _progress(collective, today)
    base = rng.uniform(1.2, 3.2)
    reviewed = structure.pair is not None
    located_sheets = []
    for chapter in ref.chapters:
        name = chapter_sheet_name(chapter.id)
        if name not in book.sheetnames:
            continue
        sheet = book[name]
        located = locate_chapter_sheet(name, list(sheet.iter_rows(values_only=True)))
        if located is None or COL_ID not in located.columns:
            continue
        if _has_answers(sheet, located):
            return "answered"
        located_sheets.append((chapter.id, sheet, located))
    if PLAN_SHEET in book.sheetnames:
        rows = list(book[PLAN_SHEET].iter_rows(values_only=True))
        located_plan = locate_plan_sheet(PLAN_SHEET, rows)
        if located_plan and located_plan.data_rows:  # somebody typed an action
            return "answered"
    if rng.random() < 0.1:  # one structure in ten has not started yet
        return "not started"
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
    write_bytes_atomic(path, buffer.getvalue())
    return "filled"


def run_demo(campaign: Campaign, backend: Backend, *, today: dt.date) -> DemoReport:
    """Fill every example grid that nobody has touched yet (local backend only)."""
    report = DemoReport()
    if not isinstance(backend, LocalBackend):
        report.skipped.append(
            "La démonstration ne remplit que des grilles locales (backend « local »)."
        )
        return report
    for collective in campaign.config.collectives:
        for structure in collective.structures:
            ref = WorkbookRef(collective.id, Kind.GRID, structure.id)
            path = backend.path(ref)
            if not path.is_file():
                report.skipped.append(f"{path} : grille absente, lancez d'abord capsync generate.")
            elif backend.is_locked(ref):
                report.skipped.append(f"{path} : fichier ouvert dans un tableur, laissé tel quel.")
            else:
                outcome = fill_grid(path, campaign, collective, structure, today)
                if outcome == "filled":
                    report.filled.append(structure.id)
                elif outcome == "answered":
                    report.skipped.append(f"{path} : déjà renseignée, laissée telle quelle.")
                else:
                    report.skipped.append(f"{path} : laissée vide (structure pas encore lancée).")
    return report

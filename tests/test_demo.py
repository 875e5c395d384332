"""``capsync demo``: grids filled as a real collectif would, so its outputs read plausibly.

Each grid is read back from the .xlsx the demo wrote (openpyxl, as a person's
spreadsheet would be), and checked against the référentiel it was made from.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
from pathlib import Path

import openpyxl
import pytest

from capsync.backends.factory import open_backend
from capsync.campaign.validation import Campaign, load_campaign
from capsync.campaign.vocabulary import RespondentRole
from capsync.jobs.demo import run_demo
from capsync.jobs.demo_texts import first_clause, respondent_levels
from capsync.jobs.generate import generate
from capsync.parse.answers import AnswerKind
from capsync.parse.cells import LevelReader, level_reader
from capsync.parse.locate import locate_chapter_sheet, locate_plan_sheet
from capsync.workbook.grid_schema import COL_JUSTIFICATION, COL_RETAINED, PLAN_SHEET
from capsync.workbook.refs import Kind, WorkbookRef

from .example_campaign import copy_example

TODAY = dt.date(2026, 6, 20)  # Nouvelle-Aquitaine near its end, Occitanie halfway


@pytest.fixture(scope="module")
def demoed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Campaign, list[openpyxl.Workbook]]:
    campaign = load_campaign(copy_example(tmp_path_factory.mktemp("demo")))
    backend = open_backend(campaign)
    generate(campaign, backend, now=dt.datetime.combine(TODAY, dt.time(9)))
    report = run_demo(campaign, backend, today=TODAY)
    assert len(report.filled) >= 10
    books = []
    for collective in campaign.config.collectives:
        for structure in collective.structures:
            if structure.id in report.filled:
                ref = WorkbookRef(collective.id, Kind.GRID, structure.id)
                books.append(openpyxl.load_workbook(backend.location(ref), data_only=True))
    return campaign, books


def _level(reader: LevelReader, value: object) -> int | None:
    """The level a cell holds, as the pull reads it; None for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        reading = reader.read_number(float(value))
    else:
        reading = reader.read_text(str(value))
    return reading[1] if reading is not None and reading[0] is AnswerKind.LEVEL else None


def _chapter_rows(book: openpyxl.Workbook):  # type: ignore[no-untyped-def]
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        located = locate_chapter_sheet(sheet.title, rows)
        if located is None or COL_RETAINED not in located.columns:
            continue  # not a chapter sheet people answer in
        for criterion, r in located.rows.items():
            yield criterion, located, rows[r]


def test_every_plan_action_aims_at_the_next_level_of_its_own_criterion(
    demoed: tuple[Campaign, list[openpyxl.Workbook]],
) -> None:
    campaign, books = demoed
    ref = campaign.referentiel
    actions = 0
    for book in books:
        rows = list(book[PLAN_SHEET].iter_rows(values_only=True))
        plan = locate_plan_sheet(PLAN_SHEET, rows)
        assert plan is not None
        for r in plan.data_rows:
            row = rows[r]
            criterion_id = row[plan.columns["critere"]]
            if criterion_id not in ref.criteria:
                continue  # a mistake the demo plants on purpose
            criterion = ref.criteria[criterion_id]
            action, comment = row[plan.columns["action"]], row[plan.columns["commentaire"]]
            assert action.startswith(f"{criterion.title} : atteindre le niveau ")
            target = int(action.split("atteindre le niveau ")[1].split()[0])
            assert comment == f"Objectif : {first_clause(criterion.levels[target])}."
            actions += 1
    assert actions >= 2 * len(books)
    assert "bilan carbone" not in str([b[PLAN_SHEET].values for b in books])


def test_a_justification_describes_the_level_retained_for_its_criterion(
    demoed: tuple[Campaign, list[openpyxl.Workbook]],
) -> None:
    campaign, books = demoed
    ref = campaign.referentiel
    read = level_reader(ref)
    checked = 0
    for book in books:
        for criterion_id, located, row in _chapter_rows(book):
            text = row[located.columns[COL_JUSTIFICATION]]
            if not text:
                continue
            retained = _level(read, row[located.columns[COL_RETAINED]])
            assert retained is not None
            described = ref.criteria[criterion_id].levels[retained]
            assert text.startswith(f"{first_clause(described)}. Preuve : ")
            checked += 1
    assert checked >= 50


def test_respondents_mostly_agree_with_a_few_real_disagreements(
    demoed: tuple[Campaign, list[openpyxl.Workbook]],
) -> None:
    campaign, books = demoed
    read = level_reader(campaign.referentiel)
    spreads = []
    for book in books:
        for _, located, row in _chapter_rows(book):
            levels = [_level(read, row[located.columns[k]]) for k in located.respondent_keys()]
            numbers = [n for n in levels if n is not None]
            if len(numbers) >= 3:
                spreads.append(max(numbers) - min(numbers))
    assert len(spreads) > 200
    close = sum(1 for s in spreads if s <= 1) / len(spreads)
    apart = sum(1 for s in spreads if s >= 2) / len(spreads)
    assert close >= 0.7  # mostly close…
    assert 0.05 <= apart <= 0.3  # …with real disagreements the dashboard shows as divergences


def test_a_disputed_criterion_sets_those_who_run_the_structure_against_those_in_it() -> None:
    roles = [RespondentRole.DIRECTION, RespondentRole.ADMINISTRATEUR,
             RespondentRole.PERMANENT, RespondentRole.SALARIE_PARCOURS]  # fmt: skip
    rng = random.Random(7)
    disputed = [
        levels
        for levels in (respondent_levels(roles, 2, 4, rng) for _ in range(400))
        if max(levels) - min(levels) >= 2
    ]
    assert 20 <= len(disputed) <= 80
    for levels in disputed:
        assert levels[0] == levels[1] and levels[2] == levels[3]
        assert levels[0] - levels[2] == 2
    plain = [respondent_levels(roles, 0, 4, random.Random(i)) for i in range(50)]
    assert all(0 <= x <= 4 for levels in plain for x in levels)
    assert statistics.mean(x for levels in plain for x in levels) < 1


def test_a_grid_that_is_no_workbook_is_left_as_it_is_and_the_others_filled(
    tmp_path: Path,
) -> None:
    """A PDF renamed « .xlsx » in the grids' folder: one French line, never a traceback."""
    campaign = load_campaign(copy_example(tmp_path))
    backend = open_backend(campaign)
    generate(campaign, backend, now=dt.datetime.combine(TODAY, dt.time(9)))
    collective = campaign.config.collectives[0]
    broken = WorkbookRef(collective.id, Kind.GRID, collective.structures[0].id)
    path = Path(backend.location(broken))
    path.write_bytes(b"%PDF-1.4 not a workbook")
    report = run_demo(campaign, backend, today=TODAY)
    assert f"{path} : fichier illisible (ce n'est pas un classeur .xlsx), laissé tel quel." in (
        report.skipped
    )
    assert len(report.filled) >= 9 and collective.structures[0].id not in report.filled
    assert path.read_bytes() == b"%PDF-1.4 not a workbook"  # untouched

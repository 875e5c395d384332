"""« À discuter »: one rule, computed by the grid itself and by capsync, that flags what matters.

The grid's formulas are checked after a real LibreOffice recalculation against
the scoring of the same answers; the rule is checked on the cases a group
meets, and on the demo campaign, where at most a quarter of the assessed
criteria may be flagged (the old rule flagged ~40 %: a wall of red).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import random
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from capsync.backends.factory import open_backend
from capsync.campaign.config import Structure
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.validation import Campaign, load_campaign
from capsync.jobs.demo import run_demo
from capsync.jobs.generate import generate
from capsync.jobs.pull import pull
from capsync.layout import consensus
from capsync.layout.grid import grid_spec
from capsync.layout.review_gaps import gap_rows
from capsync.parse.cells import level_reader
from capsync.parse.locate import locate_chapter_sheet
from capsync.render.xlsx import render_xlsx_bytes
from capsync.scoring.divergence import TO_DISCUSS
from capsync.scoring.scores import ANSWER_COLUMNS, criterion_scores
from capsync.store.database import Store
from capsync.workbook.spec import Formula
from tests.example_campaign import REPO, copy_example
from tests.grid_campaign import write_campaign

WHEN = dt.datetime(2025, 5, 1, 9, 0)


def _score(
    levels: list[object], retenu: object = None, tiers: object = None, pair: object = None
) -> pd.Series:
    """The criterion row for one criterion answered as given (ints, « nsp », « na »)."""
    campaign = _example()
    structure = campaign.config.collectives[0].structures[0]
    records = []
    cells = [(f"r:{i}", v) for i, v in enumerate(levels)]
    cells += [("retenu", retenu), ("niveau_tiers", tiers), ("niveau_pair", pair)]
    for column, value in cells:
        if value is None:
            continue
        kind, level = (value, np.nan) if isinstance(value, str) else ("level", float(value))
        records.append(("c", structure.id, "1.1.1", column, kind, level, WHEN))
    answers = pd.DataFrame.from_records(records, columns=list(ANSWER_COLUMNS))
    table = criterion_scores(answers, campaign.referentiel, [structure])
    return table.loc[table["criterion"] == "1.1.1"].iloc[0]


@functools.cache
def _example() -> Campaign:
    return load_campaign(REPO / "config" / "capsync.yaml")


@pytest.mark.parametrize(
    ("levels", "retenu", "tiers", "pair", "flagged", "reasons"),
    [
        # one person sees it very differently among 8: not a split
        ([2, 2, 2, 3, 2, 3, 2, 0], None, None, None, False, ""),
        # two against two, two levels apart: a real split
        ([1, 1, 2, 2, 3, 3, 2, 2], None, None, None, True, "avis partagés entre répondant·e·s"),
        # two answers two levels apart
        ([1, 3], None, None, None, True, "avis partagés entre répondant·e·s"),
        # « Ne sait pas » and « Non applicable » are not answers
        ([2, "nsp", "nsp", "na", 2], None, None, None, False, ""),
        # the retenu far from the group
        ([1, 1, 2, 1], 3, None, None, True, "niveau retenu loin de la médiane du groupe"),
        # the pair far from the retenu, the tiers close
        ([2, 2, 3], 2, 3, 4, True, "niveau du pair loin de l'auto-évaluation"),
        # the tiers far from the median when there is no retenu
        ([3, 3, 3], None, 1, None, True, "niveau du tiers loin de l'auto-évaluation"),
    ],
)
def test_the_rule_flags_what_a_group_should_talk_about(
    levels: list[object],
    retenu: object,
    tiers: object,
    pair: object,
    flagged: bool,
    reasons: str,
) -> None:
    row = _score(levels, retenu, tiers, pair)
    assert bool(row["to_discuss"]) is flagged
    assert row["discuss_reasons"] == reasons


def test_spread_and_median_ignore_what_is_not_a_level() -> None:
    row = _score([2, "nsp", 4, "na", 3])
    assert (row["n_levels"], row["median"], row["divergence"]) == (3, 3.0, 2.0)
    assert row["trimmed_divergence"] == 2.0  # three answers: nothing is set aside


RANDOM_CELLS = ("0 - Non engagé", "1 - Émergent", "2 - Structuré", "3 - Maîtrisé",
                "4 - Exemplaire", "Ne sait pas", "N/A", None, 3, 1)  # fmt: skip
# levels typed as words, as people type them: the formulas count them like the parser
WORD_CELLS = ("Non engagé", " émergent ", "STRUCTURE", "maîtrisé", "Exemplaire")


def _random_rows(n_rows: int, width: int, seed: int) -> list[list[object]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n_rows):
        centre = rng.randint(0, 4)
        row: list[object] = []
        for _ in range(width):
            roll = rng.random()
            if roll < 0.6:
                level = min(4, max(0, centre + rng.choice([-2, -1, 0, 0, 1, 2])))
                pick = rng.random()
                cells = RANDOM_CELLS if pick < 0.5 else WORD_CELLS
                row.append(cells[level] if pick < 0.8 else level)
            else:
                row.append(rng.choice(RANDOM_CELLS[5:]))
        rows.append(row)
    return rows


def _as_answer(value: object, referentiel: Referentiel) -> tuple[str, float] | None:
    """What the parser reads in a cell (the dashboard's reading)."""
    if value is None:
        return None
    reader = level_reader(referentiel)
    reading = (
        reader.read_number(float(value)) if isinstance(value, int) else reader.read_text(str(value))
    )
    assert reading is not None, value
    kind, level = reading
    return (str(kind), np.nan if level is None else float(level))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_the_grid_computes_what_capsync_computes_after_a_libreoffice_recalculation(
    tmp_path: Path,
) -> None:
    """Median, spread and « à discuter » typed nowhere: the spreadsheet computes them."""
    campaign = write_campaign(tmp_path / "campaign")
    coll = campaign.config.collectives[0]
    structure = coll.structure("ai-deux")  # eight anonymous respondents
    spec = grid_spec(campaign.referentiel, coll, structure, campaign.config.settings)
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx_bytes(spec)))
    sheet = book["Chapitre 1"]
    located = locate_chapter_sheet(sheet.title, list(sheet.iter_rows(values_only=True)))
    assert located is not None
    keys = located.respondent_keys()
    records = []
    rng = random.Random(7)
    for (cid, r), values in zip(located.rows.items(), _random_rows(4, len(keys), 3), strict=False):
        for key, value in zip(keys, values, strict=True):
            sheet.cell(r + 1, located.columns[key] + 1).value = value
            answer = _as_answer(value, campaign.referentiel)
            if answer:
                records.append(("c", structure.id, cid, key, *answer, WHEN))
        for key in ("retenu", "niveau_tiers", "niveau_pair"):
            if rng.random() < 0.6:
                level = rng.randint(0, 4)
                cells = RANDOM_CELLS if rng.random() < 0.5 else WORD_CELLS
                sheet.cell(r + 1, located.columns[key] + 1).value = cells[level]
                records.append(("c", structure.id, cid, key, "level", float(level), WHEN))
    source = tmp_path / "filled.xlsx"
    book.save(source)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "xlsx", "--outdir", str(tmp_path / "lo"), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    rows = CalamineWorkbook.from_path(str(tmp_path / "lo" / "filled.xlsx"))
    rows_ = rows.get_sheet_by_name("Chapitre 1").to_python()
    answers = pd.DataFrame.from_records(records, columns=list(ANSWER_COLUMNS))
    table = criterion_scores(answers, campaign.referentiel, [structure]).set_index("criterion")
    col = located.columns
    for cid, r in located.rows.items():
        expected = table.loc[cid]
        got = rows_[r]

        def blank_or(value: float) -> object:
            return "" if np.isnan(value) else value

        assert got[col["nb_reponses"]] == expected["n_levels"], cid
        assert got[col["mediane"]] == blank_or(expected["median"]), cid
        assert got[col["ecart"]] == blank_or(expected["divergence"]), cid
        assert (got[col["a_discuter"]] == TO_DISCUSS) is bool(expected["to_discuss"]), cid


@pytest.fixture(scope="module")
def demo_campaign(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    campaign = load_campaign(copy_example(tmp_path_factory.mktemp("demo")))
    backend = open_backend(campaign)
    now = dt.datetime(2026, 6, 20, 9, 0)
    generate(campaign, backend, now=now)
    run_demo(campaign, backend, today=now.date())
    store = Store.open(campaign.data_dir)
    pull(campaign, backend, store, now=now, workers=0)
    return campaign, store


def test_on_the_demo_campaign_at_most_a_quarter_of_assessed_criteria_are_to_discuss(
    demo_campaign,  # type: ignore[no-untyped-def]
) -> None:
    campaign, store = demo_campaign
    assessed = flagged = 0
    for collective in campaign.config.collectives:
        answers = store.current_answers(collective.id)
        structures: list[Structure] = list(collective.structures)
        table = criterion_scores(answers, campaign.referentiel, structures)
        done = table[table["answered"]]
        assessed += len(done)
        flagged += int(done["to_discuss"].sum())
        # the « Écarts » the dashboard and the restitution show use the same rule
        gaps = gap_rows(campaign.referentiel, table, answers, pd.DataFrame())
        marked = {(g["structure"], g["criterion"]) for g in gaps if g["action"] == TO_DISCUSS}
        expected = set(zip(done.loc[done["to_discuss"], "structure"],
                           done.loc[done["to_discuss"], "criterion"], strict=True))  # fmt: skip
        assert marked == expected
        # the demo's tiers and pairs reviewed something
        assert table["tiers"].notna().any()
        assert table["pair"].notna().any()
    assert assessed > 300
    assert 0 < flagged <= 0.25 * assessed


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_level_cell_the_formulas_cannot_read_is_coloured(tmp_path: Path) -> None:
    """« Structuré » counts in the grid's own formulas; « niveau 2 » (read by the parser,
    not by the formulas) is coloured so the group knows the median leaves it out."""
    campaign = write_campaign(tmp_path / "campaign")
    coll = campaign.config.collectives[0]
    structure = coll.structure("ai-deux")  # eight anonymous respondents
    spec = grid_spec(campaign.referentiel, coll, structure, campaign.config.settings)
    chapter = spec.sheet("Chapitre 1")
    rule = next(c for c in chapter.conditional_formats if c.formula and "LOWER" in c.formula.text)
    anchor = f"{chr(ord('A') + rule.target.first_col)}{rule.target.first_row + 1}"
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx_bytes(spec)))
    sheet = book["Chapitre 1"]
    typed = ["Structuré", "niveau 2", "Ne sait pas", "3", "Maitrise", "Structuré.", "NSP", None]
    first = rule.target.first_col + 1
    for i, value in enumerate(typed):
        sheet.cell(4, first + i).value = value
        # the colouring rule, as a formula in a spare cell far right, for this cell
        cell = f"{chr(ord('A') + first - 1 + i)}4"
        sheet.cell(40, 40 + i).value = rule.formula.text.replace(anchor, cell)  # type: ignore[union-attr]
    source = tmp_path / "filled.xlsx"
    book.save(source)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "xlsx", "--outdir", str(tmp_path / "lo"), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    rows = CalamineWorkbook.from_path(str(tmp_path / "lo" / "filled.xlsx"))
    got = rows.get_sheet_by_name("Chapitre 1").to_python()
    coloured = [got[39][39 + i] for i in range(len(typed))]
    assert coloured == [False, True, False, False, False, True, False, False]
    located = locate_chapter_sheet("Chapitre 1", got)
    assert located is not None
    row = got[located.rows["1.1.1"]]
    assert row[located.columns["nb_reponses"]] == 3  # Structuré, 3, Maitrise
    assert row[located.columns["mediane"]] == 3


def _literals(formula: str) -> list[str]:
    """The text values written inside a formula, « "" » read as one quote."""
    return [m.replace('""', '"') for m in re.findall(r'"((?:[^"]|"")*)"', formula)]


def test_a_grid_formula_finds_a_level_word_in_one_search_and_never_holds_a_text_excel_refuses(
    tmp_path: Path,
) -> None:
    """Excel refuses a file whose formulas hold a text over 255 characters: long labels
    fall back to one comparison per word, short ones are searched for all at once."""
    campaign = write_campaign(tmp_path / "campaign")
    coll = campaign.config.collectives[0]
    spec = grid_spec(campaign.referentiel, coll, coll.structures[0], campaign.config.settings)
    formulas = [v.text for sheet in spec.sheets for row in sheet.rows for v in row
                if isinstance(v, Formula)]  # fmt: skip
    formulas += [c.formula.text for sheet in spec.sheets for c in sheet.conditional_formats
                 if c.formula]  # fmt: skip
    chapter = [f for f in formulas if "SUMPRODUCT" in f]
    assert chapter and all('"  non engagé  non engage  émergent  emergent' in f for f in chapter)
    assert max(len(t) for f in formulas for t in _literals(f)) <= consensus.TEXT_LIMIT
    long_words = {v: (f"niveau {v} " + "très " * 12 + "détaillé",) for v in range(5)}
    count = consensus.count_formula("E4:L4", [0, 1, 2, 3, 4], long_words).text
    assert 'FIND("  "&' not in count and count.count("LOWER(TRIM(E4:L4))=") == 5
    assert max(len(t) for t in _literals(count)) <= consensus.TEXT_LIMIT

"""A grid's formulas live on hidden twin sheets that a pull never reads.

The group still sees its median, spread and « à discuter » in the chapter sheet
(recalculated by LibreOffice in ``tests/test_consensus.py``); what a pull
decompresses and parses is a third of what it was; and nothing on a twin is
ever taken for an answer, an anomaly or a value to archive.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from capsync.backends.xlsx_read import _sheet_parts
from capsync.jobs.generate import GridOutcome, generate
from capsync.jobs.pull import pull
from capsync.layout.grid_calc import same_sheet_cells, split_formulas, twin_name, with_twins
from capsync.store.database import Store
from capsync.workbook.grid_schema import UNPARSED_SHEETS, is_calc_sheet
from capsync.workbook.refs import Kind, WorkbookRef
from capsync.workbook.spec import Formula, SheetSpec

from .filled_grids import campaign_with_grids, editing, grid_path, put
from .test_pull import SOPHIE, answers

T1 = dt.datetime(2026, 3, 1, 10, 0)
T2 = dt.datetime(2026, 3, 8, 10, 0)
T3 = dt.datetime(2026, 3, 9, 10, 0)


def test_the_formulas_move_to_the_twin_and_the_cells_they_read_are_copied_as_text() -> None:
    sheet = SheetSpec(
        name="Chapitre 1",
        rows=[
            ["titre"],
            ["1.1.1", "3 - Maîtrisé", None, Formula('=IF(B2="","",LEFT(B2:C2&" ",1))'), None],
            ["1.1.2", "2", "1", Formula("=D3+1"), Formula("=D3*2+'Autre'!B2")],
        ],
    )
    shown, twin = split_formulas(sheet, "_calculs Chapitre 1")
    assert twin is not None and twin.hidden and twin.protected
    assert shown.rows[0] == ["titre"] and shown.rows[1][:3] == ["1.1.1", "3 - Maîtrisé", None]
    assert shown.rows[1][3] == Formula("='_calculs Chapitre 1'!D2")
    assert shown.rows[2][3:] == [
        Formula("='_calculs Chapitre 1'!D3"),
        Formula("='_calculs Chapitre 1'!E3"),
    ]
    assert twin.rows[0] == []
    assert twin.rows[1] == [  # each cell read, as text; the formula unchanged, in its place
        None,
        Formula("=\"\"&'Chapitre 1'!B2"),
        Formula("=\"\"&'Chapitre 1'!C2"),
        Formula('=IF(B2="","",LEFT(B2:C2&" ",1))'),
    ]
    # D3 is a formula: the twin computes it too; another sheet's B2 is not copied
    assert twin.rows[2] == [None, None, None, Formula("=D3+1"), Formula("=D3*2+'Autre'!B2")]


def test_a_sheet_without_formulas_has_no_twin_and_names_stay_within_excel_s_limit() -> None:
    plain = SheetSpec(name="Mode d'emploi", rows=[["a", 1]])
    assert split_formulas(plain, "_calculs Mode d'emploi") == (plain, None)
    long = "Chapitre 12 — un titre bien trop long"
    first = twin_name(long)
    assert len(first) == 31 and is_calc_sheet(first) and first in UNPARSED_SHEETS
    assert twin_name(long, [first]) == first[:29] + " 2"
    sheets = with_twins([plain, SheetSpec(name="Chapitre 1", rows=[[Formula("=1+1")]])])
    assert [s.name for s in sheets] == ["Mode d'emploi", "Chapitre 1", "_calculs Chapitre 1"]


def test_text_literals_and_other_sheets_are_not_cells_of_this_sheet() -> None:
    formula = (
        '=IF(ISNUMBER(FIND("  "&LOWER(TRIM(E5))&"  ","  a1  niveau B2  ")),'
        "INDEX('Chapitre 1'!$Q$4:$Q$12,MATCH(A9,Feuil2!A1:A3,0)),$M5)"
    )
    assert sorted(set(same_sheet_cells(formula))) == [(4, 4), (4, 12), (8, 0)]


def test_a_pull_reads_no_long_formula_and_nothing_on_a_twin(tmp_path: Path) -> None:
    campaign, backend = campaign_with_grids(tmp_path)
    path = grid_path(backend, "aci-une")
    ref = WorkbookRef("test-na", Kind.GRID, "aci-une")
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        parts = dict(_sheet_parts(archive))
        formulas = {
            sheet: [len(f) for f in re.findall(rb"<f>[^<]*</f>", archive.read(part))]
            for sheet, part in parts.items()
        }
    assert max(formulas["Chapitre 1"]) < 60 and max(formulas["Plan de progrès"]) < 60
    assert max(formulas["_calculs Chapitre 1"]) > 1_000  # the long ones, read by nobody
    whole, pulled = backend.read(ref), backend.read(ref, UNPARSED_SHEETS)
    assert {"_calculs Chapitre 1", "_calculs Plan de progrès"} <= set(whole)
    assert not any(is_calc_sheet(s) for s in pulled)
    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=T1)
        with editing(path) as wb:
            put(wb["Chapitre 1"], "1.1.1", SOPHIE, 2)
            # what a spreadsheet saves as the twin's results, and a value typed far away there
            wb["_calculs Chapitre 1"]["B4"] = "4 - Exemplaire"
            wb["_calculs Chapitre 1"]["XFD1048576"] = "x"
        report = pull(campaign, backend, store, now=T2)
        assert (report.read, report.parsed) == (1, 1)
        assert answers(store.current_answers()) == {("aci-une", "1.1.1", SOPHIE): ("level", 2.0)}
        assert store.current_anomalies().empty
        with editing(path) as wb:
            wb["_calculs Chapitre 1"]["C4"] = "3"
        again = pull(campaign, backend, store, now=T3)
    assert (again.read, again.parsed) == (1, 0)  # only a twin moved: nothing to parse


def test_an_upgrade_does_not_archive_what_a_twin_holds_and_writes_fresh_twins(
    tmp_path: Path,
) -> None:
    campaign, backend = campaign_with_grids(tmp_path)
    path = grid_path(backend, "aci-une")
    with editing(path) as wb:
        put(wb["Chapitre 1"], "1.1.1", SOPHIE, "3 - Maîtrisé")
        wb["_calculs Chapitre 1"]["E4"] = "3 - Maîtrisé"  # a spreadsheet's saved result
        wb.remove(wb["_calculs Chapitre 2"])  # even a lost twin is made again
    ref = campaign.referentiel.model_copy(update={"version": "2"})  # a new version: upgrade
    campaign = dataclasses.replace(campaign, referentiel=ref, referentiels={ref.id: ref})
    summary = generate(campaign, backend, upgrade=True, now=T3, workers=1)
    assert {r.ref.structure: r.status for r in summary.results}["aci-une"] == GridOutcome.UPGRADED
    raw = backend.read(WorkbookRef("test-na", Kind.GRID, "aci-une"))
    assert "Archives" not in raw  # nothing set aside: the twin's values were copies
    assert {"_calculs Chapitre 1", "_calculs Chapitre 2", "_calculs Plan de progrès"} <= set(raw)
    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=T3)
        assert answers(store.current_answers()) == {("aci-une", "1.1.1", SOPHIE): ("level", 3.0)}

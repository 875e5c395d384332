"""The XlsxWriter renderer: every spec feature reaches the .xlsx file, and text stays text."""

from __future__ import annotations

import datetime as dt
import decimal
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from capsync.backends.xlsx_read import read_workbook
from capsync.layout.grid import grid_spec
from capsync.render.xlsx import render_xlsx
from capsync.workbook.identity import IDENTITY_SHEET
from capsync.workbook.spec import (
    CellRange,
    Chart,
    ChartKind,
    ConditionalFormat,
    ConditionalKind,
    DateValidation,
    Formula,
    ListValidation,
    Series,
    SheetSpec,
    Style,
    Value,
    WorkbookSpec,
)
from tests.grid_campaign import write_campaign

DANGEROUS = ['=IMPORTXML("http://x", "//a")', "+33 6 12 34 56 78", "@SUM(A1)", "-2+3", "=1+1"]


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    spec = WorkbookSpec(
        "t",
        [
            SheetSpec(
                "Données",
                rows=[[*DANGEROUS, Formula("=SUM(1,2)")]],
                merges=[CellRange(1, 0, 1, 2)],
            )
        ],
    )
    spec.sheets[0].rows.append(['=HYPERLINK("http://x")'])  # the top-left cell of a merge
    path = tmp_path / "t.xlsx"
    render_xlsx(spec, path)
    ws = openpyxl.load_workbook(path)["Données"]  # not data_only: formulas would show as such
    assert [ws.cell(1, c + 1).value for c in range(5)] == DANGEROUS
    assert all(ws.cell(1, c + 1).data_type == "s" for c in range(5))
    assert ws.cell(1, 6).value == "=SUM(1,2)" and ws.cell(1, 6).data_type == "f"
    assert ws.cell(2, 1).value == '=HYPERLINK("http://x")' and ws.cell(2, 1).data_type == "s"


def test_only_a_formula_capsync_wrote_can_be_one() -> None:
    """The safety is in the type: a ``Formula`` that does not start with « = » is refused
    when it is made, and so is a range that covers no cell, before anything is written."""
    with pytest.raises(ValueError, match="starts with '='"):
        Formula("SUM(A1:A3)")
    with pytest.raises(ValueError, match="empty range"):
        CellRange(3, 0, 2, 0)


def _everything() -> WorkbookSpec:
    data = SheetSpec(
        "Scores",
        rows=[
            ["Structure", "Score", "Part", "Date", "Nombre", "Éligible", "Statut"],
            ["A", 2.456, 0.5, dt.date(2025, 4, 8), 3, True, "en retard"],
            ["B", 3.0, 1.0, dt.datetime(2025, 6, 11, 15, 30), 7, False, "à jour"],
            [None, Formula("=AVERAGE(B2:B3)")],
        ],
        column_widths=[20, 10, 10, 12, 8, 8, 12],
        column_styles=[Style.TEXT, Style.SCORE, Style.PERCENT, Style.DATE, Style.INTEGER],
        header_rows=1,
        cell_styles={(1, 6): Style.WARNING, (2, 6): Style.GOOD, (1, 0): Style.INPUT},
        row_styles={3: Style.NOTE},
        hidden_rows=(2,),
        freeze_rows=1,
        freeze_cols=1,
        notes={(0, 1): "Moyenne des niveaux retenus"},
        merges=[CellRange(4, 0, 4, 3)],
        validations=[
            ListValidation(CellRange(1, 6, 2, 6), ("en retard", "à jour"), "Choisissez"),
            DateValidation(CellRange(1, 3, 2, 3), "Une date"),
        ],
        conditional_formats=[
            ConditionalFormat(CellRange(1, 1, 2, 1), ConditionalKind.COLOR_SCALE),
            ConditionalFormat(CellRange(1, 6, 2, 6), ConditionalKind.TEXT_EQUALS, text="en retard"),
        ],
        charts=[
            Chart(
                kind,
                f"Graphique {kind.value}",
                CellRange(1, 0, 2, 0, sheet="Scores"),
                (Series("Score", CellRange(1, 1, 2, 1, sheet="Scores")),),
                anchor_row=6 + 20 * i,
                anchor_col=0,
            )
            for i, kind in enumerate(ChartKind)
        ],
        protected=True,
        tab_color="#1F4E79",
    )
    data.rows.append(["Titre fusionné"])
    hidden = SheetSpec("Caché", rows=[["x"]], hidden=True, landscape=False, fit_width=False)
    return WorkbookSpec("Tout", [data, hidden], metadata={"kind": "test", "collective": "c"})


def test_every_spec_feature_is_written(tmp_path: Path) -> None:
    path = tmp_path / "all.xlsx"
    render_xlsx(_everything(), path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Scores"]
    assert ws.freeze_panes == "B2"
    assert ws.column_dimensions["A"].width == pytest.approx(20, abs=1)
    assert ws["B2"].number_format == "0.0" and ws["C2"].number_format == '0"\u202f"%'
    assert ws["D2"].number_format == "dd/mm/yyyy" and ws["D2"].value == dt.datetime(2025, 4, 8)
    assert ws["E2"].number_format == "0" and ws["F2"].value is True
    assert ws["A1"].font.b  # header row
    assert ws["B4"].font.i  # NOTE row style (A4, empty on a protected sheet, is not written)
    assert ws["G2"].fill.fgColor.rgb.endswith("FFC7CE")  # WARNING
    assert ws.row_dimensions[3].hidden
    assert ws["B1"].comment.text == "Moyenne des niveaux retenus"
    assert [str(m) for m in ws.merged_cells.ranges] == ["A5:D5"]
    assert ws["A5"].value == "Titre fusionné"
    kinds = sorted(d.type for d in ws.data_validations.dataValidation)
    assert kinds == ["date", "list"]
    listed = next(d for d in ws.data_validations.dataValidation if d.type == "list")
    assert listed.formula1 == '"en retard,à jour"' and listed.errorStyle == "warning"
    rules = [r.type for cf in ws.conditional_formatting for r in cf.rules]
    assert sorted(rules) == ["cellIs", "colorScale"]
    assert len(ws._charts) == 4
    assert ws.protection.sheet
    assert not ws["A2"].protection.locked and ws["B2"].protection.locked
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$1:$1"
    assert ws.sheet_properties.tabColor.rgb.endswith("1F4E79")
    assert wb["Caché"].sheet_state == "hidden"
    assert wb[IDENTITY_SHEET].sheet_state == "hidden"
    assert read_workbook(path)[IDENTITY_SHEET] == [
        ["clé", "valeur"],
        ["kind", "test"],
        ["collective", "c"],
    ]


def test_long_drop_down_goes_to_a_hidden_list_sheet(tmp_path: Path) -> None:
    choices = tuple(f"Choix numéro {i}, long" for i in range(40))
    spec = WorkbookSpec(
        "l",
        [
            SheetSpec(
                "S", rows=[[None]], validations=[ListValidation(CellRange(0, 0, 9, 0), choices)]
            )
        ],
    )
    render_xlsx(spec, tmp_path / "l.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "l.xlsx")
    (validation,) = wb["S"].data_validations.dataValidation
    assert validation.formula1 == "'_listes'!$A$1:$A$40"
    assert wb["_listes"].sheet_state == "hidden"
    assert [wb["_listes"].cell(r + 1, 1).value for r in range(40)] == list(choices)


def test_two_long_drop_downs_share_the_hidden_list_sheet_each_list_once(tmp_path: Path) -> None:
    levels = tuple(f"Niveau {i}, décrit longuement" for i in range(30))
    statuses = tuple(f"Statut « {i} »" for i in range(3))  # short, no comma, no quote: inline
    quoted = ('Dit "oui"', "Dit non")  # a quote cannot be inlined in a list formula
    spec = WorkbookSpec(
        "l",
        [
            SheetSpec(
                "S",
                rows=[[None]],
                validations=[
                    ListValidation(CellRange(0, 0, 9, 0), levels),
                    ListValidation(CellRange(0, 1, 9, 1), levels),
                    ListValidation(CellRange(0, 2, 9, 2), quoted),
                    ListValidation(CellRange(0, 3, 9, 3), statuses),
                ],
            )
        ],
    )
    render_xlsx(spec, tmp_path / "l.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "l.xlsx")
    sources = sorted((str(v.sqref), v.formula1) for v in wb["S"].data_validations.dataValidation)
    assert sources == [
        ("A1:A10", "'_listes'!$A$1:$A$30"),
        ("B1:B10", "'_listes'!$A$1:$A$30"),  # the same list, not written twice
        ("C1:C10", "'_listes'!$B$1:$B$2"),
        ("D1:D10", '"Statut « 0 »,Statut « 1 »,Statut « 2 »"'),
    ]
    lists = wb["_listes"]
    assert [lists.cell(r + 1, 1).value for r in range(30)] == list(levels)
    assert [lists.cell(r + 1, 2).value for r in range(2)] == list(quoted)
    assert lists.max_column == 2


def test_numbers_that_cannot_be_shown_leave_the_cell_empty(tmp_path: Path) -> None:
    """A score nobody could compute is an empty cell, never « #NUM! » or « nan »; a value
    of a type outside the spec (a numpy integer, a Decimal) still shows, as text."""
    row = [float("nan"), float("inf"), 2.5, np.int64(3), decimal.Decimal("1.5")]
    spec = WorkbookSpec("n", [SheetSpec("S", rows=[row], column_styles=[Style.SCORE] * 5)])
    render_xlsx(spec, tmp_path / "n.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "n.xlsx")["S"]
    assert [ws.cell(1, c).value for c in range(1, 6)] == [None, None, 2.5, "3", "1.5"]
    assert ws.cell(1, 1).number_format == "0.0"  # the empty cell keeps its style


def rendered_grid(tmp_path: Path) -> Path:
    """aci-une's grid of the test campaign, as ``generate`` writes it."""
    campaign = write_campaign(tmp_path / "campaign")
    coll = campaign.config.collectives[0]
    spec = grid_spec(
        campaign.referentiel, coll, coll.structure("aci-une"), campaign.config.settings
    )
    source = tmp_path / "aci-une.xlsx"
    render_xlsx(spec, source)
    return source


@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)
def test_grid_survives_a_libreoffice_round_trip(tmp_path: Path) -> None:
    source = rendered_grid(tmp_path)
    out = tmp_path / "lo"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    wb = openpyxl.load_workbook(out / "aci-une.xlsx")
    ws = wb["Chapitre 1"]
    assert ws.protection.sheet
    assert ws["A4"].value == "1.1.1" and ws["A4"].protection.locked
    assert not ws["E4"].protection.locked and not ws["Q6"].protection.locked
    assert ws["H4"].protection.locked  # « Réponses » is computed, never typed
    lists = {
        str(d.sqref): d.formula1 for d in ws.data_validations.dataValidation if d.type == "list"
    }
    expected = (
        '"0 - Non engagé,1 - Émergent,2 - Structuré,3 - Maîtrisé,4 - Exemplaire,'
        'Non applicable,Ne sait pas"'
    )
    assert lists == {"E4:G6": expected, "L4:L6": expected, "N4:N6": expected, "P4:P6": expected}
    # a typed « 3 » raises no warning dialog
    assert not any(d.showErrorMessage for d in ws.data_validations.dataValidation)
    # filter buttons work on the protected sheet (issue 16: filter, not sort)
    assert ws.auto_filter.ref == "A3:Q6"
    assert not ws.protection.autoFilter  # False in openpyxl means « allowed »
    # printed: header rows repeated, structure and chapter on every page
    assert ws.print_title_rows == "$1:$3"
    assert "ACI Une" in (ws.oddHeader.left.text or "")
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    plan = wb["Plan de progrès"]
    assert plan.protection.sheet and not plan["D4"].protection.locked
    assert {d.type for d in plan.data_validations.dataValidation} == {"list", "date"}
    assert wb[IDENTITY_SHEET].sheet_state == "hidden"


def test_rows_grow_to_show_their_wrapped_text(tmp_path: Path) -> None:
    """Excel and LibreOffice do not grow rows on opening: the heights are in the file."""
    long = "0 - Non engagé : rien n'est fait.\n" * 5
    sheet = SheetSpec(
        name="Feuille",
        rows=[["ID", "Niveaux"], ["1.1.1", long], ["1.1.2", "court"]],
        column_widths=[8, 40],
        column_styles=[Style.LOCKED, Style.LOCKED],
        header_rows=1,
    )
    path = tmp_path / "hauteurs.xlsx"
    render_xlsx(WorkbookSpec(title="t", sheets=[sheet]), path)
    ws = openpyxl.load_workbook(path)["Feuille"]
    assert ws.row_dimensions[2].height >= 5 * 13
    assert ws.row_dimensions[3].height is None  # one line: the default height


@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)
def test_libreoffice_shows_what_a_formula_computes_not_a_stale_zero(tmp_path: Path) -> None:
    """LibreOffice does not recalculate an Excel-made file on opening: a formula written
    with a cached result shows that result. capsync writes none, so it computes them."""
    spec = WorkbookSpec(
        "t",
        [SheetSpec("S", [[2, 4, Formula("=A1+B1"), Formula('=IF(D2="","",D2)')]])],
    )
    source = tmp_path / "f.xlsx"
    render_xlsx(spec, source)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
         "--convert-to", "csv", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    assert (tmp_path / "f.csv").read_text().splitlines()[0] == "2,4,6,"


@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)
def test_libreoffice_shows_levels_whole_and_percentages_typeset(tmp_path: Path) -> None:
    """What a délégué·e reads: a criterion's level « 2 » (not « 2,0 ») or « 2,5 » for a
    median, a score with its decimal, a share « 45 % » with a narrow no-break space."""
    sheet = SheetSpec(
        "S",
        [[2.0, 2.5, 2.0, 0.45]],
        column_styles=[Style.LEVEL, Style.LEVEL, Style.SCORE, Style.PERCENT],
    )
    source = tmp_path / "f.xlsx"
    render_xlsx(WorkbookSpec("t", [sheet]), source)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
         # « ; » between cells, UTF-8, each cell as shown
         "--convert-to", "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,true",
         "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    shown = (tmp_path / "f.csv").read_text(encoding="utf-8").splitlines()[0]
    assert re.fullmatch("2;2[.,]5;2[.,]0;45\u202f%", shown), shown  # the separator: LO's locale


def test_a_cell_style_wins_over_its_row_the_header_and_its_column(tmp_path: Path) -> None:
    """The order a reader sees: a cell's own style, else its row's, else the header's, else
    its column's; short rows and cells past the last value keep their column's look."""
    sheet = SheetSpec(
        name="S",
        rows=[["Titre", "Score"], ["a", 1.5, None], ["b", 2.5], ["c"]],
        column_styles=[Style.TEXT, Style.SCORE, Style.PERCENT],
        header_rows=1,
        row_styles={2: Style.WARNING},
        cell_styles={(0, 1): Style.NOTE, (2, 0): Style.GOOD, (3, 1): Style.INPUT},
    )
    render_xlsx(WorkbookSpec("s", [sheet]), tmp_path / "s.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx")["S"]
    assert ws["A1"].font.b and ws["B1"].font.i  # the header, but B1's own NOTE style
    assert ws["B2"].number_format == "0.0" and ws["C2"].number_format == '0"\u202f"%'
    assert ws["A3"].fill.fgColor.rgb.endswith("C6EFCE")  # GOOD, over its row's WARNING
    assert ws["B3"].fill.fgColor.rgb.endswith("FFC7CE") and ws["B3"].value == 2.5
    assert ws["B4"].value is None and not ws["B4"].protection.locked  # an empty INPUT cell
    for r in range(4):
        for c in range(3):
            assert sheet.row_style_lists(3)[r][c] == sheet.style_at(r, c)


def test_a_protected_sheet_writes_no_empty_cell_that_would_look_the_same(tmp_path: Path) -> None:
    """Nobody types in a locked cell of a protected sheet: an empty one whose style shows
    nothing (wrapped text, a number format) is not written, which was a quarter of a
    dashboard's cells; an empty cell that shows (a fill, a border) or takes typing (unlocked)
    is. On a sheet people may type in, every empty cell keeps its format."""
    rows: list[list[Value]] = [["Titre", "", None, "", None, None], ["x", "", None, "", "", ""]]
    styles = [Style.TEXT, Style.TEXT, Style.SCORE, Style.INPUT, Style.LOCKED, Style.WARNING]

    def written(protected: bool) -> set[str]:
        sheet = SheetSpec("S", rows=rows, column_styles=styles, protected=protected)
        path = tmp_path / f"{protected}.xlsx"
        render_xlsx(WorkbookSpec("s", [sheet]), path)
        with zipfile.ZipFile(path) as archive:
            xml = archive.read("xl/worksheets/sheet1.xml").decode()
        return set(re.findall(r'<c r="([A-Z]+[0-9]+)"', xml))

    assert written(True) == {"A1", "D1", "E1", "F1", "A2", "D2", "E2", "F2"}
    assert written(False) == {f"{col}{row}" for col in "ABCDEF" for row in (1, 2)}
    ws = openpyxl.load_workbook(tmp_path / "True.xlsx")["S"]
    assert ws["B2"].value is None and ws["B2"].protection.locked  # as a written locked cell
    assert not ws["D2"].protection.locked and ws["E2"].border.left.style == "thin"


def test_merged_text_grows_its_row_by_the_merged_width(tmp_path: Path) -> None:
    """A note merged across a table wraps on the whole width, not on its first column."""
    note = "Une phrase assez longue pour tenir sur plusieurs lignes d'une colonne étroite. " * 2
    rows: list[list[Value]] = [[note], ["x", "y", "z"]]
    narrow = SheetSpec("S", rows=rows, column_widths=[10, 30, 30], row_styles={0: Style.NOTE})
    merged = SheetSpec(
        "S",
        rows=rows,
        column_widths=[10, 30, 30],
        row_styles={0: Style.NOTE},
        merges=[CellRange(0, 0, 0, 2)],
    )
    heights = []
    for spec_sheet in (narrow, merged):
        render_xlsx(WorkbookSpec("m", [spec_sheet]), tmp_path / "m.xlsx")
        heights.append(openpyxl.load_workbook(tmp_path / "m.xlsx")["S"].row_dimensions[1].height)
    assert heights[0] > heights[1] > 13  # two lines or so across, a dozen in column A alone


def test_formulas_are_written_as_given_and_excel_s_newest_functions_still_prefixed(
    tmp_path: Path,
) -> None:
    """A grid's formulas reach the file unchanged (XlsxWriter's thirty rewrites per formula
    are skipped when no newer function is named); one naming such a function is still
    written the way Excel wants it."""
    campaign = write_campaign(tmp_path / "campaign")
    coll = campaign.config.collectives[0]
    spec = grid_spec(campaign.referentiel, coll, coll.structure("ai-deux"))
    twin = next(s for s in spec.sheets if s.name == "_calculs Chapitre 1")
    written = [v for row in twin.rows for v in row if isinstance(v, Formula)]
    newer = SheetSpec("Plus", rows=[[Formula("=SORT(A2:A3)"), Formula("=XLOOKUP(1,A2:A3,B2:B3)")]])
    path = tmp_path / "grid.xlsx"
    render_xlsx(WorkbookSpec("t", [*spec.sheets, newer]), path)
    book = openpyxl.load_workbook(path)
    ws = book["_calculs Chapitre 1"]
    found = [c.value for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert found == [f.text for f in written] and len(found) > 20
    shown = [getattr(c.value, "text", c.value) for c in book["Plus"][1]]  # array formulas
    assert shown == ["=_xlfn._xlws.SORT(A2:A3)", "=_xlfn.XLOOKUP(1,A2:A3,B2:B3)"]


def test_conditional_formats_keep_excel_s_prefixes_exactly_where_xlsxwriter_puts_them(
    tmp_path: Path,
) -> None:
    """A conditional format's formula calling only functions Excel 2007 had is written as
    XlsxWriter would write it (its hundred and fifty rewrites skipped); one calling a newer
    function (« XOR », « IFS ») still gets the « _xlfn. » prefix Excel needs, and a grid's
    own rules (the unread-word colour) reach the file unchanged."""
    from xlsxwriter.worksheet import Worksheet

    from capsync.render.xlsx_formulas import CLASSIC_FUNCTIONS

    bare = Worksheet()
    for name in sorted(CLASSIC_FUNCTIONS):  # XlsxWriter itself rewrites none of them
        formula = f"=AND({name}(A1),TRUE)"
        assert bare._prepare_formula(formula, True) == formula[1:], name
    rules = [
        ConditionalFormat(CellRange(0, 0, 3, 0), ConditionalKind.FORMULA, formula=Formula(f))
        for f in ("=XOR($A1>1,$B1>1)", "=IFS($A1>1,TRUE)", '=AND(TRIM($A1)<>"",NOT(ISNUMBER($A1)))')
    ]
    sheet = SheetSpec("Règles", rows=[[1, 2], [3, 4]], conditional_formats=rules)
    campaign = write_campaign(tmp_path / "campaign")
    coll = campaign.config.collectives[0]
    grid = grid_spec(campaign.referentiel, coll, coll.structure("ai-deux"))
    path = tmp_path / "rules.xlsx"
    render_xlsx(WorkbookSpec("t", [*grid.sheets, sheet]), path)
    book = openpyxl.load_workbook(path)
    written = [r.formula[0] for cf in book["Règles"].conditional_formatting for r in cf.rules]
    assert written == [
        "_xlfn.XOR($A1>1,$B1>1)",
        "_xlfn.IFS($A1>1,TRUE)",
        'AND(TRIM($A1)<>"",NOT(ISNUMBER($A1)))',
    ]
    chapter = next(s for s in grid.sheets if s.name == "Chapitre 1")
    expected = sorted(c.formula.text[1:] for c in chapter.conditional_formats if c.formula)
    found = sorted(
        r.formula[0]
        for cf in book["Chapitre 1"].conditional_formatting
        for r in cf.rules
        if r.formula
    )
    assert expected and found == expected


def test_every_kind_of_cell_is_written_in_the_bytes_xlsxwriter_writes(tmp_path: Path) -> None:
    """The renderer's worksheet writes a formatted text or number cell itself (XlsxWriter's
    general path was a third of rendering a dashboard): the sheet's XML is the one
    XlsxWriter's own worksheet writes, byte for byte, for those cells and every other kind
    (no format, a row's or a column's format, a date, a formula, a blank, a boolean, rich
    text, text to escape, numbers of every size); formulas too, which it stores itself
    once it knows they call none of Excel's newest functions (array and dynamic ones are
    XlsxWriter's)."""
    import xlsxwriter
    from xlsxwriter.worksheet import Worksheet

    from capsync.render.xlsx_formulas import FormulaSheet

    def sheet_xml(kind: type) -> bytes:
        path = tmp_path / f"{kind.__name__}.xlsx"
        book = xlsxwriter.Workbook(str(path))
        ws = book.add_worksheet("S", worksheet_class=kind)
        bold, wrap = book.add_format({"bold": True}), book.add_format({"text_wrap": True})
        ws.set_row(5, None, bold)
        ws.set_column(3, 3, 12, wrap)
        texts = ["a", "", 'é « x » <b> & "q"', "  espace ", "=A1", "ligne\nligne", "a" * 300]
        numbers = [0, -1, 3.5, 1e-9, 123456789012345678, 2.0 / 3, float(2**53)]
        for r, (text, number) in enumerate(zip(texts, numbers, strict=True)):
            for c, fmt in enumerate((None, bold, wrap)):
                ws.write_string(r, c, text, fmt)
                ws.write_number(r, c + 3, number, fmt)
        ws.write_datetime(
            8, 0, dt.datetime(2026, 3, 2, 9, 30), book.add_format({"num_format": "dd/mm/yyyy"})
        )
        ws.write_formula(8, 1, "=SUM(E1:E7)", bold, "")
        ws.write_blank(8, 2, None, wrap)
        ws.write_boolean(8, 3, True, bold)
        ws.write_rich_string(8, 4, "un ", bold, "gras", " mot", wrap)
        ws.write_string(9, 0, "ligne de la colonne")
        ws.write_number(5, 4, 7)  # the row's format
        formulas = ["=SUM(A1:A2)", "{=SUM(A1:A2*B1:B2)}", "=SORT(A1:A3)", "A1+1",
                    "=XLOOKUP(1,A1:A2,B1:B2)", '=IF(A1="x";"y";"")', "=SUM(A1:A2)"]  # fmt: skip
        for c, formula in enumerate(formulas):  # a formula twice: its search made once
            value = "y" if c == 5 else "" if c in (0, 3, 4, 6) else 0  # "": no cached result
            ws.write_formula(10, c, formula, bold if c % 3 else None, value)
            ws.write_formula(11, c, formula, bold, value)
            ws.write_formula(5, 6 + c, formula, None, value)  # the row's format
            ws.write_formula(12 + c, 3, formula, None, value)  # the column's
        ws.write_blank(5, 14, None, bold)
        ws.write_blank(20, 3, None, wrap)
        book.close()
        with zipfile.ZipFile(path) as archive:
            return archive.read("xl/worksheets/sheet1.xml")

    mine, theirs = sheet_xml(FormulaSheet), sheet_xml(Worksheet)
    assert mine.count(b"<c ") == 78 and mine == theirs


def test_a_grid_is_deflated_at_the_fastest_level_and_xlsxwriter_is_left_as_it_was(
    tmp_path: Path,
) -> None:
    """Compressing was a sixth of writing a grid: each part is deflated at zlib's level 1
    (larger than XlsxWriter's level 6, read alike), and XlsxWriter's own zip is put back."""
    import zlib

    import xlsxwriter.workbook

    source = rendered_grid(tmp_path)
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile
    with zipfile.ZipFile(source) as archive:
        part = archive.getinfo("xl/worksheets/sheet2.xml")
        data = archive.read(part)
    assert part.compress_type == zipfile.ZIP_DEFLATED

    def deflated(level: int) -> int:
        packer = zlib.compressobj(level, zlib.DEFLATED, -15)
        return len(packer.compress(data) + packer.flush())

    assert part.compress_size == deflated(1) > deflated(6)  # level 1, not 6
    assert read_workbook(source)["Chapitre 1"]  # read back whole

"""The pure translation of a WorkbookSpec into one Sheets batchUpdate body."""

from __future__ import annotations

import datetime as dt
from typing import Any

from capsync.backends.google.requests import PLACEHOLDER_ID, render_requests, sheet_ids
from capsync.backends.google.sheet_rules import editable_rectangles
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
    WorkbookSpec,
)


def _kinds(requests: list[dict[str, Any]]) -> list[str]:
    return [next(iter(r)) for r in requests]


def _of(requests: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r[kind] for r in requests if kind in r]


def _formats(requests: list[dict[str, Any]]) -> dict[tuple[int, int, int], dict[str, Any]]:
    """(sheet id, row, column) → the format the ``repeatCell`` requests give it (each cell once)."""
    out: dict[tuple[int, int, int], dict[str, Any]] = {}
    for repeat in _of(requests, "repeatCell"):
        assert repeat["fields"] == "userEnteredFormat"
        area = repeat["range"]
        for r in range(area["startRowIndex"], area["endRowIndex"]):
            for c in range(area["startColumnIndex"], area["endColumnIndex"]):
                assert (area["sheetId"], r, c) not in out
                out[area["sheetId"], r, c] = repeat["cell"]["userEnteredFormat"]
    return out


def _grid() -> SheetSpec:
    return SheetSpec(
        name="Chapitre 1",
        rows=[
            ["Titre", None, None, None],
            ["ID", "Critère", "Répondant·e 1", "Justification"],
            ["1.1.1", '=IMPORTXML("x")', None, None],
            ["1.1.2", "Projet", 3, "écrit"],
        ],
        header_rows=2,
        column_styles=[Style.LOCKED, Style.LOCKED, Style.INPUT, Style.INPUT],
        cell_styles={(0, 0): Style.TITLE},
        column_widths=[8, 28, 16, 16],
        freeze_rows=2,
        freeze_cols=1,
        hidden_rows=(1,),
        notes={(1, 2): "Tapez un niveau"},
        merges=[CellRange(0, 0, 0, 3)],
        validations=[
            ListValidation(
                CellRange(2, 2, 3, 2), ("0 - Non engagé", "4 - Exemplaire"), "Choisissez"
            ),
            DateValidation(CellRange(2, 3, 3, 3), "Une date"),
        ],
        conditional_formats=[
            ConditionalFormat(CellRange(2, 2, 3, 2), ConditionalKind.COLOR_SCALE),
            ConditionalFormat(CellRange(2, 3, 3, 3), ConditionalKind.TEXT_EQUALS, text="En retard"),
        ],
        protected=True,
        tab_color="#2E75B6",
    )


def _spec() -> WorkbookSpec:
    return WorkbookSpec("Grille", [_grid()], metadata={"kind": "grille", "collective": "na"})


def test_one_batch_swaps_old_sheets_for_new_ones_and_sets_the_title() -> None:
    body = render_requests(_spec(), title="Grille [aci]", old_sheet_ids=[0]).requests
    kinds = _kinds(body)
    assert body[0]["addSheet"]["properties"]["sheetId"] == PLACEHOLDER_ID
    assert body[1] == {"deleteSheet": {"sheetId": 0}}
    assert body[-2] == {"deleteSheet": {"sheetId": PLACEHOLDER_ID}}
    assert body[-1] == {
        "updateSpreadsheetProperties": {
            "properties": {"title": "Grille [aci]", "locale": "fr_FR", "timeZone": "Europe/Paris"},
            "fields": "title,locale,timeZone",
        }
    }
    titles = [a["properties"]["title"] for a in _of(body, "addSheet")]
    assert titles == ["__capsync_remplacement__", "Chapitre 1", IDENTITY_SHEET]
    assert kinds.count("updateCells") == 2


def test_sheet_properties_frozen_hidden_and_tab_colour() -> None:
    rendered = render_requests(_spec(), title="t")
    added = {a["properties"]["title"]: a["properties"] for a in _of(rendered.requests, "addSheet")}
    chapter = added["Chapitre 1"]
    assert chapter["gridProperties"]["frozenRowCount"] == 2
    assert chapter["gridProperties"]["frozenColumnCount"] == 1
    assert chapter["tabColorStyle"]["rgbColor"] == {"red": 0.1804, "green": 0.4588, "blue": 0.7137}
    assert added[IDENTITY_SHEET]["hidden"] is True
    assert "hidden" not in chapter
    assert chapter["sheetId"] == rendered.sheet_ids["Chapitre 1"]


def test_text_is_literal_and_only_formula_objects_are_formulas() -> None:
    spec = WorkbookSpec("t", [SheetSpec("S", rows=[["=1+1", Formula("=2+2"), 3, True, ""]])])
    cells = _of(render_requests(spec, title="t").requests, "updateCells")[0]["rows"][0]["values"]
    assert cells[0]["userEnteredValue"] == {"stringValue": "=1+1"}
    assert cells[1]["userEnteredValue"] == {"formulaValue": "=2+2"}
    assert cells[2]["userEnteredValue"] == {"numberValue": 3}
    assert cells[3]["userEnteredValue"] == {"boolValue": True}
    assert len(cells) == 4  # the empty last cell is not sent: the new sheet has it empty


def test_dates_are_serial_numbers_with_a_french_date_format() -> None:
    spec = WorkbookSpec(
        "t", [SheetSpec("S", rows=[[dt.date(2026, 6, 30), dt.datetime(2026, 6, 30, 12)]])]
    )
    rendered = render_requests(spec, title="t")
    cells = _of(rendered.requests, "updateCells")[0]["rows"][0]["values"]
    assert cells[0]["userEnteredValue"] == {"numberValue": 46203}
    assert cells[1]["userEnteredValue"] == {"numberValue": 46203.5}
    formats = _formats(rendered.requests)
    for c in (0, 1):
        assert formats[rendered.sheet_ids["S"], 0, c]["numberFormat"] == {
            "type": "DATE",
            "pattern": "dd/mm/yyyy",
        }


def test_styles_notes_and_merged_cells() -> None:
    rendered = render_requests(_spec(), title="t")
    body, sid = rendered.requests, rendered.sheet_ids["Chapitre 1"]
    rows = _of(body, "updateCells")[0]["rows"]
    assert all("userEnteredFormat" not in cell for row in rows for cell in row.get("values", []))
    formats = _formats(body)
    title = formats[sid, 0, 0]
    assert title["textFormat"]["bold"] is True and title["textFormat"]["fontSize"] == 14
    header = formats[sid, 1, 1]
    assert header["backgroundColorStyle"]["rgbColor"] == {
        "red": 0.851,
        "green": 0.8824,
        "blue": 0.949,
    }
    assert rows[1]["values"][2]["note"] == "Tapez un niveau"
    answer = formats[sid, 3, 2]
    assert answer["backgroundColorStyle"]["rgbColor"] == {
        "red": 1.0,
        "green": 0.9765,
        "blue": 0.8588,
    }
    assert formats[sid, 0, 1] == title  # merged tail takes the anchor's style
    assert formats[sid, 2, 0] == formats[sid, 3, 1] != answer  # locked columns, one rectangle
    assert sorted(k[1:] for k in formats if k[0] == sid) == [
        (r, c) for r in range(4) for c in range(4)
    ]
    merge = _of(body, "mergeCells")[0]
    assert merge["range"]["endColumnIndex"] == 4 and merge["mergeType"] == "MERGE_ALL"


def test_column_widths_and_hidden_rows() -> None:
    body = render_requests(_spec(), title="t").requests
    dims = _of(body, "updateDimensionProperties")
    columns = [d for d in dims if d["range"]["dimension"] == "COLUMNS"]
    assert [(d["range"]["startIndex"], d["range"]["endIndex"], d["properties"]["pixelSize"])
            for d in columns] == [(0, 1, 61), (1, 2, 201), (2, 4, 117)]  # fmt: skip
    rows = [d for d in dims if d["range"]["dimension"] == "ROWS"]
    assert rows == [
        {
            "range": {"sheetId": rows[0]["range"]["sheetId"], "dimension": "ROWS",
                      "startIndex": 1, "endIndex": 2},
            "properties": {"hiddenByUser": True},
            "fields": "hiddenByUser",
        }
    ]  # fmt: skip


def test_drop_downs_warn_but_accept_and_dates_are_checked() -> None:
    rules = [
        v["rule"] for v in _of(render_requests(_spec(), title="t").requests, "setDataValidation")
    ]
    assert rules[0] == {
        "condition": {
            "type": "ONE_OF_LIST",
            "values": [
                {"userEnteredValue": "0 - Non engagé"},
                {"userEnteredValue": "4 - Exemplaire"},
            ],
        },
        "strict": False,
        "showCustomUi": True,
        "inputMessage": "Choisissez",
    }
    assert rules[1] == {
        "condition": {"type": "DATE_IS_VALID"},
        "strict": False,
        "inputMessage": "Une date",
    }


def test_protected_sheet_leaves_only_the_input_cells_editable() -> None:
    rendered = render_requests(
        _spec(), title="t", editors=["capsync@projet.iam.gserviceaccount.com"]
    )
    ranges = _of(rendered.requests, "addProtectedRange")
    chapter_id = rendered.sheet_ids["Chapitre 1"]
    chapter = next(
        r["protectedRange"] for r in ranges if r["protectedRange"]["range"]["sheetId"] == chapter_id
    )
    assert chapter["range"] == {"sheetId": chapter_id}
    assert chapter["warningOnly"] is False
    assert chapter["editors"] == {"users": ["capsync@projet.iam.gserviceaccount.com"]}
    assert chapter["unprotectedRanges"] == [
        {"sheetId": chapter_id, "startRowIndex": 2, "endRowIndex": 4,
         "startColumnIndex": 2, "endColumnIndex": 4}
    ]  # fmt: skip
    assert len(ranges) == 2  # the identity sheet is protected too


def test_editable_rectangles_follow_ragged_input_areas() -> None:
    sheet = SheetSpec("S", rows=[[None] * 3] * 4,
                      cell_styles={(0, 0): Style.INPUT, (1, 0): Style.INPUT, (1, 1): Style.INPUT,
                                   (3, 2): Style.INPUT_DATE})  # fmt: skip
    assert editable_rectangles(sheet) == [
        CellRange(0, 0, 0, 0), CellRange(1, 0, 1, 1), CellRange(3, 2, 3, 2)
    ]  # fmt: skip


def test_conditional_formats_gradient_and_text() -> None:
    rules = _of(render_requests(_spec(), title="t").requests, "addConditionalFormatRule")
    gradient = rules[0]["rule"]["gradientRule"]
    assert (
        gradient["minpoint"]["value"],
        gradient["midpoint"]["value"],
        gradient["maxpoint"]["value"],
    ) == ("0", "2", "4")
    assert gradient["minpoint"]["colorStyle"]["rgbColor"] == {
        "red": 0.9725,
        "green": 0.4118,
        "blue": 0.4196,
    }
    boolean = rules[1]["rule"]["booleanRule"]
    assert boolean["condition"] == {
        "type": "TEXT_EQ",
        "values": [{"userEnteredValue": "En retard"}],
    }
    assert boolean["format"]["textFormat"]["foregroundColorStyle"]["rgbColor"]["red"] == 0.6118


def test_charts_and_the_radar_substitute() -> None:
    sheet = SheetSpec("Synthèse", rows=[["Chapitre", "Score"], ["1", 2.5], ["2", 3.0]])
    series = (Series("Score", CellRange(1, 1, 2, 1, "Synthèse")),)
    chart = Chart(ChartKind.RADAR, "Profil", CellRange(1, 0, 2, 0, "Synthèse"), series, 5, 0)
    sheet.charts.append(chart)
    rendered = render_requests(WorkbookSpec("t", [sheet]), title="t")
    added = _of(rendered.requests, "addChart")[0]["chart"]
    basic = added["spec"]["basicChart"]
    assert basic["chartType"] == "BAR"
    assert basic["axis"] == [{"position": "BOTTOM_AXIS", "viewWindowOptions": {
        "viewWindowMin": 0.0, "viewWindowMax": 4.0, "viewWindowMode": "EXPLICIT"}}]  # fmt: skip
    assert basic["headerCount"] == 1  # the cell above the series holds its name
    assert basic["series"][0]["series"]["sourceRange"]["sources"][0]["startRowIndex"] == 0
    assert added["position"]["overlayPosition"]["anchorCell"]["rowIndex"] == 5


def test_lines_have_points_and_the_threshold_is_dashed() -> None:
    """As in the .xlsx: a one-date « Progression » shows its points, and the label threshold
    is a dashed line without points over a column chart as over a line chart."""
    sheet = SheetSpec("P", rows=[["Date", "Ch. 1", "Seuil"], ["01/03", 2.0, 2.0]])
    scores = Series("Ch. 1", CellRange(1, 1, 1, 1, "P"))
    threshold = Series("Seuil", CellRange(1, 2, 1, 2, "P"), line=True)
    for kind in (ChartKind.LINE, ChartKind.COLUMN):
        sheet.charts = [Chart(kind, "t", CellRange(1, 0, 1, 0, "P"), (scores, threshold), 3, 0)]
        added = _of(render_requests(WorkbookSpec("t", [sheet]), title="t").requests, "addChart")
        first, second = added[0]["chart"]["spec"]["basicChart"]["series"]
        assert second["lineStyle"] == {"type": "MEDIUM_DASHED", "width": 2}
        assert "pointStyle" not in second
        if kind == ChartKind.LINE:
            assert first["pointStyle"] == {"shape": "CIRCLE", "size": 7}
        else:  # a column takes no point style
            assert "pointStyle" not in first and "lineStyle" not in first


def test_identity_goes_to_the_hidden_sheet_and_to_developer_metadata() -> None:
    rendered = render_requests(_spec(), title="t")
    meta = [m["developerMetadata"] for m in _of(rendered.requests, "createDeveloperMetadata")]
    assert {m["metadataKey"]: m["metadataValue"] for m in meta} == {
        "capsync.kind": "grille",
        "capsync.collective": "na",
    }
    assert all(m["location"] == {"sheetId": rendered.sheet_ids[IDENTITY_SHEET]} for m in meta)


def test_sheet_ids_are_stable_distinct_and_never_zero() -> None:
    first = sheet_ids(["A", "B", "Synthèse"])
    assert first == sheet_ids(["A", "B", "Synthèse"])
    assert len(set(first.values())) == 3 and 0 not in first.values()
    assert PLACEHOLDER_ID not in first.values()

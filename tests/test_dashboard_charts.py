"""What a délégué·e sees in the dashboard's charts, and a structure in its radar: read from the
written xlsx (the chart XML and the cells the charts read), not from the spec."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile
from xml.etree import ElementTree as ET

import openpyxl
import pandas as pd

from capsync.layout.dashboard import dashboard_spec
from capsync.layout.dashboard_sheets import criteria_sheet
from capsync.render.xlsx import render_xlsx_bytes
from capsync.workbook.spec import (
    CellRange,
    Chart,
    ChartKind,
    Series,
    SheetSpec,
    WorkbookSpec,
)
from tests import layout_campaign as lc

NS = {
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
}


def _charts(data: bytes) -> dict[str, ET.Element]:
    """Every chart of the workbook by its title."""
    found = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/charts/chart"):
                root = ET.fromstring(archive.read(name))
                title = "".join(t.text or "" for t in root.findall("c:chart/c:title//a:t", NS))
                found[title] = root
    return found


def _series(chart: ET.Element) -> dict[str, ET.Element]:
    """The chart's series by name, whichever plot (columns, line over them) holds them."""
    return {s.findtext("c:tx/c:v", namespaces=NS): s for s in chart.iter(f"{{{NS['c']}}}ser")}


def _symbol(series: ET.Element) -> str | None:
    symbol = series.find("c:marker/c:symbol", NS)
    return None if symbol is None else symbol.get("val")


def test_the_progression_lines_have_markers_so_a_single_day_still_shows():
    one_day = lc.history()
    one_day = one_day[one_day["date"] == dt.date(2025, 3, 1)]
    data = render_xlsx_bytes(dashboard_spec(dataclasses.replace(lc.inputs(), history=one_day)))
    chart = _charts(data)["Moyenne du collectif par chapitre au fil du temps"]
    series = _series(chart)
    assert _symbol(series["Chapitre 1"]) == "circle"  # one point: a dot, not an empty grid
    assert _symbol(series["Chapitre 2"]) == "circle"
    threshold = series["Seuil du label"]
    assert _symbol(threshold) == "dash"  # a reference, not read as data; still seen on one day
    assert threshold.find("c:spPr/a:ln/a:prstDash", NS).get("val") == "dash"


def test_the_progression_axis_shows_the_sync_dates_not_serial_numbers():
    data = render_xlsx_bytes(dashboard_spec(lc.inputs()))
    chart = _charts(data)["Moyenne du collectif par chapitre au fil du temps"]
    axis = chart.find("c:chart/c:plotArea/c:catAx", NS)
    assert axis is not None
    assert chart.find("c:chart/c:plotArea/c:dateAx", NS) is None  # no month-start ticks
    number_format = axis.find("c:numFmt", NS)
    assert number_format.get("formatCode") == "dd/mm/yyyy"
    assert number_format.get("sourceLinked") == "0"
    assert axis.find("c:auto", NS) is None  # a text axis: one label per sync date
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Progression"]
    assert sheet["A4"].value == dt.datetime(2025, 3, 1)
    assert sheet["A4"].number_format == "dd/mm/yyyy"


def test_the_scores_chart_draws_the_label_threshold_like_the_means_chart():
    data = render_xlsx_bytes(dashboard_spec(lc.inputs()))
    charts = _charts(data)
    for title in ("Scores par structure et par chapitre", "Moyenne du collectif par chapitre"):
        chart = charts[title]
        (line,) = chart.findall("c:chart/c:plotArea/c:lineChart", NS)
        assert [s.findtext("c:tx/c:v", namespaces=NS) for s in line.findall("c:ser", NS)] == [
            "Seuil du label"
        ]
    line = charts["Scores par structure et par chapitre"].find("c:chart/c:plotArea/c:lineChart", NS)
    ref = line.findtext("c:ser/c:val/c:numRef/c:f", namespaces=NS)
    assert ref == "Synthèse!$K$4:$K$7"
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Synthèse"]
    assert sheet["K3"].value == "Seuil du label"
    assert [sheet[f"K{r}"].value for r in range(4, 8)] == [2.0] * 4


def test_a_radar_marks_a_chapter_isolated_between_chapters_not_assessed():
    rows: list[list] = [["Chapitre", "Structure", "Tiers"]]
    rows += [[f"Chapitre {i}", 2.0 + i % 2, 3.0 if i == 3 else None] for i in range(1, 6)]
    radar = Chart(
        kind=ChartKind.RADAR,
        title="Scores par chapitre",
        categories=CellRange(1, 0, 5, 0, "R"),
        series=(
            Series("Structure", CellRange(1, 1, 5, 1, "R")),
            Series("Tiers", CellRange(1, 2, 5, 2, "R")),
        ),
        anchor_row=8,
        anchor_col=0,
    )
    spec = WorkbookSpec(title="t", sheets=[SheetSpec(name="R", rows=rows, charts=[radar])])
    series = _series(_charts(render_xlsx_bytes(spec))["Scores par chapitre"])
    assert _symbol(series["Tiers"]) == "circle"  # its lone chapter 3 is a dot, not nothing
    assert _symbol(series["Structure"]) == "circle"


def _criteria(levels: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"criterion": c, "answered": True, "retained": level}
            for c, found in levels.items()
            for level in found
        ]
    )


def test_criteria_with_most_structures_below_the_level_come_first_as_the_note_says():
    criteria = _criteria(
        {
            "1.1.1": [1.0],  # 1 structure, 100 % below
            "1.1.2": [0.0, 1.0, 1.0, 1.0, 3.0, 3.0],  # 4 of 6 below
            "1.2.1": [1.0, 1.0, 3.0],  # 2 of 3 below
            "2.1.1": [1.0, 3.0, 3.0, 3.0],  # 1 of 4 below
        }
    )
    spec = WorkbookSpec(title="t", sheets=[criteria_sheet(lc.referentiel(), criteria)])
    sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx_bytes(spec)))["Critères"]
    assert "le plus de structures sont sous le niveau 2 viennent en premier" in sheet["A2"].value
    order = [sheet[f"A{r}"].value for r in range(4, 9)]
    assert order == ["1.1.2", "1.2.1", "1.1.1", "2.1.1", "2.1.2"]  # then the share; none last

"""Filter buttons on the dashboard's tables on Google, as in its .xlsx (issue 11, point 5).

A délégué·e on Google narrows « Synthèse » or « Écarts » to one structure or one
status with the header's filter buttons, as one does in Excel: each sheet's table
carries Google's filter (one a sheet, like Excel's autofilter), from its header row
to its last row, read back through the API as the délégué·e's browser would.
"""

from __future__ import annotations

from typing import Any

from capsync.backends.google.requests import render_requests
from capsync.workbook.spec import CellRange, SheetSpec, Style, WorkbookSpec
from tests.google_api.fixtures import GoogleApi

from .test_google_sync import COLLECTIVE, Synced, children, folder, synced  # noqa: F401

DASHBOARD = "Tableau de bord — Collectif de test [tableau-de-bord]"
TABLES = ("Synthèse", "Avancement", "Participation", "Critères", "Suivi des plans", "Label")


def _filters(api: GoogleApi, done: Synced) -> tuple[dict[str, Any], dict[str, list[list[str]]]]:
    top = children(api, folder(api, COLLECTIVE))
    book = done.person.open_by_key(top[DASHBOARD].id)
    meta = book.fetch_sheet_metadata(params={"fields": "sheets(properties(title),basicFilter)"})
    filters = {s["properties"]["title"]: s.get("basicFilter") for s in meta["sheets"]}
    values = {ws.title: ws.get_all_values() for ws in book.worksheets()}
    return filters, values


def test_each_dashboard_table_has_its_filter_from_header_to_last_row(
    google_api: GoogleApi,
    synced: Synced,  # noqa: F811
) -> None:
    report = synced.cycle()
    assert report.ok, report.errors
    filters, values = _filters(google_api, synced)
    for title in TABLES:
        found = filters[title]
        assert found is not None, f"« {title} » has no filter on Google"
        rows = values[title]
        span = found["range"]
        header = rows[span["startRowIndex"]]
        assert header[0], (title, header)  # the table's header row, not a title or a note
        assert header[span["startColumnIndex"]] and header[span["endColumnIndex"] - 1]
        last = max(i for i, row in enumerate(rows) if any(row))
        # every row of the table under it: nothing is left out of a filtered view
        assert span["endRowIndex"] - 1 >= min(last, span["startRowIndex"] + 2), (title, span)
    assert filters["_capsync"] is None  # what has no table has no filter
    assert filters["Écarts"] is None  # « Aucun écart pour le moment » is no table to filter


def test_a_filter_follows_the_spec_and_a_sheet_without_table_gets_none() -> None:
    """Pure: the request is the spec's range, on its sheet; no table, or a sheet people
    type in, no request."""
    table = SheetSpec(name="Synthèse", rows=[["T"], ["Structure", "Score"], ["A", 1]])
    table.autofilter = CellRange(1, 0, 2, 1)
    plain = SheetSpec(name="Note", rows=[["Rien"]])
    table.protected = True  # read-only for people, as a dashboard's sheets: filtered all the same
    grid = SheetSpec(name="Chapitre 1", rows=[["Critère", "Niveau"], ["1.1", None]])
    grid.column_styles, grid.protected = [None, Style.INPUT], True
    grid.autofilter = CellRange(0, 0, 1, 1)  # a grid's: Excel filters it, Google would refuse
    rendered = render_requests(WorkbookSpec(title="x", sheets=[table, plain, grid]), title="x")
    found = [r["setBasicFilter"]["filter"]["range"] for r in rendered.requests
             if "setBasicFilter" in r]  # fmt: skip
    assert found == [{"sheetId": rendered.sheet_ids["Synthèse"], "startRowIndex": 1,
                      "endRowIndex": 3, "startColumnIndex": 0, "endColumnIndex": 2}]  # fmt: skip

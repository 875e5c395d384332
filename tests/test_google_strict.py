"""The test server refuses what Google refuses (issue 14, point 9).

Known-bad requests are sent through the real clients capsync ships with (gspread and
googleapiclient, built by capsync.backends.google.http) and must get Google's error:
400 INVALID_ARGUMENT with the field path the way Google writes it (Sheets), or Drive's
error body with its reason and location. Requests Google accepted in the recordings
must pass the same checks untouched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import gspread
import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.errors import HttpError

from capsync.backends.google.http import drive_service, sheets_client
from tests.google_api import strict
from tests.google_api.errors import ApiError
from tests.google_api.fixtures import GoogleApi

RECORDINGS = Path(__file__).resolve().parents[1] / "../shared/google-api-recordings/cassettes"


@pytest.fixture
def gc(google_api: GoogleApi) -> Iterator[gspread.Client]:
    client = sheets_client(Credentials(token="test-token"), endpoint=google_api.url)
    yield client
    client.http_client.session.close()


@pytest.fixture
def drive(google_api: GoogleApi) -> Iterator[Any]:
    service = drive_service(Credentials(token="test-token"), endpoint=google_api.url)
    yield service
    service.close()


@pytest.fixture
def book(gc: gspread.Client) -> gspread.Spreadsheet:
    return gc.create("Strict")


def _refused(call: Any) -> dict[str, Any]:
    """The Sheets error body of a call that must fail with 400 INVALID_ARGUMENT."""
    with pytest.raises(gspread.exceptions.APIError) as caught:
        call()
    error: dict[str, Any] = caught.value.response.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    return error


def _batch(book: gspread.Spreadsheet, *requests: dict[str, Any]) -> dict[str, Any]:
    return _refused(lambda: book.batch_update({"requests": list(requests)}))


def test_an_unknown_field_is_named_with_its_path(book: gspread.Spreadsheet) -> None:
    props = {"sheetId": 0, "title": "Grille", "headerValues": ["a"]}
    error = _batch(book, {"updateSheetProperties": {"properties": props, "fields": "title"}})
    assert error["message"] == (
        'Invalid JSON payload received. Unknown name "headerValues" at '
        "'requests[0].update_sheet_properties.properties': Cannot find field."
    )
    violation = error["details"][0]["fieldViolations"][0]
    assert violation["field"] == "requests[0].update_sheet_properties.properties"
    assert book.sheet1.title == "Sheet1"  # nothing of the batch was applied


def test_a_string_where_a_boolean_goes(book: gspread.Spreadsheet) -> None:
    props = {"sheetId": 0, "hidden": "yes"}
    error = _batch(book, {"updateSheetProperties": {"properties": props, "fields": "hidden"}})
    assert error["message"] == (
        "Invalid value at 'requests[0].update_sheet_properties.properties.hidden' "
        '(TYPE_BOOL), "yes"'
    )


def test_a_radar_chart_does_not_exist(book: gspread.Spreadsheet) -> None:
    spec = {"basicChart": {"chartType": "RADAR"}}
    error = _batch(book, {"addChart": {"chart": {"spec": spec, "position": {"newSheet": True}}}})
    assert error["message"] == (
        "Invalid value at 'requests[0].add_chart.chart.spec.basic_chart.chart_type' "
        '(type.googleapis.com/google.apps.sheets.v4.BasicChartType), "RADAR"'
    )


def test_a_sheet_id_past_int32(book: gspread.Spreadsheet) -> None:
    error = _batch(book, {"addSheet": {"properties": {"sheetId": 2**31, "title": "x"}}})
    assert error["message"] == (
        "Invalid value at 'requests[0].add_sheet.properties.sheet_id' (TYPE_INT32), 2147483648"
    )
    book.batch_update({"requests": [{"addSheet": {"properties": {"sheetId": 2**31 - 1}}}]})
    assert book.get_worksheet_by_id(2**31 - 1) is not None


def test_two_members_of_one_oneof(book: gspread.Spreadsheet) -> None:
    rng = {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1}
    two_kinds = {
        "repeatCell": {"range": rng, "cell": {}, "fields": "userEnteredValue"},
        "unmergeCells": {"range": rng},
    }
    error = _batch(book, two_kinds)
    assert error["message"] == (
        "Invalid value at 'requests[0]' (oneof), oneof field 'kind' is already set. "
        "Cannot set 'unmergeCells'"
    )
    cell = {"userEnteredValue": {"stringValue": "a", "numberValue": 1}}
    error = _batch(book, {"repeatCell": {"range": rng, "cell": cell, "fields": "*"}})
    assert "oneof field 'value' is already set. Cannot set 'numberValue'" in error["message"]


def test_a_fields_mask_must_name_fields_of_the_answer(
    book: gspread.Spreadsheet, drive: Any
) -> None:
    error = _refused(lambda: book.fetch_sheet_metadata(params={"fields": "sheets.propertys"}))
    assert error["message"] == "Request contains an invalid argument."
    description = error["details"][0]["fieldViolations"][0]["description"]
    assert "Cannot find matching fields for path 'sheets.propertys'" in description
    # Sheets does not trim spaces in a mask (Drive does)
    spaced = {"fields": "properties, sheets.properties"}
    _refused(lambda: book.fetch_sheet_metadata(params=spaced))
    assert book.fetch_sheet_metadata(params={"fields": "properties,sheets.properties"})
    with pytest.raises(HttpError) as caught:
        drive.files().list(fields="files(id, titel)").execute()
    assert caught.value.status_code == 400
    assert caught.value.error_details[0]["reason"] == "invalidParameter"
    assert caught.value.error_details[0]["message"] == "Invalid field selection titel"
    listed = drive.files().list(fields="files(id, name), nextPageToken").execute()
    assert [f["name"] for f in listed["files"]] == ["Strict"]


def test_query_parameters_are_bound_like_google(book: gspread.Spreadsheet, drive: Any) -> None:
    error = _refused(lambda: book.fetch_sheet_metadata(params={"includeGridData": "yes"}))
    assert error["message"] == "Invalid value at 'include_grid_data' (TYPE_BOOL), \"yes\""
    error = _refused(lambda: book.fetch_sheet_metadata(params={"colour": "red"}))
    assert 'Unknown name "colour": Cannot bind query parameter' in error["message"]
    # a required parameter: googleapiclient checks it itself, so send through its transport
    url = f"{drive._baseUrl}files/{book.id}/export"
    response, content = drive._http.request(url)
    assert response.status == 400
    body = json.loads(content)["error"]
    assert body["message"] == "Required parameter: mimeType"
    assert body["errors"][0]["reason"] == "required"


@pytest.mark.parametrize(
    "query",
    ["name > 'a'", "fullText = 'a'", "(name = 'a'", "trashed = maybe", "size > 3"],
)
def test_the_drive_query_grammar(drive: Any, query: str) -> None:
    with pytest.raises(HttpError) as caught:
        drive.files().list(q=query).execute()
    assert caught.value.status_code == 400
    assert caught.value.error_details[0]["location"] == "q"


def test_a_body_past_ten_megabytes(book: gspread.Spreadsheet) -> None:
    """A 13.6 MB batchUpdate (what a 160-structure dashboard was before batches were split)."""
    text = "x" * 40_000
    rows = [{"values": [{"userEnteredValue": {"stringValue": text}}]} for _ in range(340)]
    update = {"updateCells": {"start": {"sheetId": 0}, "rows": rows, "fields": "*"}}
    assert len(json.dumps({"requests": [update]})) > 13_600_000
    error = _batch(book, update)
    assert error["message"] == "Request payload size exceeds the limit: 10485760 bytes."


def test_fifty_thousand_characters_per_cell(book: gspread.Spreadsheet) -> None:
    ws = book.sheet1
    error = _refused(lambda: ws.update([["é" * 50_001]], "A1"))
    assert error["message"] == (
        "Your input contains more than the maximum of 50000 characters in a single cell."
    )
    cell = {"userEnteredValue": {"stringValue": "a" * 50_001}}
    rng = {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1}
    error = _batch(book, {"repeatCell": {"range": rng, "cell": cell, "fields": "*"}})
    assert error["message"].startswith("Invalid requests[0].repeatCell: Your input contains")
    ws.update([["é" * 50_000]], "A1")
    assert len(ws.acell("A1").value) == 50_000


def test_ten_million_cells_per_spreadsheet(book: gspread.Spreadsheet) -> None:
    # Sheet1 holds 1000 x 26 = 26,000 cells; 99,740 x 100 more is exactly ten million
    book.add_worksheet("Plein", rows=99_740, cols=100)
    error = _refused(lambda: book.add_worksheet("De trop", rows=1, cols=1))
    assert error["message"] == (
        "Invalid requests[0].addSheet: This action would increase the number of cells in the "
        "workbook above the limit of 10000000 cells."
    )
    assert [ws.title for ws in book.worksheets()] == ["Sheet1", "Plein"]


def test_protected_range_shapes(book: gspread.Spreadsheet) -> None:
    bounded = {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 5}
    inner = {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2}
    error = _batch(
        book,
        {"addProtectedRange": {"protectedRange": {"range": bounded, "unprotectedRanges": [inner]}}},
    )
    assert error["message"] == (
        "Invalid requests[0].addProtectedRange: Unprotected ranges are only supported on "
        "protected sheets."
    )
    both = {"range": {"sheetId": 0}, "namedRangeId": "abc"}
    error = _batch(book, {"addProtectedRange": {"protectedRange": both}})
    assert "Only one of range, namedRangeId or tableId may be set." in error["message"]
    whole = {"range": {"sheetId": 0}, "unprotectedRanges": [inner], "warningOnly": False}
    book.batch_update({"requests": [{"addProtectedRange": {"protectedRange": whole}}]})
    sheet = book.fetch_sheet_metadata()["sheets"][0]
    # Google leaves sheetId 0 out of a GridRange (the proto default)
    assert sheet["protectedRanges"][0]["unprotectedRanges"] == [
        {"startRowIndex": 1, "endRowIndex": 2}
    ]


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ({"type": "NUMBER_BETWEEN", "values": [{"userEnteredValue": "0"}]}, "number"),
        ({"type": "BLANK"}, "for data validation"),
        ({"type": "TEXT_IS_EMAIL", "values": [{"userEnteredValue": "a"}]}, "number"),
    ],
)
def test_data_validation_rule_shapes(
    book: gspread.Spreadsheet, condition: dict[str, Any], problem: str
) -> None:
    rng = {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 3}
    error = _batch(book, {"setDataValidation": {"range": rng, "rule": {"condition": condition}}})
    assert error["message"].startswith("Invalid requests[0].setDataValidation: Invalid ")
    assert problem in error["message"]


def test_valid_rules_pass(book: gspread.Spreadsheet) -> None:
    rng = {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 3}
    levels = [{"userEnteredValue": str(level)} for level in range(5)]
    rule = {"condition": {"type": "ONE_OF_LIST", "values": levels}, "strict": False}
    book.batch_update({"requests": [{"setDataValidation": {"range": rng, "rule": rule}}]})
    between = {"type": "NUMBER_BETWEEN", "values": levels[:2]}
    book.batch_update(
        {"requests": [{"setDataValidation": {"range": rng, "rule": {"condition": between}}}]}
    )


def _recorded(status_wanted: int) -> Iterator[tuple[str, str, dict[str, Any], Any, str]]:
    for path in sorted(RECORDINGS.glob("*.json")):
        for exchange in json.loads(path.read_text())["interactions"]:
            request, response = exchange["request"], exchange["response"]
            if response["status"]["code"] != status_wanted:
                continue
            split = urlsplit(request["uri"])
            if split.netloc not in ("sheets.googleapis.com", "www.googleapis.com"):
                continue
            parsed = parse_qs(split.query, keep_blank_values=True)
            params: dict[str, Any] = {k: v[-1] for k, v in parsed.items()}
            if "ranges" in parsed:
                params["ranges"] = parsed["ranges"]
            try:
                body = json.loads(request["body"]) if request.get("body") else {}
            except json.JSONDecodeError:
                continue
            yield request["method"], unquote(split.path), params, body, response["body"]["string"]


def test_every_request_google_accepted_passes_and_its_refusals_match() -> None:
    """The recordings are the ground truth: no false refusal, and the same refusal text."""
    if not RECORDINGS.is_dir():
        pytest.skip(f"no Google API recordings at {RECORDINGS.resolve()}")
    accepted = 0
    for method, path, params, body, _ in _recorded(200):
        strict.check(method, path, params, body)
        accepted += 1
    assert accepted > 1500
    refused = 0
    for method, path, params, body, answer in _recorded(400):
        message = json.loads(answer)["error"]["message"]
        if not message.startswith("Invalid value at"):
            continue  # refused later, by the API itself (the handlers say those)
        with pytest.raises(ApiError) as caught:
            strict.check(method, path, params, body)
        assert caught.value.message == message
        refused += 1
    assert refused == 3

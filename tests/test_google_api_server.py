"""The local Google server driven by the real clients capsync ships with (gspread and
googleapiclient, built by capsync.backends.google.http), checking what a user of the API sees."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import gspread
import pytest
import requests
from google.oauth2.credentials import Credentials
from googleapiclient.errors import HttpError

from capsync.backends.google.http import drive_service, sheets_client
from tests.google_api.fixtures import GoogleApi


@pytest.fixture
def creds() -> Credentials:
    return Credentials(token="test-token")


@pytest.fixture
def gc(google_api: GoogleApi, creds: Credentials) -> Iterator[gspread.Client]:
    client = sheets_client(creds, endpoint=google_api.url)
    yield client
    client.http_client.session.close()


@pytest.fixture
def drive(google_api: GoogleApi, creds: Credentials) -> Iterator[Any]:
    service = drive_service(creds, endpoint=google_api.url)
    yield service
    service.close()


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as plain:
        yield plain


def test_create_and_read_back_raw_vs_user_entered(gc: gspread.Client) -> None:
    ws = gc.create("Budget").sheet1
    ws.update(
        [["=1+1", "2020-01-01", "1,234.5", "TRUE"]],
        "A1",
        value_input_option=gspread.utils.ValueInputOption.raw,
    )
    ws.update(
        [["=1+1", "2020-01-01", "1,234.5", "TRUE"]],
        "A2",
        value_input_option=gspread.utils.ValueInputOption.user_entered,
    )
    assert ws.get("A1:D2") == [
        ["=1+1", "2020-01-01", "1,234.5", "TRUE"],
        ["2", "2020-01-01", "1,234.5", "TRUE"],
    ]
    unformatted = ws.get("A1:D2", value_render_option="UNFORMATTED_VALUE")
    assert unformatted == [["=1+1", "2020-01-01", "1,234.5", "TRUE"], [2, 43831, 1234.5, True]]
    assert ws.get("A2", value_render_option="FORMULA") == [["=1+1"]]


def test_batch_update_requests_change_metadata(gc: gspread.Client) -> None:
    book = gc.create("Layout")
    book.batch_update(
        {
            "requests": [
                {
                    "addSheet": {
                        "properties": {
                            "title": "Data",
                            "gridProperties": {"rowCount": 10, "columnCount": 5},
                        }
                    }
                },
                {
                    "updateSpreadsheetProperties": {
                        "properties": {"title": "Renamed"},
                        "fields": "title",
                    }
                },
            ]
        }
    )
    data = book.worksheet("Data")
    data.merge_cells("A1:B2")
    data.add_protected_range("A1:A2")
    book.batch_update(
        {
            "requests": [
                {
                    "addConditionalFormatRule": {
                        "index": 0,
                        "rule": {
                            "ranges": [{"sheetId": data.id, "startRowIndex": 0, "endRowIndex": 5}],
                            "booleanRule": {
                                "condition": {
                                    "type": "NUMBER_GREATER",
                                    "values": [{"userEnteredValue": "5"}],
                                },
                                "format": {"backgroundColor": {"red": 1}},
                            },
                        },
                    }
                }
            ]
        }
    )
    meta = gc.open_by_key(book.id).fetch_sheet_metadata()
    sheet = meta["sheets"][1]
    assert meta["properties"]["title"] == "Renamed"
    assert sheet["properties"]["gridProperties"] == {"rowCount": 10, "columnCount": 5}
    assert sheet["merges"] == [
        {
            "sheetId": data.id,
            "startRowIndex": 0,
            "endRowIndex": 2,
            "startColumnIndex": 0,
            "endColumnIndex": 2,
        }
    ]
    assert len(sheet["protectedRanges"]) == 1
    assert sheet["conditionalFormats"][0]["booleanRule"]["condition"]["type"] == "NUMBER_GREATER"


def test_failed_batch_update_changes_nothing(gc: gspread.Client) -> None:
    book = gc.create("Atomic")
    with pytest.raises(gspread.exceptions.APIError) as err:
        book.batch_update(
            {
                "requests": [
                    {"addSheet": {"properties": {"title": "New"}}},
                    {"deleteSheet": {"sheetId": 12345}},
                ]
            }
        )
    assert err.value.response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert "requests[1].deleteSheet" in err.value.response.json()["error"]["message"]
    assert [ws.title for ws in book.worksheets()] == ["Sheet1"]


def test_drive_list_modified_after_and_paging(
    google_api: GoogleApi, gc: gspread.Client, drive: Any
) -> None:
    old = gc.create("old")
    google_api.clock.advance(3600)
    boundary = drive.files().get(fileId=old.id, fields="modifiedTime").execute()["modifiedTime"]
    google_api.clock.advance(60)
    new = gc.create("new")
    found = (
        drive.files()
        .list(q=f"modifiedTime > '{boundary}' and trashed = false", fields="files(id,name)")
        .execute()["files"]
    )
    assert found == [{"id": new.id, "name": "new"}]
    first = drive.files().list(pageSize=1).execute()
    second = drive.files().list(pageSize=1, pageToken=first["nextPageToken"]).execute()
    assert {first["files"][0]["id"], second["files"][0]["id"]} == {old.id, new.id}
    assert "nextPageToken" not in second


def test_folders_parents_and_trash(drive: Any) -> None:
    folder = (
        drive.files()
        .create(body={"name": "Capsync", "mimeType": "application/vnd.google-apps.folder"})
        .execute()
    )
    sheet = (
        drive.files()
        .create(
            body={
                "name": "In folder",
                "parents": [folder["id"]],
                "mimeType": "application/vnd.google-apps.spreadsheet",
            },
            fields="id,parents",
        )
        .execute()
    )
    assert sheet["parents"] == [folder["id"]]
    inside = drive.files().list(q=f"'{folder['id']}' in parents").execute()["files"]
    assert [f["id"] for f in inside] == [sheet["id"]]
    drive.files().update(fileId=sheet["id"], body={"trashed": True}).execute()
    assert drive.files().list(q="trashed = false and name = 'In folder'").execute()["files"] == []
    drive.files().delete(fileId=sheet["id"]).execute()
    with pytest.raises(HttpError) as err:
        drive.files().get(fileId=sheet["id"]).execute()
    assert err.value.resp.status == 404
    assert err.value.error_details[0]["reason"] == "notFound"


def test_changes_feed_sees_sheets_writes(gc: gspread.Client, drive: Any) -> None:
    book = gc.create("Watched")
    token = drive.changes().getStartPageToken().execute()["startPageToken"]
    before = drive.files().get(fileId=book.id, fields="version,modifiedTime").execute()
    book.sheet1.update([["x"]], "A1")
    after = drive.files().get(fileId=book.id, fields="version,modifiedTime").execute()
    assert int(after["version"]) > int(before["version"])
    assert after["modifiedTime"] > before["modifiedTime"]
    changes = drive.changes().list(pageToken=token).execute()
    assert [c["fileId"] for c in changes["changes"]] == [book.id]
    again = drive.changes().list(pageToken=changes["newStartPageToken"]).execute()
    assert again["changes"] == []


def test_permissions(gc: gspread.Client, drive: Any) -> None:
    book = gc.create("Shared")
    made = (
        drive.permissions()
        .create(
            fileId=book.id,
            body={"type": "user", "role": "writer", "emailAddress": "ana@example.com"},
        )
        .execute()
    )
    assert made["role"] == "writer" and made["type"] == "user"
    drive.permissions().create(fileId=book.id, body={"type": "anyone", "role": "reader"}).execute()
    listed = drive.permissions().list(fileId=book.id, fields="permissions(id,role,type)").execute()
    assert sorted(p["role"] for p in listed["permissions"]) == ["owner", "reader", "writer"]
    with pytest.raises(HttpError) as err:
        drive.permissions().create(
            fileId=book.id, body={"type": "user", "role": "owner", "emailAddress": "b@example.com"}
        ).execute()
    assert err.value.resp.status == 403
    drive.permissions().delete(fileId=book.id, permissionId=made["id"]).execute()
    roles = [p["role"] for p in drive.permissions().list(fileId=book.id).execute()["permissions"]]
    assert roles == ["owner", "reader"]


def test_write_quota_answers_429_until_the_minute_passes(
    google_api: GoogleApi, session: requests.Session
) -> None:
    created = session.post(f"{google_api.url}/v4/spreadsheets", json={}).json()  # write 1
    url = (
        f"{google_api.url}/v4/spreadsheets/{created['spreadsheetId']}/values/A1"
        "?valueInputOption=RAW"
    )
    codes = [session.put(url, json={"values": [[i]]}).status_code for i in range(60)]
    assert codes == [200] * 59 + [429]
    error = session.put(url, json={"values": [["late"]]}).json()["error"]
    assert error["code"] == 429 and error["status"] == "RESOURCE_EXHAUSTED"
    assert error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    assert error["details"][0]["metadata"]["quota_limit"] == "WriteRequestsPerMinutePerUser"
    assert session.get(url.split("?")[0]).status_code == 200  # reads have their own quota
    google_api.clock.advance(61)
    assert session.put(url, json={"values": [["ok"]]}).status_code == 200
    assert google_api.stats.by_kind["write"] == 63
    assert google_api.stats.by_status[429] == 2


def test_request_counter_by_method(google_api: GoogleApi, gc: gspread.Client) -> None:
    ws = gc.create("Counted").sheet1
    google_api.stats.reset()
    ws.update([["a", "b"]], "A1")
    ws.get("A1:B1")
    assert google_api.stats.by_method["values.update"] == 1
    assert google_api.stats.by_method["values.get"] == 1
    assert google_api.stats.total == 2


def test_injected_faults_are_seeded_and_use_google_bodies(
    google_api: GoogleApi, drive: Any, session: requests.Session
) -> None:

    def run() -> list[int]:
        google_api.faults(rate=0.5, codes=(500, 503), seed=7)
        return [
            session.get(f"{google_api.url}/v4/spreadsheets/nope").status_code for _ in range(20)
        ]

    first = run()
    assert first == run()
    assert {500, 503, 404} <= set(first)
    google_api.faults(rate=1.0, codes=(503,))
    body = session.get(f"{google_api.url}/v4/spreadsheets/nope").json()
    assert body["error"]["status"] == "UNAVAILABLE"
    with pytest.raises(HttpError) as err:
        drive.files().list().execute(num_retries=0)
    assert err.value.resp.status == 503
    assert err.value.error_details[0]["reason"] == "backendError"


def test_delay_past_client_timeout(google_api: GoogleApi, gc: gspread.Client) -> None:
    book = gc.create("Slow")
    google_api.faults(delay=0.5, delay_rate=1.0)
    gc.set_timeout(0.1)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        gc.open_by_key(book.id)
    assert time.monotonic() - started < 0.5
    google_api.faults()


def test_unknown_and_unshared_spreadsheets(google_api: GoogleApi, gc: gspread.Client) -> None:
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        gc.open_by_key("does-not-exist")
    google_api.state.add_foreign_file("someone-elses")
    with pytest.raises(PermissionError):  # gspread's translation of Google's 403
        gc.open_by_key("someone-elses")

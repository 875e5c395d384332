"""Drive v3 media upload on the local Google server, driven by real clients: capsync's
own `DriveClient.upload` (requests) and googleapiclient's `MediaInMemoryUpload`, which
write their multipart bodies differently (CRLF and a bare boundary; LF and a quoted one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from google.oauth2.credentials import Credentials
from googleapiclient.http import MediaInMemoryUpload

from capsync.backends.google.drive import DriveClient, DriveError
from capsync.backends.google.http import authorized_session, drive_service
from tests.google_api.fixtures import GoogleApi

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n\r\nEND:VCALENDAR\r\n"
PDF = b"%PDF-1.4\r\n\x00\xff\r\n--not-a-boundary\n%%EOF"


@pytest.fixture
def client(google_api: GoogleApi) -> Iterator[DriveClient]:
    session = authorized_session(Credentials(token="t"), google_api.url)
    yield DriveClient(session)
    session.close()


def upload_url(google_api: GoogleApi, tail: str = "") -> str:
    return f"{google_api.url}/upload/drive/v3/files{tail}"


def test_a_multipart_upload_creates_the_file_with_its_bytes(
    google_api: GoogleApi, client: DriveClient
) -> None:
    folder = client.create("test-na", "application/vnd.google-apps.folder", ["root"], "id")["id"]
    made = client.upload("calendrier.ics", "text/calendar", ICS, [folder])
    entry = google_api.state.files[made["id"]]
    assert (entry.name, entry.mime_type, entry.parents) == ("calendrier.ics", "text/calendar",
                                                            [folder])  # fmt: skip
    assert entry.content == ICS
    assert google_api.stats.by_method["files.create"] == 2
    listed = list(client.list_files(f"'{folder}' in parents", "id,name,size,md5Checksum"))
    assert listed == [{"id": made["id"], "name": "calendrier.ics", "size": str(len(ICS)),
                       "md5Checksum": hashlib.md5(ICS).hexdigest()}]  # fmt: skip


def test_a_patch_upload_replaces_the_content_and_moves_version_and_time(
    google_api: GoogleApi, client: DriveClient
) -> None:
    made = client.upload("x.pdf", "application/pdf", b"%PDF old", ["root"])
    before = client._call("GET", f"{google_api.url}/drive/v3/files/{made['id']}",
                          params={"fields": "version,modifiedTime"})  # fmt: skip
    google_api.clock.advance(5)
    client.upload("x.pdf", "application/pdf", PDF, ["root"], file_id=made["id"])
    after = client._call("GET", f"{google_api.url}/drive/v3/files/{made['id']}",
                         params={"fields": "version,modifiedTime,size"})  # fmt: skip
    assert int(after["version"]) > int(before["version"])
    assert after["modifiedTime"] > before["modifiedTime"]
    assert after["size"] == str(len(PDF))
    downloaded = requests.get(f"{google_api.url}/drive/v3/files/{made['id']}",
                              params={"alt": "media"}, timeout=5)  # fmt: skip
    assert downloaded.content == PDF  # CR, LF, NUL and a fake delimiter all kept
    assert downloaded.headers["Content-Type"] == "application/pdf"
    assert len([f for f in google_api.state.files.values() if f.name == "x.pdf"]) == 1


def test_googleapiclient_multipart_bodies_are_understood(google_api: GoogleApi) -> None:
    drive = drive_service(Credentials(token="t"), endpoint=google_api.url)
    media = MediaInMemoryUpload(ICS, mimetype="text/calendar")
    request = drive.files().create(
        body={"name": "a.ics", "mimeType": "text/calendar"},
        media_body=media,
        fields="id,name,mimeType,size",
    )
    # googleapiclient derives the upload URL from api_endpoint with an https scheme
    request.uri = request.uri.replace("https://", "http://", 1)
    made: dict[str, Any] = request.execute()
    assert made["name"] == "a.ics" and made["size"] == str(len(ICS))
    assert google_api.state.files[made["id"]].content == ICS
    drive.close()


def test_the_fields_mask_filters_the_answer(google_api: GoogleApi) -> None:
    body = (
        b"--b\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
        b'{"name": "n.txt"}\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n'
    )
    headers = {"Content-Type": "multipart/related; boundary=b"}
    plain = requests.post(upload_url(google_api, "?uploadType=multipart"), data=body,
                          headers=headers, timeout=5)  # fmt: skip
    assert set(plain.json()) == {"kind", "id", "name", "mimeType"}
    assert plain.json()["mimeType"] == "text/plain"  # from the media part
    masked = requests.post(upload_url(google_api, "?uploadType=multipart&fields=id,size"),
                           data=body, headers=headers, timeout=5)  # fmt: skip
    assert set(masked.json()) == {"id", "size"} and masked.json()["size"] == "5"


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("application/json", b'{"name": "x"}', "Bad content type. Please use multipart."),
        ("multipart/related; boundary=b", b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n",
         "Malformed multipart body."),
        ("multipart/related; boundary=b",
         b"--b\r\nContent-Type: application/json\r\n\r\n{}\r\n--b--",
         "Invalid multipart request with 1 mime parts."),
    ],
)  # fmt: skip
def test_a_bad_body_gets_google_error_format(
    google_api: GoogleApi, content_type: str, body: bytes, message: str
) -> None:
    answer = requests.post(upload_url(google_api, "?uploadType=multipart"), data=body,
                           headers={"Content-Type": content_type}, timeout=5)  # fmt: skip
    assert answer.status_code == 400
    assert answer.json() == {"error": {"code": 400, "message": message, "errors": [
        {"message": message, "domain": "global", "reason": "badRequest"}]}}  # fmt: skip
    assert google_api.state.files == {}


def test_parents_cannot_be_changed_by_an_update_upload(
    google_api: GoogleApi, client: DriveClient
) -> None:
    made = client.upload("x.ics", "text/calendar", ICS, ["root"])
    body = (
        b'--b\r\nContent-Type: application/json\r\n\r\n{"parents": ["other"]}\r\n'
        b"--b\r\nContent-Type: text/calendar\r\n\r\nnew\r\n--b--\r\n"
    )
    with pytest.raises(DriveError) as caught:
        client._call("PATCH", upload_url(google_api, f"/{made['id']}"),
                     params={"uploadType": "multipart"}, data=body,
                     headers={"Content-Type": "multipart/related; boundary=b"})  # fmt: skip
    assert caught.value.status == 403
    assert caught.value.message.startswith("The parents field is not directly writable")
    assert google_api.state.files[made["id"]].content == ICS


def test_a_google_file_cannot_be_downloaded(google_api: GoogleApi, client: DriveClient) -> None:
    sheet = client.create("Tableur", "application/vnd.google-apps.spreadsheet", ["root"], "id")
    answer = requests.get(f"{google_api.url}/drive/v3/files/{sheet['id']}",
                          params={"alt": "media"}, timeout=5)  # fmt: skip
    assert answer.status_code == 403
    assert answer.json()["error"]["errors"][0]["reason"] == "fileNotDownloadable"

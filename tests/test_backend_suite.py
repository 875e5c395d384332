"""The shared backend suite (tests/backend_suite.py) on the local and the Google backends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from google.oauth2.credentials import Credentials

from capsync.backends.google import GoogleBackend
from capsync.backends.google.backend import SHEETS_URL
from capsync.backends.google.http import sheets_client
from capsync.backends.google.reading import READ_FIELDS, raw_workbook
from capsync.backends.local import LocalBackend
from capsync.backends.xlsx_read import read_workbook
from capsync.campaign.config import GoogleSettings
from capsync.workbook.refs import RawWorkbook, WorkbookRef
from tests import backend_suite
from tests.google_api.fixtures import GoogleApi

LOCAL = backend_suite.Expected(
    files_are_xlsx=True, parallel_workers=True, shares_with_people=False, opening_locks=True
)
GOOGLE = backend_suite.Expected(
    files_are_xlsx=False, parallel_workers=False, shares_with_people=True, opening_locks=False
)


def local_harness(tmp_path: Path) -> backend_suite.Harness:
    backend = LocalBackend(tmp_path)

    def person_types(ref: WorkbookRef, sheet: str, row: int, col: int, text: str) -> None:
        path = backend.path(ref)
        book = openpyxl.load_workbook(path)
        book[sheet].cell(row + 1, col + 1).value = float(text) if text.isdigit() else text
        book.save(path)

    def person_opens(ref: WorkbookRef) -> None:
        path = backend.path(ref)  # LibreOffice leaves its lock file beside the workbook
        path.with_name(f".~lock.{path.name}#").write_text("Sophie Marchand,sophie,poste-2")

    def read_companion(ref: WorkbookRef, extension: str) -> list[bytes]:
        folder = backend.path(ref).parent
        return [p.read_bytes() for p in sorted(folder.glob(f"*.{extension}"))]

    return backend_suite.Harness(
        backend,
        LOCAL,
        person_types,
        person_opens,
        read_backup=lambda where: read_workbook(Path(where)),
        read_companion=read_companion,
    )


def google_harness(api: GoogleApi) -> backend_suite.Harness:
    settings = GoogleSettings(endpoint=api.url)
    backend = GoogleBackend(
        settings, Credentials(token="t"), clock=api.clock, sleep=api.clock.advance
    )
    person = sheets_client(Credentials(token="person"), endpoint=api.url)

    def person_types(ref: WorkbookRef, sheet: str, row: int, col: int, text: str) -> None:
        file_id = backend.file_id(ref)
        assert file_id is not None
        worksheet = person.open_by_key(file_id).worksheet(sheet)
        worksheet.update_cell(row + 1, col + 1, text)  # gspread types USER_ENTERED, like a person

    def person_opens(ref: WorkbookRef) -> None:
        file_id = backend.file_id(ref)
        assert file_id is not None
        person.open_by_key(file_id).worksheets()  # the browser leaves no trace anyone could see

    def read_backup(where: str) -> RawWorkbook:
        assert where.startswith(SHEETS_URL)  # a link a person can open
        answer = person.http_client.fetch_sheet_metadata(
            where.removeprefix(SHEETS_URL), params={"fields": READ_FIELDS}
        )
        return raw_workbook(answer)

    def read_companion(ref: WorkbookRef, extension: str) -> list[bytes]:
        wanted = f"{ref.kind.value if not ref.name else ref.name}.{extension}"
        return [f.content or b"" for f in api.state.files.values() if f.name == wanted]

    return backend_suite.Harness(
        backend, GOOGLE, person_types, person_opens, read_backup, read_companion
    )


@pytest.fixture(params=["local", "google"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[backend_suite.Harness]:
    if request.param == "local":
        yield local_harness(tmp_path)
    else:
        api: GoogleApi = request.getfixturevalue("google_api")
        yield google_harness(api)


@pytest.mark.parametrize("check", backend_suite.CHECKS, ids=lambda c: c.__name__[6:])
def test_backend(
    harness: backend_suite.Harness, check: Callable[[backend_suite.Harness], None]
) -> None:
    check(harness)

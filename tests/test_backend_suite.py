"""The shared backend suite (tests/backend_suite.py) on the local and the Google backends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from google.oauth2.credentials import Credentials

from capsync.backends.google import GoogleBackend
from capsync.backends.google.http import sheets_client
from capsync.backends.local import LocalBackend
from capsync.campaign.config import GoogleSettings
from capsync.workbook.refs import WorkbookRef
from tests import backend_suite
from tests.google_api.fixtures import GoogleApi


def local_harness(tmp_path: Path) -> backend_suite.Harness:
    backend = LocalBackend(tmp_path)

    def person_types(ref: WorkbookRef, sheet: str, row: int, col: int, text: str) -> None:
        path = backend.path(ref)
        book = openpyxl.load_workbook(path)
        book[sheet].cell(row + 1, col + 1).value = float(text) if text.isdigit() else text
        book.save(path)

    return backend_suite.Harness(backend, person_types)


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

    return backend_suite.Harness(backend, person_types)


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

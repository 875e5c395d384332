"""Replay Google's recorded answers (gspread's cassettes) against the local server.

Every in-scope cassette must match exchange for exchange; overall at least 1,917 of the
2,130 recorded exchanges must match. The per-cassette and overall figures are printed in
the terminal summary ("conformance: N/2130 exchanges match").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.google_api.replay import RESULTS, Outcome, replay
from tests.google_api.server import GoogleApiServer

RECORDINGS = Path(__file__).resolve().parents[1] / "../shared/google-api-recordings"
CASSETTES = sorted((RECORDINGS / "cassettes").glob("*.json"))

OUT_OF_SCOPE = {
    "ClientTest.test_openall": "lists and opens the ~50 spreadsheets that already existed in "
    "the recording account; that account's contents cannot be reproduced",
    "ClientTest.test_open_all_has_metadata": "same pre-existing account contents as test_openall",
    "ClientTest.test_import_csv": "Drive v2 media upload with conversion; capsync never "
    "imports CSV through Drive",
    "WorksheetTest.test_auto_resize_columns": "Google measures rendered text in its fonts to "
    "size columns; the double only approximates pixel widths",
}

_outcomes: dict[str, Outcome] = {}


@pytest.fixture(scope="module")
def replayer() -> Iterator[tuple[GoogleApiServer, requests.Session]]:
    if not CASSETTES:
        pytest.skip(f"no Google API recordings at {RECORDINGS.resolve()}")
    server = GoogleApiServer().start()
    with requests.Session() as session:
        yield server, session
    server.stop()


def _outcome(path: Path, replayer: tuple[GoogleApiServer, requests.Session]) -> Outcome:
    if path.stem not in _outcomes:
        _outcomes[path.stem] = replay(replayer[0], path, replayer[1])
    return _outcomes[path.stem]


@pytest.mark.parametrize("path", CASSETTES, ids=[p.stem for p in CASSETTES])
def test_cassette_matches_google(
    path: Path, replayer: tuple[GoogleApiServer, requests.Session]
) -> None:
    outcome = _outcome(path, replayer)
    if path.stem in OUT_OF_SCOPE:
        pytest.skip(f"out of scope: {OUT_OF_SCOPE[path.stem]}")
    assert outcome.matched == outcome.total, "\n".join(outcome.failures[:10])


def test_overall_conformance(replayer: tuple[GoogleApiServer, requests.Session]) -> None:
    for path in CASSETTES:
        _outcome(path, replayer)
    matched = sum(m for m, _ in RESULTS.values())
    total = sum(t for _, t in RESULTS.values())
    assert total == 2130
    assert matched >= 1917, f"conformance: {matched}/{total} exchanges match"


def test_out_of_scope_list_names_real_cassettes() -> None:
    if not CASSETTES:
        pytest.skip(f"no Google API recordings at {RECORDINGS.resolve()}")
    assert set(OUT_OF_SCOPE) <= {p.stem for p in CASSETTES}

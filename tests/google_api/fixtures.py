"""pytest plugin: the `google_api` fixture and the conformance summary line.

One server per test session (starting threads per test would dominate run time); each
test gets it reset, so no spreadsheet, quota window or fault setting leaks between tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .limits import Faults, ManualClock, Stats
from .replay import RESULTS
from .server import GoogleApiServer
from .state import State


class GoogleApi:
    """What a test holds: `url`, `state`, `clock`, `stats`, `reset()`, `faults(...)`."""

    def __init__(self, server: GoogleApiServer, clock: ManualClock) -> None:
        self.server = server
        self.clock = clock

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def state(self) -> State:
        return self.server.state

    @property
    def stats(self) -> Stats:
        return self.server.state.stats

    def reset(self) -> None:
        """Empty Drive and Sheets, zero counters, default quotas, no faults."""
        self.state.reset()
        self.state.quota.reads_per_minute = self.state.quota.writes_per_minute = 60
        self.state.quota.drive_per_minute = 12_000
        self.state.quota.enabled = True

    def faults(
        self,
        rate: float = 0.0,
        codes: tuple[int, ...] = (429, 500, 503),
        delay: float = 0.0,
        delay_rate: float = 0.0,
        seed: int = 0,
    ) -> None:
        """Answer `rate` of requests with one of `codes`, and delay `delay_rate` of them by
        `delay` seconds (past a client's timeout), drawn from a RNG seeded with `seed`."""
        self.state.faults = Faults(
            rate=rate, codes=codes, delay=delay, delay_rate=delay_rate, seed=seed
        )

    def quota(
        self, reads: int = 60, writes: int = 60, enabled: bool = True, drive: int = 12_000
    ) -> None:
        """Per-minute, per-user request quotas (Google's defaults: Sheets 60 reads and 60
        writes, Drive 12,000 queries)."""
        self.state.quota.reads_per_minute = reads
        self.state.quota.writes_per_minute = writes
        self.state.quota.drive_per_minute = drive
        self.state.quota.enabled = enabled


@pytest.fixture(scope="session")
def _google_api_server() -> Iterator[tuple[GoogleApiServer, ManualClock]]:
    clock = ManualClock()
    server = GoogleApiServer(State(clock=clock)).start()
    yield server, clock
    server.stop()


@pytest.fixture
def google_api(_google_api_server: tuple[GoogleApiServer, ManualClock]) -> Iterator[GoogleApi]:
    """A local Google Sheets v4 + Drive v3 server, reset for this test."""
    server, clock = _google_api_server
    api = GoogleApi(server, clock)
    api.reset()
    yield api
    api.reset()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the replay figures so CI logs show how close the double is to Google."""
    if not RESULTS:
        return
    terminalreporter.section("google api conformance")
    for name, (matched, total) in sorted(RESULTS.items()):
        terminalreporter.write_line(f"{name}: {matched}/{total}")
    matched = sum(m for m, _ in RESULTS.values())
    total = sum(t for _, t in RESULTS.values())
    terminalreporter.write_line(f"conformance: {matched}/{total} exchanges match")

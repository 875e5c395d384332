"""Per-minute quotas, fault injection and request counting.

Google refuses the 61st read or write of a minute per user with 429 RESOURCE_EXHAUSTED
(https://developers.google.com/sheets/api/limits: 60 per minute per user per project by
default); capsync's retry and batching logic is only tested if the double refuses too.
The clock is injectable so a test can run 61 writes and move time on without sleeping.
Faults (429/500/503/timeout) are drawn from a seeded random generator so a failing test
replays the same way.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]


class ManualClock:
    """A clock tests move by hand: `clock.advance(61)` instead of sleeping a minute."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


DRIVE_QUERIES_PER_MINUTE = 12_000  # developers.google.com/drive/api/guides/limits, per user


@dataclass
class Quota:
    """Sliding one-minute windows per user: Sheets reads, Sheets writes, and Drive queries.

    Google budgets the two APIs apart: Sheets allows 60 reads and 60 writes a minute per
    user; Drive its own 12,000 queries a minute per user, reads and writes together."""

    reads_per_minute: int = 60
    writes_per_minute: int = 60
    drive_per_minute: int = DRIVE_QUERIES_PER_MINUTE
    enabled: bool = True
    _seen: dict[str, deque[float]] = field(default_factory=dict)

    def admit(self, kind: str, now: float, api: str = "sheets") -> bool:
        """Record a request ("read"/"write" of `api`) unless that would break its quota."""
        bucket = "drive" if api == "drive" else kind
        window = self._seen.setdefault(bucket, deque())
        while window and window[0] <= now - 60:
            window.popleft()
        if self.enabled and len(window) >= self.limit(kind, api):
            return False
        window.append(now)
        return True

    def limit(self, kind: str, api: str = "sheets") -> int:
        if api == "drive":
            return self.drive_per_minute
        return self.reads_per_minute if kind == "read" else self.writes_per_minute

    def reset(self) -> None:
        self._seen.clear()


@dataclass
class Faults:
    """Share of requests answered with an error or delayed, drawn from a seeded RNG."""

    rate: float = 0.0
    codes: tuple[int, ...] = (429, 500, 503)
    delay: float = 0.0
    delay_rate: float = 0.0
    seed: int = 0
    plan: deque[int | None] = field(default_factory=deque)  # the next requests' fates, in order
    _rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def draw(self) -> tuple[int | None, float]:
        """(status to answer instead, seconds to wait first) for the next request."""
        if self.plan:  # a test that needs « the second request fails » says so exactly
            return self.plan.popleft(), 0.0
        code = None
        if self.rate and self._rng.random() < self.rate:
            code = self._rng.choice(self.codes)
        wait = self.delay if self.delay_rate and self._rng.random() < self.delay_rate else 0.0
        return code, wait


class Stats:
    """Thread-safe request counters keyed "<api>.<method>" plus read/write totals, and the
    same per API ("sheets.read", "drive.write", ...) since Google budgets them apart."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_method: Counter[str] = Counter()
        self.by_kind: Counter[str] = Counter()
        self.by_api: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()

    def record(self, method: str, kind: str, status: int, api: str = "sheets") -> None:
        with self._lock:
            self.by_method[method] += 1
            self.by_kind[kind] += 1
            self.by_api[f"{api}.{kind}"] += 1
            self.by_status[status] += 1

    @property
    def total(self) -> int:
        return sum(self.by_method.values())

    def snapshot(self) -> dict[str, dict[str, int]]:
        """A copy safe to keep while the server goes on counting."""
        with self._lock:
            return {
                "by_method": dict(self.by_method),
                "by_kind": dict(self.by_kind),
                "by_api": dict(self.by_api),
                "by_status": {str(k): v for k, v in self.by_status.items()},
            }

    def reset(self) -> None:
        with self._lock:
            self.by_method.clear()
            self.by_kind.clear()
            self.by_api.clear()
            self.by_status.clear()


def real_clock() -> float:
    """Wall-clock seconds, the default when a test does not inject a clock."""
    return time.time()

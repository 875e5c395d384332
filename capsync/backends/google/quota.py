"""Stay inside Google's quotas and ride out its faults.

Google allows one service account 60 read and 60 write requests per minute
(Sheets), and answers 429 past that; it also answers 500/503 now and then,
and a request may time out. Two pieces handle that, for every request capsync
sends — gspread's Sheets calls and the Drive calls alike, since both go
through one ``requests`` session:

- Google budgets the two APIs apart, and so does capsync. Sheets allows 60
  reads and 60 writes a minute per user, counted apart; ``requests_per_minute``
  (default 50) keeps a margin below that, and :class:`SlidingWindow` spends
  all of it: at most ``per_minute`` requests in any sliding minute, any of
  them at once. A cycle alternates reading one collectif's grids and writing
  its outputs, so while it waits for one budget the other refills; a token
  bucket's small burst would waste that (it refills at the same pace whether
  the other budget is being spent or not). Drive allows 12,000 queries a
  minute per user (developers.google.com/drive/api/guides/limits), reads and
  writes together, and capsync spends at most :data:`DRIVE_PER_MINUTE` of
  them through a :class:`TokenBucket` (a burst of ``per_minute // 6``, then
  an even pace) — a twentieth, and paced, because Drive also throttles bursts
  of writes (sharing, creating) on its backend with 429s it does not quantify.
- :class:`ResilientAdapter`: a ``requests`` transport adapter that takes a
  token before each try and retries 429, Drive's 403 ``userRateLimitExceeded`` /
  ``rateLimitExceeded``, 5xx and timeouts with exponential backoff and full
  jitter, a bounded number of times.

Why not the libraries' own retries: gspread's ``BackOffHTTPClient`` sleeps
with ``time.sleep`` (no clock to inject, so tests would really wait), has no
jitter and does not retry timeouts; googleapiclient's ``num_retries`` is sound
but cannot share a budget with gspread without wrapping httplib2. One adapter
under both is simpler and testable with a manual clock.

Not every request may be retried blindly: a Drive ``files.create`` (or
``files.copy``) that timed out or got a 5xx may have created the file, and a
second try would create a twin. Those are retried on 429 only (Google refuses
them before doing anything); the backend finds a file created by a lost
answer at its next listing, by name (see :mod:`.backend`).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from requests.adapters import BaseAdapter, HTTPAdapter

log = logging.getLogger("capsync")

Clock = Callable[[], float]
Sleep = Callable[[float], None]
WINDOW_S = 60.0  # Google's quota period
DRIVE_PER_MINUTE = 600  # of Google's 12,000 Drive queries per minute per user
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
# Drive answers a per-user rate limit with a 403 carrying one of these reasons
RATE_REASONS = frozenset({"userRateLimitExceeded", "rateLimitExceeded"})
_UNSAFE_SUFFIXES = ("/drive/v3/files", "/upload/drive/v3/files", "/copy")


class TokenBucket:
    """At most ``per_minute`` requests in any sliding minute, at an even pace after a
    burst of a sixth of them; waits through ``sleep``."""

    def __init__(self, per_minute: int, clock: Clock = time.monotonic, sleep: Sleep = time.sleep):
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.capacity = float(max(1, per_minute // 6))
        self.rate = max(per_minute - self.capacity, 1.0) / 60.0  # tokens per second
        self.tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def acquire(self) -> float:
        """Take one token, waiting for it if needed; return the seconds waited."""
        waited = 0.0
        with self._lock:
            while True:
                self._refill()
                if self.tokens >= 1.0 - 1e-9:
                    self.tokens -= 1.0
                    return waited
                pause = max((1.0 - self.tokens) / self.rate, 0.01)  # a clock of ~1e9 s has µs steps
                self._sleep(pause)
                waited += pause


class SlidingWindow:
    """At most ``per_minute`` requests in any sliding minute; waits through ``sleep``.

    Google counts Sheets requests per minute and per user: this spends exactly
    that budget, a whole minute's worth at once if the cycle has it to send, then
    waits for the oldest request of the window to be a minute old.
    """

    def __init__(self, per_minute: int, clock: Clock = time.monotonic, sleep: Sleep = time.sleep):
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.limit = per_minute
        self._sent: deque[float] = deque()  # when each request of the last minute was sent
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take a place in the window, waiting for one if needed; return the seconds waited."""
        waited = 0.0
        with self._lock:
            while True:
                now = self._clock()
                while self._sent and self._sent[0] <= now - WINDOW_S:
                    self._sent.popleft()
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    return waited
                pause = max(self._sent[0] + WINDOW_S - now, 0.01)
                self._sleep(pause)
                waited += pause


class Limiter(Protocol):
    def acquire(self) -> float: ...


@dataclass
class RetryPolicy:
    """Exponential backoff with full jitter: try n waits uniform(0, min(cap, base·2ⁿ))."""

    max_tries: int = 8  # backoffs add up to ~1.5 min at worst: a full quota minute
    base: float = 1.0
    cap: float = 32.0
    timeout: float = 60.0  # seconds for one HTTP exchange
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        return self.rng.uniform(0.0, min(self.cap, self.base * 2**attempt))


class RequestBudget:
    """The three budgets (Sheets reads, Sheets writes, Drive), the retry policy, and
    counters of what was really sent."""

    def __init__(
        self,
        per_minute: int = 50,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        policy: RetryPolicy | None = None,
        drive_per_minute: int = DRIVE_PER_MINUTE,
    ):
        self.buckets: dict[str, Limiter] = {
            "read": SlidingWindow(per_minute, clock, sleep),
            "write": SlidingWindow(per_minute, clock, sleep),
            "drive": TokenBucket(drive_per_minute, clock, sleep),
        }
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        # "read" / "write" (Sheets) and "drive": every try, retries included
        self.sent: Counter[str] = Counter()
        self.retries = 0
        self.waited = 0.0  # seconds spent waiting for tokens or backing off

    @property
    def total(self) -> int:
        return sum(self.sent.values())

    def take(self, kind: str) -> None:
        self.waited += self.buckets[kind].acquire()
        self.sent[kind] += 1

    def back_off(self, attempt: int) -> None:
        pause = self.policy.delay(attempt)
        self.retries += 1
        self.waited += pause
        self.sleep(pause)


def request_kind(method: str) -> str:
    """Google counts GETs as reads, everything else as writes."""
    return "read" if method.upper() == "GET" else "write"


def request_bucket(method: str, url: str) -> str:
    """The budget a request spends: Sheets "read" / "write", or "drive" (one quota)."""
    path = url.split("?", 1)[0]
    if "/drive/v3/" in path or path.rstrip("/").endswith("/drive/v3"):
        return "drive"
    return request_kind(method)


def may_retry_after_failure(method: str, url: str) -> bool:
    """Whether a try that failed without an answer (5xx, timeout) may be sent again."""
    if method.upper() != "POST":
        return True
    path = url.split("?", 1)[0].rstrip("/")
    return not path.endswith(_UNSAFE_SUFFIXES)


class ResilientAdapter(HTTPAdapter):
    """Wraps the session's adapter: budget before each try, bounded retries after faults."""

    def __init__(self, inner: BaseAdapter, budget: RequestBudget):
        super().__init__()
        self.inner = inner
        self.budget = budget

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        method = request.method or "GET"
        url = request.url or ""
        kind = request_bucket(method, url)
        safe = may_retry_after_failure(method, url)
        policy = self.budget.policy
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = policy.timeout
        for attempt in range(policy.max_tries):
            last = attempt == policy.max_tries - 1
            self.budget.take(kind)
            try:
                response = self.inner.send(request, *args, **kwargs)
            except (requests.Timeout, requests.ConnectionError) as exc:
                if last or not safe:
                    raise
                log.debug("retrying %s %s after %s", method, url, type(exc).__name__)
                self.budget.back_off(attempt)
                continue
            status = response.status_code
            retry = (
                status == 429 or _rate_limited(response) or (status in RETRIED_STATUSES and safe)
            )
            if not retry or last:
                return response
            log.debug("retrying %s %s after HTTP %d", method, url, status)
            response.close()
            self.budget.back_off(attempt)
        raise AssertionError("unreachable")  # the loop returns or raises on its last try

    def close(self) -> None:
        self.inner.close()
        super().close()


def _rate_limited(response: requests.Response) -> bool:
    """A Drive 403 that only says « too fast » (refused before anything was done)."""
    if response.status_code != 403:
        return False
    try:
        errors = response.json()["error"].get("errors") or []
    except (ValueError, KeyError, TypeError, AttributeError):
        return False
    return any(isinstance(e, dict) and e.get("reason") in RATE_REASONS for e in errors)


def install(session: requests.Session, budget: RequestBudget, hosts: tuple[str, ...]) -> None:
    """Wrap the adapter ``session`` uses for each of ``hosts`` (keeping any redirection)."""
    for host in hosts:
        inner = session.get_adapter(host + "/")
        if isinstance(inner, ResilientAdapter):
            inner = inner.inner
        session.mount(host, ResilientAdapter(inner, budget))

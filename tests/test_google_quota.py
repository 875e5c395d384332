"""The request budget: never more than the quota in any sliding minute; what may be retried."""

from __future__ import annotations

from collections import deque

from capsync.backends.google.quota import (
    DRIVE_PER_MINUTE,
    RequestBudget,
    SlidingWindow,
    TokenBucket,
    may_retry_after_failure,
    request_bucket,
    request_kind,
)
from tests.google_api.limits import ManualClock


def test_no_sliding_minute_holds_more_than_the_budget() -> None:
    clock = ManualClock()
    bucket = TokenBucket(50, clock=clock, sleep=clock.advance)
    window: deque[float] = deque()
    worst = 0
    for _ in range(400):
        bucket.acquire()
        window.append(clock())
        while window[0] <= clock() - 60:
            window.popleft()
        worst = max(worst, len(window))
    assert worst <= 50
    assert worst >= 45  # and the budget is used, not wasted


def test_sheets_spend_their_whole_minute_and_never_more() -> None:
    """Sheets' budget is a sliding minute: a minute's worth at once, then one more each time
    the oldest is a minute old, so a cycle waiting on writes finds its reads refilled."""
    clock = ManualClock()
    window_ = SlidingWindow(50, clock=clock, sleep=clock.advance)
    assert [window_.acquire() for _ in range(50)] == [0.0] * 50
    start = clock()
    sent: deque[float] = deque([start] * 50)
    worst = 0
    for _ in range(500):
        window_.acquire()
        sent.append(clock())
        while sent[0] <= clock() - 60:
            sent.popleft()
        worst = max(worst, len(sent))
    assert worst == 50
    assert abs(clock() - start - 600) < 0.1  # 500 more at 50 a minute: ten minutes, no more


def test_a_burst_starts_at_once_then_waits() -> None:
    clock = ManualClock()
    bucket = TokenBucket(60, clock=clock, sleep=clock.advance)
    assert [bucket.acquire() for _ in range(10)] == [0.0] * 10
    assert bucket.acquire() > 0


def test_creations_are_not_retried_blindly_after_a_lost_answer() -> None:
    assert not may_retry_after_failure(
        "POST", "https://www.googleapis.com/drive/v3/files?fields=id"
    )
    assert not may_retry_after_failure("POST", "https://www.googleapis.com/drive/v3/files/x/copy")
    assert may_retry_after_failure(
        "POST", "https://sheets.googleapis.com/v4/spreadsheets/x:batchUpdate"
    )
    assert may_retry_after_failure("GET", "https://www.googleapis.com/drive/v3/files")
    assert request_kind("GET") == "read" and request_kind("PATCH") == "write"


def test_sheets_and_drive_are_budgeted_apart() -> None:
    """Google gives Drive its own, much larger quota: Drive calls never wait for Sheets'."""
    assert request_bucket("GET", "https://sheets.googleapis.com/v4/spreadsheets/x") == "read"
    assert request_bucket("POST", "https://sheets.googleapis.com/v4/spreadsheets") == "write"
    assert request_bucket("POST", "https://www.googleapis.com/drive/v3/files?q=x") == "drive"
    assert request_bucket("GET", "https://www.googleapis.com/drive/v3/files") == "drive"
    assert request_bucket("PATCH", "https://www.googleapis.com/upload/drive/v3/files/x") == "drive"
    clock = ManualClock()
    budget = RequestBudget(50, clock=clock, sleep=clock.advance)
    for _ in range(60):
        budget.take("write")  # Sheets writes past their minute: the clock had to move
    assert clock() > ManualClock()()
    spent = clock()
    for _ in range(DRIVE_PER_MINUTE // 6):
        budget.take("drive")  # Drive's burst is untouched by Sheets' waiting
    assert clock() == spent
    assert budget.sent == {"write": 60, "drive": DRIVE_PER_MINUTE // 6}

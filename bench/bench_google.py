"""Requests and simulated time of each step on the Google backend, against the test server.

Run by hand, never in CI::

    .venv/bin/python -m bench.bench_google [--structures 550] [--changed 10] [--only generation]

The campaign is the synthetic network of ``bench_local.py``: the real example
référentiel, 550 structures of 8 respondents in 11 collectifs of 50. The test server
runs in this process with Google's quotas — Sheets 60 reads and 60 writes a minute per
user, Drive 12,000 queries a minute per user, counted apart — and a manual clock that
capsync's request budget advances when it waits, so ``simulated_s`` is what the step
would take against Google. People's own typing is not capsync's budget: it is done with
the quota off, between steps.

One JSON line per step: ``{"step", "requests", "by_method", "simulated_s", ...}``:

- first generation (every grid created and shared);
- first full cycle with outputs: every grid read, dashboards and calendars written,
  and, on the day a regroupement's window opens, every structure's restitution
  (workbook + PDF);
- nothing changed: the next cycle;
- k changed grids: k structures each change one answer, then a cycle (its ``reads``
  count must stay ≤ k + 2);
- one changed grid: one structure changes one answer, then a cycle (≤ 10 requests);
- 55 changed grids: a tenth of the network, then a cycle (≤ 3 minutes simulated);
- nothing changed, new process: a cycle by a backend that has listed nothing yet, as a
  fresh ``capsync sync`` would (said, no target).

Each line carries its ``target`` and whether it was met (``ok``) when the step has one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
from google.oauth2.credentials import Credentials

from capsync.backends.google import GoogleBackend
from capsync.backends.google.http import sheets_client
from capsync.campaign.validation import Campaign, load_campaign
from capsync.jobs.generate import generate
from capsync.jobs.sync import CycleReport, run_cycle
from capsync.store.database import Store
from capsync.store.sync_state import SyncState
from capsync.workbook.grid_schema import COL_RETAINED, FIRST_DATA_ROW, KEY_ROW
from capsync.workbook.refs import Kind, WorkbookRef
from tests.google_api.limits import ManualClock
from tests.google_api.server import GoogleApiServer
from tests.google_api.state import State

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_local import synthetic_config
from bench_sync import regroupement_day

GENERATED = dt.datetime(2026, 3, 2, 9, 0)
# step → (what is measured, at most): the targets of issues 11 and 14
TARGETS: dict[str, tuple[str, float]] = {
    "first generation": ("simulated_s", 900),
    "first full cycle with outputs": ("simulated_s", 1200),
    "nothing changed": ("requests", 2),
    "one changed grid": ("requests", 10),
    "55 changed grids": ("simulated_s", 180),
}


def judged(row: dict[str, Any], changed: int) -> dict[str, Any]:
    """The row with its target and whether it was met."""
    if row["step"] == f"{changed} changed grids":
        row["target"], row["ok"] = f"reads ≤ {changed + 2}", row["reads"] <= changed + 2
    elif row["step"] in TARGETS:
        what, most = TARGETS[row["step"]]
        row["target"], row["ok"] = f"{what} ≤ {most:g}", row[what] <= most
    return row


def google_campaign(folder: Path, n: int, endpoint: str) -> Campaign:
    """The synthetic campaign with its backend switched to the local Google server."""
    path = synthetic_config(folder, n)
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["backend"] = {
        "kind": "google",
        "data_dir": "data",
        "google": {"endpoint": endpoint, "requests_per_minute": 50},
    }
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    return load_campaign(path)


def measure(server: GoogleApiServer, clock: ManualClock, step: str, action: Callable[[], Any]
            ) -> dict[str, Any]:  # fmt: skip
    stats = server.state.stats
    stats.reset()
    start, wall = clock(), time.perf_counter()
    done = action()
    snapshot = stats.snapshot()
    said = {"produced": len(done.produced()), "failed": done.errors} if isinstance(
        done, CycleReport) else {}  # fmt: skip
    return {
        "step": step,
        "requests": stats.total,
        "by_method": dict(sorted(snapshot["by_method"].items())),
        "simulated_s": round(clock() - start, 1),
        "by_api": snapshot["by_api"],
        "reads": snapshot["by_kind"].get("read", 0),
        "errors": {k: v for k, v in snapshot["by_status"].items() if int(k) >= 400},
        "wall_s": round(time.perf_counter() - wall, 1),
        **said,
    }


def type_answers(server: GoogleApiServer, backend: GoogleBackend, refs: list[WorkbookRef],
                 level: str) -> None:  # fmt: skip
    """Each structure's contact types one « Niveau retenu » in its grid, in the browser."""
    person = sheets_client(Credentials(token="person"), endpoint=server.url)
    server.state.quota.enabled = False
    try:
        for ref in refs:
            raw = backend.read(ref)
            sheet = next(name for name, rows in raw.items()
                         if len(rows) > KEY_ROW and COL_RETAINED in rows[KEY_ROW])  # fmt: skip
            column = raw[sheet][KEY_ROW].index(COL_RETAINED)
            book = person.open_by_key(backend.file_id(ref))
            book.worksheet(sheet).update_cell(FIRST_DATA_ROW + 1, column + 1, level)
    finally:
        server.state.quota.enabled = True
        server.state.quota.reset()


def run(n: int, changed: int, only: str | None = None) -> Iterator[dict[str, Any]]:
    clock = ManualClock()
    server = GoogleApiServer(State(clock=clock)).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            camp = google_campaign(Path(tmp), n, server.url)
            settings, token = camp.config.backend.google, Credentials(token="t")
            backend = GoogleBackend(settings, token, config=camp.config, clock=clock,
                                    sleep=clock.advance)  # fmt: skip
            refs = [WorkbookRef(c.id, Kind.GRID, s.id)
                    for c in camp.config.collectives for s in c.structures]  # fmt: skip
            yield measure(server, clock, "first generation",
                          lambda: generate(camp, backend, workers=1, now=GENERATED))  # fmt: skip
            if only == "generation":
                return
            type_answers(server, backend, refs, "2")
            day = regroupement_day(camp.config_path)
            with Store(Path(tmp) / "s.sqlite") as store, SyncState(Path(tmp) / "st.sqlite") as st:

                def cycle(minutes: int) -> Callable[[], Any]:
                    moment = day + dt.timedelta(minutes=minutes)
                    return lambda: run_cycle(camp, backend, store, st, now=moment)

                yield measure(server, clock, "first full cycle with outputs", cycle(0))
                clock.advance(900)
                yield measure(server, clock, "nothing changed", cycle(15))
                type_answers(server, backend, refs[:: max(1, len(refs) // changed)][:changed], "3")
                clock.advance(900)
                yield measure(server, clock, f"{changed} changed grids", cycle(30))
                type_answers(server, backend, refs[len(refs) // 2 : len(refs) // 2 + 1], "4")
                clock.advance(900)
                yield measure(server, clock, "one changed grid", cycle(45))
                tenth = refs[3 :: max(1, len(refs) // 55)][:55]
                type_answers(server, backend, tenth, "1")
                clock.advance(900)
                yield measure(server, clock, f"{len(tenth)} changed grids", cycle(60))
                clock.advance(900)
                fresh = GoogleBackend(settings, token, config=camp.config, clock=clock,
                                      sleep=clock.advance)  # fmt: skip
                moment = day + dt.timedelta(minutes=75)
                yield measure(server, clock, "nothing changed, new process",
                              lambda: run_cycle(camp, fresh, store, st, now=moment))  # fmt: skip
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--structures", type=int, default=550)
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--only", choices=["generation"], help="measure the first step only")
    args = parser.parse_args()
    for row in run(args.structures, args.changed, args.only):
        print(json.dumps(judged(row, args.changed), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()

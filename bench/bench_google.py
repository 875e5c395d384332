"""Requests and simulated time per cycle on the Google backend, against the local test server.

Run by hand: ``python -m bench.bench_google 20 550``. The server runs in-process
with a manual clock that the backend's quota budget advances when it waits, so
"simulated time" is what the same cycle would take against Google's quotas
(60 reads / 60 writes per minute; capsync budgets 50). Figures for: first
generation, cold pull, a pull with nothing changed, a pull with 10 % of the
grids changed — next to a plain gspread script that opens each spreadsheet and
reads each worksheet.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gspread
from google.oauth2.credentials import Credentials

from capsync.backends.google import GoogleBackend
from capsync.backends.google.http import sheets_client
from capsync.campaign.config import GoogleSettings
from capsync.jobs.generate import generate
from capsync.jobs.pull import pull
from capsync.store.database import Store
from capsync.workbook.refs import Kind, WorkbookRef
from tests.google_api.limits import ManualClock
from tests.google_api.server import GoogleApiServer
from tests.google_api.state import State
from tests.grid_campaign import config, write_campaign

NOW = dt.datetime(2026, 3, 2, 9, 0)


def campaign_of(n: int, folder: Path) -> Any:
    cfg = config()
    template = cfg["collectives"][0]
    collectives = []
    per = 14
    for c in range((n + per - 1) // per):
        coll = {**template, "id": f"coll-{c:02d}", "structures": []}
        for s in range(c * per, min(n, (c + 1) * per)):
            coll["structures"].append(
                {
                    "id": f"s-{s:03d}",
                    "name": f"Structure {s}",
                    "type": "ACI",
                    "contacts": [f"contact{s}@example.org"],
                }
            )
        collectives.append(coll)
    cfg["collectives"] = collectives
    return write_campaign(folder, cfg=cfg)


def measure(server: GoogleApiServer, clock: ManualClock, label: str, action: Any) -> dict[str, Any]:
    server.state.stats.reset()
    start_clock, start_wall = clock(), time.perf_counter()
    action()
    return {
        "step": label,
        "requests": server.state.stats.total,
        "by_method": dict(server.state.stats.by_method),
        "simulated_s": round(clock() - start_clock, 1),
        "wall_s": round(time.perf_counter() - start_wall, 1),
    }


def run(n: int) -> Iterator[dict[str, Any]]:
    clock = ManualClock()
    server = GoogleApiServer(State(clock=clock)).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            camp = campaign_of(n, Path(tmp))
            settings = GoogleSettings(endpoint=server.url, requests_per_minute=50)

            def backend() -> GoogleBackend:
                token = Credentials(token="t")
                return GoogleBackend(
                    settings, token, config=camp.config, clock=clock, sleep=clock.advance
                )

            first = backend()
            yield (
                measure(
                    server,
                    clock,
                    "first generation",
                    lambda: generate(camp, first, workers=1, now=NOW),
                )
            )
            store = Store(Path(tmp) / "s.sqlite")
            cold = backend()  # a new process: nothing cached
            yield (
                measure(
                    server, clock, "cold pull", lambda: pull(camp, cold, store, now=NOW, workers=1)
                )
            )
            yield (
                measure(
                    server,
                    clock,
                    "nothing changed",
                    lambda: pull(camp, cold, store, now=NOW, workers=1),
                )
            )
            person = sheets_client(Credentials(token="person"), endpoint=server.url)
            server.state.quota.enabled = False  # people's typing is not capsync's budget
            refs = [
                WorkbookRef(c.id, Kind.GRID, s.id)
                for c in camp.config.collectives
                for s in c.structures
            ]
            changed = refs[::10]
            for ref in changed:
                person.open_by_key(cold.file_id(ref)).worksheet("Chapitre 1").update_acell(
                    "F4", "3"
                )
            server.state.quota.enabled = True
            clock.advance(60)  # people type between two cycles; their requests are not capsync's
            server.state.quota.reset()
            yield (
                measure(
                    server,
                    clock,
                    f"{len(changed)} changed (10 %)",
                    lambda: pull(camp, cold, store, now=NOW, workers=1),
                )
            )
            ids = [cold.file_id(r) for r in refs]
            plain = sheets_client(Credentials(token="t"), endpoint=server.url)

            def gspread_script() -> None:
                for file_id in ids:
                    for _ in range(100):
                        try:
                            book = plain.open_by_key(file_id)
                            for ws in book.worksheets():
                                ws.get_all_values()
                            break
                        except gspread.exceptions.APIError:  # 429: wait as a naive script would
                            clock.advance(10)

            yield (measure(server, clock, "plain gspread: open + read every sheet", gspread_script))
            store.close()
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", nargs="*", type=int, default=[20])
    args = parser.parse_args()
    for n in args.sizes:
        print(f"\n## {n} structures", flush=True)
        print("| step | requests | simulated time (s) | wall (s) | by method |")
        print("|---|---|---|---|---|")
        for row in run(n):
            methods = ", ".join(f"{k} {v}" for k, v in sorted(row["by_method"].items()))
            cells = [row["step"], row["requests"], row["simulated_s"], row["wall_s"], methods]
            print("| " + " | ".join(str(c) for c in cells) + " |", flush=True)


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of ``capsync sync`` (run by hand, not in CI): 550 structures, local backend.

Builds the filled synthetic campaign of ``bench_pull.py`` (550 structures of 8
respondents in 11 collectifs, every grid filled), then measures, each case in
a fresh process so that its peak memory is its own:

- a cold cycle (empty store: pull 550 grids, score, write 11 dashboards,
  11 calendars and .ics; restitutions are documents of events, so a cold
  cycle outside any event's window produces none);
- a cycle where nothing changed (the daemon's common case);
- a cycle after 1 grid changed, and after 10 % of the grids changed (one answer
  each): the files rewritten must grow with the grids changed (O(k));
- a regroupement's restitutions: every structure's, on the day its window opens;
- a bare python-calamine pass over the same grids, measured in the same run, so
  that the cold sync is given as a ratio of it (target: ≤ 6×);
- the wall time of the ``capsync -q sync`` command with nothing changed,
  start-up included.

Every line ends with the load average of the machine when it was measured
(``load 1.2``): on a shared machine the absolute figures follow it, the ratio to
the calamine pass of the same run much less.

Usage::

    .venv/bin/python bench/bench_sync.py [--structures 550]
    .venv/bin/python bench/bench_sync.py --only config      # 550 and 4 400 structures
    .venv/bin/python bench/bench_sync.py --only cli --config CAMPAIGN/capsync.yaml
    .venv/bin/python bench/bench_sync.py --only cold --structures 4400   # peak memory
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pull import build

BENCH_NOW = dt.datetime(2026, 4, 1, 9, 0)  # no event of the synthetic calendars is due


def measure(config: Path, now: dt.datetime = BENCH_NOW) -> dict[str, float]:
    """One sync cycle, in this (fresh) process."""
    from capsync.backends.local import LocalBackend
    from capsync.campaign.validation import load_campaign
    from capsync.jobs.sync import run_cycle, state_path
    from capsync.store.database import Store
    from capsync.store.sync_state import SyncState

    t0 = time.perf_counter()
    campaign = load_campaign(config)
    loaded = time.perf_counter() - t0
    backend = LocalBackend(campaign.data_dir)
    with Store.open(campaign.data_dir) as store, SyncState(state_path(campaign.data_dir)) as st:
        t0 = time.perf_counter()
        report = run_cycle(campaign, backend, store, st, now=now)
        seconds = time.perf_counter() - t0
    written = sum(len(c.written) for c in report.collectives)
    to_fix = sum(1 for c in report.collectives for w in c.written if "a-corriger" in w)
    assert report.ok, report.errors
    return {
        "seconds": seconds,
        "load_config_seconds": loaded,
        "grids_read": report.pull.read if report.pull else 0,
        "outputs_written": written,
        "produced": len(report.produced()),
        "to_fix": to_fix,
        "anomalies": float(len(report.pull.anomalies) if report.pull else 0),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "workers_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "cpu_seconds": sum(
            resource.getrusage(who)[0] + resource.getrusage(who)[1]
            for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        ),
    }


def change_some(config: Path, share: float) -> int:
    """Change one answer in ``share`` of the grids, as a person saving in Excel would."""
    import openpyxl

    grids = sorted((config.parent / "data").rglob("grilles/*.xlsx"))
    chosen = grids[:: max(1, round(1 / share))]
    for path in chosen:
        book = openpyxl.load_workbook(path)
        sheet = book["Chapitre 1"]
        keys = [c.value for c in sheet[2]]
        sheet.cell(4, keys.index("retenu") + 1).value = "4 - Exemplaire"
        book.save(path)
    return len(chosen)


def _run(config: Path, now: dt.datetime = BENCH_NOW) -> dict[str, float]:
    args = [sys.executable, __file__, "--measure", "--config", str(config)]
    args += ["--now", now.isoformat()]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def load() -> str:
    """The machine's load average (1 and 5 minutes), written next to each figure."""
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def _line(name: str, m: dict[str, float]) -> str:
    return (
        f"{name}: {m['seconds']:.2f} s in process (+{m['load_config_seconds']:.2f} s to load the "
        f"config; {m.get('cpu_seconds', 0):.1f} s of CPU with the workers) — "
        f"{m['grids_read']:.0f} grids read, {m['outputs_written']:.0f} outputs "
        f"written ({m.get('produced', 0):.0f} restitutions produced, {m.get('to_fix', 0):.0f} "
        f"« À corriger », {m.get('anomalies', 0):.0f} anomalies); "
        f"peak RSS {m['rss_mb']:.0f} MB (workers {m.get('workers_rss_mb', 0):.0f} MB each at "
        f"most) — {load()}"
    )


def calamine_pass(config: Path) -> float:
    """A bare python-calamine read of every grid, in a fresh process: the floor of a pull."""
    script = Path(__file__).resolve().parent / "bench_pull.py"
    args = [sys.executable, str(script), "--measure", "calamine", "--config", str(config)]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return float(json.loads(out.splitlines()[-1])["seconds"])


def regroupement_day(config: Path) -> dt.datetime:
    """The first day a regroupement's window opens, after the benchmark's ``now``."""
    from capsync.campaign.validation import load_campaign

    campaign = load_campaign(config)
    days = campaign.config.settings.restitution_days_before
    dates = [
        p.date - dt.timedelta(days=days)
        for c in campaign.config.collectives
        for p in c.calendar
        if p.kind.value == "regroupement" and p.date - dt.timedelta(days=days) > BENCH_NOW.date()
    ]
    return dt.datetime.combine(min(dates), dt.time(9, 0))


def config_loading(sizes: tuple[int, ...] = (550, 4400), cached: bool = False) -> dict[int, float]:
    """Seconds to load and validate the synthetic configuration of each size, each in a fresh
    process (best of 3): loading must grow linearly with the structures. Parsed each time
    (the YAML cache off), or, with ``cached``, read from a cache the first run filled."""
    from bench_local import synthetic_config

    code = (
        "import sys, time; from pathlib import Path; "
        "from capsync.campaign.validation import load_campaign; "
        "t = time.perf_counter(); load_campaign(Path(sys.argv[1])); "
        "print(time.perf_counter() - t)"
    )
    seconds: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, CAPSYNC_CACHE_DIR=str(Path(tmp) / "cache") if cached else "")
        for n in sizes:
            (Path(tmp) / str(n)).mkdir()
            config = synthetic_config(Path(tmp) / str(n), n)
            runs = [
                float(
                    subprocess.run(
                        [sys.executable, "-c", code, str(config)],
                        check=True,
                        capture_output=True,
                        text=True,
                        env=env,
                    ).stdout
                )
                for _ in range(4 if cached else 3)
            ]
            seconds[n] = min(runs[1:] if cached else runs)  # cached: the first one fills it
    return seconds


def cli_no_change(config: Path, runs: int = 5) -> list[float]:
    """Wall times of ``capsync -q sync`` with nothing changed, start-up included; the first
    run (today's own cycle, and the YAML cache filled, in a folder of the benchmark's)
    is not counted."""
    cli = [sys.executable, "-m", "capsync", "--config", str(config), "-q", "sync"]
    times = []
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, CAPSYNC_CACHE_DIR=cache)
        subprocess.run(cli, check=False, capture_output=True, env=env)
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(cli, check=False, capture_output=True, env=env)
            times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--structures", type=int, default=550)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    parser.add_argument(
        "--only",
        choices=["config", "cli", "cold"],
        help="only the configuration loading, only the no-change CLI (on the campaign of "
        "--config, already synced), or only a cold cycle next to calamine (--structures)",
    )
    args = parser.parse_args()
    if args.only == "config":
        _print_config_loading()
        return
    if args.only == "cli":
        times = cli_no_change(args.config)
        print("capsync -q sync, nothing changed: " + ", ".join(f"{t:.2f}" for t in times)
              + f" s — {load()}")  # fmt: skip
        return
    if args.measure:
        now = dt.datetime.fromisoformat(args.now) if args.now else BENCH_NOW
        print(json.dumps(measure(args.config, now)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CAPSYNC_CACHE_DIR"] = str(Path(tmp) / "cache")  # not the user's ~/.cache
        t0 = time.perf_counter()
        config = build(Path(tmp), args.structures)
        print(f"built {args.structures} filled grids in {time.perf_counter() - t0:.1f} s")
        bare = calamine_pass(config)
        print(f"bare python-calamine pass: {bare:.2f} s — {load()}")
        cold = _run(config)
        print(_line("cold sync", cold) + f" — {cold['seconds'] / bare:.1f}× calamine")
        after = calamine_pass(config)
        print(f"bare python-calamine pass again: {after:.2f} s — {load()}")
        if args.only == "cold":
            return
        print(_line("nothing changed", _run(config)))
        changed = change_some(config, 1 / args.structures)
        print(_line(f"{changed} grid changed", _run(config)))
        changed = change_some(config, 0.10)
        print(_line(f"{changed} grids changed (10 %)", _run(config)))
        day = regroupement_day(config)
        print(_line(f"regroupement window opens ({day:%d/%m/%Y})", _run(config, day)))
        times = sorted(cli_no_change(config))
        print(
            f"capsync -q sync, nothing changed: median {times[len(times) // 2]:.2f} s wall time "
            f"(best {times[0]:.2f}, worst {times[-1]:.2f}, 5 runs) — {load()}"
        )
    _print_config_loading()


def _print_config_loading() -> None:
    for n, seconds in config_loading().items():
        print(f"configuration loading, {n} structures: {seconds:.2f} s (best of 3) — {load()}")
    for n, seconds in config_loading(cached=True).items():
        print(
            f"configuration loading, {n} structures, unchanged files (YAML cache): "
            f"{seconds:.3f} s (best of 3) — {load()}"
        )


if __name__ == "__main__":
    main()

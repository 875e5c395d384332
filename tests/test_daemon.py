"""The daemon: cycles on a schedule, survives failures, stops cleanly on SIGTERM."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from capsync.cli import main
from capsync.errors import CapsyncError
from capsync.jobs.daemon import NAP, Daemon, interval_text, parse_interval
from capsync.jobs.status import RunStatus, read_status

from .example_campaign import copy_example
from .french_output import plain

START = dt.datetime(2026, 11, 23, 9, 0)


class ManualClock:
    """Time that passes only when the daemon sleeps (or a cycle says it took a while)."""

    def __init__(self) -> None:
        self.elapsed = 0.0
        self.naps: list[float] = []
        self.on_sleep: Callable[[], None] | None = None

    def now(self) -> dt.datetime:
        return START + dt.timedelta(seconds=self.elapsed)

    def monotonic(self) -> float:
        return 1000.0 + self.elapsed

    def sleep(self, seconds: float) -> None:
        self.naps.append(seconds)
        self.elapsed += seconds
        if self.on_sleep is not None:
            self.on_sleep()


@pytest.mark.parametrize(
    ("text", "seconds"), [("15m", 900), ("30s", 30), ("1h", 3600), ("2H", 7200)]
)
def test_intervals(text: str, seconds: int) -> None:
    assert parse_interval(text) == seconds
    assert parse_interval(interval_text(seconds)) == seconds


def test_an_interval_without_a_unit_is_refused_in_french() -> None:
    """« 15 » meant 15 seconds to capsync and 15 minutes to the admin who typed it."""
    result = CliRunner().invoke(main, ["daemon", "--every", "15"])
    assert (result.exit_code, plain(result.output)) == (
        1,
        "Erreur : Intervalle « 15 » invalide : l'unité manque ; écrivez par exemple 15m "
        "(minutes), 1h (heures) ou 30s (secondes).\n",
    )


def test_the_daemon_logs_a_start_line_and_one_line_per_cycle_in_english(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runs = iter([RunStatus(summary="ok", grids_read=3, answers=12, new_anomalies=1,
                           open_anomalies=6, files_written=18, late_structures=2),
                 RunStatus(ok=False, summary="Disque plein", open_anomalies=6)])  # fmt: skip
    clock = ManualClock()

    def cycle() -> RunStatus:
        clock.elapsed += 4.2
        return next(runs)

    daemon = Daemon(cycle, every=900, data_dir=tmp_path, clock=clock, max_cycles=2,
                    config_path=tmp_path / "capsync.yaml")  # fmt: skip
    with caplog.at_level(logging.INFO, logger="capsync.daemon"):
        daemon.run()
    assert [r.getMessage() for r in caplog.records] == [
        f"daemon started (pid {os.getpid()}): config {tmp_path / 'capsync.yaml'}, "
        f"data folder {tmp_path}, a cycle every 15m",
        "cycle 1 done: 3 grids read, 12 answers changed, 1 new anomalies (6 open), "
        "2 late structures, 18 files written, 4.2 s",
        "cycle 2 FAILED: 0 grids read, 0 answers changed, 0 new anomalies (6 open), "
        "0 late structures, 0 files written, 4.2 s; `capsync status` says why",
        "daemon stopped after 2 cycles",
    ]
    status = read_status(tmp_path)
    assert status is not None and [r.ok for r in status.recent] == [True, False]


def test_status_shows_the_last_cycles_the_open_anomalies_and_the_next_run(
    tmp_path: Path,
) -> None:
    config = copy_example(tmp_path)
    data = tmp_path / "data"
    clock = ManualClock()

    done: list[int] = []

    def cycle() -> RunStatus:
        clock.elapsed += 2
        done.append(1)
        return RunStatus(summary=f"{len(done)} grilles lues.\nà regarder", open_anomalies=6)

    Daemon(cycle, every=900, data_dir=data, clock=clock, max_cycles=12).run()
    from capsync.jobs.status import write_status

    status = read_status(data)
    assert status is not None and len(status.recent) == 10  # the file keeps ten
    status.state, status.pid, status.next_run = "en attente", os.getpid(), "2026-11-23T12:00:00"
    write_status(data, status)
    shown = plain(CliRunner().invoke(main, ["--config", str(config), "status"]).output)
    shown = shown.splitlines()
    assert shown[:5] == [
        f"État : en attente (pid {os.getpid()})",
        "Intervalle : 15m ; cycles effectués : 12",
        "Prochain cycle : 23/11/2026 12:00:00",
        "Anomalies ouvertes : 6",
        "Derniers cycles :",
    ]
    assert shown[5:10] == [
        f"  {START + dt.timedelta(seconds=902 * i + 0):%d/%m/%Y %H:%M:%S} (2.0 s) réussi — "
        f"{i + 1} grilles lues."
        for i in range(7, 12)
    ]


def test_a_bad_interval_says_how_to_write_it() -> None:
    with pytest.raises(CapsyncError, match="Intervalle « quinze » invalide : écrivez par exemple"):
        parse_interval("quinze")


def test_a_failing_cycle_is_recorded_and_the_daemon_goes_on(tmp_path: Path) -> None:
    calls: list[int] = []

    def cycle() -> RunStatus:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disque plein")
        return RunStatus(summary="tout va bien")

    first = Daemon(cycle, every=1, data_dir=tmp_path, clock=ManualClock(), max_cycles=1)
    assert first.run() == 0
    status = read_status(tmp_path)
    assert status is not None and status.last_run is not None
    assert not status.last_run.ok
    assert status.last_run.summary == "Le cycle a échoué : disque plein"
    second = Daemon(cycle, every=1, data_dir=tmp_path, clock=ManualClock(), max_cycles=2)
    assert second.run() == 0
    status = read_status(tmp_path)
    assert status is not None and status.last_run is not None
    assert status.state == "arrêté" and status.cycles == 2
    assert status.last_run.ok and status.last_run.summary == "tout va bien"
    assert len(calls) == 3


def test_cycles_run_every_interval_after_the_previous_one_ended(tmp_path: Path) -> None:
    clock = ManualClock()
    started: list[dt.datetime] = []

    def cycle() -> RunStatus:
        started.append(clock.now())
        clock.elapsed += 60  # a cycle that takes a minute
        return RunStatus(summary="ok")

    daemon = Daemon(cycle, every=900, data_dir=tmp_path, clock=clock, max_cycles=3)
    assert daemon.run() == 0
    assert started == [START, START + dt.timedelta(minutes=16), START + dt.timedelta(minutes=32)]
    assert max(clock.naps) == NAP  # short naps: a stop request is seen within half a second
    status = read_status(tmp_path)
    assert status is not None and status.last_run is not None
    assert status.last_run.started_at == "2026-11-23T09:32:00"
    assert status.last_run.finished_at == "2026-11-23T09:33:00"


def test_a_stop_between_two_cycles_ends_the_wait_at_once(tmp_path: Path) -> None:
    clock = ManualClock()
    runs: list[int] = []

    def cycle() -> RunStatus:
        runs.append(1)
        return RunStatus(summary="ok")

    daemon = Daemon(cycle, every=900, data_dir=tmp_path, clock=clock)
    clock.on_sleep = lambda: daemon.request_stop(signal.SIGTERM) if clock.elapsed >= 60 else None
    assert daemon.run() == 0
    assert runs == [1]
    assert clock.elapsed == pytest.approx(60.0)  # woke within a nap, no second cycle
    status = read_status(tmp_path)
    assert status is not None and status.state == "arrêté" and status.next_run == ""


def _status(data: Path) -> dict:
    try:
        return json.loads((data / "statut.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def test_sigterm_in_the_middle_of_a_cycle_finishes_it_and_exits_0(tmp_path: Path) -> None:
    config = copy_example(tmp_path)
    runner = CliRunner()
    for command in ("generate", "demo"):
        assert runner.invoke(main, ["--config", str(config), command]).exit_code == 0
    data = tmp_path / "data"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    daemon = subprocess.Popen(
        [sys.executable, "-m", "capsync", "--config", str(config), "daemon", "--every", "1s"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while _status(data).get("state") != "cycle en cours":
            assert daemon.poll() is None, daemon.communicate()
            assert time.monotonic() < deadline, "the first cycle never started"
            time.sleep(0.02)
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=120)
    finally:
        if daemon.poll() is None:
            daemon.kill()
    assert daemon.returncode == 0, err
    status = _status(data)
    assert status["state"] == "arrêté"
    assert status["cycles"] == 1
    assert status["last_run"]["ok"] is True and status["last_run"]["finished_at"]
    assert status["next_run"] == ""
    leftovers = [p for p in data.rglob("*") if "tmp" in p.name]
    assert leftovers == []
    outputs = [*data.glob("*/tableau-de-bord.xlsx"), *data.glob("*/calendrier.xlsx")]
    assert len(outputs) == 2 + 2
    for path in outputs:
        assert CalamineWorkbook.from_path(str(path)).sheet_names
    shown = runner.invoke(main, ["--config", str(config), "status"])
    assert "État : arrêté" in plain(shown.output)
    assert "Dernier cycle" in shown.output


def test_status_gives_the_next_run_after_the_last_one(tmp_path: Path) -> None:
    seen = []

    def cycle() -> RunStatus:
        seen.append(read_status(tmp_path))
        return RunStatus(summary="ok")

    daemon = Daemon(cycle, every=900, data_dir=tmp_path, clock=ManualClock(), max_cycles=2)
    daemon.run()
    before_second = seen[1]
    assert before_second is not None and before_second.last_run is not None
    assert before_second.last_run.started_at == "2026-11-23T09:00:00"
    assert before_second.next_run == "2026-11-23T09:15:00"


def test_status_tells_when_the_daemon_was_killed(tmp_path: Path) -> None:
    from capsync.jobs.status import Status, write_status

    config = copy_example(tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    data = tmp_path / "data"
    data.mkdir()
    write_status(
        data, Status(pid=int(dead.stdout), state="en attente", next_run="2026-01-01T00:00")
    )
    shown = CliRunner().invoke(main, ["--config", str(config), "status"])
    said = plain(shown.output)
    assert f"État : arrêté — le démon (pid {int(dead.stdout)}) s'est interrompu" in said
    assert "Prochain cycle" not in shown.output


@pytest.mark.parametrize("content", ["[]", '{"pid": "abc", "state": "en attente"}', "{coupé"])
def test_a_status_file_cut_short_or_edited_by_hand_is_said_unreadable(
    tmp_path: Path, content: str
) -> None:
    """``capsync status`` on a status file holding something else: one French line, exit 0,
    never a traceback."""
    config = copy_example(tmp_path)
    data = (config.parent / "../data").resolve()  # the example configuration's data_dir
    data.mkdir(parents=True, exist_ok=True)
    (data / "statut.json").write_text(content, encoding="utf-8")
    shown = CliRunner().invoke(main, ["--config", str(config), "status"])
    assert shown.exit_code == 0 and shown.exception is None, shown.output
    assert "(statut.json) est illisible" in plain(shown.output)

"""The daemon: sync cycles on a schedule, one at a time, stopped cleanly.

Policy, stated plainly (as schedule's docs ask of whoever runs jobs):
- a cycle runs at start, then ``every`` seconds after the previous one ended;
  cycles never overlap (they run in this one thread and take the campaign
  lock that manual commands also take; when a manual command holds it, the
  cycle is skipped and retried at the next tick);
- an exception in a cycle is logged and kept in the status file, and the
  daemon goes on; a failing collectif never stops the others (see sync);
- SIGTERM or SIGINT lets the cycle in progress finish, then the daemon writes
  its status and exits 0; between cycles it stops within half a second. A
  second Ctrl-C (SIGINT) stops it at once, like Ctrl-C in any command: what the
  cycle wrote stays whole (atomic files, store transactions) and the next cycle
  does the rest;
- one daemon per data folder: a second one is refused before it writes anything
  (``capsync.locking.daemon_lock``), as its status would overwrite the first's.

The daemon is, with the CLI, the one place that reads the clock, through a
:class:`Clock` passed in: tests give it a clock of their own and run a day of
cycles without waiting. Waiting is measured on the monotonic clock, so a
change of the wall clock (summer time, a manual setting) never stretches or
skips an interval.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Protocol

from capsync.errors import CapsyncError, LockBusy
from capsync.jobs.status import RunStatus, Status, iso, write_status
from capsync.locking import LOCK_NAME, campaign_lock, daemon_lock, holder

log = logging.getLogger("capsync.daemon")
"""The daemon's own lines (start, one per cycle), shown at INFO under ``capsync daemon``."""

UNITS = {"s": 1, "m": 60, "h": 3600}
LONGEST = 7 * 24 * 3600
"""The longest interval, a week: beyond, a typo (« 15000m ») more likely than a wish; and
a huge one overflowed the date of the next cycle, in a traceback after the first cycle."""


def parse_interval(text: str) -> int:
    """'15m' → 900; '30s' and '1h' too. A bare number is refused: 15 seconds or minutes?"""
    match = re.fullmatch(r"\s*(\d+)\s*([smh])\s*", text.lower())
    if not match or int(match.group(1)) == 0:
        bare = re.fullmatch(r"\s*\d+\s*", text)
        why = " : l'unité manque ;" if bare else " :"
        raise CapsyncError(
            f"Intervalle « {text} » invalide{why} écrivez par exemple 15m (minutes), "
            "1h (heures) ou 30s (secondes)."
        )
    seconds = int(match.group(1)) * UNITS[match.group(2)]
    if seconds > LONGEST:
        raise CapsyncError(
            f"Intervalle « {text} » trop long : au plus {LONGEST // 3600}h (une semaine) ; "
            "écrivez par exemple 15m (minutes), 1h ou 24h (heures)."
        )
    return seconds


def interval_text(seconds: int) -> str:
    """900 → '15m': the interval as the admin wrote it."""
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def cycle_line(number: int, run: RunStatus) -> str:
    """The daemon's log line for one cycle: counts only, in English (the French is in status)."""
    open_ = "?" if run.open_anomalies is None else str(run.open_anomalies)
    line = (
        f"cycle {number} {'done' if run.ok else 'FAILED'}: {run.grids_read} grids read, "
        f"{run.answers} answers changed, {run.new_anomalies} new anomalies ({open_} open), "
        f"{run.late_structures} late structures, {run.files_written} files written, "
        f"{run.seconds:.1f} s"
    )
    return line if run.ok else f"{line}; `capsync status` says why"


CycleFn = Callable[[], RunStatus]
NAP = 0.5  # seconds: the longest sleep between two looks at a stop request


class Clock(Protocol):
    """The time the daemon reads: the date for its status, a monotonic count to wait on."""

    def now(self) -> dt.datetime: ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class Daemon:
    """Runs ``cycle`` every ``every`` seconds until asked to stop."""

    def __init__(
        self,
        cycle: CycleFn,
        *,
        every: int,
        data_dir: Path,
        clock: Clock | None = None,
        max_cycles: int | None = None,
        config_path: Path | None = None,
    ) -> None:
        if max_cycles is not None and max_cycles < 1:  # 0 or -1 ran one cycle all the same
            raise CapsyncError(
                f"Nombre de cycles « {max_cycles} » invalide (--max-cycles) : indiquez au moins "
                "1, ou n'indiquez rien pour que le démon tourne jusqu'à son arrêt."
            )
        self.cycle = cycle
        self.config_path = config_path
        self.every = every
        self.data_dir = data_dir
        self.clock: Clock = clock or SystemClock()
        self.max_cycles = max_cycles
        self.stop_requested = False
        self.status = Status(pid=os.getpid(), every_seconds=every)
        self._due = 0.0  # monotonic time of the next cycle

    def request_stop(self, signum: int, _frame: FrameType | None = None) -> None:
        if self.stop_requested and signum == signal.SIGINT:  # Ctrl-C again: the admin waits
            log.info("signal %s received again: stopping now", signum)
            raise KeyboardInterrupt  # said « Interrompu » in French by the command line
        again = " (Ctrl-C again stops at once)" if signum == signal.SIGINT else ""
        log.info("signal %s received: finishing the current cycle, then stopping%s", signum, again)
        self.stop_requested = True

    def _run_once(self) -> None:
        self.status.state = "cycle en cours"
        write_status(self.data_dir, self.status)
        started, began = self.clock.now(), self.clock.monotonic()
        try:
            with campaign_lock(self.data_dir):
                result = self.cycle()
        except LockBusy:  # « réessayez » was said to the admin reading `capsync status`
            result = RunStatus(ok=False, summary=self._postponed())
        except CapsyncError as exc:  # a damaged store, a read-only folder: said in French
            result = RunStatus(ok=False, summary=str(exc))
        except Exception as exc:  # the daemon outlives a failing cycle
            log.exception("sync cycle failed")
            result = RunStatus(ok=False, summary=f"Le cycle a échoué : {exc}")
        result.started_at = result.started_at or iso(started)
        result.finished_at = iso(self.clock.now())
        result.seconds = round(self.clock.monotonic() - began, 1)
        self.status.record(result)
        log.log(
            logging.INFO if result.ok else logging.WARNING, cycle_line(self.status.cycles, result)
        )
        self.status.state = "en attente"
        if self.max_cycles is not None and self.status.cycles >= self.max_cycles:
            self.stop_requested = True
        self._write_next()

    def _postponed(self) -> str:
        pid = holder(self.data_dir / LOCK_NAME)
        who = f" (pid {pid})" if pid else ""
        return (
            f"Cycle reporté : une autre commande capsync{who} travaillait sur {self.data_dir} ; "
            f"le démon réessaie au prochain cycle, dans {interval_text(self.every)}."
        )

    def _write_next(self) -> None:
        """The next cycle is due ``every`` seconds from now; the status file says when."""
        self._due = self.clock.monotonic() + self.every
        next_run = self.clock.now() + dt.timedelta(seconds=self.every)
        self.status.next_run = "" if self.stop_requested else iso(next_run)
        write_status(self.data_dir, self.status)

    def _wait(self) -> None:
        """Sleep until the next cycle is due, in naps short enough to notice a stop request."""
        while not self.stop_requested:
            left = self._due - self.clock.monotonic()
            if left <= 0:
                return
            self.clock.sleep(min(NAP, left))

    def run(self) -> int:
        """Loop until a signal or ``max_cycles``; returns the exit code (0). Raises
        :class:`LockBusy` when another daemon runs on the same data folder."""
        with daemon_lock(self.data_dir):
            return self._loop()

    def _loop(self) -> int:
        previous = {
            sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        log.info(
            "daemon started (pid %d): config %s, data folder %s, a cycle every %s",
            os.getpid(), self.config_path or "-", self.data_dir, interval_text(self.every),
        )  # fmt: skip
        try:
            while not self.stop_requested:
                self._run_once()
                self._wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.status.state = "arrêté"
            self.status.next_run = ""
            write_status(self.data_dir, self.status)
            log.info("daemon stopped after %d cycles", self.status.cycles)
        return 0

"""The daemon's status file: what ran last, what runs next, what failed.

Kept as a small JSON file in the data folder so that ``capsync status`` (or
a person with a text editor) can read it while the daemon runs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from capsync.atomic import write_bytes_atomic

STATUS_NAME = "statut.json"


KEPT_RUNS = 10
"""Cycles the status file remembers, so ``capsync status`` shows a trend, not one moment."""


@dataclass
class RunStatus:
    """One cycle: its French summary and errors, and the counts the daemon logs."""

    started_at: str = ""
    finished_at: str = ""
    ok: bool = True
    summary: str = ""
    errors: dict[str, str] = field(default_factory=dict)  # collective → message
    grids_read: int = 0
    answers: int = 0  # answers added, changed or erased
    new_anomalies: int = 0
    open_anomalies: int | None = None  # None: the cycle could not count them
    files_written: int = 0
    late_structures: int = 0
    seconds: float = 0.0

    @property
    def needs_a_look(self) -> bool:
        """Whether ``--quiet`` must print: a failure, new anomalies or a late structure."""
        return not self.ok or self.new_anomalies > 0 or self.late_structures > 0

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunStatus:
        """Keys this version knows; a status file written by another version still reads."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Status:
    pid: int | None = None
    state: str = "arrêté"  # "en attente", "cycle en cours", "arrêté"
    every_seconds: int | None = None
    last_run: RunStatus | None = None
    next_run: str = ""
    cycles: int = 0
    recent: list[RunStatus] = field(default_factory=list)  # the last cycles, oldest first

    def record(self, run: RunStatus) -> None:
        self.last_run = run
        self.cycles += 1
        self.recent = [*self.recent, run][-KEPT_RUNS:]

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2).encode() + b"\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Status:
        last = data.get("last_run")
        recent = data.get("recent")
        pid = data.get("pid")
        if pid is not None and type(pid) is not int:
            raise TypeError(f"pid {pid!r}")  # a file edited by hand: unreadable, not a pid
        return cls(
            pid=pid,
            state=data.get("state", "arrêté"),
            every_seconds=data.get("every_seconds"),
            last_run=RunStatus.from_dict(last) if isinstance(last, dict) else None,
            next_run=data.get("next_run", ""),
            cycles=int(data.get("cycles", 0)),
            recent=[RunStatus.from_dict(r) for r in recent or [] if isinstance(r, dict)],
        )


def status_path(data_dir: Path) -> Path:
    return data_dir / STATUS_NAME


UNREADABLE = "illisible"


def read_status(data_dir: Path) -> Status | None:
    """The daemon's status, or one whose state is :data:`UNREADABLE` when the file holds
    something else (cut short, edited by hand): ``capsync status`` says so, never a
    traceback, and the daemon writes it whole again at its next cycle."""
    path = status_path(data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, TypeError):
        return Status(state=UNREADABLE)
    if not isinstance(data, dict):
        return Status(state=UNREADABLE)
    try:
        return Status.from_dict(data)
    except (ValueError, TypeError, AttributeError):
        return Status(state=UNREADABLE)


def write_status(data_dir: Path, status: Status) -> None:
    write_bytes_atomic(status_path(data_dir), status.to_json())


def process_alive(pid: int | None) -> bool:
    """Whether the daemon that wrote the status still runs (a killed one cannot say so)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def iso(moment: dt.datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""

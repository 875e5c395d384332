"""The daemon's status file: what ran last, what runs next, what failed.

Kept as a small JSON file in the data folder so that ``capsync status`` (or
a person with a text editor) can read it while the daemon runs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from capsync.atomic import write_bytes_atomic

STATUS_NAME = "statut.json"


@dataclass
class RunStatus:
    started_at: str = ""
    finished_at: str = ""
    ok: bool = True
    summary: str = ""
    errors: dict[str, str] = field(default_factory=dict)  # collective → message


@dataclass
class Status:
    pid: int | None = None
    state: str = "arrêté"  # "en attente", "cycle en cours", "arrêté"
    every_seconds: int | None = None
    last_run: RunStatus | None = None
    next_run: str = ""
    cycles: int = 0

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2).encode() + b"\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Status:
        last = data.get("last_run")
        return cls(
            pid=data.get("pid"),
            state=data.get("state", "arrêté"),
            every_seconds=data.get("every_seconds"),
            last_run=RunStatus(**last) if isinstance(last, dict) else None,
            next_run=data.get("next_run", ""),
            cycles=int(data.get("cycles", 0)),
        )


def status_path(data_dir: Path) -> Path:
    return data_dir / STATUS_NAME


def read_status(data_dir: Path) -> Status | None:
    path = status_path(data_dir)
    try:
        return Status.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (ValueError, TypeError):
        return Status(state="illisible")


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

"""Batched durability: one SQLite commit and one folder fsync per collectif, same guarantees.

A sync cycle writes each collectif's outputs inside ``SyncState.batch()``: the
hashes it remembers are committed in one transaction at the end, after each
folder written to was synced once. A kill -9 in the middle of a collectif must
leave every file old or new and remember none of that collectif, so the next
cycle writes it again.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from capsync import atomic
from capsync.atomic import durable_batch, write_bytes_atomic
from capsync.store.database import Store
from capsync.store.sync_state import SyncState

NOW = dt.datetime(2026, 3, 2, 9, 0)


def _committed(path: Path) -> dict[str, str]:
    """What another process reading the store sees."""
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT key, hash FROM sync_outputs"))


def _state(tmp_path: Path) -> SyncState:
    Store.open(tmp_path).close()  # the store creates and checks the file first
    return SyncState(tmp_path / "capsync.sqlite")


def test_a_batch_is_committed_once_at_its_end_and_read_back_inside_it(tmp_path: Path) -> None:
    with _state(tmp_path) as state:
        state.remember("before", "h0", NOW)
        state.remember("gone", "h1", NOW)
        with state.batch():
            state.remember("a", "h2", NOW)
            state.remember("before", "h3", NOW)
            state.forget("gone")
            with state.batch():  # a nested batch joins the outer one
                state.remember("b", "h4", NOW)
            assert (state.hash_of("a"), state.hash_of("before")) == ("h2", "h3")
            assert state.hash_of("gone") is None and state.hash_of("b") == "h4"
            assert _committed(state.path) == {"before": "h0", "gone": "h1"}  # not yet
        assert _committed(state.path) == {"before": "h3", "a": "h2", "b": "h4"}
        state.forget("a")  # outside a batch: at once
        assert "a" not in _committed(state.path)


def test_what_was_written_before_an_error_is_remembered(tmp_path: Path) -> None:
    with _state(tmp_path) as state:
        with pytest.raises(RuntimeError), state.batch():
            write_bytes_atomic(tmp_path / "out" / "tableau.xlsx", b"new")
            state.remember("tableau", "h1", NOW)
            raise RuntimeError("the next output failed")
        assert _committed(state.path) == {"tableau": "h1"}


def test_each_folder_is_synced_once_at_the_end_of_a_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[Path] = []
    real = atomic._fsync_dir
    monkeypatch.setattr(atomic, "_fsync_dir", lambda folder: (synced.append(folder), real(folder)))
    first, second = tmp_path / "collectif" / "structures" / "s1", tmp_path / "collectif"
    with durable_batch():
        for name in ("restitution.xlsx", "restitution.pdf", "calendrier.ics"):
            write_bytes_atomic(first / name, name.encode())
        write_bytes_atomic(second / "tableau-de-bord.xlsx", b"dashboard")
        assert synced == []  # nothing yet: the renames wait for the batch's end
    assert sorted(synced) == sorted([first, second])
    write_bytes_atomic(second / "calendrier.xlsx", b"outside")  # alone: synced at once
    assert synced[-1] == second
    assert (first / "calendrier.ics").read_bytes() == b"calendrier.ics"


KILLED_CYCLE = r"""
import datetime as dt, sys, time
from pathlib import Path
from capsync.atomic import write_bytes_atomic
from capsync.store.sync_state import SyncState

folder = Path(sys.argv[1])
with SyncState(folder / "capsync.sqlite") as state, state.batch():
    for n in range(1_000_000):
        name = f"sortie-{n % 20}.bin"
        write_bytes_atomic(folder / "sorties" / name, f"version {n} ".encode() * 20_000)
        state.remember(name, f"h{n}", dt.datetime(2026, 3, 2))
        if n == 40:
            print("ready", flush=True)
"""


def test_a_batch_killed_midway_leaves_whole_files_and_remembers_none_of_it(
    tmp_path: Path,
) -> None:
    with _state(tmp_path) as state:
        state.remember("fingerprint:collectif", "before", NOW)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_CYCLE, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stdout.close()
    # the state says nothing of the killed batch: the next cycle writes those files again
    assert _committed(tmp_path / "capsync.sqlite") == {"fingerprint:collectif": "before"}
    written = sorted((tmp_path / "sorties").glob("sortie-*.bin"))
    assert len(written) == 20
    for path in written:  # each file whole: one version repeated, never two halves
        content = path.read_bytes()
        version = b" ".join(content.split(b" ", 2)[:2]) + b" "  # « version 17 »
        assert content == version * 20_000, path
    with _state(tmp_path) as state:  # and the store opens and takes the next batch
        with state.batch():
            state.remember("sortie-0.bin", "again", NOW)
        assert state.hash_of("sortie-0.bin") == "again"

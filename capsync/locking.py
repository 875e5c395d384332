"""The campaign lock shared by every command that writes, and the daemon's own lock.

A daemon cycle and a manual ``capsync generate`` must never write the same
files at once. The lock is an OS file lock on ``<data>/.capsync.lock``: the
kernel releases it when a process dies, so a crash never leaves a stale lock.

A daemon also holds ``<data>/.capsync-daemon.lock`` for its whole life: a second
daemon started on the same data folder (by hand beside a service, or by a second
service) is refused before it writes anything. Without it both would run, their
cycles alternating, each overwriting the other's status file, so that
``capsync status`` told of a daemon that was not the one running.

Each lock file holds the pid of the process that holds it, for the messages.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from capsync.errors import LockBusy, data_folder_error

LOCK_NAME = ".capsync.lock"
DAEMON_LOCK_NAME = ".capsync-daemon.lock"

if sys.platform == "win32":  # pragma: no cover - Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:  # POSIX
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def holder(path: Path) -> int | None:
    """The pid written in the lock file at ``path`` (None: none readable yet)."""
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _campaign_busy(data_dir: Path, pid: int | None) -> LockBusy:
    who = f" (pid {pid})" if pid else ""
    return LockBusy(
        f"Une autre commande capsync{who} (le démon ou une commande manuelle) travaille "
        f"déjà sur {data_dir} ; réessayez quand elle aura fini."
    )


def _daemon_busy(data_dir: Path, pid: int | None) -> LockBusy:
    who, stop = (f" (pid {pid})", f"« kill {pid} »") if pid else ("", "arrêtez son processus")
    return LockBusy(
        f"Un démon capsync{who} tourne déjà sur {data_dir} : « capsync status » dit où il en "
        "est. Il relit la configuration à chaque cycle : inutile d'en lancer un second. Pour "
        f"l'arrêter, {stop} : il finit son cycle en cours, puis s'arrête."
    )


@contextmanager
def _held(
    data_dir: Path,
    name: str,
    busy: Callable[[Path, int | None], LockBusy],
    wait: float,
    poll: float,
) -> Iterator[None]:
    """Hold the lock file ``name`` of ``data_dir``; wait up to ``wait`` seconds, then raise
    ``busy(data_dir, pid of the holder)``."""
    path = data_dir / name
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:  # a read-only data folder: said before any command starts writing
        raise data_folder_error(exc, path) from exc
    try:
        deadline = time.monotonic() + wait
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise busy(data_dir, holder(path))
            time.sleep(poll)
        try:
            try:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
            except OSError as exc:  # a full disk
                raise data_folder_error(exc, path) from exc
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


@contextmanager
def campaign_lock(data_dir: Path, *, wait: float = 0.0, poll: float = 0.2) -> Iterator[None]:
    """Hold the campaign lock; wait up to ``wait`` seconds, then raise LockBusy."""
    with _held(data_dir, LOCK_NAME, _campaign_busy, wait, poll):
        yield


@contextmanager
def daemon_lock(data_dir: Path) -> Iterator[None]:
    """Hold the daemon's lock for as long as the daemon runs; LockBusy at once when another
    daemon holds it."""
    with _held(data_dir, DAEMON_LOCK_NAME, _daemon_busy, 0.0, 0.2):
        yield

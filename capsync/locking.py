"""One campaign lock shared by every command that writes.

A daemon cycle and a manual ``capsync generate`` must never write the same
files at once. The lock is an OS file lock on ``<data>/.capsync.lock``: the
kernel releases it when a process dies, so a crash never leaves a stale lock.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from capsync.errors import LockBusy, data_folder_error

LOCK_NAME = ".capsync.lock"

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


@contextmanager
def campaign_lock(data_dir: Path, *, wait: float = 0.0, poll: float = 0.2) -> Iterator[None]:
    """Hold the campaign lock; wait up to ``wait`` seconds, then raise LockBusy."""
    path = data_dir / LOCK_NAME
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:  # a read-only data folder: said before any command starts writing
        raise data_folder_error(exc, path) from exc
    try:
        deadline = time.monotonic() + wait
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise LockBusy(
                    "Une autre commande capsync (le démon ou une commande manuelle) travaille "
                    f"déjà sur {data_dir} ; réessayez quand elle aura fini."
                )
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

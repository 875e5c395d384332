"""Write a file so that a crash leaves the old version or the new one, never half of each.

Each file's content is flushed to disk (fsync) before it is renamed over the old one,
so a power cut leaves the old file or the new one. Making the rename itself durable
costs an fsync of the folder; inside :func:`durable_batch` (a sync cycle's collectif)
each folder is synced once, when the batch ends, instead of once per file, and
whoever remembers what was written (the sync state) commits after that.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

log = logging.getLogger("capsync")

TEMP_PREFIX = ".capsync-"
TEMP_SUFFIX = ".tmp"
TEMP_MAX_AGE = 60.0  # seconds: a temporary file older than this was left by a killed process

_pending_folders: ContextVar[set[Path] | None] = ContextVar("pending_folders", default=None)


@contextmanager
def durable_batch() -> Iterator[None]:
    """Writes inside share one fsync per folder, made when the batch ends (even by an
    error: what was renamed is made durable). Nested batches join the outer one.

    Each file is still flushed before its rename, so a crash inside the batch leaves
    every file old or new; only the durability of the renames waits for the end.
    """
    if _pending_folders.get() is not None:
        yield
        return
    folders: set[Path] = set()
    token = _pending_folders.set(folders)
    try:
        yield
    finally:
        _pending_folders.reset(token)
        for folder in sorted(folders):
            _fsync_dir(folder)


def is_temporary(name: str) -> bool:
    """A file :func:`write_bytes_atomic` was writing when the process died."""
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def write_bytes_atomic(path: Path, data: bytes, *, durable: bool = True, mode: int = 0o644) -> None:
    """Write to a temporary file beside ``path``, fsync it, then rename it over ``path``.

    ``durable=False`` skips both fsyncs, for notes that are only worth some work when
    they survive (a cache entry, the store's check stamp): a reader still sees the old
    file or the new one, and a power cut may lose the new one.

    Raises PermissionError where the OS refuses to replace a file that is open
    (Windows with Excel); the caller knows what that means for its file.
    """
    try:  # the folder is nearly always there: made only when missing (a cycle writes 600)
        fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if not durable:
        return
    folders = _pending_folders.get()
    if folders is None:
        _fsync_dir(path.parent)
    else:
        folders.add(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable; not every platform can open a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temporaries(folder: Path, now: float | None = None) -> list[Path]:
    """Remove the ``.capsync-*.tmp`` files a killed process left in ``folder``.

    Only those older than :data:`TEMP_MAX_AGE`: a write in progress keeps its
    temporary file younger than that (it is renamed within seconds), and nobody
    else writes files of that name. What cannot be removed is left for next time.
    """
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not is_temporary(entry.name):
            continue
        try:
            if now - entry.stat().st_mtime > TEMP_MAX_AGE:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    if removed:
        log.info("removed %d temporary file(s) left in %s", len(removed), folder)
    return removed

"""Write a file so that a crash leaves the old version or the new one, never half of each."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path

log = logging.getLogger("capsync")

TEMP_PREFIX = ".capsync-"
TEMP_SUFFIX = ".tmp"
TEMP_MAX_AGE = 60.0  # seconds: a temporary file older than this was left by a killed process


def is_temporary(name: str) -> bool:
    """A file :func:`write_bytes_atomic` was writing when the process died."""
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, fsync it, then rename it over ``path``.

    Raises PermissionError where the OS refuses to replace a file that is open
    (Windows with Excel); the caller knows what that means for its file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


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

"""Remember what a YAML text parsed to, so that an unchanged file is not parsed again.

A cron ``capsync -q sync`` with nothing to do is mostly start-up, and parsing a
550-structure configuration is a fifth of it (about 0.1 s; 1.5 s at 4 400
structures): libyaml builds a node per value and PyYAML's constructor, in
Python, turns each into data. Yet the files change a few times a campaign.
So the data of a text that parsed without problem is kept under the SHA-256 of
that text, and the same text read again is unpickled in a few milliseconds.
Validation still runs on every load: only the parse is skipped, so a cached
file and a parsed one give the same campaign, the same problems, in the same
words (a problem's line is found from the text, which is always read).

The cache lives in the user's own cache folder (``$CAPSYNC_CACHE_DIR``, else
``$XDG_CACHE_HOME/capsync``, else ``~/.cache/capsync``; ``CAPSYNC_CACHE_DIR=``
empty turns it off), private to that user, and is read with an unpickler that
accepts plain data and dates only: a planted file can at worst be a miss. Any
failure (no home, a full disk, a damaged entry) is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import stat
from pathlib import Path
from typing import Any

import yaml

from capsync.atomic import remove_stale_temporaries, write_bytes_atomic
from capsync.collector import gc_paused

log = logging.getLogger("capsync")

FORMAT = "capsync-yaml-1"
"""Part of every key: changed when what a parse yields changes (the loader's constructors)."""
MAX_ENTRIES = 32
"""Entries kept; the oldest go first (a configuration edited all day makes one per save)."""

_ALLOWED = {
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
}
"""The only classes a YAML file's data may hold beyond dicts, lists, text and numbers."""

Parsed = tuple[Any, list[tuple[tuple[str | int, ...], int, int]]]
"""A file's data and its keys written twice (see ``YamlSource.duplicate_keys``)."""


class _DataOnly(pickle.Unpickler):
    """Refuses every class but the dates: what comes out is data, never code."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not YAML data")
        return super().find_class(module, name)


def cache_dir() -> Path | None:
    """The folder of the cache, or None when it is turned off."""
    chosen = os.environ.get("CAPSYNC_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "capsync"


def _folder(create: bool) -> Path | None:
    """The cache's ``yaml`` folder if it is this user's alone (created if asked), else None."""
    root = cache_dir()
    if root is None:
        return None
    folder = root / "yaml"
    try:
        if create:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return None
    private = not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    if not stat.S_ISDIR(info.st_mode) or not private or info.st_uid != os.getuid():
        log.debug("YAML cache %s not used: not a private folder of this user", folder)
        return None
    return folder


def _key(text: str) -> str:
    seed = f"{FORMAT}\0{yaml.__version__}\0{yaml.__with_libyaml__}\0".encode()
    return hashlib.sha256(seed + text.encode("utf-8", "surrogatepass")).hexdigest()


def recall(text: str) -> Parsed | None:
    """What ``text`` parsed to when it was last remembered, or None."""
    folder = _folder(create=False)
    if folder is None:
        return None
    try:
        raw = (folder / f"{_key(text)}.pickle").read_bytes()
        with gc_paused():
            data, duplicates = _DataOnly(io.BytesIO(raw)).load()
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged or planted entry is a miss, whatever it raises
        log.debug("YAML cache entry unreadable (%s): parsed again", exc)
        return None
    return data, list(duplicates)


def remember(text: str, parsed: Parsed) -> None:
    """Keep what ``text`` parsed to; a cache that cannot be written is skipped."""
    folder = _folder(create=True)
    if folder is None:
        return
    try:
        blob = pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)
        # renamed into place, so a reader sees a whole entry or none; not synced: an
        # entry lost in a power cut is parsed again. Private, like the folder.
        write_bytes_atomic(folder / f"{_key(text)}.pickle", blob, durable=False, mode=0o600)
        _prune(folder)
    except (OSError, pickle.PicklingError, RecursionError) as exc:
        log.debug("YAML cache not written (%s)", exc)


def _prune(folder: Path) -> None:
    remove_stale_temporaries(folder)  # a process killed while writing
    entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns)
    for old in entries[:-MAX_ENTRIES]:
        old.unlink(missing_ok=True)

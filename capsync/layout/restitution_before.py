"""What a structure's previous restitution showed, kept for the « avant » of the next one.

A module of its own, without pandas: the sync's event log reads it on cycles that
produce nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Before:
    """What the structure's previous restitution showed: the « avant » of the next one.

    ``overall`` and ``label`` are None and "" when that restitution was noted before
    capsync kept them (its chapter scores were kept from the start).
    """

    date: dt.date | None = None
    chapters: dict[str, float | None] = field(default_factory=dict)
    overall: float | None = None
    label: str = ""

"""When a structure's restitution is produced: the events of its campaign, not every cycle.

A restitution is the document of an event — the review of a chapter recorded
(the chapter's self-assessment complete), a regroupement approaching
(``settings.restitution_days_before`` days before it), the campaign's close,
or a request (``capsync restitution``). It is dated, kept beside the earlier
ones (« restitution-chapitre-2-2026-03-03 »), and says what it was computed
from; the live view is the dashboard. So a cycle produces restitutions only
for the structures an event reached, and a changed grid costs its own files,
not the collectif's.

What was already produced is remembered per collectif in the sync state as
one JSON value (``restitution-events:<collectif>``): the events done per
structure and the chapter scores of its last restitution (the « avant » of the
next one). The first cycle that sees a collectif takes the chapters already
complete as its starting point instead of producing a restitution for each:
nothing *happened* then, and a cold sync of a whole network stays cheap.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from capsync.campaign.config import Collective, Settings
from capsync.campaign.vocabulary import PhaseKind
from capsync.layout.restitution_before import Before

STATE_PREFIX = "restitution-events:"


class Occasion(StrEnum):
    """Why a restitution was produced."""

    REVIEW = "revue"
    REGROUPEMENT = "regroupement"
    CLOSE = "cloture"
    REQUEST = "demande"


@dataclass(frozen=True)
class Event:
    """One event that calls for a structure's restitution."""

    occasion: Occasion
    key: str  # remembered once produced: « revue:2 », « regroupement:2:2026-03-03 »
    date: dt.date
    chapter: str | None = None

    @property
    def label(self) -> str:
        """What happened, in French, as the restitution says it."""
        day = f"{self.date:%d/%m/%Y}"
        if self.occasion == Occasion.REVIEW:
            return f"revue du chapitre {self.chapter} enregistrée (le {day})"
        if self.occasion == Occasion.REGROUPEMENT:
            return f"regroupement du chapitre {self.chapter} du {day}"
        if self.occasion == Occasion.CLOSE:
            return f"clôture de la campagne (le {day})"
        return f"demande du {day}"


@dataclass(frozen=True)
class Due:
    """A structure's restitution to produce in this cycle, and the events it answers."""

    structure: str
    events: tuple[Event, ...]

    def stem(self, today: dt.date) -> str:
        """The file's name without extension, dated the day it is produced."""
        chapters = sorted({e.chapter for e in self.events if e.chapter}, key=_chapter_order)
        day = f"{today:%Y-%m-%d}"
        if chapters:
            word = "chapitre" if len(chapters) == 1 else "chapitres"
            return f"restitution-{word}-{'-'.join(chapters)}-{day}"
        if any(e.occasion == Occasion.CLOSE for e in self.events):
            return f"restitution-cloture-{day}"
        return f"restitution-{day}"

    @property
    def labels(self) -> list[str]:
        return [e.label for e in self.events]


def _chapter_order(chapter: str) -> tuple[int, str]:
    return (int(chapter), "") if chapter.isdigit() else (10**6, chapter)


@dataclass
class EventLog:
    """What the sync remembers of a collectif's restitutions (see the module docstring)."""

    started: bool = False  # False: the collectif was never seen (the baseline is taken)
    done: dict[str, set[str]] = field(default_factory=dict)  # structure → event keys
    last: dict[str, dict[str, Any]] = field(default_factory=dict)  # structure → date, scores

    @classmethod
    def load(cls, value: str | None) -> EventLog:
        if not value:
            return cls()
        raw = json.loads(value)
        return cls(
            started=True,
            done={s: set(keys) for s, keys in raw.get("done", {}).items()},
            last=dict(raw.get("last", {})),
        )

    def dump(self) -> str:
        done = {s: sorted(keys) for s, keys in sorted(self.done.items())}
        return json.dumps({"done": done, "last": self.last}, sort_keys=True)

    def produced(self, due: Due, today: dt.date, stem: str, shown: Before) -> None:
        """Note a restitution written: its events are done, what it showed the next « avant ».

        The last restitution of an earlier day is kept beside it (``earlier``): it stays the
        « avant » of any other restitution of the same day (see :meth:`previous`).
        """
        self.done.setdefault(due.structure, set()).update(e.key for e in due.events)
        record: dict[str, Any] = {
            "date": today.isoformat(),
            "stem": stem,
            "chapters": dict(shown.chapters),
            "overall": shown.overall,
            "label": shown.label,
        }
        kept = self.last.get(due.structure)
        if kept and kept.get("date") == record["date"]:
            kept = kept.get("earlier")
        if kept:
            record["earlier"] = {k: v for k, v in kept.items() if k != "earlier"}
        self.last[due.structure] = record

    def previous(self, structure: str, today: dt.date | None = None) -> Before:
        """What the structure's last restitution before ``today`` showed (empty when it has
        none). A second restitution of one day (a request after the review's) compares
        with the day before, not with the morning's, which would show the same figures
        under « avant » and today's date: two documents of one day are one reading back."""
        last = self.last.get(structure)
        if last and today is not None and last.get("date") == today.isoformat():
            last = last.get("earlier")
        if not last:
            return Before()
        overall = last.get("overall")
        return Before(
            dt.date.fromisoformat(last["date"]),
            dict(last.get("chapters", {})),
            float(overall) if isinstance(overall, int | float) else None,
            str(last.get("label") or ""),
        )


def calendar_events(collective: Collective, settings: Settings, today: dt.date) -> list[Event]:
    """The calendar's events whose window is open today.

    A regroupement is due from ``restitution_days_before`` days before it until
    its day; a window missed (capsync not run then) is not caught up
    afterwards, since its restitution would describe a meeting already held.
    The close is due from its day on.
    """
    found = []
    before = dt.timedelta(days=settings.restitution_days_before)
    for phase in collective.phases():
        if phase.kind == PhaseKind.REGROUPEMENT and phase.date - before <= today <= phase.date:
            key = f"regroupement:{phase.chapter or ''}:{phase.date.isoformat()}"
            found.append(Event(Occasion.REGROUPEMENT, key, phase.date, phase.chapter))
        elif phase.kind == PhaseKind.CLOTURE and phase.date <= today:  # as Collective.closed
            found.append(Event(Occasion.CLOSE, f"cloture:{phase.date.isoformat()}", phase.date))
    return found


def due_restitutions(
    collective: Collective,
    settings: Settings,
    complete: Mapping[str, Iterable[str]],
    log: EventLog,
    today: dt.date,
) -> list[Due]:
    """The restitutions an event calls for today, one per structure at most.

    ``complete`` gives, per structure, the chapters whose self-assessment is
    complete (their review recorded). On the collectif's first cycle the
    chapters already complete become the baseline: they are noted in ``log``
    without a restitution.
    """
    calendar = calendar_events(collective, settings, today)
    due = []
    for structure in collective.structures:
        done = log.done.setdefault(structure.id, set())
        reviews = [
            Event(Occasion.REVIEW, f"revue:{chapter}", today, chapter)
            for chapter in sorted(complete.get(structure.id, ()), key=_chapter_order)
        ]
        if not log.started:
            done.update(e.key for e in reviews)
            reviews = []
        events = [e for e in (*reviews, *calendar) if e.key not in done]
        if events:
            due.append(Due(structure.id, tuple(events)))
    log.started = True
    return due


def requested(collective: Collective, structures: Iterable[str], now: dt.datetime) -> list[Due]:
    """Restitutions asked for by hand (``capsync restitution``): always produced."""
    event = Event(Occasion.REQUEST, f"demande:{now.isoformat(timespec='seconds')}", now.date())
    wanted = set(structures)
    return [Due(s.id, (event,)) for s in collective.structures if s.id in wanted]

"""What one sync cycle did: per collectif, and the French summary and warnings.

Kept apart from the cycle itself so that the CLI, the daemon's status file and
the notifications read one plain record, whatever order the cycle worked in.
A cycle pulls collectif by collectif (:mod:`capsync.jobs.sync`); the pull's
counts are added up here into one :class:`PullReport`, so the summary reads
as one pull.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from capsync.jobs.pull import PullReport
from capsync.jobs.restitutions import Produced


@dataclass
class CollectiveOutcome:
    collective: str
    skipped: bool = False  # nothing changed since the last cycle
    written: list[str] = field(default_factory=list)
    produced: list[Produced] = field(default_factory=list)  # restitutions and kits of events
    unchanged: int = 0
    locked: list[str] = field(default_factory=list)  # French messages
    notices: list[str] = field(default_factory=list)  # what an admin must do, in French
    error: str | None = None


def add_pull(total: PullReport | None, part: PullReport) -> PullReport:
    """One collectif's pull added to the cycle's: counts summed, lists joined in order."""
    if total is None:
        return part
    for name in ("listed", "read", "personal", "parsed", "added", "changed", "removed", "actions"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.anomalies += part.anomalies
    total.messages += part.messages
    total.structures += part.structures
    total.missing.update(part.missing)
    return total


@dataclass
class CycleReport:
    started_at: dt.datetime  # the ``now`` the cycle was given
    finished_at: dt.datetime | None = None  # stamped by the caller that reads the clock
    pull: PullReport | None = None
    pull_error: str | None = None  # the pull failed; the outputs were still refreshed
    collectives: list[CollectiveOutcome] = field(default_factory=list)
    network: CollectiveOutcome | None = None  # the network workbook, when ``national`` is set
    reviews: list[str] = field(default_factory=list)  # review columns brought up to date

    def _outcomes(self) -> list[CollectiveOutcome]:
        return [*self.collectives, *([self.network] if self.network else [])]

    @property
    def ok(self) -> bool:
        return self.pull_error is None and all(c.error is None for c in self._outcomes())

    @property
    def errors(self) -> dict[str, str]:
        found = {c.collective: c.error for c in self._outcomes() if c.error}
        if self.pull_error:
            found["pull"] = self.pull_error
        return found

    def produced(self) -> list[Produced]:
        """The documents this cycle's events produced (restitutions, regroupement kits), for
        whoever sends them on (the notifications)."""
        return [p for c in self.collectives for p in c.produced]

    def summary(self) -> str:
        """The French summary ``capsync sync`` prints and the status file keeps."""
        written = sum(len(c.written) for c in self._outcomes())
        skipped = sum(1 for c in self.collectives if c.skipped)
        if self.pull is not None:
            parts = [self.pull.summary_lines()[0].rstrip(".")]
        else:  # the pull failed: its cause is among the warnings
            parts = ["lecture des grilles impossible" if self.pull_error else "aucune grille lue"]
        plural = "s" if written > 1 else ""
        parts.append(f"{written} fichier{plural} de sortie réécrit{plural}")
        made = len(self.produced())
        if made:
            plural = "s" if made > 1 else ""
            parts.append(f"{made} document{plural} d'étape produit{plural}")
        if skipped:
            parts.append(f"{skipped} collectif{'s' if skipped > 1 else ''} sans changement")
        errors = sum(1 for c in self.collectives if c.error)
        if errors:
            parts.append(f"{errors} collectif{'s' if errors > 1 else ''} en erreur")
        return " ; ".join(parts) + "."

    def warnings(self) -> list[str]:
        """What an admin should look at: skipped grids, deleted rows, locked outputs, errors."""
        lines = self.pull.summary_lines()[1:] if self.pull else []
        lines = [line for line in lines if not line.startswith("Anomalie — ")]
        if self.pull_error:
            lines.append(self.pull_error)
        lines += self.reviews
        for outcome in self.collectives:
            lines += outcome.locked + outcome.notices
            if outcome.error:
                lines.append(f"Collectif {outcome.collective} : {self._cause(outcome.error)}")
        if self.network is not None:
            lines += self.network.locked
            if self.network.error:
                lines.append(f"Vue réseau : {self._cause(self.network.error)}")
        return lines

    def _cause(self, error: str) -> str:
        """An error, or « the same » when the pull's already said it: a service that does
        not answer stops every collectif, and its paragraph once per collectif (eleven at
        network scale) buried what an admin had to read."""
        if self.pull_error and error in self.pull_error:
            return "non mis à jour, pour la même raison."
        return error

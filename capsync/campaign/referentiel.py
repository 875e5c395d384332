"""The référentiel: what a structure assesses itself against.

Models only; loading and cross-checks live in :mod:`capsync.campaign.validation` so that
every mistake of a hand-written YAML file is reported at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from capsync.campaign.vocabulary import Iso26000, StructureType

ALL_TYPES: tuple[StructureType, ...] = tuple(StructureType)

NonEmpty = Annotated[str, Field(min_length=1)]
MAX_WEIGHT = 100
"""A weight is relative to the others; beyond 100 it is a typing mistake, and .inf breaks scores."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Model):
    """One rung of the maturity scale."""

    value: int = Field(ge=0, le=10)
    label: NonEmpty
    description: NonEmpty


class SpecialAnswer(_Model):
    """A non-numeric answer (« Non applicable », « Ne sait pas ») and how people write it."""

    label: NonEmpty
    aliases: list[str] = Field(default_factory=list)


def _default_levels() -> list[Level]:
    texts = [
        ("Non engagé", "Rien n'est fait ni prévu sur ce sujet."),
        ("Émergent", "Des premières actions existent, ponctuelles et peu formalisées."),
        ("Structuré", "Une démarche formalisée est en place et appliquée."),
        ("Maîtrisé", "La démarche est appliquée, évaluée et améliorée régulièrement."),
        ("Exemplaire", "La démarche est exemplaire, partagée et inspire d'autres structures."),
    ]
    return [Level(value=i, label=label, description=d) for i, (label, d) in enumerate(texts)]


class Scale(_Model):
    """Ordered maturity levels plus the two answers that carry no number."""

    levels: list[Level] = Field(default_factory=_default_levels, min_length=2)
    not_applicable: SpecialAnswer = SpecialAnswer(
        label="Non applicable", aliases=["N/A", "NA", "Sans objet"]
    )
    unknown: SpecialAnswer = SpecialAnswer(label="Ne sait pas", aliases=["NSP", "?"])

    @property
    def values(self) -> list[int]:
        return [level.value for level in self.levels]

    @property
    def max_value(self) -> int:
        return max(self.values)

    def choice_labels(self) -> list[str]:
        """The drop-down entries of a level cell, e.g. « 3 - Maîtrisé »."""
        numbered = [f"{lv.value} - {lv.label}" for lv in self.levels]
        return [*numbered, self.not_applicable.label, self.unknown.label]


class Labellisation(_Model):
    """Parameters of the labellisation rule."""

    min_chapter_score: float = Field(default=2.0, ge=0, allow_inf_nan=False)
    min_mandatory_level: int = Field(default=2, ge=0)
    required_completion: float = Field(default=1.0, gt=0, le=1, allow_inf_nan=False)


class ScoringRules(_Model):
    """Overridable constants of the scoring formula (see docs/scoring.md)."""

    divergence_threshold: int = Field(default=2, ge=1)
    weak_level: int = Field(default=2, ge=0)


class Service(_Model):
    """A resource of the network's « offre de services »."""

    id: NonEmpty
    title: NonEmpty
    description: str = ""
    url: HttpUrl | None = None
    types: list[StructureType] = Field(default_factory=lambda: list(ALL_TYPES))

    def serves(self, types: StructureType | Iterable[StructureType]) -> bool:
        """Whether the service is meant for a structure of these types (any one of them)."""
        return any(t in self.types for t in _as_types(types))


def _as_types(types: StructureType | Iterable[StructureType]) -> tuple[StructureType, ...]:
    """One type or several (an ensemblier AI + ACI) as a tuple."""
    return (types,) if isinstance(types, str) else tuple(types)


class Criterion(_Model):
    id: NonEmpty
    title: NonEmpty
    question: NonEmpty
    levels: dict[int, NonEmpty]
    structure_types: list[StructureType] = Field(default_factory=lambda: list(ALL_TYPES))
    weight: float = Field(default=1.0, gt=0, le=MAX_WEIGHT, allow_inf_nan=False)
    mandatory_for_label: bool = False
    iso26000: list[Iso26000] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)

    def applies_to(self, structure_type: StructureType | Iterable[StructureType]) -> bool:
        """Whether a structure of this type — or of any of these types — assesses it."""
        return any(t in self.structure_types for t in _as_types(structure_type))


class Objective(_Model):
    id: NonEmpty
    title: NonEmpty
    services: list[str] = Field(default_factory=list)
    criteria: list[Criterion] = Field(min_length=1)


class Chapter(_Model):
    id: NonEmpty
    title: NonEmpty
    description: str = ""
    weight: float = Field(default=1.0, gt=0, le=MAX_WEIGHT, allow_inf_nan=False)
    objectives: list[Objective] = Field(min_length=1)

    @property
    def criteria(self) -> list[Criterion]:
        return [c for o in self.objectives for c in o.criteria]


class Referentiel(_Model):
    """A versioned référentiel: chapters → objectives → criteria, rated on a scale."""

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    id: NonEmpty
    title: NonEmpty
    short_title: str | None = Field(default=None, min_length=1, max_length=10)  # « ISO 9001 »
    approach: str = Field(default="CAP RSE", min_length=1, max_length=40)  # « CAP ISO 9001 »
    version: NonEmpty
    language: str = "fr"
    scale: Scale = Scale()
    labellisation: Labellisation = Labellisation()
    scoring: ScoringRules = ScoringRules()
    offre_de_services: list[Service] = Field(default_factory=list)
    chapters: list[Chapter] = Field(min_length=1)

    @cached_property
    def criteria(self) -> dict[str, Criterion]:
        """Every criterion by ID, in document order."""
        return {c.id: c for ch in self.chapters for c in ch.criteria}

    @cached_property
    def chapter_of(self) -> dict[str, Chapter]:
        return {c.id: ch for ch in self.chapters for c in ch.criteria}

    @cached_property
    def objective_of(self) -> dict[str, Objective]:
        return {c.id: o for ch in self.chapters for o in ch.objectives for c in o.criteria}

    @cached_property
    def services(self) -> dict[str, Service]:
        return {s.id: s for s in self.offre_de_services}

    def chapter(self, chapter_id: str) -> Chapter:
        return next(ch for ch in self.chapters if ch.id == chapter_id)

    def criteria_for(
        self, structure_type: StructureType | Iterable[StructureType]
    ) -> list[Criterion]:
        """The criteria a structure assesses: of its type, or the union (each once, in
        document order) of its types for an ensemblier (``Structure.all_types``)."""
        return [c for c in self.criteria.values() if c.applies_to(structure_type)]

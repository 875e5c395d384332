"""The délégué·e·s' decisions file: label committee decisions, the offre de services loop,
and the « accompagnement complémentaire » decided on each restitution day.

A YAML file beside the configuration (``decisions: decisions.yaml``), because what it
records is decided in a meeting and written down once — a committee's verdict on a
structure's label, a service a structure asked for — by the same people who keep the
configuration, in a format ``capsync check`` validates with the file, line and key of
every mistake. It is read, never written, by capsync: nothing here can be erased by a
sync. Models and the pure rules (a label's state on a given day) live here; the
schema check is :func:`capsync.campaign.validation.load_campaign`'s, the cross-checks
(unknown structure, unknown service, dates in the wrong order) are :func:`problems`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from capsync.campaign.config import yaml_date
from capsync.errors import Problem

Slug = Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
RENEWAL_NOTICE_DAYS = 180
"""Without ``renewal_due``, a label is « à renouveler » six months before it ends: the
time for a re-assessment and a committee."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_date = yaml_date  # the configuration's own reading of a date


class LabelOutcome(StrEnum):
    """What the label committee decided."""

    LABELLISEE = "labellisee"
    AJOURNEE = "ajournee"  # to be presented again (a condition to meet first)
    REFUSEE = "refusee"

    @property
    def label(self) -> str:
        return {"labellisee": "Labellisée", "ajournee": "Ajournée", "refusee": "Refusée"}[
            self.value
        ]


class LabelState(StrEnum):
    """Where a structure's label stands on a given day (the dashboard, the network view)."""

    NONE = "Pas de décision"
    LABELLISEE = "Labellisée"
    A_RENOUVELER = "À renouveler"  # the renewal date has come: re-assess before it ends
    EXPIREE = "Label expiré"
    AJOURNEE = "Ajournée"
    REFUSEE = "Refusée"


class LabelDecision(_Model):
    """One decision of the label committee about one structure."""

    structure: Slug
    committee: dt.date  # the committee's date
    decision: LabelOutcome
    valid_until: dt.date | None = None  # required for « labellisee »
    renewal_due: dt.date | None = None  # default: valid_until − 180 days
    notes: str = ""

    _dates = field_validator("committee", "valid_until", "renewal_due", mode="before")(_date)

    @property
    def renewal(self) -> dt.date | None:
        """The day the renewal is due (re-assessment to start)."""
        if self.renewal_due is not None:
            return self.renewal_due
        if self.valid_until is None:
            return None
        return self.valid_until - dt.timedelta(days=RENEWAL_NOTICE_DAYS)

    def state(self, today: dt.date) -> LabelState:
        """The label's state on ``today``: a granted label nearing its end is flagged."""
        if self.decision == LabelOutcome.AJOURNEE:
            return LabelState.AJOURNEE
        if self.decision == LabelOutcome.REFUSEE:
            return LabelState.REFUSEE
        if self.valid_until is not None and today > self.valid_until:
            return LabelState.EXPIREE
        renewal = self.renewal
        if renewal is not None and today >= renewal:
            return LabelState.A_RENOUVELER
        return LabelState.LABELLISEE


class ServiceStatus(StrEnum):
    """Where a suggested service of the offre de services stands for one structure."""

    DEMANDE = "demande"
    PROGRAMME = "programme"
    REALISE = "realise"

    @property
    def label(self) -> str:
        return {"demande": "Demandé", "programme": "Programmé", "realise": "Réalisé"}[self.value]


class ServiceRequest(_Model):
    """A structure's request for a service, and how far it went (the latest status counts)."""

    structure: Slug
    service: Annotated[str, Field(min_length=1)]
    status: ServiceStatus
    date: dt.date | None = None
    notes: str = ""

    _dates = field_validator("date", mode="before")(_date)


class SupportDecision(_Model):
    """The restitution day's decision: does the structure carry out its plan de progrès with
    its own means (``support: false``), or with an accompagnement complémentaire from the
    offre de services (``support: true``, ``service`` naming it when chosen)?"""

    structure: Slug
    date: dt.date  # the restitution day
    support: bool
    service: str | None = None  # an ID of the référentiel's offre_de_services
    notes: str = ""

    _dates = field_validator("date", mode="before")(_date)

    @field_validator("support", mode="before")
    @classmethod
    def _oui_non(cls, value: Any) -> Any:
        """« oui » / « non », as the délégué·e·s say it, besides true / false."""
        if isinstance(value, str) and value.strip().casefold() in ("oui", "non"):
            return value.strip().casefold() == "oui"
        return value

    @property
    def text(self) -> str:
        """« oui — formation-gouvernance », « oui — service à préciser », « non »."""
        if not self.support:
            return "non"
        return f"oui — {self.service}" if self.service else "oui — service à préciser"


class Decisions(_Model):
    """The whole decisions file."""

    labels: list[LabelDecision] = Field(default_factory=list)
    services: list[ServiceRequest] = Field(default_factory=list)
    support: list[SupportDecision] = Field(default_factory=list)

    def support_of(self, structure: str) -> SupportDecision | None:
        """The structure's latest accompagnement decision (by date; the later line on a tie)."""
        found = [d for d in self.support if d.structure == structure]
        return max(found, key=lambda d: d.date) if found else None

    def label_of(self, structure: str) -> LabelDecision | None:
        """The structure's latest decision (by committee date; the later line on a tie)."""
        found = [d for d in self.labels if d.structure == structure]
        return max(found, key=lambda d: d.committee) if found else None

    def for_structures(self, ids: Iterable[str]) -> Decisions:
        """Only the decisions about these structures (a collectif's share of the file)."""
        wanted = set(ids)
        return Decisions(
            labels=[d for d in self.labels if d.structure in wanted],
            services=[s for s in self.services if s.structure in wanted],
            support=[d for d in self.support if d.structure in wanted],
        )

    def service_status(self) -> dict[tuple[str, str], ServiceStatus]:
        """(structure, service) → its furthest status (« réalisé » beats « programmé »)."""
        order = list(ServiceStatus)
        found: dict[tuple[str, str], ServiceStatus] = {}
        for request in self.services:
            key = (request.structure, request.service)
            if key not in found or order.index(request.status) > order.index(found[key]):
                found[key] = request.status
        return found


Locate = Callable[[tuple[str | int, ...], str], Problem]


def problems(data: Any, structures: set[str], services: set[str], at: Locate) -> Iterator[Problem]:
    """Cross-checks on the raw file: unknown structures and services, impossible dates.

    ``at(key path, message)`` locates a message in the file (line and key).
    """
    if not isinstance(data, dict):
        return
    labels = data.get("labels")
    for i, entry in enumerate(labels if isinstance(labels, list) else []):
        if not isinstance(entry, dict):
            continue
        yield from _unknown_structure(entry, ("labels", i), structures, at)
        granted = entry.get("decision") == LabelOutcome.LABELLISEE.value
        if granted and entry.get("valid_until") is None:
            message = (
                "une décision « labellisee » indique la fin de validité du label "
                "(valid_until, par exemple 2029-07-01)."
            )
            yield at(("labels", i, "decision"), message)
        committee, until = _as_date(entry.get("committee")), _as_date(entry.get("valid_until"))
        if committee and until and until <= committee:
            message = "la fin de validité (valid_until) doit suivre la date du comité."
            yield at(("labels", i, "valid_until"), message)
    requests = data.get("services")
    for i, entry in enumerate(requests if isinstance(requests, list) else []):
        if not isinstance(entry, dict):
            continue
        yield from _unknown_structure(entry, ("services", i), structures, at)
        service = entry.get("service")
        if isinstance(service, str) and service and service not in services:
            message = f"ressource « {service} » absente de l'offre_de_services du référentiel."
            yield at(("services", i, "service"), message)
    yield from _support_problems(data.get("support"), structures, services, at)


def _support_problems(
    entries: Any, structures: set[str], services: set[str], at: Locate
) -> Iterator[Problem]:
    """Accompagnement decisions: known structure and service; a service only with « oui »."""
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict):
            continue
        yield from _unknown_structure(entry, ("support", i), structures, at)
        service = entry.get("service")
        if not isinstance(service, str) or not service:
            continue
        if service not in services:
            message = f"ressource « {service} » absente de l'offre_de_services du référentiel."
            yield at(("support", i, "service"), message)
        said = entry.get("support")
        if said is False or (isinstance(said, str) and said.strip().casefold() == "non"):
            message = (
                "un service n'est indiqué que pour un accompagnement complémentaire "
                "(support: true) ; avec support: false, retirez « service »."
            )
            yield at(("support", i, "service"), message)


def _unknown_structure(
    entry: dict[str, Any], loc: tuple[str | int, ...], structures: set[str], at: Locate
) -> Iterator[Problem]:
    structure = entry.get("structure")
    if isinstance(structure, str) and structure and structure not in structures:
        yield at((*loc, "structure"), f"structure « {structure} » absente de la configuration.")


def _as_date(value: Any) -> dt.date | None:
    try:
        found = _date(value)
    except ValueError:
        return None
    return found if isinstance(found, dt.date) else None

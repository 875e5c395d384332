"""Demand for the offre de services, counted once for the dashboard and the network view (pure).

The loop of issue 12 — suggested, then « demandé », « programmé », « réalisé » — is
counted the same way wherever it is shown, so a délégué·e's dashboard and COORACE
national's network view never disagree: :func:`count_service_demand` is the one
count, :func:`service_demand_sheet` the dashboard's sheet of it (one collectif).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from capsync.campaign.config import Collective
from capsync.campaign.decisions import Decisions, ServiceStatus
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.vocabulary import StructureType
from capsync.french import typeset
from capsync.layout.tables import Column, table_sheet
from capsync.workbook.spec import SheetSpec, Style, Value

SERVICES_SHEET = "Offre de services"
STATUS_HEADERS = {
    ServiceStatus.DEMANDE: "Demandée",
    ServiceStatus.PROGRAMME: "Programmée",
    ServiceStatus.REALISE: "Réalisée",
}


def types_text(types: Sequence[StructureType]) -> str:
    """« AI + ETTI », or « Tous » for a service meant for every type."""
    if set(types) >= set(StructureType):
        return "Tous"
    return " + ".join(t.value for t in StructureType if t in types)


def count_service_demand(
    referentiel: Referentiel,
    types: Mapping[str, Sequence[StructureType]],
    criteria: Iterable[pd.DataFrame],
    status: Mapping[tuple[str, str], ServiceStatus],
) -> pd.DataFrame:
    """Per service of the offre de services: the structures it is suggested to, and its loop.

    ``types``: structure ID → its types, for the structures counted (others are ignored);
    ``criteria``: ``scores.criteria`` frames; ``status``: the decisions file's furthest
    status per (structure, service). A service is suggested to a structure when a
    criterion it is linked to (directly, or through its objective) is answered below
    ``scoring.weak_level`` and the service serves one of the structure's types.
    ``demande``, ``programme`` and ``realise`` count the structures whose furthest
    status is that one. Columns: service, title, types, suggested, demande, programme,
    realise.
    """
    linked: dict[str, set[str]] = {}
    for chapter in referentiel.chapters:
        for objective in chapter.objectives:
            for criterion in objective.criteria:
                linked[criterion.id] = {*objective.services, *criterion.services}
    suggested: dict[str, set[str]] = {s.id: set() for s in referentiel.offre_de_services}
    weak = referentiel.scoring.weak_level
    for frame in criteria:
        low = frame[frame["answered"] & (frame["retained"] < weak)]
        for structure, criterion in zip(low["structure"], low["criterion"], strict=True):
            if str(structure) not in types:
                continue
            for service_id in linked.get(str(criterion), ()):
                service = referentiel.services.get(service_id)
                if service is not None and service.serves(types[str(structure)]):
                    suggested[service_id].add(str(structure))
    rows = []
    for service in referentiel.offre_de_services:
        counts = {s: 0 for s in ServiceStatus}
        for (structure, service_id), found in status.items():
            if service_id == service.id and structure in types:
                counts[found] += 1
        rows.append(
            {
                "service": service.id,
                "title": service.title,
                "types": types_text(service.types),
                "suggested": len(suggested[service.id]),
                **{s.value: counts[s] for s in ServiceStatus},
            }
        )
    return pd.DataFrame(rows)


def demand_table(demand: pd.DataFrame) -> tuple[list[list[Value]], list[Column]]:
    """The rows and columns of a demand count (:func:`count_service_demand`), as the
    dashboard and the network view both show it."""
    rows: list[list[Value]] = []
    for r in demand.to_dict("records"):
        counts: list[Value] = [int(r["suggested"]), *(int(r[s.value]) for s in ServiceStatus)]
        rows.append([typeset(str(r["title"])), str(r["types"]), *counts])
    columns = [
        Column("Ressource", 50),
        Column("Pour les types", 18),
        Column("Suggérée à (structures)", 12, Style.INTEGER),
    ]
    columns += [Column(STATUS_HEADERS[s], 11, Style.INTEGER) for s in ServiceStatus]
    return rows, columns


def service_demand_sheet(
    collective: Collective, referentiel: Referentiel, criteria: pd.DataFrame, decisions: Decisions
) -> SheetSpec:
    """The dashboard's « Offre de services »: the same count as the network view, for one
    collectif's structures only."""
    types = {s.id: s.all_types for s in collective.structures}
    demand = count_service_demand(referentiel, types, [criteria], decisions.service_status())
    rows, columns = demand_table(demand)
    return table_sheet(
        SERVICES_SHEET,
        typeset(f"{collective.name} — demande pour l'offre de services"),
        typeset(
            f"Nombre de structures du collectif. Suggérée : un critère lié est retenu sous le "
            f"niveau {referentiel.scoring.weak_level} et la ressource sert l'un des types de "
            "la structure. Demandée, programmée, réalisée : l'étape la plus avancée notée "
            "dans le fichier de décisions."
        ),
        columns,
        rows,
        empty_message="Le référentiel ne décrit aucune offre de services.",
    )

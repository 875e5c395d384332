"""The network view for COORACE national (``<data>/reseau/vue-reseau.xlsx``): the tables.

Pure: :class:`NetworkInputs` (every collectif's scores, the decisions file, the day) in,
pandas tables out; :mod:`capsync.layout.network_sheets` lays them out as a workbook.
Everything is counted per structure — a structure of several types (an ensemblier AI +
ACI) counts once per type in « par type », once everywhere else — and a mean over fewer
than :data:`FEW` structures is marked, because one structure's answers are not a
region's level. One :class:`NetworkInputs` holds the collectifs of one référentiel only
(:func:`capsync.jobs.network.network_inputs` groups them), so collectifs of two
référentiels are never averaged together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from capsync.campaign.config import Collective, Structure
from capsync.campaign.decisions import Decisions, LabelState
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.vocabulary import StructureType
from capsync.layout.service_demand import count_service_demand
from capsync.scoring import scores as scoring

FEW = 3
"""A mean over fewer structures than this is shown, and marked « à lire avec prudence »."""
OVERALL = ""  # the chapter key of the overall score in the level tables


class Stage(StrEnum):
    """Where a structure stands on the way to the label (the network's pipeline)."""

    NOT_STARTED = "Pas encore de réponse"
    IN_PROGRESS = "En cours"
    NOT_ELIGIBLE = "Non éligible"  # assessed, not eligible, and its collectif's clôture came
    ELIGIBLE = "Éligible"
    LABELLED = "Labellisée"
    RENEW = "À renouveler"


@dataclass(frozen=True, eq=False)
class CollectiveResult:
    """One collectif and its scores (:func:`capsync.scoring.scores.score_collective`)."""

    collective: Collective
    scores: scoring.Scores


@dataclass(frozen=True, eq=False)
class NetworkInputs:
    """Everything the network view shows; gathered by :mod:`capsync.jobs.network`."""

    referentiel: Referentiel
    results: Sequence[CollectiveResult]
    decisions: Decisions
    today: dt.date

    def structures(self) -> list[tuple[Collective, Structure]]:
        """Every structure of the network once, with its collectif, in configuration order."""
        seen: set[str] = set()
        found: list[tuple[Collective, Structure]] = []
        for result in self.results:
            for structure in result.collective.structures:
                if structure.id not in seen:
                    seen.add(structure.id)
                    found.append((result.collective, structure))
        return found


def stage(eligible: bool, assessed: bool, label: LabelState, closed: bool = False) -> Stage:
    """A structure's stage: its label decision first, then what its answers say; « Non
    éligible » only once its collectif's clôture has come (``closed``), as on the dashboard."""
    if label == LabelState.LABELLISEE:
        return Stage.LABELLED
    if label in (LabelState.A_RENOUVELER, LabelState.EXPIREE):
        return Stage.RENEW
    if eligible:
        return Stage.ELIGIBLE
    if not assessed:
        return Stage.NOT_STARTED
    return Stage.NOT_ELIGIBLE if closed else Stage.IN_PROGRESS


def structure_table(inputs: NetworkInputs) -> pd.DataFrame:
    """One row per structure: region, collectif, types, completion, overall score, stage.

    Columns: region, collective, collective_name, structure, name, types (a tuple),
    answered, applicable, completion (answered / applicable over its chapters),
    overall, assessed, eligible, label (:class:`LabelState`), valid_until, renewal, stage.
    """
    rows: list[dict[str, object]] = []
    by_collective = {r.collective.id: r.scores for r in inputs.results}
    for collective, structure in inputs.structures():
        scores = by_collective[collective.id]
        chapters = scores.chapters[scores.chapters["structure"] == structure.id]
        overall = scores.overall[scores.overall["structure"] == structure.id]["overall"]
        label = scores.label[scores.label["structure"] == structure.id]
        assessed = bool(label["assessed"].iloc[0]) if not label.empty else False
        eligible = bool(label["eligible"].iloc[0]) if not label.empty else False
        decision = inputs.decisions.label_of(structure.id)
        state = decision.state(inputs.today) if decision else LabelState.NONE
        answered, applicable = int(chapters["answered"].sum()), int(chapters["applicable"].sum())
        rows.append(
            {
                "region": collective.region,
                "collective": collective.id,
                "collective_name": collective.name,
                "structure": structure.id,
                "name": structure.name,
                "types": structure.all_types,
                "answered": answered,
                "applicable": applicable,
                "completion": answered / applicable if applicable else np.nan,
                "overall": float(overall.iloc[0]) if not overall.empty else np.nan,
                "assessed": assessed,
                "eligible": eligible,
                "label": state,
                "valid_until": decision.valid_until if decision else None,
                "renewal": decision.renewal if decision else None,
                "stage": stage(eligible, assessed, state, collective.closed(inputs.today)),
            }
        )
    return pd.DataFrame(rows)


def _chapter_scores(inputs: NetworkInputs, table: pd.DataFrame) -> pd.DataFrame:
    """Every structure's chapter scores and its overall score (chapter ``OVERALL``), long."""
    frames = [r.scores.chapters[["structure", "chapter", "score"]] for r in inputs.results]
    chapters = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    overall = pd.DataFrame(
        {"structure": table["structure"], "chapter": OVERALL, "score": table["overall"]}
    )
    long = pd.concat([chapters, overall], ignore_index=True)
    return long.drop_duplicates(["structure", "chapter"])


def levels_by(inputs: NetworkInputs, table: pd.DataFrame, by: str) -> pd.DataFrame:
    """Mean score and number of structures with a score, per chapter and group.

    ``by`` is ``region`` or ``type`` (a structure of several types counts in each).
    Columns: group, chapter (``OVERALL`` for the overall score), mean, n, few (n < FEW).
    Groups come in configuration order (regions) or the vocabulary's order (types).
    """
    if table.empty:
        return pd.DataFrame(columns=["group", "chapter", "mean", "n", "few"])
    scores = _chapter_scores(inputs, table)
    if by == "type":
        groups = table[["structure", "types"]].explode("types").rename(columns={"types": "group"})
        groups["group"] = groups["group"].map(str)
    else:
        groups = table[["structure", by]].rename(columns={by: "group"})
    merged = scores.merge(groups, on="structure")
    merged = merged[merged["score"].notna()]
    stats = merged.groupby(["group", "chapter"], sort=False)["score"].agg(["mean", "size"])
    stats = stats.rename(columns={"size": "n"}).reset_index()
    stats["few"] = stats["n"] < FEW
    return stats


def group_order(table: pd.DataFrame, by: str) -> list[str]:
    """Regions in the order the configuration names them; types in the vocabulary's order."""
    if by == "type":
        present = {str(t) for types in table["types"] for t in types} if not table.empty else set()
        return [t.value for t in StructureType if t.value in present]
    return list(dict.fromkeys(table[by])) if not table.empty else []


def weak_points(inputs: NetworkInputs) -> pd.DataFrame:
    """The network's common weak points: every criterion's statistics over all structures,
    the most often weak first (then the lowest mean). See
    :func:`capsync.scoring.scores.criterion_statistics`."""
    frames = [r.scores.criteria for r in inputs.results if not r.scores.criteria.empty]
    if not frames:
        return pd.DataFrame()
    criteria = pd.concat(frames, ignore_index=True).drop_duplicates(["structure", "criterion"])
    stats = scoring.criterion_statistics(criteria, inputs.referentiel)
    stats = stats[stats["n_answered"] > 0]
    return stats.sort_values(["share_weak", "mean"], ascending=[False, True], kind="mergesort")


def service_demand(inputs: NetworkInputs) -> pd.DataFrame:
    """Per service of the offre de services: suggested, asked for, planned, done — the one
    count of :func:`capsync.layout.service_demand.count_service_demand`, over the network."""
    return count_service_demand(
        inputs.referentiel,
        {s.id: s.all_types for _, s in inputs.structures()},
        [result.scores.criteria for result in inputs.results],
        inputs.decisions.service_status(),
    )

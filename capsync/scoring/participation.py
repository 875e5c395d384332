"""Who took part, by role: participation per structure and chapter, and the « regards croisés ».

The CAP method asks 7–8 people of a structure (direction, permanent·e·s,
administrateur·rice·s, salarié·e·s en parcours) to assess each chapter. Two
things the délégué·e·s need from the answers, and nothing more:

- **participation**: per structure and chapter, how many respondents answered
  (a level, « Ne sait pas » or « Non applicable » on at least one criterion of
  the chapter), by role, and the warnings the method cares about: the chapter
  rests on one person, no salarié·e en parcours, no administrateur·rice;
- **regards croisés**: the mean level per chapter and role. Each respondent
  weighs the same (the mean of their own levels in the chapter, then the mean
  of those), and a mean is given only when at least :data:`MIN_GROUP` people
  of that role answered the chapter, so that nobody can be singled out.

A respondent's role comes from the configuration (``respondents`` of the
structure); the eight anonymous columns of a structure that lists nobody, and
columns of people since taken out of the configuration, have no role: they
count as « rôle non précisé » and raise no role warning (they may be anyone).
Pure pandas, like :mod:`capsync.scoring.scores`.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

import numpy as np
import pandas as pd

from capsync.campaign.config import Collective, Structure
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.vocabulary import RespondentRole
from capsync.parse.answers import AnswerKind
from capsync.workbook.grid_schema import RESPONDENT_PREFIX, respondent_columns

MIN_GROUP = 3
"""The fewest respondents of one role behind a mean shown to anyone."""

UNKNOWN_ROLE = "inconnu"
ROLE_ORDER: tuple[str, ...] = (*(r.value for r in RespondentRole), UNKNOWN_ROLE)
PARTICIPATION_COLUMNS = ("structure", "chapter", "respondents", *ROLE_ORDER, "flags")
ROLE_MEAN_COLUMNS = ("chapter", "role", "respondents", "mean", "shown")
_TOOK_PART = (AnswerKind.LEVEL.value, AnswerKind.UNKNOWN.value, AnswerKind.NOT_APPLICABLE.value)


class ParticipationFlag(StrEnum):
    """A warning about who took part in a chapter; the value is what people read."""

    ALONE = "la démarche repose sur une seule personne"
    NO_SALARIE = "aucun·e salarié·e en parcours n'a répondu"
    NO_ADMINISTRATEUR = "aucun·e administrateur·rice n'a répondu"


def respondent_roles(structure: Structure) -> dict[str, str]:
    """Column key (« r:sophie-marchand ») → role value, for the configured respondents."""
    return {
        column.key: RespondentRole(person.role).value
        for person, column in zip(
            structure.respondents, respondent_columns(structure), strict=False
        )
    }


def respondent_answers(
    collective: Collective, referentiel: Referentiel, answers: pd.DataFrame
) -> pd.DataFrame:
    """The respondents' answers of the collectif's structures, with chapter and role.

    Columns: structure, chapter, respondent (column key), role, kind, level.
    """
    columns = ["structure", "chapter", "respondent", "role", "kind", "level"]
    if answers.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    chapter_of = {
        c.id: ch.id for ch in referentiel.chapters for o in ch.objectives for c in o.criteria
    }
    ids = {s.id for s in collective.structures}
    frame = answers[
        answers["structure"].isin(ids)
        & starts_with(answers["column"], RESPONDENT_PREFIX)
        & answers["kind"].astype(str).isin(_TOOK_PART)
    ]
    roles = {
        (s.id, key): role
        for s in collective.structures
        for key, role in respondent_roles(s).items()
    }
    structure = frame["structure"].astype(str).to_numpy(dtype=object)
    respondent = frame["column"].astype(str).to_numpy(dtype=object)
    found = pd.DataFrame(
        {
            "structure": structure,
            "chapter": frame["criterion"].astype(str).map(chapter_of).to_numpy(),
            "respondent": respondent,
            "kind": frame["kind"].astype(str).to_numpy(),
            "level": pd.to_numeric(frame["level"], errors="coerce").to_numpy(),
            # from the plain arrays: iterating a pandas string column costs ten times more
            "role": [
                roles.get(key, UNKNOWN_ROLE) for key in zip(structure, respondent, strict=True)
            ],
        }
    )
    found = found[found["chapter"].notna()]
    return found[columns].reset_index(drop=True)


def starts_with(values: pd.Series, prefix: str) -> pd.Series:
    """``values.astype(str).str.startswith(prefix)``, testing each distinct value once:
    a pandas string column calls Python once per cell for ``str.startswith``, and the
    22 000 answers of a collectif have a few dozen distinct columns."""
    codes, distinct = pd.factorize(values)  # a missing value has code -1: never a match
    hits = np.array([str(v).startswith(prefix) for v in distinct] + [False], dtype=bool)
    return pd.Series(hits[codes], index=values.index)


def flags_for(counts: dict[str, int]) -> tuple[ParticipationFlag, ...]:
    """The warnings of one chapter of one structure, from its respondents per role."""
    total = sum(counts.values())
    if total == 0:
        return ()
    found: list[ParticipationFlag] = []
    if total == 1:
        found.append(ParticipationFlag.ALONE)
    if counts.get(UNKNOWN_ROLE, 0) == 0:
        if counts.get(RespondentRole.SALARIE_PARCOURS.value, 0) == 0:
            found.append(ParticipationFlag.NO_SALARIE)
        if counts.get(RespondentRole.ADMINISTRATEUR.value, 0) == 0:
            found.append(ParticipationFlag.NO_ADMINISTRATEUR)
    return tuple(found)


def participation(
    collective: Collective, referentiel: Referentiel, answers: pd.DataFrame
) -> pd.DataFrame:
    """One row per (structure, chapter) of the collectif, in document order: how many
    respondents answered, per role (:data:`ROLE_ORDER`), and the warnings (``flags``)."""
    return participation_of(
        collective, referentiel, respondent_answers(collective, referentiel, answers)
    )


def participation_of(
    collective: Collective, referentiel: Referentiel, found: pd.DataFrame
) -> pd.DataFrame:
    """:func:`participation` from :func:`respondent_answers` already computed: the
    dashboard computes them once for its « Participation » and its « Regards croisés »."""
    people = found.drop_duplicates(["structure", "chapter", "respondent"])
    counted = people.groupby(["structure", "chapter", "role"]).size().to_dict()
    rows = []
    for structure in collective.structures:
        for chapter in referentiel.chapters:
            counts = {
                role: int(counted.get((structure.id, chapter.id, role), 0)) for role in ROLE_ORDER
            }
            rows.append(
                {
                    "structure": structure.id,
                    "chapter": chapter.id,
                    "respondents": sum(counts.values()),
                    **counts,
                    "flags": flags_for(counts),
                }
            )
    return pd.DataFrame(rows, columns=list(PARTICIPATION_COLUMNS))


def role_means(
    collective: Collective,
    referentiel: Referentiel,
    answers: pd.DataFrame,
    structures: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Per chapter and known role: respondents who gave a level, and their mean level.

    ``structures`` narrows the people counted (one structure for its restitution);
    ``shown`` is whether at least :data:`MIN_GROUP` people are behind the mean —
    when it is False, ``mean`` is NaN: the number never leaves this function.
    """
    return role_means_of(
        referentiel, respondent_answers(collective, referentiel, answers), structures
    )


def role_means_of(
    referentiel: Referentiel, found: pd.DataFrame, structures: Iterable[str] | None = None
) -> pd.DataFrame:
    """:func:`role_means` from :func:`respondent_answers` already computed (see
    :func:`participation_of`)."""
    if structures is not None:
        found = found[found["structure"].isin(set(structures))]
    levels = found[(found["kind"] == AnswerKind.LEVEL.value) & found["level"].notna()]
    per_person = levels.groupby(["chapter", "role", "structure", "respondent"])["level"].mean()
    grouped = per_person.groupby(level=["chapter", "role"]).agg(["size", "mean"])
    sizes, means = grouped["size"].to_dict(), grouped["mean"].to_dict()  # dicts: .loc is slow
    rows = []
    for chapter in referentiel.chapters:
        for role in RespondentRole:
            key = (chapter.id, role.value)
            n = int(sizes.get(key, 0))
            shown = n >= MIN_GROUP
            mean = float(means[key]) if shown else float("nan")
            rows.append({"chapter": chapter.id, "role": role.value, "respondents": n,
                         "mean": mean, "shown": shown})  # fmt: skip
    return pd.DataFrame(rows, columns=list(ROLE_MEAN_COLUMNS))

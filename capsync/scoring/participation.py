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
        & answers["column"].astype(str).str.startswith(RESPONDENT_PREFIX)
        & answers["kind"].astype(str).isin(_TOOK_PART)
    ]
    roles = {
        (s.id, key): role
        for s in collective.structures
        for key, role in respondent_roles(s).items()
    }
    found = pd.DataFrame(
        {
            "structure": frame["structure"].astype(str).to_numpy(),
            "chapter": frame["criterion"].astype(str).map(chapter_of).to_numpy(),
            "respondent": frame["column"].astype(str).to_numpy(),
            "kind": frame["kind"].astype(str).to_numpy(),
            "level": pd.to_numeric(frame["level"], errors="coerce").to_numpy(),
        }
    )
    found = found[found["chapter"].notna()]
    found["role"] = [
        roles.get((s, r), UNKNOWN_ROLE)
        for s, r in zip(found["structure"], found["respondent"], strict=True)
    ]
    return found[columns].reset_index(drop=True)


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
    found = respondent_answers(collective, referentiel, answers)
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
    found = respondent_answers(collective, referentiel, answers)
    if structures is not None:
        found = found[found["structure"].isin(set(structures))]
    levels = found[(found["kind"] == AnswerKind.LEVEL.value) & found["level"].notna()]
    per_person = levels.groupby(["chapter", "role", "structure", "respondent"])["level"].mean()
    grouped = per_person.groupby(level=["chapter", "role"]).agg(["size", "mean"])
    rows = []
    for chapter in referentiel.chapters:
        for role in RespondentRole:
            key = (chapter.id, role.value)
            n = int(grouped.loc[key, "size"]) if key in grouped.index else 0
            shown = n >= MIN_GROUP
            mean = float(grouped.loc[key, "mean"]) if shown else float("nan")
            rows.append({"chapter": chapter.id, "role": role.value, "respondents": n,
                         "mean": mean, "shown": shown})  # fmt: skip
    return pd.DataFrame(rows, columns=list(ROLE_MEAN_COLUMNS))

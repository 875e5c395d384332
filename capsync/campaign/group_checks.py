"""Cross-checks of a GES's ``members``: the structures whose results its view consolidates.

A GES (« groupe économique solidaire ») may list its member structures; each is
assessed on its own grid, and the group's contacts receive a consolidated view of
the members (:mod:`capsync.layout.group_view`). That view puts one structure's
results in front of other people, so the list must say exactly who is in the
group: every member another structure of the configuration, listed once, not a
GES itself, in the GES's own collectif (the view lives in the GES's folder, which
that collectif's délégué·e·s read; a member from another collectif would show its
data to délégué·e·s who must only see their own), and in one group only. A GES
that lists members has no pair: its folder, where the view is written, is read by
its pairs on Google, and they would see the members' results.

Like every cross-check, this reads the raw YAML data, so it runs even when the
schema check failed somewhere else in the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from capsync.campaign.yaml_source import PathKey
from capsync.errors import Problem

Locate = Callable[[PathKey, str], Problem]
GES = "GES"


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _is_group(structure: Mapping[Any, Any]) -> bool:
    """A GES: its type (or one of its types) is GES, or it lists members."""
    types = structure.get("types")
    named = [structure.get("type"), *(types if isinstance(types, list) else [])]
    return GES in {_text(t) for t in named} or bool(structure.get("members"))


def member_problems(
    structures: Sequence[tuple[PathKey, Mapping[Any, Any]]],
    line_of: Callable[[PathKey], int | None],
    at: Locate,
) -> Iterator[Problem]:
    """Every ``members[i]`` checked against the whole configuration; each place is
    ``("collectives", ci, "structures", si)``, so a structure's collectif is ``loc[1]``."""
    by_id: dict[str, tuple[PathKey, Mapping[Any, Any]]] = {}
    for loc, s in structures:  # a duplicate ID is reported elsewhere; the first one counts
        by_id.setdefault(_text(s.get("id")), (loc, s))
    member_of: dict[str, PathKey] = {}  # member ID → where it was first listed
    for loc, structure in structures:
        members = structure.get("members")
        if not isinstance(members, list) or not members:
            continue
        own_id = _text(structure.get("id"))
        for key in ("pair", "pairs"):
            if structure.get(key):
                yield at(
                    (*loc, key),
                    f"le GES « {own_id} » liste ses structures membres : il n'a pas de pair "
                    "(son dossier, où est écrite la vue du groupe, est lu par ses pairs, qui y "
                    "verraient les résultats des membres) ; donnez un pair à chaque membre.",
                )
        seen: dict[str, PathKey] = {}
        for mi, raw in enumerate(members):
            where: PathKey = (*loc, "members", mi)
            member = _text(raw)
            if member in seen:
                line = line_of(seen[member])
                yield at(where, f"la structure membre « {member} » est déjà listée (ligne {line}).")
                continue
            seen[member] = where
            yield from _one_member(member, own_id, loc, where, by_id, member_of, line_of, at)


def _one_member(
    member: str,
    own_id: str,
    loc: PathKey,
    where: PathKey,
    by_id: Mapping[str, tuple[PathKey, Mapping[Any, Any]]],
    member_of: dict[str, PathKey],
    line_of: Callable[[PathKey], int | None],
    at: Locate,
) -> Iterator[Problem]:
    """The problems of one member entry ``where`` of the GES at ``loc``."""
    found = by_id.get(member)
    if found is None or member == own_id:
        yield at(
            where,
            f"la structure membre « {member} » n'est pas une autre structure de la configuration.",
        )
        return
    member_loc, member_data = found
    if _is_group(member_data):
        yield at(
            where,
            f"la structure membre « {member} » est elle-même un GES ; un GES liste des "
            "structures qui s'évaluent, pas un autre groupe.",
        )
    elif member_loc[:2] != loc[:2]:
        yield at(
            where,
            f"la structure membre « {member} » est dans un autre collectif ; les membres "
            "d'un GES sont dans son collectif (les délégué·e·s d'un collectif ne voient que "
            "ses structures) : déplacez le GES ou ce membre.",
        )
    elif member in member_of:
        first = member_of[member]
        yield at(
            where,
            f"la structure « {member} » est déjà membre d'un autre GES (ligne "
            f"{line_of(first)}) ; une structure appartient à un seul groupe.",
        )
    else:
        member_of[member] = where

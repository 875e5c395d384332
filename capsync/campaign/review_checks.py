"""Cross-checks of who reviews whom: the pairs of each structure, chapter by chapter.

A pair is a person from *another* member structure who reviews one chapter of
a structure's self-assessment (« binôme différent par thématique »). Giving a
structure's own director as its pair, a pair for a chapter the référentiel does
not have, or somebody the campaign does not know would open a grid to the wrong
person on Google; ``capsync check`` refuses each, with its file, line and key.

Like every cross-check, this reads the raw YAML data, so it runs even when the
schema check failed somewhere else in the file.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from capsync.campaign.yaml_source import PathKey
from capsync.errors import Problem

Locate = Callable[[PathKey, str], Problem]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _norm(name: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.lower().split())


def _people(structure: Mapping[Any, Any]) -> tuple[set[str], set[str]]:
    """The names (normalised) and e-mails (lower case) a structure's configuration knows."""
    names = {
        _norm(_text(r.get("name")))
        for r in structure.get("respondents") or []
        if isinstance(r, dict)
    }
    emails = {_text(c).lower() for c in structure.get("contacts") or [] if c is not None}
    return names, emails


def pair_problems(
    structures: Sequence[tuple[PathKey, Mapping[Any, Any]]],
    chapters_of: Callable[[PathKey], set[str] | None],
    at: Locate,
) -> Iterator[Problem]:
    """Every pair entry (``pair`` and ``pairs[i]``) checked against the whole campaign.

    ``chapters_of(where the structure is)``: the chapter IDs of the référentiel its
    collectif follows (None when that référentiel could not be read)."""
    by_id: dict[str, Mapping[Any, Any]] = {}
    for _, s in structures:  # a duplicate ID is reported elsewhere; the first one counts
        if s.get("id") is not None:
            by_id.setdefault(_text(s.get("id")), s)
    for loc, structure in structures:
        entries: list[tuple[PathKey, Mapping[Any, Any]]] = []
        if isinstance(structure.get("pair"), dict):
            entries.append(((*loc, "pair"), structure["pair"]))
        pairs = structure.get("pairs")
        for i, entry in enumerate(pairs if isinstance(pairs, list) else []):
            if isinstance(entry, dict):
                entries.append(((*loc, "pairs", i), entry))
        seen: dict[str, PathKey] = {}
        for where, entry in entries:
            yield from _one_pair(where, entry, structure, by_id, chapters_of(loc), at)
            chapter = _text(entry.get("chapter"))
            if "chapter" in entry and chapter in seen:
                yield at(
                    (*where, "chapter"),
                    f"deux pairs pour le chapitre « {chapter} » de cette structure ; "
                    "un seul pair par chapitre (supprimez l'une des deux entrées).",
                )
            seen.setdefault(chapter, where)


def _one_pair(
    where: PathKey,
    entry: Mapping[Any, Any],
    reviewed: Mapping[Any, Any],
    by_id: dict[str, Mapping[Any, Any]],
    chapter_ids: set[str] | None,
    at: Locate,
) -> Iterator[Problem]:
    name = _text(entry.get("name"))
    if "chapter" in entry and chapter_ids is not None:
        chapter = _text(entry.get("chapter"))
        if chapter not in chapter_ids:
            yield at(
                (*where, "chapter"),
                f"le chapitre « {chapter} » n'existe pas dans le référentiel "
                f"(chapitres : {', '.join(sorted(chapter_ids))}).",
            )
    own_names, own_emails = _people(reviewed)
    email = _text(entry.get("email")).lower()
    home_id = _text(entry.get("structure"))
    if (home_id and home_id == _text(reviewed.get("id"))) or (
        _norm(name) in own_names or (email and email in own_emails)
    ):
        yield at(
            where,
            f"« {name} » fait partie de la structure évaluée : un pair vient d'une autre "
            "structure adhérente ; choisissez une personne d'une autre structure.",
        )
        return
    if entry.get("structure") is None:
        return  # the schema says what is missing
    home = by_id.get(home_id)
    if home is None:
        close = difflib.get_close_matches(home_id, sorted(by_id), n=1, cutoff=0.6)
        hint = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
        yield at(
            (*where, "structure"),
            f"la structure « {home_id} » du pair n'existe pas dans la configuration "
            f"(indiquez l'identifiant d'une structure, pas son nom).{hint}",
        )
        return
    names, emails = _people(home)
    if _norm(name) not in names and not (email and email in emails):
        yield at(
            where,
            f"« {name} » n'est ni répondant·e ni contact de la structure « {home_id} » : "
            "ajoutez cette personne à ses respondents (ou son e-mail à ses contacts), "
            "ou corrigez le nom du pair.",
        )

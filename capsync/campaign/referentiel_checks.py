"""Cross-checks of one référentiel file: IDs, level descriptions, services, scale.

They read the raw YAML data rather than the model, so they still run when the
schema check failed somewhere else in the file, and every mistake is listed at
once with its line (:mod:`capsync.campaign.validation` gathers them).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from capsync.campaign.yaml_source import PathKey, YamlSource
from capsync.campaign.yaml_source import as_dict as _dict
from capsync.campaign.yaml_source import as_list as _list
from capsync.campaign.yaml_source import as_text as _text
from capsync.campaign.yaml_source import problem_at as _at
from capsync.errors import Problem


def _prefixed(child: str, parent: str) -> bool:
    """``2.1.3`` belongs to ``2.1``; ``2.10`` does not."""
    return (
        child.startswith(parent) and len(child) > len(parent) and not child[len(parent)].isalnum()
    )


def duplicate_ids(
    source: YamlSource, items: Sequence[tuple[PathKey, str]], what: str
) -> Iterator[Problem]:
    """One problem per repetition of an ID, pointing at the first use."""
    first: dict[str, PathKey] = {}
    for loc, value in items:
        if value in first:
            line = source.line_of(first[value])
            yield _at(source, loc, f"identifiant {what} « {value} » en double (déjà ligne {line}).")
        else:
            first[value] = loc


def referentiel_problems(source: YamlSource, ref: dict[str, Any]) -> Iterator[Problem]:
    """Cross-checks on the raw référentiel data, so they run even when the schema failed."""
    raw_levels = _dict(ref.get("scale")).get("levels")
    values = (
        [lv.get("value") for lv in raw_levels if isinstance(lv, dict)]
        if isinstance(raw_levels, list)
        else [0, 1, 2, 3, 4]
    )
    values = [v for v in values if isinstance(v, int)]
    known = ", ".join(str(v) for v in values)
    services = {
        _text(s.get("id")) for s in _list(ref.get("offre_de_services")) if isinstance(s, dict)
    }
    chapter_ids: list[tuple[PathKey, str]] = []
    objective_ids: list[tuple[PathKey, str]] = []
    criterion_ids: list[tuple[PathKey, str]] = []

    def unknown_services(loc: PathKey, ids: Any) -> Iterator[Problem]:
        for si, sid in enumerate(_list(ids)):
            if _text(sid) not in services:
                message = f"ressource « {sid} » absente de l'offre_de_services."
                yield _at(source, (*loc, "services", si), message)

    for ci, chapter in enumerate(_list(ref.get("chapters"))):
        if not isinstance(chapter, dict):
            continue
        chid = _text(chapter.get("id"))
        chapter_ids.append((("chapters", ci, "id"), chid))
        for oi, objective in enumerate(_list(chapter.get("objectives"))):
            if not isinstance(objective, dict):
                continue
            oloc: PathKey = ("chapters", ci, "objectives", oi)
            oid = _text(objective.get("id"))
            objective_ids.append(((*oloc, "id"), oid))
            if oid and chid and not _prefixed(oid, chid):
                message = (
                    f"l'identifiant « {oid} » devrait commencer par "
                    f"l'identifiant de son chapitre « {chid} »."
                )
                yield _at(source, (*oloc, "id"), message)
            yield from unknown_services(oloc, objective.get("services"))
            for ki, crit in enumerate(_list(objective.get("criteria"))):
                if not isinstance(crit, dict):
                    continue
                loc: PathKey = (*oloc, "criteria", ki)
                cid = _text(crit.get("id"))
                criterion_ids.append(((*loc, "id"), cid))
                # A criterion's ID is its identity across versions (answers move by it),
                # so a criterion moved to another objective keeps it: no prefix check.
                levels = crit.get("levels")
                if isinstance(levels, dict):
                    by_value = {_text(k): text for k, text in levels.items()}
                    for value in values:
                        text = by_value.get(str(value))
                        if not (isinstance(text, str) and text.strip()):
                            message = (
                                f"le niveau {value} du critère « {cid} » n'a pas de description."
                            )
                            yield _at(source, (*loc, "levels"), message)
                    for key in levels:
                        if _text(key) not in {str(v) for v in values}:
                            message = (
                                f"le niveau {key} n'existe pas dans l'échelle "
                                f"(niveaux : {known}) ; supprimez-le ou ajoutez-le à scale.levels."
                            )
                            yield _at(source, (*loc, "levels", key), message)
                yield from unknown_services(loc, crit.get("services"))
    yield from duplicate_ids(source, chapter_ids, "de chapitre")
    yield from duplicate_ids(source, objective_ids, "d'objectif")
    yield from duplicate_ids(source, criterion_ids, "de critère")
    service_ids = [
        (("offre_de_services", i, "id"), _text(s.get("id")))
        for i, s in enumerate(_list(ref.get("offre_de_services")))
        if isinstance(s, dict)
    ]
    yield from duplicate_ids(source, service_ids, "de ressource")
    for dup in sorted({v for v in values if values.count(v) > 1}):
        message = f"la valeur de niveau {dup} apparaît deux fois dans l'échelle."
        yield _at(source, ("scale", "levels"), message)

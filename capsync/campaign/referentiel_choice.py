"""Which référentiel each collectif follows, and the checks that follow from it.

A configuration loads a default référentiel (``referentiel``) and others
(``referentiels``); a collectif names one by its ID. These checks read the raw YAML
data, like every cross-check, so they run even when the schema check failed:
a collectif naming an unknown ID, a service asked for a structure from another
référentiel's offre. (A group's members are in its collectif: the same référentiel.)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from capsync.campaign.referentiel import Referentiel
from capsync.campaign.yaml_source import YamlSource
from capsync.campaign.yaml_source import as_dict as _dict
from capsync.campaign.yaml_source import as_list as _list
from capsync.campaign.yaml_source import as_text as _text
from capsync.campaign.yaml_source import problem_at as _at
from capsync.errors import Problem


@dataclass
class Referentiels:
    """The référentiel files a configuration names, as far as each could be read."""

    refs: dict[str, Referentiel] = field(default_factory=dict)  # valid ones, by ID
    paths: dict[str, Path] = field(default_factory=dict)
    chapters: dict[str, set[str]] = field(default_factory=dict)  # chapter IDs, even if invalid
    default_id: str | None = None
    unreadable: bool = False  # some file could not be read: its ID is unknown
    problems: list[Problem] = field(default_factory=list)

    def of(self, collective: Any) -> str | None:
        """The ID of the référentiel a collectif (raw YAML) follows."""
        named = _dict(collective).get("referentiel")
        return _text(named) if named is not None else self.default_id

    def chapters_of(self, cfg: dict[str, Any]) -> list[set[str] | None]:
        """Each collectif's chapter IDs (None: its référentiel could not be read)."""
        return [self.chapters.get(self.of(c) or "") for c in _list(cfg.get("collectives"))]


def collective_referentiels(
    source: YamlSource, cfg: dict[str, Any], loaded: Referentiels
) -> Iterator[Problem]:
    """A collectif names the ID of a référentiel the configuration loads."""
    if loaded.unreadable:
        return  # its ID is unknown: the file's own problem is enough
    known = sorted(loaded.chapters)
    for ci, coll in enumerate(_list(cfg.get("collectives"))):
        named = _dict(coll).get("referentiel")
        if named is None or _text(named) in loaded.chapters:
            continue
        close = difflib.get_close_matches(_text(named), known, n=1, cutoff=0.6)
        hint = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
        message = (
            f"référentiel « {named} » inconnu : indiquez l'identifiant (clé id) d'un "
            f"référentiel de la configuration ({', '.join(known)}), ou ajoutez son fichier "
            f"à la liste « referentiels ».{hint}"
        )
        yield _at(source, ("collectives", ci, "referentiel"), message)


def services_of_another_referentiel(
    source: YamlSource, cfg: dict[str, Any], loaded: Referentiels
) -> Iterator[Problem]:
    """A service asked for a structure comes from the référentiel its collectif follows."""
    offered: dict[str, tuple[str, set[str]]] = {}  # structure → (référentiel, its services)
    for coll in _list(cfg.get("collectives")):
        ref = loaded.refs.get(loaded.of(coll) or "")
        for s in _list(_dict(coll).get("structures")):
            if ref is not None and isinstance(s, dict):
                offered.setdefault(_text(s.get("id")), (ref.id, set(ref.services)))
    every = {sid for ref in loaded.refs.values() for sid in ref.services}
    for i, entry in enumerate(_list(_dict(source.data).get("services"))):
        structure, service = _text(_dict(entry).get("structure")), _dict(entry).get("service")
        rid, services = offered.get(structure, ("", every))
        if isinstance(service, str) and service in every and service not in services:
            message = (
                f"ressource « {service} » absente de l'offre_de_services du référentiel "
                f"« {rid} », que suit la structure « {structure} »."
            )
            yield _at(source, ("services", i, "service"), message)

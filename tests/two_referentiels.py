"""The example campaign with a third collectif that follows another référentiel.

CAP RSE (the example's default référentiel) and the small « CAP ISO 9001 » example
(``referentiel/cap-iso-9001-exemple.yaml``, whose criterion IDs repeat CAP RSE's) side by
side in one configuration: the collectif « qualite-bretagne » names the second one.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .example_campaign import copy_example

ISO = "cap-iso-9001-exemple"
ISO_COLLECTIVE = "qualite-bretagne"
ISO_STRUCTURES = ("ressourcerie-rennes", "emploi-services-brest", "jardins-de-vilaine")


def _respondents(*names: str) -> list[dict[str, str]]:
    roles = ["direction", "permanent", "permanent", "administrateur", "salarie_parcours"]
    return [{"name": n, "role": roles[i % len(roles)]} for i, n in enumerate(names)]


ISO_COLLECTIVE_YAML = {
    "id": ISO_COLLECTIVE,
    "name": "Collectif CAP ISO 9001 Bretagne",
    "region": "Bretagne",
    "referentiel": ISO,
    "delegates": [
        {
            "name": "Gwenaëlle Le Goff",
            "email": "g.legoff@coorace-bretagne.example",
            "role": "animateur",
        },
        {"name": "Yann Kerhervé", "email": "y.kerherve@coorace-bretagne.example", "role": "tiers"},
    ],
    "structures": [
        {
            "id": "ressourcerie-rennes",
            "name": "Ressourcerie de Rennes",
            "type": "ACI",
            "contacts": ["direction@ressourcerie-rennes.example"],
            "respondents": _respondents(
                "Maël Tanguy", "Soazig Le Bihan", "Erwan Guégan", "Annick Morvan", "Loïc Pennec"
            ),
        },
        {
            "id": "emploi-services-brest",
            "name": "Emploi Services Brest",
            "type": "AI",
            "contacts": ["contact@emploi-services-brest.example"],
            "respondents": _respondents(
                "Katell Riou", "Goulven Abgrall", "Nolwenn Quéré", "Ronan Le Roux", "Aziz Benamar"
            ),
        },
        {
            "id": "jardins-de-vilaine",
            "name": "Les Jardins de Vilaine",
            "type": "ACI",
            "contacts": ["jardins@vilaine.example"],
        },
    ],
    "calendar": [
        {"kind": "lancement", "date": "2025-09-23", "modality": "presentiel"},
        {"kind": "regroupement", "chapter": "1", "date": "2025-11-20"},
        {"kind": "regroupement", "chapter": "2", "date": "2026-02-12"},
        {"kind": "regroupement", "chapter": "3", "date": "2026-05-21"},
        {"kind": "cloture", "date": "2026-06-30"},
    ],
}


def two_referentiel_campaign(target: Path) -> Path:
    """The example campaign plus the CAP ISO 9001 collectif; the config file's path."""
    config = copy_example(target)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["referentiels"] = [f"../referentiel/{ISO}.yaml"]
    data["collectives"].append(ISO_COLLECTIVE_YAML)
    config.write_text(
        "# yaml-language-server: $schema=schema.json\n"
        + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120),
        encoding="utf-8",
    )
    return config


def line_of(path: Path, text: str) -> int:
    """The (1-based) line of the first line of ``path`` that holds ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)

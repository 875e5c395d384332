"""Small campaigns written to a temporary folder, for the grid, backend and generate tests.

They go through the real YAML loading (``load_campaign``), so the tests
exercise what an admin's files would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from capsync.campaign.validation import Campaign, load_campaign

LEVELS = {i: f"Description du niveau {i} pour ce critère." for i in range(5)}


def criterion(cid: str, title: str, types: list[str] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": cid,
        "title": title,
        "question": f"Question du critère {cid} ?",
        "levels": {k: f"{v} ({cid})" for k, v in LEVELS.items()},
    }
    if types:
        found["structure_types"] = types
    return found


def referentiel_v1() -> dict[str, Any]:
    return {
        "id": "cap-rse-test",
        "title": "Référentiel de test",
        "version": "1",
        "chapters": [
            {
                "id": "1",
                "title": "Gouvernance",
                "objectives": [
                    {
                        "id": "1.1",
                        "title": "Projet associatif",
                        "criteria": [
                            criterion("1.1.1", "Projet formalisé"),
                            criterion("1.1.2", "Projet partagé"),
                            criterion("1.1.3", "Mise à disposition", ["AI", "ETTI"]),
                        ],
                    },
                    {
                        "id": "1.2",
                        "title": "Instances",
                        "criteria": [criterion("1.2.1", "Conseil d'administration")],
                    },
                ],
            },
            {
                "id": "2",
                "title": "Parcours",
                "objectives": [
                    {
                        "id": "2.1",
                        "title": "Accueil",
                        "criteria": [
                            criterion("2.1.1", "Accueil des candidat·e·s"),
                            criterion("2.1.2", "Livret d'accueil"),
                        ],
                    }
                ],
            },
        ],
    }


def config(respondents: list[dict[str, str]] | None = None) -> dict[str, Any]:
    named = respondents or [
        {"name": "Sophie Marchand", "role": "direction"},
        {"name": "Karim Benali", "role": "permanent"},
        {"name": "Élodie Roux", "role": "administrateur"},
    ]
    return {
        "backend": {"kind": "local", "data_dir": "data"},
        "referentiel": "referentiel.yaml",
        "settings": {"help_contact": "Délégation COORACE de test"},
        "collectives": [
            {
                "id": "test-na",
                "name": "Collectif de test",
                "region": "Nouvelle-Aquitaine",
                "delegates": [
                    {"name": "Xavier Delmas", "email": "xavier@example.org", "role": "animateur"}
                ],
                "structures": [
                    {"id": "aci-une", "name": "ACI Une", "type": "ACI", "respondents": named},
                    {"id": "ai-deux", "name": "AI Deux", "type": "AI"},
                ],
                "calendar": [
                    {"kind": "lancement", "date": "2025-03-04"},
                    {
                        "kind": "visio_lecture",
                        "chapter": "1",
                        "date": "2025-04-08",
                        "time": "15:30",
                    },
                    {"kind": "regroupement", "chapter": "1", "date": "2025-06-11"},
                    {
                        "kind": "visio_lecture",
                        "chapter": "2",
                        "date": "2025-07-01",
                        "tentative": True,
                    },
                    {"kind": "cloture", "date": "2026-07-01", "tentative": True},
                ],
            }
        ],
    }


def write_campaign(
    folder: Path, referentiel: dict[str, Any] | None = None, cfg: dict[str, Any] | None = None
) -> Campaign:
    """Write the two YAML files into ``folder`` and load them as capsync does."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "referentiel.yaml").write_text(
        yaml.safe_dump(referentiel or referentiel_v1(), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    (folder / "capsync.yaml").write_text(
        yaml.safe_dump(cfg or config(), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return load_campaign(folder / "capsync.yaml")

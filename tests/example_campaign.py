"""The example campaign (config/ and referentiel/ of the repo) copied into a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def copy_example(target: Path) -> Path:
    """Copy the example configuration and référentiel; return the config file's path."""
    for folder in ("config", "referentiel"):
        shutil.copytree(REPO / folder, target / folder)
    return target / "config" / "capsync.yaml"

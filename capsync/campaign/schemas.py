"""JSON Schemas of the configuration and the référentiel, generated from the models.

The schema files sit next to the YAML files they describe, whose first line
``# yaml-language-server: $schema=schema.json`` lets an editor (VS Code with the
YAML extension, and others) flag a wrong key or value as people type. They are
generated, never hand-edited, so they cannot drift from what ``capsync check``
accepts; ``capsync schema --check`` (run by the tests) fails when they are stale.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from capsync.campaign.config import Config
from capsync.campaign.decisions import Decisions
from capsync.campaign.referentiel import Referentiel

log = logging.getLogger("capsync")

SCHEMA_FILENAME = "schema.json"
DECISIONS_SCHEMA_FILENAME = "decisions-schema.json"  # beside config/decisions.yaml
DIALECT = "https://json-schema.org/draft/2020-12/schema"
TITLES: dict[type[BaseModel], str] = {
    Config: "Configuration d'une campagne capsync (CAP RSE)",
    Referentiel: "Référentiel CAP RSE pour capsync",
    Decisions: "Décisions des délégué·e·s : labellisation et offre de services (capsync)",
}
# An unquoted 15:30 is read by capsync too, but editors (YAML 1.2) see the text "15:30";
# JSON Schema's "time" format would demand seconds and a time zone, hence a pattern.
TIME_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def _relax(schema: dict[str, Any]) -> dict[str, Any]:
    """Accept in the schema what the models accept through their ``before`` validators."""
    defs = schema.get("$defs", {})
    phase = defs.get("Phase", {}).get("properties", {})
    if "chapter" in phase:  # `chapter: 1` is an integer in YAML; Phase turns it into "1"
        phase["chapter"]["anyOf"] = [{"type": "string"}, {"type": "integer"}, {"type": "null"}]
    pair = defs.get("ChapterPair", {}).get("properties", {})
    if "chapter" in pair:  # likewise for the chapter a pair reviews
        chapter = pair["chapter"]
        either = [{"type": "string", "minLength": 1}, {"type": "integer"}]
        pair["chapter"] = {"title": chapter.get("title", "Chapter"), "anyOf": either}
    if "time" in phase:
        phase["time"]["anyOf"] = [{"type": "string", "pattern": TIME_PATTERN}, {"type": "null"}]
    structure = defs.get("Structure", {})
    if "type" in structure.get("required", []):  # ``types: [AI, ACI]`` alone names it too
        structure["required"] = [k for k in structure["required"] if k != "type"]
        structure["anyOf"] = [{"required": ["type"]}, {"required": ["types"]}]
    levels = defs.get("Criterion", {}).get("properties", {}).get("levels")
    if levels is not None:  # the keys of a criterion's levels are level values: 0, 1, 2…
        levels["propertyNames"] = {"pattern": "^[0-9]+$"}
    return schema


def schema_for(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``model`` as written to its schema file."""
    schema = _relax(model.model_json_schema(mode="validation"))
    schema["$schema"] = DIALECT
    schema["title"] = TITLES.get(model, model.__name__)
    return schema


def render(schema: dict[str, Any]) -> str:
    """Stable text: sorted keys, accents kept, trailing newline (clean diffs)."""
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def schema_files(config_dir: Path, referentiel_dir: Path) -> dict[Path, str]:
    """Each schema file's path (next to the YAML it describes) and its expected text."""
    return {
        Path(config_dir) / SCHEMA_FILENAME: render(schema_for(Config)),
        Path(referentiel_dir) / SCHEMA_FILENAME: render(schema_for(Referentiel)),
        Path(config_dir) / DECISIONS_SCHEMA_FILENAME: render(schema_for(Decisions)),
    }


def stale_schemas(files: dict[Path, str]) -> list[Path]:
    """The schema files that are missing or differ from what the models generate."""
    stale = []
    for path, text in files.items():
        try:
            current = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = None
        if current != text:
            stale.append(path)
    return stale


def write_schemas(files: dict[Path, str]) -> list[Path]:
    """Write the files that changed; return them. Unchanged files keep their timestamps."""
    written = []
    for path in stale_schemas(files):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], encoding="utf-8")
        log.info("schema written: %s", path)
        written.append(path)
    return written

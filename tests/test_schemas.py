"""The JSON Schemas editors use are generated from the models and accept the example files."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from capsync.campaign.schemas import schema_files, stale_schemas
from capsync.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {
    ROOT / "config" / "capsync.yaml": ROOT / "config" / "schema.json",
    ROOT / "referentiel" / "cap-rse-exemple.yaml": ROOT / "referentiel" / "schema.json",
}


def _as_json(data: Any) -> Any:
    """What an editor's YAML 1.2 reader sees: dates are text, mapping keys are text."""
    return json.loads(
        json.dumps(data, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v))
    )


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _unknown_keys(schema: dict[str, Any], node: dict[str, Any], data: Any, at: str) -> list[str]:
    """Keys of ``data`` that the schema does not describe (a hand-rolled additionalProperties)."""
    node = _resolve(schema, node)
    options = node.get("anyOf", [node])
    found: list[str] = []
    for option in (_resolve(schema, o) for o in options):
        if isinstance(data, dict) and "properties" in option:
            for key, value in data.items():
                if key not in option["properties"]:
                    found.append(f"{at}.{key}")
                else:
                    found += _unknown_keys(schema, option["properties"][key], value, f"{at}.{key}")
        elif isinstance(data, list) and "items" in option:
            for i, item in enumerate(data):
                found += _unknown_keys(schema, option["items"], item, f"{at}[{i}]")
    return found


def test_committed_schemas_match_the_models() -> None:
    files = schema_files(ROOT / "config", ROOT / "referentiel")
    assert stale_schemas(files) == []


@pytest.mark.parametrize("example", list(EXAMPLES), ids=lambda p: p.name)
def test_example_points_editors_at_its_schema(example: Path) -> None:
    first = example.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=schema.json"
    schema = json.loads(EXAMPLES[example].read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("example", list(EXAMPLES), ids=lambda p: p.name)
def test_schema_describes_every_key_of_the_example(example: Path) -> None:
    schema = json.loads(EXAMPLES[example].read_text(encoding="utf-8"))
    data = _as_json(yaml.safe_load(example.read_text(encoding="utf-8")))
    assert _unknown_keys(schema, schema, data, "") == []
    data["collectives" if "collectives" in data else "chapters"][0]["typo_key"] = 1
    assert _unknown_keys(schema, schema, data, "") != []


@pytest.mark.parametrize("example", list(EXAMPLES), ids=lambda p: p.name)
def test_example_validates_against_its_schema(example: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed")
    schema = json.loads(EXAMPLES[example].read_text(encoding="utf-8"))
    data = _as_json(yaml.safe_load(example.read_text(encoding="utf-8")))
    jsonschema.Draft202012Validator(schema).validate(data)


def test_schema_command_writes_then_checks(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "referentiel").mkdir()
    for example in EXAMPLES:
        shutil.copy(example, tmp_path / example.parent.name / example.name)
    cfg = str(tmp_path / "config" / "capsync.yaml")
    runner = CliRunner()

    stale = runner.invoke(main, ["--config", cfg, "schema", "--check"])
    assert stale.exit_code == 1
    assert f"stale: {tmp_path / 'config' / 'schema.json'} (run `capsync schema`)" in stale.stderr

    written = runner.invoke(main, ["--config", cfg, "schema"])
    assert written.exit_code == 0, written.output
    for example, committed in EXAMPLES.items():
        generated = tmp_path / example.parent.name / "schema.json"
        assert generated.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")

    fresh = runner.invoke(main, ["--config", cfg, "schema", "--check"])
    assert fresh.exit_code == 0, fresh.output

"""What the command line says about the campaign is set in French typography.

A realistic run of the CLI on a real campaign folder — a ``check`` that finds mistakes,
``generate``, a ``pull`` of grids typed with mistakes (anomalies), ``sync``, ``history``,
``status``, a refused ``import``, a ``restitution`` — and every line it prints is scanned
for a plain space before « : ; ! ? » or inside guillemets. The English parts (``--help``,
click's usage errors, ``capsync schema``) are not capsync's French and are left alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

import yaml
from click.testing import CliRunner, Result

from capsync.cli import main
from capsync.french import NBSP, typography_faults

from .filled_grids import editing, grid_path, put
from .grid_campaign import config, write_campaign

CLI = Path(__file__).resolve().parents[1] / "capsync" / "cli"
ENGLISH_ONLY = {"schema_cmd.py", "referentiel_cmd.py"}  # developer tools, English by design


def _run(config_path: Path, *args: str) -> Result:
    result = CliRunner().invoke(main, ["--config", str(config_path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def test_a_realistic_run_prints_no_line_without_its_french_spaces(tmp_path: Path) -> None:
    cfg = config()
    cfg["collectives"][0]["structures"][0]["contacts"] = ["direction@aci-une.example"]
    campaign = write_campaign(tmp_path / "ok", cfg=cfg)
    broken = dict(cfg, settings={"help_contact": "x", "late_dayz": 3})  # a key mistyped
    bad = campaign.config_path.with_name("mauvais.yaml")
    bad.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")

    said: list[Result] = [_run(bad, "check"), _run(campaign.config_path, "check")]
    said.append(_run(campaign.config_path, "sync"))  # before generate: refused, in French
    said.append(_run(campaign.config_path, "generate"))
    path = grid_path_for(campaign.data_dir)
    with editing(path) as book:
        put(book["Chapitre 1"], "1.1.1", "retenu", "beaucoup ?")  # an anomaly
        put(book["Chapitre 1"], "1.1.2", "retenu", "2")
    said += [_run(campaign.config_path, "pull"), _run(campaign.config_path, "sync")]
    said.append(_run(campaign.config_path, "history", "--structure", "aci-une"))
    said.append(_run(campaign.config_path, "history", "--structure", "ai-deux"))
    said.append(_run(campaign.config_path, "status"))
    stray = tmp_path / "pas-une-grille.xlsx"
    stray.write_bytes(b"ceci n'est pas un classeur")
    said.append(_run(campaign.config_path, "import", str(stray)))
    said.append(_run(campaign.config_path, "restitution", "--structure", "aci-une"))
    said.append(_run(campaign.config_path, "sync", "--collective", "inconnu"))
    said.append(_run(campaign.config_path, "audit"))

    lines = [line for result in said for line in result.output.splitlines()]
    assert len(lines) > 15 and any(" en retard" in line or "anomalie" in line for line in lines)
    assert any(f"[settings.late_dayz]{NBSP}:" in line for line in lines)  # file:line [clé] : …
    assert any(line.startswith(f"Erreur{NBSP}: ") for line in lines)
    faults = [fault for line in lines for fault in typography_faults(line)]
    assert faults == []


def grid_path_for(data: Path) -> Path:
    from capsync.backends.local import LocalBackend

    return grid_path(LocalBackend(data), "aci-une")


def test_no_command_prints_french_without_the_one_typesetting_helper() -> None:
    """Every command prints through ``capsync.cli.common.say`` (which typesets), never
    ``click.echo`` directly: a new French line cannot forget its no-break spaces."""
    offenders = []
    for module in sorted(CLI.glob("*.py")):
        if module.name in ENGLISH_ONLY | {"common.py"}:
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"echo", "secho"}
            ):
                offenders.append(f"{module.name}:{node.lineno}")
    assert offenders == []

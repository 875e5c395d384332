"""Respondents by role, not by name, in everything délégué·e·s and the direction read.

The whole chain as an admin runs it: grids and personal files generated,
files filled with openpyxl as people fill them (a personal file that
disagrees with the grid, a value outside the scale), then ``capsync sync`` and
``capsync restitution``. Every file written outside the grids is scanned —
every cell of every sheet of the .xlsx, the PDF's text (pdftotext), the
calendars — for any spelling of a respondent's name. With the option off, the
same scan finds the names: the scan can fail.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from capsync.cli import main

from .filled_grids import editing, put
from .grid_campaign import config, write_campaign

NAMES = ("Sophie Marchand", "sophie-marchand", "Karim Benali", "karim-benali", "Élodie Roux",
         "elodie-roux")  # fmt: skip
SOPHIE, KARIM = "r:sophie-marchand", "r:karim-benali"
# Files people type in: their names stay there. The « À corriger » list is the structure's
# own working list: it names the personal file to fix, which is named after its respondent.
WHERE_PEOPLE_TYPE = ("grilles", "a-corriger")

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler missing")


def run(config_path: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config_path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def campaign(folder: Path, *, by_role: bool) -> Path:
    cfg = config()
    cfg["collectives"][0]["respondents_by_role"] = by_role
    write_campaign(folder, cfg=cfg)
    path = folder / "capsync.yaml"
    run(path, "generate", "--individuel")
    data = folder / "data" / "test-na" / "grilles"
    with editing(data / "aci-une" / "sophie-marchand.xlsx") as wb:
        put(wb["Chapitre 1"], "1.1.1", SOPHIE, "3")
        put(wb["Chapitre 1"], "1.1.2", SOPHIE, "beaucoup")  # an anomaly in her own file
    with editing(data / "aci-une" / "karim-benali.xlsx") as wb:
        put(wb["Chapitre 1"], "1.1.1", KARIM, "2")
    run(path, "sync")
    with editing(data / "aci-une.xlsx") as wb:  # the group types over Sophie's level
        put(wb["Chapitre 1"], "1.1.1", SOPHIE, "1")
        put(wb["Chapitre 1"], "1.1.1", "retenu", "2")
    run(path, "sync")
    run(path, "restitution", "--collective", "test-na")
    return folder / "data"


def texts(path: Path) -> str:
    """Everything a reader can see in an output file."""
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        return "\n".join(
            str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row
            if v is not None
        )  # fmt: skip
    if path.suffix == ".pdf":
        done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
        return done.stdout
    return path.read_text(encoding="utf-8", errors="replace")


def outputs(data: Path) -> list[Path]:
    return [
        p
        for p in sorted((data / "test-na").rglob("*"))
        if p.is_file() and not any(part in WHERE_PEOPLE_TYPE for part in (*p.parts, p.stem))
    ]


def found_names(data: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in outputs(data):
        text = texts(path).casefold()
        hits = [n for n in NAMES if n.casefold() in text]
        if hits:
            found[str(path.relative_to(data))] = hits
    return found


def test_no_output_names_a_respondent_when_the_collectif_asks_for_roles(tmp_path: Path) -> None:
    data = campaign(tmp_path, by_role=True)
    scanned = [p.relative_to(data).as_posix() for p in outputs(data)]
    assert "test-na/tableau-de-bord.xlsx" in scanned
    assert any(s.startswith("test-na/structures/aci-une/restitution") for s in scanned)
    assert any(s.endswith(".pdf") for s in scanned)
    assert found_names(data) == {}
    anomalies = texts(data / "test-na" / "tableau-de-bord.xlsx")
    assert "Direction 1.xlsx" in anomalies  # the personal file, named by role
    # where the respondent types, the name stays
    assert "Sophie Marchand" in texts(
        data / "test-na" / "grilles" / "aci-une" / "sophie-marchand.xlsx"
    )


def test_without_the_option_the_same_scan_finds_the_names(tmp_path: Path) -> None:
    data = campaign(tmp_path, by_role=False)
    found = found_names(data)
    assert "sophie-marchand" in found.get("test-na/tableau-de-bord.xlsx", [])

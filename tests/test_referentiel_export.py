"""``capsync referentiel export``: the référentiel flat, one row per criterion, in French."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from capsync.campaign.validation import load_referentiel
from capsync.cli import main
from capsync.render.referentiel_export import headers, rows

from .french_output import plain

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config" / "capsync.yaml"
EXAMPLE = ROOT / "referentiel" / "cap-rse-exemple.yaml"
HEADERS = [
    "Chapitre",
    "Titre du chapitre",
    "Objectif",
    "Titre de l'objectif",
    "Critère",
    "Intitulé du critère",
    "Question",
    "Types de structure",
    "Poids",
    "Obligatoire pour le label",
    "ISO 26000",
    "Offre de services",
    "Niveau 0 - Non engagé",
    "Niveau 1 - Émergent",
    "Niveau 2 - Structuré",
    "Niveau 3 - Maîtrisé",
    "Niveau 4 - Exemplaire",
]
LEVEL_2_OF_1_1_1 = (
    "Le projet associatif est formalisé, validé par le CA ou l'assemblée générale, et précise "
    "la mission d'insertion, les valeurs et les publics visés."
)


def export(tmp_path: Path, fmt: str, *extra: str) -> Path:
    out = tmp_path / f"export.{fmt}"
    args = ["--config", str(CONFIG), "referentiel", "export", "--format", fmt, "-o", str(out)]
    result = CliRunner().invoke(main, [*args, *extra])
    assert result.exit_code == 0, result.output
    assert result.output == f"Référentiel exporté (54 critères, {fmt})\u00a0: {out}\n"
    return out


def test_rows_follow_the_referentiel() -> None:
    ref = load_referentiel(EXAMPLE)
    table = rows(ref)
    assert headers(ref) == HEADERS
    assert len(table) == 54
    assert [r[4] for r in table] == list(ref.criteria)
    first = dict(zip(HEADERS, table[0], strict=True))
    assert first["Critère"] == "1.1.1"
    assert first["Obligatoire pour le label"] == "Oui"
    assert first["ISO 26000"] == "Gouvernance de l'organisation"
    assert first["Offre de services"] == "Guide « Écrire et faire vivre son projet associatif »"
    assert first["Types de structure"] == "AI, ACI, EI, ETTI, EBE, GES"
    assert first["Niveau 2 - Structuré"] == LEVEL_2_OF_1_1_1


def test_csv_opens_in_french_excel(tmp_path: Path) -> None:
    raw = export(tmp_path, "csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert table[0] == HEADERS
    assert len(table) == 55
    assert table[1][4] == "1.1.1"
    assert table[1][8] == "1"
    assert table[1][HEADERS.index("Niveau 2 - Structuré")] == LEVEL_2_OF_1_1_1


def test_json_keeps_accents_and_numbers(tmp_path: Path) -> None:
    text = export(tmp_path, "json").read_text(encoding="utf-8")
    assert "Émergent" in text  # not \u00c9mergent
    records = json.loads(text)
    assert len(records) == 54
    assert list(records[0]) == HEADERS
    assert records[0]["Poids"] == 1.0
    assert records[0]["Niveau 2 - Structuré"] == LEVEL_2_OF_1_1_1


def test_xlsx_has_one_sheet_of_text(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(export(tmp_path, "xlsx"))
    assert book.sheetnames == ["Référentiel"]
    sheet = book["Référentiel"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == HEADERS
    assert len(values) == 55
    assert values[1][HEADERS.index("Niveau 2 - Structuré")] == LEVEL_2_OF_1_1_1
    assert sheet.freeze_panes == "F2"
    assert sheet["M2"].alignment.wrap_text
    assert sheet.column_dimensions["M"].width > 40


def test_texts_that_look_like_formulas_stay_texts(tmp_path: Path) -> None:
    ref_file = tmp_path / "ref.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    ref_file.write_text(
        text.replace('title: "Projet associatif formalisé"', 'title: "=HYPERLINK(1)"', 1),
        encoding="utf-8",
    )
    xlsx = export(tmp_path, "xlsx", "--referentiel", str(ref_file))
    cell = openpyxl.load_workbook(xlsx)["Référentiel"]["F2"]
    assert (cell.value, cell.data_type) == ("=HYPERLINK(1)", "s")
    raw = export(tmp_path, "csv", "--referentiel", str(ref_file)).read_bytes()
    line = raw.decode("utf-8-sig").splitlines()[1]
    assert line.split(";")[5] == "'=HYPERLINK(1)"


def test_json_to_stdout() -> None:
    args = ["--config", str(CONFIG), "referentiel", "export", "--format", "json", "-o", "-"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 54


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_invalid_referentiel_is_refused_with_its_problems(tmp_path: Path, fmt: str) -> None:
    ref_file = tmp_path / "ref.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    ref_file.write_text(text.replace('id: "1.1.2"', 'id: "1.1.1"', 1), encoding="utf-8")
    out = tmp_path / f"out.{fmt}"
    args = [
        "referentiel",
        "export",
        "--format",
        fmt,
        "--referentiel",
        str(ref_file),
        "-o",
        str(out),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "identifiant de critère « 1.1.1 » en double" in plain(result.stderr)
    assert not out.exists()

"""Structures as they are: an ensemblier of several types assesses the union of their
criteria, each once, through the grid, the parser, scoring and eligibility; a GES names its
member structures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from capsync.backends.local import LocalBackend
from capsync.backends.xlsx_read import read_workbook
from capsync.campaign.config import Structure
from capsync.campaign.validation import Campaign
from capsync.campaign.vocabulary import StructureType
from capsync.cli import main
from capsync.errors import ValidationFailed
from capsync.jobs.generate import generate
from capsync.layout.grid import grid_spec
from capsync.scoring.scores import ANSWER_COLUMNS, score_collective
from capsync.workbook.grid_schema import FIRST_DATA_ROW

from .french_output import plain
from .grid_campaign import config, referentiel_v1, write_campaign

NOW = dt.datetime(2026, 3, 2, 9, 0)


def typed_referentiel() -> dict[str, Any]:
    """1.1.3 is for AI and ETTI (the fixture's), 2.1.2 for ACI and EI only."""
    ref = referentiel_v1()
    ref["chapters"][1]["objectives"][0]["criteria"][1]["structure_types"] = ["ACI", "EI"]
    return ref


def typed_config(ensemblier: dict[str, Any]) -> dict[str, Any]:
    cfg = config()
    cfg["collectives"][0]["structures"].append({"id": "ailes", "name": "AILES", **ensemblier})
    return cfg


@pytest.fixture
def campaign(tmp_path: Path) -> Campaign:
    cfg = typed_config({"types": ["AI", "ACI"], "members": ["aci-une", "ai-deux"]})
    return write_campaign(tmp_path, referentiel=typed_referentiel(), cfg=cfg)


def ailes(campaign: Campaign) -> Structure:
    return campaign.config.collectives[0].structure("ailes")


def test_types_alone_name_the_type_and_both_spellings_agree(tmp_path: Path) -> None:
    both = write_campaign(
        tmp_path / "a",
        referentiel=typed_referentiel(),
        cfg=typed_config({"type": "AI", "types": ["ACI", "AI"]}),
    )
    structure = both.config.collectives[0].structure("ailes")
    assert structure.all_types == (StructureType.AI, StructureType.ACI)
    assert (structure.type_text, structure.type_label) == (
        "AI + ACI",
        "Association intermédiaire + Atelier et chantier d'insertion",
    )
    alone = write_campaign(
        tmp_path / "b", referentiel=typed_referentiel(), cfg=typed_config({"types": ["ACI"]})
    )
    assert alone.config.collectives[0].structure("ailes").all_types == (StructureType.ACI,)


def test_an_ensemblier_assesses_the_union_of_its_types_criteria_each_once(
    campaign: Campaign,
) -> None:
    ref = campaign.referentiel
    ids = [c.id for c in ref.criteria_for(ailes(campaign).all_types)]
    assert ids == ["1.1.1", "1.1.2", "1.1.3", "1.2.1", "2.1.1", "2.1.2"]
    assert "2.1.2" not in [c.id for c in ref.criteria_for(StructureType.AI)]
    assert "1.1.3" not in [c.id for c in ref.criteria_for(StructureType.ACI)]
    spec = grid_spec(ref, campaign.config.collectives[0], ailes(campaign))
    in_grid = [
        row[0]
        for sheet in spec.sheets
        if sheet.name.startswith("Chapitre")
        for row in sheet.rows[FIRST_DATA_ROW:]
        if row and row[0] in ref.criteria
    ]
    assert in_grid == ids


def test_scoring_and_eligibility_count_every_criterion_of_every_type(campaign: Campaign) -> None:
    collective = campaign.config.collectives[0]
    records = [
        ("test-na", "ailes", c, "retenu", "level", 3.0, NOW)
        for c in ("1.1.1", "1.1.2", "1.2.1", "2.1.1", "2.1.2")
    ]
    answers = pd.DataFrame.from_records(records, columns=list(ANSWER_COLUMNS))
    scores = score_collective(answers, campaign.referentiel, collective.structures)
    mine = scores.criteria[scores.criteria["structure"] == "ailes"].set_index("criterion")
    assert bool(mine.loc["1.1.3", "type_applies"]) and bool(mine.loc["2.1.2", "type_applies"])
    chapter_1 = scores.chapters.set_index(["structure", "chapter"]).loc[("ailes", "1")]
    assert (chapter_1["answered"], chapter_1["applicable"]) == (3, 4)  # 1.1.3 still to answer
    label = scores.label.set_index("structure").loc["ailes"]
    assert list(label["reasons"]) == ["Chapitre 1 incomplet (3/4 critères renseignés)"]


def test_the_dashboard_shows_both_types_and_the_grid_reads_back(campaign: Campaign) -> None:
    backend = LocalBackend(campaign.data_dir)
    generate(campaign, backend, workers=1, now=NOW)
    result = CliRunner().invoke(main, ["--config", str(campaign.config_path), "sync"])
    assert result.exit_code == 0, result.output
    synthesis = read_workbook(campaign.data_dir / "test-na" / "tableau-de-bord.xlsx")["Synthèse"]
    assert next(r for r in synthesis if r and r[0] == "AILES")[1] == "AI + ACI"


def test_a_member_must_be_another_structure_of_the_configuration(tmp_path: Path) -> None:
    cfg = typed_config({"types": ["AI", "ACI"], "members": ["aci-une", "inconnue", "ailes"]})
    write = tmp_path / "capsync.yaml"
    with pytest.raises(ValidationFailed):
        write_campaign(tmp_path, referentiel=typed_referentiel(), cfg=cfg)
    result = CliRunner().invoke(main, ["--config", str(write), "check"])
    problems = [line.split(" : ", 1) for line in plain(result.output).splitlines()[:-1]]
    assert [(key.split(" ", 1)[1], message) for key, message in problems] == [
        (
            "[collectives[0].structures[2].members[1]]",
            "la structure membre « inconnue » n'est pas une autre structure de la configuration.",
        ),
        (
            "[collectives[0].structures[2].members[2]]",
            "la structure membre « ailes » n'est pas une autre structure de la configuration.",
        ),
    ]

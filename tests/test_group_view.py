"""A GES's consolidated view: its members side by side, the group's mean with its count, the
weak points they share, their labels and plans — and nothing of a structure outside the
group. Written by the sync in the GES's own folder, rewritten only when a member moved."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from capsync.backends.local import LocalBackend
from capsync.backends.xlsx_read import read_workbook
from capsync.campaign.decisions import Decisions, LabelDecision, LabelOutcome
from capsync.campaign.validation import Campaign
from capsync.cli import main
from capsync.errors import ValidationFailed
from capsync.jobs.generate import generate
from capsync.jobs.sync import run_cycle
from capsync.layout.dashboard import DashboardInputs
from capsync.layout.group_view import (
    GROUP_MEAN,
    MEMBERS_SHEET,
    PLANS_SHEET,
    WEAK_SHEET,
    group_view_ref,
    group_view_spec,
)
from capsync.scoring.scores import ANSWER_COLUMNS, score_collective
from capsync.store.database import Store
from capsync.store.sync_state import SyncState
from capsync.workbook.refs import Kind, WorkbookRef

from .grid_campaign import config, write_campaign

NOW = dt.datetime(2026, 3, 2, 9, 0)
JAN = dt.date(2026, 1, 15)  # before NOW: an action due then and not done is late
OUTSIDER = "Voisin Très Discret"  # a structure of the collectif, in no group the test reads


def group_config() -> dict[str, Any]:
    """Two GES in one collectif: « horizons » groups ACI Une and AI Deux, « solo » groups
    the EI; the EI's results must never reach horizons' view."""
    cfg = config()
    coll = cfg["collectives"][0]
    coll["delegates"].append(
        {"name": "Thomas Tiers", "email": "tiers@example.org", "role": "tiers"}
    )
    coll["structures"] += [
        {"id": "ei-trois", "name": OUTSIDER, "type": "EI", "contacts": ["ei@trois.fr"]},
        {"id": "horizons", "name": "GES Horizons", "type": "GES",
         "contacts": ["direction@horizons.fr"], "members": ["aci-une", "ai-deux"]},
        {"id": "solo", "name": "GES Solo", "type": "GES", "members": ["ei-trois"]},
    ]  # fmt: skip
    return cfg


@pytest.fixture
def campaign(tmp_path: Path) -> Campaign:
    return write_campaign(tmp_path / "c", cfg=group_config())


def _frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    records = [("test-na", s, c, "retenu", "level", lv, NOW) for s, c, lv in rows]
    return pd.DataFrame.from_records(records, columns=list(ANSWER_COLUMNS))


def _inputs(campaign: Campaign, answers: pd.DataFrame, actions: pd.DataFrame) -> DashboardInputs:
    collective = campaign.config.collectives[0]
    return DashboardInputs(
        collective=collective,
        referentiel=campaign.referentiel,
        settings=campaign.config.settings,
        scores=score_collective(answers, campaign.referentiel, collective.structures),
        today=NOW.date(),
        answers=answers,
        actions=actions,
        decisions=Decisions(
            labels=[
                LabelDecision(
                    structure="ai-deux",
                    committee=dt.date(2024, 1, 10),
                    decision=LabelOutcome.LABELLISEE,
                    valid_until=dt.date(2026, 6, 30),
                ),
                LabelDecision(
                    structure="ei-trois",
                    committee=dt.date(2024, 1, 10),
                    decision=LabelOutcome.REFUSEE,
                    notes="Motif confidentiel du voisin",
                ),
            ]
        ),
    )


def _cells(book: dict[str, list[list[Any]]]) -> list[str]:
    return [str(v) for rows in book.values() for row in rows for v in row if v is not None]


def test_the_view_puts_the_members_side_by_side_and_nothing_of_another_structure(
    campaign: Campaign,
) -> None:
    answers = _frame(
        [("aci-une", "1.1.1", 1), ("aci-une", "1.1.2", 3), ("ai-deux", "1.1.1", 0),
         ("ai-deux", "1.1.2", 2), ("ai-deux", "1.1.3", 1),
         ("ei-trois", "1.1.1", 4), ("ei-trois", "1.1.2", 4), ("ei-trois", "2.1.2", 0)]
    )  # fmt: skip
    actions = pd.DataFrame(
        [
            ("aci-une", "1.1.1", "Écrire le projet", "Sophie", JAN, "en cours", ""),
            ("aci-une", "1.1.2", "Le partager", "Karim", dt.date(2026, 6, 1), "fait", ""),
            ("ei-trois", "1.1.1", "Action secrète du voisin", "X", JAN, "", ""),
        ],
        columns=["structure", "criterion", "action", "responsable", "echeance", "statut",
                 "commentaire"],
    )  # fmt: skip
    inputs = _inputs(campaign, answers, actions)
    horizons = campaign.config.collectives[0].structure("horizons")
    spec = group_view_spec(inputs, horizons)
    book = {s.name: s.rows for s in spec.sheets}
    text = " ".join(_cells(book))
    for secret in (OUTSIDER, "ei-trois", "Action secrète du voisin", "Motif confidentiel",
                   "GES Solo", "Refusée"):  # fmt: skip
        assert secret not in text, secret
    synthesis = book["Synthèse"]
    assert synthesis[0] == ["Vue du groupe — GES Horizons"]
    assert [r[0] for r in synthesis[3:5]] == ["ACI Une", "AI Deux"]
    assert [r[1] for r in synthesis[3:5]] == ["ACI", "AI"]
    mean_header = next(i for i, r in enumerate(synthesis) if r and r[0] == "Chapitre")
    assert synthesis[mean_header][2] == GROUP_MEAN
    chapter_1 = synthesis[mean_header + 1]
    # the members only: ACI Une (1 + 3) / 2 = 2, AI Deux (0 + 2 + 1) / 3 = 1 → 1.5 on 2
    assert chapter_1[1:4] == [2, 1.5, "moins de 3 structures"]
    members = book[MEMBERS_SHEET]
    assert members[2][3:8] == ["ACI Une", "AI Deux", GROUP_MEAN, "Structures ayant répondu",
                               "Moins de 3 structures"]  # fmt: skip
    by_id = {r[0]: r for r in members[3:]}
    assert by_id["1.1.1"][3:8] == [1.0, 0.0, 0.5, 2, "moins de 3 structures"]
    assert by_id["1.1.3"][3:5] == ["sans objet", 1.0]  # an AI criterion: not the ACI's
    assert by_id["2.1.2"][3:7] == [None, None, None, 0]  # the outsider's 0 is not here
    weak = book[WEAK_SHEET]
    assert [r[0] for r in weak[3:]] == ["1.1.1"]  # both members under level 2
    assert weak[3][3:] == [2, 2, 0.5, "ACI Une, AI Deux"]
    label = book["Label"]
    assert [r[0] for r in label[3:]] == ["ACI Une", "AI Deux"]
    assert label[4][3] == "Labellisée" and label[4][-1] == "À renouveler"
    plans = book[PLANS_SHEET]
    assert plans[3][:5] == ["ACI Une", 2, 1, 1, 0.5]  # the January action is late
    assert plans[4][:4] == ["AI Deux", 0, 0, 0]
    assert spec.metadata["structure"] == "horizons" and spec.metadata["kind"] == "vue-groupe"


def _type_levels(backend: LocalBackend, structure: str, levels: dict[str, int]) -> None:
    """Type niveaux retenus into a structure's grid, as a person does in a spreadsheet."""
    path = backend.path(WorkbookRef("test-na", Kind.GRID, structure))
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        if not ws.title.startswith("Chapitre"):
            continue
        col = next(c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value == "retenu")
        for row in range(1, ws.max_row + 1):
            criterion = str(ws.cell(row, 1).value)
            if criterion in levels:
                ws.cell(row, col).value = levels[criterion]
    book.save(path)


def test_the_sync_rewrites_only_the_view_of_the_group_whose_member_changed(
    campaign: Campaign, tmp_path: Path
) -> None:
    backend = LocalBackend(campaign.data_dir)
    generate(campaign, backend, workers=1, now=NOW)
    _type_levels(backend, "aci-une", {"1.1.1": 1, "1.1.2": 3})
    _type_levels(backend, "ei-trois", {"1.1.1": 4})
    horizons = backend.path(group_view_ref("test-na", "horizons"))
    solo = backend.path(group_view_ref("test-na", "solo"))
    assert horizons == campaign.data_dir / "test-na/structures/horizons/vue-groupe.xlsx"
    with Store(tmp_path / "s.sqlite") as store, SyncState(tmp_path / "st.sqlite") as state:
        assert run_cycle(campaign, backend, store, state, now=NOW).ok
        assert {p.name for p in horizons.parent.iterdir()} >= {"vue-groupe.xlsx"}
        first = read_workbook(horizons)
        assert OUTSIDER not in " ".join(_cells(first))
        before = (horizons.stat().st_mtime_ns, solo.stat().st_mtime_ns)
        _type_levels(backend, "ei-trois", {"1.1.2": 2})  # a member of « solo » only
        report = run_cycle(campaign, backend, store, state, now=NOW)
        assert report.ok
        assert horizons.stat().st_mtime_ns == before[0]
        assert solo.stat().st_mtime_ns != before[1]
        written = [w for c in report.collectives for w in c.written]
        solo_book = read_workbook(solo)
        assert [r[0] for r in solo_book["Synthèse"][3:4]] == [OUTSIDER]
        assert "ACI Une" not in " ".join(_cells(solo_book))
        assert [w for w in written if "vue-groupe" in w] == [str(solo), f"{solo} (.pdf)"]
    page = _pdf_text(horizons.with_suffix(".pdf"))
    assert "Vue du groupe — GES Horizons" in page and "ACI Une" in page and "AI Deux" in page
    assert OUTSIDER not in page
    assert "Moyenne du groupe" in page and "moins de 3 structures" in page


def _pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return " ".join(done.stdout.replace("\u00a0", " ").replace("\u202f", " ").split())


def _check(tmp_path: Path, cfg: dict[str, Any]) -> list[tuple[int, str, str]]:
    """``capsync check``'s lines as (line, key, message); it exits 1."""
    with pytest.raises(ValidationFailed):
        write_campaign(tmp_path, cfg=cfg)
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "capsync.yaml"), "check"])
    assert result.exit_code == 1
    found = []
    for line in result.output.splitlines()[:-1]:
        where, message = line.split("\u00a0: ", 1)
        place, key = where.split(" ", 1)
        found.append((int(place.rsplit(":", 1)[1]), key, message))
    return found


def test_check_names_every_mistake_in_a_group_s_members(tmp_path: Path) -> None:
    cfg = group_config()
    structures = cfg["collectives"][0]["structures"]
    structures[1]["contacts"] = ["p@ai-deux.fr"]
    structures[3]["members"] = ["aci-une", "solo", "aci-une", "ei-trois"]
    structures[3]["pair"] = {"name": "Paula Pair", "email": "p@ai-deux.fr", "structure": "ai-deux"}
    second = config()["collectives"][0]
    far = {"id": "ges-oc", "name": "GES Oc", "type": "GES", "members": ["loin", "ai-deux"]}
    structures_oc = [{"id": "loin", "name": "Loin", "type": "ACI"}, far]
    second.update(id="occitanie", name="Occitanie", region="Occitanie", structures=structures_oc)
    cfg["collectives"].append(second)
    problems = _check(tmp_path, cfg)
    twice = next(line for line, key, _ in problems if key.endswith("[3].members[2]]"))
    assert [(key, message) for _, key, message in problems] == [
        ("[collectives[0].structures[3].members[1]]",
         "la structure membre «\u00a0solo\u00a0» est elle-même un GES\u202f; un GES liste des "
         "structures qui s'évaluent, pas un autre groupe."),
        ("[collectives[0].structures[3].members[2]]",
         f"la structure membre «\u00a0aci-une\u00a0» est déjà listée (ligne {twice - 2})."),
        ("[collectives[0].structures[3].pair]",
         "le GES «\u00a0horizons\u00a0» liste ses structures membres\u00a0: il n'a pas de pair "
         "(son dossier, où est écrite la vue du groupe, est lu par ses pairs, qui y verraient "
         "les résultats des membres)\u202f; donnez un pair à chaque membre."),
        ("[collectives[0].structures[4].members[0]]",
         f"la structure «\u00a0ei-trois\u00a0» est déjà membre d'un autre GES (ligne {twice + 1})"
         "\u202f; une structure appartient à un seul groupe."),
        ("[collectives[1].structures[1].members[1]]",
         "la structure membre «\u00a0ai-deux\u00a0» est dans un autre collectif\u202f; les "
         "membres d'un GES sont dans son collectif (les délégué·e·s d'un collectif ne voient "
         "que ses structures)\u00a0: déplacez le GES ou ce membre."),
    ]  # fmt: skip

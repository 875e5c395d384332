"""Self-assessment against the tiers and the pair, in the dashboard and the restitution.

Hand-worked numbers (weights 1): chapter 1 of « une » is retained 3, 1, 4 on
1.1.1, 1.1.2, 1.2.1; the tiers rated 1.1.1 → 1 and 1.1.2 → 2, so on the same
criteria the self-assessment is (3 + 1) / 2 = 2,0 against the tiers' 1,5 (gap
+0,5); the pair rated 1.2.1 → 2 against a retenu of 4 (gap +2,0, « à
discuter » distance). Chapter 2 has no review. Outputs are real files: the
.xlsx read back with openpyxl and as XML (its chart), the PDF as text
(pdftotext) and as pixels (pdftoppm).
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from PIL import Image

from capsync.backends.google.sharing import desired, desired_structure_folder
from capsync.campaign.config import ChapterPair, Collective, Delegate, Settings, Structure
from capsync.layout.dashboard import DashboardInputs, dashboard_spec
from capsync.layout.restitution import build_restitution, restitution_spec
from capsync.layout.review_views import REVIEW_SHEET
from capsync.render.restitution_pdf import restitution_pdf_bytes
from capsync.render.review_pdf import PAIR_COLOUR, TIERS_COLOUR
from capsync.render.xlsx import render_xlsx_bytes
from capsync.scoring import scores as scoring
from capsync.scoring.review_summary import review_chapters
from capsync.workbook.refs import Kind, WorkbookRef

from .grid_campaign import config, write_campaign
from .layout_campaign import referentiel

WHEN = pd.Timestamp("2025-03-30 09:00")
TODAY = dt.date(2025, 4, 1)
needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler missing")


def collective() -> Collective:
    pair = ChapterPair(chapter="1", name="Paula Pairon", structure="deux")
    return Collective(
        id="c",
        name="Collectif de test",
        region="Occitanie",
        delegates=[Delegate(name="Laurent Tiers", email="tiers@example.org", role="tiers")],
        structures=[
            Structure(id="une", name="Structure Une", type="ACI", pairs=[pair]),
            Structure(id="deux", name="Structure Deux", type="ACI"),
        ],
    )


def answer(structure: str, criterion: str, column: str, level: float) -> dict[str, object]:
    return {"collective": "c", "structure": structure, "criterion": criterion, "column": column,
            "kind": "level", "level": float(level), "recorded_at": WHEN}  # fmt: skip


def answers(*, reviewed: bool = True) -> pd.DataFrame:
    rows = [
        answer("une", "1.1.1", "retenu", 3),
        answer("une", "1.1.2", "retenu", 1),
        answer("une", "1.2.1", "retenu", 4),
        answer("une", "2.1.1", "retenu", 2),
        answer("deux", "1.1.1", "retenu", 2),
    ]
    if reviewed:
        rows += [
            answer("une", "1.1.1", "niveau_tiers", 1),
            answer("une", "1.1.2", "niveau_tiers", 2),
            answer("une", "1.2.1", "niveau_pair", 2),
        ]
    return pd.DataFrame(rows)


def scores(frame: pd.DataFrame) -> scoring.Scores:
    return scoring.score_collective(frame, referentiel(), collective().structures)


def restitution(*, reviewed: bool = True):
    frame = answers(reviewed=reviewed)
    return build_restitution(
        collective(), referentiel(), "une", scores(frame), today=TODAY, answers=frame
    )


def test_each_reviewer_is_compared_on_the_criteria_they_rated() -> None:
    frame = review_chapters(scores(answers()).criteria).set_index(["structure", "chapter"])
    one = frame.loc[("une", "1")]
    assert (one["tiers_n"], one["tiers_self"], one["tiers_mean"], one["tiers_gap"]) == (
        2, 2.0, 1.5, 0.5,
    )  # fmt: skip
    assert (one["pair_n"], one["pair_self"], one["pair_mean"], one["pair_gap"]) == (
        1,
        4.0,
        2.0,
        2.0,
    )
    two = frame.loc[("une", "2")]
    assert two["tiers_n"] == 0 and pd.isna(two["tiers_mean"]) and pd.isna(two["pair_gap"])


def _sheet_rows(data: bytes, sheet: str) -> list[list[object]]:
    ws = openpyxl.load_workbook(io.BytesIO(data))[sheet]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_the_restitution_workbook_has_the_review_and_its_polygons() -> None:
    data = render_xlsx_bytes(restitution_spec(restitution()))
    rows = _sheet_rows(data, REVIEW_SHEET)
    assert rows[0][0] == "Auto-évaluation, tiers et pair"
    assert "Laurent Tiers" in str(rows[1][0])
    assert rows[3] == ["1 — Gouvernance", 2, 2.0, 1.5, 0.5, "Paula Pairon", 1, 4.0, 2.0, 2.0]
    assert rows[4][:2] == ["2 — Parcours", 0] and rows[4][2:5] == [None, None, None]
    criteria = {r[0]: r for r in rows[6:] if r and r[0]}
    assert criteria["1.1.1 — Projet formalisé"][2:5] == [3.0, 1.0, 2.0]
    assert criteria["1.2.1 — Conseil d'administration"][7:10] == [4.0, 2.0, 2.0]
    assert "2.1.1 — Diagnostic" not in criteria  # not reviewed
    charts = _chart_xml(data)
    assert len(charts) == 1 and "radarChart" in charts[0]
    assert "<c:v>Tiers</c:v>" in charts[0] and "<c:v>Pair</c:v>" in charts[0]
    assert "'Revue tiers et pair'!$D$4:$D$5" in charts[0]  # the tiers' chapter levels


def test_without_a_review_the_radar_keeps_its_two_polygons() -> None:
    data = render_xlsx_bytes(restitution_spec(restitution(reviewed=False)))
    [chart] = _chart_xml(data)
    assert "<c:v>Tiers</c:v>" not in chart and "<c:v>Pair</c:v>" not in chart
    rows = _sheet_rows(data, REVIEW_SHEET)
    assert "Aucun critère revu pour le moment." in [r[0] for r in rows]


def _chart_xml(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]


def _pdf_text(pdf: Path) -> str:
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


def _colour_pixels(pdf: Path, colour: tuple[int, int, int], out: Path) -> int:
    """Pixels of ``colour`` (give or take anti-aliasing) on page 1, rendered at 60 dpi."""
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(out)],
                   check=True)  # fmt: skip
    [png] = out.parent.glob(f"{out.name}*.png")
    pixels = np.asarray(Image.open(png).convert("RGB"), dtype=int)
    return int((np.abs(pixels - np.array(colour)).max(axis=2) <= 24).sum())


@needs_poppler
def test_the_pdf_draws_the_review_polygons_and_says_the_gaps(tmp_path: Path) -> None:
    reviewed, plain = tmp_path / "revue.pdf", tmp_path / "sans.pdf"
    reviewed.write_bytes(restitution_pdf_bytes(restitution()))
    plain.write_bytes(restitution_pdf_bytes(restitution(reviewed=False)))
    text = _pdf_text(reviewed)
    assert "Auto-évaluation, tiers et pair" in text
    assert "Tiers : Laurent Tiers." in text
    assert (
        "1 — Gouvernance : tiers 1,5 sur 2 critères (auto-évaluation 2,0, écart +0,5) ; "
        "pair (Paula Pairon) 2,0 sur 1 critère (auto-évaluation 4,0, écart +2,0)"
    ) in text
    assert "Aucun niveau tiers ni pair saisi pour le moment." in _pdf_text(plain)
    for colour, name in ((TIERS_COLOUR, "tiers"), (PAIR_COLOUR, "pair")):
        assert _colour_pixels(reviewed, colour, tmp_path / f"a-{name}") > 20, name
        assert _colour_pixels(plain, colour, tmp_path / f"b-{name}") == 0, name


def test_the_dashboard_lists_each_reviewed_chapter() -> None:
    coll, frame = collective(), answers()
    inputs = DashboardInputs(collective=coll, referentiel=referentiel(), settings=Settings(),
                             scores=scores(frame), today=TODAY, answers=frame)  # fmt: skip
    rows = _sheet_rows(render_xlsx_bytes(dashboard_spec(inputs)), REVIEW_SHEET)
    body = [r for r in rows[3:] if r[0]]
    assert body == [
        ["Structure Une", "1 — Gouvernance", 2, 2.0, 1.5, 0.5, "Paula Pairon", 1, 4.0, 2.0, 2.0]
    ]  # « deux » and chapter 2 were not reviewed: not listed


def test_a_restitution_is_shared_with_the_tiers_and_every_pair_of_its_chapters(
    tmp_path: Path,
) -> None:
    cfg = config()
    collective_cfg = cfg["collectives"][0]
    collective_cfg["delegates"].append(
        {"name": "Laurent Tiers", "email": "tiers@example.org", "role": "tiers"}
    )
    une = collective_cfg["structures"][0]
    une["contacts"] = ["direction@aci-une.example"]
    collective_cfg["structures"][1]["contacts"] = [
        "paula@ai-deux.example",
        "pierre@ai-deux.example",
    ]
    une["pairs"] = [
        {"chapter": "1", "name": "Paula", "email": "paula@ai-deux.example", "structure": "ai-deux"},
        {
            "chapter": "2",
            "name": "Pierre",
            "email": "pierre@ai-deux.example",
            "structure": "ai-deux",
        },
    ]
    campaign = write_campaign(tmp_path, cfg=cfg)
    # granted once on the structure's own folder, inherited by its restitutions and
    # « À corriger » (tests/test_google_structure_folders.py), never file by file
    assert desired_structure_folder(campaign.config, "test-na", "aci-une") == {
        "direction@aci-une.example": "reader",
        "tiers@example.org": "reader",
        "paula@ai-deux.example": "reader",
        "pierre@ai-deux.example": "reader",
    }
    restitution = WorkbookRef("test-na", Kind.RESTITUTION, "aci-une/restitution-2025-04-01")
    assert desired(campaign.config, restitution) == {}
    assert desired(campaign.config, WorkbookRef("test-na", Kind.TO_FIX, "aci-une")) == {}

"""What the délégué·e·s read from values that did not come in the usual shape.

The store hands the layouts texts and pandas timestamps; a Google sheet, an
older store or a hand-built frame can hand them a number where a person typed
text, a plain date, or text where a date was expected. These tests write the
dashboard and a restitution and read them back, as a délégué·e would open them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from capsync.layout.dashboard import dashboard_spec
from capsync.layout.restitution import restitution_spec
from capsync.layout.restitution_data import build_restitution
from capsync.layout.tables import FIRST_ROW, frame_rows
from capsync.render.xlsx import render_xlsx
from tests import layout_campaign as lc


def _plan(echeance: object, statut: str, responsable: object, commentaire: object) -> dict:
    return {
        "collective": "test-collectif",
        "structure": "beta",
        "criterion": "1.1.1",
        "action": "Écrire le projet",
        "responsable": responsable,
        "echeance": echeance,
        "statut": statut,
        "commentaire": commentaire,
        "sheet": "Plan de progrès",
        "row": 4,
        "recorded_at": lc.WHEN,
    }


ODD_ACTIONS = pd.DataFrame(
    [
        # A plain date (not a Timestamp), past and not done: late.
        _plan(dt.date(2025, 3, 20), "à faire", 3.0, 2.5),
        # A deadline typed as words: no date to show, so nothing can be called late.
        _plan("fin juin", "à faire", "CA", None),
    ]
)


def _read_back(path: Path, sheet: str) -> list[list[object]]:
    """The rows as a reader sees them: an empty cell is None, whether a protected sheet left
    it out (nothing to show) or wrote it (a fill, a border)."""
    book = openpyxl.load_workbook(path)
    rows = book[sheet].iter_rows(min_row=FIRST_ROW + 1, values_only=True)
    return [[None if v == "" else v for v in row] for row in rows]


def test_plan_values_in_odd_shapes_read_back_from_the_dashboard(tmp_path: Path) -> None:
    inputs = dataclasses.replace(lc.inputs(), actions=ODD_ACTIONS)
    path = tmp_path / "tableau-de-bord.xlsx"
    render_xlsx(dashboard_spec(inputs), path)
    rows = _read_back(path, "Plans de progrès")
    # Structure, critère, intitulé, action, responsable, échéance, statut, commentaire, retard,
    # niveau actuel, niveau visé, origine, réévaluation.
    assert rows == [
        [
            "@Bêta Services",
            "1.1.1",
            "Projet formalisé",
            "Écrire le projet",
            "3",  # a number typed as the responsable reads as the person typed it, not « 3.0 »
            dt.datetime(2025, 3, 20),
            "à faire",
            "2.5",
            "en retard",
            1,  # niveau actuel: the retained level today
            None,
            "structure",  # no origin typed: the structure's own line
            None,
        ],
        # An empty échéance cell; an empty commentaire and no « en retard » flag.
        [
            "@Bêta Services",
            "1.1.1",
            "Projet formalisé",
            "Écrire le projet",
            "CA",
            None,
            "à faire",
            None,
            None,
            1,
            None,
            "structure",
            None,
        ],
    ]


def test_the_restitution_plan_agrees_with_the_dashboard(tmp_path: Path) -> None:
    data = build_restitution(
        lc.collective(),
        lc.referentiel(),
        "beta",
        lc.scores(),
        today=lc.TODAY,
        actions=ODD_ACTIONS,
        answers=lc.answers(),
        texts=lc.texts(),
    )
    assert [(a.responsable, a.echeance, a.commentaire, a.late) for a in data.actions] == [
        ("3", dt.date(2025, 3, 20), "2.5", True),
        ("CA", None, "", False),  # no date sorts last
    ]
    path = tmp_path / "beta.xlsx"
    render_xlsx(restitution_spec(data), path)
    rows = _read_back(path, "Plan de progrès")
    assert [r[-1] for r in rows[:2]] == ["en retard", None]


def test_the_latest_justification_is_shown_whatever_the_order_it_comes_in() -> None:
    def text(value: str, recorded_at: object) -> dict:
        return {
            "collective": "test-collectif",
            "structure": "alpha",
            "criterion": "1.1.1",
            "column": "justification",
            "text": value,
            "recorded_at": recorded_at,
        }

    texts = pd.DataFrame(
        [
            text("Projet voté en AG le 12 mars", dt.date(2025, 3, 12)),  # the latest, listed first
            text("Projet en discussion", dt.date(2025, 2, 1)),
            text("Brouillon", None),  # no date: older than anything dated
        ]
    )
    inputs = dataclasses.replace(lc.inputs(), texts=texts)
    gaps = dashboard_spec(inputs).sheet("Écarts").rows[FIRST_ROW:]
    alpha = next(r for r in gaps if r[:2] == ["Alpha Insertion", "1.1.1"])
    assert alpha[10] == "Projet voté en AG le 12 mars"


def test_frame_rows_are_the_rows_pandas_gives() -> None:
    """The layouts read frames row by row; the quick reading must give pandas' own values:
    Python numbers, Timestamps, the missing text of each kind of text column."""
    frame = pd.DataFrame(
        {
            "text": pd.Series(["Alpha", None], dtype="str"),
            "strict": pd.Series(["a", None], dtype="string"),
            "level": [2.0, float("nan")],
            "count": [1, 2],
            "ok": [True, False],
            "when": pd.to_datetime(["2025-03-12", None]),
            "mixed": pd.Series([np.int64(3), ["1.1.1", "1.1.2"]], dtype=object),
            "nullable": pd.array([4, None], dtype="Int64"),
        }
    )
    mine, theirs = frame_rows(frame), frame.to_dict("records")
    assert [list(r) for r in mine] == [list(r) for r in theirs]
    for got, expected in zip(mine, theirs, strict=True):
        for key, value in expected.items():
            assert type(got[key]) is type(value), key
            assert got[key] == value or (pd.isna(value) and pd.isna(got[key])), key
    assert frame_rows(frame.iloc[:0]) == [] and frame_rows(None) == []

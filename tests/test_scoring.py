"""Maturity scoring: the worked examples of docs/scoring.md number for number, and properties."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capsync.campaign.config import Structure
from capsync.campaign.referentiel import Chapter, Criterion, Labellisation, Objective, Referentiel
from capsync.campaign.validation import load_campaign, load_referentiel
from capsync.scoring.scores import (
    ANSWER_COLUMNS,
    chapter_scores,
    criterion_scores,
    criterion_statistics,
    format_change,
    format_level,
    format_score,
    labellisation,
    overall_scores,
    progression,
    score_collective,
)

ROOT = Path(__file__).resolve().parents[1]
WHEN = dt.datetime(2025, 3, 14, 10, 0)

# --- the worked example of docs/scoring.md ------------------------------------------------


def criterion(cid: str, weight: float = 1, mandatory: bool = False, types=None) -> Criterion:
    extra = {"structure_types": types} if types else {}
    return Criterion(
        id=cid,
        title=f"Critère {cid}",
        question=f"Question {cid} ?",
        levels={i: f"Niveau {i}" for i in range(5)},
        weight=weight,
        mandatory_for_label=mandatory,
        **extra,
    )


def example_referentiel(**overrides) -> Referentiel:
    chapters = [
        Chapter(
            id="1",
            title="Projet et gouvernance",
            weight=1,
            objectives=[
                Objective(
                    id="1.1",
                    title="Projet",
                    criteria=[
                        criterion("1.1.1", mandatory=True),
                        criterion("1.1.2", weight=2),
                        criterion("1.1.3", types=["ACI", "EI"]),
                    ],
                ),
                Objective(id="1.2", title="Gouvernance", criteria=[criterion("1.2.1")]),
            ],
        ),
        Chapter(
            id="2",
            title="Parcours",
            weight=2,
            objectives=[
                Objective(
                    id="2.1",
                    title="Accueil",
                    criteria=[
                        criterion("2.1.1", mandatory=True),
                        criterion("2.1.2"),
                        criterion("2.1.3", weight=2),
                    ],
                ),
                Objective(
                    id="2.2", title="Suivi", criteria=[criterion("2.2.1"), criterion("2.2.2")]
                ),
            ],
        ),
    ]
    return Referentiel(
        id="exemple-doc", title="Exemple", version="1", chapters=chapters, **overrides
    )


LAC = Structure(id="atelier-du-lac", name="Atelier du Lac", type="AI")
HORIZON = Structure(id="ei-horizon", name="EI Horizon", type="EI")
STRUCTURES = [LAC, HORIZON]

# (structure, criterion, column, answer): an int is a level, "na" / "nsp" the special answers.
LAC_ANSWERS = [
    ("1.1.1", "r:anne", 2), ("1.1.1", "r:bruno", 3), ("1.1.1", "r:chloe", 3),
    ("1.1.1", "retenu", 3), ("1.1.1", "niveau_revue", 2),
    ("1.1.2", "r:anne", 1), ("1.1.2", "r:bruno", 2), ("1.1.2", "r:chloe", "nsp"),
    ("1.1.3", "r:anne", 4),
    ("1.2.1", "r:anne", 0), ("1.2.1", "r:bruno", 2), ("1.2.1", "r:chloe", 4),
    ("1.2.1", "retenu", "nsp"), ("1.2.1", "niveau_revue", 1),
    ("2.1.1", "r:anne", 1), ("2.1.1", "r:bruno", 1), ("2.1.1", "r:chloe", 2),
    ("2.1.1", "retenu", 1),
    ("2.1.2", "r:anne", "na"), ("2.1.2", "r:bruno", "na"), ("2.1.2", "r:chloe", "nsp"),
    ("2.1.3", "r:anne", 3), ("2.1.3", "r:bruno", 4),
    ("2.2.1", "r:anne", "nsp"),
    ("2.2.2", "r:anne", 2), ("2.2.2", "r:bruno", 3), ("2.2.2", "retenu", "na"),
]  # fmt: skip
HORIZON_ANSWERS = [
    ("1.1.2", "r:dora", 1), ("1.1.2", "r:eric", 2), ("1.1.2", "retenu", 1),
    ("1.1.3", "r:dora", 2), ("1.1.3", "r:eric", 2),
    ("1.2.1", "r:dora", 1), ("1.2.1", "r:eric", 1),
    ("2.1.1", "r:dora", 2), ("2.1.1", "r:eric", 3), ("2.1.1", "retenu", 2),
    ("2.1.2", "r:dora", 3), ("2.1.2", "r:eric", 3),
    ("2.1.3", "r:dora", 2), ("2.1.3", "r:eric", 4), ("2.1.3", "niveau_revue", 4),
    ("2.2.1", "retenu", 2),
    ("2.2.2", "r:dora", 1), ("2.2.2", "r:eric", 1),
]  # fmt: skip


def frame(rows: list[tuple[str, str, str, object]], collective: str = "demo") -> pd.DataFrame:
    """The store's answers frame, built by hand from (structure, criterion, column, answer)."""
    records = []
    for structure, crit, column, answer in rows:
        if isinstance(answer, str):
            kind, level = answer, np.nan
        else:
            kind, level = "level", float(answer)
        records.append((collective, structure, crit, column, kind, level, WHEN))
    return pd.DataFrame.from_records(records, columns=list(ANSWER_COLUMNS))


def example_rows() -> list[tuple[str, str, str, object]]:
    return [(LAC.id, *r) for r in LAC_ANSWERS] + [(HORIZON.id, *r) for r in HORIZON_ANSWERS]


@pytest.fixture
def scores():
    return score_collective(frame(example_rows()), example_referentiel(), STRUCTURES)


def row(table: pd.DataFrame, **keys) -> pd.Series:
    mask = np.ones(len(table), dtype=bool)
    for key, value in keys.items():
        mask &= (table[key] == value).to_numpy()
    assert mask.sum() == 1, keys
    return table.loc[mask].iloc[0]


def test_retained_levels_of_the_worked_example(scores):
    crit = scores.criteria
    assert len(crit) == 2 * 9
    expected = {
        # criterion: (retained, source, applicable, not_applicable, n_levels)
        "1.1.1": (3.0, "retenu", True, False, 3),
        "1.1.2": (1.5, "mediane", True, False, 2),
        "1.1.3": (np.nan, "", False, False, 0),
        "1.2.1": (2.0, "mediane", True, False, 3),
        "2.1.1": (1.0, "retenu", True, False, 3),
        "2.1.2": (np.nan, "", False, True, 0),
        "2.1.3": (3.5, "mediane", True, False, 2),
        "2.2.1": (np.nan, "", True, False, 0),
        "2.2.2": (np.nan, "", False, True, 2),
    }
    for cid, (retained, source, applicable, na, n_levels) in expected.items():
        r = row(crit, structure=LAC.id, criterion=cid)
        assert r["retained"] == pytest.approx(retained, nan_ok=True), cid
        assert r["retained_source"] == source, cid
        assert (r["applicable"], r["not_applicable"], r["n_levels"]) == (applicable, na, n_levels)
        assert r["answered"] == (not np.isnan(retained))
    assert not row(crit, structure=LAC.id, criterion="1.1.3")["type_applies"]
    assert row(crit, structure=HORIZON.id, criterion="1.1.3")["retained"] == 2.0
    assert row(crit, structure=HORIZON.id, criterion="2.1.3")["retained"] == 3.0


def test_divergence_and_review_gap_of_the_worked_example(scores):
    crit = scores.criteria
    lac = crit.loc[crit["structure"] == LAC.id].set_index("criterion")
    assert lac["divergence"].to_dict() == pytest.approx(
        {
            "1.1.1": 1.0, "1.1.2": 1.0, "1.1.3": np.nan, "1.2.1": 4.0, "2.1.1": 1.0,
            "2.1.2": np.nan, "2.1.3": 1.0, "2.2.1": np.nan, "2.2.2": np.nan,
        },
        nan_ok=True,
    )  # fmt: skip
    assert lac.index[lac["to_discuss"]].tolist() == ["1.2.1"]
    # layout 1's « niveau_revue » is read as the tiers' level
    assert lac.loc["1.1.1", ["tiers", "tiers_gap"]].tolist() == [2.0, 1.0]
    assert lac.loc["1.2.1", ["tiers", "tiers_gap"]].tolist() == [1.0, 1.0]
    assert lac["tiers_gap"].notna().sum() == 2
    assert lac["pair"].isna().all()
    assert lac.loc["1.2.1", "discuss_reasons"] == "avis partagés entre répondant·e·s"
    horizon = row(crit, structure=HORIZON.id, criterion="2.1.3")
    assert (horizon["divergence"], horizon["to_discuss"], horizon["tiers_gap"]) == (
        2.0,
        True,
        -1.0,
    )


def test_chapter_scores_of_the_worked_example(scores):
    chapters = scores.chapters
    assert chapters[["structure", "chapter"]].values.tolist() == [
        [LAC.id, "1"], [LAC.id, "2"], [HORIZON.id, "1"], [HORIZON.id, "2"],
    ]  # fmt: skip
    lac1, lac2, hor1, hor2 = (r for _, r in chapters.iterrows())
    assert lac1["score"] == pytest.approx(2.0)
    assert lac1["percent"] == pytest.approx(50.0)
    assert (lac1["answered"], lac1["applicable"], lac1["completion"]) == (3, 3, 1.0)
    assert lac2["score"] == pytest.approx(8 / 3)
    assert lac2["percent"] == pytest.approx(200 / 3)
    assert (lac2["answered"], lac2["applicable"]) == (2, 3)
    assert lac2["completion"] == pytest.approx(2 / 3)
    assert hor1["score"] == pytest.approx(1.25)
    assert (hor1["answered"], hor1["applicable"], hor1["completion"]) == (3, 4, 0.75)
    assert hor2["score"] == pytest.approx(7 / 3)
    assert (hor2["answered"], hor2["applicable"], hor2["completion"]) == (5, 5, 1.0)
    assert [format_score(s) for s in chapters["score"]] == ["2,0", "2,7", "1,3", "2,3"]


def test_overall_scores_of_the_worked_example(scores):
    overall = scores.overall.set_index("structure")
    assert overall.loc[LAC.id, "overall"] == pytest.approx(22 / 9)
    assert overall.loc[HORIZON.id, "overall"] == pytest.approx(71 / 36)
    assert overall["chapters_answered"].tolist() == [2, 2]
    assert [format_score(v) for v in overall["overall"]] == ["2,4", "2,0"]


def test_labellisation_reasons_of_the_worked_example(scores):
    label = scores.label.set_index("structure")
    assert not label.loc[LAC.id, "eligible"]
    assert label.loc[LAC.id, "reasons"] == [
        "Chapitre 2 incomplet (2/3 critères renseignés)",
        "Critère obligatoire 2.1.1 au niveau 1 (minimum 2)",
    ]
    assert label.loc[HORIZON.id, "reasons"] == [
        "Chapitre 1 incomplet (3/4 critères renseignés)",
        "Chapitre 1 : score 1,3 inférieur au minimum de 2,0",
        "Critère obligatoire 1.1.1 non renseigné",
    ]


def test_a_structure_that_meets_every_condition_is_eligible():
    rows = [(LAC.id, c, "retenu", 3) for c in ("1.1.1", "1.1.2", "1.2.1", "2.1.1", "2.1.3")]
    rows += [(LAC.id, "2.1.2", "retenu", "na"), (LAC.id, "2.2.1", "retenu", 2)]
    rows += [(LAC.id, "2.2.2", "r:anne", "na")]
    scores = score_collective(frame(rows), example_referentiel(), [LAC])
    assert scores.label["eligible"].tolist() == [True]
    assert scores.label["reasons"].tolist() == [[]]


def test_labellisation_rules_come_from_the_referentiel(scores):
    lenient = example_referentiel(
        labellisation=Labellisation(
            min_chapter_score=1.0, min_mandatory_level=1, required_completion=0.5
        )
    )
    label = labellisation(scores.criteria, scores.chapters, lenient).set_index("structure")
    assert label.loc[LAC.id, "reasons"] == []
    assert label.loc[HORIZON.id, "reasons"] == ["Critère obligatoire 1.1.1 non renseigné"]
    strict = example_referentiel(labellisation=Labellisation(min_chapter_score=2.5))
    label = labellisation(scores.criteria, scores.chapters, strict).set_index("structure")
    assert label.loc[LAC.id, "reasons"] == [
        "Chapitre 1 : score 2,0 inférieur au minimum de 2,5",
        "Chapitre 2 incomplet (2/3 critères renseignés)",
        "Critère obligatoire 2.1.1 au niveau 1 (minimum 2)",
    ]


def test_a_median_below_the_mandatory_minimum_is_named_with_its_half_level():
    rows = [(LAC.id, "1.1.1", "r:anne", 1), (LAC.id, "1.1.1", "r:bruno", 2)]
    label = score_collective(frame(rows), example_referentiel(), [LAC]).label
    assert "Critère obligatoire 1.1.1 au niveau 1,5 (minimum 2)" in label["reasons"][0]


def test_collectif_statistics_of_the_worked_example(scores):
    stats = criterion_statistics(scores.criteria, example_referentiel()).set_index("criterion")
    assert stats.index.tolist() == [
        "1.1.1", "1.1.2", "1.1.3", "1.2.1", "2.1.1", "2.1.2", "2.1.3", "2.2.1", "2.2.2",
    ]  # fmt: skip
    assert stats["mean"].tolist() == pytest.approx([3, 1.25, 2, 1.5, 1.5, 3, 3.25, 2, 1])
    assert stats["n_answered"].tolist() == [1, 2, 1, 2, 2, 1, 2, 1, 1]
    assert stats["share_weak"].tolist() == pytest.approx([0, 1, 0, 0.5, 0.5, 0, 0, 0, 1])
    levels = stats[[f"level_{v}" for v in range(5)]]
    assert levels.loc["1.1.2"].tolist() == [0, 2, 0, 0, 0]  # 1,5 has reached level 1
    assert levels.loc["1.2.1"].tolist() == [0, 1, 1, 0, 0]
    assert levels.loc["2.1.3"].tolist() == [0, 0, 0, 2, 0]
    assert levels.sum(axis=1).tolist() == stats["n_answered"].tolist()
    assert stats.loc["1.1.3", ["chapter", "objective", "title"]].tolist() == [
        "1",
        "1.1",
        "Critère 1.1.3",
    ]


def test_progression_between_two_dates():
    before_rows = [
        (LAC.id, c, col, 2 if (c, col) == ("1.1.1", "retenu") else answer)
        for c, col, answer in LAC_ANSWERS
        if c != "2.1.3"
    ]
    table = progression(
        frame(before_rows), frame(example_rows()), example_referentiel(), STRUCTURES
    )
    assert table[["structure", "chapter"]].values.tolist() == [
        [LAC.id, "1"], [LAC.id, "2"], [LAC.id, ""],
        [HORIZON.id, "1"], [HORIZON.id, "2"], [HORIZON.id, ""],
    ]  # fmt: skip
    lac = table.iloc[:3]
    assert lac["before"].tolist() == pytest.approx([1.75, 1.0, 1.25])
    assert lac["after"].tolist() == pytest.approx([2.0, 8 / 3, 22 / 9])
    assert lac["change"].tolist() == pytest.approx([0.25, 5 / 3, 43 / 36])
    assert [format_change(v) for v in lac["change"]] == ["+0,3", "+1,7", "+1,2"]
    horizon = table.iloc[3:]
    assert horizon["before"].isna().all() and horizon["change"].isna().all()
    assert horizon["after"].tolist() == pytest.approx([1.25, 7 / 3, 71 / 36])


def test_french_number_formatting():
    assert [format_score(v) for v in (2.5, 1.25, 1.95, 8 / 3, 0, 4)] == [
        "2,5", "1,3", "2,0", "2,7", "0,0", "4,0",
    ]  # fmt: skip
    assert format_score(float("nan")) == "—"
    assert format_score(None) == "—"
    assert [format_change(v) for v in (-0.25, 0.0, 0.04, 1.0)] == ["-0,3", "0,0", "0,0", "+1,0"]
    assert [format_level(v) for v in (1.0, 1.5, 2, float("nan"))] == ["1", "1,5", "2", "—"]


def test_nothing_answered_gives_empty_scores_and_is_not_assessed_yet():
    scores = score_collective(frame([]), example_referentiel(), [LAC])
    assert scores.chapters["score"].isna().all()
    assert scores.chapters["completion"].tolist() == [0.0, 0.0]
    assert scores.overall["overall"].isna().all()
    assert scores.overall["chapters_answered"].tolist() == [0]
    assert scores.label[["eligible", "assessed"]].values.tolist() == [[False, False]]
    assert scores.label["reasons"][0] == []  # « Pas encore de réponse », not 4 reasons


def test_answers_of_unknown_criteria_and_other_columns_are_ignored(scores):
    rows = [
        *example_rows(),
        (LAC.id, "9.9.9", "r:anne", 0),  # a criterion archived by an upgrade
        (LAC.id, "2.2.1", "justification", 0),
        ("autre-structure", "2.2.1", "retenu", 0),
    ]
    again = score_collective(frame(rows), example_referentiel(), STRUCTURES)
    pd.testing.assert_frame_equal(again.criteria, scores.criteria)


def test_the_most_recent_record_of_a_cell_wins_whatever_the_row_order():
    older = frame([(LAC.id, "1.1.1", "retenu", 1)])
    newer = frame([(LAC.id, "1.1.1", "retenu", 3)])
    newer["recorded_at"] = WHEN + dt.timedelta(days=1)
    for answers in (pd.concat([older, newer]), pd.concat([newer, older])):
        criteria = criterion_scores(answers, REFERENTIEL, [LAC])
        assert row(criteria, criterion="1.1.1")["retained"] == 3.0


def test_the_tables_have_the_documented_columns(scores):
    assert scores.criteria.columns.tolist() == [
        "structure", "chapter", "objective", "criterion", "weight", "mandatory", "applicable",
        "not_applicable", "answered", "retained", "retained_source", "n_levels", "median",
        "divergence", "trimmed_divergence", "to_discuss", "discuss_reasons", "tiers",
        "tiers_gap", "pair", "pair_gap", "type_applies", "tiers_na",
    ]  # fmt: skip
    assert scores.chapters.columns.tolist() == [
        "structure", "chapter", "score", "percent", "answered", "applicable", "completion",
    ]  # fmt: skip
    assert scores.overall.columns.tolist() == ["structure", "overall", "chapters_answered"]
    assert scores.label.columns.tolist() == [
        "structure", "eligible", "assessed", "reasons", "to_confirm",
    ]  # fmt: skip


def test_the_example_campaign_scores_every_structure():
    campaign = load_campaign(ROOT / "config" / "capsync.yaml")
    referentiel = campaign.referentiel
    collective = campaign.config.collectives[0]
    rng = np.random.default_rng(7)
    rows = [
        (s.id, cid, col, int(rng.integers(0, 5)))
        for s in collective.structures
        for cid in referentiel.criteria
        for col in ("r:a", "r:b", "retenu")
    ]
    scores = score_collective(frame(rows), referentiel, collective.structures)
    n = len(collective.structures)
    assert len(scores.criteria) == n * len(referentiel.criteria)
    assert len(scores.chapters) == n * len(referentiel.chapters)
    assert scores.chapters["completion"].eq(1.0).all()
    for structure in collective.structures:
        mine = scores.criteria.loc[scores.criteria["structure"] == structure.id]
        assert mine["applicable"].sum() == len(referentiel.criteria_for(structure.type))


# --- properties ---------------------------------------------------------------------------

ANSWER = st.one_of(st.integers(0, 4), st.sampled_from(["na", "nsp"]))
CRITERIA = ["1.1.1", "1.1.2", "1.1.3", "1.2.1", "2.1.1", "2.1.2", "2.1.3", "2.2.1", "2.2.2"]
COLUMNS = ["r:anne", "r:bruno", "r:chloe", "retenu", "niveau_revue"]
CELLS = st.dictionaries(
    st.tuples(
        st.sampled_from([LAC.id, HORIZON.id]), st.sampled_from(CRITERIA), st.sampled_from(COLUMNS)
    ),
    ANSWER,
    max_size=60,
)
PROPERTY = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REFERENTIEL = example_referentiel()


def rows_of(cells: dict) -> list[tuple[str, str, str, object]]:
    return [(*key, answer) for key, answer in cells.items()]


def chapter_table(rows) -> pd.DataFrame:
    return chapter_scores(criterion_scores(frame(rows), REFERENTIEL, STRUCTURES), REFERENTIEL)


@PROPERTY
@given(CELLS)
def test_scores_stay_on_the_scale(cells):
    scores = score_collective(frame(rows_of(cells)), REFERENTIEL, STRUCTURES)
    for values in (
        scores.criteria["retained"],
        scores.chapters["score"],
        scores.overall["overall"],
    ):
        present = values.dropna()
        assert ((present >= 0) & (present <= 4)).all()
    completion = scores.chapters["completion"].dropna()
    assert ((completion >= 0) & (completion <= 1)).all()


@PROPERTY
@given(CELLS, st.sampled_from([LAC.id, HORIZON.id]), st.sampled_from(CRITERIA))
def test_an_extra_non_applicable_answer_never_moves_a_score(cells, structure, crit):
    before = chapter_table(rows_of(cells))
    after = chapter_table([*rows_of(cells), (structure, crit, "r:extra", "na")])
    pd.testing.assert_series_equal(before["score"], after["score"])
    overall = overall_scores(before, REFERENTIEL)["overall"]
    pd.testing.assert_series_equal(overall, overall_scores(after, REFERENTIEL)["overall"])


@PROPERTY
@given(CELLS, st.sampled_from([LAC.id, HORIZON.id]), st.sampled_from(CRITERIA))
def test_a_respondent_who_agrees_with_the_consensus_changes_no_score(cells, structure, crit):
    rows = rows_of(cells)
    criteria = criterion_scores(frame(rows), REFERENTIEL, STRUCTURES)
    retained = row(criteria, structure=structure, criterion=crit)["retained"]
    if np.isnan(retained) or not float(retained).is_integer():
        return  # nobody can agree with « Non applicable », a blank, or a median of 2,5
    after = criterion_scores(
        frame([*rows, (structure, crit, "r:extra", int(retained))]), REFERENTIEL, STRUCTURES
    )
    pd.testing.assert_series_equal(criteria["retained"], after["retained"])
    pd.testing.assert_frame_equal(
        chapter_scores(criteria, REFERENTIEL), chapter_scores(after, REFERENTIEL)
    )


@PROPERTY
@given(CELLS, st.randoms(use_true_random=False))
def test_the_order_of_the_answer_rows_changes_nothing(cells, random):
    rows = rows_of(cells)
    shuffled = list(rows)
    random.shuffle(shuffled)
    first = score_collective(frame(rows), REFERENTIEL, STRUCTURES)
    second = score_collective(frame(shuffled), REFERENTIEL, STRUCTURES)
    pd.testing.assert_frame_equal(first.criteria, second.criteria)
    pd.testing.assert_frame_equal(first.chapters, second.chapters)
    pd.testing.assert_frame_equal(first.overall, second.overall)
    pd.testing.assert_frame_equal(first.label, second.label)


@PROPERTY
@given(CELLS, st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=5), ANSWER)
def test_criteria_that_do_not_apply_to_the_type_never_count(cells, columns, answer):
    rows = [r for r in rows_of(cells) if not (r[0] == LAC.id and r[1] == "1.1.3")]
    with_excluded = [*rows, *((LAC.id, "1.1.3", col, answer) for col in columns)]
    base = score_collective(frame(rows), REFERENTIEL, STRUCTURES)
    other = score_collective(frame(with_excluded), REFERENTIEL, STRUCTURES)
    pd.testing.assert_frame_equal(base.chapters, other.chapters)
    pd.testing.assert_frame_equal(base.label, other.label)
    excluded = row(other.criteria, structure=LAC.id, criterion="1.1.3")
    assert not excluded["applicable"] and not excluded["answered"]
    assert np.isnan(excluded["retained"])


def test_all_non_applicable_is_not_eligible_and_no_answer_is_not_assessed() -> None:
    ref = load_referentiel(Path(__file__).resolve().parents[1] / "referentiel/cap-rse-exemple.yaml")
    structures = [Structure(id="tout-na", name="Tout NA", type="ACI"),
                  Structure(id="muette", name="Muette", type="EI")]  # fmt: skip
    rows = [
        {"collective": "c", "structure": "tout-na", "criterion": c.id, "column": "retenu",
         "kind": "na", "level": float("nan"), "recorded_at": pd.Timestamp("2026-01-05")}
        for c in ref.criteria_for(structures[0].type)
    ]  # fmt: skip
    scores = score_collective(pd.DataFrame(rows), ref, structures)
    label = scores.label.set_index("structure")
    assert not label.loc["tout-na", "eligible"] and label.loc["tout-na", "assessed"]
    assert label.loc["tout-na", "reasons"] == [
        "Aucun critère applicable renseigné : tous les critères sont « Non applicable » "
        "ou sans réponse"
    ]
    assert not label.loc["muette", "eligible"] and not label.loc["muette", "assessed"]
    assert label.loc["muette", "reasons"] == []

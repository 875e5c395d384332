"""The SQLite store: append-only log, current state, history, schema."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pandas as pd

from capsync.parse.answers import AnomalyKind
from capsync.store.database import SCHEMA_VERSION, STORE_FILE, Store

from .filled_grids import LOG_TABLES, count_rows
from .test_parse import chapter, parse, row, workbook

T1 = dt.datetime(2026, 3, 1, 10, 0)
T2 = dt.datetime(2026, 3, 8, 10, 0)
T3 = dt.datetime(2026, 3, 15, 10, 0)
PLAN = [["1.1.1", "Écrire le projet", "Sophie", "15/03/2026", "à faire", None]]


def first_grid() -> object:
    return parse(
        workbook(
            chapter(
                row("1.1.1", 3, "NA", 3, texts=("PV du CA", None)), row("1.1.2", 2), row("1.2.1")
            ),
            PLAN,
        )
    )


def test_first_open_creates_the_versioned_schema_in_wal_mode(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        assert store.path == tmp_path / STORE_FILE
    with sqlite3.connect(tmp_path / STORE_FILE) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Store.open(tmp_path) as store:  # reopening keeps everything
        assert store.current_answers().empty


def test_a_first_reading_becomes_the_current_state(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        summary = store.record_grid("test-na", "aci-une", first_grid(), "tok1", "h1", T1)
        answers = store.current_answers()
        texts = store.current_texts()
        actions = store.current_actions()
        assert store.source_state("test-na") == {"aci-une": ("tok1", "h1")}
        assert store.last_change("test-na") == {"aci-une": T1}
    assert (summary.added, summary.changed, summary.removed, summary.actions) == (5, 0, 0, 1)
    assert list(answers.columns) == [
        "collective", "structure", "criterion", "column", "kind", "level", "recorded_at",
    ]  # fmt: skip
    assert answers.dtypes["level"] == "float64"
    assert pd.api.types.is_datetime64_any_dtype(answers["recorded_at"])
    got = {(r.criterion, r.column): (r.kind, None if pd.isna(r.level) else r.level)
           for r in answers.itertuples()}  # fmt: skip
    assert got == {
        ("1.1.1", "r:sophie"): ("level", 3.0),
        ("1.1.1", "r:karim"): ("na", None),
        ("1.1.1", "retenu"): ("level", 3.0),
        ("1.1.2", "r:sophie"): ("level", 2.0),
    }
    assert texts[["criterion", "column", "text"]].values.tolist() == [
        ["1.1.1", "justification", "PV du CA"]
    ]
    assert list(actions.columns) == [
        "collective", "structure", "criterion", "action", "responsable", "echeance", "statut",
        "commentaire", "sheet", "row", "recorded_at", "niveau_vise", "origine",
    ]  # fmt: skip
    assert actions.loc[0, "echeance"] == pd.Timestamp("2026-03-15")
    assert (actions.loc[0, "statut"], actions.loc[0, "row"]) == ("à faire", 4)


def test_reading_the_same_values_again_appends_nothing(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.record_grid("test-na", "aci-une", first_grid(), "tok1", "h1", T1)
        before = count_rows(store.path, *LOG_TABLES)
        summary = store.record_grid("test-na", "aci-une", first_grid(), "tok2", "h1", T2)
        assert store.source_state("test-na") == {"aci-une": ("tok2", "h1")}
        assert store.last_change("test-na") == {"aci-une": T1}
    assert summary.appended == 0
    assert count_rows(tmp_path / STORE_FILE, *LOG_TABLES) == before


def test_a_change_and_a_cleared_cell_keep_the_old_values_in_history(tmp_path: Path) -> None:
    second = parse(workbook(chapter(row("1.1.1", "4 - Exemplaire", "NA", 3),
                                    row("1.1.2"), row("1.2.1")), PLAN))  # fmt: skip
    with Store.open(tmp_path) as store:
        store.record_grid("test-na", "aci-une", first_grid(), "tok1", "h1", T1)
        summary = store.record_grid("test-na", "aci-une", second, "tok2", "h2", T2)
        now = store.current_answers()
        then = store.answers_as_of(T1 + dt.timedelta(days=1))
        before_anything = store.answers_as_of(T1 - dt.timedelta(days=1))
        history = store.history("aci-une")
        removed = store.conn.execute(
            'SELECT criterion, "column", removed, sheet, cell FROM answer_log WHERE removed = 1'
        ).fetchall()
    assert (summary.added, summary.changed, summary.removed) == (0, 1, 2)
    assert ("1.1.2", "r:sophie") not in set(zip(now.criterion, now.column, strict=True))
    assert now.set_index(["criterion", "column"]).loc[("1.1.1", "r:sophie"), "level"] == 4.0
    assert then.set_index(["criterion", "column"]).loc[("1.1.1", "r:sophie"), "level"] == 3.0
    assert len(then) == 4 and before_anything.empty
    assert sorted(removed) == [
        ("1.1.1", "justification", 1, "Chapitre 1", "I4"),
        ("1.1.2", "r:sophie", 1, "Chapitre 1", "F5"),
    ]
    changes = [(h.when, f"{h.sheet}!{h.cell}", h.criterion, h.column, h.old, h.new)
               for h in history if h.when == T2]  # fmt: skip
    assert changes == [
        (T2, "Chapitre 1!F4", "1.1.1", "r:sophie", "3", "4 - Exemplaire"),
        (T2, "Chapitre 1!I4", "1.1.1", "justification", "PV du CA", None),
        (T2, "Chapitre 1!F5", "1.1.2", "r:sophie", "2", None),
    ]


def test_a_deleted_row_or_an_unreadable_cell_does_not_erase_an_answer(tmp_path: Path) -> None:
    # 1.1.2's row is gone, 1.1.1's Sophie now holds « 7 »: both keep what was pulled.
    second = parse(workbook(chapter(row("1.1.1", "7", "NA", 3, texts=("PV du CA", None)),
                                    row("1.2.1")), PLAN))  # fmt: skip
    with Store.open(tmp_path) as store:
        store.record_grid("test-na", "aci-une", first_grid(), "tok1", "h1", T1)
        summary = store.record_grid("test-na", "aci-une", second, "tok2", "h2", T2)
        now = store.current_answers().set_index(["criterion", "column"])
        anomalies = store.current_anomalies()
    assert (summary.added, summary.changed, summary.removed) == (0, 0, 0)
    assert now.loc[("1.1.1", "r:sophie"), "level"] == 3.0
    assert now.loc[("1.1.2", "r:sophie"), "level"] == 2.0
    assert anomalies[["structure", "sheet", "cell", "value", "kind"]].values.tolist() == [
        ["aci-une", "Chapitre 1", "F4", "7", AnomalyKind.UNKNOWN_LEVEL]
    ]
    assert list(anomalies.columns) == [
        "collective", "structure", "source", "sheet", "cell", "value", "message", "kind",
        "found_at",
    ]  # fmt: skip


def test_anomalies_are_replaced_by_the_latest_reading_and_kept_in_the_log(tmp_path: Path) -> None:
    bad = parse(workbook(chapter(row("1.1.1", "7"), row("1.1.2", "x"), row("1.2.1"))))
    fixed = parse(workbook(chapter(row("1.1.1", "3"), row("1.1.2", "x"), row("1.2.1"))))
    with Store.open(tmp_path) as store:
        store.record_grid("test-na", "aci-une", bad, "tok1", "h1", T1)
        assert store.current_anomalies()["cell"].tolist() == ["F4", "F5"]
        assert store.anomaly_counts(None, since=T1) == (2, 2)  # (open, new): the sync's summary
        summary = store.record_grid("test-na", "aci-une", fixed, "tok2", "h2", T2)
        assert summary.anomalies == 1
        assert store.current_anomalies()[["cell", "found_at"]].values.tolist() == [["F5", T1]]
        assert store.anomaly_counts(None, since=T2) == (1, 0)  # still open, found before
        assert store.anomaly_counts("test-na", since=T1) == (1, 1)
        assert store.anomaly_counts("autre", since=T1) == (0, 0)
        log = store.conn.execute(
            "SELECT cell, value, cleared, found_at FROM anomalies ORDER BY id"
        ).fetchall()
    assert log == [
        ("F4", "7", 0, "2026-03-01 10:00:00.000000"),
        ("F5", "x", 0, "2026-03-01 10:00:00.000000"),
        ("F4", "7", 1, "2026-03-08 10:00:00.000000"),
    ]


def test_plan_rows_changed_and_removed_are_logged(tmp_path: Path) -> None:
    done = [["1.1.1", "Écrire le projet", "Sophie", "2026-03-15", "Fait", "voté en AG"]]
    with Store.open(tmp_path) as store:
        store.record_grid("test-na", "aci-une", first_grid(), "tok1", "h1", T1)
        second = parse(workbook(chapter(row("1.1.1", 3, "NA", 3, texts=("PV du CA", None)),
                                        row("1.1.2", 2), row("1.2.1")), done))  # fmt: skip
        assert store.record_grid("test-na", "aci-une", second, "tok2", "h2", T2).actions == 1
        third = parse(workbook(chapter(row("1.1.1", 3, "NA", 3, texts=("PV du CA", None)),
                                       row("1.1.2", 2), row("1.2.1")), []))  # fmt: skip
        assert store.record_grid("test-na", "aci-une", third, "tok3", "h3", T3).actions == 1
        assert store.current_actions().empty
        history = [(h.when, h.cell, h.column, h.old, h.new) for h in store.history("aci-une")
                   if h.sheet == "Plan de progrès" and h.when > T1]  # fmt: skip
    assert history == [
        (T2, "E4", "statut", "à faire", "fait"),
        (T2, "F4", "commentaire", None, "voté en AG"),
        (T3, "A4", "critere", "1.1.1", None),
        (T3, "B4", "action", "Écrire le projet", None),
        (T3, "C4", "responsable", "Sophie", None),
        (T3, "D4", "echeance", "15/03/2026", None),
        (T3, "E4", "statut", "fait", None),
        (T3, "F4", "commentaire", "voté en AG", None),
    ]


def test_collectives_are_kept_apart(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.record_grid("test-na", "aci-une", first_grid(), "tok1", "h1", T1)
        assert store.current_answers("occitanie").empty
        assert len(store.current_answers("test-na")) == 4
        assert store.source_state("occitanie") == {}


def test_a_store_written_by_a_newer_capsync_is_refused_in_french(tmp_path: Path) -> None:
    import sqlite3

    import pytest

    from capsync.errors import CapsyncError
    from capsync.store.database import Store

    path = tmp_path / "capsync.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(CapsyncError, match="écrite par une version plus récente de capsync"):
        Store(path)


def test_the_store_s_json_documents_read_back_as_the_json_module_wrote_them() -> None:
    """orjson encodes the state documents; what ``json`` reads back is what the standard
    encoder gave (plan rows' integer keys as text, accents kept), and numbers that come
    from a data frame (numpy) are written as numbers."""
    import json

    import numpy as np

    from capsync.parse.answers import AnswerKind
    from capsync.store.state_document import json_text, read_state, state_document

    state = {
        ("1.1.1", "r:anne"): (AnswerKind.LEVEL.value, 2.0, "2 - Structuré", "2026-03-02T09:00:00"),
        ("1.1.1", "justification"): (AnswerKind.TEXT.value, None, "« Oui » ; é", "2026-03-02"),
        ("1.1.2", "retenu"): (AnswerKind.LEVEL.value, np.float64(0.5), "0,5", "2026-03-02"),
    }
    sources = dict.fromkeys(state, "grilles/ai.xlsx")
    doc = state_document(state, sources)
    assert json.loads(json_text(doc)) == json.loads(json.dumps(doc, ensure_ascii=False))
    assert read_state(json_text(doc)) == (state, sources)
    plan = {4: ("1.1.1", "Écrire", None), 12: ("2.1.1", "Former", "2026-06-30")}
    assert json.loads(json_text(plan)) == json.loads(json.dumps(plan))

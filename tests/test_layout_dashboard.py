"""The délégué·e·s' dashboard: hand-worked numbers, « en retard » flags, formula-safe texts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from capsync.french import typeset, typography_faults
from capsync.layout.dashboard import DashboardInputs, dashboard_spec
from capsync.layout.dashboard_sheets import chapter_status
from capsync.layout.tables import FIRST_ROW, HEADER_ROW
from capsync.render.xlsx import render_xlsx
from capsync.scoring import scores as scoring
from capsync.workbook.spec import (
    CellRange,
    ChartKind,
    ConditionalKind,
    Formula,
    Style,
    WorkbookSpec,
)
from tests import layout_campaign as lc

SHEETS = [
    "Synthèse",
    "Avancement",
    "Participation",
    "Critères",
    "Écarts",
    "Revue tiers et pair",
    "Regards croisés",
    "Plans de progrès",
    "Suivi des plans",
    "Historique",
    "Progression",
    "Anomalies",
    "Motifs",
    "Label",
    "Offre de services",
]


def _data(spec: WorkbookSpec, sheet: str) -> list[list]:
    return spec.sheet(sheet).rows[FIRST_ROW:]


def _row(spec: WorkbookSpec, sheet: str, first: str) -> list:
    return next(r for r in _data(spec, sheet) if r and r[0] == first)


def test_sheets_are_protected_and_carry_the_dashboard_identity():
    spec = dashboard_spec(lc.inputs())
    assert [s.name for s in spec.sheets] == SHEETS
    assert all(s.protected for s in spec.sheets)
    assert spec.metadata["kind"] == "tableau-de-bord"
    assert spec.metadata["collective"] == "test-collectif"


def test_synthesis_shows_scores_completion_label_and_last_update():
    spec = dashboard_spec(lc.inputs())
    sheet = spec.sheet("Synthèse")
    assert sheet.rows[2] == [
        "Structure",
        "Type",
        "Ch. 1 — score",
        "Ch. 1 — complétude",
        "Ch. 2 — score",
        "Ch. 2 — complétude",
        "Score global",
        "Labellisation",
        "Motifs",
        "Dernière mise à jour",
        "Seuil du label",  # the scores chart's threshold line
    ]
    alpha = _row(spec, "Synthèse", "Alpha Insertion")
    assert alpha[2:7] == pytest.approx([8 / 3, 1.0, 1.0, 1.0, 11 / 6])
    assert alpha[7:] == [  # before the close (01/07/2025): no failure declared
        "En cours",
        typeset("1 point à atteindre (onglet « Motifs »)"),
        dt.datetime(2025, 3, 30, 9, 0),
        2.0,
    ]
    beta = _row(spec, "Synthèse", "@Bêta Services")
    assert beta[2:6] == pytest.approx([1.5, 2 / 3, None, 0.0], nan_ok=True)
    assert beta[8] == typeset("4 points à atteindre (onglet « Motifs »)")
    motifs = spec.sheet("Motifs")
    assert [r for r in motifs.rows[FIRST_ROW:] if r[0] == "@Bêta Services"] == [
        ["@Bêta Services", "Chapitre 1 incomplet (2/3 critères renseignés)"],
        ["@Bêta Services", typeset("Chapitre 1 : score 1,5 inférieur au minimum de 2,0")],
        ["@Bêta Services", "Chapitre 2 incomplet (0/2 critères renseignés)"],
        ["@Bêta Services", "Critère obligatoire 1.1.1 au niveau 1 (minimum 2)"],
    ]
    assert motifs.autofilter is not None
    assert beta[9] is None  # never pulled
    delta_index = FIRST_ROW + 3
    assert sheet.rows[delta_index][7] == "Éligible"
    assert sheet.style_at(delta_index, 7) == Style.GOOD
    assert sheet.style_at(FIRST_ROW, 7) == Style.TEXT  # « En cours », not a red verdict
    assert sheet.style_at(FIRST_ROW, 2) == Style.SCORE
    assert sheet.style_at(FIRST_ROW, 3) == Style.PERCENT
    scales = [f for f in sheet.conditional_formats if f.kind == ConditionalKind.COLOR_SCALE]
    assert [(f.target.first_col, f.minimum, f.maximum) for f in scales] == [
        (2, 0.0, 4.0),
        (4, 0.0, 4.0),
        (6, 0.0, 4.0),
    ]
    assert all((f.target.first_row, f.target.last_row) == (3, 6) for f in scales)


def test_non_eligible_is_said_only_once_the_campaign_has_closed():
    after = dashboard_spec(lc.inputs(today=dt.date(2025, 7, 1)))
    assert _row(after, "Synthèse", "Alpha Insertion")[7] == "Non éligible"
    assert after.sheet("Synthèse").style_at(FIRST_ROW, 7) == Style.WARNING
    assert _row(after, "Synthèse", "Delta Solidaire")[7:9] == ["Éligible", ""]


def test_synthesis_charts_read_scores_and_the_collective_mean():
    sheet = dashboard_spec(lc.inputs()).sheet("Synthèse")
    by_structure, mean = sheet.charts
    assert by_structure.kind == ChartKind.COLUMN
    assert by_structure.categories.a1() == "'Synthèse'!A4:A7"
    assert [(s.name, s.values.a1()) for s in by_structure.series] == [
        ("Chapitre 1", "'Synthèse'!C4:C7"),
        ("Chapitre 2", "'Synthèse'!E4:E7"),
        ("Seuil du label", "'Synthèse'!K4:K7"),
    ]
    cats = mean.categories
    values = [sheet.rows[r][2] for r in range(cats.first_row, cats.last_row + 1)]
    labels = [sheet.rows[r][0] for r in range(cats.first_row, cats.last_row + 1)]
    assert labels == ["Chapitre 1", "Chapitre 2"]
    assert values == pytest.approx([(8 / 3 + 1.5 + 3) / 3, 2.0])
    assert mean.series[0].values.first_col == 2
    assert mean.title == "Moyenne du collectif par chapitre"


def test_progress_is_a_structure_by_chapter_matrix_with_each_stage_and_next_date():
    spec = dashboard_spec(lc.inputs())
    ch1 = dt.date(2025, 4, 10)
    assert spec.sheet("Avancement").rows[HEADER_ROW] == [
        "Structure", "Étape", "Échéance", "Jours restants", "Jours de retard",
        "Ch. 1", "Ch. 1 — complétude", "Ch. 2", "Ch. 2 — complétude",
    ]  # fmt: skip
    rows = _data(spec, "Avancement")
    assert [[*r[:6], r[7]] for r in rows] == [
        ["Alpha Insertion", "terminé", None, None, None, "fait", "fait"],
        ["@Bêta Services", "Chapitre 1", ch1, 9, None, "en retard", "à venir"],
        ["Gamma Emploi", "Chapitre 1", ch1, 9, None, "en retard", "à venir"],
        ["Delta Solidaire", "terminé", None, None, None, "fait", "fait"],
    ]
    assert rows[1][6] == pytest.approx(2 / 3)
    sheet = spec.sheet("Avancement")
    assert sheet.style_at(FIRST_ROW + 1, 5) == Style.WARNING
    assert sheet.style_at(FIRST_ROW, 5) == Style.GOOD


def test_a_deadline_gone_by_is_said_in_days_late_never_as_negative_days_left():
    """Issue 11: « −538 » days left is how a délégué·e read a chapter long overdue; the stage's
    date gone by now reads as days late, in red, and no count of days left."""
    spec = dashboard_spec(lc.inputs(dt.date(2025, 5, 10)))  # chapter 1 was due on 10/04
    rows = {r[0]: r for r in _data(spec, "Avancement")}
    assert rows["@Bêta Services"][1:5] == ["Chapitre 1", dt.date(2025, 4, 10), None, 30]
    sheet = spec.sheet("Avancement")
    late = next(i for i, r in enumerate(_data(spec, "Avancement")) if r[0] == "@Bêta Services")
    assert sheet.style_at(FIRST_ROW + late, 4) == Style.WARNING
    assert not any(isinstance(v, int) and v < 0 for r in rows.values() for v in r[3:5])


def test_a_structure_with_its_own_dates_or_joined_late_is_not_late_on_everything():
    coll = lc.collective()
    beta = coll.structure("beta").model_copy(
        update={"chapter_dates": {"1": dt.date(2025, 9, 1)}}  # its own order: chapter 2 first
    )
    gamma = coll.structure("gamma").model_copy(update={"joined": dt.date(2025, 6, 1)})
    structures = [beta if s.id == "beta" else gamma if s.id == "gamma" else s
                  for s in coll.structures]  # fmt: skip
    inputs = dataclasses.replace(
        lc.inputs(dt.date(2025, 6, 10)),
        collective=coll.model_copy(update={"structures": structures}),
    )
    rows = {r[0]: r for r in _data(dashboard_spec(inputs), "Avancement")}
    # beta: chapter 1 due 01/09 (its date), chapter 2 on 20/06 (10 days away): late on 2 only
    assert rows["@Bêta Services"][:6] == [
        "@Bêta Services", "Chapitre 2", dt.date(2025, 6, 20), 10, None, "en cours",
    ]  # fmt: skip
    assert rows["@Bêta Services"][7] == "en retard"
    # gamma joined after the chapter 1 regroupement: « à rattraper », not « en retard »
    assert rows["Gamma Emploi"][5] == "à rattraper" and rows["Gamma Emploi"][7] == "en retard"


@pytest.mark.parametrize(
    ("today", "beta_ch1", "beta_ch2"),
    [
        (dt.date(2025, 3, 27), "en cours", "à venir"),  # 14 days before: not yet late
        (dt.date(2025, 3, 28), "en retard", "à venir"),  # 13 days before
        (dt.date(2025, 6, 7), "en retard", "en retard"),  # ch1 past, ch2 in 13 days
    ],
)
def test_late_days_boundary(today, beta_ch1, beta_ch2):
    spec = dashboard_spec(lc.inputs(today))
    beta = [r[i] for r in _data(spec, "Avancement") if r[0] == "@Bêta Services" for i in (5, 7)]
    assert beta == [beta_ch1, beta_ch2]


def test_criteria_put_common_weak_points_first():
    rows = _data(dashboard_spec(lc.inputs()), "Critères")
    assert [r[0] for r in rows] == ["2.1.1", "1.1.2", "1.1.1", "2.1.2", "1.2.1"]
    # every mean with the count it rests on, marked under 3 structures
    assert rows[0] == ["2.1.1", "2", "2.1", "Diagnostic", 1.5, 2, "peu de réponses",
                       1, 0, 0, 1, 0, 0.5]  # fmt: skip
    assert rows[2][4] == pytest.approx(7 / 3) and rows[2][6] == ""
    assert rows[2][7:12] == [0, 1, 0, 2, 0]


def test_gaps_list_divergences_with_min_max_and_review_gaps():
    rows = _data(dashboard_spec(lc.inputs()), "Écarts")
    assert rows == [
        [
            "Alpha Insertion",
            "1.1.1",
            "Projet formalisé",
            "auto-évaluation / tiers",
            3.0,
            None,
            None,
            1,
            2.0,
            "à discuter",
            "-Projet voté en AG",
            "Preuves à compléter",
        ],
        [
            "Alpha Insertion",
            "1.1.2",
            "Projet partagé",
            "entre répondant·e·s",
            1.0,
            0,
            3,
            None,
            3.0,
            "à discuter",
            "",
            "",
        ],
    ]


def test_overdue_actions_are_flagged_late():
    rows = _data(dashboard_spec(lc.inputs()), "Plans de progrès")
    flags = {(r[0], r[3]): r[8] for r in rows}
    assert flags == {
        ("Alpha Insertion", "Former la CIP"): "",  # past but « fait »
        ("Alpha Insertion", lc.EVIL_ACTION): "en retard",  # past and « en cours »
        ("@Bêta Services", "Écrire le projet"): "",  # not due yet
        ("@Bêta Services", "Renouveler le CA"): "",  # no échéance
        ("Delta Solidaire", "Bilan annuel"): "",  # past but « Abandonné »
    }
    late = next(r for r in rows if r[8] == "en retard")
    assert late[1:8] == [
        "1.1.2",
        "Projet partagé",
        lc.EVIL_ACTION,
        lc.PHONE,
        dt.date(2025, 3, 15),
        "en cours",
        lc.AT_COMMENT,
    ]


def test_history_has_a_row_per_structure_and_date_its_scores_changed():
    spec = dashboard_spec(lc.inputs())
    assert spec.sheet("Historique").rows[2] == [
        "Date",
        "Structure",
        "Chapitre 1",
        "Chapitre 2",
        "Score global",
    ]
    rows = _data(spec, "Historique")
    assert rows[0] == [dt.date(2025, 3, 1), "Alpha Insertion", 2.0, None, 2.0]
    assert rows[1][:2] == [dt.date(2025, 3, 30), "Alpha Insertion"]
    assert rows[1][2:] == pytest.approx([8 / 3, 1.0, 11 / 6])
    assert len(rows) == 2  # 31/03 repeats 30/03; gamma has no score


def test_anomalies_name_the_sheet_and_cell_to_fix_and_are_counted_and_filtered_by_kind():
    sheet = dashboard_spec(lc.inputs()).sheet("Anomalies")
    header = next(r for r, row in enumerate(sheet.rows) if row[:2] == ["Structure", "Type"])
    assert sheet.rows[HEADER_ROW:header] == [
        ["Type d'anomalie", "Nombre"],
        ["niveau non reconnu", 1],
        ["Total", 1],
        [],
    ]
    assert sheet.rows[header + 1 :] == [
        [
            "@Bêta Services",
            "niveau non reconnu",
            "beta.xlsx",
            "Chapitre 1",
            "H5",
            "=1+1",
            typeset("« =1+1 » n'est pas un niveau : choisissez un niveau dans la liste."),
            dt.datetime(2025, 3, 31, 8, 0),
        ]
    ]
    assert sheet.autofilter == CellRange(header, 0, header + 1, 7)
    assert sheet.freeze_rows == header + 1


def test_empty_tables_say_so():
    inputs = dataclasses.replace(
        lc.inputs(),
        actions=lc.actions().iloc[0:0],
        anomalies=lc.anomalies().iloc[0:0],
        history=pd.DataFrame(columns=["date", "structure", "chapter", "score"]),
    )
    spec = dashboard_spec(inputs)
    assert _data(spec, "Anomalies")[-1] == [
        "Aucune anomalie : toutes les grilles ont été lues sans problème."
    ]
    assert spec.sheet("Anomalies").autofilter is None
    assert _data(spec, "Plans de progrès") == [["Aucune action saisie pour le moment."]]
    assert _data(spec, "Historique") == [["Pas encore d'historique."]]


def test_a_collective_without_any_answer_still_builds():
    answers = lc.answers().iloc[0:0]
    scores = scoring.score_collective(answers, lc.referentiel(), lc.collective().structures)
    inputs = DashboardInputs(
        collective=lc.collective(),
        referentiel=lc.referentiel(),
        settings=lc.inputs().settings,
        scores=scores,
        today=lc.TODAY,
    )
    spec = dashboard_spec(inputs)
    assert _row(spec, "Synthèse", "Gamma Emploi")[2] is None
    assert _data(spec, "Écarts") == [["Aucun écart pour le moment."]]
    assert [r[12] for r in _data(spec, "Critères")] == [None] * 5


def test_a_collective_with_no_structure_yet_gets_a_readable_dashboard(tmp_path: Path):
    """A collectif is configured before its members are listed: the dashboard says so
    instead of failing, and keeps the collectif's mean table and its chart."""
    collective = lc.collective().model_copy(update={"structures": []})
    scores = scoring.score_collective(lc.answers().iloc[0:0], lc.referentiel(), [])
    inputs = DashboardInputs(
        collective=collective,
        referentiel=lc.referentiel(),
        settings=lc.inputs().settings,
        scores=scores,
        today=lc.TODAY,
    )
    path = tmp_path / "tableau-de-bord.xlsx"
    render_xlsx(dashboard_spec(inputs), path)
    book = openpyxl.load_workbook(path)
    synthesis = [list(r[:3]) for r in book["Synthèse"].iter_rows(values_only=True)]
    assert synthesis[HEADER_ROW][:3] == ["Structure", "Type", "Ch. 1 — score"]
    assert synthesis[FIRST_ROW:] == [
        [None, None, None],  # no structure row, then the collectif's means
        ["Chapitre", "Structures", "Moyenne du collectif"],
        ["Chapitre 1", 0, None],
        ["Chapitre 2", 0, None],
    ]
    assert len(book["Synthèse"]._charts) == 1  # the collectif's means; no structure to chart
    assert book["Avancement"].cell(FIRST_ROW + 1, 1).value == "Aucune structure dans ce collectif."
    assert book["Écarts"].cell(FIRST_ROW + 1, 1).value == "Aucun écart pour le moment."


def _walk(spec: WorkbookSpec):
    for sheet in spec.sheets:
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                yield sheet.name, r, c, value


def test_person_texts_are_plain_strings_never_formulas():
    spec = dashboard_spec(lc.inputs())
    assert not [v for *_, v in _walk(spec) if isinstance(v, Formula)]
    typed = {
        lc.EVIL_ACTION,
        lc.PHONE,
        lc.AT_COMMENT,
        "=1+1",
        "@Bêta Services",
        "-Projet voté en AG",
    }
    found = {v for *_, v in _walk(spec) if v in typed}
    assert found == typed
    assert all(type(v) is str for v in found)


def test_rendered_dashboard_keeps_person_texts_as_text(tmp_path: Path):
    path = tmp_path / "tableau-de-bord.xlsx"
    render_xlsx(dashboard_spec(lc.inputs()), path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[: len(SHEETS)] == SHEETS
    plans = book["Plans de progrès"]
    late_row = next(
        row for row in plans.iter_rows(min_row=FIRST_ROW + 1) if row[3].value == lc.EVIL_ACTION
    )
    assert [(c.value, c.data_type) for c in (late_row[3], late_row[4], late_row[7])] == [
        (lc.EVIL_ACTION, "s"),
        (lc.PHONE, "s"),
        (lc.AT_COMMENT, "s"),
    ]
    assert late_row[8].value == "en retard"
    anomaly = book["Anomalies"].cell(row=FIRST_ROW + 5, column=6)
    assert (anomaly.value, anomaly.data_type) == ("=1+1", "s")
    name = book["Synthèse"].cell(row=FIRST_ROW + 2, column=1)
    assert (name.value, name.data_type) == ("@Bêta Services", "s")
    assert all(book[s].protection.sheet for s in SHEETS)
    assert len(book["Synthèse"]._charts) == 2
    assert book["Synthèse"].cell(row=FIRST_ROW + 1, column=3).number_format == "0.0"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_opens_the_dashboard_and_keeps_texts_literal(tmp_path: Path):
    source = tmp_path / "tableau-de-bord.xlsx"
    render_xlsx(dashboard_spec(lc.inputs()), source)
    out = tmp_path / "out"
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    book = openpyxl.load_workbook(out / source.name)
    values = [c.value for row in book["Plans de progrès"].iter_rows() for c in row]
    assert lc.EVIL_ACTION in values
    assert lc.PHONE in values
    assert "en retard" in values
    assert book["Synthèse"].cell(row=FIRST_ROW + 2, column=1).value == "@Bêta Services"


@pytest.mark.parametrize(
    ("completion", "answered", "applicable", "expected"),
    [
        (1.0, 3, 3, "complet"),
        (2 / 3, 2, 3, "en retard"),
        (0.0, 0, 3, "en retard"),
        (None, 0, 0, "sans objet"),  # no criterion of the chapter applies to this type
    ],
)
def test_chapter_status_near_the_regroupement(completion, answered, applicable, expected):
    meeting = dt.date(2025, 4, 10)
    assert chapter_status(completion, answered, meeting, 14, lc.TODAY, applicable) == expected


def test_time_zone_aware_last_update_is_shown_in_paris_time(tmp_path: Path):
    utc = dt.datetime(2025, 3, 30, 7, 0, tzinfo=dt.UTC)
    inputs = dataclasses.replace(lc.inputs(), last_change={"alpha": utc})
    spec = dashboard_spec(inputs)
    assert _row(spec, "Synthèse", "Alpha Insertion")[9] == dt.datetime(2025, 3, 30, 9, 0)
    render_xlsx(spec, tmp_path / "tableau-de-bord.xlsx")  # Excel has no time zones


def test_progression_shows_the_collective_mean_per_chapter_with_its_count_and_the_threshold():
    sheet = dashboard_spec(lc.inputs()).sheet("Progression")
    assert sheet.rows[HEADER_ROW] == [
        "Date", "Chapitre 1", "Ch. 1 — structures", "Chapitre 2", "Ch. 2 — structures",
        "Seuil du label",
    ]  # fmt: skip
    rows = sheet.rows[FIRST_ROW:]
    assert rows[0] == [dt.date(2025, 3, 1), 2.0, 1, None, None, 2.0]
    assert rows[1][:3] == [dt.date(2025, 3, 30), pytest.approx(8 / 3), 1]
    assert len(rows) == 2  # 31/03 repeats 30/03 (gamma's empty scores count for nothing)
    (chart,) = sheet.charts
    assert chart.kind == ChartKind.LINE
    assert [s.name for s in chart.series] == ["Chapitre 1", "Chapitre 2", "Seuil du label"]
    assert chart.series[-1].values.a1() == "'Progression'!F4:F5"


def test_the_means_chart_draws_the_label_threshold_and_each_mean_has_its_count():
    sheet = dashboard_spec(lc.inputs()).sheet("Synthèse")
    header = next(r for r, row in enumerate(sheet.rows) if row and row[0] == "Chapitre")
    assert sheet.rows[header + 1][1:] == [3, pytest.approx(2.39, abs=0.01), "", 2.0, "Gouvernance"]
    assert sheet.rows[header + 2][1:5] == [2, 2.0, "moins de 3 structures", 2.0]
    threshold = sheet.charts[1].series[1]
    assert threshold.name == "Seuil du label" and threshold.line


def test_every_table_has_filters_and_its_note_spans_the_table():
    spec = dashboard_spec(lc.inputs())
    for sheet in spec.sheets:
        if len(sheet.rows) > FIRST_ROW and sheet.rows[FIRST_ROW] and len(sheet.column_widths) > 1:
            assert sheet.autofilter is not None, sheet.name
    notes = [m for m in spec.sheet("Avancement").merges if m.first_row == 1]
    assert notes == [CellRange(1, 0, 1, 8)]


def test_anomalies_name_the_file_never_the_server_path_and_the_dashboard_is_set_in_french():
    where = "/srv/capsync/data/test-collectif/grilles/beta.xlsx"
    unreadable = f"Le fichier {where} n'est pas un classeur (.xlsx, .ods ou .xls)."
    anomalies = lc.anomalies().assign(source=where)
    anomalies.loc[anomalies.index[-1], "message"] = unreadable  # as the reading says it
    spec = dashboard_spec(dataclasses.replace(lc.inputs(), anomalies=anomalies))
    rows = spec.sheet("Anomalies").rows
    assert rows[-1][2] == "beta.xlsx"
    assert "Le fichier beta.xlsx n'est pas un classeur" in str(rows[-1][6])
    assert not any("/srv/" in str(v) for row in rows for v in row)
    faults = [
        (sheet.name, f)
        for sheet in spec.sheets
        for row in sheet.rows
        for v in row
        if isinstance(v, str) and v not in (lc.EVIL_ACTION, lc.PHONE, lc.AT_COMMENT)
        for f in typography_faults(v)
    ]
    assert faults == []


def test_no_header_breaks_a_word_in_its_column():
    """A header word wider than its column wrapped mid-word in LibreOffice (« Structure / s »
    in « Synthèse », « Administrate / ur·rice·s » in « Regards croisés »): in every table of
    the dashboard, every word of a header fits its column."""
    spec = dashboard_spec(lc.inputs())
    checked = 0
    for sheet in spec.sheets:
        for r, row in enumerate(sheet.rows):
            if not row or any(sheet.style_at(r, c) != Style.HEADER for c in range(len(row))):
                continue
            if any(m.first_row <= r <= m.last_row for m in sheet.merges):
                continue
            for c, text in enumerate(row):
                for word in str(text or "").split():
                    assert len(word) + 1 <= sheet.column_widths[c], (sheet.name, r, c, word)
                    checked += 1
    assert checked > 100

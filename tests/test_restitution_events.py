"""Restitutions as documents of events: which event calls for which restitution, and the
« chemin vers le label » a restitution proposes (pure; the sync's use is in test_sync)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from capsync.campaign.config import Settings
from capsync.jobs.restitution_events import (
    Due,
    Event,
    EventLog,
    Occasion,
    calendar_events,
    due_restitutions,
    requested,
)
from capsync.layout.label_path import label_path
from capsync.layout.restitution_before import Before
from capsync.layout.to_fix import file_name, to_fix_spec
from tests import layout_campaign as lc

SETTINGS = Settings(restitution_days_before=10)


def mine(structure: str):
    criteria = lc.scores().criteria
    return criteria[criteria["structure"] == structure]


def test_a_regroupement_calls_for_restitutions_from_n_days_before_until_its_day() -> None:
    coll = lc.collective()  # chapter 1 regroupement on 10/04/2025
    assert calendar_events(coll, SETTINGS, dt.date(2025, 3, 30)) == []
    opened = calendar_events(coll, SETTINGS, dt.date(2025, 3, 31))
    assert [(e.occasion, e.chapter, e.date) for e in opened] == [
        (Occasion.REGROUPEMENT, "1", dt.date(2025, 4, 10))
    ]
    assert opened[0].label == "regroupement du chapitre 1 du 10/04/2025"
    assert calendar_events(coll, SETTINGS, dt.date(2025, 4, 11)) == []  # not caught up
    closing = calendar_events(coll, SETTINGS, dt.date(2025, 7, 2))
    assert [e.occasion for e in closing] == [Occasion.CLOSE]
    assert calendar_events(coll, Settings(restitution_days_before=2), dt.date(2025, 4, 1)) == []


def test_the_first_cycle_takes_complete_chapters_as_its_baseline() -> None:
    coll, log = lc.collective(), EventLog()
    today = dt.date(2025, 3, 1)  # no regroupement window open
    first = due_restitutions(coll, SETTINGS, {"delta": {"1", "2"}}, log, today)
    assert first == []
    again = due_restitutions(coll, SETTINGS, {"delta": {"1", "2"}, "alpha": {"1"}}, log, today)
    assert [(d.structure, [e.key for e in d.events]) for d in again] == [("alpha", ["revue:1"])]
    assert again[0].stem(today) == "restitution-chapitre-1-2025-03-01"


def test_a_produced_event_is_not_produced_again_and_the_log_survives_a_reload() -> None:
    coll, log = lc.collective(), EventLog(started=True)
    today = dt.date(2025, 4, 5)  # the chapter 1 regroupement is 5 days away
    due = due_restitutions(coll, SETTINGS, {"alpha": {"1"}}, log, today)
    assert [d.structure for d in due] == ["alpha", "beta", "gamma", "delta"]
    alpha = due[0]
    assert [e.occasion for e in alpha.events] == [Occasion.REVIEW, Occasion.REGROUPEMENT]
    assert alpha.stem(today) == "restitution-chapitre-1-2025-04-05"  # one file for both
    for d in due:
        log.produced(d, today, d.stem(today), Before(today, {"1": 2.5, "2": None}, 2.5, "En cours"))
    reloaded = EventLog.load(log.dump())
    assert due_restitutions(coll, SETTINGS, {"alpha": {"1"}}, reloaded, today) == []
    assert reloaded.previous("alpha") == Before(today, {"1": 2.5, "2": None}, 2.5, "En cours")
    assert reloaded.previous("nobody") == Before()
    older = EventLog.load(  # noted before the global score and the label were kept
        '{"done": {}, "last": {"alpha": {"date": "2025-04-05", "chapters": {"1": 2.0}}}}'
    )
    assert older.previous("alpha") == Before(today, {"1": 2.0}, None, "")


def test_a_second_restitution_of_the_day_compares_with_the_day_before() -> None:
    """A review's restitution in the morning, a request in the afternoon: the second's
    « avant » is the last restitution of an earlier day, not the morning's (the same
    figures under the same date), and it stays so for a third one that day."""
    log = EventLog(started=True)
    asked = requested(lc.collective(), ["alpha"], dt.datetime(2026, 3, 3, 9, 0))[0]
    march_2, march_3 = dt.date(2026, 3, 2), dt.date(2026, 3, 3)
    log.produced(asked, march_2, "restitution-2026-03-02", Before(march_2, {"1": 1.0}, 1.0, "A"))
    assert log.previous("alpha", march_3) == Before(march_2, {"1": 1.0}, 1.0, "A")
    for hour, mean in ((9, 2.0), (15, 2.5)):
        assert log.previous("alpha", march_3) == Before(march_2, {"1": 1.0}, 1.0, "A"), hour
        log.produced(asked, march_3, "restitution-2026-03-03", Before(march_3, {"1": mean}, mean))
    reloaded = EventLog.load(log.dump())
    assert reloaded.previous("alpha", march_3) == Before(march_2, {"1": 1.0}, 1.0, "A")
    assert reloaded.previous("alpha", dt.date(2026, 3, 4)) == Before(march_3, {"1": 2.5}, 2.5)
    first = EventLog(started=True)  # no earlier day: the day's second has no « avant »
    first.produced(asked, march_3, "restitution-2026-03-03", Before(march_3, {"1": 2.0}, 2.0))
    assert first.previous("alpha", march_3) == Before()


def test_names_of_restitutions_say_their_event() -> None:
    day = dt.date(2026, 3, 3)
    close = Event(Occasion.CLOSE, "cloture:2026-07-01", dt.date(2026, 7, 1))
    assert Due("a", (close,)).stem(day) == "restitution-cloture-2026-03-03"
    assert close.label == "clôture de la campagne (le 01/07/2026)"
    reviews = tuple(Event(Occasion.REVIEW, f"revue:{c}", day, c) for c in ("10", "2"))
    assert Due("a", reviews).stem(day) == "restitution-chapitres-2-10-2026-03-03"
    asked = requested(lc.collective(), ["beta"], dt.datetime(2026, 3, 3, 9, 30))
    assert [d.structure for d in asked] == ["beta"]
    assert asked[0].stem(day) == "restitution-2026-03-03"
    assert asked[0].labels == ["demande du 03/03/2026"]


def test_the_path_to_the_label_is_the_fewest_changes_that_meet_every_rule() -> None:
    ref = lc.referentiel()
    alpha = label_path(ref, mine("alpha"))  # chapter 2 at 1,0: 2.1.1 from 0 to 2 is enough
    assert [(s.criterion, s.current, s.target) for s in alpha] == [("2.1.1", 0.0, 2)]
    assert alpha[0].why == "score du chapitre 2 au minimum de 2"
    beta = label_path(ref, mine("beta"))
    assert [(s.chapter, s.criterion, s.current, s.target) for s in beta] == [
        ("1", "1.1.1", 1.0, 2),  # mandatory
        ("1", "1.2.1", None, 2),  # unanswered
        ("2", "", None, None),  # the whole chapter is still to assess
    ]
    assert beta[2].why == "chapitre pas encore évalué, 2 critères à renseigner"
    assert label_path(ref, mine("gamma")) == []  # nothing answered: said otherwise
    assert label_path(ref, mine("delta")) == []  # eligible already


def test_mandatory_criteria_of_a_chapter_not_assessed_are_named_in_its_one_step() -> None:
    """« N étapes la séparent du label » counted a chapter not assessed yet once, then each
    of its mandatory criteria again; they are the same work: assessing the chapter."""
    ref = lc.referentiel()
    rows = mine("beta").copy()
    chapter_2 = rows["chapter"] == "2"
    rows.loc[chapter_2, "mandatory"] = True  # every criterion of the unassessed chapter 2
    steps = label_path(ref, rows)
    assert [(s.chapter, s.criterion) for s in steps] == [("1", "1.1.1"), ("1", "1.2.1"), ("2", "")]
    ids = sorted(rows.loc[chapter_2, "criterion"])
    level = next(lv for lv in ref.scale.levels if lv.value == ref.labellisation.min_mandatory_level)
    assert steps[2].why == (
        f"chapitre pas encore évalué, 2 critères à renseigner, dont {ids[0]} et {ids[1]}, "
        f"obligatoires au moins au niveau {level.value} - {level.label}"
    )


def test_a_structure_s_to_fix_workbook_holds_its_own_anomalies_only_and_no_server_path() -> None:
    coll = lc.collective()
    rows = lc.anomalies().to_dict("records")
    rows.append({**rows[0], "structure": "alpha", "source": "/srv/capsync/data/x/alpha.xlsx"})
    beta = to_fix_spec(coll, coll.structure("beta"), rows)
    body = beta.sheets[0].rows
    assert body[2] == ["Fichier", "Onglet", "Cellule", "Valeur saisie", "Ce qui est attendu",
                       "Constaté le"]  # fmt: skip
    expected = "«\u00a0=1+1\u00a0» n'est pas un niveau\u00a0: choisissez un niveau dans la liste."
    assert body[3][:5] == ["beta.xlsx", "Chapitre 1", "H5", "=1+1", expected]  # value as typed
    assert len(body) == 4
    alpha = to_fix_spec(coll, coll.structure("alpha"), rows)
    assert alpha.sheets[0].rows[3][0] == "alpha.xlsx"
    gamma = to_fix_spec(coll, coll.structure("gamma"), rows)
    assert gamma.sheets[0].rows[3] == [
        "Rien à corriger\u00a0: votre grille a été lue sans problème."
    ]
    assert file_name("C:\\Users\\x\\grille.xlsx") == "grille.xlsx"
    online = "https://docs.google.com/spreadsheets/d/1QM1nm98RRp9o"  # a link, not a bare id
    assert file_name(online) == online


def test_what_to_correct_is_listed_in_the_grids_order() -> None:
    """Sheet by sheet as the grid has them, each top to bottom: « E4 » before « E10 »,
    « Chapitre 2 » before « Chapitre 10 », the plan after the chapters, the file first."""
    coll = lc.collective()
    first = lc.anomalies().to_dict("records")[0]
    places = [
        ("Plan de progrès", "F9"),
        ("Chapitre 2", "E4"),
        ("Chapitre 10", "A1"),
        ("Chapitre 1", "E10"),
        ("Chapitre 1", "E4"),
        ("Chapitre 1", "AA3"),
        ("", ""),
    ]
    rows = [{**first, "structure": "beta", "sheet": s, "cell": c} for s, c in places]
    body = to_fix_spec(coll, coll.structure("beta"), rows).sheets[0].rows[3:]
    assert [(r[1], r[2]) for r in body] == [
        ("", ""),
        ("Chapitre 1", "AA3"),
        ("Chapitre 1", "E4"),
        ("Chapitre 1", "E10"),
        ("Chapitre 2", "E4"),
        ("Chapitre 10", "A1"),
        ("Plan de progrès", "F9"),
    ]


def test_what_a_structure_reads_has_its_notes_across_the_table(tmp_path: Path) -> None:
    """A structure's « À corriger » and restitution workbooks: the note under each title,
    and the message of an empty table, span the table instead of wrapping down a narrow
    column A (ten lines in LibreOffice); rendered, the note's row is one or two lines."""
    import openpyxl

    from capsync.layout.restitution import build_restitution, restitution_spec
    from capsync.layout.tables import FIRST_ROW, NOTE_ROW
    from capsync.render.xlsx import render_xlsx
    from capsync.workbook.spec import CellRange

    coll = lc.collective()
    gamma = to_fix_spec(coll, coll.structure("gamma"), lc.anomalies().to_dict("records"))
    empty = gamma.sheets[0]
    last = len(empty.column_widths) - 1
    assert CellRange(NOTE_ROW, 0, NOTE_ROW, last) in empty.merges
    assert CellRange(FIRST_ROW, 0, FIRST_ROW, last) in empty.merges  # « Rien à corriger »
    data = build_restitution(
        coll, lc.referentiel(), "gamma", lc.scores(), today=lc.TODAY, actions=lc.actions(),
        answers=lc.answers(), texts=lc.texts(),
    )  # fmt: skip
    spec = restitution_spec(data)
    for sheet in spec.sheets:
        width = len(sheet.column_widths)
        if width > 1 and len(sheet.rows) > NOTE_ROW and sheet.rows[NOTE_ROW]:
            assert any(m.first_row <= NOTE_ROW <= m.last_row for m in sheet.merges), sheet.name
    render_xlsx(spec, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["Chemin vers le label"]
    height = ws.row_dimensions[NOTE_ROW + 1].height
    assert height is None or height < 40  # points: two lines at most

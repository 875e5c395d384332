"""Parsing what people type, on hand-built raw workbooks (pure, no file)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest

from capsync.campaign.config import Structure
from capsync.campaign.referentiel import Referentiel
from capsync.parse.answers import AnomalyKind, Answer, AnswerKind
from capsync.parse.cells import level_reader, read_date, read_status
from capsync.parse.grid import parse_grid
from capsync.workbook.grid_schema import IDENTITY_SHEET, PLAN_SHEET
from capsync.workbook.identity import identity_rows

from .grid_campaign import referentiel_v1

REF = Referentiel.model_validate(referentiel_v1())
ACI = Structure(id="aci-une", name="ACI Une", type="ACI")
SOURCE = "/données/test-na/grilles/aci-une.xlsx"
KEYS = ["id", "objectif", "critere", "question", "niveaux", "r:sophie", "r:karim",
        "retenu", "justification", "niveau_revue", "commentaire_revue"]  # fmt: skip
HEADERS = ["ID", "Objectif", "Critère", "Question", "Niveaux", "Sophie", "Karim",
           "Niveau retenu", "Justification / preuves", "Niveau tiers / pair",
           "Commentaire tiers / pair"]  # fmt: skip
LEVEL_EXPECTED = (
    "choisissez un niveau de 0 à 4 dans la liste, « Non applicable » ou « Ne sait pas »."
)


def identity(structure: str = "aci-une", collective: str = "test-na") -> list[list[Any]]:
    return identity_rows(
        {
            "kind": "grille",
            "collective": collective,
            "structure": structure,
            "layout_version": "1",
            "respondents": "r:sophie|r:karim",
        }
    )


def chapter(*rows: list[Any], keys: list[str] = KEYS) -> list[list[Any]]:
    return [["Chapitre 1 — Gouvernance"], keys, HEADERS[: len(keys)], *rows]


def row(cid: str, *levels: Any, texts: tuple[Any, Any] = (None, None)) -> list[Any]:
    """A criterion row: respondents, retenu, justification, niveau revue, commentaire."""
    values = list(levels) + [None] * (4 - len(levels))
    r1, r2, retained, review = values
    return [cid, "obj", "crit", "q ?", "niveaux", r1, r2, retained, texts[0], review, texts[1]]


def workbook(
    chapter1: list[list[Any]],
    plan: Sequence[list[Any]] = (),
    *,
    plan_sheet: str | None = PLAN_SHEET,
    **kw: Any,
) -> dict:
    """A grid as generated: chapters, a plan (``plan_sheet``, None when deleted), identity."""
    raw: dict[str, list[list[Any]]] = {"Chapitre 1": chapter1}
    raw["Chapitre 2"] = chapter(row("2.1.1"), row("2.1.2"))
    if plan_sheet is not None:
        raw[plan_sheet] = [
            ["Plan de progrès"],
            ["critere", "action", "responsable", "echeance", "statut", "commentaire"],
            ["Critère", "Action", "Responsable", "Échéance", "Statut", "Commentaire"],
            *plan,
        ]
    raw[IDENTITY_SHEET] = identity(**kw)
    return raw


def parse(raw: dict) -> Any:
    return parse_grid(raw, referentiel=REF, collective="test-na", structure=ACI, source=SOURCE)


@pytest.mark.parametrize(
    ("typed", "kind", "level"),
    [
        ("3", "level", 3), (3, "level", 3), (3.0, "level", 3), (" 3,0 ", "level", 3),
        ("3 - Maîtrisé", "level", 3), ("maitrisé", "level", 3), ("MAÎTRISÉ", "level", 3),
        ("3 – maîtrisé", "level", 3), ("3-Maitrise", "level", 3), ("Niveau 2", "level", 2),
        ("0 - Non engagé", "level", 0), ("émergent", "level", 1),
        ("N/A", "na", None), ("NA", "na", None), ("non applicable", "na", None),
        ("Non Applicable", "na", None), ("sans objet", "na", None),
        ("NSP", "nsp", None), ("ne sait pas", "nsp", None), ("?", "nsp", None),
        ("Ne Sait Pas", "nsp", None),
    ],
)  # fmt: skip
def test_every_spelling_of_a_level_is_read(typed: Any, kind: str, level: int | None) -> None:
    parsed = parse(workbook(chapter(row("1.1.1", typed))))
    assert parsed.anomalies == []
    assert parsed.answers == [
        Answer("aci-une", "1.1.1", "r:sophie", kind, level, str(typed).strip()
               if not isinstance(typed, float) else "3", "Chapitre 1", "F4")
    ]  # fmt: skip


@pytest.mark.parametrize(("typed", "shown"), [("7", "7"), (7.0, "7"), ("3.5", "3.5"),
                                               ("3 - Émergent", "3 - Émergent"), (True, "VRAI"),
                                               ("beaucoup", "beaucoup")])  # fmt: skip
def test_a_value_outside_the_scale_is_an_anomaly_naming_the_cell(typed: Any, shown: str) -> None:
    parsed = parse(workbook(chapter(row("1.1.1", "2", typed))))
    assert [(a.criterion, a.column) for a in parsed.answers] == [("1.1.1", "r:sophie")]
    [anomaly] = parsed.anomalies
    assert (anomaly.structure, anomaly.source, anomaly.sheet, anomaly.cell, anomaly.value) == (
        "aci-une", SOURCE, "Chapitre 1", "G4", shown)  # fmt: skip
    assert anomaly.message == f"Valeur « {shown} » non reconnue : {LEVEL_EXPECTED}"
    assert parsed.unreadable == {("1.1.1", "r:karim")}


def test_the_exact_message_for_a_seven() -> None:
    [anomaly] = parse(workbook(chapter(row("1.1.1", "7")))).anomalies
    assert anomaly.message == (
        "Valeur « 7 » non reconnue : choisissez un niveau de 0 à 4 dans la liste, "
        "« Non applicable » ou « Ne sait pas »."
    )


def test_the_referentiels_own_aliases_are_accepted() -> None:
    data = referentiel_v1()
    data["scale"] = {
        "not_applicable": {"label": "Non applicable", "aliases": ["Pas concerné"]},
        "unknown": {"label": "Ne sait pas", "aliases": ["Je ne sais plus"]},
    }
    ref = Referentiel.model_validate(data)
    reader = level_reader(ref)
    assert reader.read_text("PAS CONCERNÉ") == ("na", None)
    assert reader.read_text("je ne sais plus") == ("nsp", None)
    assert level_reader(ref) is reader  # built once per référentiel


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("15/03/2026", dt.date(2026, 3, 15)), ("15/03/26", dt.date(2026, 3, 15)),
        ("2026-03-15", dt.date(2026, 3, 15)), (" 5/3/2026 ", dt.date(2026, 3, 5)),
        (46096, dt.date(2026, 3, 15)), (46096.0, dt.date(2026, 3, 15)),
        (dt.datetime(2026, 3, 15, 0, 0), dt.date(2026, 3, 15)),
        (dt.date(2026, 3, 15), dt.date(2026, 3, 15)), (None, None), ("  ", None),
    ],
)  # fmt: skip
def test_dates_as_people_write_them(typed: Any, expected: dt.date | None) -> None:
    assert read_date(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["2026", "46096", 2026, 2026.0, "15/03/1926", "1905-07-18", dt.date(1926, 3, 15),
     dt.datetime(2126, 3, 15), 73052, 36525, "15/03/2126"],
)  # fmt: skip
def test_a_date_outside_the_campaigns_years_is_not_a_date(typed: Any) -> None:
    with pytest.raises(ValueError):
        read_date(typed)


def test_the_limits_of_the_campaigns_years_are_dates() -> None:
    assert read_date(36526) == dt.date(2000, 1, 1)
    assert read_date(73051) == dt.date(2100, 1, 1)
    assert read_date("31/12/2100") == dt.date(2100, 12, 31)


def test_an_echeance_typed_as_a_year_is_an_anomaly_not_1905() -> None:
    plan = [["1.1.1", "Écrire le projet", "Sophie", "2026", "à faire", None]]
    parsed = parse(workbook(chapter(row("1.1.1", 2)), plan))
    [action] = parsed.actions
    assert (action.echeance, action.echeance_text) == (None, "2026")
    assert [(a.sheet, a.cell, a.value, a.message) for a in parsed.anomalies] == [
        ("Plan de progrès", "D4", "2026",
         "Date « 2026 » invalide : écrivez une date au format JJ/MM/AAAA."),
    ]  # fmt: skip


@pytest.mark.parametrize("typed", ["<3", "> 2", "≥3", "≤ 2", "-1", "+2", " <3", "1e0", "2.5",
                                   "3,5", "0x3", "- 3 - Maîtrisé", "3e0"])  # fmt: skip
def test_a_level_with_a_sign_or_a_number_syntax_is_an_anomaly(typed: str) -> None:
    parsed = parse(workbook(chapter(row("1.1.1", typed))))
    assert parsed.answers == []
    [anomaly] = parsed.anomalies
    assert (anomaly.cell, anomaly.value) == ("F4", typed.strip())
    assert anomaly.message == f"Valeur « {typed.strip()} » non reconnue : {LEVEL_EXPECTED}"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [(2.5, "2,5"), ("2,5", "2,5"), ("2.5", "2.5"), (" 2,5 ", "2,5"), (" -1", "-1"),
     ("\u00a0-1", "-1"), (-1, "-1"), (-1.0, "-1"), (" +2", "+2")],
)  # fmt: skip
def test_a_decimal_or_a_signed_level_is_an_anomaly_naming_the_cell(typed: Any, shown: str) -> None:
    """A French sheet shows the number 2.5 as « 2,5 »: the message quotes what people see."""
    parsed = parse(workbook(chapter(row("1.1.1", "2", typed))))
    assert [(a.column, a.kind, a.level) for a in parsed.answers] == [
        ("r:sophie", AnswerKind.LEVEL, 2)
    ]
    [anomaly] = parsed.anomalies
    assert (anomaly.sheet, anomaly.cell, anomaly.value) == ("Chapitre 1", "G4", shown)
    assert anomaly.message == f"Valeur « {shown} » non reconnue : {LEVEL_EXPECTED}"
    assert parsed.unreadable == {("1.1.1", "r:karim")}


@pytest.mark.parametrize(
    ("typed", "unsigned", "level"),
    [(" -1", " 1", 1), ("  -2", "  2", 2), ("\t+1", "\t1", 1), (" −3", " 3", 3), (" ≥ 3", " 3", 3)],
)  # fmt: skip
def test_the_level_reader_refuses_a_sign_behind_spaces(
    typed: str, unsigned: str, level: int
) -> None:
    """Its digits alone are a level (« -1 » normalises to « 1 »): only the sign, seen behind
    the spaces, keeps the reader from taking it for one."""
    reader = level_reader(REF)
    assert reader.read_text(unsigned) == (AnswerKind.LEVEL, level)
    assert reader.read_text(typed) is None


@pytest.mark.parametrize("number", [2.5, 0.5, -1.0, 4.000001])
def test_a_typed_number_is_a_level_only_when_whole_and_on_the_scale(number: float) -> None:
    reader = level_reader(REF)
    assert reader.read_number(number) is None
    assert reader.read_number(float(round(number))) == (
        (AnswerKind.LEVEL, round(number)) if 0 <= round(number) <= 4 else None
    )


@pytest.mark.parametrize("typed", ["3", " 3 ", "3,0", "3.00", "03"])
def test_a_whole_number_typed_as_text_is_its_level(typed: str) -> None:
    parsed = parse(workbook(chapter(row("1.1.1", typed))))
    assert parsed.anomalies == []
    assert [(a.kind, a.level) for a in parsed.answers] == [("level", 3)]


def test_a_renamed_plan_sheet_is_found_by_its_key_row() -> None:
    plan = [["1.1.1", "Écrire le projet", "Sophie", "15/03/2026", "à faire", None]]
    parsed = parse(workbook(chapter(row("1.1.1", 2)), plan, plan_sheet="Nos actions"))
    assert parsed.anomalies == []
    assert parsed.plan_found
    [action] = parsed.actions
    assert (action.sheet, action.row, action.action, action.echeance) == (
        "Nos actions", 4, "Écrire le projet", dt.date(2026, 3, 15))  # fmt: skip


def test_a_grid_without_its_plan_sheet_says_so() -> None:
    parsed = parse(workbook(chapter(row("1.1.1", 2)), plan_sheet=None))
    assert not parsed.plan_found
    assert [(a.level, a.cell) for a in parsed.answers] == [(2, "F4")]
    assert [(a.sheet, a.cell, a.value, a.message) for a in parsed.anomalies] == [
        ("Plan de progrès", "", "",
         "Onglet « Plan de progrès » introuvable : s'il a été renommé ou supprimé, remettez-le "
         "(le plan de progrès n'a pas été lu)."),
    ]  # fmt: skip


@pytest.mark.parametrize(("typed", "expected"), [("a faire", "à faire"), ("Fait", "fait"),
    ("EN COURS", "en cours"), ("Abandonne", "abandonné"), ("À faire", "à faire")])  # fmt: skip
def test_statuses_in_any_case_and_accent(typed: str, expected: str) -> None:
    assert read_status(typed) == expected


def test_plan_rows_are_read_and_their_mistakes_reported() -> None:
    plan = [
        ["1.1.1", "Écrire le projet", "Sophie", "15/03/26", "a faire", None],
        ["9.9.9", "Action inconnue", None, dt.datetime(2026, 6, 30), "Fait", "ok"],
        ["1.2.1", "Réunir le CA", "Karim", "31/02/2026", "bientôt", None],
        [None, None, None, None, None, None],
    ]
    parsed = parse(workbook(chapter(row("1.1.1", 2)), plan))
    assert [(a.criterion, a.action, a.echeance, a.statut, a.row) for a in parsed.actions] == [
        ("1.1.1", "Écrire le projet", dt.date(2026, 3, 15), "à faire", 4),
        ("9.9.9", "Action inconnue", dt.date(2026, 6, 30), "fait", 5),
        ("1.2.1", "Réunir le CA", None, "bientôt", 6),
    ]
    assert parsed.actions[2].echeance_text == "31/02/2026"
    assert [(a.sheet, a.cell, a.value, a.message) for a in parsed.anomalies] == [
        ("Plan de progrès", "A5", "9.9.9",
         "Critère « 9.9.9 » inconnu : indiquez l'identifiant d'un critère du référentiel "
         "(colonne « ID » des onglets « Chapitre »)."),
        ("Plan de progrès", "D6", "31/02/2026",
         "Date « 31/02/2026 » invalide : écrivez une date au format JJ/MM/AAAA."),
        ("Plan de progrès", "E6", "bientôt",
         "Statut « bientôt » non reconnu : choisissez « à faire », « en cours », « fait » "
         "ou « abandonné »."),
    ]  # fmt: skip


def test_resorted_rows_added_columns_and_rows_are_read_by_id_and_key() -> None:
    keys = [*KEYS[:6], "", *KEYS[6:]]  # a column the structure inserted, no key
    rows = [
        ["1.2.1", "o", "c", "q", "n", 1, "mes notes", 2, None, None, None, None],
        ["1.1.2", "o", "c", "q", "n", "NSP", None, None, None, None, None, None],
        [None, None, "Notre critère à nous", None, None, 4, None, 4, None, None, None, None],
        ["1.1.1", "o", "c", "q", "n", None, None, None, "4", "Preuve : PV du CA", None, "RAS"],
    ]
    parsed = parse(workbook(chapter(*rows, keys=keys)))
    [added] = parsed.anomalies  # the row of their own: typed, not relevé, and said so
    assert (added.kind, added.sheet, added.cell, added.value) == (
        AnomalyKind.CELL_OUTSIDE_TABLE,
        "Chapitre 1",
        "F6",
        "4",
    )
    assert "une ligne a été ajoutée au tableau" in added.message
    assert [(a.criterion, a.column, a.kind, a.level, a.cell) for a in parsed.answers] == [
        ("1.2.1", "r:sophie", "level", 1, "F4"),
        ("1.2.1", "r:karim", "level", 2, "H4"),
        ("1.1.2", "r:sophie", "nsp", None, "F5"),
        ("1.1.1", "retenu", "level", 4, "I7"),
    ]
    assert [(t.criterion, t.column, t.text, t.cell) for t in parsed.texts] == [
        ("1.1.1", "justification", "Preuve : PV du CA", "J7"),
        ("1.1.1", "commentaire_tiers", "RAS", "L7"),  # layout 1's « tiers / pair »: the tiers'
    ]
    assert parsed.missing == []


def test_a_deleted_criterion_row_is_missing_not_an_error() -> None:
    parsed = parse(workbook(chapter(row("1.1.1", 3), row("1.2.1", 2))))
    assert parsed.missing == ["1.1.2"]
    assert parsed.anomalies == []
    assert set(parsed.rows_found) == {"1.1.1", "1.2.1", "2.1.1", "2.1.2"}


def test_a_criterion_twice_in_a_sheet_is_an_anomaly_and_the_first_row_wins() -> None:
    parsed = parse(workbook(chapter(row("1.1.1", 3), row("1.1.2"), row("1.1.1", 1))))
    assert [(a.criterion, a.level, a.cell) for a in parsed.answers] == [("1.1.1", 3, "F4")]
    [anomaly] = parsed.anomalies
    assert (anomaly.sheet, anomaly.cell, anomaly.value) == ("Chapitre 1", "A6", "1.1.1")
    assert anomaly.message == (
        "Le critère « 1.1.1 » apparaît deux fois (Chapitre 1!A4 et Chapitre 1!A6) : seule la "
        "première ligne est lue ; supprimez la ligne en double ou fusionnez les réponses."
    )


def test_a_grid_naming_another_structure_is_not_read() -> None:
    parsed = parse(workbook(chapter(row("1.1.1", 3)), structure="ai-deux"))
    assert parsed.answers == []
    [anomaly] = parsed.anomalies
    assert (anomaly.sheet, anomaly.cell, anomaly.value) == ("_capsync", "B4", "ai-deux")
    assert anomaly.kind == AnomalyKind.OTHER_STRUCTURE
    assert not parsed.attributed
    assert anomaly.message == (
        "Ce fichier est la grille de la structure « ai-deux » (collectif « test-na »), et non "
        "celle de « aci-une » (collectif « test-na ») : elle n'a pas été lue, et rien n'a "
        "changé dans les réponses de « aci-une ». Remettez la grille de « aci-une » à sa place "
        "(les sauvegardes en gardent une copie) ; si ce fichier doit rejoindre sa structure, "
        "importez-le avec « capsync import »."
    )


def test_a_workbook_without_chapter_sheets_says_so() -> None:
    parsed = parse({"Feuil1": [["bonjour"]]})
    assert [a.message for a in parsed.anomalies] == [
        "Aucun onglet « Chapitre » n'a été trouvé dans ce fichier : ce n'est sans doute pas "
        "une grille capsync. Remettez la grille d'origine à sa place."
    ]
    assert parsed.missing == ["1.1.1", "1.1.2", "1.2.1", "2.1.1", "2.1.2"]

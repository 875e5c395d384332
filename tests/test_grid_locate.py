"""The locator finds answers wherever people moved them."""

from capsync.parse.locate import locate_chapter_sheet, locate_plan_sheet

KEYS = [
    "id",
    "objectif",
    "critere",
    "question",
    "niveaux",
    "r:anne",
    "r:bob",
    "retenu",
    "justification",
    "niveau_revue",
    "commentaire_revue",
]
HEADERS = [
    "ID",
    "Objectif",
    "Critère",
    "Question",
    "Niveaux de maturité pour ce critère",
    "Anne (Direction)",
    "Bob (Administrateur·rice)",
    "Niveau retenu",
    "Justification / preuves",
    "Niveau tiers / pair",
    "Commentaire tiers / pair",
]


def _row(cid, anne=None, bob=None, retenu=None):
    return [cid, "obj", "crit", "q?", "0 - …", anne, bob, retenu, None, None, None]


def test_columns_found_by_keys_after_insertion_and_resort():
    keys = [*KEYS[:6], None, *KEYS[6:]]
    headers = [*HEADERS[:6], "Notes à nous", *HEADERS[6:]]
    rows = [
        ["Chapitre 1 — Gouvernance"],
        keys,
        headers,
        ["1.1.2", "obj", "crit", "q?", "0 - …", "2", "remarque", "3", "4", None, None, None],
        ["1.1.1", "obj", "crit", "q?", "0 - …", 1.0, None, None, "2", None, None, None],
    ]
    located = locate_chapter_sheet("Chapitre 1", rows)
    assert located is not None and located.by_keys
    assert located.columns["r:bob"] == 7
    assert located.columns["retenu"] == 8
    assert located.rows == {"1.1.2": 3, "1.1.1": 4}
    assert located.extra_columns == [(6, "Notes à nous")]
    assert located.respondent_keys() == ["r:anne", "r:bob"]


def test_duplicate_ids_and_rows_without_id_are_reported():
    rows = [["t"], KEYS, HEADERS, _row("1.1.1", "2"), _row("1.1.1", "3"), _row(None, "4"), []]
    located = locate_chapter_sheet("Chapitre 1", rows)
    assert located.rows == {"1.1.1": 3}
    assert located.duplicate_ids == [("1.1.1", 4)]
    assert located.extra_rows == [5]
    assert located.data_rows == [3, 4, 5]


def test_falls_back_to_french_headers_when_the_key_row_is_gone():
    rows = [["t"], HEADERS, _row("1.1.1", "2", "1", "2")]
    located = locate_chapter_sheet("Chapitre 1", rows, respondent_keys=["r:anne", "r:bob"])
    assert located is not None and not located.by_keys
    assert located.header_row == 1
    assert located.columns["r:bob"] == 6
    assert located.rows == {"1.1.1": 2}


def test_a_sheet_that_is_not_a_grid_is_not_located():
    assert locate_chapter_sheet("Feuil1", [["nom", "prénom"], ["a", "b"]]) is None


def test_plan_sheet_rows():
    keys = ["critere", "action", "responsable", "echeance", "statut", "commentaire"]
    headers = ["Critère", "Action", "Responsable", "Échéance", "Statut", "Commentaire"]
    rows = [
        ["Plan de progrès"],
        keys,
        headers,
        ["1.1.1", "Rédiger", None, None, "à faire"],
        [],
        [None, "Former le CA"],
    ]
    located = locate_plan_sheet("Plan de progrès", rows)
    assert located.columns["statut"] == 4
    assert located.data_rows == [3, 5]


def test_without_key_row_an_added_column_is_not_read_as_a_respondent():
    headers = [*HEADERS[:6], "Notes à nous", *HEADERS[6:]]
    rows = [["t"], headers, [*_row("1.1.1", "2")[:6], "à revoir", "1", "3", None, None, None]]
    located = locate_chapter_sheet("Chapitre 1", rows, ["r:anne", "r:bob"])
    assert located is not None and not located.by_keys
    assert located.respondent_keys() == ["r:anne", "r:bob"]
    assert (located.columns["r:anne"], located.columns["r:bob"]) == (5, 7)
    assert located.columns["retenu"] == 8
    assert located.extra_columns == [(6, "Notes à nous")]


def test_without_key_row_anonymous_columns_are_matched_by_header_not_position():
    fixed = HEADERS[:5]
    headers = [*fixed, "Répondant·e 2", "Commentaires", "Répondant·e 1", *HEADERS[7:]]
    rows = [["t"], headers, ["1.1.1", "o", "c", "q", "n", "2", "bien", "4", "3"]]
    located = locate_chapter_sheet("Chapitre 1", rows, ["r:1", "r:2", "r:3"])
    assert located is not None
    assert {k: located.columns[k] for k in located.respondent_keys()} == {"r:2": 5, "r:1": 7}
    assert located.extra_columns == [(6, "Commentaires")]


def test_without_key_row_known_headers_name_the_columns():
    headers = [*HEADERS[:5], "Marie Curie", "Paul", "Karim", *HEADERS[7:]]
    rows = [["t"], headers, ["1.1.1", "o", "c", "q", "n", "2", "1", "4", "3"]]
    known = {"Marie Curie (Direction)": "r:marie-curie", "Paul (Salarié·e permanent·e)": "r:paul"}
    located = locate_chapter_sheet("Chapitre 1", rows, ["r:1", "r:2"], respondent_headers=known)
    assert located is not None
    assert {k: located.columns[k] for k in located.respondent_keys()} == {
        "r:marie-curie": 5,
        "r:paul": 6,
    }
    assert located.extra_columns == [(7, "Karim")]

"""``capsync check``: every mistake of the YAML files, located and in French, all at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from capsync.campaign.validation import load_campaign
from capsync.cli import main

from .french_output import plain

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_CONFIG = ROOT / "config" / "capsync.yaml"
EXAMPLE_REFERENTIEL = ROOT / "referentiel" / "cap-rse-exemple.yaml"


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """Copies of the example configuration and référentiel, laid out like the repository."""
    # Whole folders: the configuration's companion files (decisions…) come along.
    shutil.copytree(EXAMPLE_CONFIG.parent, tmp_path / "config")
    shutil.copytree(EXAMPLE_REFERENTIEL.parent, tmp_path / "referentiel")
    return tmp_path / "config" / "capsync.yaml", tmp_path / "referentiel" / "cap-rse-exemple.yaml"


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first ``old`` by ``new``; return the line (1-based) where it was."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def line_of(path: Path, needle: str) -> int:
    text = path.read_text(encoding="utf-8")
    return text[: text.index(needle)].count("\n") + 1


def check(cfg: Path) -> Result:
    result = CliRunner().invoke(main, ["--config", str(cfg), "check"])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


def problems(result: Result) -> list[str]:
    """The problem lines, without the final count."""
    assert result.exit_code == 1, result.output
    lines = plain(result.stderr).splitlines()
    n = len(lines) - 1
    assert lines[-1] == f"{n} problème{'s' if n > 1 else ''} à corriger."
    return lines[:-1]


def test_example_files_are_valid() -> None:
    campaign = load_campaign(EXAMPLE_CONFIG)
    assert len(campaign.referentiel.criteria) == 54
    result = check(EXAMPLE_CONFIG)
    assert result.exit_code == 0, result.output
    assert plain(result.stdout) == (
        "Configuration valide : capsync.yaml — 2 collectifs, 14 structures ; référentiel "
        "« cap-rse-exemple » v2025.1, 5 chapitres, 54 critères ; dossier de données "
        f"{ROOT / 'data'}.\n"
    )


def test_duplicate_criterion_id(files: tuple[Path, Path]) -> None:
    cfg, ref = files
    line = edit(ref, 'id: "1.1.2"', 'id: "1.1.1"')
    first = line_of(ref, 'id: "1.1.1"')
    assert problems(check(cfg)) == [
        f"{ref}:{line} [chapters[0].objectives[0].criteria[1].id] : "
        f"identifiant de critère « 1.1.1 » en double (déjà ligne {first})."
    ]


def test_duplicate_objective_id(files: tuple[Path, Path]) -> None:
    cfg, ref = files
    first = line_of(ref, 'id: "5.3"\n')
    line = edit(ref, 'id: "5.4"\n', 'id: "5.3"\n')
    edit(ref, 'id: "5.4.1"', 'id: "5.3.4"')
    edit(ref, 'id: "5.4.2"', 'id: "5.3.5"')
    assert problems(check(cfg)) == [
        f"{ref}:{line} [chapters[4].objectives[3].id] : "
        f"identifiant d'objectif « 5.3 » en double (déjà ligne {first})."
    ]


def test_objective_ids_not_prefixed_by_their_chapter(files: tuple[Path, Path]) -> None:
    cfg, ref = files
    objective = edit(ref, 'id: "5.4"\n', 'id: "4.5"\n')
    assert problems(check(cfg)) == [
        f"{ref}:{objective} [chapters[4].objectives[3].id] : l'identifiant « 4.5 » devrait "
        "commencer par l'identifiant de son chapitre « 5 ».",
    ]


def test_a_criterion_moved_to_another_objective_keeps_its_stable_id(
    files: tuple[Path, Path],
) -> None:
    cfg, ref = files
    edit(ref, 'id: "2.1.3"', 'id: "1.1.9"')
    assert check(cfg).exit_code == 0


def test_duplicate_structure_id(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    first = line_of(cfg, "id: trait-d-union-17")
    line = edit(cfg, "id: ailes-revel", "id: trait-d-union-17")
    assert problems(check(cfg)) == [
        f"{cfg}:{line} [collectives[1].structures[0].id] : "
        f"identifiant de structure « trait-d-union-17 » en double (déjà ligne {first})."
    ]


def test_scale_level_without_description(files: tuple[Path, Path]) -> None:
    cfg, ref = files
    text = ref.read_text(encoding="utf-8")
    start = text.index("    - value: 2")
    end = text.index("\n", text.index("description:", start))
    ref.write_text(text[: text.index("\n", start + 15) + 1] + text[end + 1 :], encoding="utf-8")
    text = ref.read_text(encoding="utf-8")
    # the line of « - value: 2 » is kept, with its label; the description line is gone
    line = line_of(ref, "    - value: 2")
    assert "description" not in text.splitlines()[line]
    assert problems(check(cfg)) == [
        f"{ref}:{line} [scale.levels[2].description] : "
        "la clé « description » est obligatoire et manque ici."
    ]


def test_criterion_level_without_description(files: tuple[Path, Path]) -> None:
    cfg, ref = files
    edit(ref, '              3: "Des temps collectifs réguliers', '              #3: "x')
    levels = line_of(ref, 'id: "1.1.2"') + 3
    assert ref.read_text(encoding="utf-8").splitlines()[levels - 1].strip() == "levels:"
    assert problems(check(cfg)) == [
        f"{ref}:{levels} [chapters[0].objectives[0].criteria[1].levels] : "
        "le niveau 3 du critère « 1.1.2 » n'a pas de description."
    ]


def test_criterion_level_outside_the_scale(files: tuple[Path, Path]) -> None:
    cfg, ref = files
    line = edit(ref, '              4: "Les équipes', '              5: "Les équipes')
    levels = line_of(ref, 'id: "1.1.2"') + 3
    assert problems(check(cfg)) == [
        f"{ref}:{levels} [chapters[0].objectives[0].criteria[1].levels] : "
        "le niveau 4 du critère « 1.1.2 » n'a pas de description.",
        f"{ref}:{line} [chapters[0].objectives[0].criteria[1].levels[5]] : le niveau 5 n'existe "
        "pas dans l'échelle (niveaux : 0, 1, 2, 3, 4) ; supprimez-le ou ajoutez-le à "
        "scale.levels.",
    ]


def test_unknown_structure_type(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    line = edit(cfg, "type: ETTI", "type: SIAE")
    assert problems(check(cfg)) == [
        f"{cfg}:{line} [collectives[0].structures[4].type] : valeur « SIAE » inconnue ; "
        "valeurs possibles : AI, ACI, EI, ETTI, EBE, GES."
    ]


def test_phase_of_an_unknown_chapter(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    line = edit(cfg, "chapter: 5, date: 2026-04-07", "chapter: 6, date: 2026-04-07")
    assert problems(check(cfg)) == [
        f"{cfg}:{line} [collectives[0].calendar[10].chapter] : le chapitre « 6 » n'existe pas "
        "dans le référentiel (chapitres : 1, 2, 3, 4, 5)."
    ]


def test_two_phases_of_the_same_kind_for_one_chapter(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    first = line_of(cfg, "{kind: regroupement, chapter: 1, date: 2025-06-11")
    line = edit(
        cfg,
        "{kind: regroupement, chapter: 2, date: 2025-09-25",
        "{kind: regroupement, chapter: 1, date: 2025-09-25",
    )
    assert problems(check(cfg)) == [
        f"{cfg}:{line} [collectives[0].calendar[5]] : deux phases « regroupement » pour le "
        f"chapitre « 1 » dans ce collectif (déjà ligne {first}) ; supprimez ou corrigez "
        "l'une des deux."
    ]


@pytest.mark.parametrize("typed", ["2025-13-45", "8 avril 2025", "08/04/25"])
def test_date_that_is_not_a_date(files: tuple[Path, Path], typed: str) -> None:
    cfg, _ = files
    line = edit(cfg, "date: 2025-04-08", f"date: {typed}")
    assert problems(check(cfg)) == [
        f"{cfg}:{line} [collectives[0].calendar[2].date] : « {typed} » n'est pas une date ; "
        "écrivez-la AAAA-MM-JJ, par exemple 2025-04-08."
    ]


def test_time_that_is_not_a_time(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    line = edit(cfg, 'time: "15:30"', 'time: "15h30"')
    assert problems(check(cfg)) == [
        f"{cfg}:{line} [collectives[0].calendar[2].time] : « 15h30 » n'est pas une heure ; "
        'écrivez-la entre guillemets, par exemple "15:30".'
    ]


def test_unquoted_time_is_read_as_the_time_people_meant(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    edit(cfg, 'time: "15:30"', "time: 15:30")
    phase = load_campaign(cfg).config.collectives[0].calendar[2]
    assert phase.time is not None and phase.time.isoformat() == "15:30:00"


def test_a_password_written_where_its_variable_goes_is_refused_and_never_repeated(
    files: tuple[Path, Path],
) -> None:
    """``password_env`` names an environment variable; an admin who writes the password
    there gets told so, and the message (printed, kept in the daemon's status, mailed to
    the admins) never repeats it."""
    cfg, _ = files
    line = edit(
        cfg,
        "  # smtp: {host: smtp.coorace.example, port: 587, security: starttls, user: cap-rse, "
        "password_env: CAPSYNC_SMTP_PASSWORD}",
        "  smtp: {host: smtp.coorace.example, user: cap-rse, password_env: Hunter2-Secret}",
    )
    found = problems(check(cfg))
    assert found == [
        f"{cfg}:{line} [mail.smtp.password_env] : attend le NOM d'une variable d'environnement "
        "(majuscules, chiffres et « _ », par exemple CAPSYNC_SMTP_PASSWORD), pas le mot de "
        "passe : mettez le mot de passe dans cette variable, jamais dans ce fichier."
    ]
    assert "Hunter2" not in check(cfg).output


def test_email_that_is_not_one(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    line = edit(cfg, "email: xavier.delmas@coorace-na.example", "email: xavier.delmas")
    contact = edit(cfg, "contacts: [rh@batir-ensemble-pau.example]", "contacts: [rh arobase]")
    assert problems(check(cfg)) == [
        f"{cfg}:{line} [collectives[0].delegates[0].email] : « xavier.delmas » n'est pas une "
        "adresse e-mail valide (nom@domaine.fr).",
        f"{cfg}:{contact} [collectives[0].structures[3].contacts[0]] : « rh arobase » n'est pas "
        "une adresse e-mail valide (nom@domaine.fr).",
    ]


def test_respondent_without_role(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    line = edit(cfg, "{name: Karim Benali, role: permanent}", "{name: Karim Benali}")
    assert problems(check(cfg)) == [
        f"{cfg}:{line} [collectives[0].structures[0].respondents[1].role] : la clé « role » est "
        "obligatoire et manque ici (valeurs possibles : direction, permanent, administrateur, "
        "salarie_parcours)."
    ]


def test_unknown_key_suggests_the_closest(files: tuple[Path, Path]) -> None:
    cfg, ref = files
    line = edit(cfg, "    region: Occitanie", "    regoin: Occitanie")
    item = line_of(cfg, "- id: occitanie")
    ref_line = edit(ref, "mandatory_for_label: true", "mandatory_for_labe: true")
    assert problems(check(cfg)) == [
        f"{cfg}:{item} [collectives[1].region] : la clé « region » est obligatoire et manque ici.",
        f"{cfg}:{line} [collectives[1].regoin] : clé inconnue « regoin » (sans doute une faute "
        "de frappe). Vouliez-vous dire « region » ?",
        f"{ref}:{ref_line} [chapters[0].objectives[0].criteria[0].mandatory_for_labe] : clé "
        "inconnue « mandatory_for_labe » (sans doute une faute de frappe). Vouliez-vous dire "
        "« mandatory_for_label » ?",
    ]


def test_an_unknown_key_with_a_bracket_is_named_not_a_traceback(
    files: tuple[Path, Path],
) -> None:
    """Pydantic puts tags holding « [ » in an error's location; a key an admin typed with a
    bracket is a key of the file, named in the message (it crashed ``check``: found by
    the fuzz test of mangled files)."""
    cfg, ref = files
    line = edit(ref, "mandatory_for_label: true", "mandatory_for_l[abel: true")
    assert problems(check(cfg)) == [
        f"{ref}:{line} [chapters[0].objectives[0].criteria[0].mandatory_for_l[abel] : clé "
        "inconnue « mandatory_for_l[abel » (sans doute une faute de frappe). Vouliez-vous dire "
        "« mandatory_for_label » ?",
    ]


def test_key_written_twice(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    first = line_of(cfg, "  late_days: 14")
    edit(cfg, "  late_days: 14\n", "  late_days: 14\n  late_days: 21\n")
    assert problems(check(cfg)) == [
        f"{cfg}:{first + 1} [settings.late_days] : la clé « late_days » est écrite deux fois "
        f"dans ce bloc (déjà ligne {first}) ; supprimez l'une des deux."
    ]


def test_pair_from_an_unknown_structure(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    line = edit(cfg, "structure: jardins-du-lauragais}", "structure: Les Jardins du Lauragais}")
    assert problems(check(cfg)) == [
        f"{cfg}:{line} [collectives[1].structures[4].pair.structure] : la structure « Les "
        "Jardins du Lauragais » du pair n'existe pas dans la configuration (indiquez "
        "l'identifiant d'une structure, pas son nom). Vouliez-vous dire « jardins-du-lauragais » ?"
    ]


def test_unknown_service_in_a_criterion(files: tuple[Path, Path]) -> None:
    cfg, ref = files
    line = edit(
        ref, "            services: [guide-projet-associatif]", "            services: [guide]"
    )
    assert problems(check(cfg)) == [
        f"{ref}:{line} [chapters[0].objectives[0].criteria[0].services[0]] : ressource « guide » "
        "absente de l'offre_de_services."
    ]


def test_every_mistake_is_reported_at_once(files: tuple[Path, Path]) -> None:
    cfg, ref = files
    edit(cfg, "type: AI", "type: XX")
    edit(cfg, "email: c.moreau@coorace-occitanie.example", "email: c.moreau")
    edit(cfg, "date: 2025-10-09", "date: 2025-10-32")
    edit(ref, 'id: "1.1.2"', 'id: "1.1.1"')
    edit(ref, "iso26000: [gouvernance]", "iso26000: [gouvernanse]")
    found = problems(check(cfg))
    assert len(found) == 5
    assert [p.split(" [")[0].rsplit(":", 1)[0] for p in found] == [str(cfg)] * 3 + [str(ref)] * 2
    assert "« gouvernanse » inconnue" in found[3]


def test_missing_configuration_file(tmp_path: Path) -> None:
    missing = tmp_path / "nulle-part.yaml"
    assert problems(check(missing)) == [
        f"{missing} : fichier de configuration introuvable (dossier courant : {Path.cwd()}) ; "
        "indiquez son chemin avec --config ou la variable CAPSYNC_CONFIG."
    ]


def test_referentiel_path_that_leads_nowhere(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    line = edit(cfg, "referentiel: ../referentiel/", "referentiel: referentiel/")
    wrong = cfg.parent / "referentiel" / "cap-rse-exemple.yaml"
    assert problems(check(cfg)) == [
        f"{cfg}:{line} [referentiel] : fichier référentiel introuvable : {wrong} ; un chemin "
        "relatif part du dossier du fichier de configuration."
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", " : le fichier est vide."),
        ("# rien\n", " : le fichier est vide."),
        (
            "- id: a\n- id: b\n",
            ":1 : le fichier doit contenir des clés (clé: valeur) au premier niveau, "
            "pas une liste ni un texte seul.",
        ),
        (
            "backend:\n  kind: local\n data_dir: x\n",
            ":3 : syntaxe YAML invalide : indentation incohérente ; alignez les clés d'un même "
            "bloc.",
        ),
        (
            "settings:\n  help_contact: Écrire à: contact@x.fr\n",
            ":2 : syntaxe YAML invalide : « : » inattendu ; mettez entre guillemets un texte qui "
            "contient « : ».",
        ),
        (
            "settings:\n\tlate_days: 3\n",
            ":2 : syntaxe YAML invalide : caractère interdit en début de valeur (tabulation, "
            "« @ », « ` ») ; indentez avec des espaces et mettez le texte entre guillemets.",
        ),
        (  # PyYAML says « did not find expected node content »: never shown in English
            "settings:\n  late_days: [1, \n",
            ":3 : syntaxe YAML invalide : valeur attendue et absente (crochet « [ » ou accolade "
            "« { » non refermé, ou virgule en trop).",
        ),
        (
            'settings:\n  help_contact: "C:\\qui"\n',
            ":2 : syntaxe YAML invalide : « \\ » inconnu entre guillemets doubles ; doublez-le.",
        ),
    ],
)
def test_unreadable_configuration(tmp_path: Path, content: str, expected: str) -> None:
    cfg = tmp_path / "capsync.yaml"
    cfg.write_text(content, encoding="utf-8")
    assert problems(check(cfg)) == [f"{cfg}{expected}"]


def test_configuration_not_in_utf8(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    cfg.write_bytes(cfg.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    assert problems(check(cfg)) == [
        f"{cfg} : le fichier n'est pas encodé en UTF-8 ; enregistrez-le en UTF-8."
    ]


def test_referentiel_with_a_syntax_error(files: tuple[Path, Path]) -> None:
    cfg, ref = files
    line = edit(ref, 'title: "Référentiel CAP RSE — exemple"', 'title: "Référentiel CAP RSE')
    found = problems(check(cfg))
    assert len(found) == 1
    assert found[0].startswith(f"{ref}:")
    assert int(found[0].split(":")[1].split()[0]) >= line
    assert "syntaxe YAML invalide" in found[0]


def test_unquoted_numeric_id_asks_for_quotes(files: tuple[Path, Path]) -> None:
    cfg, ref = files
    line = edit(ref, 'id: "1.1"\n', "id: 1.1\n")
    assert problems(check(cfg)) == [
        f"{ref}:{line} [chapters[0].objectives[0].id] : « 1.1 » doit être un texte ; "
        'mettez-le entre guillemets ("1.1").'
    ]


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        ("  late_days: 14\n", "  late_days: quatorze\n", "settings.late_days",
         "« quatorze » doit être un nombre."),
        ("  late_days: 14\n", "  late_days: -1\n", "settings.late_days",
         "« -1 » doit être supérieur ou égal à 0."),
        ("        name: Trait d'Union 17\n", '        name: ""\n',
         "collectives[0].structures[0].name", "cette valeur ne doit pas être vide."),
        ("contacts: [direction@traitdunion17.example]", "contacts: direction@traitdunion17.example",
         "collectives[0].structures[0].contacts",
         "une liste est attendue ici (des lignes commençant par « - »)."),
        ("pair: {name: Marie Sabatier, email: jardins@lauragais.example, "
         "structure: jardins-du-lauragais}", "pair: Marie Sabatier",
         "collectives[1].structures[4].pair", "un bloc de clés est attendu ici (clé: valeur)."),
        ("pair: {name: Marie Sabatier, email:", "pair: {name: Marie Sabatier, emial:",
         "collectives[1].structures[4].pair.emial",
         "clé inconnue « emial » (sans doute une faute de frappe). Vouliez-vous dire « email » ?"),
        ("    region: Nouvelle-Aquitaine\n", "    region: 33\n", "collectives[0].region",
         '« 33 » doit être un texte ; mettez-le entre guillemets ("33").'),
        ("  data_dir: ../data\n", "  data_dir: [../data]\n", "backend.data_dir",
         "cette valeur doit être un texte."),
        ("      - id: atelier-textile-limoges\n", "      - id: Atelier Textile\n",
         "collectives[0].structures[2].id",
         "identifiant « Atelier Textile » invalide : utilisez des minuscules sans accent, des "
         "chiffres, « - » ou « _ » (par exemple « atelier-du-lac »)."),
        ("tentative: true, notes", "tentative: peut-être, notes",
         "collectives[0].calendar[{cloture}].tentative",
         "« peut-être » doit valoir true ou false."),
    ],
)  # fmt: skip
def test_each_kind_of_mistake_in_the_configuration_has_its_french_sentence(
    files: tuple[Path, Path], old: str, new: str, key: str, message: str
) -> None:
    cfg, _ = files
    line = edit(cfg, old, new)
    calendar = yaml.safe_load(cfg.read_text(encoding="utf-8"))["collectives"][0]["calendar"]
    cloture = next(i for i, phase in enumerate(calendar) if phase["kind"] == "cloture")
    assert problems(check(cfg)) == [f"{cfg}:{line} [{key.format(cloture=cloture)}] : {message}"]


def test_a_service_link_that_is_not_a_web_address(files: tuple[Path, Path]) -> None:
    cfg, ref = files
    line = edit(
        ref,
        'url: "https://www.coorace.org/offre-de-services/formations/gouvernance-associative"',
        'url: "coorace.org/gouvernance"',
    )
    assert problems(check(cfg)) == [
        f"{ref}:{line} [offre_de_services[0].url] : « coorace.org/gouvernance » n'est pas une "
        "adresse web valide (https://…)."
    ]


@pytest.mark.parametrize(
    ("collectives", "expected"),
    [
        ("", ":1 [collectives] : la clé « collectives » est obligatoire et manque ici."),
        ("collectives: []\n", ":4 [collectives] : cette liste ne doit pas être vide."),
    ],
)
def test_a_configuration_without_collectives(
    tmp_path: Path, collectives: str, expected: str
) -> None:
    cfg = tmp_path / "capsync.yaml"
    shutil.copytree(EXAMPLE_REFERENTIEL.parent, tmp_path / "referentiel")
    cfg.write_text(
        f"backend:\n  kind: local\nreferentiel: referentiel/cap-rse-exemple.yaml\n{collectives}",
        encoding="utf-8",
    )
    assert problems(check(cfg)) == [f"{cfg}{expected}"]


def test_exporting_needs_the_referentiel_key(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    edit(cfg, "referentiel: ../referentiel/cap-rse-exemple.yaml\n", "\n")
    line = line_of(cfg, "backend:")  # no line of its own: the document's first key
    result = CliRunner().invoke(main, ["--config", str(cfg), "referentiel", "export"])
    assert (result.exit_code, plain(result.stderr)) == (
        1,
        f"{cfg}:{line} : la clé « referentiel » (chemin du fichier référentiel) est "
        "obligatoire.\n1 problème à corriger.\n",
    )

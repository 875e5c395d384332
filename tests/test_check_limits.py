"""``capsync check`` refuses configurations that would hurt: bombs, numbers off the scale,
calendars out of order, data folders capsync cannot use — each in French, with its line."""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from capsync.campaign.yaml_source import MAX_BYTES, load_yaml
from capsync.cli import main
from capsync.data_folder import check_data_folder
from capsync.errors import DataFolderError, ValidationFailed

from .french_output import plain
from .test_check import check, edit, files, line_of, problems

__all__ = ["files"]  # the fixture, imported for pytest


def test_an_alias_bomb_is_refused_at_once_with_its_line(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    bomb = "".join(
        f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['x'] * 9)}]\n"
        for prev, name in zip(["", "a", "b", "c", "d", "e", "f", "g"], "abcdefgh", strict=False)
    )
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(text + bomb, encoding="utf-8")
    line = len(text.splitlines()) + 7  # g: 9⁷ values, the first block over the bound
    started = time.monotonic()
    result = check(cfg)
    assert time.monotonic() - started < 5  # it took 20 s and 2.3 GB
    assert problems(result) == [
        f"{cfg}:{line} : une fois ses alias « * » développés, le fichier compterait plus de "
        "1\u202f000\u202f000 valeurs (ancres « & » imbriquées) ; écrivez les valeurs sans alias."
    ]


@pytest.mark.parametrize("collector_on", [True, False])
def test_a_network_sized_file_loads_and_the_collector_is_left_as_it_was(
    tmp_path: Path, collector_on: bool
) -> None:
    """4 400 structures make ≈ 220 000 values: the bound used to refuse them."""
    path = tmp_path / "big.yaml"
    rows = (
        f"  - {{id: s{i}, nom: Structure {i}, type: SIAE, contacts: [a{i}@x.fr]}}"
        for i in range(50_000)
    )
    path.write_text("structures:\n" + "\n".join(rows) + "\n", encoding="utf-8")
    was = gc.isenabled()
    (gc.enable if collector_on else gc.disable)()
    try:
        source = load_yaml(path)
        assert gc.isenabled() is collector_on
    finally:
        (gc.enable if was else gc.disable)()
    assert len(source.data["structures"]) == 50_000
    assert source.data["structures"][-1]["contacts"] == ["a49999@x.fr"]


def test_an_alias_to_its_own_block_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "boucle.yaml"
    path.write_text("a: 1\nb: &b [1, *b]\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        load_yaml(path)
    assert str(caught.value) == (
        f"{path}:2 : un alias « * » renvoie à son propre bloc ; supprimez cet alias."
    )


@pytest.mark.parametrize("flow", [False, True])
def test_a_file_nested_too_deep_is_refused(tmp_path: Path, flow: bool) -> None:
    path = tmp_path / "profond.yaml"
    if flow:  # libyaml stops at its own depth limit: said in French too
        path.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    else:
        path.write_text("a:\n" + "".join("  " * i + f"b{i}:\n" for i in range(1, 60)))
    with pytest.raises(ValidationFailed) as caught:
        load_yaml(path)
    assert "blocs imbriqués sur plus de 40 niveaux ; vérifiez l'indentation" in str(caught.value)


def test_a_huge_file_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "enorme.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: nothing written to the disk
    with pytest.raises(ValidationFailed) as caught:
        load_yaml(path)
    assert str(caught.value) == (
        f"{path} : fichier trop gros (5 Mo ; au plus 5 Mo) : ce n'est sans doute pas le bon "
        "fichier."
    )


def test_an_unquoted_version_is_shown_as_typed(files: tuple[Path, Path]) -> None:
    cfg, ref = files
    line = edit(ref, 'version: "2025.1"', "version: 2025.10")
    assert problems(check(cfg)) == [
        f"{ref}:{line} [version] : « 2025.10 » doit être un texte ; mettez-le entre guillemets "
        '("2025.10").'
    ]


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        ("  min_chapter_score: 2.0\n", "  min_chapter_score: 5\n",
         "labellisation.min_chapter_score",
         "5 est hors de l'échelle des niveaux (0 à 4) : cette valeur doit être entre 0 et 4."),
        ("  min_mandatory_level: 2\n", "  min_mandatory_level: 7\n",
         "labellisation.min_mandatory_level",
         "7 est hors de l'échelle des niveaux (0 à 4) : cette valeur doit être entre 0 et 4."),
        ("labellisation:\n", "scoring:\n  divergence_threshold: 9\nlabellisation:\n",
         "scoring.divergence_threshold",
         "9 est hors de l'échelle des niveaux (0 à 4) : cette valeur doit être entre 1 et 4."),
        ("labellisation:\n", "scoring:\n  weak_level: 4.5\nlabellisation:\n",
         "scoring.weak_level", "« 4.5 » doit être un nombre entier."),
        ("    aliases: [NSP, \"?\"]", "    aliases: [NSP, \"?\", \"2\"]",
         "scale.unknown.aliases[2]",
         "« 2 » désigne déjà le niveau 2 ; une même écriture ne peut pas avoir deux sens dans "
         "la grille : supprimez-la ou changez-la."),
        ("    aliases: [NSP, \"?\"]", "    aliases: [NSP, \"?\", na]",
         "scale.unknown.aliases[2]",
         "« na » désigne déjà « Non applicable » ; une même écriture ne peut pas avoir deux "
         "sens dans la grille : supprimez-la ou changez-la."),
    ],
)  # fmt: skip
def test_numbers_and_answers_must_fit_the_scale(
    files: tuple[Path, Path], old: str, new: str, key: str, message: str
) -> None:
    cfg, ref = files
    line = edit(ref, old, new) + new[: new.index(key.split(".")[-1].split("[")[0])].count("\n")
    assert problems(check(cfg)) == [f"{ref}:{line} [{key}] : {message}"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (".inf", "« .inf » doit être un nombre fini (par exemple 1 ou 2.5)."),
        (".nan", "« .nan » doit être un nombre fini (par exemple 1 ou 2.5)."),
        ("1000", "« 1000 » doit être inférieur ou égal à 100."),
        ("0", "« 0 » doit être supérieur à 0."),
    ],
)
def test_a_weight_must_be_a_finite_positive_number(
    files: tuple[Path, Path], typed: str, message: str
) -> None:
    cfg, ref = files
    line = edit(ref, "    weight: 1\n", f"    weight: {typed}\n")
    assert problems(check(cfg)) == [f"{ref}:{line} [chapters[0].weight] : {message}"]


def test_a_regroupement_before_its_visio_names_both_lines(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    visio = line_of(cfg, "{kind: visio_lecture, chapter: 2, date: 2025-07-01")
    line = edit(
        cfg,
        "{kind: regroupement, chapter: 2, date: 2025-09-25",
        "{kind: regroupement, chapter: 2, date: 2025-06-25",
    )
    assert problems(check(cfg)) == [
        f"{cfg}:{visio} [collectives[0].calendar[4].date] : la visio lecture du chapitre 2 "
        f"(01/07/2025) tombe après le regroupement du chapitre 2 (ligne {line}, 25/06/2025) ; "
        "remettez les deux dates dans l'ordre de la démarche."
    ]


def test_a_launch_after_a_chapter_and_a_closing_before_one_are_refused(
    files: tuple[Path, Path],
) -> None:
    cfg, _ = files
    launch = edit(cfg, "{kind: lancement, date: 2025-03-04", "{kind: lancement, date: 2025-04-09")
    visio = line_of(cfg, "{kind: visio_lecture, chapter: 1, date: 2025-04-08")
    found = problems(check(cfg))
    assert found == [
        f"{cfg}:{launch} [collectives[0].calendar[1].date] : la journée de lancement "
        f"(09/04/2025) tombe après la visio lecture du chapitre 1 (ligne {visio}, 08/04/2025) ; "
        "remettez les deux dates dans l'ordre de la démarche."
    ]


def _invoke(cfg: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(cfg), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, plain(result.output)


def test_a_data_folder_that_is_a_file_is_refused_by_check_and_generate(
    files: tuple[Path, Path],
) -> None:
    cfg, _ = files
    data = cfg.parent.parent / "data"
    data.write_text("pas un dossier", encoding="utf-8")
    message = (
        f"Erreur : Le dossier de données {data} (backend.data_dir) est un fichier, pas un "
        "dossier : indiquez un dossier dans la configuration, ou déplacez ce fichier.\n"
    )
    for command in ("check", "generate", "status", "sync"):
        assert _invoke(cfg, command) == (1, message)
    assert data.read_text(encoding="utf-8") == "pas un dossier"


def test_a_data_folder_that_cannot_be_created_is_refused_by_check(
    files: tuple[Path, Path],
) -> None:
    cfg, _ = files
    (cfg.parent.parent / "notes").write_text("x", encoding="utf-8")
    edit(cfg, "  data_dir: ../data\n", "  data_dir: ../notes/data\n")
    data = cfg.parent.parent / "notes" / "data"
    assert _invoke(cfg, "check") == (
        1,
        f"Erreur : Le dossier de données {data} (backend.data_dir) ne peut pas être créé : "
        f"{cfg.parent.parent / 'notes'} est un fichier, pas un dossier. Corrigez le chemin "
        "dans la configuration.\n",
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a 0o555 folder (see test_faults)")
def test_a_read_only_data_folder_is_refused_by_check(files: tuple[Path, Path]) -> None:
    cfg, _ = files
    data = cfg.parent.parent / "data"
    data.mkdir(mode=0o555)
    try:
        code, output = _invoke(cfg, "check")
    finally:
        data.chmod(0o755)
    assert (code, output) == (
        1,
        f"Erreur : Impossible d'écrire dans {data} : ce dossier est en lecture seule ou capsync "
        "n'a pas le droit d'y écrire. Donnez-lui ce droit (ou choisissez un autre dossier avec "
        "backend.data_dir dans la configuration), puis relancez la commande.\n",
    )


@pytest.mark.parametrize("folder", ["/proc/self", "/proc/capsync-donnees"])
def test_a_folder_nobody_may_write_to_is_refused_even_for_root(folder: str) -> None:
    """/proc refuses every write, root's included: the same answer as a read-only share."""
    path = Path(folder)
    with pytest.raises(DataFolderError) as caught:
        check_data_folder(path)
    assert str(caught.value) == (
        f"Impossible d'écrire dans {Path('/proc') if not path.exists() else path} : ce dossier "
        "est en lecture seule ou capsync n'a pas le droit d'y écrire. Donnez-lui ce droit (ou "
        "choisissez un autre dossier avec backend.data_dir dans la configuration), puis "
        "relancez la commande."
    )

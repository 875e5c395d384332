"""Each kind of pydantic error a configuration can raise has its French sentence: never
pydantic's English ``msg``, never a broken « valeur cette valeur inconnue »."""

from __future__ import annotations

import shutil
import typing
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pydantic_core import ErrorDetails, core_schema

from capsync.campaign.config import Config
from capsync.campaign.schema_messages import french
from capsync.cli import main

from .french_output import plain

ROOT = Path(__file__).resolve().parents[1]
TYPES = "AI, ACI, EI, ETTI, EBE, GES"


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    """A copy of the example configuration and its référentiels, laid out as in the repository."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "referentiel", tmp_path / "referentiel")
    return tmp_path / "config" / "capsync.yaml"


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first ``old`` by ``new``; the line (1-based) where it was."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def check(cfg: Path) -> Result:
    result = CliRunner().invoke(main, ["--config", str(cfg), "check"])
    assert "Traceback" not in result.output
    assert result.exit_code == 1, result.output
    return result


def problems(result: Result) -> list[str]:
    lines = plain(result.stderr).splitlines()
    n = len(lines) - 1
    assert lines[-1] == f"{n} problème{'s' if n > 1 else ''} à corriger."
    return lines[:-1]


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        ("date: 2025-03-04", "date: 20250611", "collectives[0].calendar[1].date",
         "« 20250611 » n'est pas une date ; écrivez-la AAAA-MM-JJ, par exemple 2025-04-08."),
        ("date: 2025-03-04", "date: 31/02/2025", "collectives[0].calendar[1].date",
         "« 31/02/2025 » n'est pas une date ; écrivez-la AAAA-MM-JJ, par exemple 2025-04-08."),
        ("date: 2025-03-04", "date: [2025-03-04]", "collectives[0].calendar[1].date",
         "une seule valeur est attendue ici, pas une liste."),
        ("type: EI", "type: [EI]", "collectives[0].structures[3].type",
         f"une seule valeur est attendue ici, pas une liste ; valeurs possibles : {TYPES}."),
        ("type: EI", "type: {EI: oui}", "collectives[0].structures[3].type",
         f"une seule valeur est attendue ici, pas un bloc de clés ; valeurs possibles : {TYPES}."),
        ("type: EI", "type: SIAE", "collectives[0].structures[3].type",
         f"valeur « SIAE » inconnue ; valeurs possibles : {TYPES}."),
        ("kind: webinaire", "kind: webinar", "collectives[0].calendar[0].kind",
         "valeur « webinar » inconnue ; valeurs possibles : "),
        ('time: "15:30"', 'time: "25:99"', "collectives[0].calendar[2].time",
         '« 25:99 » n\'est pas une heure ; écrivez-la entre guillemets, par exemple "15:30".'),
        ("  late_days: 14\n", "  late_days: 4.5\n", "settings.late_days",
         "« 4.5 » doit être un nombre entier."),
        ("  late_days: 14\n", "  late_days: [14]\n", "settings.late_days",
         "une seule valeur est attendue ici, pas une liste."),
        ("  late_days: 14\n", "  kit_days_before: 120\n  late_days: 14\n",
         "settings.kit_days_before", "« 120 » doit être inférieur ou égal à 90."),
        ("reminder_days: [14, 3]", "reminder_days: 14", "mail.reminder_days",
         "une liste est attendue ici (des lignes commençant par « - »)."),
        ("reminder_days: [14, 3]", "reminder_days: [14, -3]", "mail.reminder_days[1]",
         "« -3 » doit être supérieur ou égal à 0."),
        ("sender: cap-rse@coorace.example", "sender: cap-rse", "mail.sender",
         "« cap-rse » n'est pas une adresse e-mail valide (nom@domaine.fr)."),
        ("campaign: 2025-2026", f"campaign: {'a' * 41}", "campaign",
         f"« {'a' * 41} » est trop long : 40 caractères au plus."),
        ("        name: Trait d'Union 17\n", "        name: [Trait, Union]\n",
         "collectives[0].structures[0].name", "cette valeur doit être un texte."),
    ],
)  # fmt: skip
def test_a_mistake_of_the_configuration_in_french(
    cfg: Path, old: str, new: str, key: str, message: str
) -> None:
    line = edit(cfg, old, new)
    found = problems(check(cfg))
    assert len(found) == 1, found
    assert found[0].startswith(f"{cfg}:{line} [{key}] : {message}"), found[0]


def test_the_audits_two_examples_together(cfg: Path) -> None:
    """« valeur « 20250611 » refusée (Datetimes provided to dates…) » and « valeur cette
    valeur inconnue » were the audit's findings."""
    edit(cfg, "date: 2025-03-04", "date: 20250611")
    edit(cfg, "type: EI", "type: [EI]")
    text = check(cfg).output
    assert "Datetimes" not in text and "valeur cette valeur" not in text
    assert "should" not in text and "Input" not in text


ENGLISH = "Input should be English and never shown"


@pytest.mark.parametrize("kind", typing.get_args(core_schema.ErrorType))
@pytest.mark.parametrize("typed", ["xyz", 12, ["a"], {"a": 1}])
def test_no_kind_of_error_says_pydantics_english(kind: str, typed: object) -> None:
    error = typing.cast(
        ErrorDetails, {"type": kind, "loc": ("settings", "late_days"), "msg": ENGLISH,
                       "input": typed, "ctx": {}},
    )  # fmt: skip
    sentence = french(error, Config, ("settings", "late_days"))
    assert ENGLISH not in sentence and "English" not in sentence
    assert "valeur cette valeur" not in sentence and "de ." not in sentence
    assert "à ." not in sentence
    assert sentence.endswith((".", "?")), sentence


def test_an_unknown_kind_falls_back_to_a_french_sentence() -> None:
    error = typing.cast(
        ErrorDetails, {"type": "some_future_error", "loc": ("x",), "msg": ENGLISH, "input": "v"}
    )
    assert french(error, Config, ("x",)) == (
        "la valeur « v » ne convient pas à cette clé ; voyez docs/configuration.md."
    )

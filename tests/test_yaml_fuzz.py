"""Whatever is typed into the YAML files, ``capsync check`` answers in French, quickly.

Hypothesis mutates the example files the way hands do (a character lost or
added, a line doubled or moved, an indentation broken) and builds YAML of its
own (anchors and aliases, deep nesting, odd scalars). Every outcome must be
exit 0 or exit 1 with located French problems: no traceback, no hang.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capsync.cli import main

from .example_campaign import REPO
from .french_output import plain

CONFIG = (REPO / "config" / "capsync.yaml").read_text(encoding="utf-8")
REFERENTIEL = (REPO / "referentiel" / "cap-rse-exemple.yaml").read_text(encoding="utf-8")
NOISE = ":-&*[]{}\"'#|>!%@`\t\n ,?0123456789.éÀ«»"
PROBLEM = re.compile(r"^\S.*?(:\d+)?( \[[^\]]*\])? : .+")
LAST = re.compile(r"^\d+ problèmes? à corriger\.$")
SECONDS = 5.0  # one check of a mangled file; the 550-structure configuration takes 0.3 s


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """``text`` with a few edits a hurried person could make."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["char", "insert", "dup", "move", "indent", "cut"]))
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        if kind == "char" and line:
            j = draw(st.integers(0, len(line) - 1))
            lines[i] = line[:j] + line[j + 1 :]
        elif kind == "insert":
            j = draw(st.integers(0, len(line)))
            lines[i] = (
                line[:j] + draw(st.text(st.sampled_from(NOISE), min_size=1, max_size=3)) + line[j:]
            )
        elif kind == "dup":
            lines.insert(i, line)
        elif kind == "move":
            lines.insert(draw(st.integers(0, len(lines) - 1)), lines.pop(i))
        elif kind == "indent":
            lines[i] = " " * draw(st.integers(0, 9)) + line.lstrip()
        else:
            lines = lines[: i + 1]
    return "\n".join(lines)


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True),
    st.text(max_size=20), st.dates(),
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


def _check(folder: Path) -> None:
    started = time.monotonic()
    result = CliRunner().invoke(
        main, ["--config", str(folder / "config" / "capsync.yaml"), "check"]
    )
    assert time.monotonic() - started < SECONDS
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 1:
        lines = plain(result.stderr).rstrip("\n").split("\n")  # not splitlines: \x1e is no line end
        assert LAST.match(lines[-1]) or lines[-1].startswith("Erreur : "), lines
        for line in lines[:-1]:
            assert PROBLEM.match(line), line


def _lay_out(folder: Path, config: str, referentiel: str) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "config").mkdir(parents=True)
    (folder / "referentiel").mkdir()
    (folder / "config" / "capsync.yaml").write_text(config, encoding="utf-8")
    (folder / "referentiel" / "cap-rse-exemple.yaml").write_text(referentiel, encoding="utf-8")


FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# A failing mangled file is replayed with a repr of its two files (88 kB): Hypothesis warns
# about its size, and as an error that warning hid the failure itself (an IndexError once).
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")


@FUZZ
@given(config=mutated(CONFIG), referentiel=mutated(REFERENTIEL))
def test_mangled_example_files_get_french_problems(
    tmp_path: Path, config: str, referentiel: str
) -> None:
    _lay_out(tmp_path / "f", config, referentiel)
    _check(tmp_path / "f")


@FUZZ
@given(key=st.sampled_from(["settings", "backend", "collectives", "mail"]), value=VALUES)
def test_any_value_under_a_configuration_key_gets_french_problems(
    tmp_path: Path, key: str, value: object
) -> None:
    data = yaml.safe_load(CONFIG)
    data[key] = value
    _lay_out(tmp_path / "f", yaml.safe_dump(data, allow_unicode=True), REFERENTIEL)
    _check(tmp_path / "f")


@FUZZ
@given(depth=st.integers(1, 12), width=st.integers(1, 12))
def test_anchors_and_aliases_of_any_shape_are_bounded(
    tmp_path: Path, depth: int, width: int
) -> None:
    lines = ["a0: &a0 [x, y]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, depth)]
    _lay_out(tmp_path / "f", CONFIG + "\n" + "\n".join(lines) + "\n", REFERENTIEL)
    _check(tmp_path / "f")

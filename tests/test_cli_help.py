"""Every command, including those added later, documents itself with an example."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from capsync import __version__
from capsync.cli import main


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = [path]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


COMMANDS = _commands(main)


def test_known_commands_are_registered() -> None:
    assert {("check",), ("schema",), ("referentiel", "export")} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "capsync")
def test_help_has_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert re.search(r"Example:\n\s+capsync\b", result.output), result.output


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"capsync, version {__version__}\n"

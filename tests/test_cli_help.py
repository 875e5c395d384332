"""Every command, including those added later, documents itself with an example."""

from __future__ import annotations

import importlib
import pkgutil
import re

import click
import pytest
from click.testing import CliRunner

import capsync.cli
from capsync import __version__
from capsync.cli import COMMANDS, main


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = [path]
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


ALL = _commands(main)


def test_known_commands_are_registered() -> None:
    assert {("check",), ("schema",), ("referentiel", "export")} <= set(ALL)


def test_every_command_a_module_declares_is_in_the_table() -> None:
    """A command added to a module and forgotten in ``COMMANDS`` would never run."""
    declared = {}
    for info in pkgutil.iter_modules(capsync.cli.__path__):
        module = importlib.import_module(f"capsync.cli.{info.name}")
        declared |= {command.name: info.name for command in getattr(module, "commands", [])}
    assert declared == COMMANDS


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p) or "capsync")
def test_help_has_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert re.search(r"Example:\n\s+capsync\b", result.output), result.output


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"capsync, version {__version__}\n"

"""What every command shares: the loaded campaign, the translation of errors, and the one
way a command prints a French line (:func:`say`, typeset as French typography wants)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click

from capsync.campaign.validation import Campaign, load_campaign
from capsync.data_folder import check_data_folder
from capsync.errors import CapsyncError, ValidationFailed, data_folder_error, os_reason
from capsync.french import typeset

ERROR_PREFIX = "Erreur : "
"""Before every French error message, click's usage errors included (cli/usage_errors.py)."""


@dataclass
class CliState:
    config_path: str
    quiet: bool = False

    def campaign(self, *, writes: bool = True) -> Campaign:
        """The validated campaign, its data folder usable (a folder, writable, or creatable).

        ``writes=False`` for the commands that only read (``status``, ``history``): they
        work on a read-only share too."""
        campaign = load_campaign(Path(self.config_path))
        check_data_folder(campaign.data_dir, writes=writes)
        return campaign


def say(text: str, *, verbatim: str = "", err: bool = False) -> None:
    """Print one French line for a person (a summary, an anomaly, a problem): ``text`` with
    French typography (:func:`capsync.french.typeset`: no-break spaces before « : ; ! ? »
    and inside « »), then ``verbatim`` exactly as it is (a path, a value someone typed).

    Every French line a command prints goes through here, so none can be forgotten; the
    English ones (``--help``, logs, ``capsync schema``) do not.
    """
    click.echo(typeset(text) + verbatim, err=err)


def fail(message: str) -> NoReturn:
    """Print a French message on standard error and exit 1."""
    say(f"{ERROR_PREFIX}{message}", err=True)
    raise SystemExit(1)


def known_collective(campaign: Campaign, collective: str | None) -> None:
    """Exit 1 with the known ids when ``--collective`` names none of them."""
    known = [c.id for c in campaign.config.collectives]
    if collective is not None and collective not in known:
        fail(
            f"Collectif « {collective} » inconnu de la configuration ; "
            f"collectifs connus : {', '.join(known)}."
        )


def known_structure(campaign: Campaign, structure: str | None) -> None:
    """Exit 1 with the known ids when ``--structure`` names none of them."""
    known = [s.id for c in campaign.config.collectives for s in c.structures]
    if structure is not None and structure not in known:
        fail(
            f"Structure « {structure} » inconnue de la configuration ; "
            f"structures connues : {', '.join(known)}."
        )


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a user's mistake into a French message and exit code 1, never a traceback.

    Every command runs inside it (:class:`CapsyncGroup`). Library code translates
    what it meets into :class:`CapsyncError` (the store its ``sqlite3`` errors);
    an ``OSError`` that still reaches this edge is translated here with the file
    it names.
    """
    try:
        yield
    except ValidationFailed as exc:
        for problem in exc.problems:  # one line each, even for a key typed with a line break
            say(str(problem).replace("\r", "\\r").replace("\n", "\\n"), err=True)
        n = len(exc.problems)
        say(f"{n} problème{'s' if n > 1 else ''} à corriger.", err=True)
        raise SystemExit(1) from None
    except CapsyncError as exc:
        fail(str(exc))
    except BrokenPipeError:
        raise  # `capsync … | head`: click ends quietly
    except OSError as exc:
        if not isinstance(exc.filename, str):
            fail(
                f"opération refusée par le système ({os_reason(exc)}) : vérifiez le dossier de "
                "données et la place sur le disque, puis relancez la commande."
            )
        fail(str(data_folder_error(exc, Path(exc.filename))))


class CapsyncGroup(click.Group):
    """A command group whose every command, nested or added later, runs in :func:`user_errors`."""

    def invoke(self, ctx: click.Context) -> Any:
        with user_errors():
            return super().invoke(ctx)


pass_state = click.make_pass_decorator(CliState)

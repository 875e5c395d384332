"""What every command shares: the loaded campaign and the translation of errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from capsync.campaign.validation import Campaign, load_campaign
from capsync.errors import CapsyncError, ValidationFailed, data_folder_error


@dataclass
class CliState:
    config_path: str
    quiet: bool = False

    def campaign(self) -> Campaign:
        return load_campaign(Path(self.config_path))


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a user's mistake into a message and exit code 1, never a traceback.

    Every command runs inside it (:class:`CapsyncGroup`). Library code translates
    what it meets into :class:`CapsyncError` (the store its ``sqlite3`` errors);
    an ``OSError`` that still reaches this edge is translated here with the file
    it names.
    """
    try:
        yield
    except ValidationFailed as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        n = len(exc.problems)
        click.echo(f"{n} problème{'s' if n > 1 else ''} à corriger.", err=True)
        raise SystemExit(1) from None
    except CapsyncError as exc:
        raise click.ClickException(str(exc)) from None
    except BrokenPipeError:
        raise  # `capsync … | head`: click ends quietly
    except OSError as exc:
        if not isinstance(exc.filename, str):
            raise click.ClickException(
                f"Erreur du système ({exc.strerror or exc}) : vérifiez le dossier de données "
                "et la place sur le disque, puis relancez la commande."
            ) from None
        raise click.ClickException(str(data_folder_error(exc, Path(exc.filename)))) from None


class CapsyncGroup(click.Group):
    """A command group whose every command, nested or added later, runs in :func:`user_errors`."""

    def invoke(self, ctx: click.Context) -> Any:
        with user_errors():
            return super().invoke(ctx)


pass_state = click.make_pass_decorator(CliState)

"""What every command shares: the loaded campaign and the translation of errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from capsync.campaign.validation import Campaign, load_campaign
from capsync.errors import CapsyncError, ValidationFailed

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CliState:
    config_path: str
    quiet: bool = False

    def campaign(self) -> Campaign:
        return load_campaign(Path(self.config_path))


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a user's mistake into a message and exit code 1, never a traceback."""
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


def handles_user_errors(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with user_errors():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


pass_state = click.make_pass_decorator(CliState)

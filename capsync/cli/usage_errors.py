"""Click's usage errors as French sentences and exit code 1, as every admin's mistake is.

Click writes its usage errors in English with exit code 2 (« Error: Missing option
'--chapitre'. »). The top-level group (:class:`capsync.cli.LazyGroup`) runs its parsing
and its commands inside :func:`french_usage_errors`, which turns each of them into a
:class:`FrenchUsageError`: the usage line, « Essayez « capsync … --help » … » and
« Erreur : … » in French, exit code 1. Each sentence is made from what the error holds
(the option, its choices, the path and what the file system says of it), never from
click's English text, so a newer click's wording cannot leak through. ``--help``, its
texts and ``--version`` stay as they are: English, by the project's choice.

The value an admin typed is not kept by click's :class:`click.BadParameter`: it is found
again by parsing the command line once more (saved by the group under :data:`ARGV`),
or read from the environment variable it came from.
"""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import IO, Any, ClassVar

import click
from click.core import ParameterSource

from capsync.cli.common import ERROR_PREFIX, say

logger = logging.getLogger(__name__)

ARGV = "capsync.argv"
"""Key of ``ctx.meta`` under which the top-level group keeps the arguments it parsed."""

UNCLEAR = "cette commande n'est pas écrite comme elle l'attend : voyez son aide (--help)."
INTERRUPTED = "Interrompu : la commande s'est arrêtée avant la fin."


class FrenchUsageError(click.ClickException):
    """A usage error told in French: usage line, where to find help, the mistake; exit 1."""

    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, ctx: click.Context | None = None) -> None:
        super().__init__(message)
        self.ctx = ctx

    def show(self, file: IO[Any] | None = None) -> None:
        if self.ctx is not None:
            pieces = " ".join(self.ctx.command.collect_usage_pieces(self.ctx))
            say(f"Usage : {self.ctx.command_path} {pieces}".rstrip(), err=True)
            say(f"Essayez « {self.ctx.command_path} --help » pour l'aide.", err=True)
        say(f"{ERROR_PREFIX}{self.message}", err=True)


class Interrupted(click.ClickException):
    """Ctrl-C (or the end of the input) during a command: one French line, exit 1."""

    exit_code: ClassVar[int] = 1

    def __init__(self) -> None:
        super().__init__(INTERRUPTED)

    def show(self, file: IO[Any] | None = None) -> None:
        say("", err=True)  # closes the terminal's « ^C »
        say(self.message, err=True)


@contextmanager
def french_usage_errors(ctx: click.Context) -> Iterator[None]:
    """Let click's usage errors (and Ctrl-C) out of ``ctx``'s parsing or invocation only as
    French ones, exit code 1."""
    try:
        yield
    except (FrenchUsageError, Interrupted):
        raise
    except (click.UsageError, click.FileError) as exc:
        raise _french(exc, ctx) from None
    except (click.Abort, KeyboardInterrupt, EOFError):
        raise Interrupted() from None


def _french(exc: click.ClickException, ctx: click.Context) -> FrenchUsageError:
    where: click.Context = getattr(exc, "ctx", None) or ctx
    try:
        # The parser's own errors (an option without its value) do not say their command.
        where = getattr(exc, "ctx", None) or _deepest(ctx)
        return FrenchUsageError(sentence(exc, where), where)
    except Exception:  # an admin's typo must never end in a traceback: say less, in French
        logger.debug("usage error not translated: %r", exc, exc_info=True)
        return FrenchUsageError(UNCLEAR, where)


def sentence(exc: click.ClickException, ctx: click.Context | None) -> str:
    """The French sentence for one of click's errors met in ``ctx``, from its attributes."""
    if isinstance(exc, click.FileError):
        problem = _path_problem(exc.filename)
        return f"impossible d'ouvrir le fichier « {exc.filename} »" + (
            f", qui {problem}." if problem else "."
        )
    if isinstance(exc, click.MissingParameter):
        return _missing(exc.param, exc.param_hint)
    if isinstance(exc, click.BadParameter):
        return _bad_value(exc.param, ctx)
    if isinstance(exc, click.NoSuchOption):
        return _unknown_option(exc.option_name, exc.possibilities, ctx)
    if isinstance(exc, click.BadOptionUsage):
        return _option_usage(exc.option_name, ctx)
    if ctx is not None and isinstance(ctx.command, click.Group):
        return _group_usage(ctx)
    extra = _leftover(ctx) if ctx is not None else []
    if extra:
        plural = "s" if len(extra) > 1 else ""
        return f"argument{plural} en trop : {' '.join(extra)}."
    return UNCLEAR


def _label(param: click.Parameter | None) -> str:
    """« l'option --config », « l'argument FILES »."""
    if isinstance(param, click.Option):
        return f"l'option {max(param.opts, key=len)}"
    if param is not None:
        return f"l'argument {param.human_readable_name}"
    return "un paramètre"


def _choices(kind: click.ParamType[Any]) -> str:
    if not isinstance(kind, click.Choice):
        return ""
    shown = (c.value if isinstance(c, Enum) else c for c in kind.choices)
    return f" ; valeurs possibles : {', '.join(str(c) for c in shown)}"


def _envvars(param: click.Parameter) -> list[str]:
    names = param.envvar if isinstance(param, click.Option) else None
    if names is None:
        return []
    return [names] if isinstance(names, str) else list(names)


def _missing(param: click.Parameter | None, hint: Any) -> str:
    if param is None:
        return f"il manque un paramètre obligatoire ({hint or 'voyez --help'})."
    envvars = _envvars(param)
    env = f" (ou la variable d'environnement {envvars[0]})" if envvars else ""
    return f"il manque {_label(param)}{env}, obligatoire ici{_choices(param.type)}."


def _bad_value(param: click.Parameter | None, ctx: click.Context | None) -> str:
    if param is None or ctx is None:
        return "une valeur donnée n'est pas acceptée : voyez l'aide de la commande (--help)."
    value = _typed(param, ctx)
    source = ctx.get_parameter_source(param.name) if param.name else None
    given = f"pour {_label(param)}"
    envvars = [name for name in _envvars(param) if name in os.environ]
    if source is ParameterSource.ENVIRONMENT and envvars:
        given += f" par la variable d'environnement {envvars[0]}"
    if value is None:
        return f"la valeur donnée {given} n'est pas acceptée{_choices(param.type)}."
    return f"« {value} », donné {given}, {_why(param.type, value)}."


def _why(kind: click.ParamType[Any], value: str) -> str:
    """What is wrong with ``value`` for a parameter of type ``kind``, after « x, donné … , »."""
    if isinstance(kind, click.Choice):
        return f"n'est pas une valeur possible{_choices(kind)}"
    if isinstance(kind, click.Path | click.File):
        problem = _path_problem(value, kind if isinstance(kind, click.Path) else None)
        return problem or "n'est pas accepté ici"
    if isinstance(kind, click.IntRange | click.FloatRange):
        number = "un nombre entier" if isinstance(kind, click.IntRange) else "un nombre"
        return f"doit être {number}{_bounds(kind)}"
    if isinstance(kind, click.types.IntParamType):
        return "doit être un nombre entier (par exemple 3)"
    if isinstance(kind, click.types.FloatParamType):
        return "doit être un nombre (par exemple 2.5)"
    if isinstance(kind, click.types.BoolParamType):
        return "doit valoir true ou false"
    if isinstance(kind, click.DateTime):
        return f"n'est pas une date ; formats possibles : {', '.join(kind.formats)}"
    return "n'est pas accepté : voyez l'aide de la commande (--help)"


def _bounds(kind: click.IntRange | click.FloatRange) -> str:
    low = ("supérieur à" if kind.min_open else "supérieur ou égal à", kind.min)
    high = ("inférieur à" if kind.max_open else "inférieur ou égal à", kind.max)
    said = [f"{words} {bound}" for words, bound in (low, high) if bound is not None]
    return f", {' et '.join(said)}" if said else ""


def _path_problem(value: str, kind: click.Path | None = None) -> str | None:
    """« n'existe pas », « est un dossier ; indiquez un fichier », … (None: nothing seen)."""
    file_okay, dir_okay = (kind.file_okay, kind.dir_okay) if kind else (True, False)
    path = Path(value)
    try:
        if not path.exists():
            return "n'existe pas"
        if path.is_dir() and not dir_okay:
            return "est un dossier ; indiquez un fichier"
        if not path.is_dir() and not file_okay:
            return "n'est pas un dossier ; indiquez un dossier"
    except (OSError, ValueError):
        return "est inaccessible ou mal écrit"
    wanted = [(os.R_OK, "lu"), (os.W_OK, "modifié"), (os.X_OK, "exécuté")]
    asked = (kind.readable, kind.writable, kind.executable) if kind else (True, False, False)
    for (mode, verb), needed in zip(wanted, asked, strict=True):
        if needed and not os.access(path, mode):
            return f"ne peut pas être {verb} (droits insuffisants)"
    return None


def _unknown_option(name: str, close: Sequence[str] | None, ctx: click.Context | None) -> str:
    said = f"option « {name} » inconnue"
    if close:
        return f"{said}. Vouliez-vous dire {' ou '.join(f'« {c} »' for c in close)} ?"
    known = _options(ctx)
    return f"{said} ; options possibles : {', '.join(known)}." if known else f"{said}."


def _options(ctx: click.Context | None) -> list[str]:
    if ctx is None:
        return []
    params = ctx.command.get_params(ctx)
    return [max(p.opts, key=len) for p in params if isinstance(p, click.Option) and p.opts]


def _option_usage(name: str, ctx: click.Context | None) -> str:
    params = ctx.command.get_params(ctx) if ctx is not None else []
    found = [p for p in params if isinstance(p, click.Option) and name in p.opts + p.secondary_opts]
    if found and (found[0].is_flag or found[0].count):
        return f"l'option {name} ne prend pas de valeur (écrivez-la seule)."
    if found and found[0].nargs > 1:
        return f"l'option {name} attend {found[0].nargs} valeurs."
    if found and isinstance(found[0].type, click.Choice):
        return f"l'option {name} attend une valeur{_choices(found[0].type)}."
    return f"l'option {name} attend une valeur (par exemple {name} VALEUR)."


def _group_usage(ctx: click.Context) -> str:
    """A group given no command, or one it does not know."""
    assert isinstance(ctx.command, click.Group)
    known = ctx.command.list_commands(ctx)
    rest = _leftover(ctx)
    if not rest:
        return f"indiquez une commande ; commandes possibles : {', '.join(known)}."
    close = difflib.get_close_matches(rest[0], known, n=2)
    said = f"commande « {rest[0]} » inconnue"
    if close:
        return f"{said}. Vouliez-vous dire {' ou '.join(f'« {c} »' for c in close)} ?"
    return f"{said} ; commandes possibles : {', '.join(known)}."


def _deepest(ctx: click.Context) -> click.Context:
    """The context of the command the command line reaches from ``ctx`` (made for messages:
    its usage line and its options), when an error of click's parser does not say it."""
    current, tokens = ctx, _tokens(ctx)
    while tokens is not None and isinstance(current.command, click.Group):
        try:
            _, rest, _ = current.command.make_parser(current).parse_args(list(tokens))
        except click.UsageError:
            break  # the error is this group's own
        command = current.command.get_command(current, str(rest[0])) if rest else None
        if command is None:
            break
        settings = command.context_settings
        current = command.context_class(command, parent=current, info_name=str(rest[0]), **settings)
        tokens = [str(t) for t in rest[1:]]
    return current


def _tokens(ctx: click.Context) -> list[str] | None:
    """The arguments ``ctx``'s command was given, found again from the whole command line."""
    chain = [ctx]
    while chain[-1].parent is not None:
        chain.append(chain[-1].parent)
    chain.reverse()
    tokens = chain[0].meta.get(ARGV)
    if not isinstance(tokens, list):
        return None
    try:
        for parent in chain[:-1]:
            _, rest, _ = parent.command.make_parser(parent).parse_args(list(tokens))
            tokens = rest[1:]  # rest[0] names the next command
    except click.UsageError:
        return None
    return [str(t) for t in tokens]


def _parsed(ctx: click.Context) -> tuple[dict[str, Any], list[str]]:
    """What ``ctx``'s command line parses into: the values by name, and the leftovers."""
    tokens = _tokens(ctx)
    if tokens is None:
        return {}, []
    try:
        opts, rest, _ = ctx.command.make_parser(ctx).parse_args(tokens)
    except click.UsageError:
        return {}, []
    return dict(opts), [str(t) for t in rest]


def _leftover(ctx: click.Context) -> list[str]:
    return _parsed(ctx)[1]


def _typed(param: click.Parameter, ctx: click.Context) -> str | None:
    """The value the admin gave ``param`` that its type refused, as typed."""
    source = ctx.get_parameter_source(param.name) if param.name else None
    if source is ParameterSource.ENVIRONMENT:
        raw: Any = param.resolve_envvar_value(ctx)
        if raw is not None and param.nargs != 1:
            raw = param.type.split_envvar_value(raw)
    elif source is ParameterSource.COMMANDLINE:
        raw = _parsed(ctx)[0].get(str(param.name))
    else:
        return None
    items = list(raw) if isinstance(raw, list | tuple) else [raw]
    for item in items:  # several values: the one the type refuses
        if isinstance(item, list | tuple):
            continue
        try:
            param.type.convert(item, param, ctx)
        except click.BadParameter:
            return str(item)
    return str(items[0]) if len(items) == 1 and items[0] is not None else None

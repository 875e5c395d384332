"""Pydantic's schema errors as French sentences a COORACE admin can act on.

Kept apart from :mod:`capsync.campaign.validation` (which loads the files and
runs the cross-checks) because the translation is a table of its own: one
sentence per kind of pydantic error, with the allowed keys or values when the
model knows them.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from enum import Enum
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from capsync.campaign.yaml_source import PathKey


def _unwrap(annotation: Any) -> Any:
    """Strip Optional, list[...] and dict[..., X] down to the item type."""
    while True:
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin in (list, tuple, set) and args:
            annotation = args[0]
        elif origin is dict and args:
            annotation = args[-1]
        elif origin in (typing.Union, types.UnionType) and args:
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            annotation = models[0] if models else args[0]
        elif origin is typing.Annotated:
            annotation = args[0]
        else:
            return annotation


def _model_at(model: type[BaseModel], loc: PathKey) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping found at ``loc``."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int) or current is None:
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        current = field.annotation
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _choices(model: type[BaseModel], loc: PathKey) -> str:
    """« (valeurs possibles : a, b, c) » when the field at ``loc`` is an enumeration."""
    parent = _model_at(model, loc[:-1])
    field = parent.model_fields.get(str(loc[-1])) if parent and loc else None
    kind = _unwrap(field.annotation) if field else None
    if isinstance(kind, type) and issubclass(kind, Enum):
        return f" (valeurs possibles : {', '.join(str(m.value) for m in kind)})"
    return ""


_DATE_ERRORS = {
    "date_type",
    "date_parsing",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",  # an unquoted 20250611: a number of seconds, not a date
}
_NUMBER_ERRORS = {
    "int_parsing",
    "int_type",
    "float_parsing",
    "float_type",
    "decimal_type",
    "decimal_parsing",
    "complex_type",
    "complex_str_parsing",
    "fraction_type",
    "fraction_parsing",
}
_BOUNDS = {
    "greater_than": "supérieur à",
    "greater_than_equal": "supérieur ou égal à",
    "less_than": "inférieur à",
    "less_than_equal": "inférieur ou égal à",
}
_LISTS = {"list_type", "tuple_type", "set_type", "frozen_set_type", "deque_type", "iterable_type"}
_BLOCKS = {
    "model_type",
    "dict_type",
    "model_attributes_type",
    "mapping_type",
    "dataclass_type",
    "dataclass_exact_type",
    "frozen_dict_type",
    "ordered_dict_type",
}
_CHOICES = {"enum", "literal_error", "union_tag_invalid"}
NOT_A_DATE = "{} n'est pas une date ; écrivez-la AAAA-MM-JJ, par exemple 2025-04-08."

_FIXED = {
    "date_past": "{} doit être une date passée.",
    "date_future": "{} doit être une date à venir.",
    "datetime_past": "{} doit être une date passée.",
    "datetime_future": "{} doit être une date à venir.",
    "int_parsing_size": "{} est un nombre trop grand.",
    "finite_number": "{} doit être un nombre fini (par exemple 1 ou 2.5).",
    "int_from_float": "{} doit être un nombre entier.",
    "bool_parsing": "{} doit valoir true ou false.",
    "bool_type": "{} doit valoir true ou false.",
    "none_required": "cette clé doit rester vide.",
    "string_unicode": "{} contient des caractères illisibles ; réécrivez ce texte.",
    "string_not_ascii": "{} doit s'écrire sans accent ni caractère spécial.",
    "uuid_type": "{} n'est pas un identifiant UUID.",
    "uuid_parsing": "{} n'est pas un identifiant UUID.",
    "uuid_version": "{} n'est pas un identifiant UUID de la version attendue.",
    "union_tag_not_found": "ce bloc ne dit pas de quelle sorte il est (une clé manque).",
    "recursion_loop": "cette valeur se contient elle-même (un alias YAML en boucle).",
    "recursion_depth_exceeded": "cette valeur est imbriquée trop profondément.",
    "invalid_key": "{} ne peut pas servir de clé ici.",
    "set_item_not_hashable": "cette liste contient une valeur qui ne peut pas y figurer.",
    "bytes_type": "{} doit être un texte.",
    "bytes_invalid_encoding": "{} n'est pas un texte lisible.",
}
"""Sentences that need no more than the value: « {} » is where it goes."""

REFUSED = "la valeur {} ne convient pas à cette clé ; voyez docs/configuration.md."
"""What an error of a kind this table does not know says: French still, never pydantic's."""


def french(
    error: ErrorDetails, model: type[BaseModel], loc: PathKey, written: str | None = None
) -> str:
    """Translate one pydantic error into a sentence a COORACE admin can act on.

    ``written`` is the value as typed when YAML read it as something else: an
    unquoted ``2025.10`` is the number 2025.1, and the message must show 2025.10.
    Every kind of error gets a French sentence of its own; one this module does not
    know gets :data:`REFUSED`, never pydantic's English ``msg``.
    """
    kind = error["type"]
    value = error.get("input") if written is None else written
    typed = error.get("input")
    shown = f"« {value} »" if not isinstance(value, dict | list) else "cette valeur"
    if kind == "missing":
        return f"la clé « {loc[-1]} » est obligatoire et manque ici{_choices(model, loc)}."
    if kind == "extra_forbidden":
        return _unknown_key(model, loc)
    if kind in _CHOICES:
        return _not_a_choice(error, model, loc, shown)
    if isinstance(typed, dict | list) and _wants_one_value(kind):
        what = "une liste" if isinstance(typed, list) else "un bloc de clés"
        return f"une seule valeur est attendue ici, pas {what}."
    if kind in _DATE_ERRORS or (kind == "value_error" and _says(error, "not a date")):
        return NOT_A_DATE.format(shown)
    if kind in _FIXED:
        return _FIXED[kind].format(shown)
    return _by_family(error, kind, shown, value, loc)


def _says(error: ErrorDetails, words: str) -> bool:
    return words in str(error.get("msg", "")).lower()


def _wants_one_value(kind: str) -> bool:
    """Whether an error of ``kind`` means one value (a date, a number…) was expected."""
    families = ("date", "time", "int", "float", "bool", "url", "uuid", "decimal", "timezone")
    return kind.startswith(families)


def _unknown_key(model: type[BaseModel], loc: PathKey) -> str:
    key = str(loc[-1])
    parent = _model_at(model, loc[:-1])
    allowed = list(parent.model_fields) if parent else []
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5)
    hint = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
    listed = f" Clés possibles : {', '.join(allowed)}." if allowed and not close else ""
    return f"clé inconnue « {key} » (sans doute une faute de frappe).{hint}{listed}"


def _not_a_choice(error: ErrorDetails, model: type[BaseModel], loc: PathKey, shown: str) -> str:
    """An enumeration's, a ``Literal``'s or a tagged union's value that is none of its own."""
    ctx = error.get("ctx") or {}
    listed = re.findall(r"'([^']*)'", str(ctx.get("expected", "") or ctx.get("expected_tags", "")))
    known = _choices(model, loc).removeprefix(" (valeurs possibles : ").removesuffix(")")
    expected = known or ", ".join(listed)
    choices = f" ; valeurs possibles : {expected}" if expected else ""
    typed = error.get("input")
    if isinstance(typed, list):
        return f"une seule valeur est attendue ici, pas une liste{choices}."
    if isinstance(typed, dict):
        return f"une seule valeur est attendue ici, pas un bloc de clés{choices}."
    return f"valeur {shown} inconnue{choices}."


def _by_family(error: ErrorDetails, kind: str, shown: str, value: Any, loc: PathKey) -> str:
    """The sentences that depend on more than the value: the error's limits, the key."""
    ctx = error.get("ctx") or {}
    if kind.startswith(("time_delta", "timedelta")):
        return f"{shown} n'est pas une durée."
    if kind.startswith("datetime"):
        return f"{shown} n'est pas une date et heure ; écrivez-la AAAA-MM-JJ HH:MM."
    if kind.startswith("timezone"):
        return f"{shown} : écrivez l'heure sans fuseau horaire (heure de Paris)."
    if kind.startswith("time"):
        return f'{shown} n\'est pas une heure ; écrivez-la entre guillemets, par exemple "15:30".'
    if kind == "value_error" and _says(error, "email"):
        return f"{shown} n'est pas une adresse e-mail valide (nom@domaine.fr)."
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        if least in (None, 0, 1):
            return "cette valeur ne doit pas être vide."
        return f"{shown} est trop court : au moins {least} caractères."
    if kind == "string_too_long":
        return f"{shown} est trop long : {ctx.get('max_length', '?')} caractères au plus."
    if kind == "string_pattern_mismatch":
        return _pattern(shown, loc)
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        if least in (None, 0, 1):
            return "cette liste ne doit pas être vide."
        return f"cette liste doit compter au moins {least} éléments."
    if kind == "too_long":
        return f"cette liste est trop longue : {ctx.get('max_length', '?')} éléments au plus."
    if kind in _NUMBER_ERRORS:
        return f"{shown} doit être un nombre."
    if kind == "multiple_of" and "multiple_of" in ctx:
        return f"{shown} doit être un multiple de {_number(ctx['multiple_of'])}."
    if kind in _LISTS:
        return "une liste est attendue ici (des lignes commençant par « - »)."
    if kind in _BLOCKS:
        return "un bloc de clés est attendu ici (clé: valeur)."
    if kind in ("string_type", "str_type"):
        typed = error.get("input")
        if isinstance(typed, int | float) and not isinstance(typed, bool):
            return f'{shown} doit être un texte ; mettez-le entre guillemets ("{value}").'
        return f"{shown} doit être un texte."
    if kind.startswith("url"):
        return f"{shown} n'est pas une adresse web valide (https://…)."
    if kind in _BOUNDS and ctx:
        return f"{shown} doit être {_BOUNDS[kind]} {_number(next(iter(ctx.values())))}."
    if kind in _BOUNDS:
        return f"{shown} est en dehors des limites permises pour cette clé."
    if isinstance(value, dict | list):
        return "cette valeur ne convient pas à cette clé ; voyez docs/configuration.md."
    return REFUSED.format(shown)


def _pattern(shown: str, loc: PathKey) -> str:
    if loc and loc[-1] == "password_env":  # maybe a password typed here: never repeated
        return (
            "attend le NOM d'une variable d'environnement (majuscules, chiffres et « _ », par "
            "exemple CAPSYNC_SMTP_PASSWORD), pas le mot de passe : mettez le mot de passe dans "
            "cette variable, jamais dans ce fichier."
        )
    if loc and loc[-1] == "campaign":
        return (
            f"campagne {shown} invalide : lettres sans accent, chiffres, « - », « _ » ou « . », "
            "sans espace ni « / » (par exemple « 2025-2026 »)."
        )
    return (
        f"identifiant {shown} invalide : utilisez des minuscules sans accent, "
        "des chiffres, « - » ou « _ » (par exemple « atelier-du-lac »)."
    )


def _number(bound: Any) -> Any:
    """« 0 », not « 0.0 »."""
    return int(bound) if isinstance(bound, float) and bound.is_integer() else bound

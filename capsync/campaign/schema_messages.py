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


_DATE_ERRORS = {"date_parsing", "date_type", "date_from_datetime_parsing"}
_NUMBER_ERRORS = {"int_parsing", "int_type", "float_parsing", "float_type", "int_from_float"}
_BOUNDS = {
    "greater_than": "supérieur à",
    "greater_than_equal": "supérieur ou égal à",
    "less_than": "inférieur à",
    "less_than_equal": "inférieur ou égal à",
}
NOT_A_DATE = "{} n'est pas une date ; écrivez-la AAAA-MM-JJ, par exemple 2025-04-08."


def french(
    error: ErrorDetails, model: type[BaseModel], loc: PathKey, written: str | None = None
) -> str:
    """Translate one pydantic error into a sentence a COORACE admin can act on.

    ``written`` is the value as typed when YAML read it as something else: an
    unquoted ``2025.10`` is the number 2025.1, and the message must show 2025.10.
    """
    kind = error["type"]
    value = error.get("input") if written is None else written
    ctx = error.get("ctx") or {}
    shown = f"« {value} »" if not isinstance(value, dict | list) else "cette valeur"
    if kind == "missing":
        return f"la clé « {loc[-1]} » est obligatoire et manque ici{_choices(model, loc)}."
    if kind == "extra_forbidden":
        key = str(loc[-1])
        parent = _model_at(model, loc[:-1])
        allowed = list(parent.model_fields) if parent else []
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5)
        hint = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
        listed = f" Clés possibles : {', '.join(allowed)}." if allowed and not close else ""
        return f"clé inconnue « {key} » (sans doute une faute de frappe).{hint}{listed}"
    if kind == "enum":
        expected = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return f"valeur {shown} inconnue ; valeurs possibles : {expected}."
    if kind in _DATE_ERRORS or (kind == "value_error" and "not a date" in error["msg"]):
        return NOT_A_DATE.format(shown)
    if kind.startswith("time"):
        return f'{shown} n\'est pas une heure ; écrivez-la entre guillemets, par exemple "15:30".'
    if kind == "value_error" and "email" in error["msg"].lower():
        return f"{shown} n'est pas une adresse e-mail valide (nom@domaine.fr)."
    if kind == "string_too_short":
        return "cette valeur ne doit pas être vide."
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "campaign":
        return (
            f"campagne {shown} invalide : lettres sans accent, chiffres, « - », « _ » ou « . », "
            "sans espace ni « / » (par exemple « 2025-2026 »)."
        )
    if kind == "string_pattern_mismatch":
        return (
            f"identifiant {shown} invalide : utilisez des minuscules sans accent, "
            "des chiffres, « - » ou « _ » (par exemple « atelier-du-lac »)."
        )
    if kind == "too_short":
        return "cette liste ne doit pas être vide."
    if kind == "int_from_float":
        return f"{shown} doit être un nombre entier."
    if kind == "finite_number":
        return f"{shown} doit être un nombre fini (par exemple 1 ou 2.5)."
    if kind in _NUMBER_ERRORS:
        return f"{shown} doit être un nombre."
    if kind in ("bool_parsing", "bool_type"):
        return f"{shown} doit valoir true ou false."
    if kind == "list_type":
        return "une liste est attendue ici (des lignes commençant par « - »)."
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "un bloc de clés est attendu ici (clé: valeur)."
    if kind in ("string_type", "str_type"):
        typed = error.get("input")
        if isinstance(typed, int | float) and not isinstance(typed, bool):
            return f'{shown} doit être un texte ; mettez-le entre guillemets ("{value}").'
        return f"{shown} doit être un texte."
    if kind.startswith("url"):
        return f"{shown} n'est pas une adresse web valide (https://…)."
    if kind in _BOUNDS:
        bound = next(iter(ctx.values()), "")
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)  # « supérieur à 0 », not « 0.0 »
        return f"{shown} doit être {_BOUNDS[kind]} {bound}."
    return f"valeur {shown} refusée ({error['msg']})."

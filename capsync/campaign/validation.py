"""Load the configuration and the référentiel together and report every mistake at once.

People at COORACE write these YAML files by hand; a run that stops at the first
error makes them fix one typo per attempt. So schema errors (pydantic) and
cross-file checks (duplicate IDs, unknown chapters, missing level descriptions)
are all collected, each located by file, line and key, in French.

The cross-checks read the raw YAML data rather than the models, so they still
run when the schema check failed somewhere else in the file.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from capsync.campaign.config import Config
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.yaml_source import PathKey, YamlSource, load_yaml
from capsync.errors import Problem, ValidationFailed

ModelT = TypeVar("ModelT", bound=BaseModel)

DEFAULT_CONFIG = Path("config/capsync.yaml")


@dataclass(frozen=True)
class Campaign:
    """A validated configuration with its référentiel, and where they came from."""

    config: Config
    referentiel: Referentiel
    config_path: Path
    referentiel_path: Path

    @property
    def data_dir(self) -> Path:
        return (self.config_path.parent / self.config.backend.data_dir).resolve()


# --- locating -------------------------------------------------------------------------------


def _key_text(loc: PathKey) -> str:
    """``collectives[0].structures[2].id``: the key as a person reads it."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _at(source: YamlSource, loc: PathKey, message: str) -> Problem:
    return Problem(source.path, source.line_of(loc), _key_text(loc), message)


def _list(value: Any) -> list[Any]:
    """The value if it is a YAML list; anything else was already reported by the schema."""
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# --- schema errors in French ----------------------------------------------------------------


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


def _french(error: ErrorDetails, model: type[BaseModel], loc: PathKey) -> str:
    """Translate one pydantic error into a sentence a COORACE admin can act on."""
    kind = error["type"]
    value = error.get("input")
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
    if kind == "string_pattern_mismatch":
        return (
            f"identifiant {shown} invalide : utilisez des minuscules sans accent, "
            "des chiffres, « - » ou « _ » (par exemple « atelier-du-lac »)."
        )
    if kind == "too_short":
        return "cette liste ne doit pas être vide."
    if kind in _NUMBER_ERRORS:
        return f"{shown} doit être un nombre."
    if kind in ("bool_parsing", "bool_type"):
        return f"{shown} doit valoir true ou false."
    if kind == "list_type":
        return "une liste est attendue ici (des lignes commençant par « - »)."
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "un bloc de clés est attendu ici (clé: valeur)."
    if kind in ("string_type", "str_type"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f'{shown} doit être un texte ; mettez-le entre guillemets ("{value}").'
        return f"{shown} doit être un texte."
    if kind.startswith("url"):
        return f"{shown} n'est pas une adresse web valide (https://…)."
    if kind in _BOUNDS:
        return f"{shown} doit être {_BOUNDS[kind]} {next(iter(ctx.values()), '')}."
    return f"valeur {shown} refusée ({error['msg']})."


def _is_union_tag(part: Any) -> bool:
    """Pydantic inserts tags such as 'function-after[...]' or '[key]' into locations."""
    return isinstance(part, str) and "[" in part


def _schema_problems(
    source: YamlSource, model: type[ModelT]
) -> tuple[ModelT | None, list[Problem]]:
    """Validate ``source`` against ``model``; the model instance or the located problems."""
    if source.data is None:
        return None, [Problem(source.path, None, "", "le fichier est vide.")]
    if not isinstance(source.data, dict):
        msg = (
            "le fichier doit contenir des clés (clé: valeur) au premier niveau, "
            "pas une liste ni un texte seul."
        )
        return None, [Problem(source.path, 1, "", msg)]
    problems = [
        Problem(
            source.path,
            line,
            _key_text(loc),
            f"la clé « {loc[-1]} » est écrite deux fois dans ce bloc (déjà ligne {first}) ; "
            "supprimez l'une des deux.",
        )
        for loc, first, line in source.duplicate_keys
    ]
    try:
        return model.model_validate(source.data), problems
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not _is_union_tag(p))
            message = _french(error, model, loc)
            if error["loc"] and error["loc"][-1] == "[key]":
                message = f"la clé {message}"
            problems.append(Problem(source.path, source.line_of(loc), _key_text(loc), message))
        return None, problems


# --- référentiel cross-checks ---------------------------------------------------------------


def _prefixed(child: str, parent: str) -> bool:
    """``2.1.3`` belongs to ``2.1``; ``2.10`` does not."""
    return (
        child.startswith(parent) and len(child) > len(parent) and not child[len(parent)].isalnum()
    )


def _duplicate_ids(
    source: YamlSource, items: Sequence[tuple[PathKey, str]], what: str
) -> Iterator[Problem]:
    """One problem per repetition of an ID, pointing at the first use."""
    first: dict[str, PathKey] = {}
    for loc, value in items:
        if value in first:
            line = source.line_of(first[value])
            yield _at(source, loc, f"identifiant {what} « {value} » en double (déjà ligne {line}).")
        else:
            first[value] = loc


def _referentiel_problems(source: YamlSource, ref: dict[str, Any]) -> Iterator[Problem]:
    """Cross-checks on the raw référentiel data, so they run even when the schema failed."""
    raw_levels = _dict(ref.get("scale")).get("levels")
    values = (
        [lv.get("value") for lv in raw_levels if isinstance(lv, dict)]
        if isinstance(raw_levels, list)
        else [0, 1, 2, 3, 4]
    )
    values = [v for v in values if isinstance(v, int)]
    known = ", ".join(str(v) for v in values)
    services = {
        _text(s.get("id")) for s in _list(ref.get("offre_de_services")) if isinstance(s, dict)
    }
    chapter_ids: list[tuple[PathKey, str]] = []
    objective_ids: list[tuple[PathKey, str]] = []
    criterion_ids: list[tuple[PathKey, str]] = []

    def unknown_services(loc: PathKey, ids: Any) -> Iterator[Problem]:
        for si, sid in enumerate(_list(ids)):
            if _text(sid) not in services:
                message = f"ressource « {sid} » absente de l'offre_de_services."
                yield _at(source, (*loc, "services", si), message)

    for ci, chapter in enumerate(_list(ref.get("chapters"))):
        if not isinstance(chapter, dict):
            continue
        chid = _text(chapter.get("id"))
        chapter_ids.append((("chapters", ci, "id"), chid))
        for oi, objective in enumerate(_list(chapter.get("objectives"))):
            if not isinstance(objective, dict):
                continue
            oloc: PathKey = ("chapters", ci, "objectives", oi)
            oid = _text(objective.get("id"))
            objective_ids.append(((*oloc, "id"), oid))
            if oid and chid and not _prefixed(oid, chid):
                message = (
                    f"l'identifiant « {oid} » devrait commencer par "
                    f"l'identifiant de son chapitre « {chid} »."
                )
                yield _at(source, (*oloc, "id"), message)
            yield from unknown_services(oloc, objective.get("services"))
            for ki, crit in enumerate(_list(objective.get("criteria"))):
                if not isinstance(crit, dict):
                    continue
                loc: PathKey = (*oloc, "criteria", ki)
                cid = _text(crit.get("id"))
                criterion_ids.append(((*loc, "id"), cid))
                # A criterion's ID is its identity across versions (answers move by it),
                # so a criterion moved to another objective keeps it: no prefix check.
                levels = crit.get("levels")
                if isinstance(levels, dict):
                    by_value = {_text(k): text for k, text in levels.items()}
                    for value in values:
                        text = by_value.get(str(value))
                        if not (isinstance(text, str) and text.strip()):
                            message = (
                                f"le niveau {value} du critère « {cid} » n'a pas de description."
                            )
                            yield _at(source, (*loc, "levels"), message)
                    for key in levels:
                        if _text(key) not in {str(v) for v in values}:
                            message = (
                                f"le niveau {key} n'existe pas dans l'échelle "
                                f"(niveaux : {known}) ; supprimez-le ou ajoutez-le à scale.levels."
                            )
                            yield _at(source, (*loc, "levels", key), message)
                yield from unknown_services(loc, crit.get("services"))
    yield from _duplicate_ids(source, chapter_ids, "de chapitre")
    yield from _duplicate_ids(source, objective_ids, "d'objectif")
    yield from _duplicate_ids(source, criterion_ids, "de critère")
    service_ids = [
        (("offre_de_services", i, "id"), _text(s.get("id")))
        for i, s in enumerate(_list(ref.get("offre_de_services")))
        if isinstance(s, dict)
    ]
    yield from _duplicate_ids(source, service_ids, "de ressource")
    for dup in sorted({v for v in values if values.count(v) > 1}):
        message = f"la valeur de niveau {dup} apparaît deux fois dans l'échelle."
        yield _at(source, ("scale", "levels"), message)


# --- configuration cross-checks -------------------------------------------------------------


def _config_problems(
    source: YamlSource, cfg: dict[str, Any], chapter_ids: set[str] | None
) -> Iterator[Problem]:
    """Duplicate IDs, pairs from unknown structures, phases of unknown or repeated chapters."""
    collectives = [
        (ci, c) for ci, c in enumerate(_list(cfg.get("collectives"))) if isinstance(c, dict)
    ]
    structures = [
        (("collectives", ci, "structures", si), s)
        for ci, coll in collectives
        for si, s in enumerate(_list(coll.get("structures")))
        if isinstance(s, dict)
    ]
    yield from _duplicate_ids(
        source,
        [(("collectives", ci, "id"), _text(c.get("id"))) for ci, c in collectives],
        "de collectif",
    )
    yield from _duplicate_ids(
        source,
        [((*loc, "id"), _text(s.get("id"))) for loc, s in structures if "id" in s],
        "de structure",
    )
    known_structures = {_text(s.get("id")) for _, s in structures}
    for loc, structure in structures:
        pair = structure.get("pair")
        if isinstance(pair, dict) and pair.get("structure") is not None:
            name = _text(pair["structure"])
            if name not in known_structures:
                close = difflib.get_close_matches(name, sorted(known_structures), n=1, cutoff=0.6)
                hint = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
                message = (
                    f"la structure « {name} » du pair n'existe pas dans la configuration "
                    f"(indiquez l'identifiant d'une structure, pas son nom).{hint}"
                )
                yield _at(source, (*loc, "pair", "structure"), message)
    for ci, coll in collectives:
        seen: dict[tuple[str, str], PathKey] = {}
        for pi, phase in enumerate(_list(coll.get("calendar"))):
            if not isinstance(phase, dict) or phase.get("chapter") is None:
                continue
            loc = ("collectives", ci, "calendar", pi)
            chapter = _text(phase["chapter"])
            if chapter_ids is not None and chapter not in chapter_ids:
                message = (
                    f"le chapitre « {chapter} » n'existe pas dans le référentiel "
                    f"(chapitres : {', '.join(sorted(chapter_ids))})."
                )
                yield _at(source, (*loc, "chapter"), message)
            kind = _text(phase.get("kind"))
            if (kind, chapter) in seen:
                line = source.line_of(seen[(kind, chapter)])
                message = (
                    f"deux phases « {kind} » pour le chapitre « {chapter} » dans ce collectif "
                    f"(déjà ligne {line}) ; supprimez ou corrigez l'une des deux."
                )
                yield _at(source, loc, message)
            else:
                seen[(kind, chapter)] = loc


# --- loading --------------------------------------------------------------------------------


def load_referentiel(path: Path) -> Referentiel:
    """Load one référentiel file alone (``capsync referentiel export``)."""
    source = load_yaml(Path(path))
    ref, problems = _schema_problems(source, Referentiel)
    if isinstance(source.data, dict):
        problems += list(_referentiel_problems(source, source.data))
    if problems or ref is None:
        raise ValidationFailed(_sorted(problems))
    return ref


def _sorted(problems: list[Problem]) -> list[Problem]:
    """File by file in the order met, then line by line: the order a person fixes them."""
    files = list(dict.fromkeys(p.file for p in problems))
    return sorted(problems, key=lambda p: (files.index(p.file), p.line or 0))


def _load_config_source(config_path: Path) -> YamlSource:
    try:
        return load_yaml(config_path)
    except ValidationFailed as exc:
        if config_path.exists():
            raise
        message = (
            f"fichier de configuration introuvable (dossier courant : {Path.cwd()}) ; "
            "indiquez son chemin avec --config ou la variable CAPSYNC_CONFIG."
        )
        raise ValidationFailed([Problem(config_path, None, "", message)]) from exc


def referentiel_path(config_path: Path) -> Path:
    """The référentiel file a configuration names, without validating either file.

    For commands that need only the référentiel (export, schema): a mistake
    elsewhere in the configuration must not block them.
    """
    config_path = Path(config_path)
    source = _load_config_source(config_path)
    value = _dict(source.data).get("referentiel")
    if not isinstance(value, str) or not value:
        message = "la clé « referentiel » (chemin du fichier référentiel) est obligatoire."
        raise ValidationFailed(
            [Problem(config_path, source.line_of(("referentiel",)), "", message)]
        )
    return Path(os.path.normpath(config_path.parent / value))


def load_campaign(config_path: Path = DEFAULT_CONFIG) -> Campaign:
    """Load and cross-check the configuration and its référentiel; raise every problem at once."""
    config_path = Path(config_path)
    config_source = _load_config_source(config_path)
    config, problems = _schema_problems(config_source, Config)
    raw_cfg = _dict(config_source.data)

    ref_value = raw_cfg.get("referentiel")
    ref: Referentiel | None = None
    ref_path = (
        Path(os.path.normpath(config_path.parent / ref_value))
        if isinstance(ref_value, str) and ref_value
        else None
    )
    chapter_ids: set[str] | None = None
    if ref_path is not None:
        try:
            ref_source = load_yaml(ref_path)
        except ValidationFailed as exc:
            for p in exc.problems:
                if p.line is None and not ref_path.is_file():
                    p = Problem(
                        config_path,
                        config_source.line_of(("referentiel",)),
                        "referentiel",
                        f"fichier référentiel introuvable : {ref_path.resolve()} ; "
                        "un chemin relatif part du dossier du fichier de configuration.",
                    )
                problems.append(p)
        else:
            ref, found = _schema_problems(ref_source, Referentiel)
            problems += found
            if isinstance(ref_source.data, dict):
                problems += list(_referentiel_problems(ref_source, ref_source.data))
                chapter_ids = {
                    _text(c.get("id"))
                    for c in _list(ref_source.data.get("chapters"))
                    if isinstance(c, dict)
                }
    problems += list(_config_problems(config_source, raw_cfg, chapter_ids))
    if problems or config is None or ref is None or ref_path is None:
        raise ValidationFailed(_sorted(problems))
    return Campaign(
        config=config,
        referentiel=ref,
        config_path=config_path.resolve(),
        referentiel_path=ref_path.resolve(),
    )

"""Load the configuration and the référentiel together and report every mistake at once.

People at COORACE write these YAML files by hand; a run that stops at the first
error makes them fix one typo per attempt. So schema errors (pydantic) and
cross-file checks (duplicate IDs, unknown chapters, missing level descriptions)
are all collected, each located by file, line and key, in French.

The cross-checks read the raw YAML data rather than the models, so they still
run when the schema check failed somewhere else in the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from capsync.campaign.coherence import calendar_coherence, referentiel_coherence
from capsync.campaign.config import NETWORK_ID, Config
from capsync.campaign.decisions import Decisions
from capsync.campaign.decisions import problems as decision_problems
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.review_checks import pair_problems
from capsync.campaign.schema_messages import french
from capsync.campaign.yaml_source import PathKey, YamlSource, key_text, load_yaml
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
    decisions: Decisions = field(default_factory=Decisions)  # config's ``decisions`` file

    @property
    def data_dir(self) -> Path:
        return (self.config_path.parent / self.config.backend.data_dir).resolve()


# --- locating -------------------------------------------------------------------------------


def _key_text(loc: PathKey) -> str:
    """``collectives[0].structures[2].id``: the key as a person reads it, on one line."""
    return key_text(loc)


def _at(source: YamlSource, loc: PathKey, message: str) -> Problem:
    return Problem(source.path, source.line_of(loc), _key_text(loc), message)


def _list(value: Any) -> list[Any]:
    """The value if it is a YAML list; anything else was already reported by the schema."""
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


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
            message = french(error, model, loc, source.written.get(loc))
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
    known = {_text(s.get("id")) for _, s in structures}
    for loc, structure in structures:
        for mi, member in enumerate(_list(structure.get("members"))):
            if _text(member) not in known or _text(member) == _text(structure.get("id")):
                message = (
                    f"la structure membre « {member} » n'est pas une autre structure "
                    "de la configuration."
                )
                yield _at(source, (*loc, "members", mi), message)
    for ci, coll in collectives:
        if _text(coll.get("id")) == NETWORK_ID:
            message = (
                f"l'identifiant « {NETWORK_ID} » est réservé à la vue réseau "
                "(capsync reseau) ; choisissez-en un autre pour ce collectif."
            )
            yield _at(source, ("collectives", ci, "id"), message)
    yield from _duplicate_ids(
        source,
        [((*loc, "id"), _text(s.get("id"))) for loc, s in structures if "id" in s],
        "de structure",
    )
    yield from pair_problems(structures, chapter_ids, lambda loc, msg: _at(source, loc, msg))
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
        problems += list(referentiel_coherence(source, source.data))
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
                problems += list(referentiel_coherence(ref_source, ref_source.data))
                chapter_ids = {
                    _text(c.get("id"))
                    for c in _list(ref_source.data.get("chapters"))
                    if isinstance(c, dict)
                }
    problems += list(_config_problems(config_source, raw_cfg, chapter_ids))
    problems += list(calendar_coherence(config_source, raw_cfg))
    decisions, found = _load_decisions(config_path, config_source, ref, cross=not problems)
    problems += found
    if problems or config is None or ref is None or ref_path is None:
        raise ValidationFailed(_sorted(problems))
    return Campaign(
        config=config,
        referentiel=ref,
        config_path=config_path.resolve(),
        referentiel_path=ref_path.resolve(),
        decisions=decisions or Decisions(),
    )


def _load_decisions(
    config_path: Path, config_source: YamlSource, ref: Referentiel | None, cross: bool
) -> tuple[Decisions | None, list[Problem]]:
    """The délégué·e·s' decisions file the configuration names (none: no decision yet).

    Its own mistakes are always listed; whether its structures and services exist is
    checked only once the configuration and the référentiel are valid (``cross``), so
    that one renamed structure is not reported again in every decision about it.
    """
    raw_cfg = _dict(config_source.data)
    value = raw_cfg.get("decisions")
    if not isinstance(value, str) or not value:
        return None, []
    path = Path(os.path.normpath(config_path.parent / value))
    if not path.is_file():
        message = (
            f"fichier de décisions introuvable : {path.resolve()} ; "
            "un chemin relatif part du dossier du fichier de configuration."
        )
        return None, [
            Problem(config_path, config_source.line_of(("decisions",)), "decisions", message)
        ]
    source = load_yaml(path)
    if source.data is None:  # an empty file: no decision yet
        return Decisions(), []
    decisions, problems = _schema_problems(source, Decisions)
    if not cross or ref is None:
        return decisions, problems
    structures = {
        _text(s.get("id"))
        for c in _list(raw_cfg.get("collectives"))
        if isinstance(c, dict)
        for s in _list(c.get("structures"))
        if isinstance(s, dict)
    }
    services = set(ref.services)
    problems += decision_problems(
        source.data, structures, services, lambda loc, msg: _at(source, loc, msg)
    )
    return decisions, problems

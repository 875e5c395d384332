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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from capsync.campaign.coherence import calendar_coherence, referentiel_coherence
from capsync.campaign.config import NETWORK_ID, Config
from capsync.campaign.decisions import Decisions
from capsync.campaign.decisions import problems as decision_problems
from capsync.campaign.group_checks import member_problems
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.referentiel_checks import duplicate_ids, referentiel_problems
from capsync.campaign.referentiel_choice import (
    Referentiels,
    collective_referentiels,
    services_of_another_referentiel,
)
from capsync.campaign.review_checks import pair_problems
from capsync.campaign.schema_messages import french
from capsync.campaign.yaml_source import PathKey, YamlSource, key_text, load_yaml
from capsync.campaign.yaml_source import as_dict as _dict
from capsync.campaign.yaml_source import as_list as _list
from capsync.campaign.yaml_source import as_text as _text
from capsync.campaign.yaml_source import problem_at as _at
from capsync.errors import Problem, ValidationFailed

ModelT = TypeVar("ModelT", bound=BaseModel)

DEFAULT_CONFIG = Path("config/capsync.yaml")


@dataclass(frozen=True)
class Campaign:
    """A validated configuration with its référentiels, and where they came from.

    ``referentiel`` is the default one (the configuration's ``referentiel`` key); a
    collectif may name another (``referentiels``). Code that works collectif by
    collectif takes :meth:`for_collective`, a view whose ``referentiel`` is that
    collectif's, so it never needs to know there are several.
    """

    config: Config
    referentiel: Referentiel
    config_path: Path
    referentiel_path: Path
    decisions: Decisions = field(default_factory=Decisions)  # config's ``decisions`` file
    referentiels: Mapping[str, Referentiel] = field(default_factory=dict, compare=False)
    referentiel_paths: Mapping[str, Path] = field(default_factory=dict, compare=False)
    default_referentiel: str = ""  # the ID of the configuration's ``referentiel``

    @property
    def data_dir(self) -> Path:
        return (self.config_path.parent / self.config.backend.data_dir).resolve()

    def referentiel_for(self, collective_id: str) -> Referentiel:
        """The référentiel a collectif's structures assess themselves against."""
        wanted = next(
            (c.referentiel for c in self.config.collectives if c.id == collective_id), None
        )
        rid = wanted or self.default_referentiel or self.referentiel.id
        return self.referentiels.get(rid, self.referentiel)

    def for_collective(self, collective_id: str) -> Campaign:
        """This campaign as one collectif sees it: ``referentiel`` is that collectif's."""
        ref = self.referentiel_for(collective_id)
        if ref is self.referentiel:
            return self
        path = self.referentiel_paths.get(ref.id, self.referentiel_path)
        return replace(self, referentiel=ref, referentiel_path=path)

    def all_referentiels(self) -> dict[str, Referentiel]:
        """Every référentiel of the configuration by ID, the default first."""
        return dict(self.referentiels) or {self.referentiel.id: self.referentiel}

    def in_use(self) -> list[Referentiel]:
        """The référentiels some collectif follows, the default first, each once."""
        used = {self.referentiel_for(c.id).id for c in self.config.collectives}
        return [ref for rid, ref in self.all_referentiels().items() if rid in used]


# --- locating -------------------------------------------------------------------------------


def _key_text(loc: PathKey) -> str:
    """``collectives[0].structures[2].id``: the key as a person reads it, on one line."""
    return key_text(loc)


def _data_location(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """``loc`` without the tags pydantic inserts (such as 'function-after[...]' or '[key]').

    A part is a tag when it holds « [ » and is not a key of the data at that point: a key
    an admin typed with a bracket (« i[d ») is kept, or its message would name nothing.
    """
    kept: list[Any] = []
    node: Any = data
    for part in loc:
        listed = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if listed or (isinstance(node, dict) and part in node):
            node = node[part]
        elif isinstance(part, str) and "[" in part:
            continue
        else:
            node = None  # past the data: a key that is missing, say
        kept.append(part)
    return tuple(kept)


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
            loc = _data_location(source.data, tuple(error["loc"]))
            message = french(error, model, loc, source.written.get(loc))
            if error["loc"] and error["loc"][-1] == "[key]":
                message = f"la clé {message}"
            problems.append(Problem(source.path, source.line_of(loc), _key_text(loc), message))
        return None, problems


# --- configuration cross-checks -------------------------------------------------------------


def _config_problems(
    source: YamlSource, cfg: dict[str, Any], chapters: list[set[str] | None]
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
    yield from duplicate_ids(
        source,
        [(("collectives", ci, "id"), _text(c.get("id"))) for ci, c in collectives],
        "de collectif",
    )
    yield from member_problems(structures, source.line_of, lambda loc, m: _at(source, loc, m))
    for ci, coll in collectives:
        if _text(coll.get("id")) == NETWORK_ID:
            message = (
                f"l'identifiant « {NETWORK_ID} » est réservé à la vue réseau "
                "(capsync reseau) ; choisissez-en un autre pour ce collectif."
            )
            yield _at(source, ("collectives", ci, "id"), message)
    yield from duplicate_ids(
        source,
        [((*loc, "id"), _text(s.get("id"))) for loc, s in structures if "id" in s],
        "de structure",
    )
    yield from pair_problems(
        structures, lambda loc: chapters[int(loc[1])], lambda loc, msg: _at(source, loc, msg)
    )
    for ci, coll in collectives:
        seen: dict[tuple[str, str], PathKey] = {}
        for pi, phase in enumerate(_list(coll.get("calendar"))):
            if not isinstance(phase, dict) or phase.get("chapter") is None:
                continue
            loc = ("collectives", ci, "calendar", pi)
            chapter = _text(phase["chapter"])
            chapter_ids = chapters[ci]
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
        problems += list(referentiel_problems(source, source.data))
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
    """Load and cross-check the configuration and its référentiels; raise every problem at once."""
    config_path = Path(config_path)
    config_source = _load_config_source(config_path)
    config, problems = _schema_problems(config_source, Config)
    raw_cfg = _dict(config_source.data)
    loaded = _load_referentiels(config_path, config_source)
    problems += loaded.problems
    problems += list(collective_referentiels(config_source, raw_cfg, loaded))
    problems += list(_config_problems(config_source, raw_cfg, loaded.chapters_of(raw_cfg)))
    problems += list(calendar_coherence(config_source, raw_cfg))
    default = loaded.refs.get(loaded.default_id or "")
    decisions, found = _load_decisions(config_path, config_source, loaded, cross=not problems)
    problems += found
    if problems or config is None or default is None or loaded.default_id is None:
        raise ValidationFailed(_sorted(problems))
    return Campaign(
        config=config,
        referentiel=default,
        config_path=config_path.resolve(),
        referentiel_path=loaded.paths[loaded.default_id].resolve(),
        decisions=decisions or Decisions(),
        referentiels=dict(loaded.refs),
        referentiel_paths={rid: path.resolve() for rid, path in loaded.paths.items()},
        default_referentiel=loaded.default_id,
    )


def _load_referentiels(config_path: Path, config_source: YamlSource) -> Referentiels:
    """The default référentiel (``referentiel``) and the others (``referentiels``)."""
    raw_cfg = _dict(config_source.data)
    entries: list[tuple[PathKey, Any]] = [(("referentiel",), raw_cfg.get("referentiel"))]
    entries += [(("referentiels", i), v) for i, v in enumerate(_list(raw_cfg.get("referentiels")))]
    loaded = Referentiels()
    first: dict[str, PathKey] = {}
    for loc, value in entries:
        if not isinstance(value, str) or not value:
            continue  # the schema says what is missing
        path = Path(os.path.normpath(config_path.parent / value))
        rid, chapters = _load_one_referentiel(config_path, config_source, loc, path, loaded)
        if rid is None:
            loaded.unreadable = True
            continue
        if loc == ("referentiel",):
            loaded.default_id = rid
        if rid in first:
            message = (
                f"le référentiel « {rid} » est déjà chargé (ligne "
                f"{config_source.line_of(first[rid])}) ; deux fichiers ne peuvent pas porter "
                "le même identifiant (clé id du référentiel)."
            )
            loaded.problems.append(_at(config_source, loc, message))
            continue
        first[rid] = loc
        loaded.paths[rid] = path
        loaded.chapters[rid] = chapters
    return loaded


def _load_one_referentiel(
    config_path: Path, config_source: YamlSource, loc: PathKey, path: Path, into: Referentiels
) -> tuple[str | None, set[str]]:
    """Read and check one référentiel file; its ID (None: unreadable) and chapter IDs."""
    try:
        source = load_yaml(path)
    except ValidationFailed as exc:
        for p in exc.problems:
            if p.line is None and not path.is_file():
                p = Problem(
                    config_path,
                    config_source.line_of(loc),
                    _key_text(loc),
                    f"fichier référentiel introuvable : {path.resolve()} ; "
                    "un chemin relatif part du dossier du fichier de configuration.",
                )
            into.problems.append(p)
        return None, set()
    ref, found = _schema_problems(source, Referentiel)
    into.problems.extend(found)
    if not isinstance(source.data, dict):
        return None, set()
    into.problems.extend(referentiel_problems(source, source.data))
    into.problems.extend(referentiel_coherence(source, source.data))
    rid = _text(source.data.get("id"))
    if ref is not None and rid not in into.refs:
        into.refs[rid] = ref
    chapters = {
        _text(c.get("id")) for c in _list(source.data.get("chapters")) if isinstance(c, dict)
    }
    return rid, chapters


def _load_decisions(
    config_path: Path, config_source: YamlSource, loaded: Referentiels, cross: bool
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
    if not cross or not loaded.refs:
        return decisions, problems
    structures = {
        _text(s.get("id"))
        for c in _list(raw_cfg.get("collectives"))
        if isinstance(c, dict)
        for s in _list(c.get("structures"))
        if isinstance(s, dict)
    }
    services = {sid for ref in loaded.refs.values() for sid in ref.services}
    problems += decision_problems(
        source.data, structures, services, lambda loc, msg: _at(source, loc, msg)
    )
    problems += list(services_of_another_referentiel(source, raw_cfg, loaded))
    return decisions, problems

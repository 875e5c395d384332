"""Read a YAML file and remember the line of every key.

Validation messages must name the line a person has to fix; PyYAML's node
tree knows it, the plain ``safe_load`` result does not, so both are kept.
Mistakes PyYAML would hide or crash on are turned into located problems too:
a key written twice (PyYAML silently keeps the last one) and an impossible
date such as 2025-13-45 (PyYAML raises a bare ValueError).

A hand-written file can also hurt: a few hundred bytes of nested aliases
(« billion laughs ») expand to millions of values, and a file nested thousands
of levels deep exhausts the parser. So the node tree is measured before any
value is built: its size with every alias expanded, its depth and the file's
size are bounded, and a file over a bound is refused with the line to look at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from capsync.campaign.yaml_cache import recall, remember
from capsync.collector import gc_paused
from capsync.errors import Problem, ValidationFailed

PathKey = tuple[str | int, ...]

MAX_BYTES = 5_000_000
"""A 550-structure configuration is about 150 kB; five megabytes is a mistake."""
MAX_NODES = 1_000_000
"""Values once aliases are expanded: the 550-structure configuration has about 27 000, the
4 400-structure one (a network of networks) about 220 000."""
MAX_DEPTH = 40
"""Nesting levels: the référentiel uses 8; a deeper file is a mistake or an attack."""


# libyaml's parser when PyYAML was built with it: 10× faster on a 550-structure config.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that keeps an impossible date as text, for validation to report."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _shown(part: str) -> str:
    """A key as it can be printed on one line: a line break typed in a key shows as \\n."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in part)


def key_text(loc: PathKey) -> str:
    """``collectives[0].structures[2].id``: the key as a person reads it, on one line."""
    text = ""
    for part in loc:
        shown = _shown(str(part))
        text += f"[{part}]" if isinstance(part, int) else (f".{shown}" if text else shown)
    return text


@dataclass
class YamlSource:
    """The data of one YAML file and the line (1-based) where each path starts.

    Lines are needed only to report a problem, and finding them walks every node
    of the file again: on a 550-structure configuration that is a fifth of its
    loading. So the text is kept and the lines are found the first time a problem
    asks for one; a valid file never pays for them (see :attr:`lines`).
    """

    path: Path
    data: Any
    text: str = ""
    """The text loaded, parsed again for :attr:`lines` and :attr:`written` when asked."""
    duplicate_keys: list[tuple[PathKey, int, int]] = field(default_factory=list)
    """(path of the repeated key, line of its first occurrence, line of the repetition)."""
    _located: _Located | None = field(default=None, repr=False, compare=False)

    @property
    def lines(self) -> dict[PathKey, int]:
        """The line where each path starts."""
        return self._locate().lines

    @property
    def written(self) -> dict[PathKey, str]:
        """The text of each scalar that YAML did not read as text (``2025.10`` became 2025.1)."""
        return self._locate().written

    def _locate(self) -> _Located:
        if self._located is None:
            self._located = _located(self.text, self.data)
        return self._located

    def problem(self, loc: PathKey, message: str) -> Problem:
        """A mistake at ``loc``, located by line and key."""
        return Problem(self.path, self.line_of(loc), key_text(loc), message)

    def line_of(self, loc: PathKey) -> int | None:
        """The line of ``loc`` or of its closest parent that has one."""
        lines = self.lines
        loc = tuple(loc)
        while loc:
            if loc in lines:
                return lines[loc]
            loc = loc[:-1]
        return lines.get((), None)


@dataclass
class _Located:
    """Where each path of a file starts, what its non-text scalars looked like, and the keys
    written twice: what :func:`_walk` finds in the node tree."""

    lines: dict[PathKey, int] = field(default_factory=dict)
    written: dict[PathKey, str] = field(default_factory=dict)
    duplicate_keys: list[tuple[PathKey, int, int]] = field(default_factory=list)


def _located(text: str, data: Any) -> _Located:
    """The positions in ``text``, already loaded once as ``data`` (so measured and safe).

    The document is constructed again, not only composed: constructing merges
    « << » keys into their mappings, and the positions must be those of the tree
    the data came from.
    """
    located = _Located()
    loader = _Loader(text)
    try:
        with gc_paused():
            node = loader.get_single_node()
            if node is not None:
                loader.construct_document(node)
                _walk(node, data, (), located)
    finally:
        loader.dispose()
    return located


def _walk(node: yaml.Node, data: Any, path: PathKey, source: _Located) -> None:
    source.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode) and not isinstance(data, str):
        source.written[path] = str(node.value)
    if isinstance(node, yaml.MappingNode) and isinstance(data, dict):
        for key_node, value_node in node.value:
            key = key_node.value
            if key not in data:  # keys like 0/1 are ints once constructed
                key = next((k for k in data if str(k) == key), key)
            line = key_node.start_mark.line + 1
            if (*path, key) in source.lines:
                source.duplicate_keys.append(((*path, key), source.lines[(*path, key)], line))
                continue
            source.lines[(*path, key)] = line
            if key in data:
                _walk(value_node, data[key], (*path, key), source)
    elif isinstance(node, yaml.SequenceNode) and isinstance(data, list):
        for index, (item_node, item) in enumerate(zip(node.value, data, strict=False)):
            source.lines[(*path, index)] = item_node.start_mark.line + 1
            _walk(item_node, item, (*path, index), source)


_DEEP = f"blocs imbriqués sur plus de {MAX_DEPTH} niveaux ; vérifiez l'indentation et les crochets."
_NODES_TEXT = f"{MAX_NODES:,}".replace(",", "\u202f")  # 1 000 000, French style

_SYNTAX_HINTS = (
    (
        "mapping values are not allowed",
        "« : » inattendu ; mettez entre guillemets un texte qui contient « : »",
    ),
    (
        "cannot start any token",
        "caractère interdit en début de valeur (tabulation, « @ », « ` ») ; "
        "indentez avec des espaces et mettez le texte entre guillemets",
    ),
    ("could not find expected ':'", "« : » manquant après une clé, ou guillemet non refermé"),
    ("expected <block end>", "indentation incohérente ; alignez les clés d'un même bloc"),
    ("did not find expected key", "indentation incohérente ; alignez les clés d'un même bloc"),
    ("found unexpected end of stream", "guillemet ou crochet non refermé"),
    ("expected ',' or ']'", "crochet « [ » non refermé ou virgule manquante"),
    ("expected ',' or '}'", "accolade « { » non refermée ou virgule manquante"),
    ("found duplicate anchor", "ancre « & » définie deux fois"),
    ("found undefined alias", "alias « * » sans ancre « & » correspondante"),
    (
        "did not find expected node content",
        "valeur attendue et absente (crochet « [ » ou accolade « { » non refermé, ou virgule "
        "en trop)",
    ),
    ("found unknown escape character", "« \\ » inconnu entre guillemets doubles ; doublez-le"),
    ("exceeded maximum nesting depth", _DEEP.rstrip(".")),
)


def _explain(problem: str) -> str:
    """PyYAML's English diagnosis, in French with what to do when we know it."""
    for needle, french in _SYNTAX_HINTS:
        if needle in problem:
            return french
    # PyYAML's wording is English: not shown as is; the line and column say where
    return "syntaxe incomprise à cet endroit ; vérifiez l'indentation et les guillemets"


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _measure(root: yaml.Node) -> tuple[str, yaml.Node] | None:
    """Why the tree is too big to build (and where), or None.

    An alias is the very node of its anchor, so the composed tree is a graph
    whose nodes are shared; sizes and depths are memoised per node, so a bomb
    that would expand to billions of values is measured in as many steps as it
    has nodes. A node met again while its own children are measured is an
    alias to itself.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if size[key] > MAX_NODES:
                return "expanded", node
            if depth[key] > MAX_DEPTH:
                return "deep", node
            continue
        if key in size:
            continue
        if key in depth:  # entered and not finished: the node contains itself
            return "recursive", node
        depth[key] = -1
        stack.append((node, True))
        for kid in _children(node):
            if isinstance(kid, yaml.ScalarNode):  # most nodes: a leaf, measured at once
                size[id(kid)] = depth[id(kid)] = 1
            elif id(kid) not in size:
                stack.append((kid, False))
    return None


def _too_deep(root: yaml.Node) -> yaml.Node | None:
    """The first node nested deeper than :data:`MAX_DEPTH`, in a tree without aliases.

    Without an anchor « & » no node is shared, so the tree is as big as the text
    (bounded by :data:`MAX_BYTES`) and only its depth needs a bound: a walk over
    its blocks, five times fewer than its nodes, instead of :func:`_measure`.
    """
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return node
        for kid in _children(node):
            if not isinstance(kid, yaml.ScalarNode):
                stack.append((kid, depth + 1))
            elif depth == MAX_DEPTH:  # a value one level below the last allowed
                return kid
    return None


def _bounds(root: yaml.Node, *, aliased: bool) -> tuple[str, yaml.Node] | None:
    """Why the tree is too big to build (and where), or None; ``aliased``: the text has an
    anchor, so nodes may be shared and the whole graph is measured."""
    if aliased:
        return _measure(root)
    deep = _too_deep(root)
    return ("deep", deep) if deep is not None else None


def _repeats_a_key(root: yaml.Node) -> bool:
    """Whether a mapping of the (constructed, so merged) tree has a key written twice: only
    then are the positions needed at once, to report it."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys = [k.value if isinstance(k, yaml.ScalarNode) else id(k) for k, _ in node.value]
            if len(set(keys)) != len(keys):
                return True
        stack.extend(k for k in _children(node) if not isinstance(k, yaml.ScalarNode))
    return False


_TOO_BIG = {
    "expanded": (
        f"une fois ses alias « * » développés, le fichier compterait plus de {_NODES_TEXT} "
        "valeurs (ancres « & » imbriquées) ; écrivez les valeurs sans alias."
    ),
    "deep": _DEEP,
    "recursive": "un alias « * » renvoie à son propre bloc ; supprimez cet alias.",
}


def _load_text(path: Path) -> str:
    """The file's text; a file that cannot be read as UTF-8 YAML becomes a Problem."""
    try:
        if path.stat().st_size > MAX_BYTES:
            msg = (
                f"fichier trop gros ({path.stat().st_size // 1_000_000} Mo ; au plus "
                f"{MAX_BYTES // 1_000_000} Mo) : ce n'est sans doute pas le bon fichier."
            )
            raise ValidationFailed([Problem(path, None, "", msg)])
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ValidationFailed([Problem(path, None, "", "fichier introuvable.")]) from exc
    except IsADirectoryError as exc:
        msg = "c'est un dossier, pas un fichier YAML."
        raise ValidationFailed([Problem(path, None, "", msg)]) from exc
    except PermissionError as exc:
        msg = "lecture refusée ; vérifiez les droits du fichier."
        raise ValidationFailed([Problem(path, None, "", msg)]) from exc
    except UnicodeDecodeError as exc:
        msg = "le fichier n'est pas encodé en UTF-8 ; enregistrez-le en UTF-8."
        raise ValidationFailed([Problem(path, None, "", msg)]) from exc


def load_yaml(path: Path) -> YamlSource:
    """Load ``path``; an unreadable, oversized or invalid file becomes a located Problem."""
    with gc_paused():
        return _load_yaml(path)


def _load_yaml(path: Path) -> YamlSource:
    text = _load_text(path)
    recalled = recall(text)  # the same text parsed before: its data, without parsing
    if recalled is not None:
        data, duplicates = recalled
        return YamlSource(path=path, data=data, text=text, duplicate_keys=duplicates)
    source = _parse(path, text)
    remember(text, (source.data, source.duplicate_keys))
    return source


def _parse(path: Path, text: str) -> YamlSource:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        too_big = _bounds(node, aliased="&" in text) if node is not None else None
        if too_big is not None:
            why, where = too_big
            line = where.start_mark.line + 1
            raise ValidationFailed([Problem(path, line, "", _TOO_BIG[why])])
        data = loader.construct_document(node) if node is not None else None
    except RecursionError as exc:  # the pure-Python parser, without libyaml
        raise ValidationFailed([Problem(path, None, "", _TOO_BIG["deep"])]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        msg = f"syntaxe YAML invalide : {_explain(getattr(exc, 'problem', None) or str(exc))}."
        raise ValidationFailed([Problem(path, line, "", msg)]) from exc
    finally:
        loader.dispose()
    source = YamlSource(path=path, data=data, text=text)
    if node is not None and _repeats_a_key(node):  # rare: then every position is found now
        located = _Located()
        _walk(node, data, (), located)
        source._located = located
        source.duplicate_keys = located.duplicate_keys
    return source


# What the cross-checks read from the raw YAML: a value of the wrong shape was already
# reported by the schema, so each check takes what it can and says nothing more about it.


def problem_at(source: YamlSource, loc: PathKey, message: str) -> Problem:
    """A French problem at the line of ``loc`` in ``source``."""
    return Problem(source.path, source.line_of(loc), key_text(loc), message)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def as_text(value: Any) -> str:
    return "" if value is None else str(value)

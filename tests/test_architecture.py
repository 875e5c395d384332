"""The package's architecture, checked from its source: layers, no import loop, sizes, seams.

The folders of ``capsync/`` are the stages data flows through (docs/architecture.md).
A module may import only from its own layer or the layers below it, and no set
of modules may import one another in a loop, function-level and
``if TYPE_CHECKING`` imports included: a loop hidden inside a function is still
a loop a reader must untangle. The layer order is declared once, in
:data:`LAYERS`; a module or folder that belongs to no layer fails the test until
it is given one.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "capsync"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

# Bottom-up. Entries are paths relative to capsync/: a file, or a folder ending with "/".
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base",
        (
            "__init__.py",
            "errors.py",
            "atomic.py",
            "locking.py",
            "workers.py",
            "data_folder.py",
            "french.py",
            "collector.py",
        ),
    ),
    ("campaign", ("campaign/",)),
    ("workbook", ("workbook/",)),
    ("parse", ("parse/",)),
    ("store", ("store/",)),
    ("scoring", ("scoring/",)),
    ("layout", ("layout/",)),
    ("render", ("render/",)),
    ("backends", ("backends/",)),
    ("jobs", ("jobs/",)),
    ("cli", ("cli/", "__main__.py")),
]

MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80
# Seams the backend protocol closes: jobs ask the backend, never which backend it is.
BACKEND_ONLY = ("LocalBackend", "getattr(backend")
BACKENDS_FOLDER = "backends/"


@dataclass(frozen=True)
class Import:
    """One import statement's edge: ``importer`` (at ``path:line``) needs ``imported``."""

    importer: str
    path: Path
    line: int
    imported: str

    def where(self, root: Path) -> str:
        return f"{self.path.relative_to(root.parent)}:{self.line}"


def module_name(path: Path, root: Path) -> str:
    """``capsync/jobs/sync.py`` → ``capsync.jobs.sync``; a package's ``__init__`` is the package."""
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(root: Path) -> dict[str, Path]:
    """Every module of the package at ``root``, by dotted name."""
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def _resolve_from(node: ast.ImportFrom, importer: str, path: Path) -> str:
    """The absolute module an ``ast.ImportFrom`` reads from, relative levels resolved."""
    if not node.level:
        return node.module or ""
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    base = package.split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _targets(node: ast.AST, importer: str, path: Path, modules: Mapping[str, Path]) -> list[str]:
    """Modules of the package this node imports; ``from pkg import module`` imports the module."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    source = _resolve_from(node, importer, path)
    found = []
    for alias in node.names:
        submodule = f"{source}.{alias.name}"
        found.append(submodule if submodule in modules else source)
    return found


def import_graph(root: Path) -> list[Import]:
    """Every import between modules of the package at ``root``, wherever it is written.

    ``ast.walk`` visits function bodies and ``if TYPE_CHECKING`` blocks alike.
    A module importing itself (a package's ``__init__`` re-exporting) is no edge.
    """
    modules = package_modules(root)
    edges = []
    for importer, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for target in _targets(node, importer, path, modules):
                known = _known_module(target, modules)
                if known is not None and known != importer:
                    edges.append(Import(importer, path, getattr(node, "lineno", 0), known))
    return edges


def _known_module(target: str, modules: Mapping[str, Path]) -> str | None:
    """The package's module ``target`` names (its longest existing prefix); None if outside."""
    parts = target.split(".")
    while parts and ".".join(parts) not in modules:
        parts.pop()
    return ".".join(parts) or None


def layer_of(path: Path, root: Path, layers: Sequence[tuple[str, tuple[str, ...]]]) -> list[int]:
    """Indices of the layers the module at ``path`` belongs to (one when ``layers`` is right)."""
    relative = path.relative_to(root).as_posix()
    return [
        index
        for index, (_, entries) in enumerate(layers)
        if any(relative.startswith(e) if e.endswith("/") else relative == e for e in entries)
    ]


def layering_problems(
    root: Path, modules: Mapping[str, Path], layers: Sequence[tuple[str, tuple[str, ...]]]
) -> list[str]:
    """Modules in no layer, or in several."""
    problems = []
    for module, path in sorted(modules.items()):
        found = layer_of(path, root, layers)
        if not found:
            problems.append(
                f"{module} belongs to no layer: add its file or folder to LAYERS "
                "in tests/test_architecture.py (and to docs/architecture.md)"
            )
        elif len(found) > 1:
            names = ", ".join(layers[i][0] for i in found)
            problems.append(f"{module} belongs to several layers: {names}")
    return problems


def upward_imports(
    root: Path, edges: Iterable[Import], layers: Sequence[tuple[str, tuple[str, ...]]]
) -> list[str]:
    """Imports from a lower layer to a higher one, as ``file:line imports module (a → b)``."""
    modules = package_modules(root)
    problems = []
    for edge in edges:
        low = layer_of(edge.path, root, layers)
        high = layer_of(modules[edge.imported], root, layers)
        if len(low) == 1 and len(high) == 1 and high[0] > low[0]:
            problems.append(
                f"{edge.where(root)} imports {edge.imported} "
                f"(layer {layers[low[0]][0]} must not import layer {layers[high[0]][0]})"
            )
    return problems


def import_cycles(edges: Iterable[Import]) -> list[list[Import]]:
    """One loop of imports per strongly connected group of modules (Tarjan, then a path)."""
    graph: dict[str, dict[str, Import]] = {}
    for edge in edges:
        graph.setdefault(edge.importer, {}).setdefault(edge.imported, edge)
        graph.setdefault(edge.imported, {})
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph[node]:
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_loop_through(group[0], set(group), graph) for group in sorted(groups)]


def _loop_through(
    start: str, group: set[str], graph: Mapping[str, Mapping[str, Import]]
) -> list[Import]:
    """The shortest chain of imports from ``start`` back to itself inside ``group`` (BFS)."""
    came_from: dict[str, Import] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for succ, edge in sorted(graph[node].items()):
                if succ not in group or succ in came_from:
                    continue
                came_from[succ] = edge
                if succ == start:
                    loop = [edge]
                    while loop[0].importer != start:
                        loop.insert(0, came_from[loop[0].importer])
                    return loop
                following.append(succ)
        frontier = following
    raise AssertionError(f"{start} is in an import loop with no path back")  # pragma: no cover


def describe_cycle(root: Path, loop: Sequence[Import]) -> str:
    chain = " → ".join([loop[0].importer, *(edge.imported for edge in loop)])
    places = ", ".join(edge.where(root) for edge in loop)
    return f"{chain} ({places})"


def long_functions(root: Path, limit: int) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > limit:
                    where = f"{path.relative_to(root.parent)}:{node.lineno}"
                    problems.append(f"{where} {node.name} has {length} lines (at most {limit})")
    return problems


def long_modules(root: Path, limit: int) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        length = len(path.read_text(encoding="utf-8").splitlines())
        if length > limit:
            problems.append(f"{path.relative_to(root.parent)} has {length} lines (at most {limit})")
    return problems


def backend_probes(root: Path) -> list[str]:
    """Lines outside ``backends/`` that name a concrete backend or probe one's attributes."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        if path.relative_to(root).as_posix().startswith(BACKENDS_FOLDER):
            continue
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for word in BACKEND_ONLY:
                if word in text:
                    problems.append(f"{path.relative_to(root.parent)}:{number} mentions {word}")
    return problems


def _fail(title: str, problems: list[str]) -> None:
    if problems:
        pytest.fail(f"{title}:\n  " + "\n  ".join(problems), pytrace=False)


# -- the package -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def edges() -> list[Import]:
    return import_graph(ROOT)


def test_every_module_belongs_to_one_layer() -> None:
    _fail("Modules outside the layer order", layering_problems(ROOT, package_modules(ROOT), LAYERS))


def test_no_import_runs_up_the_layers(edges: list[Import]) -> None:
    _fail("Imports from a lower layer to a higher one", upward_imports(ROOT, edges, LAYERS))


def test_no_import_cycle(edges: list[Import]) -> None:
    _fail("Import cycles", [describe_cycle(ROOT, loop) for loop in import_cycles(edges)])


def test_modules_and_functions_stay_short() -> None:
    _fail(
        "Too long",
        long_modules(ROOT, MAX_MODULE_LINES) + long_functions(ROOT, MAX_FUNCTION_LINES),
    )


def test_only_backends_know_which_backend_they_are() -> None:
    _fail("Concrete backends named outside capsync/backends/", backend_probes(ROOT))


def test_the_graph_sees_the_imports_that_make_the_layers() -> None:
    """A guard on the guard: known edges of the real package are in the graph."""
    found = {(e.importer, e.imported) for e in import_graph(ROOT)}
    assert ("capsync.layout.dashboard", "capsync.scoring.scores") in found  # from x import module
    assert ("capsync.render.xlsx", "capsync.workbook.spec") in found
    assert ("capsync.__main__", "capsync.cli") in found


# -- the checks themselves, on small packages written for the purpose --------------------------

TINY_LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("__init__.py", "errors.py")),
    ("low", ("low/",)),
    ("high", ("high/", "__main__.py")),
]


def _package(tmp_path: Path, files: Mapping[str, str]) -> Path:
    root = tmp_path / "tiny"
    for name, text in {
        "__init__.py": "",
        "low/__init__.py": "",
        "high/__init__.py": "",
        **files,
    }.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_function_level_import_up_the_layers_is_named_with_file_and_line(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "low/model.py": "import os\n\n\ndef late():\n    from tiny.high.job import run\n",
            "high/job.py": "from tiny.low import model\n\n\ndef run():\n    pass\n",
        },
    )
    problems = upward_imports(root, import_graph(root), TINY_LAYERS)
    assert problems == [
        "tiny/low/model.py:5 imports tiny.high.job (layer low must not import layer high)"
    ]


def test_relative_and_type_checking_imports_close_a_cycle(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "low/a.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n"
            ),
            "low/b.py": "from . import c\n",
            "low/c.py": "from ..low.a import A\n",
            "low/d.py": "from tiny.low import a\n",
        },
    )
    loops = import_cycles(import_graph(root))
    assert [describe_cycle(root, loop) for loop in loops] == [
        "tiny.low.a → tiny.low.b → tiny.low.c → tiny.low.a "
        "(tiny/low/a.py:3, tiny/low/b.py:1, tiny/low/c.py:1)"
    ]


def test_from_package_import_module_is_an_edge_to_that_module(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "errors.py": "class Oops(Exception):\n    pass\n",
            "low/a.py": (
                "from tiny import errors\nfrom tiny.low import b as bee, VALUE\nimport tiny.low.b\n"
            ),
            "low/b.py": "",
        },
    )
    found = sorted((e.importer, e.imported, e.line) for e in import_graph(root))
    assert found == [
        ("tiny.low.a", "tiny.errors", 1),
        ("tiny.low.a", "tiny.low", 2),
        ("tiny.low.a", "tiny.low.b", 2),
        ("tiny.low.a", "tiny.low.b", 3),
    ]


def test_a_new_folder_without_a_layer_is_named(tmp_path: Path) -> None:
    root = _package(tmp_path, {"extra/__init__.py": "", "extra/thing.py": "", "__main__.py": ""})
    assert layering_problems(root, package_modules(root), TINY_LAYERS) == [
        "tiny.extra belongs to no layer: add its file or folder to LAYERS "
        "in tests/test_architecture.py (and to docs/architecture.md)",
        "tiny.extra.thing belongs to no layer: add its file or folder to LAYERS "
        "in tests/test_architecture.py (and to docs/architecture.md)",
    ]
    doubled = [*TINY_LAYERS, ("again", ("low/",))]
    low = {"tiny.low": root / "low" / "__init__.py"}
    assert layering_problems(root, low, doubled) == [
        "tiny.low belongs to several layers: low, again"
    ]


def test_a_back_import_planted_in_a_copy_of_capsync_fails(tmp_path: Path) -> None:
    copy = tmp_path / PACKAGE
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    spec = copy / "workbook" / "spec.py"
    lines = spec.read_text(encoding="utf-8").splitlines()
    spec.write_text(
        "\n".join([*lines, "", "", "def _planted():", "    from capsync.jobs import sync", ""]),
        encoding="utf-8",
    )
    planted = len(lines) + 4
    problems = upward_imports(copy, import_graph(copy), LAYERS)
    assert (
        f"capsync/workbook/spec.py:{planted} imports capsync.jobs.sync "
        "(layer workbook must not import layer jobs)"
    ) in problems
    loops = [describe_cycle(copy, loop) for loop in import_cycles(import_graph(copy))]
    assert any("capsync.workbook.spec" in loop and "capsync.jobs.sync" in loop for loop in loops)


def test_sizes_and_backend_probes_are_reported(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(80))
    root = _package(
        tmp_path,
        {
            "low/long.py": f"def long():\n{body}\n",
            "high/job.py": "def run(backend):\n    return getattr(backend, 'path', None)\n",
            "backends/local.py": "class LocalBackend:\n    pass\n",
        },
    )
    assert long_functions(root, 80) == ["tiny/low/long.py:1 long has 81 lines (at most 80)"]
    assert long_modules(root, 80) == ["tiny/low/long.py has 81 lines (at most 80)"]
    assert backend_probes(root) == ["tiny/high/job.py:2 mentions getattr(backend"]

"""The package's shape holds: no import cycles, and dependencies point ``ui -> pipelines -> {ocr, nlp}``.

The graph is read from the source (AST), not from ``sys.modules``, so it sees every import: module
level, inside functions, and under ``TYPE_CHECKING``. A cycle that only closes inside a function is
still a cycle: it works today because of the order things happen to load in, and breaks the day
someone moves one import to the top.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Import prefix -> folder, as pyproject's package-dir installs them.
PACKAGES = {
    "inksight": ROOT / "inksight",
    "inksight.ocr": ROOT / "ocr",
    "inksight.nlp": ROOT / "nlp",
    "inksight.pipelines": ROOT / "pipelines",
    "inksight.ui": ROOT / "ui",
}
# What each part may not import (the facade ``inksight`` sits above everything but ui).
FORBIDDEN = {
    "inksight.ocr": ("inksight.nlp", "inksight.pipelines", "inksight.ui", "inksight"),
    "inksight.nlp": ("inksight.ocr", "inksight.pipelines", "inksight.ui", "inksight"),
    "inksight.pipelines": ("inksight.ui", "inksight"),
}

Graph = dict[str, set[str]]


# --------------------------------------------------------------------------------------------
# The graph and its cycles
# --------------------------------------------------------------------------------------------


def module_files(packages: Mapping[str, Path]) -> dict[str, Path]:
    """Module name -> file for every ``.py`` under each package folder."""
    modules: dict[str, Path] = {}
    for prefix, folder in packages.items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            if "__pycache__" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join((prefix, *parts))] = path
    return modules


def _imported_modules(tree: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The modules of ``known`` that the import statements in ``tree`` load (absolute names).

    ``import a.b.c`` and ``from a.b import c`` (c a module) count as importing ``a.b.c`` only: the
    parent packages' ``__init__`` run first, but they are already being imported when a module
    inside them imports a sibling, so those edges would be noise, not cycles.
    """
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):  # walk: function-local and TYPE_CHECKING imports count too
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            submodules = {f"{base}.{alias.name}" for alias in node.names} & known
            found.update(submodules)
            if len(submodules) < len(node.names):  # some names are attributes of base itself
                found.add(base)
    return (found & known) - {module}


def import_graph(packages: Mapping[str, Path]) -> Graph:
    """Module -> the modules of ``packages`` it imports."""
    files = module_files(packages)
    known = set(files)
    return {
        name: _imported_modules(
            ast.parse(path.read_text(encoding="utf-8"), filename=str(path)),
            name,
            path.name == "__init__.py",
            known,
        )
        for name, path in files.items()
    }


def find_cycles(graph: Graph) -> list[list[str]]:
    """One cycle (``[a, b, ..., a]``) per strongly connected part of ``graph`` that has one."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    parts: list[list[str]] = []

    def connect(node: str) -> None:  # Tarjan; the graph has a few hundred nodes, recursion is fine
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            part = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                part.append(member)
                if member == node:
                    break
            if len(part) > 1:
                parts.append(sorted(part))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [_cycle_through(graph, part) for part in parts]


def _cycle_through(graph: Graph, part: list[str]) -> list[str]:
    """A shortest path from the part's first module back to itself, inside the part."""
    start, members = part[0], set(part)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & members):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    raise AssertionError(f"{part} is not strongly connected")  # pragma: no cover


def layer_violations(graph: Graph, forbidden: Mapping[str, Iterable[str]]) -> list[str]:
    """``"a imports b"`` for every edge from a part to a part it must not import."""

    def inside(module: str, prefix: str) -> bool:
        return module == prefix or module.startswith(prefix + ".")

    found = []
    for module, targets in sorted(graph.items()):
        for part, banned in forbidden.items():
            if not inside(module, part):
                continue
            for target in sorted(targets):
                # The facade is banned by its exact name: inksight.ocr is not "inside" it.
                if any((target == b) if b == "inksight" else inside(target, b) for b in banned):
                    found.append(f"{module} imports {target}")
    return found


# --------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------


def test_no_module_imports_itself_back_through_others() -> None:
    cycles = find_cycles(import_graph(PACKAGES))
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_dependencies_point_from_ui_to_pipelines_to_ocr_and_nlp() -> None:
    violations = layer_violations(import_graph(PACKAGES), FORBIDDEN)
    assert not violations, "imports against the layering:\n" + "\n".join(violations)


def test_the_graph_sees_every_part_and_its_known_edges() -> None:
    graph = import_graph(PACKAGES)
    assert {"inksight", "inksight.ocr", "inksight.nlp", "inksight.ui.cli"} <= set(graph)
    # A module-level import, and a function-local one (the CLI opens sets only when asked).
    assert "inksight.pipelines.errors" in graph["inksight.pipelines.assets"]
    assert "inksight.pipelines.embeddings.sets" in graph["inksight.ui.commands.embeddings"]


def _plant(folder: Path, files: Mapping[str, str]) -> Path:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_planted_cycle_is_found_and_named(tmp_path: Path) -> None:
    # `from planted import b` imports the module planted.b; the way back hides in a function.
    folder = _plant(
        tmp_path / "planted",
        {
            "__init__.py": "",
            "a.py": "from planted import b\n",
            "b.py": "def late():\n    import planted.a\n",
            "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import d\n",
            "d.py": "from .c import something\n",
            "e.py": "from planted import a\n",  # imports the cycle, is not part of it
        },
    )
    cycles = find_cycles(import_graph({"planted": folder}))
    assert sorted(cycles) == [
        ["planted.a", "planted.b", "planted.a"],
        ["planted.c", "planted.d", "planted.c"],
    ]


def test_a_planted_layer_breach_is_found(tmp_path: Path) -> None:
    low = _plant(tmp_path / "low", {"__init__.py": "", "x.py": "import high.y\n"})
    high = _plant(tmp_path / "high", {"__init__.py": "", "y.py": "from low import x\n"})
    graph = import_graph({"low": low, "high": high})
    assert layer_violations(graph, {"low": ("high",)}) == ["low.x imports high.y"]

"""The package's layout: no import cycle (lazy imports inside functions
included) and every module under the size STYLE asks for.

The graph is read from the source (AST), not from `sys.modules`, so an import
that only runs in some branch or inside a function still counts: a lazy
import hides a cycle from Python at import time, not from the design.

Run as a script to print the graph's cycles and the largest modules:
``python tests/test_layout.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "statusgen"

MAX_LINES = 560
"""STYLE's "under about 500 lines", with the slack "about" allows."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that `name` imports anywhere in its file.

    ``from . import x`` names the submodule ``x`` when there is one, else the
    package; ``from .a import b`` names ``a`` (or ``a.b`` when that is a
    module). Imports of a package's own parent (implicit when Python loads a
    submodule) are not edges: only what the code asks for is.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module or ""
            targets = [
                f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in known else stem
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in known:  # ``import a.b.c``: the deepest module
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports(name, path, known) for name, path in found.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(groups)


def test_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_cycles_are_found() -> None:
    """The checker itself: a two-module loop and a longer one are reported."""
    edges = {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c"}, "f": {"a"}}
    assert cycles(edges) == [["a", "b"], ["c", "d", "e"]]


def test_lazy_and_relative_imports_are_edges(tmp_path: Path) -> None:
    """An import inside a function counts, and so does ``from . import x``."""
    code = "def f():\n    from . import b\n    from .c import thing\n"
    path = tmp_path / "a.py"
    path.write_text(code, encoding="utf-8")
    known = {"statusgen.a", "statusgen.b", "statusgen.c", "statusgen"}
    assert imports("statusgen.a", path, known) == {"statusgen.b", "statusgen.c"}


def test_modules_are_small() -> None:
    sizes = {name: len(p.read_text(encoding="utf-8").splitlines()) for name, p in modules().items()}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


if __name__ == "__main__":
    for group in cycles(graph()):
        print("cycle:", " <-> ".join(group))  # noqa: T201
    sizes = {name: len(p.read_text(encoding="utf-8").splitlines()) for name, p in modules().items()}
    for name, n in sorted(sizes.items(), key=lambda kv: -kv[1])[:12]:
        print(f"{n:6d}  {name}")  # noqa: T201

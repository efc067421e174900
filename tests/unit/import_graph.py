"""The import graph of a package, read from its source with ``ast`` (nothing is imported).

Every ``import`` and ``from ... import`` statement counts, at module level and inside
functions alike, except those under ``if TYPE_CHECKING:`` (which never run). A
``from package import name`` points at the submodule ``package.name`` when there is one,
else at ``package``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Import:
    """One imported module: who imports it, where, and whether inside a function."""

    source: str
    target: str
    line: int
    in_function: bool


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    is_package: bool
    lines: int


def find_modules(package_dir: Path, exclude: Iterable[str] = ("migrations",)) -> dict[str, Module]:
    """The modules of the package in ``package_dir``, by dotted name."""
    skipped = set(exclude)
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        relative = path.relative_to(package_dir.parent).with_suffix("")
        if skipped.intersection(relative.parts):
            continue
        parts = list(relative.parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        text = path.read_text(encoding="utf-8")
        name = ".".join(parts)
        modules[name] = Module(name, path, is_package, len(text.splitlines()))
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(
    module: Module, node: ast.Import | ast.ImportFrom, known: dict[str, Module]
) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.name if module.is_package else module.name.rpartition(".")[0]
        for _ in range(node.level - 1):
            base = base.rpartition(".")[0]
        origin = f"{base}.{node.module}" if node.module else base
    else:
        origin = node.module or ""
    found = []
    for alias in node.names:
        submodule = f"{origin}.{alias.name}"
        found.append(submodule if submodule in known else origin)
    return found


def _walk(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    for child in ast.iter_child_nodes(node):
        yield from _visit(child, in_function)


def _visit(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    if isinstance(node, ast.If) and _is_type_checking(node.test):
        for statement in node.orelse:  # the ``if TYPE_CHECKING:`` body never runs
            yield from _visit(statement, in_function)
        return
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node, in_function
    nested = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
    yield from _walk(node, in_function or nested)


def imports_of(module: Module, known: dict[str, Module]) -> list[Import]:
    """Every module ``module`` imports (the package's own and third-party ones)."""
    tree = ast.parse(module.path.read_text(encoding="utf-8"), str(module.path))
    found = []
    for node, in_function in _walk(tree, False):
        for target in _targets(module, node, known):
            found.append(Import(module.name, target, node.lineno, in_function))
    return found


def all_imports(modules: dict[str, Module]) -> list[Import]:
    return [edge for module in modules.values() for edge in imports_of(module, modules)]


def strongly_connected(nodes: Iterable[str], edges: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components (iterative: no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(component)
    return components


def cycle_edges(imports: Iterable[Import], internal: Iterable[str]) -> set[tuple[str, str]]:
    """The imports (source, target) between the package's modules that close a circle:
    both ends in one strongly connected component (or a module importing itself)."""
    names = set(internal)
    edges: dict[str, set[str]] = {}
    for edge in imports:
        if edge.source in names and edge.target in names:
            edges.setdefault(edge.source, set()).add(edge.target)
    component_of: dict[str, int] = {}
    sizes: dict[int, int] = {}
    for number, component in enumerate(strongly_connected(names, edges)):
        sizes[number] = len(component)
        for member in component:
            component_of[member] = number
    return {
        (source, target)
        for source, targets in edges.items()
        for target in targets
        if component_of[source] == component_of[target]
        and (sizes[component_of[source]] > 1 or source == target)
    }

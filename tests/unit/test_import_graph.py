"""The import graph the structure test reads: relative imports, imports inside functions,
``TYPE_CHECKING`` blocks and circles, on a small package written for the test."""

from pathlib import Path

from .import_graph import all_imports, cycle_edges, find_modules


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "pkg"


def test_a_circle_closed_by_an_import_inside_a_function_is_found(tmp_path: Path) -> None:
    package = write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/low.py": "def late():\n    from .high import thing\n",
            "pkg/high.py": "from pkg import low\nthing = 1\n",
            "pkg/alone.py": "from . import low\n",
        },
    )
    modules = find_modules(package)
    imports = all_imports(modules)

    assert cycle_edges(imports, modules) == {("pkg.low", "pkg.high"), ("pkg.high", "pkg.low")}
    inside = {(e.source, e.target) for e in imports if e.in_function}
    assert inside == {("pkg.low", "pkg.high")}


def test_type_checking_imports_and_migrations_are_left_out(tmp_path: Path) -> None:
    package = write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from .b import B\nelse:\n    import json\n"
            ),
            "pkg/b.py": "from .a import A\n",
            "pkg/migrations/0001_initial.py": "from pkg import a\n",
        },
    )
    modules = find_modules(package)
    imports = all_imports(modules)

    assert set(modules) == {"pkg", "pkg.a", "pkg.b"}
    assert {(e.source, e.target) for e in imports} == {
        ("pkg.a", "typing"),
        ("pkg.a", "json"),
        ("pkg.b", "pkg.a"),
    }
    assert cycle_edges(imports, modules) == set()


def test_a_module_importing_itself_is_a_circle(tmp_path: Path) -> None:
    package = write(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "from pkg import a\n"})
    modules = find_modules(package)

    assert cycle_edges(all_imports(modules), modules) == {("pkg.a", "pkg.a")}

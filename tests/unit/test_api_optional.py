"""The REST API is an optional extra: no module outside ``django_netjsonconfig.api``
imports its libraries, so a site without the ``api`` extra (or that does not mount the
API) imports and runs the app as before. Read from the source; nothing is imported."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "django_netjsonconfig"
API_LIBRARIES = ("rest_framework", "django_filters", "drf_spectacular", "knox")


def _imports(path: Path) -> set[str]:
    """The absolute names of the modules ``path`` imports (relative imports resolved,
    ``from . import x`` as ``package.x``)."""
    parts = ["django_netjsonconfig", *path.relative_to(PACKAGE).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.append("")  # the package itself: "." is its own folder
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                prefix = ".".join(parts[: -node.level])
                base = f"{prefix}.{base}" if base else prefix
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def test_only_the_api_package_imports_the_api_libraries():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if (PACKAGE / "api") in path.parents:
            continue
        for name in _imports(path):
            if name.split(".")[0] in API_LIBRARIES:
                offenders.append(f"{path.relative_to(PACKAGE)}: {name}")
    assert offenders == []


def test_the_api_package_is_reached_only_through_its_urls():
    """Nothing else in the package imports ``django_netjsonconfig.api``: a site enables it
    by including ``django_netjsonconfig.api.urls``, and only then."""
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if (PACKAGE / "api") not in path.parents
        and any(n.startswith("django_netjsonconfig.api") for n in _imports(path))
    ]
    assert offenders == []

"""pyproject.toml's runtime dependencies are exactly what src/ imports: every one is imported
somewhere (a fresh install pulls nothing unused), and every third-party module src/ imports is
declared (nothing works only because another package happened to bring it)."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions

from packaging.requirements import Requirement

from tests.conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

SOURCE = ROOT / "src" / "episodekit"


def _name(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()  # PEP 503


def imported_modules() -> set[str]:
    """Top-level names of every absolute import in src/, lazy ones inside functions included."""
    modules: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - {"episodekit", "__future__"} - set(sys.stdlib_module_names)


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(line) for line in project["dependencies"]]


def test_every_runtime_dependency_is_imported_by_src() -> None:
    imported = imported_modules()
    providers = packages_distributions()  # installed module -> the distributions shipping it
    for requirement in requirements():
        if requirement.marker and not requirement.marker.evaluate():
            continue  # not installed on this Python (tomli on 3.11+)
        name = _name(requirement.name)
        modules = {m for m, dists in providers.items() if name in map(_name, dists)}
        assert modules & imported, f"{name}: a dependency, but src/ imports none of {modules}"


def test_every_imported_package_is_a_dependency() -> None:
    declared = {_name(r.name) for r in requirements()}
    providers = packages_distributions()
    for module in sorted(imported_modules()):
        # A module not installed here is fine when it is declared for other Pythons (tomli).
        shipped_by = {_name(d) for d in providers.get(module, [module])}
        assert shipped_by & declared, f"src/ imports {module}; pyproject.toml does not declare it"


def test_benchmark_only_packages_are_not_runtime_dependencies() -> None:
    declared = {_name(r.name) for r in requirements()}
    assert not declared & {"pydub", "audioop-lts", "markdown-it-py"}

"""pyproject.toml's runtime dependencies are exactly what src/ imports: every one is imported
(or, for a data package, named) somewhere, so a fresh install pulls nothing unused; and every
third-party module src/ imports is declared (nothing works only because another package
happened to bring it)."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import PackageNotFoundError, distribution

from packaging.requirements import Requirement

from tests.conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

SOURCE = ROOT / "src" / "episodekit"


def _name(project: str) -> str:
    return re.sub(r"[-_.]+", "-", project).lower()  # PEP 503


def imported_modules() -> set[str]:
    """Top-level names of every absolute import in src/, lazy ones inside functions included."""
    modules: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    # tomllib is standard from Python 3.11 (src falls back to tomli before).
    return modules - {"episodekit", "__future__", "tomllib"} - set(sys.stdlib_module_names)


def named_modules() -> set[str]:
    """String constants in src/ that look like module names: data-only packages are read by
    name through importlib.resources (the CJK font: "noto_cjk_sans_otc")."""
    names: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Constant) and str(node.value).isidentifier():
                names.add(str(node.value))
    return names


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(line) for line in project["dependencies"]]


def shipped_modules(requirement: Requirement) -> set[str]:
    """The top-level modules the installed distribution of `requirement` holds (read from its
    file list: importlib's packages_distributions misses wheels without top_level.txt on 3.10);
    empty when it is not installed."""
    try:
        files = distribution(requirement.name).files or []
    except PackageNotFoundError:
        return set()
    tops = {file.parts[0] for file in files}
    return {
        top.removesuffix(".py").split(".")[0]
        for top in tops
        if not top.endswith((".dist-info", ".data")) and top not in ("..", "__pycache__")
    }


def test_every_runtime_dependency_is_used_by_src() -> None:
    imported = imported_modules() | named_modules()
    for requirement in requirements():
        if requirement.marker and not requirement.marker.evaluate():
            continue  # not installed on this Python (tomli on 3.11+)
        modules = shipped_modules(requirement)
        assert modules & imported, (
            f"{requirement.name}: a dependency, but src/ imports none of {sorted(modules)}"
        )


def test_every_imported_package_is_a_dependency() -> None:
    declared: set[str] = set()
    for requirement in requirements():
        # A module not installed here counts by its name (tomli, declared for Python 3.10).
        declared |= shipped_modules(requirement) or {requirement.name}
    missing = sorted(imported_modules() - declared)
    assert not missing, f"src/ imports {missing}; pyproject.toml does not declare them"


def test_benchmark_only_packages_are_not_runtime_dependencies() -> None:
    declared = {_name(r.name) for r in requirements()}
    assert not declared & {"pydub", "audioop-lts", "markdown-it-py"}

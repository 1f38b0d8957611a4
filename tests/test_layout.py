"""The package's shape: one subpackage per stage, and stages that do not reach into each other.

Only build.py (which wires the pipeline) and cli.py (which calls a stage per command) may import
more than one stage; a stage may use the shared top-level modules (model, errors, text, files,
resources, chinese, media, progress, show, fonts), and those import no stage at all.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "episodekit"
STAGES = ("ingest", "narrate", "speech", "subtitles", "audio", "bundle", "check", "video")
WIRING = {"episodekit.build", "episodekit.cli", "episodekit.__main__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


def imported_modules(path: Path) -> set[str]:
    """Every episodekit module `path` imports, at any depth (function-level imports count)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("episodekit")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("episodekit"):
            found.add(str(node.module))
            # `from episodekit import audio` names a stage by its alias
            if node.module == "episodekit":
                found |= {f"episodekit.{a.name}" for a in node.names}
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_stages_import_only_themselves_and_shared_modules(path: Path) -> None:
    module = module_name(path)
    if module in WIRING:
        return
    own = stage_of(module)
    foreign = {m for m in imported_modules(path) if stage_of(m) not in (None, own)}
    assert not foreign, f"{module} (stage {own or 'shared'}) imports other stages: {foreign}"


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_imports_on_its_own(stage: str) -> None:
    module = importlib.import_module(f"episodekit.{stage}")
    assert module.__all__, f"episodekit.{stage} exports nothing"
    for name in module.__all__:
        assert callable(getattr(module, name)), f"episodekit.{stage}.{name}"


def test_the_rule_catches_a_stage_reaching_into_another(tmp_path: Path) -> None:
    # The rule reads imports at any depth, including a lazy one inside a function.
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from episodekit.audio.id3 import write_tags\n")
    assert stage_of(next(iter(imported_modules(sample)))) == "audio"


def test_no_module_is_too_long_to_read_in_one_sitting() -> None:
    long = {module_name(p): n for p in MODULES if (n := len(p.read_text().splitlines())) > 400}
    assert not long, long

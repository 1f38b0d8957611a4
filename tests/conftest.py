"""Shared fixtures. Every test runs with its caches and output pointed into a temporary folder,
and never with a live voice service."""

from __future__ import annotations

from pathlib import Path

import pytest

from episodekit.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run `episode ARGS` in-process, as the entry point does: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exited:
        main(args)
        raise SystemExit(0)
    captured = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), captured.out, captured.err


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point the segment cache at a fresh folder and make sure no test reaches the internet:
    the edge engine and the language model go to a closed loopback port unless a test points
    them at a test server (a developer's own API key is never sent anywhere)."""
    monkeypatch.setenv("EPISODEKIT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("EPISODEKIT_EDGE_URL", "ws://127.0.0.1:9/edge/v1?TrustedClientToken=test")
    for name in ("EPISODEKIT_LLM_MODEL", "EPISODEKIT_LLM_API_KEY", "OPENAI_API_KEY",
                 "OPENAI_BASE_URL", "EPISODEKIT_LLM_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EPISODEKIT_LLM_BASE_URL", "http://127.0.0.1:9/v1")


from tests.edge_server import edge_server  # noqa: E402, F401  (the loopback Edge service fixture)
from tests.llm_server import llm_server  # noqa: E402, F401  (the loopback chat-completions service)

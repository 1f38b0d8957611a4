"""Shared fixtures. Every test runs with its caches and output pointed into a temporary folder,
and never with a live voice service."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point the segment cache at a fresh folder and make sure no test reaches the internet:
    the edge engine goes to a closed loopback port unless a test points it at a test server."""
    monkeypatch.setenv("EPISODEKIT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("EPISODEKIT_EDGE_URL", "ws://127.0.0.1:9/edge/v1?TrustedClientToken=test")


from tests.edge_server import edge_server  # noqa: E402, F401  (the loopback Edge service fixture)

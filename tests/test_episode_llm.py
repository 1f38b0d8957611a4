"""Done when: `episode build seeds/003_2bac866a80e753f9.txt --writer llm` against the loopback
chat-completions server gives a bundle `episode check` passes, with `writer: llm` in the script
and token counts in the manifest; a second build makes no request to the model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.llm_server import LlmTestServer

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "003_2bac866a80e753f9.txt"


def episode(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m episodekit ARGS` as a user runs it (the environment carries the server's
    address, the model and the key from the llm_server fixture)."""
    return subprocess.run(
        [sys.executable, "-m", "episodekit", *args], cwd=cwd, env=dict(os.environ),
        capture_output=True, text=True, timeout=600, check=False,
    )


def test_llm_build_passes_check_and_a_second_build_asks_nothing(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    build = ["build", str(SEED), "--writer", "llm", "--engine", "offline", "-o", str(tmp_path)]
    first = episode(build, tmp_path)
    assert first.returncode == 0, first.stderr
    bundle = tmp_path / SEED.stem
    script = (bundle / "script.md").read_text(encoding="utf-8")
    assert "\nwriter: llm\nmodel: test-model\n" in script.split("\n---\n")[0] + "\n"
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    writer = manifest["writer"]
    assert writer["writer"] == "llm" and writer["model"] == "test-model"
    chapters = writer["chapters"]
    assert len(chapters) == script.count("\n## ")  # the opening and every chapter
    assert all(c["tokens"]["in"] > 0 and c["tokens"]["out"] > 0 for c in chapters)
    assert writer["tokens"]["in"] == sum(c["tokens"]["in"] for c in chapters)
    assert writer["tokens"]["out"] == sum(c["tokens"]["out"] for c in chapters)
    assert f"tokens {writer['tokens']['in']} in, {writer['tokens']['out']} out" in first.stdout
    sent = len(llm_server.requests)
    assert writer["requests"] == sent > 0

    check = episode(["check", str(bundle)], tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr

    second = episode(build, tmp_path)
    assert second.returncode == 0, second.stderr
    assert len(llm_server.requests) == sent  # every answer came from the cache
    assert (bundle / "script.md").read_text(encoding="utf-8") == script
    again = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))["writer"]
    assert again["requests"] == 0 and again["from_cache"] == sent
    assert again["tokens"] == writer["tokens"]

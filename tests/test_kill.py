"""Issue 15, "Done when": kill -9 a build at five moments (synthesis, mixing, encoding, tagging,
the bundle commit) and show that no process outlives it by 2 s, no scratch file stays, the
bundle is the old one or the new one (or carries the marker of a commit cut short, which the
next build finishes), and a rebuild passes `episode check` without synthesizing again what was
cached.

The build runs as a user runs it (`python -m episodekit`, its own process group); the kill
lands when the build announces the stage on stderr (plain progress lines), so it is a real
kill at that moment, not a simulation. Each build after the first only changes the pauses: the
audio differs (old and new bundles can be told apart) while every segment comes from the cache.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from episodekit import files
from episodekit.check import check_bundle
from episodekit.check.rules import FILES
from tests.conftest import ROOT

BUNDLE = tuple(sorted(FILES))  # every file of a bundle, as check knows them
MOMENTS = (
    ("synthesis", "episode: synthesized "),
    ("mixing", "episode: mixing and measuring"),
    ("encoding", "episode: encoding and verifying"),
    ("tagging", "episode: tagging"),
    ("commit", "episode: bundle"),
)


def _group_members(pgid: int) -> list[str]:
    """The processes still in process group `pgid` (their command names)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(raw[raw.index("(") + 1 : raw.rindex(")")])
    return found


def _snapshot(folder: Path) -> dict[str, bytes]:
    # script.md is left out: a build writes the script it narrated as soon as it has it (so it
    # can be read and edited while the audio is made); the rest is committed together.
    return {name: (folder / name).read_bytes() for name in BUNDLE if name != "script.md"}


def _scratch(work: Path) -> list[Path]:
    left = [p for p in work.rglob("*") if p.name.startswith(files.SCRATCH_PREFIX)]
    left += [p for p in work.rglob("*.part")]
    left += [p for p in work.rglob("music-*.f32")] + [p for p in work.rglob("*.s16")]
    return left + list((work / "tmp").iterdir())


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process groups in /proc")
def test_kill_9_at_five_moments_of_a_build(tmp_path: Path) -> None:
    work = tmp_path
    (work / "tmp").mkdir()
    source = work / "ep.txt"
    env = {
        **os.environ,
        "EPISODEKIT_CACHE_DIR": str(work / "cache"),
        "EPISODEKIT_EDGE_URL": "ws://127.0.0.1:9/edge/v1?TrustedClientToken=test",
        "PYTHONPATH": str(ROOT / "src"),
        "TMPDIR": str(work / "tmp"),
    }
    folder = work / "out" / "ep"

    def command(pause: int) -> list[str]:
        return [sys.executable, "-m", "episodekit", "build", str(source), "--engine", "offline",
                "-o", str(work / "out"), "--pauses", f"{pause},600,1200"]

    # The old bundle: a short summary built under the same name.
    shutil.copy(ROOT / "tests" / "data" / "hostile" / "short.txt", source)
    first = subprocess.run(command(250), env=env, cwd=work, capture_output=True, check=False)
    assert first.returncode == 0, first.stderr
    # The new one: another summary (some of its segments are new, so synthesis happens).
    shutil.copy(ROOT / "tests" / "data" / "hostile" / "stars.txt", source)

    for number, (moment, announcement) in enumerate(MOMENTS, start=1):
        old = _snapshot(folder)
        pause = 250 + 10 * number
        build = subprocess.Popen(
            command(pause), env=env, cwd=work, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, start_new_session=True,
        )
        assert build.stderr is not None
        for line in build.stderr:
            if line.startswith(announcement):
                os.kill(build.pid, signal.SIGKILL)
                break
        else:
            pytest.fail(f"{moment}: the build never announced {announcement!r}")
        build.wait()
        build.stderr.close()
        time.sleep(2)
        assert _group_members(build.pid) == [], f"{moment}: processes outlived the build"

        if (folder / files.COMMIT_MARKER).exists():
            # Only a kill inside the commit's renames leaves this; check says so.
            assert any("interrupted while writing" in str(v) for v in check_bundle(folder))
        else:
            now = _snapshot(folder)
            assert now == old or moment == "commit", f"{moment}: the bundle changed"
        cached = {p.name for p in (work / "cache").rglob("*.json")}

        rebuild = subprocess.run(
            command(pause), env=env, cwd=work, capture_output=True, text=True, check=False
        )
        assert rebuild.returncode == 0, rebuild.stderr
        assert check_bundle(folder) == [], moment
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        new_entries = {p.name for p in (work / "cache").rglob("*.json")} - cached
        # Everything cached before the kill came from the cache: only new entries were spoken.
        assert manifest["stats"]["synthesized"] == len(new_entries), moment
        if moment != "synthesis":
            assert manifest["stats"]["synthesized"] == 0, moment
        assert _scratch(work) == [], f"{moment}: scratch files left"


@pytest.mark.parametrize(
    ("sig", "moment", "code", "said"),
    [
        (signal.SIGTERM, "episode: mixing and measuring", 143, "terminated; "),
        # Ctrl-C in a terminal reaches the whole process group, the offline workers included.
        (signal.SIGINT, "episode: synthesized ", 130, "interrupted; "),
    ],
)
def test_sigterm_and_ctrl_c_end_a_build_cleanly_and_say_what_was_kept(
    sig: int, moment: str, code: int, said: str, tmp_path: Path
) -> None:
    # Issue 15 #10, #11, #20: SIGTERM (what a service manager or `timeout` sends) and Ctrl-C
    # run every cleanup: workers and scratch gone, one line saying what was kept, no traceback.
    (tmp_path / "tmp").mkdir()
    source = tmp_path / "ep.txt"
    shutil.copy(ROOT / "tests" / "data" / "hostile" / "short.txt", source)
    env = {
        **os.environ,
        "EPISODEKIT_CACHE_DIR": str(tmp_path / "cache"),
        "EPISODEKIT_EDGE_URL": "ws://127.0.0.1:9/edge/v1?TrustedClientToken=test",
        "PYTHONPATH": str(ROOT / "src"),
        "TMPDIR": str(tmp_path / "tmp"),
    }
    build = subprocess.Popen(
        [sys.executable, "-m", "episodekit", "build", str(source), "--engine", "offline",
         "-o", str(tmp_path / "out")],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    assert build.stderr is not None
    for line in build.stderr:
        if line.startswith(moment):
            if sig == signal.SIGINT:
                os.killpg(build.pid, sig)
            else:
                build.send_signal(sig)
            break
    rest = build.stderr.read()
    assert build.wait() == code
    assert "Traceback" not in rest
    assert rest.splitlines()[-1].startswith(f"episode: {said}")
    cached = len(list((tmp_path / "cache").rglob("*.json")))
    if sig == signal.SIGTERM:  # after synthesis: every segment of the episode was kept
        assert f"; {cached} segment(s) synthesized in this run are cached" in rest
    assert rest.splitlines()[-1].endswith("run the same command again to resume")
    time.sleep(2)
    assert _group_members(build.pid) == []
    assert _scratch(tmp_path) == []
    assert not (tmp_path / "out" / "ep" / "episode.mp3").exists()

"""End-to-end acceptance tests: build real episodes from the seeds and audit the bundle from the
outside, the way a listener, a subtitle QC desk and an upload form would.

The product is run as a user runs it (`python -m episodekit ...` in a subprocess) and its output
is measured with independent tools only (ffmpeg, numpy, srt, mutagen, json): see tests/audit.py.
Each seed is built once per session; the edge engine is exercised through the real edge-tts
client against the loopback server in tests/edge_server.py.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3

from episodekit.model import VoiceSettings
from episodekit.speech.cache import cache_key
from tests import audit
from tests.edge_server import EdgeTestServer

ROOT = Path(__file__).resolve().parent.parent
# Two seeds as they are, and for seed 004 (a 37 000-character transcript, 42 minutes of audio: the
# benchmark builds it) a stand-in of a few minutes with the same shapes: a bilingual title,
# plain-text headings over bullets, an `SA:` transcript with unlabelled host lines, the
# newsletter's boilerplate and a source line, cut from the seed itself.
SEEDS = {
    p.stem: p
    for p in (
        ROOT / "seeds" / "000_c0def597f3ce7aed.txt",
        ROOT / "seeds" / "003_2bac866a80e753f9.txt",
        ROOT / "tests" / "data" / "acceptance" / "transcript_standin.txt",
    )
}
SMALL = "000_c0def597f3ce7aed"
CLOSED_URL = "ws://127.0.0.1:9/edge/v1?TrustedClientToken=test"
BUNDLE_FILES = (
    "episode.mp3", "episode.srt", "episode.vtt", "script.md",
    "chapters.txt", "description.txt", "manifest.json",
)
PROGRESS_LINE = re.compile(r"^episode: synthesized \d+/\d+ \(cache \d+\)$")

GREETINGS = ("大家好，這裡是最佳拍檔，我是大飛", "大家好，这里是最佳拍档，我是大飞")
SIGNOFFS = ("我們下期再見", "我们下期再见")

# The subtitle rules of /work/shared/STANDARDS.md.
MAX_LINE_WIDTH = 16
MAX_LINES = 1  # the default build asks for one line per cue
MIN_CUE_S = 0.833
MAX_CUE_S = 7.0
MAX_CPS = 9.0
# Issue 12 makes a sentence end a mandatory cue break and a clause end the preferred one, even
# where the offline voice runs straight through it (eSpeak never pauses before an English word:
# 「個性化。Altman 認為」). Measured with it: 000 92.9 %, 003 96.1 %, stand-in 94.4 % (000 was
# 89.5 % with the narration before show.toml).
PAUSE_SHARE = 0.90

MEASURED: dict[str, dict[str, object]] = {}  # figures printed at the end of the session


# ---------------------------------------------------------------------------- running the CLI


def _env(cache: Path, edge_url: str = CLOSED_URL) -> dict[str, str]:
    env = dict(os.environ)
    env["EPISODEKIT_CACHE_DIR"] = str(cache)
    env["EPISODEKIT_EDGE_URL"] = edge_url
    env.pop("NO_COLOR", None)
    return env


def episode(
    args: list[str], *, cwd: Path, cache: Path, edge_url: str = CLOSED_URL, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run `python -m episodekit ARGS` as a user would, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "episodekit", *args],
        cwd=cwd, env=_env(cache, edge_url), capture_output=True, text=True,
        timeout=timeout, check=False,
    )


def describe(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\nstdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"


def manifest(bundle: Path) -> dict:
    return json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))


def complete_entries(cache: Path) -> set[str]:
    """Keys of the cache entries a later build would trust (see episodekit/speech/cache.py: the
    WAV and its JSON both present, the JSON naming the key and the WAV's byte count)."""
    keys: set[str] = set()
    if not cache.exists():
        return keys
    for meta_path in cache.glob("*/*.json"):
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            wav = meta_path.with_suffix(".wav")
            if meta["key"] == meta_path.stem and wav.stat().st_size == meta["wav_bytes"]:
                keys.add(meta_path.stem)
        except (OSError, ValueError, KeyError):
            continue
    return keys


# ---------------------------------------------------------------------------- offline builds


@dataclass
class Built:
    bundle: Path
    wall_s: float
    result: subprocess.CompletedProcess[str]


@pytest.fixture(scope="session")
def offline_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("acceptance")


@pytest.fixture(scope="session")
def offline_launch(offline_root: Path) -> Iterator[dict[str, tuple[subprocess.Popen[str], float]]]:
    """Start every seed's offline build, side by side; `offline_builds` waits for them. (Running
    them alongside the edge tests gains nothing on 2 cores: both are CPU-bound.)"""
    cache = offline_root / "cache"
    out = offline_root / "out"
    running: dict[str, tuple[subprocess.Popen[str], float]] = {}
    for stem, seed in SEEDS.items():
        process = subprocess.Popen(
            [sys.executable, "-m", "episodekit", "build", str(seed), "--engine", "offline",
             "-o", str(out)],
            cwd=offline_root, env=_env(cache), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )
        running[stem] = (process, time.monotonic())
    yield running
    for process, _ in running.values():
        if process.poll() is None:
            process.kill()
        process.communicate()


@pytest.fixture(scope="session")
def offline_builds(
    offline_root: Path, offline_launch: dict[str, tuple[subprocess.Popen[str], float]]
) -> dict[str, Built]:
    """Every seed built once with the offline voice."""
    built: dict[str, Built] = {}
    for stem, (process, started) in offline_launch.items():
        stdout, stderr = process.communicate(timeout=600)
        wall = time.monotonic() - started
        result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        built[stem] = Built(offline_root / "out" / stem, wall, result)
        MEASURED.setdefault(stem, {})["build_wall_s"] = round(wall, 1)
    return built


@pytest.fixture(params=sorted(SEEDS))
def built(request: pytest.FixtureRequest, offline_builds: dict[str, Built]) -> Built:
    result = offline_builds[request.param]
    assert result.result.returncode == 0, describe(result.result)
    return result


@pytest.fixture
def bundle_dir(built: Built) -> Path:
    return built.bundle


_ANALYSED: dict[Path, tuple[np.ndarray, float]] = {}


def analysis_of(mp3: Path) -> tuple[np.ndarray, float]:
    """(10 ms frame levels in dBFS, decoded duration in seconds), decoded once per file."""
    if mp3 not in _ANALYSED:
        pcm = audit.decode_pcm(mp3)
        _ANALYSED[mp3] = (audit.frame_levels_db(pcm), len(pcm) / audit.PCM_RATE)
    return _ANALYSED[mp3]


# ---------------------------------------------------------------------------- determinism

SHORT_SCRIPT = """---
title: 同一份稿子
voice: narrator
script: hant
---

## 開場

大家好，這裡是最佳拍檔，我是大飛。今天聊聊GPT-4o在2024年5月2日的發布。

[guest] 我們的估值是1570億美元，增長了79.4%，未來2-3年還會更快。

## 結尾

感謝收看，OpenAI的CEO說H100很快會被取代。我們下期再見。
"""


def test_offline_builds_are_byte_identical_whatever_the_jobs(
    tmp_path: Path, cache_dir: Path
) -> None:
    """The same script, built twice with --no-cache and different job counts (so segments land
    on different workers, after different earlier segments), gives the same bytes."""
    outputs = []
    for jobs in ("1", "2"):
        folder = tmp_path / f"jobs{jobs}"
        folder.mkdir()
        (folder / "script.md").write_text(SHORT_SCRIPT, encoding="utf-8")
        done = episode(["build", str(folder / "script.md"), "--engine", "offline", "--no-cache",
                        "--jobs", jobs], cwd=tmp_path, cache=cache_dir)
        assert done.returncode == 0, describe(done)
        outputs.append({name: (folder / name).read_bytes()
                        for name in ("episode.mp3", "episode.srt", "episode.vtt")})
    for name in outputs[0]:
        assert outputs[0][name] == outputs[1][name], f"{name} differs between --jobs 1 and 2"


# ---------------------------------------------------------------------------- C. edge engine


@pytest.fixture
def cache_dir() -> Path:
    return Path(os.environ["EPISODEKIT_CACHE_DIR"])  # a fresh cache for this test (conftest)


def edge_build(server: EdgeTestServer, out: Path, cache: Path, *extra: str,
               timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return episode(
        ["build", str(SEEDS[SMALL]), "--engine", "edge", "-o", str(out), *extra],
        cwd=out, cache=cache, edge_url=server.url, timeout=timeout,
    )


def test_edge_build_passes_check(
    edge_server: EdgeTestServer, tmp_path: Path, cache_dir: Path
) -> None:
    started = time.monotonic()
    done = edge_build(edge_server, tmp_path, cache_dir)
    MEASURED.setdefault("edge", {})["healthy_wall_s"] = round(time.monotonic() - started, 1)
    assert done.returncode == 0, describe(done)
    bundle_dir = tmp_path / SMALL
    data = manifest(bundle_dir)
    assert data["engine"] == "edge"
    assert all(s["engine"] == "edge" for s in data["segments"])
    cues = audit.parse_srt(bundle_dir / "episode.srt")
    assert len(cues) > 10
    spoken = {r.text for r in edge_server.requests}
    assert len(spoken) >= len(data["segments"])  # every segment went through the server
    check = episode(["check", str(bundle_dir)], cwd=tmp_path, cache=cache_dir)
    assert check.returncode == 0, describe(check)
    code, stderr = audit.ffmpeg_decode_errors(bundle_dir / "episode.mp3")
    assert code == 0 and not stderr


def test_edge_transient_faults_are_retried(
    edge_server: EdgeTestServer, tmp_path: Path, cache_dir: Path
) -> None:
    edge_server.script_faults(["http503", "drop", "noaudio"])
    started = time.monotonic()
    done = edge_build(edge_server, tmp_path, cache_dir)
    MEASURED.setdefault("edge", {})["transient_wall_s"] = round(time.monotonic() - started, 1)
    assert done.returncode == 0, describe(done)
    assert edge_server.connections[:3] == ["http503", "drop", "noaudio"]
    data = manifest(tmp_path / SMALL)
    assert data["stats"]["synthesized"] == len(data["segments"])
    check = episode(["check", str(tmp_path / SMALL)], cwd=tmp_path, cache=cache_dir)
    assert check.returncode == 0, describe(check)


def test_edge_persistent_failure_exits_3_and_keeps_finished_segments(
    edge_server: EdgeTestServer, tmp_path: Path, cache_dir: Path
) -> None:
    healthy_first = 6  # the probe and the first few segments are answered, then 503 for good
    edge_server.script_faults(["ok"] * healthy_first)
    edge_server.always("http503")
    started = time.monotonic()
    done = edge_build(edge_server, tmp_path, cache_dir, "--jobs", "1")
    elapsed = time.monotonic() - started
    MEASURED.setdefault("edge", {})["persistent_fault_wall_s"] = round(elapsed, 1)
    assert done.returncode == 3, describe(done)
    messages = [line for line in done.stderr.splitlines()
                if line.strip() and not PROGRESS_LINE.match(line)]
    assert len(messages) == 1, f"expected one line of error, got:\n{done.stderr}"
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert re.search(r"segment \d+", messages[0]), messages[0]
    cached = complete_entries(cache_dir)
    assert len(cached) >= 1, "nothing that finished before the failure was kept"
    # 5 retries with full-jitter backoff of at most 0.5, 1, 2, 4, 8 s: 15.5 s at worst, plus
    # start-up and a loaded machine; far longer means the backoff is not bounded as designed.
    assert elapsed < 30, f"a persistently failing service took {elapsed:.1f} s to give up"

    edge_server.always("ok")
    before = len(edge_server.requests)
    again = edge_build(edge_server, tmp_path, cache_dir)
    assert again.returncode == 0, describe(again)
    data = manifest(tmp_path / SMALL)
    total = len(data["segments"])
    assert data["stats"]["from_cache"] >= len(cached) > 0, data["stats"]
    assert data["stats"]["synthesized"] == total - data["stats"]["from_cache"], data["stats"]
    # Only the missing segments (plus the engine's probe) went to the service.
    assert len(edge_server.requests) - before <= data["stats"]["synthesized"] + 1


# ---------------------------------------------------------------------------- D. kill -9


def _snapshot_final_files(bundle_dir: Path) -> dict[str, bytes]:
    if not bundle_dir.is_dir():
        return {}
    return {p.name: p.read_bytes() for p in bundle_dir.iterdir() if p.name in BUNDLE_FILES}


def test_sigkill_mid_synthesis_resumes(tmp_path: Path, cache_dir: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with EdgeTestServer(delay_ms=300) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "episodekit", "build", str(SEEDS[SMALL]), "--engine", "edge",
             "--jobs", "2", "-o", str(out)],
            cwd=tmp_path, env=_env(cache_dir, server.url),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and process.poll() is None:
                if len(complete_entries(cache_dir)) >= 4:
                    break
                time.sleep(0.02)
            assert process.poll() is None, "the build finished before it could be killed"
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        first_requests = list(server.requests)
    at_kill = complete_entries(cache_dir)
    files_at_kill = _snapshot_final_files(out / SMALL)
    assert at_kill, "no segment was complete at kill time"

    # Which texts were cached at kill time: match entries to the texts the server was sent.
    metas = {k: json.loads((cache_dir / k[:2] / f"{k}.json").read_text()) for k in at_kill}
    cached_texts: set[str] = set()
    for request in first_requests:
        for key, meta in metas.items():
            voice = VoiceSettings(**meta["voice"])
            if cache_key(meta["engine"], voice, request.text) == key:
                cached_texts.add(request.text)
    assert len(cached_texts) == len(at_kill), "cannot tell which texts the cache entries hold"

    with EdgeTestServer() as server:
        done = episode(["build", str(SEEDS[SMALL]), "--engine", "edge", "--jobs", "2",
                        "-o", str(out)], cwd=tmp_path, cache=cache_dir, edge_url=server.url)
        second_texts = [r.text for r in server.requests]
    assert done.returncode == 0, describe(done)
    data = manifest(out / SMALL)
    total = len(data["segments"])
    assert total > len(at_kill), "every segment was already cached: the kill came too late"
    assert data["stats"]["from_cache"] >= len(at_kill), (data["stats"], len(at_kill))
    assert data["stats"]["synthesized"] == total - data["stats"]["from_cache"], data["stats"]
    resent = cached_texts.intersection(second_texts)
    assert not resent, f"{len(resent)} segments cached before the kill were sent again"

    # Anything under a final name at kill time must have been whole.
    for name, content in files_at_kill.items():
        if name == "episode.mp3":
            path = tmp_path / "killed.mp3"
            path.write_bytes(content)
            code, stderr = audit.ffmpeg_decode_errors(path)
            assert code == 0 and not stderr, f"half-written episode.mp3 at kill time: {stderr}"
        elif name == "manifest.json":
            json.loads(content)
        elif name == "script.md":
            assert content == (out / SMALL / "script.md").read_bytes(), "partial script.md"
        else:
            assert content.strip(), f"empty {name} at kill time"
    MEASURED.setdefault("sigkill", {}).update(
        complete_at_kill=len(at_kill), total=total, from_cache=data["stats"]["from_cache"],
        files_at_kill=sorted(files_at_kill),
    )


# ---------------------------------------------------------------------------- A. the bundle


def test_bundle_has_every_file(bundle_dir: Path) -> None:
    missing = [name for name in BUNDLE_FILES if not (bundle_dir / name).is_file()]
    assert not missing, f"missing from {bundle_dir}: {missing}"


def test_episode_check_passes(bundle_dir: Path, offline_root: Path) -> None:
    done = episode(["check", str(bundle_dir)], cwd=offline_root, cache=offline_root / "cache")
    assert done.returncode == 0, describe(done)


def test_mp3_decodes_without_error(bundle_dir: Path) -> None:
    code, stderr = audit.ffmpeg_decode_errors(bundle_dir / "episode.mp3")
    assert code == 0 and stderr == "", f"ffmpeg exit {code}: {stderr[:2000]}"


def test_loudness_and_true_peak(bundle_dir: Path) -> None:
    measured = audit.ebur128(bundle_dir / "episode.mp3")
    MEASURED.setdefault(bundle_dir.name, {}).update(
        lufs=measured.integrated_lufs, true_peak=measured.true_peak_dbtp
    )
    assert -17.0 <= measured.integrated_lufs <= -15.0, measured
    assert measured.true_peak_dbtp <= -1.0, measured


def test_mp3_format(bundle_dir: Path) -> None:
    """Mono, 24 kHz (48-80 kbps) or 44.1/48 kHz (64-128 kbps), as the README and Apple say."""
    header = audit._probe_header(bundle_dir / "episode.mp3")
    match = re.search(r"Audio: mp3.*?, (\d+) Hz, (mono|stereo).*?, (\d+) kb/s", header)
    assert match, header
    rate, layout, kbps = int(match.group(1)), match.group(2), int(match.group(3))
    assert layout == "mono", header
    if rate == 24000:
        assert 48 <= kbps <= 80, header
    else:
        assert rate in (44100, 48000) and 64 <= kbps <= 128, header


def test_cues_break_where_a_subtitler_breaks(bundle_dir: Path) -> None:
    """Issue 12, on the seeds: no cue across a sentence end, at most 1 % of breaks inside a
    word (by rjieba), no cue opening or closing on a binding particle, at most 1 % of breaks
    inside a Latin name that fits a line (the few left are where the 9 characters/s or 0.833 s
    rule leaves no other place), and a cue ends inside a clause only where the clause is too
    wide for it or a lead-in too short for a cue of its own had to join it."""
    texts = [str(s["text"]) for s in manifest(bundle_dir)["segments"]]
    cues = [cue.content.split("\n") for cue in audit.parse_srt(bundle_dir / "episode.srt")]
    found = audit.subtitle_breaks(texts, cues, 16 * MAX_LINES)
    assert found.sentence_spans == 0, found
    assert found.word_splits <= 0.01 * found.breaks, found
    assert found.particle_edges == 0, found
    assert found.name_splits <= 0.01 * found.breaks, found
    # A cue ends inside a clause that would fit one only after a lead-in (首先，他認為，) too
    # short to be a cue of its own: the 0.833 s minimum makes it share the next clause's cue.
    # (Measured on the seeds: 000 5 of 5, 003 3 of 3, 004 7 of 10, stand-in 1 of 2.)
    assert found.inside_fitting - found.after_lead_in <= 0.01 * found.cues, found


def test_srt_cues_within_standards(bundle_dir: Path) -> None:
    cues = audit.parse_srt(bundle_dir / "episode.srt")
    assert len(cues) > 10
    audio_end = analysis_of(bundle_dir / "episode.mp3")[1]
    problems: list[str] = []
    previous_start = previous_end = -1.0
    for number, cue in enumerate(cues, start=1):
        where = f"cue {number} ({cue.start}..{cue.end}) {cue.content!r}"
        if cue.index != number:
            problems.append(f"{where}: numbered {cue.index}")
        start, end = cue.start.total_seconds(), cue.end.total_seconds()
        lines = cue.content.split("\n")
        if len(lines) > MAX_LINES:
            problems.append(f"{where}: {len(lines)} lines")
        for line in lines:
            if audit.line_width(line) > MAX_LINE_WIDTH:
                problems.append(f"{where}: line width {audit.line_width(line)}")
            if not line.strip():
                problems.append(f"{where}: empty line")
            elif line[0] in audit.CLAUSE_END or line[-1] in audit.CLAUSE_END:
                problems.append(f"{where}: line starts or ends with clause punctuation")
        duration = end - start
        if end <= start:
            problems.append(f"{where}: ends before it starts")
        elif not MIN_CUE_S - 0.0005 <= duration <= MAX_CUE_S + 0.0005:
            problems.append(f"{where}: lasts {duration:.3f} s")
        else:
            chars = sum(audit.line_width(line) for line in lines)
            if chars / duration > MAX_CPS + 1e-9:
                problems.append(f"{where}: {chars / duration:.2f} characters per second")
        if start < previous_start:
            problems.append(f"{where}: starts before the previous cue")
        if start < previous_end - 1e-9:
            problems.append(f"{where}: overlaps the previous cue (ends {previous_end:.3f})")
        previous_start, previous_end = start, max(previous_end, end)
    if cues[-1].end.total_seconds() > audio_end + 1e-3:
        problems.append(f"last cue ends at {cues[-1].end} after the audio ({audio_end:.3f} s)")
    assert not problems, f"{len(problems)} violations:\n" + "\n".join(problems[:40])


def test_vtt_matches_srt(bundle_dir: Path) -> None:
    raw = (bundle_dir / "episode.vtt").read_bytes()
    assert raw.startswith(b"WEBVTT\n\n") or raw.startswith(b"WEBVTT\r\n\r\n"), raw[:40]
    vtt = audit.parse_vtt(bundle_dir / "episode.vtt")
    srt_cues = audit.parse_srt(bundle_dir / "episode.srt")
    assert len(vtt) == len(srt_cues)
    for number, (v, s) in enumerate(zip(vtt, srt_cues, strict=True), start=1):
        assert (v.start, v.end, v.text) == (s.start, s.end, s.content), f"cue {number}"


@dataclass(frozen=True)
class Boundary:
    end_s: float  # the cue before ends
    start_s: float  # the next cue starts
    after_punctuation: bool


def cue_boundaries(bundle_dir: Path) -> list[Boundary]:
    """Every boundary between two cues, with whether the script has punctuation (or a paragraph
    break) between the last character of the one and the first of the next."""
    cues = audit.parse_srt(bundle_dir / "episode.srt")
    script = "\n".join(audit.script_paragraphs(bundle_dir / "script.md"))
    origin: list[int] = []  # for each text character of the script, its index in `script`
    for index, char in enumerate(script):
        origin.extend([index] * len(audit.text_chars(char)))
    boundaries: list[Boundary] = []
    position = 0
    for before, after in itertools.pairwise(cues):
        position += len(audit.text_chars(before.content))
        assert 0 < position < len(origin), "cue text runs past the script"
        between = script[origin[position - 1] + 1 : origin[position]]
        punctuated = "\n" in between or any(audit.is_break_punct(c) for c in between)
        boundaries.append(
            Boundary(before.end.total_seconds(), after.start.total_seconds(), punctuated)
        )
    return boundaries


def test_cue_text_is_the_script_text(bundle_dir: Path) -> None:
    cues = audit.parse_srt(bundle_dir / "episode.srt")
    subtitle = audit.text_chars("".join(cue.content for cue in cues))
    script = audit.text_chars("".join(audit.script_paragraphs(bundle_dir / "script.md")))
    segments = audit.text_chars("".join(s["text"] for s in manifest(bundle_dir)["segments"]))
    assert subtitle == script, _first_difference(subtitle, script, "srt", "script.md")
    assert segments == script, _first_difference(segments, script, "manifest", "script.md")


def _first_difference(a: str, b: str, name_a: str, name_b: str) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
              min(len(a), len(b)))
    return (
        f"{name_a} ({len(a)} chars) and {name_b} ({len(b)} chars) differ at {at}:\n"
        f"  {name_a}: …{a[max(0, at - 15) : at + 25]}\n  {name_b}: …{b[max(0, at - 15) : at + 25]}"
    )


def test_cue_boundaries_after_punctuation_fall_in_pauses(bundle_dir: Path) -> None:
    boundaries = cue_boundaries(bundle_dir)
    levels = analysis_of(bundle_dir / "episode.mp3")[0]
    speech = audit.speech_level_db(levels)
    quiet = levels < speech - 30.0

    def share(selected: list[Boundary]) -> float:
        hits = sum(audit.quiet_run_near(quiet, b.end_s, b.start_s) for b in selected)
        return hits / len(selected) if selected else 1.0

    punctuated = [b for b in boundaries if b.after_punctuation]
    inner = [b for b in boundaries if not b.after_punctuation]
    measured = share(punctuated)
    MEASURED.setdefault(bundle_dir.name, {}).update(
        pause_share=round(measured * 100, 1), punctuated=len(punctuated),
        inner_pause_share=round(share(inner) * 100, 1), inner=len(inner),
    )
    assert len(punctuated) >= 10
    missed = [
        f"{b.end_s:.3f}/{b.start_s:.3f}" for b in punctuated
        if not audit.quiet_run_near(quiet, b.end_s, b.start_s)
    ]
    assert measured >= PAUSE_SHARE, (
        f"only {measured:.1%} of {len(punctuated)} clause-end boundaries are in a pause; "
        f"missed at {missed[:20]}"
    )


def test_chapters_txt_matches_manifest(bundle_dir: Path) -> None:
    chapters = manifest(bundle_dir)["chapters"]
    lines = (bundle_dir / "chapters.txt").read_text(encoding="utf-8").strip("\n").split("\n")
    assert len(chapters) >= 3 and len(lines) == len(chapters), (lines, chapters)
    duration_ms = manifest(bundle_dir)["duration_ms"]
    for line, chapter in zip(lines, chapters, strict=True):
        match = re.fullmatch(r"(?:(\d+):([0-5]\d)|(\d+):([0-5]\d):([0-5]\d)) (.+)", line)
        assert match, f"chapters.txt line {line!r}"
        if match.group(1) is not None:
            assert len(match.group(1)) == 2, line  # MM:SS
            seconds = int(match.group(1)) * 60 + int(match.group(2))
        else:
            assert int(match.group(3)) >= 1, line  # H:MM:SS only past an hour
            seconds = int(match.group(3)) * 3600 + int(match.group(4)) * 60 + int(match.group(5))
        assert match.group(6) == chapter["title"], line
        assert seconds == chapter["start_ms"] // 1000, (line, chapter)
    assert lines[0].startswith("00:00 "), lines[0]
    starts = [c["start_ms"] for c in chapters]
    ends = [*starts[1:], duration_ms]
    for chapter, start, end in zip(chapters, starts, ends, strict=True):
        assert end - start >= 10_000, f"chapter {chapter['title']!r} lasts {end - start} ms"


def test_id3_tags_and_chapters(bundle_dir: Path) -> None:
    tags = ID3(bundle_dir / "episode.mp3")
    for frame in ("TIT2", "TPE1", "TALB", "TDRC"):
        assert tags.getall(frame) and str(tags.getall(frame)[0]).strip(), f"no {frame}"
    assert tags.getall("COMM"), "no COMM frame"
    chapters = manifest(bundle_dir)["chapters"]
    frames = sorted(tags.getall("CHAP"), key=lambda f: f.start_time)
    assert len(frames) == len(chapters)
    for frame, chapter in zip(frames, chapters, strict=True):
        title = frame.sub_frames.getall("TIT2")
        assert title and str(title[0]) == chapter["title"]
        assert abs(frame.start_time - chapter["start_ms"]) <= 1, (frame, chapter)
    toc = tags.getall("CTOC")
    assert toc, "no CTOC frame"
    assert set(toc[0].child_element_ids) == {f.element_id for f in frames}


def test_script_md_is_clean(bundle_dir: Path) -> None:
    text = (bundle_dir / "script.md").read_text(encoding="utf-8")
    body = "\n".join(audit.script_paragraphs(bundle_dir / "script.md"))
    assert sum(body.count(g) for g in GREETINGS) == 1, "the greeting is not said exactly once"
    assert sum(body.count(s) for s in SIGNOFFS) == 1, "the sign-off is not said exactly once"
    assert "*" not in text
    for number, line in enumerate(text.split("\n"), start=1):
        if "#" in line:
            assert line.startswith("## ") and "#" not in line[3:], f"line {number}: {line!r}"
    assert "[model=" not in text
    assert "整理說明" not in text and "整理说明" not in text
    # The front matter's `source:` and `link:` lines carry URLs by design (README); the
    # narrated body and the headings must not.
    spoken_part = text.split("\n---\n", 1)[1] if text.startswith("---\n") else text
    assert "http" not in spoken_part.lower(), "a URL in the script's body"
    bad = [
        f"U+{ord(c):04X}" for c in text
        if c not in "\n" and (unicodedata.category(c) in ("Cc", "Cf") or c == "\ufeff")
    ]
    assert not bad, f"control or zero-width characters in script.md: {sorted(set(bad))}"


# ---------------------------------------------------------------------------- B. the cache


@pytest.fixture(scope="module")
def rebuilt(offline_builds: dict[str, Built], offline_root: Path) -> dict[str, object]:
    """Seed 000 built again (same cache) into its own folder, then rebuilt after an edit."""
    cache = offline_root / "cache"
    work = offline_root / "rebuild"
    work.mkdir()
    seed = SEEDS[SMALL]
    again = episode(["build", str(seed), "--engine", "offline", "-o", str(work)],
                    cwd=work, cache=cache)
    assert again.returncode == 0, describe(again)
    bundle_dir = work / SMALL
    second = manifest(bundle_dir)

    # Change two characters of one paragraph that is a single segment.
    script_path = bundle_dir / "script.md"
    paragraphs = audit.script_paragraphs(script_path)
    per_paragraph: dict[int, int] = {}
    for segment in second["segments"]:
        per_paragraph[segment["paragraph"]] = per_paragraph.get(segment["paragraph"], 0) + 1
    target = next(i for i in range(2, len(paragraphs)) if per_paragraph.get(i) == 1
                  and re.search(r"[\u4e00-\u9fff]{2}", paragraphs[i][2:]))
    old = paragraphs[target]
    match = re.search(r"[\u4e00-\u9fff]{2}", old[2:])
    assert match
    at = match.start() + 2
    new = old[:at] + "測試" + old[at + 2 :]
    text = script_path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    script_path.write_text(text.replace(old, new), encoding="utf-8")
    edited = episode(["build", str(seed), "--engine", "offline", "-o", str(work)],
                     cwd=work, cache=cache)
    assert edited.returncode == 0, describe(edited)
    return {"bundle": bundle_dir, "second": second, "third": manifest(bundle_dir),
            "new": new, "old": old, "result": edited}


def test_second_build_synthesizes_nothing(rebuilt: dict[str, object]) -> None:
    second = rebuilt["second"]
    assert isinstance(second, dict)
    assert second["stats"]["synthesized"] == 0, second["stats"]
    assert second["stats"]["from_cache"] == len(second["segments"]), second["stats"]


def test_edit_is_kept_and_only_it_is_spoken(rebuilt: dict[str, object]) -> None:
    bundle_dir, third, new = rebuilt["bundle"], rebuilt["third"], rebuilt["new"]
    assert isinstance(bundle_dir, Path) and isinstance(third, dict) and isinstance(new, str)
    assert new in (bundle_dir / "script.md").read_text(encoding="utf-8"), "the edit was lost"
    subtitle = audit.text_chars("".join(c.content for c in audit.parse_srt(
        bundle_dir / "episode.srt")))
    assert audit.text_chars(new) in subtitle, "the edited text is not in the subtitles"
    assert third["stats"]["synthesized"] == 1, third["stats"]
    assert third["stats"]["from_cache"] == len(third["segments"]) - 1, third["stats"]


# ------------------------------------------------------------------------ D. the show and the feed

OLD_NAMES = ("最佳拍檔", "最佳拍档", "大飛", "大飞")
FEED_SHOW = """name = "最佳拍檔"
host = "大飛"
base_url = "https://example.com/podcast/"
[owner]
name = "大飛"
email = "host@example.com"
"""
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"


def _feed_files(out: Path, url: str) -> Path:
    base = "https://example.com/podcast/"
    assert url.startswith(base), url
    return out / url[len(base):]


@pytest.fixture(scope="module")
def fed(offline_builds: dict[str, Built], offline_root: Path) -> dict[str, object]:
    """The three seed bundles copied into their own out/ and a feed written over them; then
    seed 000 rebuilt there (same cache) and the feed written again."""
    import shutil

    for built_seed in offline_builds.values():
        assert built_seed.result.returncode == 0, describe(built_seed.result)
    cache, work = offline_root / "cache", offline_root / "feed"
    out = work / "out"
    shutil.copytree(offline_root / "out", out)
    show = work / "show.toml"
    show.write_text(FEED_SHOW, encoding="utf-8")
    first = episode(["feed", str(out), "--show", str(show)], cwd=work, cache=cache)
    assert first.returncode == 0, describe(first)
    before = (out / "feed.xml").read_bytes()
    again = episode(["build", str(SEEDS[SMALL]), "--engine", "offline", "-o", str(out),
                     "--show", str(show)], cwd=work, cache=cache)
    assert again.returncode == 0, describe(again)
    second = episode(["feed", str(out), "--show", str(show)], cwd=work, cache=cache)
    assert second.returncode == 0, describe(second)
    checked = episode(["check", str(out)], cwd=work, cache=cache)
    return {"out": out, "before": before, "after": (out / "feed.xml").read_bytes(),
            "check": checked}


def test_feed_is_read_by_feedparser_without_bozo(fed: dict[str, object]) -> None:
    import feedparser

    for key in ("before", "after"):
        parsed = feedparser.parse(fed[key])
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert len(parsed.entries) == len(SEEDS)


def test_feed_has_every_apple_field(fed: dict[str, object]) -> None:
    import xml.etree.ElementTree as ET

    import feedparser

    raw = fed["after"]
    assert isinstance(raw, bytes)
    parsed = feedparser.parse(raw)
    channel = parsed.feed
    assert channel.title == "最佳拍檔" and channel.language == "zh-TW"
    assert 0 < len(channel.subtitle.encode("utf-8")) <= 4000
    assert channel.image.href == "https://example.com/podcast/artwork.jpg"
    assert channel.tags[0].term == "Technology"
    assert channel.author_detail.name == "大飛"
    assert channel.publisher_detail.email == "host@example.com"
    root = ET.fromstring(raw).find("channel")
    assert root is not None and root.findtext(f"{ITUNES}explicit") == "false"
    for entry, item in zip(parsed.entries, root.findall("item"), strict=True):
        assert entry.title and entry.summary and entry.id and entry.published_parsed
        assert int(entry.itunes_duration) > 60
        [enclosure] = entry.enclosures
        assert enclosure.type == "audio/mpeg"
        kinds = {t.get("type") for t in item.findall(f"{PODCAST}transcript")}
        assert kinds == {"application/x-subrip", "text/vtt"}
        chapters = item.find(f"{PODCAST}chapters")
        assert chapters is not None and chapters.get("type") == "application/json+chapters"
        for url in [t.get("url", "") for t in item.findall(f"{PODCAST}transcript")] + [
            chapters.get("url", "")
        ]:
            assert _feed_files(fed["out"], url).is_file(), url  # type: ignore[arg-type]


def test_feed_enclosure_lengths_are_the_files(fed: dict[str, object]) -> None:
    import feedparser

    out = fed["out"]
    assert isinstance(out, Path)
    for entry in feedparser.parse(fed["after"]).entries:
        [enclosure] = entry.enclosures
        assert int(enclosure.length) == _feed_files(out, enclosure.href).stat().st_size


def test_guids_and_dates_survive_a_rebuild(fed: dict[str, object]) -> None:
    import feedparser

    before = {e.link if "link" in e else e.title: (e.id, e.published)
              for e in feedparser.parse(fed["before"]).entries}
    after = {e.link if "link" in e else e.title: (e.id, e.published)
             for e in feedparser.parse(fed["after"]).entries}
    assert before == after
    assert len({guid for guid, _ in after.values()}) == len(SEEDS)


def test_episode_check_passes_on_the_feed(fed: dict[str, object]) -> None:
    checked = fed["check"]
    assert isinstance(checked, subprocess.CompletedProcess)
    assert checked.returncode == 0, describe(checked)


def test_a_new_show_carries_its_name_and_host_everywhere(
    offline_builds: dict[str, Built], offline_root: Path
) -> None:
    """episode init, edit the name and host, build a seed from the show folder, write the feed:
    the script, the MP3's tags, the cover, the feed and upload.json all say the new ones."""
    from PIL import Image

    from episodekit.bundle.cover import render_cover
    from episodekit.show import default_show, load_show

    cache, show_dir = offline_root / "cache", offline_root / "myshow"
    init = episode(["init", str(show_dir)], cwd=offline_root, cache=cache)
    assert init.returncode == 0, describe(init)
    show_file = show_dir / "show.toml"
    text = show_file.read_text(encoding="utf-8")
    for old, new in (('name = "最佳拍檔"', 'name = "矽谷夜話"'), ('host = "大飛"', 'host = "阿明"'),
                     ('base_url = ""', 'base_url = "https://example.com/podcast/"'),
                     ('email = ""', 'email = "amin@example.com"')):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    show_file.write_text(text, encoding="utf-8")
    built_show = episode(["build", str(SEEDS[SMALL]), "--engine", "offline"], cwd=show_dir,
                         cache=cache)
    assert built_show.returncode == 0, describe(built_show)
    fed_show = episode(["feed"], cwd=show_dir, cache=cache)
    assert fed_show.returncode == 0, describe(fed_show)
    bundle = show_dir / "out" / SMALL

    script = (bundle / "script.md").read_text(encoding="utf-8")
    assert "大家好，這裡是矽谷夜話，我是阿明。" in script
    tags = ID3(bundle / "episode.mp3")
    assert str(tags["TPE1"]) == "阿明" and str(tags["TALB"]) == "矽谷夜話"
    feed = (show_dir / "out" / "feed.xml").read_text(encoding="utf-8")
    assert "<title>矽谷夜話</title>" in feed and "<itunes:author>阿明</itunes:author>" in feed
    upload = (bundle / "upload.json").read_text(encoding="utf-8")
    assert "矽谷夜話" in upload and "阿明" in upload
    texts = {"script.md": script, "feed.xml": feed, "upload.json": upload,
             "description.txt": (bundle / "description.txt").read_text(encoding="utf-8"),
             "ID3": " ".join(str(frame) for frame in tags.values())}
    for name, content in texts.items():
        for old in OLD_NAMES:
            assert old not in content, f"{name} still says {old}"
    # The cover is the one drawn for the new show, not for the default one.
    title = manifest(bundle)["title"]
    cover = (bundle / "cover.jpg").read_bytes()
    assert cover == render_cover(title, load_show(show_file), "hant")
    assert cover != render_cover(title, default_show(), "hant")
    with Image.open(bundle / "cover.jpg") as picture:
        assert picture.size == (1280, 720)


# ---------------------------------------------------------------------------- report


@pytest.fixture(scope="session", autouse=True)
def _print_measurements() -> Iterator[None]:
    yield
    if MEASURED:
        lines = ["", "acceptance measurements:"]
        lines += [f"  {name}: {figures}" for name, figures in sorted(MEASURED.items())]
        sys.stderr.write("\n".join(lines) + "\n")

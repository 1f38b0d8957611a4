"""Assembly at scale on synthetic episodes (absorbs the first bench/bench_assemble.py).

Segments are ~4.5 s of speech-like noise (2400 of them make 3 hours), drawn from a pool of 16
WAV files made once. Each measurement runs in its own process (run by bench/run.py through
common.run_measured) so its peak memory is its own:

    python bench/scale.py pool DIR                      # make the pool
    python bench/scale.py assemble DIR MINUTES WORK     # render_episode; then the ffmpeg floor
    python bench/scale.py pydub DIR MINUTES WORK        # naive pydub `+=` then export

Each prints one JSON line.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np

RATE = 24_000
POOL = 16
PAUSE_MS = 250  # every synthetic segment ends a sentence: 250 ms after it


def make_pool(folder: Path, count: int = POOL) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        ms = 4000 + (100 * i) % 1000
        n = ms * RATE // 1000
        t = np.arange(n) / RATE
        envelope = 0.3 + 0.7 * np.abs(np.sin(2 * np.pi * 2.5 * t)) ** 3
        x = envelope * (0.15 * rng.standard_normal(n) + 0.4 * np.sin(2 * np.pi * 180 * t))
        with wave.open(str(folder / f"pool{i}.wav"), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(RATE)
            wav.writeframes((np.clip(x, -1, 1) * 20000).astype("<i2").tobytes())


def pool_files(folder: Path) -> list[tuple[Path, int]]:
    files = []
    for i in range(POOL):
        path = folder / f"pool{i}.wav"
        with wave.open(str(path), "rb") as wav:
            files.append((path, wav.getnframes() * 1000 // RATE))
    return files


def episode_plan(folder: Path, minutes: float) -> list[tuple[Path, int]]:
    """(wav, ms) per segment until the episode reaches `minutes`."""
    pool = pool_files(folder)
    plan: list[tuple[Path, int]] = []
    total = 0
    while total < minutes * 60_000:
        path, ms = pool[len(plan) % len(pool)]
        plan.append((path, ms))
        total += ms + PAUSE_MS
    return plan


def ffmpeg_floor(raw: Path, out: Path) -> float:
    """Seconds for ffmpeg alone to encode the raw PCM `raw` to a 64 kbit/s mono MP3."""
    from episodekit.media import ffmpeg_exe

    start = time.perf_counter()
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-y", "-f", "s16le", "-ar", "24000", "-ac",
         "1", "-i", str(raw), "-c:a", "libmp3lame", "-b:a", "64k", str(out)],
        check=True,
    )
    return time.perf_counter() - start


def run_assemble(folder: Path, minutes: float, work: Path) -> dict[str, object]:
    from common import TreeSampler

    from episodekit.audio import ffmpeg as master
    from episodekit.audio.mix import join_pcm, render_episode
    from episodekit.audio.timeline import chapter_marks, episode_length_ms, plan_timeline
    from episodekit.model import Segment, Tags, VoiceSettings

    encode_passes = []
    real_encode = master.encode_mp3

    def counting_encode(*args: object, **kwargs: object) -> object:
        start = time.perf_counter()
        result = real_encode(*args, **kwargs)  # type: ignore[arg-type]
        encode_passes.append(round(time.perf_counter() - start, 2))
        return result

    master.encode_mp3 = counting_encode  # type: ignore[assignment]

    voice = VoiceSettings("offline", "cmn")
    segments = [
        Segment(i, i // 100, i % 100, "narrator", "x", "x", path, ms, (), voice,
                pause_after="sentence")
        for i, (path, ms) in enumerate(episode_plan(folder, minutes))
    ]
    placements = plan_timeline(segments)
    total_ms = episode_length_ms(placements)
    titles = [f"第{i + 1}章" for i in range(segments[-1].chapter + 1)]
    marks = chapter_marks(placements, titles, total_ms)
    import os

    with TreeSampler(os.getpid()) as sampler:
        start = time.perf_counter()
        report = render_episode(placements, work / "out" / "episode.mp3", total_ms=total_ms,
                                tags=Tags("bench"), chapters=marks, work_dir=work / "work")
        assemble_s = time.perf_counter() - start
    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    # The floor: ffmpeg alone encoding the same samples from a raw file.
    raw = work / "raw.s16"
    with raw.open("wb") as handle:
        join_pcm(placements, total_ms, handle.write)
    floor_s = ffmpeg_floor(raw, work / "plain.mp3")
    raw.unlink()
    return {
        "minutes": minutes, "segments": len(segments), "duration_ms": total_ms,
        "assemble_s": assemble_s, "floor_s": floor_s,
        "python_peak_mb": rss_self, "ffmpeg_peak_mb": rss_children,
        "tree_peak_mb": sampler.peak_mb,
        "lufs": report.integrated_lufs, "true_peak": report.true_peak_dbtp,
        "attempts": report.attempts, "encode_passes_s": encode_passes,
        "steps": {k: round(v, 3) for k, v in report.seconds_by_step.items()},
    }


def run_pydub(folder: Path, minutes: float, work: Path) -> dict[str, object]:
    """The naive way: `episode += segment` in a loop, then pydub's export."""
    from pydub import AudioSegment

    from episodekit.media import ffmpeg_exe

    AudioSegment.converter = ffmpeg_exe()
    plan = episode_plan(folder, minutes)
    start = time.perf_counter()
    pause = AudioSegment.silent(duration=PAUSE_MS, frame_rate=RATE)
    episode = AudioSegment.empty()
    for path, _ in plan:
        episode += AudioSegment.from_wav(str(path)) + pause
    join_s = time.perf_counter() - start
    episode.export(str(work / "pydub.mp3"), format="mp3", bitrate="64k")
    total_s = time.perf_counter() - start
    return {"minutes": minutes, "segments": len(plan), "join_s": join_s, "total_s": total_s,
            "python_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    command, folder = sys.argv[1], Path(sys.argv[2])
    if command == "pool":
        make_pool(folder)
        return
    minutes, work = float(sys.argv[3]), Path(sys.argv[4])
    work.mkdir(parents=True, exist_ok=True)
    result = (run_assemble if command == "assemble" else run_pydub)(folder, minutes, work)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

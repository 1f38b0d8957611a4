"""Assembly speed and memory against ffmpeg's plain MP3 encode of the same audio.

    .venv/bin/python bench/bench_assemble.py 15 60 180    # episode lengths in minutes

Each length runs in its own process so its peak RSS is its own. Segments are ~4.5 s of
speech-like noise (2400 of them make 3 hours), drawn from a pool of 16 WAV files.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

RATE = 24_000


def make_pool(folder: Path, count: int = 16) -> list[tuple[Path, int]]:
    rng = np.random.default_rng(0)
    pool = []
    for i in range(count):
        ms = 4000 + 100 * i % 1000
        n = ms * RATE // 1000
        t = np.arange(n) / RATE
        envelope = 0.3 + 0.7 * np.abs(np.sin(2 * np.pi * 2.5 * t)) ** 3
        x = envelope * (0.15 * rng.standard_normal(n) + 0.4 * np.sin(2 * np.pi * 180 * t))
        path = folder / f"pool{i}.wav"
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(RATE)
            wav.writeframes((np.clip(x, -1, 1) * 20000).astype("<i2").tobytes())
        pool.append((path, ms))
    return pool


def run_one(minutes: int) -> dict[str, float]:
    from episodekit.assemble import chapter_marks, episode_length_ms, plan_timeline, render_episode
    from episodekit.master import ffmpeg_exe
    from episodekit.model import Segment, VoiceSettings
    from episodekit.tags import Tags

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pool = make_pool(folder)
        voice = VoiceSettings("offline", "cmn")
        segments, total = [], 0
        while total < minutes * 60_000:
            path, ms = pool[len(segments) % len(pool)]
            chapter = len(segments) // 100
            segments.append(Segment(len(segments), chapter, 0, "narrator", "x", "x", path, ms,
                                    (), voice, pause_after="sentence"))
            total += ms + 250
        placements = plan_timeline(segments)
        total_ms = episode_length_ms(placements)
        titles = [f"第{i}章" for i in range(segments[-1].chapter + 1)]
        marks = chapter_marks(placements, titles, total_ms)
        start = time.perf_counter()
        report = render_episode(placements, folder / "out" / "episode.mp3", total_ms=total_ms,
                                tags=Tags("bench"), chapters=marks, work_dir=folder / "work")
        assemble_s = time.perf_counter() - start
        rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

        # The baseline: ffmpeg alone encoding the same samples from a raw file.
        raw = folder / "raw.s16"
        with raw.open("wb") as handle:
            from episodekit.assemble import join_pcm

            join_pcm(placements, total_ms, handle.write)
        start = time.perf_counter()
        subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "s16le", "-ar", "24000",
                        "-ac", "1", "-i", str(raw), "-c:a", "libmp3lame", "-b:a", "64k",
                        str(folder / "plain.mp3")], check=True)
        encode_s = time.perf_counter() - start
        return {"minutes": minutes, "segments": len(segments), "assemble_s": round(assemble_s, 2),
                "ffmpeg_encode_s": round(encode_s, 2), "ratio": round(assemble_s / encode_s, 2),
                "peak_rss_python_mb": round(rss_self, 1),
                "peak_rss_ffmpeg_mb": round(rss_children, 1),
                "lufs": report.integrated_lufs, "true_peak": report.true_peak_dbtp,
                "attempts": report.attempts,
                "steps": {k: round(v, 2) for k, v in report.seconds_by_step.items()}}


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(run_one(int(sys.argv[2]))))
        return
    for minutes in [int(arg) for arg in sys.argv[1:]] or [15, 60, 180]:
        out = subprocess.run([sys.executable, __file__, "--one", str(minutes)],
                             capture_output=True, text=True, check=True)
        print(out.stdout.strip(), flush=True)


if __name__ == "__main__":
    main()

"""The video render against its floor: `episode video` on a built bundle, and ffmpeg encoding
the same still picture and the same audio with no text at all (1 fps, the same x264 and AAC
settings), measured back to back so that the shared machine's load hits both alike.

    .venv/bin/python bench/video.py                    # builds seed 004 offline first
    .venv/bin/python bench/video.py --bundle out/004_91e8d78da4333a85 --runs 2

Prints a Markdown table for bench/RESULTS.md. Not part of the test suite; never run by CI.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import PYTHON, ROOT, Stat, bench_env, machine, ratio_stat, run_measured

sys.path[:0] = [str(ROOT / "src")]

from episodekit.media import ffmpeg_exe  # noqa: E402
from episodekit.video.render import AAC_ARGS, X264_ARGS, background_still  # noqa: E402
from episodekit.video.style import VideoStyle  # noqa: E402

SEED = ROOT / "seeds" / "004_91e8d78da4333a85.txt"
TARGET_RTF = 0.1  # the target: render time at most a tenth of the episode's duration


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def build_seed(work: Path) -> Path:
    log(f"building {SEED.name} offline (untimed)")
    done = run_measured(
        [PYTHON, "-m", "episodekit", "build", str(SEED), "--engine", "offline", "-o", str(work)],
        env=bench_env(EPISODEKIT_CACHE_DIR=str(work / "cache")), cwd=work,
    )
    if done.returncode != 0:
        raise SystemExit(f"build failed: {done.stderr[-500:]}")
    return work / SEED.stem


def floor_command(bundle: Path, still: Path, out: Path) -> list[str]:
    return [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-loop", "1", "-framerate", "1",
            "-i", str(still), "-i", str(bundle / "episode.mp3"), "-map", "0:v", "-map", "1:a",
            *X264_ARGS, "-pix_fmt", "yuv420p", "-r", "1", *AAC_ARGS, "-shortest",
            "-movflags", "+faststart", str(out)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundle", type=Path, help="a built bundle (default: build seed 004)")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-video-") as tmp:
        work = Path(tmp)
        source = args.bundle or build_seed(work)
        bundle = work / "bundle"
        if source != bundle:
            shutil.copytree(source, bundle, dirs_exist_ok=True)
        (bundle / "episode.mp4").unlink(missing_ok=True)
        duration_s = json.loads((bundle / "manifest.json").read_text())["duration_ms"] / 1000
        still = work / "still.bmp"
        background_still(VideoStyle(), still)
        floor, burned, soft = Stat(), Stat(), Stat()
        env = bench_env()
        for run in range(args.runs):
            log(f"run {run + 1}/{args.runs}: floor")
            floor.add(run_measured(floor_command(bundle, still, work / "floor.mp4")).wall_s)
            for stat, extra in ((burned, []), (soft, ["--soft-subtitles"])):
                log(f"run {run + 1}/{args.runs}: episode video {' '.join(extra)}")
                done = run_measured(
                    [PYTHON, "-m", "episodekit", "video", str(bundle), *extra], env=env
                )
                if done.returncode != 0:
                    raise SystemExit(f"render failed: {done.stderr[-500:]}")
                stat.add(done.wall_s)
                frames = done.stdout.strip().splitlines()[-1]
                log(frames)
    report(source, duration_s, floor, burned, soft, time.perf_counter() - started)


def report(source: Path, duration_s: float, floor: Stat, burned: Stat, soft: Stat,
           wall_s: float) -> None:
    info = machine()
    rtf = Stat([value / duration_s for value in burned.values])
    verdict = "met" if rtf.median <= TARGET_RTF else "NOT met"
    print(f"## Video: `episode video` on {source.name} ({duration_s / 60:.1f} min)\n")
    print(f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with "
          f"`bench/video.py` in {wall_s / 60:.1f} min; load at start {info.get('load at start')}."
          " Figures: median [min–max] (n = runs).\n")
    print("| measure | wall time | ratio |")
    print("|---|---|---|")
    print(f"| floor: ffmpeg, same still + audio, no text, 1 fps | {floor.fmt(1, ' s')} | 1× |")
    print(f"| `episode video` (burned-in subtitles) | {burned.fmt(1, ' s')} | "
          f"**{ratio_stat(burned, floor).fmt(2, '×')} floor** |")
    print(f"| `episode video --soft-subtitles` | {soft.fmt(1, ' s')} | "
          f"{ratio_stat(soft, floor).fmt(2, '×')} floor |")
    print(f"| real-time factor, burned (wall / duration; target ≤ {TARGET_RTF}) | "
          f"{rtf.fmt(3)} | {verdict} |")


if __name__ == "__main__":
    main()

"""The episodekit benchmark: one command, a table, bench/RESULTS.md.

    .venv/bin/python bench/run.py            # the full run (about ten minutes on 2 cores)
    .venv/bin/python bench/run.py --quick    # a smoke run (small sizes, one run each, no file)

Every time figure is a ratio against a floor measured in the same run, and the median of
several runs with [min–max] beside it: the machine is shared and noisy. Builds and assemblies
run as subprocesses so that their peak memory is their own (see common.py for what is
measured). Not part of the test suite; never run by CI.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from common import PYTHON, ROOT, Measured, Stat, bench_env, machine, ratio_stat, run_measured

sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from texts import write_script  # noqa: E402

BENCH = ROOT / "bench"
SEED = ROOT / "seeds" / "004_91e8d78da4333a85.txt"
EDGE_DELAY_MS = 300


@dataclass
class Plan:
    runs: int = 3
    seed: Path = SEED
    scale: list[tuple[float, int]] = field(  # (minutes, runs)
        default_factory=lambda: [(15, 3), (60, 1), (180, 1)]
    )
    pydub_box_s: float = 60.0
    edge_segments: int = 100
    edge_jobs: tuple[int, ...] = (1, 4, 8, 16)
    big_paragraphs: int = 2400  # about 3 hours with the offline voice
    big_runs: int = 1


QUICK = Plan(
    runs=1, seed=ROOT / "seeds" / "000_c0def597f3ce7aed.txt", scale=[(5, 1), (15, 1)],
    pydub_box_s=20.0, edge_segments=20, edge_jobs=(1, 8), big_paragraphs=150,
)

STAGES = [  # (label, manifest timing keys)
    ("script", ["script"]),
    ("synthesis", ["synthesis"]),
    ("subtitles", ["subtitles"]),
    ("loudness (join + PCM meter)", ["join_and_measure"]),
    ("limiter fit (PCM through the limiter)", ["limiter_fit"]),
    ("encode (+ verify, all passes)", ["encode_and_verify"]),
    ("tags", ["tag"]),
]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- builds


@dataclass
class Build:
    measured: Measured
    manifest: dict
    folder: Path
    encode_passes: list[float]

    @property
    def stats(self) -> dict:
        return self.manifest["stats"]

    @property
    def duration_s(self) -> float:
        return self.manifest["duration_ms"] / 1000


def run_build(
    source: Path, out_root: Path, cache: Path, *extra: str, env: dict[str, str] | None = None
) -> Build:
    encode_log = out_root / f"encode-{time.time_ns()}.json"
    out_root.mkdir(parents=True, exist_ok=True)
    measured = run_measured(
        [PYTHON, str(BENCH / "buildwrap.py"), "build", str(source), "-o", str(out_root),
         "--engine", "offline", *extra],
        env=bench_env(EPISODEKIT_CACHE_DIR=str(cache), BENCH_ENCODE_LOG=str(encode_log),
                      **(env or {})),
    )
    if measured.returncode != 0:
        raise SystemExit(f"build of {source} failed ({measured.returncode}):\n"
                         f"{measured.stderr[-2000:]}")
    folder = out_root / source.stem
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    passes = json.loads(encode_log.read_text()) if encode_log.exists() else []
    return Build(measured, manifest, folder, passes)


def ffmpeg() -> str:
    from episodekit.media import ffmpeg_exe

    return ffmpeg_exe()


def decode_to_raw(mp3: Path, raw: Path) -> None:
    subprocess.run([ffmpeg(), "-v", "error", "-nostdin", "-y", "-i", str(mp3), "-f", "s16le",
                    "-ar", "24000", "-ac", "1", str(raw)], check=True)


def encode_floor(raw: Path, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run([ffmpeg(), "-v", "error", "-nostdin", "-y", "-f", "s16le", "-ar", "24000",
                    "-ac", "1", "-i", str(raw), "-c:a", "libmp3lame", "-b:a", "64k", str(out)],
                   check=True)
    return time.perf_counter() - start


def edit_one_paragraph(script_md: Path) -> str:
    """Change the text of one paragraph in the middle of the body; return the new paragraph."""
    text = script_md.read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    blocks = body.split("\n\n")
    spoken = [i for i, b in enumerate(blocks) if b.strip() and not b.lstrip().startswith("## ")]
    target = spoken[len(spoken) // 2]
    blocks[target] = blocks[target].rstrip() + "真的是這樣。"
    script_md.write_text(head + "\n---\n" + "\n\n".join(blocks), encoding="utf-8")
    return blocks[target].strip()


# ---------------------------------------------------------------- the sections


@dataclass
class Report:
    sections: list[str] = field(default_factory=list)
    targets: list[tuple[str, str, str, str]] = field(default_factory=list)

    def section(
        self, title: str, header: list[str], rows: list[list[str]], notes: str = ""
    ) -> None:
        lines = [f"## {title}", "", "| " + " | ".join(header) + " |",
                 "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        if notes:
            lines += ["", notes]
        self.sections.append("\n".join(lines))
        print("\n" + self.sections[-1] + "\n", flush=True)


def cold_and_rebuild(plan: Plan, tmp: Path, report: Report) -> None:
    wall, dur, floor, rebuild, resynth, fromcache = Stat(), Stat(), Stat(), Stat(), Stat(), Stat()
    maxrss, tree = Stat(), Stat()
    stages: dict[str, Stat] = {label: Stat() for label, _ in STAGES}
    other, passes, inproc = Stat(), Stat(), Stat()
    raw = tmp / "seed.s16"
    for run in range(plan.runs):
        log(f"cold build {run + 1}/{plan.runs} of {plan.seed.name}")
        out, cache = tmp / f"cold{run}", tmp / f"cache{run}"
        build = run_build(plan.seed, out, cache)
        wall.add(build.measured.wall_s)
        dur.add(build.duration_s)
        maxrss.add(build.measured.maxrss_mb)
        tree.add(build.measured.tree_peak_mb)
        timings = build.stats["timings"]
        accounted = 0.0
        for label, keys in STAGES:
            seconds = sum(timings.get(k, 0.0) for k in keys)
            stages[label].add(seconds)
            accounted += seconds
        other.add(build.measured.wall_s - accounted)
        inproc.add(build.stats["wall_seconds"])
        passes.add(len(build.encode_passes))
        if run == 0:
            decode_to_raw(build.folder / "episode.mp3", raw)
        log("encode floor")
        floor.add(encode_floor(raw, tmp / "floor.mp3"))

        log(f"rebuild {run + 1}/{plan.runs} after editing one paragraph")
        edit_one_paragraph(build.folder / "script.md")
        again = run_build(plan.seed, out, cache)
        rebuild.add(again.measured.wall_s)
        resynth.add(again.stats["synthesized"])
        fromcache.add(again.stats["from_cache"])
        shutil.rmtree(out)
        shutil.rmtree(cache)
    raw.unlink(missing_ok=True)

    rtf = Stat([w / d for w, d in zip(wall.values, dur.values, strict=True)])
    ratio = ratio_stat(wall, floor)
    report.section(
        f"1. Cold build of {plan.seed.name} (offline voice, empty cache)",
        ["measure", "median [min–max]", "ratio"],
        [
            ["build wall time (process)", wall.fmt(1, " s"), f"**{ratio.fmt(1, '×')} floor**"],
            ["audio duration", dur.fmt(0, " s"), ""],
            ["real-time factor (wall / audio)", rtf.fmt(4), ""],
            ["floor: ffmpeg alone encoding the same audio to MP3", floor.fmt(2, " s"), "1×"],
            ["peak memory, largest process (wait4 ru_maxrss)", maxrss.fmt(0, " MB"), ""],
            ["peak memory, process tree sum (sampled /proc)", tree.fmt(0, " MB"), ""],
        ],
        "The floor is `ffmpeg -f s16le -i raw -c:a libmp3lame -b:a 64k` on the build's own "
        "audio (decoded from its MP3 once, untimed), run right after each build.",
    )
    changed = ratio_stat(rebuild, wall)
    report.section(
        "2. Warm rebuild after changing one paragraph of its script.md",
        ["measure", "median [min–max]", "ratio"],
        [
            ["rebuild wall time", rebuild.fmt(1, " s"), f"**{changed.fmt(2, '×')} cold build**"],
            ["segments synthesized", resynth.fmt(0), ""],
            ["segments from cache", fromcache.fmt(0), ""],
        ],
        "Each run edits the middle paragraph of the cold build's script.md (appends a sentence) "
        "and builds the seed again into the same folder with the same cache.",
    )
    total = Stat([w for w in wall.values])
    rows = []
    for label, stat in [*stages.items(), ("other (startup, imports, timeline, bundle files)",
                                          other)]:
        share = Stat([s / t * 100 for s, t in zip(stat.values, total.values, strict=True)])
        vs_floor = ratio_stat(stat, floor)
        rows.append([label, stat.fmt(2, " s"), share.fmt(0, " %"), vs_floor.fmt(2, "×")])
    rows.append(["MP3 encoding passes made (1 = hit the loudness first time)", passes.fmt(0),
                 "", ""])
    report.section(
        f"6. Where the time goes in a cold build of {plan.seed.name}",
        ["stage", "seconds", "share of wall", "× encode floor"],
        rows,
        "From manifest.json `stats.timings` of the cold builds above; the pass count from "
        "bench/buildwrap.py, which counts `master.encode_mp3` calls.",
    )
    report.targets.append((
        "rebuild after one edit synthesizes one segment",
        "1",
        resynth.fmt(0),
        "met" if resynth.values and max(resynth.values) == 1 else "**missed**",
    ))
    report.cold = (wall, floor, stages, passes)  # type: ignore[attr-defined]


def scale(plan: Plan, tmp: Path, report: Report) -> None:
    pool = tmp / "pool"
    subprocess.run([PYTHON, str(BENCH / "scale.py"), "pool", str(pool)], check=True,
                   env=bench_env())
    rows = []
    pydub_rows = []
    last: tuple[float, float] | None = None  # (minutes, seconds) of the last pydub that finished
    three_h = None
    for minutes, runs in plan.scale:
        assemble, floor, ratio = Stat(), Stat(), Stat()
        py_mb, ff_mb, tree_mb = Stat(), Stat(), Stat()
        segments, attempts = 0, Stat()
        for run in range(runs):
            log(f"assembly of {minutes:g} min, {run + 1}/{runs}")
            work = tmp / f"scale{minutes:g}-{run}"
            measured = run_measured([PYTHON, str(BENCH / "scale.py"), "assemble", str(pool),
                                     str(minutes), str(work)], env=bench_env())
            if measured.returncode != 0:
                raise SystemExit(f"assembly {minutes} min failed:\n{measured.stderr[-2000:]}")
            result = json.loads(measured.stdout.strip().splitlines()[-1])
            shutil.rmtree(work)
            assemble.add(result["assemble_s"])
            floor.add(result["floor_s"])
            ratio.add(result["assemble_s"] / result["floor_s"])
            py_mb.add(result["python_peak_mb"])
            ff_mb.add(result["ffmpeg_peak_mb"])
            tree_mb.add(result["tree_peak_mb"])
            attempts.add(result["attempts"])
            segments = result["segments"]
        rows.append([f"{minutes:g} min", str(segments), assemble.fmt(1, " s"), floor.fmt(1, " s"),
                     f"**{ratio.fmt(2, '×')}**", attempts.fmt(0), py_mb.fmt(0, " MB"),
                     ff_mb.fmt(0, " MB"), tree_mb.fmt(0, " MB")])
        if minutes >= 180:
            three_h = ratio

        # naive pydub, time-boxed; predicted quadratically from the last size that finished
        box = plan.pydub_box_s
        if last is not None and last[1] * (minutes / last[0]) ** 2 > box:
            predicted = last[1] * (minutes / last[0]) ** 2
            factor = (minutes / last[0]) ** 2
            pydub_rows.append([
                f"{minutes:g} min",
                f"skipped: > {box:g} s (predicted ~{predicted:.0f} s: {last[1]:.1f} s at "
                f"{last[0]:g} min × {factor:.0f})",
                "", "", "",
            ])
            continue
        if last is None or last[1] >= 0:
            py, join, py_mem = Stat(), Stat(), Stat()
            py_runs = 1
            for run in range(py_runs):
                log(f"naive pydub of {minutes:g} min, {run + 1}/{py_runs} (box {box:g} s)")
                work = tmp / f"pydub{minutes:g}-{run}"
                measured = run_measured([PYTHON, str(BENCH / "scale.py"), "pydub", str(pool),
                                         str(minutes), str(work)], env=bench_env(), timeout=box)
                shutil.rmtree(work, ignore_errors=True)
                if measured.timed_out or measured.returncode != 0:
                    break
                result = json.loads(measured.stdout.strip().splitlines()[-1])
                py.add(result["total_s"])
                join.add(result["join_s"])
                py_mem.add(measured.maxrss_mb)
            if py.n == 0:
                pydub_rows.append(
                    [f"{minutes:g} min", f"skipped: > {box:g} s (killed at {box:g} s)", "", "", ""]
                )
                last = (minutes, box)
                continue
            vs = Stat([p / assemble.median for p in py.values])
            pydub_rows.append([f"{minutes:g} min", py.fmt(1, " s"), join.fmt(1, " s"),
                               vs.fmt(1, "×"), py_mem.fmt(0, " MB")])
            last = (minutes, py.median)
    report.section(
        "3. Assembly at scale (synthetic episodes, ~4.5 s segments)",
        ["episode", "segments", "assembly (render_episode)", "floor: ffmpeg encode",
         "assembly / floor", "encode passes", "peak Python", "peak ffmpeg (largest)",
         "peak tree (sampled sum)"],
        rows,
        "Assembly = join + PCM loudness meter + limiter/encode with the decoded-MP3 verifier + "
        "tags (`audio.render_episode`), each size in its own process. The floor is ffmpeg "
        "alone encoding the same samples (from a raw file) in the same process right after. "
        "A run count of 1 is marked: the long sizes run fewer times to fit the time budget.",
    )
    report.section(
        "3b. Naive pydub concatenation (`episode += AudioSegment.from_wav(p) + pause`, export)",
        ["episode", "total (join + export)", "join only", "× episodekit assembly",
         "peak memory"],
        pydub_rows,
        f"Time-boxed at {plan.pydub_box_s:g} s a size; a size is not tried when the quadratic "
        "trend from the last finished size predicts more than the box. The join copies the "
        "whole episode at each `+=`: O(n²) in time, the whole episode in memory.",
    )
    if three_h is not None:
        report.targets.append((
            "assembly at 3 h at most 2× the encode floor", "≤ 2×", three_h.fmt(2, "×"),
            "met" if three_h.median <= 2 else
            f"**missed by {three_h.median / 2:.2f}×**",
        ))


def synthesize_only(
    source: Path, cache: Path, jobs: int, env: dict[str, str]
) -> tuple[float, int, float]:
    """Speech-stage seconds, segments synthesized and process wall for `source`
    (bench/synth_only.py, in a fresh process)."""
    measured = run_measured(
        [PYTHON, str(BENCH / "synth_only.py"), str(source), "--engine", "edge",
         "--jobs", str(jobs)],
        env=bench_env(EPISODEKIT_CACHE_DIR=str(cache), **env),
    )
    if measured.returncode != 0:
        raise SystemExit(f"edge synthesis failed ({measured.returncode}):\n"
                         f"{measured.stderr[-2000:]}")
    result = json.loads(measured.stdout.strip().splitlines()[-1])
    return float(result["seconds"]), int(result["synthesized"]), measured.wall_s


def edge(plan: Plan, tmp: Path, report: Report) -> None:
    from tests.edge_server import EdgeTestServer

    source = write_script(tmp / "edge" / f"edge{plan.edge_segments}.md", "並發測試",
                          plan.edge_segments, 12, plan.edge_segments)
    server = EdgeTestServer(delay_ms=EDGE_DELAY_MS).start()
    try:
        env = {"EPISODEKIT_EDGE_URL": server.url}
        log(f"edge warm-up (the server renders each of {plan.edge_segments} texts once)")
        synthesize_only(source, tmp / "edge-warm-cache", 16, env)
        walls = {j: Stat() for j in plan.edge_jobs}
        synth = {j: Stat() for j in plan.edge_jobs}
        for run in range(plan.runs):
            for jobs in plan.edge_jobs:
                if run >= 2 and jobs not in (1, 8):
                    continue  # the target's pair gets every run; the others two, for time
                log(f"edge --jobs {jobs}, {run + 1}/{plan.runs}")
                before = len(server.requests)
                seconds, synthesized, wall = synthesize_only(
                    source, tmp / f"edge-c{jobs}-{run}", jobs, env
                )
                sent = len(server.requests) - before
                # the client's probe is one more request than the segments
                if synthesized != plan.edge_segments or sent < plan.edge_segments:
                    raise SystemExit(f"edge run synthesized {synthesized}, server saw {sent}")
                walls[jobs].add(wall)
                synth[jobs].add(seconds)
    finally:
        server.stop()
    rows = []
    base = plan.edge_jobs[0]
    for jobs in plan.edge_jobs:
        speed = ratio_stat(synth[base], synth[jobs])
        speed_wall = ratio_stat(walls[base], walls[jobs])
        rows.append([f"--jobs {jobs}", synth[jobs].fmt(2, " s"), f"**{speed.fmt(2, '×')}**",
                     walls[jobs].fmt(2, " s"), speed_wall.fmt(2, "×")])
    report.section(
        f"4. Edge concurrency: {plan.edge_segments} segments against the loopback server, "
        f"{EDGE_DELAY_MS} ms per request",
        ["jobs", "synthesis", "speedup over --jobs 1", "process wall", "wall speedup"],
        rows,
        f"Floor: {plan.edge_segments} × {EDGE_DELAY_MS} ms = "
        f"{plan.edge_segments * EDGE_DELAY_MS / 1000:g} s at --jobs 1 is pure injected latency. "
        "The server (tests/edge_server.py, a thread of the benchmark process) memoizes each "
        "text's eSpeak+MP3 rendering; a warm-up build renders all texts first, so the timed "
        "runs measure the client's concurrency against a fixed 300 ms, not the server's CPU "
        "(on 2 cores it would otherwise compete with the client). Each run has a fresh cache and "
        "is the speech stage alone (bench/synth_only.py: `speech.synthesize` as a build calls "
        "it, in its own process; process wall includes Python start-up and the probe).",
    )
    if 8 in synth:
        speed8 = ratio_stat(synth[base], synth[8])
        report.targets.append((
            "--jobs 8 at least 5× faster than --jobs 1 (synthesis)", "≥ 5×", speed8.fmt(2, "×"),
            "met" if speed8.median >= 5 else f"**missed: {speed8.median:.2f}× of 5×**",
        ))


def big_build(plan: Plan, tmp: Path, report: Report) -> None:
    source = write_script(tmp / "big" / "long.md", "三小時的節目", plan.big_paragraphs, 19, 100)
    wall, dur, maxrss, tree, passes = Stat(), Stat(), Stat(), Stat(), Stat()
    stages: dict[str, Stat] = {label: Stat() for label, _ in STAGES}
    segments = 0
    for run in range(plan.big_runs):
        log(f"full cold build of {plan.big_paragraphs} paragraphs, {run + 1}/{plan.big_runs}")
        build = run_build(source, tmp / f"big{run}", tmp / f"bigcache{run}")
        wall.add(build.measured.wall_s)
        dur.add(build.duration_s)
        maxrss.add(build.measured.maxrss_mb)
        tree.add(build.measured.tree_peak_mb)
        passes.add(len(build.encode_passes))
        segments = build.stats["synthesized"]
        for label, keys in STAGES:
            stages[label].add(sum(build.stats["timings"].get(k, 0.0) for k in keys))
        shutil.rmtree(tmp / f"big{run}")
        shutil.rmtree(tmp / f"bigcache{run}")
    rows = [
        ["peak memory, largest process (wait4 ru_maxrss)", f"**{maxrss.fmt(0, ' MB')}**"],
        ["peak memory, process tree sum (sampled /proc)", f"**{tree.fmt(0, ' MB')}**"],
        ["audio duration", dur.fmt(0, " s") + f" ({dur.median / 3600:.2f} h)"],
        ["segments synthesized", str(segments)],
        ["wall time", wall.fmt(1, " s")],
        ["real-time factor (wall / audio)",
         Stat([w / d for w, d in zip(wall.values, dur.values, strict=True)]).fmt(4)],
        ["MP3 encoding passes", passes.fmt(0)],
    ]
    rows += [[f"stage: {label}", stat.fmt(1, " s")] for label, stat in stages.items()]
    report.section(
        f"5. Full cold build of a 3-hour script ({plan.big_paragraphs} paragraphs, offline "
        "voice, empty cache)",
        ["measure", "value"],
        rows,
        "The script is synthetic: one-sentence paragraphs of ~19 characters made of the seeds' "
        "own clauses, 100 paragraphs a chapter. Run once: it alone takes minutes.",
    )


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run; writes no file")
    parser.add_argument("--runs", type=int, help="runs per figure (default 3)")
    parser.add_argument("--only", action="append", choices=["cold", "scale", "edge", "big"],
                        help="run only these sections (repeatable)")
    parser.add_argument("--out", type=Path, help="write the results here "
                        "(default bench/RESULTS.md for a full run, nothing for --quick)")
    args = parser.parse_args()
    plan = QUICK if args.quick else Plan()
    if args.runs:
        plan.runs = args.runs
    out = args.out or (None if args.quick or args.only else BENCH / "RESULTS.md")
    info = machine()
    started = time.perf_counter()
    date = time.strftime("%Y-%m-%d %H:%M %Z")
    report = Report()
    sections = args.only or ["cold", "scale", "edge", "big"]
    runners = {"cold": cold_and_rebuild, "scale": scale, "edge": edge, "big": big_build}
    spent: list[str] = []
    with tempfile.TemporaryDirectory(prefix="episodekit-bench-") as name:
        tmp = Path(name)
        for section in sections:
            tick = time.perf_counter()
            runners[section](plan, tmp, report)
            spent.append(f"{section} {time.perf_counter() - tick:.0f} s")
    elapsed = time.perf_counter() - started

    head = [
        "# episodekit benchmark" + (" (--quick: smoke sizes, not the figures)" if args.quick
                                    else ""),
        "",
        f"Run {date} with `.venv/bin/python bench/run.py{' --quick' if args.quick else ''}` "
        f"in {elapsed / 60:.1f} min ({', '.join(spent)}). "
        "Figures: median [min–max] (n = runs).",
        "",
        "| machine | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in info.items()],
        "",
        "## Targets",
        "",
        "| target | wanted | measured | |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in report.targets],
    ]
    text = "\n".join(head) + "\n\n" + "\n\n".join(report.sections) + "\n"
    print("\n".join(head[-(len(report.targets) + 4):]))
    log(f"done in {elapsed / 60:.1f} min")
    if out is not None:
        out.write_text(text, encoding="utf-8")
        log(f"wrote {out}")


if __name__ == "__main__":
    main()

"""Shared pieces of the benchmark: running a process while sampling its memory, statistics,
the machine's description.

Memory is measured two ways, because an episode build is a Python process plus ffmpeg children
that run at the same time (the PCM loudness meter, the encoder, the MP3 verifier):

* `maxrss_mb`: ru_maxrss from wait4() on the child: the peak of the LARGEST single process in
  its tree (the kernel folds reaped grandchildren into it as a maximum, not a sum);
* `tree_peak_mb`: the peak of the SUM of VmRSS over the process and all its descendants,
  sampled from /proc every 0.1 s (a sampled value: a spike shorter than that can be missed).
"""

from __future__ import annotations

import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SAMPLE_SECONDS = 0.1


# ---------------------------------------------------------------- memory sampling


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after it.
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root: int) -> int:
    """The summed resident memory of `root` and all its descendants, in KiB."""
    children = _children_map()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_kb(pid)
        stack.extend(children.get(pid, ()))
    return total


class TreeSampler:
    """Samples tree_rss_kb(pid) in a background thread; `.peak_mb` once stopped."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, tree_rss_kb(self.pid))
            self._stop.wait(SAMPLE_SECONDS)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024


@dataclass
class Measured:
    wall_s: float
    returncode: int
    maxrss_mb: float  # largest single process of the tree (wait4)
    tree_peak_mb: float  # sampled sum over the tree
    stdout: str
    stderr: str
    timed_out: bool = False


def run_measured(
    command: Sequence[str], *, env: dict[str, str] | None = None, timeout: float | None = None,
    cwd: Path = ROOT,
) -> Measured:
    """Run `command`, timing it and measuring its memory; kill its whole group at `timeout`."""
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-{os.getpid()}-{time.time_ns()}"
    with open(f"{out_path}.out", "w+b") as out, open(f"{out_path}.err", "w+b") as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(command), cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True
        )
        timed_out = False
        killer = None
        if timeout is not None:

            def kill() -> None:
                nonlocal timed_out
                timed_out = True
                os.killpg(process.pid, signal.SIGKILL)

            killer = threading.Timer(timeout, kill)
            killer.start()
        with TreeSampler(process.pid) as sampler:
            _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        if killer is not None:
            killer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        result = Measured(
            wall_s=wall,
            returncode=process.returncode,
            maxrss_mb=usage.ru_maxrss / 1024,
            tree_peak_mb=sampler.peak_mb,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            timed_out=timed_out,
        )
    for suffix in (".out", ".err"):
        Path(f"{out_path}{suffix}").unlink(missing_ok=True)
    return result


def bench_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    env.pop("EPISODEKIT_EDGE_URL", None)
    env.update(extra)
    return env


# ---------------------------------------------------------------- statistics


@dataclass
class Stat:
    """The median of several runs, with min and max."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def low(self) -> float:
        return min(self.values) if self.values else float("nan")

    @property
    def high(self) -> float:
        return max(self.values) if self.values else float("nan")

    def fmt(self, digits: int = 2, unit: str = "") -> str:
        if not self.values:
            return "–"
        if self.n == 1:
            return f"{self.median:.{digits}f}{unit} (1 run)"
        return (
            f"{self.median:.{digits}f}{unit} [{self.low:.{digits}f}–{self.high:.{digits}f}] "
            f"(n={self.n})"
        )


def ratio_stat(top: Stat, bottom: Stat) -> Stat:
    """Ratios run by run (pairs measured back to back), when both have the same runs."""
    if top.n == bottom.n:
        return Stat([a / b for a, b in zip(top.values, bottom.values, strict=True)])
    return Stat([top.median / bottom.median])


# ---------------------------------------------------------------- machine


def machine() -> dict[str, str]:
    memory = "?"
    try:
        text = Path("/proc/meminfo").read_text()
        kb = int(re.search(r"MemTotal:\s+(\d+)", text).group(1))  # type: ignore[union-attr]
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    from episodekit.media import ffmpeg_exe

    version = subprocess.run(
        [ffmpeg_exe(), "-version"], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "ffmpeg": version[0].split(" Copyright")[0] if version else "?",
        "platform": platform.platform(),
        "load at start": load,
    }

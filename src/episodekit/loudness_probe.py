"""Measuring a finished MP3 with ffmpeg: does it decode cleanly, and how loud is it (BS.1770)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg

from episodekit.errors import AudioError

# ebur128 prints a running log, then a "Summary:" block; only the summary is the whole file.
_SUMMARY_I = re.compile(r"Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+|-inf) LUFS")
_SUMMARY_PEAK = re.compile(r"True peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf) dBFS")


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    true_peak_dbtp: float


def decode_errors(path: Path) -> str:
    """What ffmpeg complains about while decoding `path` in full ("" for a clean file)."""
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-nostdin",
        "-v",
        "error",
        "-i",
        str(path),
        "-f",
        "null",
        "-",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, errors="replace", check=False)
    complaint = result.stderr.strip()
    if result.returncode != 0 and not complaint:
        complaint = f"ffmpeg exited with status {result.returncode}"
    return complaint


def measure_loudness(path: Path) -> Loudness:
    """Integrated loudness and true peak of the decoded file (ffmpeg's ebur128 filter)."""
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-nostdin",
        "-nostats",
        "-i",
        str(path),
        "-filter_complex",
        "ebur128=peak=true",
        "-f",
        "null",
        "-",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, errors="replace", check=False)
    summary = result.stderr[result.stderr.rfind("Summary:") :]
    integrated = _SUMMARY_I.search(summary)
    peak = _SUMMARY_PEAK.search(summary)
    if result.returncode != 0 or "Summary:" not in result.stderr or not integrated or not peak:
        raise AudioError(f"{path}: ffmpeg could not measure its loudness")
    return Loudness(float(integrated.group(1)), float(peak.group(1)))

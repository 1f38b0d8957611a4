"""The rules for episode.mp4, when a bundle has one: it decodes whole without an error, holds
one H.264 1920x1080 yuv420p stream and one AAC 48 kHz stream, lasts as long as episode.mp3
(±0.1 s) and is as loud (±0.5 LU).

One ffmpeg pass decodes every stream and measures the audio's loudness; `-loglevel +level`
tags each line, so decoder errors are told apart from the informative header and summary.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

from episodekit.check.files import Bundle, Violation
from episodekit.errors import AudioError
from episodekit.media import ffmpeg_exe, measure_file, parse_ebur128

VIDEO = "episode.mp4"
VIDEO_SIZE = (1920, 1080)
AUDIO_RATE = 48_000
DURATION_TOLERANCE_MS = 100
LOUDNESS_TOLERANCE_LU = 0.5

_STREAM = re.compile(r"Stream #0:\d+\S*: (Video|Audio|Subtitle|Data): (.*)$")
_DURATION = re.compile(r"Duration: (\d+):(\d{2}):(\d{2})\.(\d{2})")
_SIZE = re.compile(r"\b(\d{2,5})x(\d{2,5})\b")
# "[h264 @ 0x55…] [error] Invalid NAL unit size": the level follows the component's tags.
_LEVEL = re.compile(r"^(?:\[[^\]]* @ [^\]]*\] )*\[(error|fatal|panic)\] ")
_LEVEL_TAG = re.compile(r"\[(?:trace|debug|verbose|info|warning|error|fatal|panic)\] ")


def probe_and_decode(path: Path) -> tuple[list[tuple[str, str]], int | None, list[str], str]:
    """Decode `path` in full: its streams (kind, description), its duration in ms, the error
    lines ffmpeg printed, and its whole log (for the loudness summary)."""
    result = subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", "level+info",
         "-i", str(path), "-map", "0:v?", "-map", "0:a?", "-af", "ebur128=framelog=quiet",
         "-f", "null", "-"],
        capture_output=True, text=True, errors="replace", check=False,
    )
    streams, duration_ms, errors, plain = [], None, [], []
    reading_input = True  # the header lists the input's streams, then the output's
    for raw in result.stderr.splitlines():
        line = _LEVEL_TAG.sub("", raw, count=1)
        plain.append(line)
        reading_input = reading_input and not line.startswith(("Output #", "Stream mapping"))
        if _LEVEL.match(raw):
            errors.append(line.strip())
        elif reading_input and (match := _STREAM.search(line)):
            streams.append((match.group(1), match.group(2)))
        elif (match := _DURATION.search(line)) and duration_ms is None:
            h, m, s, cs = (int(part) for part in match.groups())
            duration_ms = ((h * 60 + m) * 60 + s) * 1000 + cs * 10
    if result.returncode != 0 and not errors:
        errors.append(f"ffmpeg exited with status {result.returncode}")
    return streams, duration_ms, errors, "\n".join(plain)


def check_video(b: Bundle) -> Iterator[Violation]:
    path = b.folder / VIDEO
    streams, duration_ms, errors, log = probe_and_decode(path)
    if errors:
        yield Violation(VIDEO, "", f"does not decode cleanly: {errors[0]}")
        return
    yield from _streams(streams)
    audio_ms = b.audio_ms
    if duration_ms is None:
        yield Violation(VIDEO, "", "has no duration")
    elif audio_ms is not None and abs(duration_ms - audio_ms) > DURATION_TOLERANCE_MS:
        yield Violation(
            VIDEO, "", f"lasts {duration_ms / 1000:.2f} s, episode.mp3 {audio_ms / 1000:.2f} s "
            f"(±{DURATION_TOLERANCE_MS / 1000:g} s)"
        )
    yield from _loudness(b, log)


def _streams(streams: list[tuple[str, str]]) -> Iterator[Violation]:
    videos = [text for kind, text in streams if kind == "Video"]
    audios = [text for kind, text in streams if kind == "Audio"]
    if len(videos) != 1 or len(audios) != 1:
        yield Violation(
            VIDEO, "", f"has {len(videos)} video and {len(audios)} audio streams (must be 1 and 1)"
        )
        return
    video, audio = videos[0], audios[0]
    size = _SIZE.search(video)
    found_size = (int(size.group(1)), int(size.group(2))) if size else None
    if not video.startswith("h264") or "yuv420p" not in video or found_size != VIDEO_SIZE:
        yield Violation(
            VIDEO, "video", f"is {video.split(',')[0]}, "
            f"{'x'.join(map(str, found_size)) if found_size else 'no size'} "
            f"(must be H.264 yuv420p {VIDEO_SIZE[0]}x{VIDEO_SIZE[1]})"
        )
    if not audio.startswith("aac") or f"{AUDIO_RATE} Hz" not in audio:
        yield Violation(VIDEO, "audio", f"is {audio.split(',')[0]}, "
                        f"{audio.split(',')[1].strip() if ',' in audio else ''} "
                        f"(must be AAC {AUDIO_RATE} Hz)")


def _loudness(b: Bundle, log: str) -> Iterator[Violation]:
    if not (b.folder / "episode.mp3").is_file():
        return
    try:
        video_lufs = parse_ebur128(log).integrated_lufs
        audio_lufs = measure_file(b.folder / "episode.mp3").integrated_lufs
    except AudioError as err:
        yield Violation(VIDEO, "audio", str(err).split(": ", 1)[-1])
        return
    if abs(video_lufs - audio_lufs) > LOUDNESS_TOLERANCE_LU:
        yield Violation(
            VIDEO, "audio", f"integrated loudness {video_lufs:.1f} LUFS, episode.mp3 "
            f"{audio_lufs:.1f} LUFS (±{LOUDNESS_TOLERANCE_LU:g} LU)"
        )

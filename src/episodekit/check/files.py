"""The bundle as the checker reads it (`Bundle`, `Violation`) and the rules for the files that
are not subtitles: the manifest, the MP3 (decoding, loudness, encoding, ID3 tags and chapters),
chapters.txt and description.txt. The subtitle rules and the rule table live in episodekit.check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import mutagen
import mutagen.mp3
import srt
from mutagen.id3 import ID3, ID3NoHeaderError

from episodekit.errors import AudioError
from episodekit.media import decode_errors, measure_file
from episodekit.model import MAX_ID3_CHAPTERS, Cue
from episodekit.text import chapter_time, subtitle_time, vtt_unescape

DEFAULT_TARGET_LUFS = -16.0
LOUDNESS_TOLERANCE_LU, MAX_TRUE_PEAK = 1.0, -1.0
BITRATES = {24000: (48, 80), 44100: (64, 128), 48000: (64, 128)}  # kbps, per sample rate
ID3_FRAMES = (
    ("TIT2", "title"),
    ("TPE1", "artist"),
    ("TALB", "album"),
    ("TDRC", "date"),
    ("COMM", "comment"),
)
MIN_CHAPTERS, MIN_CHAPTER_S = 3, 10
MAX_DESCRIPTION_BYTES, MAX_TITLE_CHARS = 5000, 100
# The manifest's schema, as data: key -> the type its value must have (a bool is not a number).
MANIFEST_TYPES: dict[str, type | tuple[type, ...]] = {
    "title": str, "duration_ms": int, "engine": str, "chapters": list, "segments": list,
    "stats": dict,
}
CHAPTER_TYPES: dict[str, type | tuple[type, ...]] = {"title": str, "start_ms": int, "end_ms": int}
SEGMENT_TYPES: dict[str, type | tuple[type, ...]] = {
    "index": int, "chapter": int, "paragraph": int, "speaker": str, "text": str,
    "start_ms": int, "end_ms": int,
}
STATS_TYPES: dict[str, type | tuple[type, ...]] = {
    "synthesized": int, "from_cache": int, "wall_seconds": (int, float),
}
_TYPE_NAMES = {str: "a string", int: "an integer", list: "a list", dict: "an object"}

_VTT_TIME = r"(\d{2,}):(\d{2}):(\d{2})\.(\d{3})"
VTT_TIMING = re.compile(rf"^{_VTT_TIME} --> {_VTT_TIME}(?:[ \t].*)?$")
_CHAPTER_LINE = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2}) (\S.*)$")


@dataclass(frozen=True)
class Violation:
    """One broken rule: `episode.srt: cue 12 (00:01:02,300): line 1 is 17.5 wide (max 16)`."""

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.where}: {self.message}"
            if self.where
            else f"{self.file}: {self.message}"
        )




def _youtube_time(ms: int) -> str:
    return chapter_time(ms, with_hours=ms >= 3_600_000)


@dataclass
class Bundle:
    """The bundle's files, each read once; `problems` collects what could not be read."""

    folder: Path
    target_lufs: float | None = None
    max_line_width: float = 16
    problems: list[Violation] = field(default_factory=list)

    def text(self, name: str) -> str | None:
        path = self.folder / name
        if not path.is_file():
            return None
        try:
            return path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            return None

    @cached_property
    def manifest(self) -> dict[str, Any] | None:
        raw = self.text("manifest.json")
        try:
            data = json.loads(raw) if raw is not None else None
        except json.JSONDecodeError as err:
            self.problems.append(Violation("manifest.json", "", f"does not parse: {err}"))
            return None
        return data if isinstance(data, dict) else None

    @cached_property
    def srt_cues(self) -> list[Cue] | None:
        raw = self.text("episode.srt")
        if raw is None:
            return None
        try:
            subs = list(srt.parse(raw.lstrip("\ufeff")))
        except srt.SRTParseError as err:
            self.problems.append(Violation("episode.srt", "", f"does not parse: {err}"))
            return None
        return [
            Cue(
                _ms(s.start.total_seconds()),
                _ms(s.end.total_seconds()),
                tuple(s.content.split("\n")),
            )
            for s in subs
        ]

    @cached_property
    def audio_ms(self) -> int | None:
        manifest = self.manifest or {}
        duration = manifest.get("duration_ms")
        if isinstance(duration, int) and not isinstance(duration, bool):
            return int(manifest["duration_ms"])
        try:
            info = mutagen.mp3.MP3(self.folder / "episode.mp3").info
            return _ms(info.length) if info else None
        except (OSError, mutagen.MutagenError):
            return None

    @cached_property
    def manifest_chapters(self) -> list[tuple[str, int]] | None:
        chapters = (self.manifest or {}).get("chapters")
        if not isinstance(chapters, list):
            return None
        return [
            (str(c.get("title", "")), c["start_ms"])
            for c in chapters
            if isinstance(c, dict) and isinstance(c.get("start_ms"), int)
        ]


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def vtt_blocks(raw: str) -> list[tuple[Cue, list[str]]]:
    """(cue, raw text lines) for each cue block after the header; other blocks are skipped."""
    out = []
    for block in re.split(r"\n[ \t]*\n", raw.replace("\r\n", "\n"))[1:]:
        lines = [line for line in block.split("\n") if line.strip()]
        timing = next((k for k, line in enumerate(lines) if "-->" in line), None)
        if timing is None or timing > 1:
            continue
        m = VTT_TIMING.match(lines[timing])
        text = lines[timing + 1 :]
        if m is None:
            out.append((Cue(0, 0, tuple(text)), text))
            continue
        h1, m1, s1, f1, h2, m2, s2, f2 = (int(g) for g in m.groups())
        start = ((h1 * 60 + m1) * 60 + s1) * 1000 + f1
        end = ((h2 * 60 + m2) * 60 + s2) * 1000 + f2
        out.append((Cue(start, end, tuple(vtt_unescape(line) for line in text)), text))
    return out


# ---------------------------------------------------------------- manifest


def _type_problems(
    where: str, item: Any, types: dict[str, type | tuple[type, ...]]
) -> Iterator[Violation]:
    if not isinstance(item, dict):
        yield Violation("manifest.json", where, "is not an object")
        return
    for key, expected in types.items():
        if key not in item:
            yield Violation("manifest.json", where, f"has no '{key}'")
            continue
        value = item[key]
        if isinstance(value, bool) or not isinstance(value, expected):
            wanted = _TYPE_NAMES.get(expected, "a number") if isinstance(expected, type) else (
                "a number"
            )
            yield Violation("manifest.json", where, f"'{key}' is not {wanted}: {value!r:.40}")


def check_manifest(b: Bundle) -> Iterator[Violation]:
    m = b.manifest
    if m is None:
        if not b.problems:
            yield Violation("manifest.json", "", "is not a JSON object")
        return
    yield from _type_problems("", m, MANIFEST_TYPES)
    for where, items, types in (
        ("chapter", m.get("chapters"), CHAPTER_TYPES),
        ("segment", m.get("segments"), SEGMENT_TYPES),
    ):
        for n, item in enumerate(items if isinstance(items, list) else [], start=1):
            yield from _type_problems(f"{where} {n}", item, types)
    if isinstance(m.get("stats"), dict):
        yield from _type_problems("stats", m["stats"], STATS_TYPES)


# ---------------------------------------------------------------- MP3


def check_mp3(b: Bundle) -> Iterator[Violation]:
    path = b.folder / "episode.mp3"
    complaint = decode_errors(path)
    if complaint:
        yield Violation("episode.mp3", "", f"does not decode cleanly: {complaint.splitlines()[0]}")
        return
    yield from _loudness(b, path)
    try:
        info = mutagen.mp3.MP3(path).info
    except mutagen.MutagenError as err:
        yield Violation("episode.mp3", "", f"is not an MP3 file: {err}")
        return
    if info is None:
        yield Violation("episode.mp3", "", "has no MP3 stream information")
        return
    if info.channels != 1:
        yield Violation("episode.mp3", "", f"has {info.channels} channels (must be mono)")
    if info.sample_rate not in BITRATES:
        yield Violation(
            "episode.mp3", "", f"sample rate {info.sample_rate} Hz (must be 24000, 44100 or 48000)"
        )
    else:
        low, high = BITRATES[info.sample_rate]
        kbps = round(info.bitrate / 1000)
        if not low <= kbps <= high:
            yield Violation(
                "episode.mp3", "", f"bitrate {kbps} kbps ({info.sample_rate} Hz needs {low}-{high})"
            )
    yield from _tags(b, path)


def _loudness(b: Bundle, path: Path) -> Iterator[Violation]:
    target = b.target_lufs
    if target is None:
        loudness = (b.manifest or {}).get("loudness")
        given = loudness.get("target_lufs") if isinstance(loudness, dict) else None
        target = float(given) if isinstance(given, (int, float)) else DEFAULT_TARGET_LUFS
    try:
        measured = measure_file(path)
    except AudioError as err:
        yield Violation("episode.mp3", "", str(err).split(": ", 1)[-1])
        return
    if abs(measured.integrated_lufs - target) > LOUDNESS_TOLERANCE_LU:
        yield Violation(
            "episode.mp3",
            "",
            f"integrated loudness {measured.integrated_lufs:.1f} LUFS "
            f"(target {target:g} ±{LOUDNESS_TOLERANCE_LU:g} LU)",
        )
    peak = measured.true_peak_dbtp
    if peak is None or peak > MAX_TRUE_PEAK:
        yield Violation(
            "episode.mp3",
            "",
            f"true peak {'not measured' if peak is None else f'{peak:.1f} dBTP'} "
            f"(max {MAX_TRUE_PEAK:g})",
        )


def _tags(b: Bundle, path: Path) -> Iterator[Violation]:
    try:
        tags = ID3(path)
    except ID3NoHeaderError:
        yield Violation("episode.mp3", "", "has no ID3v2 tag")
        return
    for frame, meaning in ID3_FRAMES:
        if not tags.getall(frame):
            yield Violation("episode.mp3", "", f"has no {frame} frame ({meaning})")
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    if not chaps:
        yield Violation("episode.mp3", "", "has no CHAP frames")
        return
    if not tags.getall("CTOC"):
        yield Violation("episode.mp3", "", "has no CTOC frame")
    found = []
    for n, chap in enumerate(chaps, start=1):
        titles = chap.sub_frames.getall("TIT2")
        if not titles:
            yield Violation("episode.mp3", f"chapter {n}", f"CHAP '{chap.element_id}' has no title")
        found.append((str(titles[0].text[0]) if titles else "", int(chap.start_time)))
    expected = b.manifest_chapters
    yield from _match_manifest(
        "episode.mp3", found, None if expected is None else expected[:MAX_ID3_CHAPTERS]
    )


def _match_manifest(
    name: str,
    found: list[tuple[str, int]],
    expected: list[tuple[str, int]] | None,
    *,
    seconds: bool = False,
) -> Iterator[Violation]:
    if expected is None:
        return
    if seconds:
        expected = [(title, start // 1000 * 1000) for title, start in expected]
    if len(found) != len(expected):
        yield Violation(name, "", f"has {len(found)} chapters, the manifest {len(expected)}")
        return
    for n, (mine, theirs) in enumerate(zip(found, expected, strict=True), start=1):
        if mine != theirs:
            show = _youtube_time if seconds else subtitle_time
            yield Violation(
                name,
                f"chapter {n}",
                f"is '{mine[0]}' at {show(mine[1])}, "
                f"the manifest has '{theirs[0]}' at {show(theirs[1])}",
            )


# ---------------------------------------------------------------- chapters.txt and description.txt


def check_chapters(b: Bundle) -> Iterator[Violation]:
    raw = b.text("chapters.txt")
    if raw is None:
        yield Violation("chapters.txt", "", "is not UTF-8")
        return
    lines = [line for line in raw.splitlines() if line.strip()]
    if not lines:
        return
    found: list[tuple[str, int]] = []
    for k, line in enumerate(lines, start=1):
        m = _CHAPTER_LINE.match(line)
        if m is None or int(m.group(3)) >= 60 or (m.group(1) and int(m.group(2)) >= 60):
            yield Violation("chapters.txt", f"line {k}", "is not 'MM:SS Title' or 'H:MM:SS Title'")
            return
        hours, minutes, secs, title = m.groups()
        found.append((title, ((int(hours or 0) * 60 + int(minutes)) * 60 + int(secs)) * 1000))
    if found[0][1] != 0:
        yield Violation(
            "chapters.txt", "chapter 1", f"starts at {_youtube_time(found[0][1])}, not 00:00"
        )
    if len(found) < MIN_CHAPTERS:
        yield Violation(
            "chapters.txt", "", f"has {len(found)} chapters (YouTube needs at least {MIN_CHAPTERS})"
        )
    ends = [start for _, start in found[1:]] + [b.audio_ms if b.audio_ms is not None else None]
    for n, ((_, start), end) in enumerate(zip(found, ends, strict=True), start=1):
        if n > 1 and start <= found[n - 2][1]:
            yield Violation("chapters.txt", f"chapter {n}", "does not start after the previous one")
        elif end is not None and end - start < MIN_CHAPTER_S * 1000:
            yield Violation(
                "chapters.txt",
                f"chapter {n}",
                f"lasts {(end - start) / 1000:g} s (min {MIN_CHAPTER_S} s)",
            )
    yield from _match_manifest("chapters.txt", found, b.manifest_chapters, seconds=True)


def check_description(b: Bundle) -> Iterator[Violation]:
    data = (b.folder / "description.txt").read_bytes()
    if len(data) > MAX_DESCRIPTION_BYTES:
        yield Violation(
            "description.txt", "", f"is {len(data)} bytes (max {MAX_DESCRIPTION_BYTES})"
        )
    raw = b.text("description.txt")
    if raw is None:
        yield Violation("description.txt", "", "is not UTF-8")
        return
    lines = raw.splitlines() or [""]
    title = lines[0]
    if len(title) > MAX_TITLE_CHARS:
        yield Violation(
            "description.txt", "title", f"is {len(title)} characters (max {MAX_TITLE_CHARS})"
        )
    for k, line in enumerate(lines, start=1):
        bad = [ch for ch in "<>" if ch in line]
        if bad:
            yield Violation(
                "description.txt", "title" if k == 1 else f"line {k}", f"contains '{bad[0]}'"
            )

"""`episode check DIR`: validate an upload bundle against the published standards.

Each rule is a named function in `RULES` (policy as data); each returns the violations it finds,
one line each, naming the file, the place in it and what is wrong. Rules read the bundle through
one `Bundle` that loads each file once and remembers what could not be loaded, so that a broken
file is reported once and the rules that depend on it stay quiet.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import srt

from episodekit import chinese, files
from episodekit.check.breaks import check_breaks
from episodekit.check.files import (
    Bundle,
    Violation,
    check_chapters,
    check_description,
    check_manifest,
    check_mp3,
    vtt_blocks,
)
from episodekit.check.publish import (
    check_artwork,
    check_cover,
    check_identity,
    check_podcast_chapters,
    check_upload,
)
from episodekit.check.video import check_video
from episodekit.model import Cue
from episodekit.text import content_letters, display_width, subtitle_time

FILES = (
    "episode.mp3",
    "episode.srt",
    "episode.vtt",
    "script.md",
    "chapters.txt",
    "description.txt",
    "manifest.json",
    "cover.jpg",
    "chapters.json",
    "upload.json",
)
MAX_LINES = 2
MIN_CUE_MS, MAX_CUE_MS, MAX_CPS = 833, 7000, 9.0
EDGE_FORBIDDEN = "，。、；："

_SRT_TIMING = re.compile(r"^\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}$")
_VTT_HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")


# ---------------------------------------------------------------- subtitles


def cue_violations(
    name: str, cues: list[Cue], stamp: Callable[[int], str], audio_ms: int | None, max_width: float
) -> Iterator[Violation]:
    """The rules every cue of an SRT or WebVTT file must meet."""
    for n, cue in enumerate(cues, start=1):
        where = f"cue {n} ({stamp(cue.start_ms)})"
        for k, line in enumerate(cue.lines, start=1):
            if display_width(line) > max_width:
                yield Violation(
                    name, where, f"line {k} is {display_width(line):g} wide (max {max_width:g})"
                )
            if line[:1] and line[0] in EDGE_FORBIDDEN:
                yield Violation(name, where, f"line {k} starts with '{line[0]}'")
            if line[-1:] and line[-1] in EDGE_FORBIDDEN:
                yield Violation(name, where, f"line {k} ends with '{line[-1]}'")
        if len(cue.lines) > MAX_LINES:
            yield Violation(name, where, f"{len(cue.lines)} lines (max {MAX_LINES})")
        duration = cue.end_ms - cue.start_ms
        if duration <= 0:
            yield Violation(name, where, "ends at or before its start")
        elif duration < MIN_CUE_MS:
            yield Violation(
                name, where, f"lasts {duration / 1000:.3f} s (min {MIN_CUE_MS / 1000:g} s)"
            )
        elif duration > MAX_CUE_MS:
            yield Violation(
                name, where, f"lasts {duration / 1000:.3f} s (max {MAX_CUE_MS / 1000:g} s)"
            )
        if duration > 0:
            cps = sum(map(display_width, cue.lines)) * 1000 / duration
            if cps > MAX_CPS:
                yield Violation(name, where, f"reading speed {cps:.1f} chars/s (max {MAX_CPS:g})")
        if n > 1:
            before = cues[n - 2]
            if cue.start_ms < before.start_ms:
                yield Violation(name, where, "starts before the previous cue")
            elif cue.start_ms < before.end_ms:
                yield Violation(
                    name, where, f"overlaps the previous cue by {before.end_ms - cue.start_ms} ms"
                )
    if cues and audio_ms is not None and cues[-1].end_ms > audio_ms:
        last = cues[-1]
        yield Violation(
            name,
            f"cue {len(cues)} ({stamp(last.start_ms)})",
            f"ends at {stamp(last.end_ms)}, after the audio's end ({stamp(audio_ms)})",
        )


def check_srt(b: Bundle) -> Iterator[Violation]:
    path = b.folder / "episode.srt"
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        yield Violation("episode.srt", "", "starts with a UTF-8 BOM")
    if b.text("episode.srt") is None:
        yield Violation("episode.srt", "", "is not UTF-8")
        return
    raw = data.decode("utf-8").lstrip("\ufeff")
    for k, line in enumerate(raw.splitlines(), start=1):
        if "-->" in line and not _SRT_TIMING.match(line):
            yield Violation(
                "episode.srt", f"line {k}", "timing is not 'HH:MM:SS,mmm --> HH:MM:SS,mmm'"
            )
    cues = b.srt_cues
    if cues is None:
        return
    indexes = [s.index for s in srt.parse(raw)]
    for n, index in enumerate(indexes, start=1):
        if index != n:
            yield Violation(
                "episode.srt",
                f"cue {n} ({subtitle_time(cues[n - 1].start_ms)})",
                f"numbered {index} (expected {n})",
            )
            break
    yield from cue_violations("episode.srt", cues, subtitle_time, b.audio_ms, b.max_line_width)


def check_vtt(b: Bundle) -> Iterator[Violation]:
    raw = b.text("episode.vtt")
    if raw is None:
        yield Violation("episode.vtt", "", "is not UTF-8")
        return
    lines = raw.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    if not _VTT_HEADER.match(lines[0]):
        yield Violation("episode.vtt", "line 1", "is not 'WEBVTT'")
    elif len(lines) < 2 or lines[1].strip():
        yield Violation("episode.vtt", "line 2", "is not blank after the WEBVTT header")
    blocks = vtt_blocks(raw)
    stamp = functools.partial(subtitle_time, separator=".")
    for n, (cue, text) in enumerate(blocks, start=1):
        if cue.start_ms == cue.end_ms == 0 and n > 1:
            yield Violation(
                "episode.vtt", f"cue {n}", "timing is not 'HH:MM:SS.mmm --> HH:MM:SS.mmm'"
            )
        if any("-->" in line for line in text):
            yield Violation(
                "episode.vtt", f"cue {n} ({stamp(cue.start_ms)})", "text contains '-->'"
            )
    cues = [cue for cue, _ in blocks]
    yield from cue_violations("episode.vtt", cues, stamp, b.audio_ms, b.max_line_width)
    if b.srt_cues is not None:
        if len(cues) != len(b.srt_cues):
            yield Violation(
                "episode.vtt", "", f"has {len(cues)} cues, the SRT has {len(b.srt_cues)}"
            )
        else:
            for n, (mine, theirs) in enumerate(zip(cues, b.srt_cues, strict=True), start=1):
                if mine != theirs:
                    yield Violation(
                        "episode.vtt", f"cue {n} ({stamp(mine.start_ms)})", "differs from the SRT's"
                    )
                    break



def check_text_matches_script(b: Bundle) -> Iterator[Violation]:
    """The cues' letters and digits, in order, are exactly the manifest segments' text."""
    segments = (b.manifest or {}).get("segments")
    if b.srt_cues is None or not isinstance(segments, list):
        return
    texts = (str(s.get("text", "")) for s in segments if isinstance(s, dict))
    script = content_letters("".join(texts))
    # Subtitles may be converted to the other Chinese script (--subtitles hans|hant): compare
    # both sides in Simplified, character by character (t2s maps many to one, so it is safe).
    cue_letters = [content_letters("".join(cue.lines)) for cue in b.srt_cues]
    simplified = chinese.each_on_its_own(script + "".join(cue_letters), "hans") or {}

    def same(cue_text: str, said: str) -> bool:
        return len(cue_text) == len(said) and all(
            x == y or simplified.get(x, x) == simplified.get(y, y)
            for x, y in zip(cue_text, said, strict=True)
        )

    shown = 0
    for n, (cue, letters) in enumerate(zip(b.srt_cues, cue_letters, strict=True), start=1):
        expected = script[shown : shown + len(letters)]
        if not same(letters, expected):
            yield Violation(
                "episode.srt",
                f"cue {n} ({subtitle_time(cue.start_ms)})",
                f"shows '{letters}' where the script has '{expected}'",
            )
            return
        shown += len(letters)
    if shown < len(script):
        rest = script[shown:]
        preview = rest if len(rest) <= 10 else rest[:10] + "…"
        yield Violation(
            "episode.srt", "", f"the cues end before the script: '{preview}' is not shown"
        )


def leftover_violations(folder: Path) -> Iterator[Violation]:
    """What an interrupted build left: a commit marker (the files are a mix of two builds) and
    scratch folders or partial files (the next build removes them)."""
    if (folder / files.COMMIT_MARKER).exists():
        yield Violation(
            files.COMMIT_MARKER, "",
            "a build was interrupted while writing the bundle: its files may come from two "
            "builds; run episode build again",
        )
    for path in files.leftovers(folder):
        yield Violation(path.name, "", "left by an interrupted build; the next build removes it")


Rule = Callable[[Bundle], Iterator[Violation]]

RULES: tuple[tuple[str, str, Rule], ...] = (
    # (rule name, the file it needs, the check)
    ("manifest", "manifest.json", check_manifest),
    ("srt", "episode.srt", check_srt),
    ("vtt", "episode.vtt", check_vtt),
    ("text-matches-script", "episode.srt", check_text_matches_script),
    ("mp3", "episode.mp3", check_mp3),
    ("chapters", "chapters.txt", check_chapters),
    ("description", "description.txt", check_description),
    ("feed-identity", "manifest.json", check_identity),
    ("cover", "cover.jpg", check_cover),
    ("artwork", "episode.mp3", check_artwork),
    ("podcast-chapters", "chapters.json", check_podcast_chapters),
    ("upload", "upload.json", check_upload),
    ("video", "episode.mp4", check_video),  # only when the bundle has a video
)


# Warnings: what a Chinese subtitler would not do, though every published rule holds.
WARNINGS: tuple[tuple[str, str, Rule], ...] = (("subtitle-breaks", "episode.srt", check_breaks),)


def check_warnings(folder: Path, max_line_width: float = 16) -> list[Violation]:
    """Every warning about the bundle in `folder` (none of them makes it fail the check)."""
    b = Bundle(Path(folder), None, max_line_width)
    found: list[Violation] = []
    for _rule, needs, check in WARNINGS:
        if (b.folder / needs).is_file():
            found.extend(check(b))
    return found


def warning_lines(folder: Path) -> list[str]:
    """What `episode check` prints about the warnings: one line each, then how many."""
    warnings = check_warnings(folder)
    lines = [f"warning: {warning}" for warning in warnings]
    if warnings:
        lines.append(f"{len(warnings)} warning(s) about where cues break in {folder}")
    return lines


def check_bundle(
    folder: Path, target_lufs: float | None = None, max_line_width: float = 16
) -> list[Violation]:
    """Every way the bundle in `folder` breaks the standards ([] for a good one).

    `target_lufs` defaults to the manifest's loudness target, else -16.
    """
    b = Bundle(Path(folder), target_lufs, max_line_width)
    found = [Violation(name, "", "is missing") for name in FILES if not (b.folder / name).is_file()]
    found.extend(leftover_violations(b.folder))
    for _rule, needs, check in RULES:
        if (b.folder / needs).is_file():
            found.extend(check(b))
    return b.problems + found


__all__ = [
    "RULES",
    "WARNINGS",
    "Bundle",
    "Violation",
    "check_bundle",
    "check_warnings",
    "cue_violations",
    "warning_lines",
]

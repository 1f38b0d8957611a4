"""Independent measuring helpers for the acceptance tests (tests/test_episode.py).

Nothing here imports episodekit: audio is decoded and measured with ffmpeg (imageio-ffmpeg) and
numpy, subtitles are parsed with the `srt` package, tags are read with mutagen. These helpers
are how an outside auditor would check a bundle, so the product's own checker is never trusted.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import srt

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
PCM_RATE = 16_000  # decoding rate for energy analysis (speech energy is well below 8 kHz)
FRAME_MS = 10

CLAUSE_END = "，。、；：,.;:"  # what no subtitle line may start or end with


# ---------------------------------------------------------------------------- audio


def ffmpeg_decode_errors(mp3: Path) -> tuple[int, str]:
    """(exit code, stderr) of a full error-level decode of `mp3` to nothing."""
    done = subprocess.run(
        [FFMPEG, "-nostdin", "-v", "error", "-i", str(mp3), "-f", "null", "-"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    return done.returncode, done.stderr


def decode_pcm(mp3: Path, rate: int = PCM_RATE) -> np.ndarray:
    """The decoded audio, mono float32 in [-1, 1] at `rate` Hz."""
    done = subprocess.run(
        [FFMPEG, "-nostdin", "-v", "error", "-i", str(mp3), "-ac", "1", "-ar", str(rate),
         "-f", "s16le", "-acodec", "pcm_s16le", "-"],
        capture_output=True, timeout=120, check=True,
    )
    return np.frombuffer(done.stdout, dtype="<i2").astype(np.float32) / 32768.0


def decoded_duration_s(mp3: Path) -> float:
    """Length of the decoded audio at its native rate (24 kHz for these files), in seconds."""
    done = subprocess.run(
        [FFMPEG, "-nostdin", "-v", "error", "-i", str(mp3), "-ac", "1",
         "-f", "s16le", "-acodec", "pcm_s16le", "-"],
        capture_output=True, timeout=120, check=True,
    )
    rate_match = re.search(r"(\d+) Hz", _probe_header(mp3))
    rate = int(rate_match.group(1)) if rate_match else 24_000
    return len(done.stdout) / 2 / rate


def _probe_header(mp3: Path) -> str:
    done = subprocess.run(
        [FFMPEG, "-nostdin", "-hide_banner", "-i", str(mp3)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    return done.stderr


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    true_peak_dbtp: float


def ebur128(mp3: Path) -> Loudness:
    """Integrated loudness and true peak of the decoded file, by ffmpeg's ebur128 filter."""
    done = subprocess.run(
        [FFMPEG, "-nostdin", "-nostats", "-hide_banner", "-i", str(mp3),
         "-filter_complex", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True, text=True, timeout=180, check=True,
    )
    summary = done.stderr[done.stderr.rfind("Summary:"):]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    assert integrated and peak, f"cannot read ebur128 summary:\n{summary}"
    return Loudness(float(integrated.group(1)), float(peak.group(1)))


def frame_levels_db(pcm: np.ndarray, rate: int = PCM_RATE, frame_ms: int = FRAME_MS) -> np.ndarray:
    """RMS level of each `frame_ms` frame, in dBFS (silence floored at -120)."""
    size = rate * frame_ms // 1000
    count = len(pcm) // size
    frames = pcm[: count * size].reshape(count, size).astype(np.float64)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-6))


def speech_level_db(levels: np.ndarray) -> float:
    """The episode's speech level: the 90th percentile of frame levels (frames above -70 dBFS)."""
    voiced = levels[levels > -70]
    return float(np.percentile(voiced if len(voiced) else levels, 90))


def quiet_run_near(
    quiet: np.ndarray, start_s: float, end_s: float, *, tolerance_s: float = 0.15,
    min_run_ms: int = 60, frame_ms: int = FRAME_MS,
) -> bool:
    """True when, inside [start_s - tolerance, end_s + tolerance], there is a run of at least
    `min_run_ms` of consecutive quiet frames."""
    lo = max(0, int((start_s - tolerance_s) * 1000 / frame_ms))
    hi = min(len(quiet), int(np.ceil((end_s + tolerance_s) * 1000 / frame_ms)))
    need = max(1, min_run_ms // frame_ms)
    run = 0
    for flag in quiet[lo:hi]:
        run = run + 1 if flag else 0
        if run >= need:
            return True
    return False


# ---------------------------------------------------------------------------- text


def is_text_char(char: str) -> bool:
    """A character that is spoken content: not punctuation, not whitespace, not control/format."""
    return unicodedata.category(char)[0] not in "PZC" and not char.isspace()


def text_chars(text: str) -> str:
    """The letters/digits/symbols of `text`, with punctuation and whitespace removed, width and
    case folded so that a full-width Ａ and a half-width A count the same."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if is_text_char(c))


def char_width(char: str) -> float:
    """Subtitle width of one character: CJK / full-width 1, half-width 0.5."""
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.5


def line_width(line: str) -> float:
    return sum(char_width(c) for c in line)


def is_break_punct(char: str) -> bool:
    """Punctuation that marks a clause or sentence end (not brackets, quotes or dashes)."""
    category = unicodedata.category(char)
    return category in ("Po",) and char not in "'·＇・"


# ---------------------------------------------------------------------------- files


def parse_srt(path: Path) -> list[srt.Subtitle]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{path.name} starts with a BOM"
    return list(srt.parse(raw.decode("utf-8"), ignore_errors=False))


VTT_TIME = r"(\d{2,}):(\d{2}):(\d{2})\.(\d{3})"
VTT_TIMING = re.compile(rf"^{VTT_TIME} --> {VTT_TIME}(?: .*)?$")


@dataclass(frozen=True)
class VttCue:
    start: timedelta
    end: timedelta
    text: str


def parse_vtt(path: Path) -> list[VttCue]:
    """A strict reading of a WebVTT file: header, blank line, then cues with HH:MM:SS.mmm."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT"), "no WEBVTT header"
    lines = text.replace("\r\n", "\n").split("\n")
    assert lines[0].strip() == "WEBVTT" or lines[0].startswith("WEBVTT "), lines[0]
    assert lines[1] == "", "the WEBVTT header is not followed by a blank line"
    cues: list[VttCue] = []
    blocks = "\n".join(lines[2:]).strip("\n").split("\n\n")
    for block in blocks:
        rows = block.split("\n")
        if rows[0].startswith("NOTE"):
            continue
        timing_index = 0 if "-->" in rows[0] else 1
        match = VTT_TIMING.match(rows[timing_index])
        assert match, f"bad VTT timing line {rows[timing_index]!r}"
        g = [int(x) for x in match.groups()]
        start = timedelta(hours=g[0], minutes=g[1], seconds=g[2], milliseconds=g[3])
        end = timedelta(hours=g[4], minutes=g[5], seconds=g[6], milliseconds=g[7])
        body = "\n".join(rows[timing_index + 1 :])
        assert "-->" not in body, f"'-->' inside VTT cue text {body!r}"
        cues.append(VttCue(start, end, body))
    return cues


def script_paragraphs(path: Path) -> list[str]:
    """The spoken paragraphs of a script.md: no front matter, no `## ` headings, speaker tags
    removed, wrapped lines joined."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[0].strip() == "---":
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        lines = lines[end + 1 :]
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if not line.strip() or line.startswith("## "):
            if current:
                paragraphs.append("".join(current))
                current = []
            continue
        current.append(line.strip())
    return [re.sub(r"^\[[\w-]+\]\s*", "", p) for p in paragraphs]


def front_matter(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").split("\n")
    result: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        for line in lines[1:]:
            if line.strip() == "---":
                break
            key, _, value = line.partition(":")
            result[key.strip()] = value.strip()
    return result


# ---------------------------------------------------------------------------- where cues break

SENTENCE_END = "。！？!?"
CLAUSE_MARK = "，；：、,;:…—"
BINDS_BACKWARD = set("的了嗎呢吧和與及而")
BINDS_FORWARD = set("在將把被對從")
LATIN_RUN = re.compile(r"[A-Za-z0-9]+(?:(?:[-.'’_/+&·]|[ ](?=[A-Za-z0-9]))+[A-Za-z0-9]+)*%?")


@dataclass
class Breaks:
    """How a bundle's cues break its script, counted as a Chinese subtitler would."""

    cues: int = 0
    breaks: int = 0
    word_splits: int = 0  # a break between two characters of one word (rjieba, on Simplified)
    name_splits: int = 0  # inside a run of Latin words and digits that fits a line
    sentence_spans: int = 0  # a cue showing the end of one sentence and the start of the next
    particle_edges: int = 0  # a cue opening on 的了… or closing on 在將… (no punctuation between)
    clause_end_cues: int = 0
    clause_end_possible: int = 0  # cues minus the breaks that clauses wider than a line force
    inside_fitting: int = 0  # cues ending inside a clause that would fit a cue
    after_lead_in: int = 0  # of those, the cues that open with a lead-in (首先，) of <= 4 letters


def _words(text: str) -> list[int]:
    """The index of the rjieba word each character is in (Traditional read as Simplified)."""
    import opencc
    import rjieba

    to_hans = opencc.OpenCC("t2s")
    simple = "".join(c if len(s := to_hans.convert(c)) != 1 else s for c in text)
    word_of = [0] * len(text)
    for k, (_, a, b) in enumerate(rjieba.tokenize(simple)):
        word_of[a:b] = [k] * (b - a)
    return word_of


CLAUSE = re.compile(rf"[^{SENTENCE_END}{CLAUSE_MARK}]+[？！?!…—」』”’）)》]*")


def _judge_clause_end(
    text: str, shown: list[tuple[int, int]], i: int, cue_width: float, found: Breaks
) -> None:
    """A cue ending at text[i], inside a clause: count it if the clause would fit a cue, and
    whether the cue opens with a whole lead-in clause short enough to need a cue partner."""
    clauses = [m.span() for m in CLAUSE.finditer(text)]
    inside = next(c for c in clauses if c[0] <= i < c[1])
    if line_width(text[slice(*inside)].strip().lstrip("」』”’）)》")) > cue_width:
        return
    found.inside_fitting += 1
    first = shown[0][1] if shown[0][0] == shown[-1][0] else -1
    lead = next((c for c in clauses if c[0] <= first < c[1]), inside)
    letters = [ch for ch in text[slice(*lead)] if is_text_char(ch)]
    if lead != inside and not any(map(is_text_char, text[lead[0] : first])):
        found.after_lead_in += len(letters) <= 4


def subtitle_breaks(texts: list[str], cue_lines: list[list[str]], cue_width: float = 16) -> Breaks:
    """Count where the cues (their lines) break the segment texts (the script, in order)."""
    places = [(s, i) for s, t in enumerate(texts) for i, ch in enumerate(t) if is_text_char(ch)]
    word_of = [_words(t) for t in texts]
    names = [[m.span() for m in LATIN_RUN.finditer(t) if line_width(m.group()) <= 16]
             for t in texts]
    found, position = Breaks(cues=len(cue_lines)), 0
    for n, lines in enumerate(cue_lines):
        count = sum(map(is_text_char, "".join(lines)))
        shown = places[position : position + count]
        position += count
        for (s1, i1), (s2, i2) in itertools.pairwise(shown):
            if s1 != s2 or any(ch in SENTENCE_END for ch in texts[s1][i1 + 1 : i2]):
                found.sentence_spans += 1
                break
        (s, i), after = shown[-1], places[position] if position < len(places) else None
        text = texts[s]
        gap = text[i + 1 : after[1]] if after and after[0] == s else "。"
        if any(ch in SENTENCE_END + CLAUSE_MARK for ch in gap):
            found.clause_end_cues += 1
        if after is None or n + 1 == len(cue_lines):
            continue
        found.breaks += 1
        if after[0] == s and not any(ch in SENTENCE_END + CLAUSE_MARK for ch in gap):
            _judge_clause_end(text, shown, i, cue_width, found)
        if after[0] != s or gap.strip():
            continue  # at a segment's end or at punctuation: no word, name or particle cut
        j = after[1]
        found.word_splits += word_of[s][i] == word_of[s][j]
        found.name_splits += any(a <= i < j < b for a, b in names[s])
        first = [k for k in range(len(text)) if word_of[s][k] == word_of[s][j]]
        last = [k for k in range(len(text)) if word_of[s][k] == word_of[s][i]]
        found.particle_edges += (
            "".join(text[k] for k in first) in BINDS_BACKWARD
            or "".join(text[k] for k in last) in BINDS_FORWARD
        )
    forced = 0
    for text in texts:
        # A clause as a line shows it: ？！…—, quotes and brackets stay at its end; ，。、；： go.
        for clause in re.findall(rf"[^{SENTENCE_END}{CLAUSE_MARK}]+[？！?!…—」』”’）)》]*", text):
            width = line_width(clause.strip().lstrip("」』”’）)》"))
            forced += max(0, -(-int(width * 2) // int(cue_width * 2)) - 1)
    found.clause_end_possible = found.cues - forced
    return found

"""Subtitles from word timings: cues that follow the speech word by word (SRT and WebVTT).

The segment text is cut into *pieces*: a core that is never split (an engine word, a Latin token
such as "GPT-4o", plus any neighbouring characters the engine gave no timing for) and the
punctuation around it. Cues are runs of pieces chosen by a small dynamic programme that prefers
breaks at punctuation and full lines, and treats the Netflix timing rules (reading speed, minimum
and maximum duration) as costs, so that a speaker too fast to subtitle legally still gets the best
cues there are instead of an error.

Widths (line length and reading speed alike) count CJK, full-width and East-Asian-ambiguous
characters (“”…—) as 1 and everything else (Latin letters, digits, ASCII space and punctuation)
as 0.5: the Netflix Chinese guides' count, where spaces and punctuation count too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Literal

import srt

from episodekit.chinese import convert
from episodekit.model import Cue

# ---------------------------------------------------------------- conversion and writers


def convert_cues(cues: Sequence[Cue], mode: Literal["hans", "hant", "keep"]) -> list[Cue]:
    """The cues in Simplified ("hans") or Traditional ("hant") characters, or as they are."""
    if mode == "keep":
        return list(cues)
    return [Cue(c.start_ms, c.end_ms, tuple(convert(line, mode) for line in c.lines)) for c in cues]


def to_srt(cues: Sequence[Cue]) -> str:
    """SubRip text: cues numbered from 1, `HH:MM:SS,mmm` (write it as UTF-8 without a BOM)."""
    subs = [
        srt.Subtitle(
            index=k,
            start=timedelta(milliseconds=c.start_ms),
            end=timedelta(milliseconds=c.end_ms),
            content="\n".join(c.lines),
        )
        for k, c in enumerate(cues, start=1)
    ]
    return str(srt.compose(subs, reindex=True, start_index=1))


def vtt_timestamp(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def vtt_escape(text: str) -> str:
    # Escaping < and > also keeps "-->" out of the cue text, which WebVTT forbids.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def vtt_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def to_vtt(cues: Sequence[Cue]) -> str:
    """W3C WebVTT: the `WEBVTT` header, a blank line, then the cues with `HH:MM:SS.mmm` times."""
    blocks = ["WEBVTT\n"]
    for c in cues:
        text = "\n".join(vtt_escape(line) for line in c.lines)
        blocks.append(f"{vtt_timestamp(c.start_ms)} --> {vtt_timestamp(c.end_ms)}\n{text}\n")
    return "\n".join(blocks)

"""Cues -> files: OpenCC conversion of the cue text, SRT (through `srt`) and WebVTT.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Literal

import srt

from episodekit.chinese import convert
from episodekit.model import Cue
from episodekit.text import subtitle_time, vtt_escape

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



def to_vtt(cues: Sequence[Cue]) -> str:
    """W3C WebVTT: the `WEBVTT` header, a blank line, then the cues with `HH:MM:SS.mmm` times."""
    blocks = ["WEBVTT\n"]
    for c in cues:
        text = "\n".join(vtt_escape(line) for line in c.lines)
        timing = f"{subtitle_time(c.start_ms, '.')} --> {subtitle_time(c.end_ms, '.')}"
        blocks.append(f"{timing}\n{text}\n")
    return "\n".join(blocks)

"""The episode's timeline: where each spoken segment starts, how long the episode is, and where
its chapters begin. Pure arithmetic on integer milliseconds.

At 24 kHz a millisecond is exactly 24 samples, so every placement's start_ms is exactly where its
first sample lands in the rendered audio (see mix.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from episodekit.model import ChapterMark, Pauses, Placement, Segment

# Frozen, so one shared default is safe.
DEFAULT_PAUSES = Pauses()

# ---------------------------------------------------------------- timeline (pure)


def plan_timeline(
    segments: Sequence[Segment], pauses: Pauses = DEFAULT_PAUSES, offset_ms: int = 0
) -> tuple[Placement, ...]:
    """Place `segments` in order: `offset_ms` (an intro's length) + lead-in, then each segment
    followed by the pause its `pause_after` asks for (none after the last)."""
    cursor = offset_ms + pauses.lead_in
    placements = []
    for index, segment in enumerate(segments):
        placements.append(Placement(segment=segment, start_ms=cursor))
        cursor += segment.duration_ms
        if index < len(segments) - 1:
            cursor += pauses.after(segment.pause_after)
    return tuple(placements)


def episode_length_ms(
    placements: Sequence[Placement], pauses: Pauses = DEFAULT_PAUSES, outro_ms: int = 0,
    offset_ms: int = 0,
) -> int:
    """The episode's length: the voice, its tail of silence, then the outro (if any)."""
    voice_end = placements[-1].end_ms if placements else offset_ms + pauses.lead_in
    return voice_end + pauses.tail + outro_ms


def chapter_marks(
    placements: Sequence[Placement], titles: Sequence[str], total_ms: int
) -> list[ChapterMark]:
    """One mark per chapter that has segments: it starts at its first segment (the first mark
    at 0, so an intro belongs to it) and ends where the next starts, the last at `total_ms`."""
    starts: dict[int, int] = {}
    for placement in placements:
        starts.setdefault(placement.segment.chapter, placement.start_ms)
    ordered = sorted(starts.items(), key=lambda item: item[1])
    marks = []
    for position, (chapter, start) in enumerate(ordered):
        begin = 0 if position == 0 else start
        end = ordered[position + 1][1] if position + 1 < len(ordered) else total_ms
        title = titles[chapter] if chapter < len(titles) else ""
        marks.append(ChapterMark(title=title, start_ms=begin, end_ms=end))
    return marks

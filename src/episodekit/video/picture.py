"""What the video shows, as an ASS subtitle document libass draws: the episode title at the
top, a chapter card in the middle whose text changes at each chapter start, and the cues at the
bottom. Also the times at which the picture changes: the video holds one frame per change.

ASS times have centisecond precision, so every change time is rounded to 10 ms once, here, and
the ASS events and the frames both use the rounded times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from episodekit.video.style import HEIGHT, WIDTH, Font, VideoStyle, ass_colour

# libass draws a frame at its timestamp truncated to whole milliseconds; a frame placed 1 ms
# after a change can never be rounded back into the picture before it.
FRAME_AFTER_CHANGE_MS = 1
# A frame at least this often, even when nothing changes (a long pause, a cue-less chapter):
# players and upload transcoders then never see a gap of many seconds between frames.
MAX_FRAME_GAP_MS = 2000


@dataclass(frozen=True)
class Timed:
    """A text shown from start_ms to end_ms (a cue or a chapter)."""

    start_ms: int
    end_ms: int
    text: str


def to_cs(ms: int) -> int:
    return round(ms / 10)


def ass_time(ms: int) -> str:
    cs = to_cs(ms)
    hours, cs = divmod(cs, 360_000)
    minutes, cs = divmod(cs, 6_000)
    seconds, cs = divmod(cs, 100)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{cs:02d}"


def ass_text(text: str) -> str:
    """Text as ASS shows it literally: braces open override blocks and a backslash starts a
    tag, so they become their full-width forms; line breaks become \\N."""
    text = text.replace("\\", "＼").replace("{", "｛").replace("}", "｝")
    return "\\N".join(line.strip() for line in text.splitlines())


def _styles(style: VideoStyle, font: Font) -> list[str]:
    text, outline = ass_colour(style.colour), ass_colour(style.outline_colour)
    shadow = ass_colour(style.outline_colour, alpha=0x80)
    title_size = round(style.font_size * 0.8)
    card_size = round(style.font_size * 1.4)
    card_box = ass_colour(style.outline_colour, alpha=0x50)  # a translucent card behind the text
    # Name, Font, Size, Primary, Secondary, Outline, Back, Bold, Italic, Underline, StrikeOut,
    # ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, L, R, V, Encoding
    rows = [
        ("Sub", style.font_size, text, outline, shadow, -1, 1, style.outline, 2, 2, 80,
         style.margin),
        ("Title", title_size, text, outline, shadow, -1, 1, max(2, style.outline - 1), 0, 8, 120,
         round(style.margin * 0.9)),
        ("Card", card_size, text, card_box, card_box, -1, 3, round(card_size * 0.35), 0, 5, 200, 0),
    ]
    return [
        f"Style: {name},{font.family},{size},{primary},{primary},{edge},{back},{bold},0,0,0,"
        f"100,100,0,0,{border},{width},{drop},{align},{side},{side},{vertical},1"
        for name, size, primary, edge, back, bold, border, width, drop, align, side, vertical
        in rows
    ]


def ass_document(
    title: str,
    chapters: Sequence[Timed],
    cues: Sequence[Timed],
    duration_ms: int,
    style: VideoStyle,
    font: Font,
) -> str:
    """The whole picture as one ASS script (pass no cues for soft subtitles)."""
    head = [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {WIDTH}",
        f"PlayResY: {HEIGHT}",
        "WrapStyle: 0",
        "ScaledBorderAndShadow: yes",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        *_styles(style, font),
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    events = [Timed(0, duration_ms, title)] if title else []
    rows = [_event("Title", event) for event in events]
    rows += [_event("Card", chapter) for chapter in chapters if chapter.text]
    rows += [_event("Sub", cue) for cue in cues]
    return "\n".join(head + [row for row in rows if row]) + "\n"


def _event(style_name: str, timed: Timed) -> str:
    if to_cs(timed.end_ms) <= to_cs(timed.start_ms):
        return ""  # shorter than ASS can time: it would never be drawn
    start, end = ass_time(timed.start_ms), ass_time(timed.end_ms)
    return f"Dialogue: 0,{start},{end},{style_name},,0,0,0,,{ass_text(timed.text)}"


def frame_times(changes: Sequence[Timed], duration_ms: int) -> list[int]:
    """The start of every frame in ms: one just after each change, at least one every
    MAX_FRAME_GAP_MS, the first at 0. Every time is below `duration_ms`."""
    boundaries = {0}
    for item in changes:
        boundaries.add(to_cs(item.start_ms) * 10)
        boundaries.add(to_cs(item.end_ms) * 10)
    starts = sorted(b + FRAME_AFTER_CHANGE_MS if b else 0 for b in boundaries)
    times: list[int] = []
    for start, following in zip(starts, [*starts[1:], duration_ms], strict=True):
        if start >= duration_ms:
            break
        times.extend(range(start, min(following, duration_ms), MAX_FRAME_GAP_MS))
    return times

"""Text rules every stage shares, defined once: where a sentence ends, how wide a character is
on screen, which characters are spoken, and how a time in milliseconds is written."""

from __future__ import annotations

import re
import unicodedata

# A sentence ends at one of these (full-width as Chinese writes them, half-width as pasted
# English does); closing quotes and brackets right after the mark still belong to the sentence.
SENTENCE_ENDS = "。！？!?"
SENTENCE_CLOSERS = "」』”’）)"
# One sentence, its end mark and closers included; a last sentence may lack its mark.
RGX_SENTENCE = re.compile(
    rf"[^{SENTENCE_ENDS}]*[{SENTENCE_ENDS}]+[{SENTENCE_CLOSERS}]*|[^{SENTENCE_ENDS}]+$"
)


def is_wide(char: str) -> bool:
    """A CJK or full-width character: one whole column on screen."""
    return bool(char) and unicodedata.east_asian_width(char) in "WF"


def display_width(text: str) -> float:
    """Display width: CJK, full-width and East-Asian-ambiguous characters (“”…—) count 1, every
    other character (Latin letters, digits, ASCII space and punctuation) 0.5, combining marks 0:
    the Netflix Chinese guides' count."""
    width = 0.0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 1.0 if unicodedata.east_asian_width(char) in "WFA" else 0.5
    return width


def is_spoken(char: str) -> bool:
    """Letters, digits, combining marks and currency signs are read aloud; punctuation, spaces
    and math symbols such as < > = are not (or not as a word a subtitle should show)."""
    category = unicodedata.category(char)
    return category[0] in "LNM" or category == "Sc"


def spoken_span(text: str, start: int, end: int) -> tuple[int, int]:
    """`text[start:end]` narrowed to its first and last spoken characters (empty: start == end):
    an engine's word covers what was read aloud, never the punctuation around it."""
    while start < end and not is_spoken(text[start]):
        start += 1
    while end > start and not is_spoken(text[end - 1]):
        end -= 1
    return start, end


def is_content(char: str) -> bool:
    """A letter, digit or symbol: what subtitles must show exactly as the script has it."""
    return unicodedata.category(char)[0] in "LNMS"


def content_letters(text: str) -> str:
    """The content characters of `text`, in order (punctuation and spaces left out)."""
    return "".join(char for char in text if is_content(char))


def subtitle_time(ms: int, separator: str = ",") -> str:
    """`HH:MM:SS,mmm` (SRT) or, with separator ".", `HH:MM:SS.mmm` (WebVTT)."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def chapter_time(ms: int, with_hours: bool) -> str:
    """A YouTube chapter time: `H:MM:SS` with hours, else `MM:SS` (whole seconds, rounded down)."""
    hours, rest = divmod(ms // 1000, 3600)
    minutes, seconds = divmod(rest, 60)
    if with_hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes:02d}:{seconds:02d}"


def vtt_escape(text: str) -> str:
    # Escaping < and > also keeps "-->" out of the cue text, which WebVTT forbids.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def vtt_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

"""The pronunciation lexicon: respell words in the text an engine speaks, and map the word
timings it reports back onto the script's own text, so subtitles keep the script's spelling.

A respelled region ("Altman" spoken as "奧特曼") is atomic: any engine word that touches it maps
to the whole original word, and the engine words that share one region are merged into one Word
spanning their joint time, so a subtitle shows "Altman" once, at the right time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from episodekit.chinese import convert
from episodekit.model import Word

Lexicon = tuple[tuple[str, str], ...]  # (written, spoken) pairs

# (script_start, script_end, spoken_start, spoken_end) of one respelled region.
Region = tuple[int, int, int, int]

_ASCII_WORD_CHAR = re.compile(r"[A-Za-z0-9]")


def _is_ascii_word_char(char: str) -> bool:
    return bool(_ASCII_WORD_CHAR.fullmatch(char))


def _key_pattern(key: str) -> str:
    body = re.escape(key)
    if key.isascii():
        # Latin names are written in any case ("OPENAI", "openai"); CJK has no case.
        body = f"(?i:{body})"
    # Word boundaries only at Latin edges, so "Altman" does not respell "Altmania" while
    # "奧特曼" still matches inside an unbroken run of Chinese.
    if _is_ascii_word_char(key[0]):
        body = f"(?<![A-Za-z0-9]){body}"
    if _is_ascii_word_char(key[-1]):
        body = f"{body}(?![A-Za-z0-9])"
    return body


def _variants(key: str) -> set[str]:
    """The key as written plus its Simplified and Traditional forms, so one lexicon serves
    scripts in either."""
    if key.isascii():
        return {key}
    return {key, convert(key, "hans"), convert(key, "hant")}


@lru_cache(maxsize=64)
def _compile(lexicon: Lexicon) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    replacements: dict[str, str] = {}
    for written, spoken in lexicon:
        for variant in _variants(written):
            replacements.setdefault(variant.casefold() if variant.isascii() else variant, spoken)
    if not replacements:
        return None, replacements
    # Python's alternation takes the first alternative that matches, so longest keys go first:
    # "GPT-4o" wins over "GPT-4" and "GPT".
    keys = sorted(replacements, key=lambda k: (-len(k), k))
    return re.compile("|".join(_key_pattern(k) for k in keys)), replacements


def respell(text: str, lexicon: Lexicon) -> tuple[str, tuple[Region, ...]]:
    """`text` with every lexicon word replaced by its spoken form, and the regions replaced."""
    pattern, replacements = _compile(tuple(lexicon))
    if pattern is None:
        return text, ()
    pieces: list[str] = []
    regions: list[Region] = []
    written_at = 0
    spoken_at = 0
    for match in pattern.finditer(text):
        found = match.group()
        spoken = replacements[found.casefold() if found.isascii() else found]
        plain = text[written_at : match.start()]
        pieces.append(plain)
        spoken_at += len(plain)
        pieces.append(spoken)
        regions.append((match.start(), match.end(), spoken_at, spoken_at + len(spoken)))
        spoken_at += len(spoken)
        written_at = match.end()
    pieces.append(text[written_at:])
    return "".join(pieces), tuple(regions)


def to_script_span(start: int, end: int, regions: Sequence[Region]) -> tuple[int, int]:
    """Map a span of spoken text onto the script text; spans touching a respelled region
    widen to the whole region."""
    script_start = _map_offset(start, regions, is_end=False)
    return script_start, max(script_start, _map_offset(end, regions, is_end=True))


def _map_offset(offset: int, regions: Sequence[Region], *, is_end: bool) -> int:
    shift = 0
    for script_start, script_end, spoken_start, spoken_end in regions:
        if spoken_start < offset <= spoken_end if is_end else spoken_start <= offset < spoken_end:
            return script_end if is_end else script_start
        if spoken_end > offset:
            break  # regions are in order: this one and the rest lie after the offset
        shift += (script_end - script_start) - (spoken_end - spoken_start)
    return offset + shift


def map_words(
    words: Iterable[Word], regions: Sequence[Region], text_length: int
) -> tuple[Word, ...]:
    """Engine words (spans in the spoken text) as words of the script text.

    Words whose script spans overlap (the pieces of one respelled name) become one word covering
    the union of their spans and times. Spans are clamped to the script text.
    """
    merged: list[Word] = []
    for word in sorted(words, key=lambda w: (w.text_start, w.start_ms)):
        start, end = to_script_span(word.text_start, word.text_end, regions)
        start = min(max(start, 0), text_length)
        end = min(max(end, start), text_length)
        if merged and start < merged[-1].text_end:
            last = merged[-1]
            merged[-1] = Word(
                start_ms=min(last.start_ms, word.start_ms),
                end_ms=max(last.end_ms, word.end_ms),
                text_start=last.text_start,
                text_end=max(last.text_end, end),
            )
        else:
            merged.append(Word(word.start_ms, word.end_ms, start, end))
    return tuple(merged)


def compose(first: Sequence[Region], second: Sequence[Region]) -> tuple[Region, ...]:
    """Two rewrites in a row as one: `first` maps text -> middle, `second` middle -> final;
    the result maps text -> final. Regions of the two that overlap become one region."""
    spans = sorted([(r[2], r[3]) for r in first] + [(r[0], r[1]) for r in second])
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    # to_script_span maps the 3rd/4th coordinates onto the 1st/2nd: swap `second` to go forward.
    forward = [(f0, f1, m0, m1) for m0, m1, f0, f1 in second]
    return tuple(
        (*to_script_span(start, end, first), *to_script_span(start, end, forward))
        for start, end in merged
    )

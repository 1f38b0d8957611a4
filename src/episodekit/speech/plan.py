"""Plan the units of synthesis: one per script paragraph, split at sentence ends only where a
paragraph nears what one request to the voice service may carry.

The service takes at most 4096 bytes of XML-escaped UTF-8 per request and about 10 minutes of
audio. MAX_SEGMENT_BYTES is far below both: 1000 escaped bytes is about 330 CJK characters, or
80-90 s of speech. Shorter requests also fail (and are retried) more cheaply.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape

from episodekit.model import PauseLevel, Script, VoiceSettings
from episodekit.speech.cache import cache_key
from episodekit.speech.engines import ENGINES
from episodekit.speech.lexicon import Region, compose, respell
from episodekit.speech.normalize import normalize
from episodekit.speech.voices import VoiceProfile
from episodekit.text import SENTENCE_CLOSERS, SENTENCE_ENDS
from episodekit.words import marks

MAX_SEGMENT_BYTES = 1000

# A sentence ends at one of these, plus any closing quotes or brackets right after it.
RGX_SENTENCE_END = re.compile(rf"(?:[{SENTENCE_ENDS}；;]|…+|\.(?=\s|$))[{SENTENCE_CLOSERS}\"']*")
RGX_CLAUSE_END = re.compile(r"[，,、：:][」』”’）)\"']*")
# A run of text without any punctuation longer than this is split into segments (at a Latin
# word boundary where there is one): 400 unpunctuated characters gave one word event of 69
# characters and a 0.4 s subtitle cue (issue 15). Ordinary text has a comma every ~20.
MAX_UNPUNCTUATED = 60
RGX_PUNCTUATION = re.compile(r"[，,、：:；;。！？!?…—\s]+")


@dataclass(frozen=True)
class SegmentPlan:
    """One request to an engine, and where its result goes in the episode."""

    index: int
    chapter: int
    paragraph: int
    speaker: str  # the voice profile's name
    text: str  # the script's text: what subtitles show
    spoken: str  # `text` respelled by the lexicon (and normalized): what the engine is given
    regions: tuple[Region, ...]  # the rewritten regions, to map word timings back to `text`
    voice: VoiceSettings
    pause_after: PauseLevel
    key: str  # the segment cache key


def request_bytes(text: str) -> int:
    """The size of `text` as the service counts it: XML-escaped UTF-8."""
    return len(escape(text, {'"': "&quot;", "'": "&apos;"}).encode("utf-8"))


def is_speakable(text: str) -> bool:
    """Whether `text` holds anything to say: a letter or a digit. Punctuation alone makes
    engines fail (edge-tts: NoAudioReceived) or say nothing."""
    return any(unicodedata.category(char)[0] in "LN" for char in text)


def _cut(text: str, pattern: re.Pattern[str]) -> list[str]:
    """`text` cut after every match of `pattern`; the pieces join back to `text`."""
    pieces: list[str] = []
    start = 0
    for match in pattern.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _hard_split(text: str, fits: _Fits) -> list[str]:
    """Cut `text` into the longest pieces that fit, at a word boundary (the segmenter's words,
    so a long unpunctuated run is not cut inside 計算機 or a Latin word): both the voice and the
    subtitles pause there."""
    pieces: list[str] = []
    while text:
        # Binary search for the longest prefix that fits (respelled size grows with length).
        low, high = 1, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if fits(text[:middle]):
                low = middle
            else:
                high = middle - 1
        end = low
        cut = end
        if end < len(text):
            words = marks(text)
            while cut > 1 and (words.splits_word(cut) or _inside_latin(text, cut)):
                cut -= 1
            if cut <= 1:
                cut = end  # one word longer than the cap: cut it anyway
        pieces.append(text[:cut])
        text = text[cut:]
    return pieces


def _inside_latin(text: str, cut: int) -> bool:
    return text[cut - 1].isascii() and text[cut - 1].isalnum() and (
        text[cut].isascii() and text[cut].isalnum()
    )


class _Fits:
    """Whether a piece of script text, once respelled, fits in one request."""

    def __init__(self, lexicon: tuple[tuple[str, str], ...], cap: int) -> None:
        self.lexicon = lexicon
        self.cap = cap

    def __call__(self, text: str) -> bool:
        if len(text) > MAX_UNPUNCTUATED and longest_run(text) > MAX_UNPUNCTUATED:
            return False
        return request_bytes(respell(text, self.lexicon)[0]) <= self.cap


def longest_run(text: str) -> int:
    """The length of the longest stretch of `text` without punctuation or a space."""
    return max((len(run) for run in RGX_PUNCTUATION.split(text)), default=0)


def _pack(units: list[str], fits: _Fits) -> Iterator[str]:
    """Join consecutive units greedily into pieces that fit."""
    current = ""
    for unit in units:
        if current and not fits(current + unit):
            yield current
            current = ""
        current += unit
    if current:
        yield current


def split_text(text: str, fits: _Fits) -> list[str]:
    """`text` as one piece if it fits; else split at sentence ends, then clause ends, then
    anywhere. The pieces join back to `text`."""
    if fits(text):
        return [text]
    units: list[str] = []
    for sentence in _cut(text, RGX_SENTENCE_END):
        if fits(sentence):
            units.append(sentence)
            continue
        for clause in _cut(sentence, RGX_CLAUSE_END):
            units.extend([clause] if fits(clause) else _hard_split(clause, fits))
    return list(_pack(units, fits))


def profile_name(speaker: str, script: Script) -> str:
    """The profile a paragraph is read with: its speaker (script.md's reader already resolves
    untagged paragraphs to the front matter's voice); an empty speaker means that voice."""
    return speaker or script.voice


def needed_profiles(script: Script) -> set[str]:
    return {
        profile_name(paragraph.speaker, script)
        for chapter in script.chapters
        for paragraph in chapter.paragraphs
    }


def _pause(here: tuple[int, int], after: tuple[int, int] | None) -> PauseLevel:
    if after is None:
        return "end"
    if after[0] != here[0]:
        return "chapter"
    if after[1] != here[1]:
        return "paragraph"
    return "sentence"


def speakable_text(
    text: str, lexicon: tuple[tuple[str, str], ...], engine_id: str, script: Script
) -> tuple[str, tuple[Region, ...]]:
    """What `engine_id` is given for `text`: the lexicon's respellings, then, for the offline
    voice, numbers and units as words; and the regions mapping it back onto `text`."""
    spoken, regions = respell(text, lexicon)
    if engine_id in ENGINES and not ENGINES[engine_id].reads_numbers:
        said, normalized = normalize(spoken, script.script)
        spoken, regions = said, compose(regions, normalized)
    return spoken, regions


def plan_segments(
    script: Script,
    profiles: Mapping[str, VoiceProfile],
    engine_id: str,
    *,
    max_bytes: int = MAX_SEGMENT_BYTES,
) -> list[SegmentPlan]:
    """The requests that speak `script`, in order. Profiles must have been validated."""
    pieces: list[tuple[int, int, str, str]] = []  # chapter, paragraph, profile, text
    for c, chapter in enumerate(script.chapters):
        for p, paragraph in enumerate(chapter.paragraphs):
            name = profile_name(paragraph.speaker, script)
            fits = _Fits(profiles[name].lexicon, max_bytes)
            for piece in split_text(paragraph.text.strip(), fits):
                piece = piece.strip()
                if is_speakable(piece):
                    pieces.append((c, p, name, piece))
    plans: list[SegmentPlan] = []
    for index, (c, p, name, text) in enumerate(pieces):
        following = pieces[index + 1][:2] if index + 1 < len(pieces) else None
        profile = profiles[name]
        voice = profile.settings_for(engine_id)
        spoken, regions = speakable_text(text, profile.lexicon, engine_id, script)
        plans.append(
            SegmentPlan(
                index=index,
                chapter=c,
                paragraph=p,
                speaker=name,
                text=text,
                spoken=spoken,
                regions=regions,
                voice=voice,
                pause_after=_pause((c, p), following),
                key=cache_key(engine_id, voice, spoken),
            )
        )
    return plans

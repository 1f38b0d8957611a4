"""Where a bundle's cues break the script, judged as a Chinese subtitler would: words split,
sentences spanned, names and terms split, particles left at a cue's edge. `episode check`
reports these as warnings (a bundle with them still meets the published rules);
bench/subtitle_breaks.py prints the shares as a table.

The cues' letters are the script's letters in order (the text-matches-script rule), so every cue
edge is a place in the script: between the last letter of one cue and the first of the next.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from episodekit.check.files import Bundle, Violation
from episodekit.model import Cue
from episodekit.text import (
    SENTENCE_ENDS,
    content_letters,
    display_width,
    is_content,
    subtitle_time,
)
from episodekit.words import (
    BINDS_BACKWARD,
    BINDS_FORWARD,
    CLAUSE_ENDS,
    CLOSERS,
    marks,
)

LEAD_IN = 4  # the longest clause taken for a lead-in (首先，在他看來，)
SHOWN_AT_END = "？！?!…—" + CLOSERS  # what a line shows at its end
DROPPED = "，。、；：,.;:"


@dataclass(frozen=True)
class Fault:
    """One place where a cue breaks badly: `cue` is its 1-based number."""

    cue: int
    kind: str  # "word split", "sentence spanned", "name split", "particle at an edge", ...
    detail: str


@dataclass
class BreakAudit:
    cues: int = 0
    breaks: int = 0  # cue edges between two letters of the script
    word_splits: int = 0
    clause_end_cues: int = 0
    clause_end_possible: int = 0  # most cues that could end at a clause end, given the width
    # Cues that end inside a clause that fits a cue, and of those, the ones that open with a
    # lead-in (首先，他認為，): a clause of at most LEAD_IN characters, spoken too briefly to be a
    # cue of its own, that has to share one with the clause after it.
    inside_fitting: int = 0
    after_lead_in: int = 0
    sentence_spans: int = 0
    name_splits: int = 0
    span_splits: int = 0  # a number with its unit, a bracket or quote, a label and its value
    particle_edges: int = 0
    line_breaks: int = 0
    line_word_splits: int = 0
    faults: list[Fault] = field(default_factory=list)


@dataclass(frozen=True)
class _Place:
    segment: int
    index: int  # the letter's index in the segment text


def _places(texts: Sequence[str]) -> list[_Place]:
    return [
        _Place(s, i) for s, text in enumerate(texts) for i, ch in enumerate(text) if is_content(ch)
    ]


def audit_breaks(
    texts: Sequence[str], cues: Sequence[Cue], max_line_width: float = 16
) -> BreakAudit:
    """Judge every cue edge (and line break) of `cues` against the segment texts `texts`.

    ValueError when the cues cannot be placed in the script (their letters are not its)."""
    places = _places(texts)
    result = BreakAudit(cues=len(cues))
    position = 0
    bounds: list[tuple[int, int]] = []  # each cue's [first, last] letter position
    for cue in cues:
        count = len(content_letters("".join(cue.lines)))
        if count == 0:  # a cue of punctuation alone has no place in the script
            raise ValueError("a cue shows no letter")
        bounds.append((position, min(position + count, len(places)) - 1))
        position += count
    if position != len(places):
        raise ValueError("the cues do not show the script's letters")
    lines = max((len(c.lines) for c in cues), default=1)
    for n, (first, last) in enumerate(bounds, start=1):
        _judge_cue(texts, places, n, first, last, result)
        _judge_clause_end(texts, places, first, last, result, max_line_width * lines)
        if n < len(bounds):
            _judge_break(texts, places, n, last, result, max_line_width)
    for n, cue in enumerate(cues, start=1):
        if len(cue.lines) == 2 and all(map(content_letters, cue.lines)):
            first, _ = bounds[n - 1]
            split = first + len(content_letters(cue.lines[0])) - 1
            a, b = places[split], places[split + 1]
            _judge_line_break(texts, a, b, n, result, max_line_width)
    result.clause_end_possible = max(0, len(bounds) - _forced_breaks(texts, max_line_width * lines))
    return result


def _between(texts: Sequence[str], a: _Place, b: _Place | None) -> str:
    """The separators after letter `a` (to the next letter, or the end of its segment)."""
    text = texts[a.segment]
    end = b.index if b is not None and b.segment == a.segment else len(text)
    return text[a.index + 1 : end]


def _judge_cue(
    texts: Sequence[str], places: list[_Place], n: int, first: int, last: int, r: BreakAudit
) -> None:
    after = places[last + 1] if last + 1 < len(places) else None
    seps = _between(texts, places[last], after)
    if after is None or after.segment != places[last].segment or any(
        ch in CLAUSE_ENDS + SENTENCE_ENDS for ch in seps
    ):
        r.clause_end_cues += 1
    for k in range(first, last):
        inner = _between(texts, places[k], places[k + 1])
        if places[k + 1].segment != places[k].segment or any(ch in SENTENCE_ENDS for ch in inner):
            r.sentence_spans += 1
            text = texts[places[k].segment]
            end = text[max(0, places[k].index - 3) : places[k].index + 1] + inner.strip()
            r.faults.append(Fault(n, "sentence spanned", f"runs on past '{end}'"))
            break


def _judge_clause_end(
    texts: Sequence[str], places: list[_Place], first: int, last: int, r: BreakAudit, width: float
) -> None:
    """Count a cue that ends inside a clause that would fit it, and whether it opens with a
    lead-in that had to share it."""
    if last + 1 >= len(places) or places[last + 1].segment != places[last].segment:
        return
    a, b, text = places[last].index, places[last + 1].index, texts[places[last].segment]
    inside = [(s, e) for s, e in clauses(text) if s <= a < b < e]
    if not inside or display_width(text[slice(*inside[0])].strip()) > width:
        return
    r.inside_fitting += 1
    start = places[first]
    if start.segment != places[last].segment:
        return
    opening = [(s, e) for s, e in clauses(text) if s <= start.index < e]
    lead = opening[0] if opening else inside[0]
    if lead != inside[0] and not content_letters(text[lead[0] : start.index]):
        r.after_lead_in += len(content_letters(text[slice(*lead)])) <= LEAD_IN


@dataclass(frozen=True)
class _Cut:
    kind: str  # "word split", "name split", "<span kind> split", "particle at an edge"
    detail: str  # "ends inside '計算機'", "starts with '的'"
    forced: bool = False  # a word wider than a line: counted, not a fault
    after: bool = False  # the fault is the next cue's (or line's): it starts with a particle


def _cuts(text: str, a: int, b: int, max_line_width: float) -> list[_Cut]:
    """What a break between the letters text[a] and text[b] cuts: a word, a span that fits a
    line, a particle binding across it."""
    m, found = marks(text), []
    word = m.word_at(a)
    if m.splits_word(b):
        found.append(_Cut("word split", f"ends inside '{word}'",
                          forced=display_width(word) > max_line_width))
    for start, end, kind in m.spans:
        whole = text[start:end]
        if start <= a < b < end and display_width(whole) <= max_line_width:
            name = "name split" if kind == "latin" else f"{kind} split"
            found.append(_Cut(name, f"ends inside '{whole}'"))
    if not any(ch in CLAUSE_ENDS + SENTENCE_ENDS for ch in text[a + 1 : b]):
        if word in BINDS_FORWARD:
            found.append(_Cut("particle at an edge", f"ends on '{word}'"))
        if m.word_at(b) in BINDS_BACKWARD:
            found.append(_Cut("particle at an edge", f"starts with '{m.word_at(b)}'", after=True))
    return found


def _judge_break(
    texts: Sequence[str],
    places: list[_Place],
    n: int,
    last: int,
    r: BreakAudit,
    max_line_width: float,
) -> None:
    a, b = places[last], places[last + 1]
    r.breaks += 1
    if a.segment != b.segment:
        return
    for cut in _cuts(texts[a.segment], a.index, b.index, max_line_width):
        if cut.kind == "word split":
            r.word_splits += 1
        elif cut.kind == "name split":
            r.name_splits += 1
        elif cut.kind == "particle at an edge":
            r.particle_edges += 1
        else:
            r.span_splits += 1
        if not cut.forced:
            r.faults.append(Fault(n + 1 if cut.after else n, cut.kind, cut.detail))


def _judge_line_break(
    texts: Sequence[str], a: _Place, b: _Place, n: int, r: BreakAudit, max_line_width: float
) -> None:
    r.line_breaks += 1
    if a.segment != b.segment:
        return
    for cut in _cuts(texts[a.segment], a.index, b.index, max_line_width):
        r.line_word_splits += cut.kind == "word split"
        if not cut.forced:
            r.faults.append(Fault(n, cut.kind, f"line {2 if cut.after else 1} {cut.detail}"))


def clauses(text: str) -> list[tuple[int, int]]:
    """The clauses of a segment text as (start, end): the stretches between clause and sentence
    ends, each with the marks a line shows at its end (？！…, closing quotes) but not the ones
    it drops (，。、；：)."""
    out: list[tuple[int, int]] = []
    start, i = 0, 0
    while i <= len(text):
        if i == len(text) or text[i] in CLAUSE_ENDS + SENTENCE_ENDS:
            end = i
            while end < len(text) and text[end] in SHOWN_AT_END:
                end += 1
            if content_letters(text[start:i]):
                out.append((start, end))
            start = i = max(end, i + 1)
            while start < len(text) and text[start] in CLOSERS + DROPPED + " ":
                start += 1
            i = start
            continue
        i += 1
    return out


def _forced_breaks(texts: Sequence[str], cue_width: float) -> int:
    """Breaks inside clauses that no layout avoids: a clause wider than a cue needs some."""
    forced = 0
    for text in texts:
        for a, b in clauses(text):
            forced += max(0, math.ceil(display_width(text[a:b].strip()) / cue_width) - 1)
    return forced


def check_breaks(b: Bundle) -> Iterator[Violation]:
    """Warnings: the cue breaks a Chinese subtitler would not make."""
    segments = (b.manifest or {}).get("segments")
    if b.srt_cues is None or not isinstance(segments, list):
        return
    texts = [str(s.get("text", "")) for s in segments if isinstance(s, dict)]
    try:
        found = audit_breaks(texts, b.srt_cues, b.max_line_width)
    except ValueError:
        return  # the cues do not show the script: the text-matches-script rule says where
    for fault in found.faults:
        cue = b.srt_cues[fault.cue - 1]
        where = f"cue {fault.cue} ({subtitle_time(cue.start_ms)})"
        yield Violation("episode.srt", where, f"{fault.kind}: {fault.detail}")

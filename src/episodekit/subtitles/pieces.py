"""Placed segments -> pieces: the units a subtitle cue is built from, and what a cue break
between two of them costs (BREAK_COSTS, BREAK_PENALTIES: a Chinese subtitler's priorities).

The segment text is cut into *pieces*: a core that is never split (an engine word, a Latin token
such as "GPT-4o", plus any neighbouring characters the engine gave no timing for) and the
punctuation around it. breaking.py chooses where cues start and end between them.

Widths (line length and reading speed alike) count CJK, full-width and East-Asian-ambiguous
characters (“”…—) as 1 and everything else (Latin letters, digits, ASCII space and punctuation)
as 0.5: the Netflix Chinese guides' count, where spaces and punctuation count too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from episodekit.model import Placement, Segment
from episodekit.text import SENTENCE_ENDS, display_width, is_content, is_wide
from episodekit.words import (
    BINDS_BACKWARD,
    BINDS_FORWARD,
    CLAUSE_ENDS,
    CLOSERS,
    OPENERS,
    marks,
)

FULL_SPACE = "\u3000"
# An in-line ，。 becomes one full-width space (width 1, the same as the mark it replaces), so
# the Simplified style never changes how wide a line is.
LEAD_MS = 100  # a cue may appear this much before its first word (the standard allows 150)
CLOSE_GAP_MS = 500  # a gap shorter than this between cues is closed: no flicker
EDGE_FORBIDDEN = "，。、；："  # no line starts or ends with these
DROP_AT_EDGE = EDGE_FORBIDDEN + ",.;: " + FULL_SPACE
# Latin tokens are never split, even when an engine times their parts as separate words.
LATIN_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-.'’_/][A-Za-z0-9]+)*")
_SPACES = re.compile(r"[ \u3000]{2,}")

# The costs of the cue-breaking programme (breaking.py): only their order matters much.
_CUE_COST = 2.0  # each cue: fewer, fuller cues where nothing else decides
# What a cue break costs by where it falls: a Chinese subtitler's priorities, as a table. A
# sentence end (or a segment's end) is where a cue must end: running a cue across one costs
# SPAN_SENTENCE, which only a timing rule (_TIMING_COST, far dearer) can outweigh.
BREAK_COSTS = {
    "sentence": 0.0,
    "clause": 1.0,  # ，；：、 where the voice pauses (at least PAUSE_MS)
    "clause, no pause": 2.0,  # eSpeak runs through ：、, some commas, and before English words
    # Inside a clause. Both cost far more than a cue more (_CUE_COST, plus a clause break and
    # a short line), and a line break costs half a cue break: a clause that fits a cue is shown
    # whole (on two lines in two-line mode) rather than cut for the sake of fewer cues.
    "pause": 15.0,  # no punctuation, but the voice pauses (LONG_PAUSE_MS: drawing breath)
    "word": 20.0,  # between two words
}
# Added to the cost of a break that also cuts something that belongs together (to a line
# break's too, in full).
BREAK_PENALTIES = {
    "inside a word": 100.0,  # by the segmenter; only where a word is wider than a line
    "inside a span": 40.0,  # a Latin term, a number and its unit, brackets, a label and value
    "particle at an edge": 30.0,  # the next cue opens with 的了嗎…, or this one ends on 在將把…
}
SPAN_SENTENCE = 300.0
_JOIN_CHAPTERS = 500.0
_TIMING_COST = 1000.0
_ATTACH_WIDTH = 2.0  # untimed text up to this wide joins the word it touches
PAUSE_MS = 80
LONG_PAUSE_MS = 250
_OVERWIDE_COST = 100_000.0


# ---------------------------------------------------------------- pieces


@dataclass(frozen=True)
class _Piece:
    prefix: str  # separators shown before the core (opening quotes)
    core: str
    suffix: str  # separators after the core, as the script has them
    start_ms: int  # episode time
    end_ms: int
    segment: int  # position in the placements
    chapter: int
    text_start: int  # where the core is in the segment text
    text_end: int


def _content_runs(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    i = lo
    while i < hi:
        if is_content(text[i]):
            j = i
            while j < hi and is_content(text[j]):
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    return runs


def _even_atoms(text: str, duration_ms: int) -> list[list[int]]:
    """Atoms for a segment with no word timings: characters (Latin tokens whole), timed by width."""
    spans: list[tuple[int, int]] = []
    for a, b in _content_runs(text, 0, len(text)):
        i = a
        for m in LATIN_TOKEN.finditer(text, a, b):
            spans.extend((k, k + 1) for k in range(i, m.start()))
            spans.append((m.start(), m.end()))
            i = m.end()
        spans.extend((k, k + 1) for k in range(i, b))
    # Punctuation takes its share of the time too: speakers pause there.
    per_unit = duration_ms / (display_width(text) or 1.0)
    atoms = []
    for a, b in spans:
        start = display_width(text[:a]) * per_unit
        atoms.append([a, b, round(start), round(start + display_width(text[a:b]) * per_unit)])
    return atoms


def _atoms(segment: Segment) -> list[list[int]]:
    """[text_start, text_end, start_ms, end_ms] spans covering every content char of the text."""
    text, n = segment.text, len(segment.text)
    timed: list[list[int]] = []
    for w in sorted(segment.words, key=lambda w: (w.text_start, w.start_ms)):
        a, b = max(0, w.text_start), min(n, w.text_end)
        while a < b and not is_content(text[a]):
            a += 1
        while b > a and not is_content(text[b - 1]):
            b -= 1
        if a >= b:
            continue
        if timed and a < timed[-1][1]:  # overlapping spans: one atom
            timed[-1][1] = max(timed[-1][1], b)
            timed[-1][3] = max(timed[-1][3], w.end_ms)
            continue
        timed.append([a, b, w.start_ms, max(w.start_ms, w.end_ms)])
    if not timed:
        return _even_atoms(text, segment.duration_ms)
    # A character or two the engine did not time belongs to the word it touches (an engine that
    # skips a character must not get its word split); longer untimed runs, and runs standing
    # alone between punctuation, share out the time between their timed neighbours.
    atoms: list[list[int]] = []
    for k in range(len(timed) + 1):
        prev = atoms[-1] if atoms else None
        nxt = timed[k] if k < len(timed) else None
        lo, hi = (prev[1] if prev else 0), (nxt[0] if nxt else n)
        t0 = prev[3] if prev else 0
        t1 = max(t0, nxt[2] if nxt else segment.duration_ms)
        alone = []
        for a, b in _content_runs(text, lo, hi):
            short = display_width(text[a:b]) <= _ATTACH_WIDTH or LATIN_TOKEN.fullmatch(text[a:b])
            if prev is not None and a == lo and short:
                prev[1] = b
            elif nxt is not None and b == hi and short:
                nxt[0] = a
            else:
                alone.append((a, b))
        if alone:
            a, b = alone[0][0], alone[-1][1]
            part = _even_atoms(text[a:b], t1 - t0)
            atoms.extend([x + a, y + a, s + t0, e + t0] for x, y, s, e in part)
        if nxt is not None:
            atoms.append(nxt)
    for m in LATIN_TOKEN.finditer(text):
        inside = [x for x in atoms if x[0] < m.end() and x[1] > m.start()]
        if len(inside) > 1:
            times = [x[2] for x in inside] + [x[3] for x in inside]
            merged = [inside[0][0], inside[-1][1], min(times), max(times)]
            first = atoms.index(inside[0])
            atoms[first : first + len(inside)] = [merged]
    return atoms


def _split_overwide(text: str, atoms: list[list[int]], max_width: float) -> list[list[int]]:
    """A word wider than a line (a long Latin token, an engine's long "word") cannot be shown
    whole: it becomes one atom per character, timed by width, and the breaker cuts it where
    the line is full. The only break inside a word there is."""
    out: list[list[int]] = []
    for a, b, start, end in atoms:
        if display_width(text[a:b]) <= max_width:
            out.append([a, b, start, end])
            continue
        per_unit = (end - start) / display_width(text[a:b])
        for k in range(a, b):
            if is_content(text[k]):
                t0 = start + display_width(text[a:k]) * per_unit
                out.append([k, k + 1, round(t0), round(t0 + display_width(text[k]) * per_unit)])
    return out


def _pieces(placements: Sequence[Placement], max_line_width: float = 16) -> list[_Piece]:
    pieces: list[_Piece] = []
    for index, placement in enumerate(placements):
        seg, offset = placement.segment, placement.start_ms
        atoms = _split_overwide(seg.text, _atoms(seg), max_line_width)
        for k, (a, b, start, end) in enumerate(atoms):
            before = seg.text[atoms[k - 1][1] : a] if k else seg.text[:a]
            if not k:
                # What a segment opens with, other than opening quotes, ends the one before.
                rest = before.rstrip(OPENERS)
                if rest and pieces:
                    pieces[-1] = replace(pieces[-1], suffix=pieces[-1].suffix + rest)
                before = before[len(rest) :]
            after = seg.text[b : atoms[k + 1][0]] if k + 1 < len(atoms) else seg.text[b:]
            opener = before[len(before.rstrip(OPENERS)) :]
            closer = after.rstrip(OPENERS) if k + 1 < len(atoms) else after
            core = seg.text[a:b]
            pieces.append(
                _Piece(
                    opener, core, closer, offset + start, offset + end, index, seg.chapter, a, b
                )
            )
    return pieces


# ---------------------------------------------------------------- punctuation style


def _inline_suffix(run: str, left: str, right: str) -> str:
    """Separators inside a line: ，。 (and ASCII , . next to CJK) become one full-width space."""
    out: list[str] = []
    for i, ch in enumerate(run):
        following = run[i + 1] if i + 1 < len(run) else right
        if ch in "，。" or (ch in ",." and (is_wide(left) or is_wide(right))):
            if following and following in CLOSERS + "？！?!…":
                continue
            ch = FULL_SPACE
        out.append(ch)
    joined = "".join(out)
    return _SPACES.sub(lambda m: FULL_SPACE if FULL_SPACE in m.group() else " ", joined)


def _end_suffix(run: str) -> str:
    # Everything after a line's last word is at its end: none of ，。、；： may stay there.
    return "".join(ch for ch in run if ch not in DROP_AT_EDGE)


def _start_prefix(run: str) -> str:
    return run.lstrip(DROP_AT_EDGE)


def _boundary_cost(
    piece: _Piece, nxt: _Piece | None, text: str, gap_ms: float, max_line_width: float
) -> tuple[float, float, bool]:
    """What a break after `piece` costs: (by where it falls, BREAK_COSTS; what it cuts,
    BREAK_PENALTIES; whether it falls at a sentence end)."""
    if nxt is None or nxt.segment != piece.segment or any(
        ch in SENTENCE_ENDS for ch in piece.suffix
    ):
        return BREAK_COSTS["sentence"], 0.0, True
    if any(ch in CLAUSE_ENDS for ch in piece.suffix):
        return BREAK_COSTS["clause" if gap_ms >= PAUSE_MS else "clause, no pause"], 0.0, False
    cost = BREAK_COSTS["pause" if gap_ms >= LONG_PAUSE_MS else "word"]
    where = nxt.text_start - len(nxt.prefix)
    found, penalty = marks(text), 0.0
    if found.splits_word(where):
        penalty += BREAK_PENALTIES["inside a word"]
    if any(display_width(text[a:b]) <= max_line_width for a, b, _ in found.spans_across(where)):
        penalty += BREAK_PENALTIES["inside a span"]
    if (
        found.word_at(piece.text_end - 1) in BINDS_FORWARD
        or found.word_at(nxt.text_start) in BINDS_BACKWARD
    ):
        penalty += BREAK_PENALTIES["particle at an edge"]
    return cost, penalty, False

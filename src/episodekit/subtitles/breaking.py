"""Pieces -> cues: where each subtitle starts and ends.

Cues are runs of pieces chosen by a small dynamic programme. A cue's cost is the cost of the
break it ends at (pieces.BREAK_COSTS: a subtitler's priorities), the sentence ends it runs
across, how short of a full line it is, and the Netflix timing rules it breaks (reading speed,
minimum and maximum duration), priced far above every preference: a rule always wins, and a
speaker too fast to subtitle legally still gets the best cues there are instead of an error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from episodekit.model import Cue, Placement
from episodekit.subtitles.pieces import (
    _CUE_COST,
    _JOIN_CHAPTERS,
    _OVERWIDE_COST,
    _TIMING_COST,
    CLOSE_GAP_MS,
    FULL_SPACE,
    LEAD_MS,
    SPAN_SENTENCE,
    _boundary_cost,
    _end_suffix,
    _inline_suffix,
    _Piece,
    _pieces,
    _start_prefix,
)
from episodekit.text import display_width

# ---------------------------------------------------------------- cue breaking


@dataclass
class _Layout:
    """Everything about the pieces the programme needs in O(1) per candidate cue."""

    pieces: list[_Piece]
    inline: list[str]  # each piece's suffix inside a line
    cum: list[float]  # prefix sums of prefix + core + inline suffix widths
    joins: list[float]  # prefix sums of the cost of keeping piece k and k+1 together
    breaks: list[float]  # the cost of a cue break after piece k
    line_breaks: list[float]  # the cost of a line break there (half, but not the penalties)
    head: list[float]  # width change when piece k opens a line (its prefix trimmed)
    tail: list[float]  # width change when piece k closes a line (its end suffix, not inline)
    starts: list[int]  # earliest legal start of a cue beginning at piece k; [n] = audio end

    def width(self, i: int, j: int) -> float:
        return self.cum[j] - self.cum[i] + self.head[i] + self.tail[j - 1]

    def text(self, i: int, j: int) -> str:
        p = self.pieces
        parts = [_start_prefix(p[i].prefix)]
        for k in range(i, j):
            if k > i:
                parts.append(p[k].prefix)
            parts.append(p[k].core)
            parts.append(self.inline[k] if k < j - 1 else _end_suffix(p[k].suffix))
        return "".join(parts)


def _layout(
    pieces: list[_Piece], texts: Sequence[str], audio_end_ms: int, max_line_width: float
) -> _Layout:
    inline, cum, joins, starts, head, tail = [], [0.0], [0.0], [], [], []
    breaks: list[float] = []
    line_breaks: list[float] = []
    for k, piece in enumerate(pieces):
        nxt = pieces[k + 1] if k + 1 < len(pieces) else None
        run = piece.suffix
        if nxt is not None and nxt.segment != piece.segment and not run.strip():
            run = FULL_SPACE  # two segments in one cue: keep their words apart
        right = (nxt.prefix + nxt.core)[:1] if nxt else ""
        inline.append(_inline_suffix(run, piece.core[-1], right))
        cum.append(cum[-1] + display_width(piece.prefix + piece.core + inline[-1]))
        head.append(display_width(_start_prefix(piece.prefix)) - display_width(piece.prefix))
        tail.append(display_width(_end_suffix(piece.suffix)) - display_width(inline[-1]))
        cost, penalty, sentence_end = _boundary_cost(
            piece, nxt, texts[piece.segment], _gap_ms(pieces, k + 1), max_line_width
        )
        # A line break inside a clause costs half a cue break there (a clause that fits a cue
        # is shown whole, on two lines), but cuts a word, a span or a particle off no less.
        breaks.append(cost + penalty)
        line_breaks.append(cost / 2 + penalty)
        join = SPAN_SENTENCE if sentence_end else 0.0
        if nxt is not None and nxt.chapter != piece.chapter:
            join += _JOIN_CHAPTERS
        joins.append(joins[-1] + join)
        earliest = max(0, piece.start_ms - LEAD_MS)
        starts.append(max(earliest, pieces[k - 1].end_ms) if k else earliest)
    starts.append(audio_end_ms)
    return _Layout(pieces, inline, cum, joins, breaks, line_breaks, head, tail, starts)


def _split_lines(lay: _Layout, i: int, j: int, max_width: float) -> int | None:
    """Where to break a two-line cue: where a cue break would cost least, lines balanced."""
    cum, head, tail, breaks = lay.cum, lay.head, lay.tail, lay.line_breaks
    best, best_cost = None, math.inf
    for m in range(i + 1, j):
        raw = cum[m] - cum[i] + head[i]
        if raw > max_width + 2:  # a line end never adds 2 (tail is at most a closing mark)
            break
        w1, w2 = raw + tail[m - 1], cum[j] - cum[m] + head[m] + tail[j - 1]
        if w1 > max_width or w2 > max_width:
            continue
        cost = breaks[m - 1] + abs(w1 - w2) / max_width
        if cost < best_cost:
            best, best_cost = m, cost
    return best


def make_cues(
    placements: Sequence[Placement],
    *,
    audio_end_ms: int,
    max_line_width: float = 16,
    max_lines: int = 1,
    min_ms: int = 833,
    max_ms: int = 7000,
    max_cps: float = 9.0,
) -> list[Cue]:
    """Cues for the episode's placed segments, every script character shown once and in order.

    Where the speech is too fast for `max_cps` or a single word is wider than a cue, the rules
    cannot all hold: the cues then keep the text and the word timing, and break the rule least.
    """
    pieces = _pieces(placements, max_line_width)
    if not pieces:
        return []
    texts = [p.segment.text for p in placements]
    lay = _layout(pieces, texts, audio_end_ms, max_line_width)
    rules = _Rules(max_line_width, max(1, max_lines), min_ms, max_ms, max_cps, audio_end_ms)
    return [_timed_cue(lay, i, j, split, rules) for i, j, split in _best_cues(lay, rules)]


@dataclass(frozen=True)
class _Rules:
    max_line_width: float
    max_lines: int
    min_ms: int
    max_ms: int
    max_cps: float
    audio_end_ms: int

    def need_ms(self, width: float) -> int:
        """How long a cue of `width` must stay up to be read at `max_cps`."""
        return max(self.min_ms, math.ceil(width * 1000 / self.max_cps))


def _best_cues(lay: _Layout, rules: _Rules) -> list[tuple[int, int, int | None]]:
    """The cheapest run of cues over all pieces, as (first, end, line split) spans.

    best[j] is the cost of the best cues for pieces[:j]; a cue i..j costs its break, the
    sentence ends it spans, how short of a full line it is, and any timing rule it breaks.
    (The hot loop of a build: lists are bound to locals and the width is computed inline.)
    """
    n = len(lay.pieces)
    line, cue_width = rules.max_line_width, rules.max_line_width * rules.max_lines
    cum, head, tail, joins, starts = lay.cum, lay.head, lay.tail, lay.joins, lay.starts
    ends = [p.end_ms for p in lay.pieces]
    ms_per_width, min_ms, max_ms = 1000 / rules.max_cps, rules.min_ms, rules.max_ms
    best = [0.0] + [math.inf] * n
    choice: list[tuple[int, int | None]] = [(0, None)] * (n + 1)
    for j in range(1, n + 1):
        fixed = _CUE_COST + lay.breaks[j - 1] + joins[j - 1]
        limit, end_ms = min(starts[j], rules.audio_end_ms), ends[j - 1]
        for i in range(j - 1, -1, -1):
            width = cum[j] - cum[i] + head[i] + tail[j - 1]
            cost = fixed - joins[i]
            if width > cue_width:
                if j - i > 1:
                    break
                cost += _OVERWIDE_COST  # one word wider than a cue: shown anyway
            start = starts[i]
            spoken = end_ms - start
            if best[i] + cost >= best[j]:  # every other term only adds: this cue cannot win
                if spoken > max_ms and j - i > 1:
                    break
                continue
            if spoken > max_ms:
                cost += _TIMING_COST * (1 + (spoken - max_ms) / 100)
            room = limit - start
            if room > max_ms:
                room = max_ms
            need = width * ms_per_width
            shortfall = (min_ms if need < min_ms else math.ceil(need)) - room
            if shortfall > 0:
                cost += _TIMING_COST * (1 + shortfall / 100)
            # A cue that fills one line is full; a second line is only room, not a goal.
            if width < line:
                fill = (line - width) / line
                cost += fill * fill
            split = None
            if line < width <= cue_width and best[i] + cost < best[j]:
                # Two lines; found only for a cue that could win (the search is the slow part).
                split = _split_lines(lay, i, j, line)
                cost += _OVERWIDE_COST if split is None else lay.line_breaks[split - 1]
            if best[i] + cost < best[j]:
                best[j], choice[j] = best[i] + cost, (i, split)
            if spoken > max_ms and j - i > 1:
                break
    spans: list[tuple[int, int, int | None]] = []
    j = n
    while j > 0:
        i, split = choice[j]
        spans.append((i, j, split))
        j = i
    spans.reverse()
    return spans


def _gap_ms(pieces: Sequence[_Piece], j: int) -> float:
    """The silence between piece j-1 and piece j within a segment (infinite across segments,
    where the assembler always puts a pause)."""
    if j >= len(pieces) or pieces[j].segment != pieces[j - 1].segment:
        return math.inf
    return pieces[j].start_ms - pieces[j - 1].end_ms


def _timed_cue(lay: _Layout, i: int, j: int, split: int | None, rules: _Rules) -> Cue:
    """The cue showing pieces i..j-1: up as early as allowed, long enough to read, no overlap."""
    lines = (lay.text(i, split), lay.text(split, j)) if split else (lay.text(i, j),)
    audio_end_ms = rules.audio_end_ms
    start = min(lay.starts[i], max(0, audio_end_ms - 1))
    following = lay.starts[j]
    cap = min(following, audio_end_ms, start + rules.max_ms)
    wanted = max(lay.pieces[j - 1].end_ms, start + rules.need_ms(sum(map(display_width, lines))))
    end = cap if following - wanted < CLOSE_GAP_MS else wanted
    end = max(min(end, cap), start + 1)
    return Cue(start, end, lines)

"""Pieces -> cues: where each subtitle starts and ends.

Cues are runs of pieces chosen by a small dynamic programme that prefers breaks at punctuation
and full lines, and treats the Netflix timing rules (reading speed, minimum and maximum duration)
as costs, so that a speaker too fast to subtitle legally still gets the best cues there are
instead of an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from episodekit.model import Cue, Placement
from episodekit.subtitles.pieces import (
    _BREAK_COST,
    _CUE_COST,
    _JOIN_CHAPTERS,
    _JOIN_SEGMENTS,
    _OVERWIDE_COST,
    _TIMING_COST,
    CLOSE_GAP_MS,
    FULL_SPACE,
    LEAD_MS,
    LONG_PAUSE_MS,
    PAUSE_MS,
    _break_kind,
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
    starts: list[int]  # earliest legal start of a cue beginning at piece k; [n] = audio end

    def width(self, i: int, j: int) -> float:
        p, last = self.pieces, j - 1
        return (
            self.cum[j]
            - self.cum[i]
            - display_width(p[i].prefix)
            + display_width(_start_prefix(p[i].prefix))
            - display_width(self.inline[last])
            + display_width(_end_suffix(p[last].suffix))
        )

    def text(self, i: int, j: int) -> str:
        p = self.pieces
        parts = [_start_prefix(p[i].prefix)]
        for k in range(i, j):
            if k > i:
                parts.append(p[k].prefix)
            parts.append(p[k].core)
            parts.append(self.inline[k] if k < j - 1 else _end_suffix(p[k].suffix))
        return "".join(parts)


def _layout(pieces: list[_Piece], audio_end_ms: int) -> _Layout:
    inline, cum, joins, starts = [], [0.0], [0.0], []
    for k, piece in enumerate(pieces):
        nxt = pieces[k + 1] if k + 1 < len(pieces) else None
        run = piece.suffix
        if nxt is not None and nxt.segment != piece.segment and not run.strip():
            run = FULL_SPACE  # two segments in one cue: keep their words apart
        right = (nxt.prefix + nxt.core)[:1] if nxt else ""
        inline.append(_inline_suffix(run, piece.core[-1], right))
        cum.append(cum[-1] + display_width(piece.prefix + piece.core + inline[-1]))
        join = 0.0
        if nxt is not None and nxt.chapter != piece.chapter:
            join = _JOIN_CHAPTERS
        elif nxt is not None and nxt.segment != piece.segment:
            join = _JOIN_SEGMENTS
        joins.append(joins[-1] + join)
        earliest = max(0, piece.start_ms - LEAD_MS)
        starts.append(max(earliest, pieces[k - 1].end_ms) if k else earliest)
    starts.append(audio_end_ms)
    return _Layout(pieces, inline, cum, joins, starts)


def _split_lines(lay: _Layout, i: int, j: int, max_width: float) -> int | None:
    """Where to break a two-line cue: after punctuation where possible, lines balanced."""
    best, best_cost = None, math.inf
    for m in range(i + 1, j):
        w1, w2 = lay.width(i, m), lay.width(m, j)
        if w1 > max_width or w2 > max_width:
            continue
        kind = _break_kind(lay.pieces[m - 1], lay.pieces[m])
        cost = _BREAK_COST[kind] + abs(w1 - w2) / max_width
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
    pieces = _pieces(placements)
    if not pieces:
        return []
    lay = _layout(pieces, audio_end_ms)
    n = len(pieces)
    cue_width = max_line_width * max(1, max_lines)

    def need_ms(width: float) -> int:
        return _need_ms(width, min_ms, max_cps)

    best = [0.0] + [math.inf] * n
    choice: list[tuple[int, int | None]] = [(0, None)] * (n + 1)
    for j in range(1, n + 1):
        kind = _break_kind(pieces[j - 1], pieces[j] if j < n else None)
        break_cost = _BREAK_COST[kind]
        gap = _gap_ms(pieces, j)
        if kind in ("strong", "clause") and gap < PAUSE_MS:
            break_cost = _BREAK_COST["space"]
        elif kind in ("space", "word") and gap >= LONG_PAUSE_MS:
            break_cost = _BREAK_COST["clause"]
        for i in range(j - 1, -1, -1):
            width = lay.width(i, j)
            split = None
            cost = 0.0
            if width > max_line_width:
                if max_lines >= 2 and width <= cue_width:
                    split = _split_lines(lay, i, j, max_line_width)
                if split is None:
                    if j - i > 1:
                        break
                    cost += _OVERWIDE_COST  # one word wider than a cue: shown anyway
            start = lay.starts[i]
            spoken = pieces[j - 1].end_ms - start
            if spoken > max_ms:
                cost += _TIMING_COST * (1 + (spoken - max_ms) / 100)
            room = min(lay.starts[j], audio_end_ms, start + max_ms) - start
            shortfall = need_ms(width) - room
            if shortfall > 0:
                cost += _TIMING_COST * (1 + shortfall / 100)
            # A cue that fills one line is full; a second line is only room, not a goal.
            fill = max(0.0, max_line_width - width) / max_line_width
            cost += _CUE_COST + break_cost + lay.joins[j - 1] - lay.joins[i] + fill * fill
            if split is not None:
                # A line break inside a clause reads worse than a cue break there.
                cost += 2 * _BREAK_COST[_break_kind(pieces[split - 1], pieces[split])]
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
    return [
        _timed_cue(lay, i, j, split, audio_end_ms, max_ms, need_ms) for i, j, split in spans
    ]


def _gap_ms(pieces: Sequence[_Piece], j: int) -> float:
    """The silence between piece j-1 and piece j within a segment (infinite across segments,
    where the assembler always puts a pause)."""
    if j >= len(pieces) or pieces[j].segment != pieces[j - 1].segment:
        return math.inf
    return pieces[j].start_ms - pieces[j - 1].end_ms


def _need_ms(width: float, min_ms: int, max_cps: float) -> int:
    """How long a cue of `width` must stay up to be read at `max_cps`."""
    return max(min_ms, math.ceil(width * 1000 / max_cps))


def _timed_cue(
    lay: _Layout,
    i: int,
    j: int,
    split: int | None,
    audio_end_ms: int,
    max_ms: int,
    need_ms: Callable[[float], int],
) -> Cue:
    """The cue showing pieces i..j-1: up as early as allowed, long enough to read, no overlap."""
    lines = (lay.text(i, split), lay.text(split, j)) if split else (lay.text(i, j),)
    start = min(lay.starts[i], max(0, audio_end_ms - 1))
    following = lay.starts[j]
    cap = min(following, audio_end_ms, start + max_ms)
    wanted = max(lay.pieces[j - 1].end_ms, start + need_ms(sum(map(display_width, lines))))
    end = cap if following - wanted < CLOSE_GAP_MS else wanted
    end = max(min(end, cap), start + 1)
    return Cue(start, end, lines)

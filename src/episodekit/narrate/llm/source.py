"""`--source FILE`: the transcript or captions behind a summary, as reference for the model.

A source is read into passages of a few sentences (captions are joined first: a cue is a
fragment of a sentence). Each chapter gets the passages that share the most distinctive
two-character pieces and names with its points, up to a token budget, in the source's order:
the relevant part, not the whole file.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import srt

from episodekit.errors import InputError

# Tokens of source per chapter. With CJK text at about one token a character (o200k_base
# counts 0.76, cl100k_base 1.15 on the seeds), 1500 tokens is some 1500 characters: several
# minutes of talk, a small share of a model's context.
SOURCE_TOKENS_PER_CHAPTER = 1500
PASSAGE_CHARS = 300
SOURCE_SUFFIXES = (".txt", ".srt", ".vtt")

RGX_VTT_TIMING = re.compile(r"^\s*(\d{1,2}:)?\d{2}:\d{2}[.,]\d{3}\s+-->")
RGX_TAG = re.compile(r"<[^>]+>")
RGX_SENTENCE = re.compile(r"[^。？！?!.]*(?:[。？！?!.]+[」』”’）)]*|$)")
RGX_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]+")


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate: a token per CJK character, one per four other characters
    (between o200k_base and cl100k_base on Chinese; safe for a budget)."""
    wide = sum(1 for ch in text if ord(ch) > 0x2E7F)
    return wide + (len(text) - wide + 3) // 4


def check_source_name(path: Path) -> None:
    if path.suffix.lower() not in SOURCE_SUFFIXES:
        raise InputError(path, "a source is a .txt, .srt or .vtt file")


def read_source(path: Path, text: str) -> list[str]:
    """The passages of the .txt, .srt or .vtt source at `path` (its decoded `text`), in order."""
    check_source_name(path)
    suffix = path.suffix.lower()
    if suffix == ".srt":
        try:
            lines = [RGX_TAG.sub("", sub.content) for sub in srt.parse(text)]
        except srt.SRTParseError as error:
            raise InputError(path, f"not a valid SRT file ({error})") from error
    elif suffix == ".vtt":
        lines = _vtt_lines(text, path)
    else:
        lines = text.splitlines()
    passages = _passages(lines, joined=suffix != ".txt")
    if not passages:
        raise InputError(path, "the source has no text")
    return passages


def _vtt_lines(text: str, path: Path) -> list[str]:
    """The cue text of a WebVTT file (header, NOTE/STYLE blocks, cue ids and timings dropped)."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    if not blocks or not blocks[0].lstrip("\ufeff").startswith("WEBVTT"):
        raise InputError(path, "not a WebVTT file (no WEBVTT header)")
    lines: list[str] = []
    for block in blocks[1:]:
        rows = block.split("\n")
        timing = next((i for i, row in enumerate(rows) if RGX_VTT_TIMING.match(row)), None)
        if timing is None:
            continue  # NOTE, STYLE, REGION
        lines += [RGX_TAG.sub("", row) for row in rows[timing + 1 :]]
    return lines


def _passages(lines: list[str], *, joined: bool) -> list[str]:
    """Passages of about PASSAGE_CHARS, cut at sentence ends. Caption lines are one text;
    the paragraphs of a text file are kept apart."""
    blocks = ["".join(_join_pieces(lines))] if joined else _paragraphs(lines)
    passages: list[str] = []
    for block in blocks:
        current = ""
        for sentence in RGX_SENTENCE.findall(block):
            if current and len(current) + len(sentence) > PASSAGE_CHARS:
                passages.append(current.strip())
                current = ""
            current += sentence
        if current.strip():
            passages.append(current.strip())
    return [p for p in passages if p]


def _join_pieces(lines: list[str]) -> list[str]:
    pieces: list[str] = []
    for line in (raw.strip() for raw in lines):
        if not line:
            continue
        if pieces and pieces[-1][-1].isascii() and line[0].isascii():
            pieces.append(" ")
        pieces.append(line)
    return pieces


def _paragraphs(lines: list[str]) -> list[str]:
    paragraphs: list[str] = [""]
    for line in (raw.strip() for raw in lines):
        if not line:
            paragraphs.append("")
        else:
            paragraphs[-1] += ("" if not paragraphs[-1] else " ") + line
    return [p for p in paragraphs if p]


def _features(text: str) -> set[str]:
    pieces = {text[i : i + 2] for i in range(len(text) - 1) if ord(text[i]) > 0x2E7F}
    return pieces | {w.casefold() for w in RGX_LATIN.findall(text)}


def relevant(passages: list[str], topic: str, budget: int = SOURCE_TOKENS_PER_CHAPTER) -> list[str]:
    """The passages most about `topic` (a chapter's title and points) within `budget` tokens,
    in the source's order. A piece found in every passage says nothing: pieces are weighted by
    how rare they are (inverse document frequency)."""
    features = [_features(p) for p in passages]
    counts = Counter(f for fs in features for f in fs)
    wanted = _features(topic)
    total = len(passages)

    def score(index: int) -> float:
        shared = features[index] & wanted
        return sum(math.log(total / counts[f]) for f in shared)

    chosen: list[int] = []
    used = 0
    for index in sorted(range(total), key=lambda i: (-score(i), i)):
        if score(index) <= 0:
            break
        cost = estimate_tokens(passages[index])
        if used + cost > budget:
            continue
        chosen.append(index)
        used += cost
    return [passages[i] for i in sorted(chosen)]

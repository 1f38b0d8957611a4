"""Document -> template data: the Document prepared as plain values for the Jinja2 templates.

The code completes sentences, splits long turns and numbers points; the templates (render.py,
scripts/) do all the wording. The text helpers here are also the templates' filters.
"""

from __future__ import annotations

import re
from typing import Any

from episodekit import chinese
from episodekit.model import (
    Block,
    Document,
    Point,
    Prose,
    Quote,
    Section,
    Turn,
)
from episodekit.text import SENTENCE_CLOSERS, SENTENCE_ENDS

EPISODE_TEMPLATE = "episode.j2"
SUMMARY_TEMPLATE = "summary.j2"

# Placeholders for characters that could make data look like structure in the rendered body.
_PROTECT = {"#": "\ue000", "[": "\ue001", "\\": "\ue002"}
_RESTORE = {v: k for k, v in _PROTECT.items()}

# Long interview turns are split at sentence ends into paragraphs of at most this many chars.
PARAGRAPH_LIMIT = 260

SENTENCE_END = "。？！…"
CLOSERS = "」』”’）)》〉】"
# Trailing marks that leave a sentence unfinished; they are replaced by a full stop.
OPEN_ENDS = "：:，,；;、-—–"
HALF_TO_FULL = {".": "。", "?": "？", "!": "！"}
RGX_SENTENCE = re.compile(rf"[^{SENTENCE_ENDS}]*(?:[{SENTENCE_ENDS}]+[{SENTENCE_CLOSERS}]*|$)")
RGX_SPACES = re.compile(r"\s+")
HALF_TO_FULL_INLINE = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；"}
_CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef「」“”"
# A half-width mark right after or right before a Chinese character (not "3:00", not "a, b").
RGX_HALF_BY_CJK = re.compile(rf"(?<=[{_CJK}])[,?!:;]|[,?!:;](?=[{_CJK}])")

# Section titles that mean "the summary's own opening" and "its own closing".
INTRO_TITLES = ("開場", "引言", "前言", "開頭", "導言", "介紹", "简介", "開篇")
OUTRO_TITLES = ("結尾", "結語", "總結", "尾聲", "結束語")


# ---------------------------------------------------------------- text helpers (also filters)


def _full_width(match: re.Match[str]) -> str:
    return HALF_TO_FULL_INLINE[match[0]]


def clean(text: str) -> str:
    """Data as it may appear in the rendered body: one line, half-width punctuation next to
    Chinese made full-width (so sentences end where the speech stage looks), structure
    characters protected."""
    text = RGX_SPACES.sub(" ", text).strip()
    text = RGX_HALF_BY_CJK.sub(_full_width, text)
    return "".join(_PROTECT.get(ch, ch) for ch in text)


def add_subject(text: str, verbs: list[str], subject: str) -> str:
    """Give a subject to each sentence that starts with a view verb ("認為開源是好的")."""
    pattern = "(^|[。！？；])(" + "|".join(re.escape(verb) for verb in verbs) + ")"
    return re.sub(pattern, lambda m: m[1] + subject + m[2], text) if verbs else text


def clause(text: str) -> str:
    """`text` without trailing punctuation, to be continued or completed by the template."""
    return text.rstrip(" " + SENTENCE_END + OPEN_ENDS + "。.?!")


def sentence(text: str) -> str:
    """`text` ending with full-width sentence punctuation (。？！), completed if it has none."""
    text = text.rstrip()
    if not text:
        return text
    body = text.rstrip(CLOSERS)
    if body and body[-1] in SENTENCE_END:
        return text
    if body and body[-1] in HALF_TO_FULL and body == text:
        return text[:-1] + HALF_TO_FULL[text[-1]]
    if body != text:  # a closing quote after an unfinished clause: 「…」 -> 「…」。
        return text + "。"
    return clause(text) + "。"


def is_question(text: str) -> bool:
    return text.rstrip(" " + CLOSERS).endswith(("？", "?"))


def split_paragraphs(text: str, limit: int = PARAGRAPH_LIMIT) -> list[str]:
    """Split `text` at sentence ends into pieces of at most `limit` chars where it can."""
    parts: list[str] = []
    current = ""
    for piece in RGX_SENTENCE.findall(text):
        if current and len(current) + len(piece) > limit:
            parts.append(current)
            current = ""
        current += piece
    if current.strip():
        parts.append(current)
    return [part.strip() for part in parts if part.strip()] or [text]


def short_name(name: str) -> str:
    """What the narrator calls a guest after the first mention: "Sam Altman" -> "Altman"."""
    words = name.split()
    return words[-1] if len(words) > 1 and all(w.isascii() for w in words) else name


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split() if word).upper()


# ---------------------------------------------------------------- Document -> template data


def _point(point: Point) -> dict[str, Any]:
    children = [_point(child) for child in point.children]
    return {
        "kind": "point",
        "label": clean(point.label),
        "text": clean(point.text),
        "children": children,
        # A child that is a short phrase reads well in a list ("A、B，以及C").
        "phrase": not point.children
        and not point.label
        and len(point.text) <= 24
        and not re.search(r"[。？！，；?!;,]", clause(point.text)),
    }


def _speaker_name(turn: Turn, doc: Document) -> str:
    if turn.role == "host":
        return clean(turn.speaker)
    guest = doc.guest
    if guest and turn.speaker in ("", guest, _initials(guest), short_name(guest)):
        return clean(short_name(guest))
    return clean(turn.speaker)


def _asks_or_addresses(text: str) -> bool:
    """Does an unlabelled transcript line read like the interviewer: a question anywhere in
    it, or "you" said to the guest? Without that, a line right after the guest's answer may be
    the guest going on (transcripts such as seed 004 do not say), and is not attributed."""
    return any(mark in text for mark in "？?") or "你" in text or "您" in text


def _blocks(blocks: tuple[Block, ...], doc: Document) -> list[dict[str, Any]]:
    """Template data for a section's blocks; points are numbered within each run of points."""
    items: list[dict[str, Any]] = []
    turns = {"host": 0, "guest": 0}
    for block in blocks:
        if isinstance(block, Point):
            items.append(_point(block))
        elif isinstance(block, Turn):
            after_guest = bool(items) and items[-1].get("role") == "guest"
            question = is_question(block.text)
            items.append(
                {
                    "kind": "turn",
                    "role": block.role,
                    "name": _speaker_name(block, doc),
                    "question": question,
                    "unsure": block.role == "host" and not block.speaker and after_guest
                    and not _asks_or_addresses(block.text),
                    "nth": turns[block.role],
                    "parts": [clean(part) for part in split_paragraphs(block.text)],
                    "text": clean(block.text),
                }
            )
            turns[block.role] += 1
        elif isinstance(block, Quote):
            items.append(
                {"kind": "quote", "speaker": clean(block.speaker), "text": clean(block.text)}
            )
        elif isinstance(block, Prose):
            items.append({"kind": "prose", "text": clean(block.text)})
    _number_points(items)
    return items


def _number_points(items: list[dict[str, Any]]) -> None:
    """Give each point its place (`index`, `count`) in its run of consecutive points."""
    run: list[dict[str, Any]] = []
    for item in [*items, {"kind": "end"}]:
        if item["kind"] == "point":
            run.append(item)
            continue
        for index, point in enumerate(run):
            point["index"], point["count"] = index, len(run)
        run = []


def _is_titled(section: Section, titles: tuple[str, ...]) -> bool:
    return clause(chinese.convert(section.title, "hant")).strip() in titles


def _has_turns(doc: Document) -> bool:
    return any(isinstance(b, Turn) for s in doc.sections for b in s.blocks)


# A summary of an interview says so in its title or headings even when it holds no transcript.
RGX_INTERVIEW = re.compile(r"訪談|专访|專訪|访谈|採訪|采访|對談|对谈|interview", re.IGNORECASE)


def _is_interview(doc: Document) -> bool:
    headings = [doc.title, *(section.title for section in doc.sections)]
    return _has_turns(doc) or any(RGX_INTERVIEW.search(h) for h in headings)


def context(doc: Document) -> dict[str, Any]:
    """Everything the templates see (listed in scripts/README.md)."""
    sections = list(doc.sections)
    intro: list[dict[str, Any]] = []
    if sections and _is_titled(sections[0], INTRO_TITLES):
        intro = _blocks(sections.pop(0).blocks, doc)
    # The summary's own closing words lead into the sign-off instead of making a chapter.
    closing: list[dict[str, Any]] = []
    if len(sections) > 1 and _is_titled(sections[-1], OUTRO_TITLES):
        closing = _blocks(sections.pop().blocks, doc)
    chapters = [
        {
            "number": number,
            "title": clean(clause(section.title)),
            "blocks": _blocks(section.blocks, doc),
        }
        for number, section in enumerate((s for s in sections if s.blocks), start=1)
    ]
    return {
        "title": clean(doc.title),
        "guest": clean(doc.guest),
        "guest_short": clean(short_name(doc.guest)),
        "script": doc.script,
        "has_turns": _has_turns(doc),
        "is_interview": _is_interview(doc),
        "has_greeting": doc.has_greeting,
        "has_signoff": doc.has_signoff,
        "intro_blocks": intro,
        "chapters": chapters,
        "closing_blocks": closing,
        # For the outro's "did the summary already say this" checks.
        "closing_text": "".join(b.get("text", "") for b in closing),
    }

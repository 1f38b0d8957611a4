"""Text helpers of the narrate stage, also the templates' filters: one line of data for the
rendered body, completing or continuing sentences, splitting long turns."""

from __future__ import annotations

import re

from episodekit.text import SENTENCE_CLOSERS, SENTENCE_ENDS

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
HALF_TO_FULL_INLINE = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；", "(": "（", ")": "）"}
_CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef「」“”"
# A half-width mark right after or right before a Chinese character (not "3:00", not "a, b").
RGX_HALF_BY_CJK = re.compile(rf"(?<=[{_CJK}])[,?!:;()]|[,?!:;()](?=[{_CJK}])")


def _full_width(match: re.Match[str]) -> str:
    return HALF_TO_FULL_INLINE[match[0]]


# A written 但 opening a clause is said 但是, as the channel says it (not 但願, 但凡, 但丁).
RGX_WRITTEN_BUT = re.compile(r"(^|[，,；;。！？：「“])但(?![是願愿凡求丁])")


def spoken_contrast(text: str) -> str:
    """Contrast made spoken: "…，但從長遠來看" -> "…，但是從長遠來看"."""
    return RGX_WRITTEN_BUT.sub(r"\1但是", text)


def clean(text: str) -> str:
    """Data as it may appear in the rendered body: one line, half-width punctuation next to
    Chinese made full-width (so sentences end where the speech stage looks), structure
    characters protected."""
    text = RGX_SPACES.sub(" ", text).strip()
    text = RGX_HALF_BY_CJK.sub(_full_width, text)
    text = spoken_contrast(text)
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

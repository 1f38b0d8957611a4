"""Where a Chinese subtitler may break a line of text, and where not: word boundaries (a word
segmenter), sentence and clause ends, and the spans that stay whole (Latin names and terms, a
number with its unit, a bracketed or quoted span, a label with its value).

Shared by the cue breaker (as break costs) and by `episode check` (as warnings), so that what the
breaker avoids and what the checker reports are the same thing.

The segmenter is rjieba (jieba-rs, the jieba dictionary and HMM in Rust): wheels for every
platform as one abi3 build, the dictionary compiled in (no download, no cache file), about 0.1 s
to import. jieba's dictionary is Simplified, so each character is first converted to Simplified
on its own (one to one, so offsets stay valid): on the seeds' Traditional scripts that fixes
splits such as 基礎|設施 and 應|對 that the dictionary does not know in Traditional form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import rjieba

from episodekit.chinese import each_on_its_own

CLAUSE_ENDS = "，；：、,;:…—"
# A cue does not open with a word that binds to what comes before, nor close on one that binds
# to what follows (both scripts' forms).
BINDS_BACKWARD = frozenset("的了嗎吗呢吧和與与及而")
BINDS_FORWARD = frozenset("在將将把被對对從从")
OPENERS = "「『“‘（《〈【([{"
CLOSERS = "」』”’）》〉】)]}"
_PAIRS = dict(zip(OPENERS, CLOSERS, strict=True))

# A Latin name or term: Latin words and digits with their joiners, and spaces between them
# ("Claude Opus 4", "GPT-4o", "Sam Altman").
LATIN_TERM = re.compile(
    r"[A-Za-z0-9]+(?:(?:[-.'’_/+&·]|[ \u00a0](?=[A-Za-z0-9]))+[A-Za-z0-9]+)*[%+]?"
)
_NUMBER = r"(?:\d+(?:[.,]\d+)*|[零〇一二兩两三四五六七八九十百千]+)"
_UNIT = (
    r"(?:%|％|美元|美金|元|港元|人民幣|人民币|塊|块|倍|個|个|年|月|日|天|週|周|小時|小时|分鐘|分钟|秒"
    r"|次|名|家|位|人|款|項|项|種|种|層|层|張|张|台|臺|部|篇|條|条|歲|岁|號|号|代|點|点"
    r"|GB|TB|MB|B|M|K|k)"
)
# A number with its multiplier and unit (5000億美元, 79.4%, 一萬億美元, 3 倍).
NUMBER_UNIT = re.compile(rf"{_NUMBER}\s?(?:[十百千萬万億亿兆]+\s?{_UNIT}?|{_UNIT})")
# A value a label stays with: a number in digits, with its unit when it has one.
VALUE = re.compile(rf"\d[\d.,]*\s?(?:[十百千萬万億亿兆]+\s?{_UNIT}?|{_UNIT})?")


@dataclass(frozen=True)
class TextMarks:
    """What a segment's text says about each boundary between its characters.

    Boundary `p` lies between text[p-1] and text[p]. `words` are the segmenter's tokens as
    (start, end); `spans` are the stretches that stay whole when they fit a line, as
    (start, end, kind) with kind one of "latin", "number", "bracket", "label".
    """

    text: str
    words: tuple[tuple[int, int], ...]
    word_of: tuple[int, ...]  # index into `words` of each character
    spans: tuple[tuple[int, int, str], ...]

    def splits_word(self, p: int) -> bool:
        return 0 < p < len(self.text) and self.word_of[p - 1] == self.word_of[p]

    def word_at(self, k: int) -> str:
        a, b = self.words[self.word_of[k]]
        return self.text[a:b]

    def spans_across(self, p: int) -> list[tuple[int, int, str]]:
        """The spans a break at `p` would cut."""
        return [s for s in self.spans if s[0] < p < s[1]]


def _simplified(text: str) -> str:
    table = each_on_its_own(text, "hans") or {}
    out = "".join(table.get(ch, ch) for ch in text)
    return out if len(out) == len(text) else text


@lru_cache(maxsize=4096)
def marks(text: str) -> TextMarks:
    """Word boundaries and whole spans of `text` (cached: the breaker and checker share it)."""
    words = tuple((a, b) for _, a, b in rjieba.tokenize(_simplified(text)))
    word_of = [0] * len(text)
    for k, (a, b) in enumerate(words):
        for i in range(a, min(b, len(text))):
            word_of[i] = k
    spans: list[tuple[int, int, str]] = []
    spans += [(m.start(), m.end(), "latin") for m in LATIN_TERM.finditer(text)]
    spans += [(m.start(), m.end(), "number") for m in NUMBER_UNIT.finditer(text)]
    spans += [(a, b, "bracket") for a, b in _bracket_spans(text)]
    spans += [(a, b, "label") for a, b in _label_spans(text, words, word_of)]
    return TextMarks(text, words, tuple(word_of), tuple(s for s in spans if s[1] - s[0] > 1))


def _label_spans(
    text: str, words: tuple[tuple[int, int], ...], word_of: list[int]
) -> list[tuple[int, int]]:
    """A label and its value: the word right before a number, with a colon or space between
    or not ("並行測試：79.4%" keeps 測試：79.4% whole, "MMLU 88.7%" all of it)."""
    spans = []
    for m in VALUE.finditer(text):
        if m.start() and text[m.start() - 1].isdigit():
            continue  # the tail of a longer number
        k = m.start()
        while k and text[k - 1] in "：: ":
            k -= 1
        label = words[word_of[k - 1]] if k else (0, 0)
        # A label is a word of two characters or more (了 in 花了5000億 is none).
        if label[1] - label[0] >= 2 and text[k - 1].isalpha():
            spans.append((label[0], m.end()))
    return spans


def _bracket_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch in _PAIRS and not (ch in CLOSERS and stack and _PAIRS[text[stack[-1]]] == ch):
            stack.append(i)
        elif ch in CLOSERS and stack and _PAIRS[text[stack[-1]]] == ch:
            spans.append((stack.pop(), i + 1))
    return spans

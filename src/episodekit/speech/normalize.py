"""Text normalization for the offline voice: numbers, years, dates, times, percentages,
fractions, ranges, units, money and ordinals become the words a Mandarin speaker says, in the
script's own characters. eSpeak NG reads 2024年 as 二千二十四年, 50% with an English "percent",
90后 as 九十后 and 13800138000 as one huge number.

wetext (the WeTextProcessing grammars, run on kaldifst) does the reading. What it gets wrong in
this field is taken out before it sees the text and read here from wetext's own cardinal
reading: product names with a letter-digit join (GPT-4o as GPT负四o, RTX 4090 as 四千零九十),
month-day dates (5月2日 as 五月两日), decimals (12.9英寸 as 十二月九日英寸), numbers before a
Latin unit (120Hz as 幺二零Hz), dotted versions (1.2.3 as 一.二点三), ordinals (第2代 as 第两代),
percentage ranges, negative percentages, 30多%, 90/9/1 and 7×24. A dash between two numbers
is a range: wetext reads 2~3年 as 二到三年 but 2-3年 as 二减三年.

Only what the engine hears changes: the regions returned map the spoken text back onto the text
as written, the way the lexicon's respellings do, so subtitles keep the script's characters.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from functools import cache

from episodekit.chinese import each_on_its_own
from episodekit.model import ChineseScript
from episodekit.speech.lexicon import Region

_DIGIT_WORDS = "零一二三四五六七八九"
_NUMBER = r"\d+(?:\.\d+)?"

# Each protected kind, in priority order; its reading is made by _protected_reading.
_PROTECTED = re.compile(
    "|".join(
        [
            # A product name: letters, an optional joiner, a number (GPT-4o, Claude 3.7, M4).
            # After a space, a number followed by Chinese is a quantity (Stargate 5000億美元).
            r"(?P<name>(?<![A-Za-z0-9.])[A-Za-z]+(?:-|(?P<space> ))?"
            r"(?P<name_number>\d+(?:\.\d+)*)(?![.]?\d)(?(space)(?![\u3400-\u9fff%％])))",
            r"(?P<version>(?<![\d.])\d+(?:\.\d+){2,}(?![.]?\d))",  # 1.2.3版
            r"(?P<date>(?<![\d.])(?P<month>\d{1,2})月(?P<day>\d{1,2})(?P<day_word>[日号號]))",
            r"(?P<ordinal>第(?P<nth>\d+)(?![.]?\d))",
            r"(?P<times>(?<![\d.])(?P<factor>\d+)\s*×\s*(?P<other>\d+)(?![.]?\d))",
            rf"(?P<percent_range>(?<![\d.])(?P<low>{_NUMBER})\s*[-~～–—]\s*(?P<high>{_NUMBER})"
            r"\s*[%％])",
            rf"(?P<negative_percent>(?<![\d.A-Za-z])-(?P<magnitude>{_NUMBER})[%％])",
            r"(?P<about_percent>(?<![\d.])(?P<about>\d+)多[%％])",  # 30多%
            r"(?P<chain>(?<![\d./])\d{1,3}(?:/\d+){2,}(?![/]?\d))",  # the 90/9/1 rule
            # A number right before Latin letters (a unit: 120Hz, 405B), or a decimal that is
            # not a percentage: wetext guesses 120 is a phone number, 12.9 a date.
            rf"(?P<quantity>(?<![\d.A-Za-z])(?P<sign>-?)(?P<amount>{_NUMBER})(?=[A-Za-z])"
            r"|(?<![\d.A-Za-z])(?P<decimal_sign>-?)(?P<decimal>\d+\.\d+)(?![.]?\d|[%％]))",
        ]
    )
)
_RANGE_DASH = re.compile(rf"(?<![\d.-])({_NUMBER})[-–—～]({_NUMBER})(?![\d.-])")


@cache
def _wetext() -> Callable[[str], str]:
    import wetext  # loads its grammars (about 0.6 s): only when the offline voice is used

    normalize: Callable[[str], str] = wetext.Normalizer(lang="zh", operator="tn").normalize
    return normalize


def cardinal(number: str) -> str:
    """Digits (maybe with a decimal point) read as a quantity, in Simplified: 120 is 一百二十,
    12.9 is 十二点九."""
    # Bare, wetext guesses what a number is (120: an emergency number, 幺二零; 12.9: a date).
    # Before a percent sign it is a quantity without doubt.
    return _wetext()(number + "%").removeprefix("百分之")


def _name_number(number: str) -> str:
    """A number in a name: RTX 4090 is 四零九零, H100 一百, Claude 3.7 三点七, iOS 17.4.1
    十七点四点一."""
    parts = number.split(".")
    if len(parts) == 1 and len(number) >= 4:
        return "".join(_DIGIT_WORDS[int(digit)] for digit in number)
    if len(parts) <= 2:
        return cardinal(number)
    return "点".join(cardinal(part) for part in parts)


def _protected_reading(match: re.Match[str]) -> str:
    kind, group = match.lastgroup, match.group
    if kind == "name":  # the letters and a space stay; a hyphen is not said
        letters = match.string[match.start() : match.start("name_number")].removesuffix("-")
        return letters + _name_number(group("name_number"))
    if kind == "version":
        return _name_number(group())
    if kind == "date":
        return f"{cardinal(group('month'))}月{cardinal(group('day'))}{group('day_word')}"
    if kind == "ordinal":
        return "第" + cardinal(group("nth"))
    if kind == "times":
        return f"{cardinal(group('factor'))}乘{cardinal(group('other'))}"
    if kind == "percent_range":
        return f"百分之{cardinal(group('low'))}到{cardinal(group('high'))}"
    if kind == "negative_percent":
        return "负百分之" + cardinal(group("magnitude"))
    if kind == "about_percent":
        return f"百分之{cardinal(group('about'))}多"
    if kind == "chain":
        return "、".join(cardinal(part) for part in group().split("/"))
    if group("amount") is not None:
        return ("负" if group("sign") else "") + cardinal(group("amount"))
    return ("负" if group("decimal_sign") else "") + cardinal(group("decimal"))


def _through_wetext(chunk: str) -> str:
    """`chunk` read by wetext, its surrounding spaces kept (wetext strips them)."""
    core = chunk.strip()
    if not any(char.isdigit() for char in core):
        return chunk
    head = chunk[: len(chunk) - len(chunk.lstrip())]
    tail = chunk[len(chunk.rstrip()) :]
    return head + _wetext()(_RANGE_DASH.sub(r"\1~\2", core)) + tail


def _readings(simplified: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, spoken) pieces covering `simplified` in order."""
    cursor = 0
    for match in _PROTECTED.finditer(simplified):
        if match.start() > cursor:
            yield cursor, match.start(), _through_wetext(simplified[cursor : match.start()])
        yield match.start(), match.end(), _protected_reading(match)
        cursor = match.end()
    if cursor < len(simplified):
        yield cursor, len(simplified), _through_wetext(simplified[cursor:])


def _changes(written: str, spoken: str) -> list[tuple[int, int, int, int]]:
    """The stretches where `written` and `spoken` differ, each non-empty on both sides (a pure
    insertion or deletion takes in the equal character beside it), so timings map across."""
    changes: list[tuple[int, int, int, int]] = []
    matcher = difflib.SequenceMatcher(None, written, spoken, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i1 == i2 or j1 == j2:
            if i1 > 0 and j1 > 0:
                i1, j1 = i1 - 1, j1 - 1
            else:
                i2, j2 = i2 + 1, j2 + 1
        changes.append((i1, i2, j1, j2))
    return changes


def _half_width(char: str) -> str:
    """A full-width ASCII form (Ｇ, ５, ％, －) as its ASCII character; anything else as it is."""
    return chr(ord(char) - 0xFEE0) if "\uff01" <= char <= "\uff5e" else char


def _in_script(spoken: str, script: ChineseScript) -> str:
    """wetext's words (Simplified) in the episode's characters. 幺 stays: its Traditional
    form 么 is read "me"."""
    if script == "hans":
        return spoken
    table = each_on_its_own(set(spoken) - {"幺"}, "hant") or {}
    return "".join(table.get(char, char) for char in spoken)


def normalize(text: str, script: ChineseScript) -> tuple[str, tuple[Region, ...]]:
    """`text` as the offline voice should hear it, and the regions that changed (written span,
    spoken span), in order. Text without a digit comes back as it is."""
    if not any(char.isdigit() for char in text):
        return text, ()
    # wetext's grammars are Simplified and half-width (２０％ is 20%); character by character
    # keeps every offset.
    table = each_on_its_own(set(text), "hans") or {}
    simplified = "".join(_half_width(table.get(char, char)) for char in text)
    pieces: list[str] = []
    regions: list[Region] = []
    spoken_at = 0
    for start, end, reading in _readings(simplified):
        cursor = start
        for i1, i2, j1, j2 in _changes(simplified[start:end], reading):
            said = _in_script(reading[j1:j2], script)
            pieces += [text[cursor : start + i1], said]
            spoken_at += start + i1 - cursor
            regions.append((start + i1, start + i2, spoken_at, spoken_at + len(said)))
            spoken_at += len(said)
            cursor = start + i2
        pieces.append(text[cursor:end])
        spoken_at += end - cursor
    return "".join(pieces), tuple(regions)

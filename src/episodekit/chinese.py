"""Simplified and Traditional Chinese: which one a text is mostly written in, and conversion
(OpenCC) so that one script never mixes both."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import opencc

from episodekit.model import ChineseScript

# s2tw rather than s2t: Taiwan's standard forms are what the channel writes (這裡, not 這裏).
_CONFIGS: dict[ChineseScript, str] = {"hant": "s2tw", "hans": "t2s"}


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def convert(text: str, to: ChineseScript) -> str:
    """Return `text` written wholly in `to`; characters common to both scripts are kept."""
    return str(_converter(_CONFIGS[to]).convert(text))


def each_on_its_own(chars: Iterable[str], to: ChineseScript) -> dict[str, str] | None:
    """Each character of `chars` converted on its own (one per line, one OpenCC call), so no
    phrase rule applies: a character that changes is specific to the other script. None in the
    unlikely case OpenCC does not keep one character per line."""
    distinct = sorted(set(chars) - {"\n"})
    singles = convert("\n".join(distinct), to).split("\n")
    if len(singles) != len(distinct):
        return None
    return dict(zip(distinct, singles, strict=True))


def count_script_chars(text: str) -> tuple[int, int]:
    """(Traditional-only characters, Simplified-only characters) in `text`, each character
    judged on its own, so a phrase conversion that changes a text's length cannot throw the
    count off."""
    cjk = {c for c in text if c > "\u2e7f"}
    if not cjk:
        return 0, 0
    to_hans = each_on_its_own(cjk, "hans") or {}
    to_hant = each_on_its_own(cjk, "hant") or {}
    traditional = sum(1 for c in text if c in to_hans and to_hans[c] != c)
    simplified = sum(1 for c in text if c in to_hant and to_hant[c] != c)
    return traditional, simplified


def dominant_script(text: str, default: ChineseScript = "hant") -> ChineseScript:
    """The script most script-specific characters in `text` belong to (`default` on a tie)."""
    traditional, simplified = count_script_chars(text)
    if traditional == simplified:
        return default
    return "hant" if traditional > simplified else "hans"


# OpenCC's s2tw "fixes" these although they are already Traditional (it takes 只 in 只相信 for
# the measure word 隻, 注重 for 註重): a character of the text is never changed into one of them.
OPENCC_FALSE_FRIENDS: frozenset[tuple[str, str]] = frozenset(
    {("只", "隻"), ("注", "註"), ("秘", "祕"), ("了", "瞭")}
)
# Simplified forms OpenCC leaves in a Traditional text, because their characters also exist in
# Traditional (系 as in 系統, 沖 as in 沖泡, 凈 as a variant). Phrase level, longest first.
SIMPLIFIED_LEFTOVERS: tuple[tuple[str, str], ...] = (
    ("關系", "關係"),
    ("聯系", "聯繫"),
    ("沖突", "衝突"),
    ("沖擊", "衝擊"),
    ("凈", "淨"),
    ("勛", "勳"),
    *((f"{head}于", f"{head}於") for head in "關對由至基屬等位終處在善趨歸急過勇敢便易難忠"),
    ("于是", "於是"),
)


def one_script(text: str, script: ChineseScript) -> str:
    """`text` written wholly in `script`, phrase by phrase (芯片制造 -> 芯片製造, 關系 -> 關係),
    without OpenCC's false friends on text already in the target script. A text that went
    through it once does not change the second time (the checks rely on that)."""
    converted = convert(text, script)
    if len(converted) == len(text) and converted != text:
        converted = "".join(
            old if (old, new) in OPENCC_FALSE_FRIENDS else new
            for old, new in zip(text, converted, strict=True)
        )
    if script == "hant":
        for simplified, traditional in SIMPLIFIED_LEFTOVERS:
            converted = converted.replace(simplified, traditional)
    return converted

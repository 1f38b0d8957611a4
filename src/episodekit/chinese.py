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

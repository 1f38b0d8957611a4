"""Simplified and Traditional Chinese: which one a text is mostly written in, and conversion
(OpenCC) so that one script never mixes both."""

from __future__ import annotations

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


def count_script_chars(text: str) -> tuple[int, int]:
    """(Traditional-only characters, Simplified-only characters) in `text`.

    Each distinct character is converted on its own (one per line, one OpenCC call), so a
    phrase conversion that changes a text's length cannot throw the count off.
    """
    distinct = sorted({c for c in text if c > "\u2e7f"})
    if not distinct:
        return 0, 0
    joined = "\n".join(distinct)
    to_hans = dict(zip(distinct, convert(joined, "hans").split("\n"), strict=False))
    to_hant = dict(zip(distinct, convert(joined, "hant").split("\n"), strict=False))
    traditional = sum(1 for c in text if c in to_hans and to_hans[c] != c)
    simplified = sum(1 for c in text if c in to_hant and to_hant[c] != c)
    return traditional, simplified


def dominant_script(text: str, default: ChineseScript = "hant") -> ChineseScript:
    """The script most script-specific characters in `text` belong to (`default` on a tie)."""
    traditional, simplified = count_script_chars(text)
    if traditional == simplified:
        return default
    return "hant" if traditional > simplified else "hans"

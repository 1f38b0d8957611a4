"""Simplified and Traditional Chinese: which one a text is mostly written in, and conversion
(OpenCC) so that one script never mixes both."""

from __future__ import annotations

from functools import lru_cache

import opencc

from episodekit.model import ChineseScript

# s2tw rather than s2t: Taiwan's standard forms are what the channel writes (這裡, not 這裏).
_CONFIGS: dict[ChineseScript, str] = {"hant": "s2tw", "hans": "t2s"}


@lru_cache(maxsize=None)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def convert(text: str, to: ChineseScript) -> str:
    """Return `text` written wholly in `to`; characters common to both scripts are kept."""
    return str(_converter(_CONFIGS[to]).convert(text))


def count_script_chars(text: str) -> tuple[int, int]:
    """(Traditional-only characters, Simplified-only characters) in `text`."""
    as_hans = convert(text, "hans")
    as_hant = convert(text, "hant")
    traditional = sum(1 for a, b in zip(text, as_hans) if a != b) if len(as_hans) == len(text) else 0
    simplified = sum(1 for a, b in zip(text, as_hant) if a != b) if len(as_hant) == len(text) else 0
    return traditional, simplified


def dominant_script(text: str, default: ChineseScript = "hant") -> ChineseScript:
    """The script most of the script-specific characters in `text` belong to (`default` on a tie)."""
    traditional, simplified = count_script_chars(text)
    if traditional == simplified:
        return default
    return "hant" if traditional > simplified else "hans"

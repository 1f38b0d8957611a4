"""How the video looks: show.toml's `[video]` table (`episodekit.show.VideoStyle`: font, sizes,
colours, margin, background) turned into what libass and ffmpeg take, and the sizes of the title
and the chapter card derived from the subtitle size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from episodekit.errors import EpisodeError
from episodekit.fonts import default_font, face_index, load_font
from episodekit.model import ChineseScript
from episodekit.show import VideoStyle

WIDTH, HEIGHT = 1920, 1080

_HEX_COLOUR = re.compile(r"^#([0-9a-fA-F]{6})$")

__all__ = ["HEIGHT", "WIDTH", "Font", "StyleError", "VideoStyle", "ass_colour", "ffmpeg_colour",
           "resolve_font"]


class StyleError(EpisodeError):
    """A video style value (font file, colour, background image) that cannot be used."""

    def __init__(self, what: str, reason: str) -> None:
        self.what = what
        self.reason = reason
        super().__init__(f"{what}: {reason}")


@dataclass(frozen=True)
class Font:
    """A font file and the family name libass finds it by."""

    path: Path
    family: str


def resolve_font(style: VideoStyle, script: ChineseScript) -> Font:
    """The font file of `style` and its family name, read from the file.

    The default collection's face follows the subtitles' script; a font file of the user's
    without a `font_index` is taken at its first face (a plain .ttf has only that one)."""
    path = style.font or default_font()
    if style.font is None:
        index = face_index(script, style.font_index)
    else:
        index = style.font_index if style.font_index is not None else 0
    family, _face = load_font(path, index, 16).getname()
    if not family:
        raise StyleError(str(path), f"face {index} has no family name")
    return Font(path=path, family=family)
def ass_colour(hex_colour: str, alpha: int = 0) -> str:
    """'#rrggbb' as ASS's &HAABBGGRR (alpha 0 is opaque, 255 transparent)."""
    match = _HEX_COLOUR.match(hex_colour)
    if not match:
        raise StyleError(f"video colour {hex_colour!r}", "give it as #rrggbb, e.g. #ffffff")
    rgb = match.group(1)
    return f"&H{alpha:02X}{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}".upper()


def ffmpeg_colour(hex_colour: str) -> str:
    """'#rrggbb' as ffmpeg's 0xRRGGBB (validated the same way as for ASS)."""
    ass_colour(hex_colour)
    return "0x" + hex_colour[1:]

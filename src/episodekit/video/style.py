"""How the video looks: the subtitle font and colours, the background, and the sizes of the
title and the chapter card derived from them.

`VideoStyle` has the fields (and defaults) of the `[video]` table of show.toml (issue 13). Until
the show lands on main, `episode video` and `episode build --video` use `VideoStyle()`; the one
place to plug the show in is `style_for` in cli.py: pass `show.video` there instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from episodekit.errors import EpisodeError
from episodekit.model import ChineseScript

WIDTH, HEIGHT = 1920, 1080

# Noto Sans CJK (the noto-cjk-sans-otc wheel): one collection with every Traditional and
# Simplified character; the face only picks the regional glyph forms.
DEFAULT_FONT_PACKAGE, DEFAULT_FONT_FILE = "noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc"
FACES: dict[ChineseScript, int] = {"hans": 2, "hant": 3}

_HEX_COLOUR = re.compile(r"^#([0-9a-fA-F]{6})$")


class StyleError(EpisodeError):
    """A video style value (font file, colour, background image) that cannot be used."""

    def __init__(self, what: str, reason: str) -> None:
        self.what = what
        self.reason = reason
        super().__init__(f"{what}: {reason}")


@dataclass(frozen=True)
class VideoStyle:
    """The `[video]` table of show.toml; sizes are pixels on the 1920x1080 frame."""

    font: Path | None = None  # None: Noto Sans CJK, installed with episodekit
    font_index: int | None = None  # the face in a .ttc; None: by the episode's script
    font_size: int = 64
    colour: str = "#ffffff"
    outline_colour: str = "#000000"
    outline: int = 3
    margin: int = 60  # between the subtitles and the bottom edge
    background_colour: str = "#14182a"
    background_image: Path | None = None


@dataclass(frozen=True)
class Font:
    """A font file and the family name libass finds it by."""

    path: Path
    family: str


def default_font_path() -> Path:
    return Path(str(files(DEFAULT_FONT_PACKAGE) / DEFAULT_FONT_FILE))


def resolve_font(style: VideoStyle, script: ChineseScript) -> Font:
    """The font file of `style` and its family name (read from the file with Pillow)."""
    from PIL import ImageFont

    path = style.font or default_font_path()
    index = style.font_index if style.font_index is not None else (
        FACES[script] if style.font is None else 0
    )
    try:
        family, _face = ImageFont.truetype(str(path), 16, index=index).getname()
    except OSError as error:
        raise StyleError(str(path), f"cannot be used as a font (face {index}): {error}") from error
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

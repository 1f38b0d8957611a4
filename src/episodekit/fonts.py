"""The CJK font episodekit draws text with (the cover and artwork now, the video's subtitles
next): Noto Sans CJK Regular, SIL Open Font License 1.1, installed from PyPI with the
`noto-cjk-sans-otc` package. One OpenType collection covers Simplified and Traditional Chinese
(and Japanese and Korean); the face chosen only decides the regional glyph shapes. Shared by
the stages that draw, so it lives outside them.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from PIL import ImageFont

from episodekit.errors import EpisodeError
from episodekit.model import ChineseScript

FONT_PACKAGE = "noto_cjk_sans_otc"
FONT_FILE = "NotoSansCJK-Regular.ttc"
# The faces of NotoSansCJK-Regular.ttc: every face covers all of CJK; the face decides the
# regional glyph shapes (the SC face draws 戶 and 說 as mainland readers expect them, TC as
# Taiwanese readers do).
FACES: dict[ChineseScript, int] = {"hans": 2, "hant": 3}


class FontError(EpisodeError):
    """A font file (from show.toml) that Pillow cannot use."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        super().__init__(f"{path}: {reason}")


def default_font() -> Path:
    """The Noto Sans CJK collection installed with episodekit."""
    return Path(str(files(FONT_PACKAGE) / FONT_FILE))


def face_index(script: ChineseScript, explicit: int | None = None) -> int:
    """The face of the collection for `script`, unless show.toml names one."""
    return explicit if explicit is not None else FACES[script]


@cache
def load_font(path: Path, index: int, px: int) -> ImageFont.FreeTypeFont:
    """The font at `path` (face `index` of a collection) at `px` pixels, loaded once."""
    try:
        return ImageFont.truetype(str(path), px, index=index)
    except OSError as error:
        raise FontError(path, f"cannot be used as a font (face {index}): {error}") from error

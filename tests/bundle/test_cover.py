"""cover.jpg and the show's artwork, drawn with Pillow in Noto Sans CJK and measured back."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from episodekit import fonts
from episodekit.bundle import cover
from episodekit.show import ShowError, default_show

SHOW = default_show()
# 100 characters: Chinese, Latin words, digits and full-width punctuation, no spaces to help.
LONGEST = (
    "黃仁勳最新專訪：從GPU到AI工廠，NVIDIA如何用加速運算重塑整個資料中心產業，以及他對未來十年"
    "人工智慧、機器人與主權AI的完整判斷和對年輕創業者的建議與忠告，全程精華整理加上延伸閱讀與問答"
    "環節補充說明完整版"
)[:100]


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_the_font_ships_with_episodekit_and_has_both_scripts() -> None:
    path = fonts.default_font()
    assert path.is_file() and path.name == "NotoSansCJK-Regular.ttc"
    assert fonts.load_font(path, fonts.face_index("hant"), 40).getname()[0] == "Noto Sans CJK TC"
    assert fonts.load_font(path, fonts.face_index("hans"), 40).getname()[0] == "Noto Sans CJK SC"
    assert fonts.face_index("hans", 4) == 4


@pytest.mark.parametrize("script", ["hant", "hans"])
def test_a_cover_is_1280_by_720_and_under_2_mb(script: str) -> None:
    data = cover.render_cover(LONGEST, SHOW, script)  # type: ignore[arg-type]
    image = decode(data)
    assert image.format == "JPEG" and image.size == (1280, 720)
    assert len(data) < 2_000_000


@pytest.mark.parametrize(
    "title",
    [LONGEST, "W" * 100, "Supercalifragilisticexpialidocious" * 3, "短", "（「『開場』」）" * 12],
    ids=["cjk-100", "w-100", "one-long-word", "short", "brackets"],
)
def test_the_title_fits_whole_inside_the_margins(title: str) -> None:
    """Every character of the title is set, in lines no wider than the box (a hanging mark may
    pass by half a character, into the 80 px margin), in a box no taller than the image's."""
    path, index = fonts.default_font(), fonts.face_index("hant")
    width, height = 1280 - 2 * 80, 720 - 120 - 56
    font, lines = cover.fit_text(title, path, index, (width, height), max_px=120)
    assert "".join(lines).replace(" ", "") == title.replace(" ", "")
    assert all(font.getlength(line) <= width + font.size / 2 for line in lines)
    assert round(font.size * cover.LINE_SPACING) * len(lines) <= height
    assert font.size >= cover.MIN_TITLE_PX


def test_the_longest_title_leaves_the_edges_clear() -> None:
    """Measured on the image: no title pixel in the 40 px next to the right and bottom edges."""
    pixels = np.asarray(decode(cover.render_cover(LONGEST, SHOW, "hant")).convert("L"))
    background = np.asarray(Image.new("L", (1, 1), SHOW.cover.background_colour))[0, 0]
    assert np.abs(pixels[:, -40:].astype(int) - background).max() < 40
    assert np.abs(pixels[-40:, 30:].astype(int) - background).max() < 40
    assert (pixels > 200).mean() > 0.05  # and the title is there, large


def test_a_line_never_starts_with_a_closing_mark() -> None:
    font = fonts.load_font(fonts.default_font(), 3, 60)
    for width in range(300, 1200, 37):
        for line in cover.wrap(LONGEST, font, width)[1:]:
            assert line[0] not in cover.NO_LINE_START, (width, line)


def test_generated_artwork_is_3000_square_and_made_once(tmp_path: Path) -> None:
    path = cover.ensure_artwork(tmp_path, SHOW)
    image = decode(path.read_bytes())
    assert image.format == "JPEG" and image.size == (3000, 3000)
    stamp = path.stat().st_mtime_ns
    assert cover.ensure_artwork(tmp_path, SHOW) == path and path.stat().st_mtime_ns == stamp
    renamed = replace(SHOW, name="矽谷夜話")
    cover.ensure_artwork(tmp_path, renamed)
    assert path.read_bytes() == cover.render_artwork(renamed, "hant", cover.artwork_key(renamed))


def test_the_shows_own_artwork_is_used_and_checked(tmp_path: Path) -> None:
    own = tmp_path / "art.png"
    Image.new("RGB", (1400, 1400), "#224466").save(own)
    path = cover.ensure_artwork(tmp_path / "out", replace(SHOW, artwork=own))
    assert decode(path.read_bytes()).size == (1400, 1400)
    small = tmp_path / "small.jpg"
    Image.new("RGB", (1000, 1000)).save(small)
    with pytest.raises(ShowError, match="1000×1000; a podcast needs a square of 1400 to 3000 px"):
        cover.ensure_artwork(tmp_path / "out", replace(SHOW, artwork=small))


def test_a_font_that_is_not_a_font_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "font.ttf"
    bad.write_bytes(b"not a font")
    with pytest.raises(fonts.FontError, match=r"font.ttf: cannot be used as a font \(face 3\)"):
        cover.render_cover("標題", replace(SHOW, cover=replace(SHOW.cover, font=bad)), "hant")

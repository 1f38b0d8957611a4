"""The pictures of a show: each episode's cover.jpg (1280×720, under 2 MB, the title set large,
for YouTube and Bilibili) and the show's square artwork (the podcast image and the MP3's
embedded cover: the show's own file, else 3000×3000 with the show's name, made once).

Text is set in Noto Sans CJK (episodekit.fonts), the face chosen by the episode's script.
A title is wrapped (never inside a Latin word, never a closing mark at a line start) at the
largest size that fits its box, so it can never run off the image.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from episodekit.files import write_bytes_atomic
from episodekit.fonts import default_font, face_index, load_font
from episodekit.model import ChineseScript
from episodekit.show import Show, ShowError

COVER_SIZE = (1280, 720)
ARTWORK_SIDE = 3000
ARTWORK_MIN_SIDE = 1400  # Apple Podcasts: 1400 to 3000 px, square
MAX_COVER_BYTES = 2_000_000  # YouTube: a thumbnail under 2 MB
JPEG_QUALITIES = (90, 85, 75, 65, 50)

LINE_SPACING = 1.25
MIN_TITLE_PX = 32

NO_LINE_START = frozenset("，。、；：？！）」』》〉】…—·,.;:?!)]}%")
NO_LINE_END = frozenset("（「『《〈【([{")
# Latin words (with inner - . + / ' &) stay whole; every other character is a place to break.
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.\-+_/&]*|\s+|.", re.S)


# ---------------------------------------------------------------- fitting text


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(" ".join(text.split()))


def _split_long(token: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """A word wider than the line, cut into pieces that fit (only for very long words)."""
    pieces, current = [], ""
    for char in token:
        if current and font.getlength(current + char) > width:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current] if current else pieces


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """`text` in lines no wider than `width`, broken between CJK characters or Latin words; a
    closing mark that would start a line hangs at the end of the one before (as in print)."""
    lines: list[str] = []
    current = ""
    for token in _tokens(text):
        pieces = _split_long(token, font, width) if font.getlength(token) > width else [token]
        for piece in pieces:
            trial = current + piece
            if not current.strip() or font.getlength(trial.rstrip()) <= width:
                current = trial
            elif piece.isspace():
                lines.append(current.rstrip())
                current = ""
            elif piece in NO_LINE_START:
                current = trial
            elif current[-1] in NO_LINE_END:
                lines.append(current[:-1].rstrip())
                current = current[-1] + piece
            else:
                lines.append(current.rstrip())
                current = piece
    if current.strip():
        lines.append(current.rstrip())
    return lines


def fit_text(
    text: str, font_path: Path, index: int, box: tuple[int, int], max_px: int,
    min_px: int = MIN_TITLE_PX,
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font size (and the lines at it) at which `text` fits in `box` (width,
    height). A hanging mark may pass the right edge by half a character, never more; at
    `min_px` lines that still do not fit are dropped and the last ends with "…"."""
    width, height = box
    px = max_px
    while True:
        font = load_font(font_path, index, px)
        lines = wrap(text, font, width)
        fits = round(px * LINE_SPACING) * len(lines) <= height and all(
            font.getlength(line) <= width + px / 2 for line in lines
        )
        if fits or px <= min_px:
            break
        px = max(min_px, px - max(2, px // 20))
    if not fits:
        rows = max(1, height // round(px * LINE_SPACING))
        lines = lines[:rows]
        last = lines[-1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return font, lines


# ---------------------------------------------------------------- drawing


def _jpeg(image: Image.Image, limit: int | None = None, comment: str = "") -> bytes:
    """The image as a JPEG, at the best quality whose file stays under `limit` bytes."""
    data = b""
    for quality in JPEG_QUALITIES:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, optimize=True, comment=comment)
        data = buffer.getvalue()
        if limit is None or len(data) < limit:
            break
    return data


def _font_of(show: Show, script: ChineseScript) -> tuple[Path, int]:
    return show.cover.font or default_font(), face_index(script, show.cover.font_index)


def render_cover(title: str, show: Show, script: ChineseScript) -> bytes:
    """cover.jpg's bytes: the show's name small at the top, the title large below it."""
    style = show.cover
    width, height = COVER_SIZE
    image = Image.new("RGB", COVER_SIZE, style.background_colour)
    draw = ImageDraw.Draw(image)
    font_path, index = _font_of(show, script)
    margin, band = 80, 24
    draw.rectangle((0, 0, band, height), fill=style.accent)
    name_font, name_lines = fit_text(
        show.name, font_path, index, (width - 2 * margin, 56), max_px=40, min_px=20
    )
    draw.text((margin, 40), name_lines[0], font=name_font, fill=style.accent)
    top = 40 + 56 + 24
    box = (width - 2 * margin, height - top - 56)
    font, lines = fit_text(" ".join(title.split()), font_path, index, box, max_px=120)
    step = round(font.size * LINE_SPACING)
    y = top + (box[1] - step * len(lines)) // 2
    weight = max(1, round(font.size / 40))  # a faux-bold stroke: the font ships Regular only
    for line in lines:
        draw.text((margin, y), line, font=font, fill=style.colour, stroke_width=weight,
                  stroke_fill=style.colour)
        y += step
    return _jpeg(image, MAX_COVER_BYTES)


def render_artwork(show: Show, script: ChineseScript, comment: str = "") -> bytes:
    """A square 3000×3000 JPEG: the show's name large in the middle, the host under it."""
    style = show.cover
    side = ARTWORK_SIDE
    image = Image.new("RGB", (side, side), style.background_colour)
    draw = ImageDraw.Draw(image)
    font_path, index = _font_of(show, script)
    margin = side // 10
    font, lines = fit_text(
        show.name, font_path, index, (side - 2 * margin, side // 2), max_px=side // 4, min_px=60
    )
    step = round(font.size * LINE_SPACING)
    y = (side - step * len(lines)) // 2 - side // 12
    for line in lines:
        draw.text(((side - font.getlength(line)) / 2, y), line, font=font, fill=style.colour,
                  stroke_width=max(1, font.size // 40), stroke_fill=style.colour)
        y += step
    host_font, host_lines = fit_text(
        show.host, font_path, index, (side - 2 * margin, side // 10), max_px=side // 16, min_px=40
    )
    draw.text(((side - host_font.getlength(host_lines[0])) / 2, y + side // 20), host_lines[0],
              font=host_font, fill=style.accent)
    draw.rectangle((0, side - side // 30, side, side), fill=style.accent)
    return _jpeg(image, comment=comment)


# ---------------------------------------------------------------- files


def write_cover(folder: Path, title: str, show: Show, script: ChineseScript) -> Path:
    path = folder / "cover.jpg"
    write_bytes_atomic(path, render_cover(title, show, script))
    return path


def _own_artwork(show: Show, path: Path) -> bytes:
    """The show's artwork file as a JPEG, after checking Apple's rules for it."""
    try:
        with Image.open(path) as image:
            image.load()
            size, kind = image.size, image.format
            converted = image.convert("RGB")
    except OSError as error:
        raise ShowError(show.source or "show.toml", "artwork", f"{path} is not an image") from error
    if kind not in ("JPEG", "PNG"):
        raise ShowError(show.source or "show.toml", "artwork", f"{path} is {kind}, not JPEG or PNG")
    if size[0] != size[1] or not ARTWORK_MIN_SIDE <= size[0] <= ARTWORK_SIDE:
        raise ShowError(
            show.source or "show.toml", "artwork",
            f"{path} is {size[0]}×{size[1]}; a podcast needs a square of 1400 to 3000 px",
        )
    return path.read_bytes() if kind == "JPEG" else _jpeg(converted)


def artwork_key(show: Show) -> str:
    """What a generated artwork depends on: kept in the JPEG's comment, so it is made once."""
    return f"episodekit artwork: {show.name}|{show.host}|{show.script}|{show.cover}"


def ensure_artwork(out_root: Path, show: Show) -> Path:
    """out_root/artwork.jpg: the show's own artwork, else one made from its name (made again
    only when the name, host or style changes)."""
    path = out_root / "artwork.jpg"
    if show.artwork is not None:
        data = _own_artwork(show, show.artwork)
        if not path.is_file() or path.read_bytes() != data:
            write_bytes_atomic(path, data)
        return path
    key = artwork_key(show)
    if path.is_file():
        try:
            with Image.open(path) as existing:
                if existing.info.get("comment", b"") == key.encode("utf-8"):
                    return path
        except OSError:
            pass
    write_bytes_atomic(path, render_artwork(show, show.script, comment=key))
    return path

"""Text -> Document: clean (clean.py), convert to the dominant Chinese script, parse
(lines.py, sections.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from episodekit import chinese
from episodekit.errors import InputError
from episodekit.ingest.clean import clean_text
from episodekit.ingest.decode import read_text
from episodekit.ingest.sections import NestingError, parse_document
from episodekit.model import ChineseScript, Document, Point


def parse_text(text: str, path: Path, channel: tuple[str, ...] = ()) -> Document:
    """The Document of a decoded summary, all of it in its dominant Chinese script."""
    if not text.strip():
        raise InputError(path, "empty file")
    content, title, source, links = clean_text(text)
    script = chinese.dominant_script(content + title)
    # One conversion of the whole text, before parsing: every string then follows.
    content = to_script(content, script)
    title = to_script(title, script)
    try:
        document = parse_document(
            content, title=title, source=source, links=tuple(links), channel=channel
        )
    except NestingError as error:
        raise InputError(path, str(error)) from None
    if not document.sections:
        raise InputError(path, "nothing to narrate after cleaning")
    return replace(document, script=script)


def to_script(text: str, script: ChineseScript) -> str:
    """`text` in one script at phrase level (chinese.one_script): 關系 -> 關係, 芯片制造 ->
    芯片製造, while OpenCC's false friends on text already in that script (只相信 -> 隻相信)
    are left alone."""
    return chinese.one_script(text, script)


def load_document(path: Path, channel: tuple[str, ...] = ()) -> Document:
    """Read, decode, clean and parse a summary file; InputError for anything refused."""
    return parse_text(read_text(path), path, channel)


# ---------------------------------------------------------------- is it a summary at all?

RGX_PDF = re.compile(r"%PDF-\d|\b\d+ \d+ obj\b|\bendobj\b|\bendstream\b|/Type\s*/\w+")
RGX_MARKUP = re.compile(r"</?[A-Za-z][^<>]{0,200}>|&[a-z]+;|\{\\[a-z]+")
MIN_CHINESE_SHARE = 0.3  # of the letters: below this, the text is not a Chinese summary
MIN_CONTENT_CHARS = 40  # letters and digits narrated besides the title


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def not_a_summary(text: str, document: Document) -> str | None:
    """Why `text` is not a Chinese summary worth narrating, or None when it is one.

    Three shapes were narrated without a word before: a text in another language (read in
    Mandarin phrasing), the raw text of a PDF or markup, and a note with nothing but a title."""
    if len(RGX_PDF.findall(text)) >= 2:
        return "looks like the raw content of a PDF file (obj/endobj), not a summary's text"
    markup = sum(len(m) for m in RGX_MARKUP.findall(text))
    if markup > 200 and markup > len(text) // 5:
        return f"is {100 * markup // len(text)}% markup (HTML/RTF tags), not a summary's text"
    letters = [c for c in text if c.isalpha()]
    chinese_share = sum(map(_is_cjk, letters)) / len(letters) if letters else 0.0
    if letters and chinese_share < MIN_CHINESE_SHARE:
        return (
            f"is mostly Latin script ({100 * chinese_share:.0f}% Chinese): "
            "episodekit narrates Chinese summaries"
        )
    content = "".join(_block_texts(document))
    spoken = sum(1 for c in content if c.isalnum())
    if spoken < MIN_CONTENT_CHARS:
        return f"holds almost nothing to narrate ({spoken} characters besides the title)"
    return None


def _block_texts(document: Document) -> list[str]:
    texts: list[str] = []

    def walk(point: Point) -> None:
        texts.append(point.label + point.text)
        for child in point.children:
            walk(child)

    for section in document.sections:
        for block in section.blocks:
            if isinstance(block, Point):
                walk(block)
            else:
                texts.append(block.text)
    return texts


def check_summary(
    text: str, document: Document, path: Path, force: bool, report: Callable[[str], None]
) -> Document:
    """`document`, unless `text` is not a Chinese summary (InputError saying why; with `force`
    a warning instead). A summary without a title is named after its file (an empty title gave
    an MP3 without a TIT2 frame)."""
    reason = not_a_summary(text, document)
    if reason and not force:
        raise InputError(path, f"{reason}; pass --force to narrate it anyway")
    if reason:
        report(f"{path}: {reason}; narrating it anyway (--force)")
    return document if document.title.strip() else replace(document, title=path.stem)

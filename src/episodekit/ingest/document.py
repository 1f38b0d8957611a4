"""Text -> Document: clean (clean.py), convert to the dominant Chinese script, parse
(lines.py, sections.py).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from episodekit import chinese
from episodekit.errors import InputError
from episodekit.ingest.clean import clean_text
from episodekit.ingest.decode import read_text
from episodekit.ingest.sections import parse_document
from episodekit.model import ChineseScript, Document


def parse_text(text: str, path: Path, channel: tuple[str, ...] = ()) -> Document:
    """The Document of a decoded summary, all of it in its dominant Chinese script."""
    if not text.strip():
        raise InputError(path, "empty file")
    content, title, source, links = clean_text(text)
    script = chinese.dominant_script(content + title)
    # One conversion of the whole text, before parsing: every string then follows.
    content = to_script(content, script)
    title = to_script(title, script)
    document = parse_document(
        content, title=title, source=source, links=tuple(links), channel=channel
    )
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

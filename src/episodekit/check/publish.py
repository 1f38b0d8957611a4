"""The rules for what a bundle publishes beyond the audio and subtitles: cover.jpg, the MP3's
embedded artwork, chapters.json, upload.json and the manifest's feed identity. The feed
(`out/feed.xml`) has its own checker in episodekit.check.feed.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from mutagen.id3 import ID3, ID3NoHeaderError
from PIL import Image

from episodekit.check.files import Bundle, Violation

COVER_SIZE = (1280, 720)
MAX_COVER_BYTES = 2_000_000
MAX_ARTWORK_SIDE = 3000
FRONT_COVER = 3  # ID3 APIC picture type
YOUTUBE_TITLE, YOUTUBE_DESCRIPTION_BYTES, YOUTUBE_TAGS_CHARS = 100, 5000, 500
BILIBILI_TITLE, BILIBILI_DESCRIPTION, BILIBILI_TAGS, BILIBILI_TAG_CHARS = 80, 2000, 10, 20


def _image(data: bytes) -> tuple[str, tuple[int, int]] | str:
    """(format, size) of an image, or why it is not one."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return str(image.format), image.size
    except OSError as error:
        return f"is not a readable image ({error})"


def check_cover(b: Bundle) -> Iterator[Violation]:
    data = (b.folder / "cover.jpg").read_bytes()
    found = _image(data)
    if isinstance(found, str):
        yield Violation("cover.jpg", "", found)
        return
    kind, size = found
    if kind != "JPEG":
        yield Violation("cover.jpg", "", f"is {kind}, not JPEG")
    if size != COVER_SIZE:
        yield Violation("cover.jpg", "", f"is {size[0]}×{size[1]} (must be 1280×720)")
    if len(data) >= MAX_COVER_BYTES:
        yield Violation("cover.jpg", "", f"is {len(data)} bytes (must be under 2 MB)")


def check_artwork(b: Bundle) -> Iterator[Violation]:
    """The MP3's front cover (APIC): a square JPEG of at most 3000 px."""
    try:
        frames = ID3(b.folder / "episode.mp3").getall("APIC")
    except ID3NoHeaderError:
        frames = []  # the mp3 rule already says there is no tag
    cover = next((frame for frame in frames if frame.type == FRONT_COVER), None)
    if cover is None:
        yield Violation("episode.mp3", "", "has no embedded front cover (APIC)")
        return
    mime, data = str(cover.mime), bytes(cover.data)
    found = _image(data)
    if isinstance(found, str):
        yield Violation("episode.mp3", "APIC", found)
        return
    kind, (width, height) = found
    if mime != "image/jpeg" or kind != "JPEG":
        yield Violation("episode.mp3", "APIC", f"is {mime} ({kind}), not a JPEG")
    if width != height or width > MAX_ARTWORK_SIDE:
        yield Violation(
            "episode.mp3", "APIC", f"is {width}×{height} (must be square, at most 3000 px)"
        )


def check_podcast_chapters(b: Bundle) -> Iterator[Violation]:
    try:
        data = json.loads((b.folder / "chapters.json").read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        yield Violation("chapters.json", "", f"does not parse: {error}")
        return
    if not isinstance(data, dict) or data.get("version") != "1.2.0":
        yield Violation("chapters.json", "", "is not a version 1.2.0 JSON chapters document")
        return
    chapters = data.get("chapters")
    if not isinstance(chapters, list) or not chapters:
        yield Violation("chapters.json", "", "has no chapters")
        return
    previous = -1.0
    for n, chapter in enumerate(chapters, start=1):
        start = chapter.get("startTime") if isinstance(chapter, dict) else None
        title = chapter.get("title") if isinstance(chapter, dict) else None
        if not isinstance(start, (int, float)) or not isinstance(title, str) or not title:
            yield Violation("chapters.json", f"chapter {n}", "needs a startTime and a title")
            return
        if start <= previous:
            yield Violation("chapters.json", f"chapter {n}", "does not start after the one before")
        previous = float(start)
    titles = [title for title, _ in b.manifest_chapters or []]
    if titles and titles != [c["title"] for c in chapters]:
        yield Violation("chapters.json", "", "its chapters differ from the manifest's")


def _limits(platform: str, entry: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, what is wrong) for one platform's entry of upload.json."""
    title, text, tags = entry.get("title"), entry.get("description", entry.get("desc")), entry.get(
        "tags"
    )
    if not isinstance(title, str) or not title:
        yield "title", "is missing"
    if not isinstance(text, str):
        yield "description", "is missing"
    if not isinstance(tags, list) or not all(isinstance(tag, str) and tag for tag in tags):
        yield "tags", "is not a list of words"
        return
    if platform == "youtube":
        if isinstance(title, str) and len(title) > YOUTUBE_TITLE:
            yield "title", f"has {len(title)} characters (max {YOUTUBE_TITLE})"
        if isinstance(text, str) and len(text.encode("utf-8")) > YOUTUBE_DESCRIPTION_BYTES:
            yield "description", f"is {len(text.encode('utf-8'))} bytes (max 5000)"
        for field, value in (("title", title), ("description", text)):
            if isinstance(value, str) and ("<" in value or ">" in value):
                yield field, "contains < or >"
        total = sum(len(t) + (2 if " " in t else 0) for t in tags) + max(0, len(tags) - 1)
        if total > YOUTUBE_TAGS_CHARS:
            yield "tags", f"take {total} characters (max {YOUTUBE_TAGS_CHARS})"
    else:
        if isinstance(title, str) and len(title) > BILIBILI_TITLE:
            yield "title", f"has {len(title)} characters (max {BILIBILI_TITLE})"
        if isinstance(text, str) and len(text) > BILIBILI_DESCRIPTION:
            yield "desc", f"has {len(text)} characters (max {BILIBILI_DESCRIPTION})"
        if len(tags) > BILIBILI_TAGS:
            yield "tags", f"are {len(tags)} (max {BILIBILI_TAGS})"
        for tag in tags:
            if len(tag) > BILIBILI_TAG_CHARS:
                yield "tags", f"'{tag}' has {len(tag)} characters (max {BILIBILI_TAG_CHARS})"


def check_upload(b: Bundle) -> Iterator[Violation]:
    try:
        data = json.loads((b.folder / "upload.json").read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        yield Violation("upload.json", "", f"does not parse: {error}")
        return
    for platform in ("youtube", "bilibili"):
        entry = data.get(platform) if isinstance(data, dict) else None
        if not isinstance(entry, dict):
            yield Violation("upload.json", "", f"has no '{platform}' entry")
            continue
        for where, message in _limits(platform, entry):
            yield Violation("upload.json", f"{platform} {where}", message)


def check_identity(b: Bundle) -> Iterator[Violation]:
    """The manifest's guid and first publication date, which the feed relies on."""
    m = b.manifest or {}
    if not isinstance(m.get("guid"), str) or not m.get("guid"):
        yield Violation("manifest.json", "", "has no 'guid' (the feed needs one per episode)")
    try:
        datetime.fromisoformat(str(m.get("published")))
    except ValueError:
        yield Violation("manifest.json", "", "has no ISO 8601 'published' date")

"""`episode feed`: an RSS 2.0 podcast feed (Apple's itunes tags, Podcasting 2.0's transcript
and chapters) over every bundle under out/, written with the standard library's ElementTree.

ElementTree escapes `&`, `<`, `>` and quotes in text and attributes; the characters XML 1.0
cannot hold at all (control characters) are dropped before they reach it, so any title or
description gives a well-formed feed. Each episode's guid and first publication date come from
its manifest, where the first build put them: a rebuild never makes an app see a new episode.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from episodekit.bundle.cover import ensure_artwork
from episodekit.errors import EpisodeError
from episodekit.files import write_bytes_atomic
from episodekit.model import ChapterMark
from episodekit.show import LANGUAGES, Show, ShowError

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
NAMESPACES = {"itunes": ITUNES, "podcast": PODCAST, "atom": ATOM}
FEED_FILE = "feed.xml"
MAX_DESCRIPTION_BYTES = 4000  # Apple, for the channel's and each episode's description
TRANSCRIPTS = (("episode.srt", "application/x-subrip"), ("episode.vtt", "text/vtt"))
CHAPTERS_FILE, CHAPTERS_TYPE = "chapters.json", "application/json+chapters"
# Characters XML 1.0 forbids anywhere (everything below U+0020 but tab, LF and CR; surrogates;
# U+FFFE and U+FFFF).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

for _prefix, _uri in NAMESPACES.items():
    ET.register_namespace(_prefix, _uri)


@dataclass(frozen=True)
class FeedEpisode:
    folder: Path
    title: str
    description: str
    guid: str
    published: datetime
    duration_s: int
    audio_bytes: int
    language: str
    source: str


def podcast_chapters_json(marks: Sequence[ChapterMark]) -> str:
    """chapters.json in the Podcasting 2.0 JSON chapters format, version 1.2.0."""
    chapters = [
        {"startTime": round(mark.start_ms / 1000, 3), "title": mark.title}
        for mark in sorted(marks, key=lambda mark: mark.start_ms)
    ]
    document = {"version": "1.2.0", "chapters": chapters}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def cut_bytes(text: str, limit: int) -> str:
    """`text` in at most `limit` UTF-8 bytes, cut at a character, with "…" when cut."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore").rstrip() + "…"


def url(base: str, *parts: str) -> str:
    return base.rstrip("/") + "/" + "/".join(quote(part) for part in parts)


def _description(folder: Path, fallback: str) -> str:
    """description.txt without its first block (the title, which the item already has)."""
    path = folder / "description.txt"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    blocks = text.strip().split("\n\n")
    return "\n\n".join(blocks[1:]).strip() or fallback


def read_episode(folder: Path) -> FeedEpisode | None:
    """The feed's view of the bundle in `folder`; None when it is not a finished bundle."""
    manifest_path, mp3 = folder / "manifest.json", folder / "episode.mp3"
    if not (manifest_path.is_file() and mp3.is_file()):
        return None
    try:
        manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        published = datetime.fromisoformat(str(manifest["published"]))
        return FeedEpisode(
            folder=folder,
            title=str(manifest["title"]),
            description=_description(folder, str(manifest.get("summary") or manifest["title"])),
            guid=str(manifest["guid"]),
            published=published,
            duration_s=round(int(manifest["duration_ms"]) / 1000),
            audio_bytes=mp3.stat().st_size,
            language=LANGUAGES.get(manifest.get("script", "hant"), "zh-TW"),
            source=str(manifest.get("source") or ""),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise EpisodeError(
            f"{manifest_path}: cannot be read for the feed ({type(error).__name__}: {error}); "
            "build the episode again"
        ) from error


def find_episodes(out: Path) -> list[FeedEpisode]:
    """Every bundle directly under `out`, newest first (then by folder name)."""
    found = [read_episode(folder) for folder in sorted(out.iterdir()) if folder.is_dir()]
    episodes = [episode for episode in found if episode is not None]
    return sorted(episodes, key=lambda e: (-e.published.timestamp(), e.folder.name))


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _it(tag: str) -> str:
    return f"{{{ITUNES}}}{tag}"


def _channel(rss: ET.Element, show: Show, language: str, now: datetime) -> ET.Element:
    channel = _add(rss, "channel")
    _add(channel, "title", show.name)
    _add(channel, "link", show.website or show.base_url)
    _add(channel, f"{{{ATOM}}}link", href=url(show.base_url, FEED_FILE), rel="self",
         type="application/rss+xml")
    _add(channel, "description", cut_bytes(show.description or show.name, MAX_DESCRIPTION_BYTES))
    _add(channel, "language", language)
    _add(channel, "copyright", show.copyright or f"© {now.year} {show.name}")
    _add(channel, "generator", "episodekit")
    _add(channel, _it("author"), show.credited)
    owner = _add(channel, _it("owner"))
    _add(owner, _it("name"), show.owner_name or show.credited)
    if show.owner_email:
        _add(owner, _it("email"), show.owner_email)
    _add(channel, _it("image"), href=url(show.base_url, "artwork.jpg"))
    # Apple's category is an attribute named "text", which _add's own `text` would shadow.
    category = ET.SubElement(channel, _it("category"), {"text": show.category})
    if show.subcategory:
        ET.SubElement(category, _it("category"), {"text": show.subcategory})
    _add(channel, _it("explicit"), "true" if show.explicit else "false")
    _add(channel, _it("type"), "episodic")
    return channel


def _item(channel: ET.Element, show: Show, episode: FeedEpisode) -> None:
    name = episode.folder.name
    item = _add(channel, "item")
    _add(item, "title", episode.title)
    _add(item, "description", cut_bytes(episode.description, MAX_DESCRIPTION_BYTES))
    if episode.source:
        _add(item, "link", episode.source)
    _add(item, "enclosure", url=url(show.base_url, name, "episode.mp3"),
         length=str(episode.audio_bytes), type="audio/mpeg")
    _add(item, "guid", episode.guid, isPermaLink="false")
    _add(item, "pubDate", format_datetime(episode.published.astimezone(timezone.utc)))
    _add(item, _it("duration"), str(episode.duration_s))
    _add(item, _it("explicit"), "true" if show.explicit else "false")
    _add(item, _it("episodeType"), "full")
    for file, kind in TRANSCRIPTS:
        if (episode.folder / file).is_file():
            _add(item, f"{{{PODCAST}}}transcript", url=url(show.base_url, name, file), type=kind,
                 language=episode.language, rel="captions")
    if (episode.folder / CHAPTERS_FILE).is_file():
        _add(item, f"{{{PODCAST}}}chapters", url=url(show.base_url, name, CHAPTERS_FILE),
             type=CHAPTERS_TYPE)


def feed_xml(show: Show, episodes: list[FeedEpisode], now: datetime | None = None) -> bytes:
    """The feed document for `episodes` (already in feed order)."""
    now = now or datetime.now(timezone.utc)
    languages = [e.language for e in episodes]
    # The show's language, else the one most of its episodes are in.
    language = show.language or max(sorted(set(languages)), key=languages.count, default="zh-TW")
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _channel(rss, show, language, now)
    for episode in episodes:
        _item(channel, show, episode)
    ET.indent(rss)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


def write_feed(out: Path, show: Show) -> tuple[Path, int]:
    """Write out/feed.xml for every bundle under `out`; returns its path and the episode count."""
    if not show.base_url:
        raise ShowError(show.source or "show.toml", "base_url",
                        "is empty; the feed needs the address where out/ is served")
    episodes = find_episodes(out)
    if not episodes:
        raise EpisodeError(f"{out}: no built episode (a folder with manifest.json and episode.mp3)")
    ensure_artwork(out, show)  # the feed's itunes:image, served beside it
    path = out / FEED_FILE
    write_bytes_atomic(path, feed_xml(show, episodes))
    return path, len(episodes)

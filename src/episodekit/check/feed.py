"""`episode check OUT` where OUT holds feed.xml: the podcast feed against Apple's rules and the
files it points at (STANDARDS.md, "Podcast RSS").

The feed is read as XML (a parse error is the first and only violation); each item's URLs are
mapped back to files under OUT through the feed's own address (its atom:link rel="self"), so an
enclosure's length can be compared with the file that will be served.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote

from PIL import Image

from episodekit.check.files import Violation

# Read from the standard (STANDARDS.md), not from the writer: the checker stands on its own.
FEED_FILE = "feed.xml"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
MAX_DESCRIPTION_BYTES = 4000
ARTWORK_SIDES = (1400, 3000)
CHANNEL_FIELDS = ("title", "description", "language", "link")
ITUNES_FIELDS = ("image", "category", "explicit", "author", "owner")
ITEM_FIELDS = ("title", "description", "enclosure", "guid", "pubDate")


def _it(tag: str) -> str:
    return f"{{{ITUNES}}}{tag}"


def _local(out: Path, base: str, url: str) -> Path | None:
    """The file under `out` that `url` serves, when it is under the feed's base address."""
    if not base or not url.startswith(base):
        return None
    return out / unquote(url[len(base) :])


def _channel_violations(out: Path, channel: ET.Element, base: str) -> Iterator[Violation]:
    for tag in CHANNEL_FIELDS:
        if not (channel.findtext(tag) or "").strip():
            yield Violation(FEED_FILE, "channel", f"has no <{tag}>")
    for tag in ITUNES_FIELDS:
        if channel.find(_it(tag)) is None:
            yield Violation(FEED_FILE, "channel", f"has no <itunes:{tag}>")
    description = channel.findtext("description") or ""
    if len(description.encode("utf-8")) > MAX_DESCRIPTION_BYTES:
        yield Violation(FEED_FILE, "channel", "description is over 4000 bytes")
    explicit = channel.findtext(_it("explicit"))
    if explicit is not None and explicit not in ("true", "false"):
        yield Violation(FEED_FILE, "channel", f"itunes:explicit is {explicit!r}, not true/false")
    category = channel.find(_it("category"))
    if category is not None and not category.get("text"):
        yield Violation(FEED_FILE, "channel", "itunes:category has no text attribute")
    owner = channel.find(_it("owner"))
    if owner is not None and not (owner.findtext(_it("email")) or "").strip():
        yield Violation(FEED_FILE, "channel", "itunes:owner has no email (set [owner] email)")
    image = channel.find(_it("image"))
    href = image.get("href", "") if image is not None else ""
    artwork = _local(out, base, href)
    if image is not None and artwork is None:
        yield Violation(FEED_FILE, "channel", f"itunes:image {href!r} is not under the feed's URL")
    elif artwork is not None:
        yield from _artwork_violations(artwork)


def _artwork_violations(path: Path) -> Iterator[Violation]:
    try:
        with Image.open(io.BytesIO(path.read_bytes())) as picture:
            width, height = picture.size
    except OSError as error:
        yield Violation(path.name, "", f"the feed's artwork cannot be read: {error}")
        return
    low, high = ARTWORK_SIDES
    if width != height or not low <= width <= high:
        yield Violation(path.name, "", f"is {width}×{height} (a square of 1400 to 3000 px)")


def _item_violations(
    out: Path, n: int, item: ET.Element, base: str, guids: set[str]
) -> Iterator[Violation]:
    where = f"item {n}"
    for tag in ITEM_FIELDS:
        if item.find(tag) is None:
            yield Violation(FEED_FILE, where, f"has no <{tag}>")
    if len((item.findtext("description") or "").encode("utf-8")) > MAX_DESCRIPTION_BYTES:
        yield Violation(FEED_FILE, where, "description is over 4000 bytes")
    guid = (item.findtext("guid") or "").strip()
    if guid in guids:
        yield Violation(FEED_FILE, where, f"guid {guid!r} is used by an earlier item")
    guids.add(guid)
    try:
        parsedate_to_datetime(item.findtext("pubDate") or "")
    except (TypeError, ValueError):
        yield Violation(FEED_FILE, where, "pubDate is not an RFC 822 date")
    enclosure = item.find("enclosure")
    if enclosure is not None:
        yield from _enclosure_violations(out, where, enclosure, base)
    links = item.findall(f"{{{PODCAST}}}transcript") + item.findall(f"{{{PODCAST}}}chapters")
    for link in links:
        target = _local(out, base, link.get("url", ""))
        if target is None or not target.is_file():
            yield Violation(FEED_FILE, where, f"{link.get('url')!r} is not a file under {out}")


def _enclosure_violations(
    out: Path, where: str, enclosure: ET.Element, base: str
) -> Iterator[Violation]:
    url, length = enclosure.get("url", ""), enclosure.get("length", "")
    if enclosure.get("type") != "audio/mpeg":
        yield Violation(FEED_FILE, where, f"enclosure type is {enclosure.get('type')!r}")
    target = _local(out, base, url)
    if target is None or not target.is_file():
        yield Violation(FEED_FILE, where, f"enclosure {url!r} is not a file under {out}")
    elif length != str(target.stat().st_size):
        yield Violation(
            FEED_FILE, where, f"enclosure length {length} but the file has {target.stat().st_size}"
        )


def check_feed(out: Path) -> list[Violation]:
    """Every way OUT/feed.xml breaks the rules ([] for a good feed)."""
    try:
        root = ET.parse(out / FEED_FILE).getroot()
    except ET.ParseError as error:
        return [Violation(FEED_FILE, "", f"is not well-formed XML: {error}")]
    channel = root.find("channel")
    if root.tag != "rss" or root.get("version") != "2.0" or channel is None:
        return [Violation(FEED_FILE, "", "is not an RSS 2.0 document with a channel")]
    self_link = channel.find(f"{{{ATOM}}}link[@rel='self']")
    href = self_link.get("href", "") if self_link is not None else ""
    base = href[: -len(FEED_FILE)] if href.endswith(FEED_FILE) else ""
    found = list(_channel_violations(out, channel, base))
    items = channel.findall("item")
    if not items:
        found.append(Violation(FEED_FILE, "channel", "has no episodes"))
    guids: set[str] = set()
    for n, item in enumerate(items, start=1):
        found.extend(_item_violations(out, n, item, base, guids))
    return found

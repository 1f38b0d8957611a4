"""The podcast feed and chapters.json: written over bundles on disk, read back with feedparser
and ElementTree; any text in a title or description gives a well-formed feed."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from episodekit.bundle import feed
from episodekit.errors import EpisodeError
from episodekit.model import ChapterMark
from episodekit.show import ShowError, default_show

SHOW = replace(default_show(), base_url="https://example.com/pod/", owner_email="a@example.com")
WHEN = datetime(2026, 11, 27, 14, 0, tzinfo=timezone.utc)


def make_bundle(out: Path, name: str, title: str, published: str, *, script: str = "hant") -> Path:
    folder = out / name
    folder.mkdir(parents=True)
    (folder / "episode.mp3").write_bytes(b"\xff\xfb" * (1000 + len(name)))
    (folder / "episode.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\n字\n", "utf-8")
    (folder / "episode.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\n字\n", "utf-8")
    (folder / "chapters.json").write_text(feed.podcast_chapters_json([]), "utf-8")
    (folder / "description.txt").write_text(f"{title}\n\n一段簡介。\n\n章節\n00:00 開場\n", "utf-8")
    manifest = {"title": title, "duration_ms": 754_400, "guid": f"urn:uuid:{name}",
                "published": published, "script": script, "summary": "一段簡介。",
                "source": "https://example.com/talk?a=1&b=2"}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    return folder


def test_chapters_json_is_the_podcasting_2_format() -> None:
    marks = [ChapterMark("開場", 0, 30_809), ChapterMark("第二章", 30_809, 60_000)]
    assert json.loads(feed.podcast_chapters_json(marks)) == {
        "version": "1.2.0",
        "chapters": [{"startTime": 0.0, "title": "開場"}, {"startTime": 30.809, "title": "第二章"}],
    }


def test_a_feed_over_bundles_newest_first(tmp_path: Path) -> None:
    make_bundle(tmp_path, "001_a", "第一集", "2026-11-01T10:00:00+00:00")
    make_bundle(tmp_path, "002_b", "第二集 <Altman> & co", "2026-11-20T10:00:00+00:00")
    (tmp_path / "not_a_bundle").mkdir()
    path, count = feed.write_feed(tmp_path, SHOW)
    assert (path, count) == (tmp_path / "feed.xml", 2)
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.title for e in parsed.entries] == ["第二集 <Altman> & co", "第一集"]
    first = parsed.entries[0]
    assert first.id == "urn:uuid:002_b" and first.published == "Fri, 20 Nov 2026 10:00:00 +0000"
    assert first.itunes_duration == "754"
    assert first.summary.startswith("一段簡介。")  # description.txt without its title
    assert first.link == "https://example.com/talk?a=1&b=2"
    [enclosure] = first.enclosures
    assert enclosure.href == "https://example.com/pod/002_b/episode.mp3"
    assert int(enclosure.length) == (tmp_path / "002_b" / "episode.mp3").stat().st_size
    assert (tmp_path / "artwork.jpg").is_file()  # the feed's itunes:image, made beside it


def test_channel_language_follows_the_episodes_unless_the_show_says(tmp_path: Path) -> None:
    make_bundle(tmp_path, "a", "一", "2026-11-01T10:00:00+00:00", script="hans")
    make_bundle(tmp_path, "b", "二", "2026-11-02T10:00:00+00:00", script="hans")
    make_bundle(tmp_path, "c", "三", "2026-11-03T10:00:00+00:00", script="hant")
    episodes = feed.find_episodes(tmp_path)
    assert ET.fromstring(feed.feed_xml(SHOW, episodes, WHEN)).findtext("channel/language") \
        == "zh-CN"
    taiwan = replace(SHOW, language="zh-TW")
    assert ET.fromstring(feed.feed_xml(taiwan, episodes, WHEN)).findtext("channel/language") \
        == "zh-TW"


def test_apple_category_and_subcategory_are_attributes() -> None:
    show = replace(SHOW, category="News", subcategory="Tech News")
    channel = ET.fromstring(feed.feed_xml(show, [], WHEN)).find("channel")
    assert channel is not None
    category = channel.find(f"{{{feed.ITUNES}}}category")
    assert category is not None and category.get("text") == "News"
    assert [c.get("text") for c in category] == ["Tech News"]


def test_a_feed_needs_a_base_url_and_an_episode(tmp_path: Path) -> None:
    with pytest.raises(ShowError, match="base_url: is empty"):
        feed.write_feed(tmp_path, replace(SHOW, base_url=""))
    with pytest.raises(EpisodeError, match="no built episode"):
        feed.write_feed(tmp_path, SHOW)


def test_a_broken_manifest_is_one_line(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path, "a", "一", "2026-11-01T10:00:00+00:00")
    (folder / "manifest.json").write_text('{"title": "一"}', "utf-8")
    with pytest.raises(EpisodeError, match=r"manifest.json: cannot be read for the feed"):
        feed.write_feed(tmp_path, SHOW)


@settings(max_examples=60, deadline=None)
@given(title=st.text(min_size=1, max_size=80), description=st.text(max_size=300))
def test_any_text_gives_a_well_formed_feed(title: str, description: str) -> None:
    """Control characters, lone surrogates, `<`, `&`, `]]>`: the feed stays well-formed and
    every character XML can hold comes back as it was."""
    show = replace(SHOW, name=title, description=description)
    episode = feed.FeedEpisode(
        folder=Path("ep"), title=title, description=description, guid="g", published=WHEN,
        duration_s=1, audio_bytes=1, language="zh-TW", source="",
    )
    data = feed.feed_xml(show, [episode], WHEN)
    assert not feedparser.parse(data).bozo
    item = ET.fromstring(data).find("channel/item")
    assert item is not None
    expected = feed.xml_text(title).replace("\r\n", "\n").replace("\r", "\n")
    assert (item.findtext("title") or "") == expected


def test_written_files_can_be_served(tmp_path: Path) -> None:
    """The feed and the bundle are uploaded as they are: not readable by their owner alone."""
    import os
    import stat

    make_bundle(tmp_path, "a", "一", "2026-11-01T10:00:00+00:00")
    path, _ = feed.write_feed(tmp_path, SHOW)
    umask = os.umask(0)
    os.umask(umask)
    for written in (path, tmp_path / "artwork.jpg"):
        assert stat.S_IMODE(written.stat().st_mode) == 0o666 & ~umask

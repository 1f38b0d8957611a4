"""upload.json: what the YouTube and Bilibili upload forms ask for, inside their limits.

YouTube: title ≤ 100 characters, description ≤ 5000 bytes (the one in description.txt, with the
chapters), no `<` or `>`, tags ≤ 500 characters in all. Bilibili: title ≤ 80 characters, 簡介
≤ 2000 characters, at most 10 tags of at most 20 characters, a 16:9 cover of at least 1280×720
(cover.jpg). The tags come from the episode itself, the same for the same script every time:
the show's name, the guest, then the Latin-script names (people, companies, products) by how
often the title, the chapter titles and the text use them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from episodekit.bundle.youtube import clean, description_text, video_title
from episodekit.model import ChapterMark, Script
from episodekit.show import Show

YOUTUBE_TAGS_MAX_CHARS = 500
BILIBILI_TITLE_MAX, BILIBILI_DESCRIPTION_MAX = 80, 2000
BILIBILI_TAGS_MAX, BILIBILI_TAG_MAX_CHARS = 10, 20
YOUTUBE_CATEGORY_SCIENCE_TECHNOLOGY = 28

# A Latin-script name: a word with a capital or a digit in it (OpenAI, GPT-4o, Altman, a16z),
# with inner - . + & kept (GPT-4o, Node.js). Plain lowercase words are not names.
_NAME = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:[-.+&][A-Za-z0-9]+)*")
# Words that look like names but say nothing about the episode.
_NOT_TAGS = frozenset(
    {"CEO", "CTO", "CFO", "COO", "VP", "PhD", "Q", "A", "I", "OK", "vs", "Mr", "Ms"}
)


# A person's name in Latin script is one tag ("Logan Bartlett"), not one per word.
_FULL_NAME = re.compile(r"(?<![A-Za-z])[A-Z][a-z]+(?:[ ·][A-Z][a-z]+)+(?![A-Za-z])")


def _names(text: str) -> list[str]:
    full = _FULL_NAME.findall(text)
    return full + [
        word for word in _NAME.findall(_FULL_NAME.sub(" ", text))
        if any(c.isupper() or c.isdigit() for c in word) and word not in _NOT_TAGS
    ]


def episode_tags(script: Script, show_name: str, guest: str = "") -> list[str]:
    """The episode's tags, most telling first; the same script always gives the same list."""
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    weighted = [(script.title, 3)] + [(c.title, 2) for c in script.chapters] + [
        (p.text, 1) for c in script.chapters for p in c.paragraphs
    ]
    for text, weight in weighted:
        for name in _names(text):
            counts[name] += weight
            first_seen.setdefault(name, len(first_seen))
    guest_words = set(guest.split())
    ranked = sorted(counts, key=lambda name: (-counts[name], first_seen[name]))
    tags = [show_name, guest, *(name for name in ranked if name not in guest_words)]
    unique: list[str] = []
    for tag in (clean(" ".join(t.split())) for t in tags):
        if tag and tag.casefold() not in {u.casefold() for u in unique}:
            unique.append(tag)
    return unique


def youtube_tags(tags: Sequence[str]) -> list[str]:
    """As many tags as fit YouTube's 500 characters (a tag with a space counts its quotes, and
    each comma between tags counts too)."""
    kept: list[str] = []
    used = 0
    for tag in tags:
        cost = len(tag) + (2 if " " in tag else 0) + (1 if kept else 0)
        if used + cost > YOUTUBE_TAGS_MAX_CHARS:
            continue
        kept.append(tag)
        used += cost
    return kept


def bilibili_tags(tags: Sequence[str]) -> list[str]:
    fitting = [tag for tag in tags if len(tag) <= BILIBILI_TAG_MAX_CHARS]
    return fitting[:BILIBILI_TAGS_MAX]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def upload_metadata(
    script: Script, marks: Sequence[ChapterMark], show: Show, language: str, guest: str = ""
) -> dict[str, Any]:
    tags = episode_tags(script, show.name, guest)
    description = description_text(script, marks)
    title = video_title(script.title)
    return {
        "youtube": {
            "title": title,
            "description": description,
            "tags": youtube_tags(tags),
            "category_id": YOUTUBE_CATEGORY_SCIENCE_TECHNOLOGY,
            "default_language": language,
            "default_audio_language": language,
            "thumbnail": "cover.jpg",
            "captions": ["episode.srt", "episode.vtt"],
        },
        "bilibili": {
            "title": _cut(title, BILIBILI_TITLE_MAX),
            "desc": _cut(description.strip(), BILIBILI_DESCRIPTION_MAX),
            "tags": bilibili_tags(tags),
            "cover": "cover.jpg",
            "source": script.source,
            "subtitles": ["episode.srt"],
        },
    }

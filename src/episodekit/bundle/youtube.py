"""What YouTube takes: chapters (first at 00:00, at least three, each at least 10 s), a title of at
most 100 characters and a description of at most 5000 bytes, with no `<` or `>` in either.
"""

from __future__ import annotations

from collections.abc import Sequence

from episodekit.model import ChapterMark, Script
from episodekit.text import chapter_time

# YouTube's rules for chapters in a description, and its limits for the upload form.
YT_MIN_CHAPTERS = 3
YT_MIN_CHAPTER_MS = 10_000
TITLE_MAX_CHARS = 100
DESCRIPTION_MAX_BYTES = 5000
HOUR_MS = 3_600_000
ELLIPSIS = "…"
# Where a too-long title may be cut without splitting a phrase, if one is near the end.
TITLE_BREAKS = " ，、：:；;｜|—-–"

# YouTube rejects `<` and `>` in titles and descriptions; these look alike and are allowed.
ANGLE_REPLACEMENTS = str.maketrans({"<": "‹", ">": "›"})

LABELS = {
    "hant": {"source": "來源", "links": "相關連結", "chapters": "章節"},
    "hans": {"source": "来源", "links": "相关链接", "chapters": "章节"},
}


def clean(text: str) -> str:
    """`text` without `<` or `>` (YouTube refuses them)."""
    return text.translate(ANGLE_REPLACEMENTS)


# ---------------------------------------------------------------- chapters


def youtube_chapters(marks: Sequence[ChapterMark]) -> list[ChapterMark]:
    """The chapters as YouTube accepts them: first at 00:00, ascending, each at least 10 s.

    A chapter shorter than 10 s is merged into the one before it (the first into the one after
    it, which then starts at 00:00 and keeps its own title). If fewer than 3 chapters remain,
    YouTube would ignore them all, so the result is [] and the description lists none.
    """
    merged = sorted(marks, key=lambda mark: mark.start_ms)
    while len(merged) > 1:
        short = next(
            (i for i, m in enumerate(merged) if m.end_ms - m.start_ms < YT_MIN_CHAPTER_MS), None
        )
        if short is None:
            break
        if short == 0:
            after = merged[1]
            merged[0:2] = [ChapterMark(after.title, merged[0].start_ms, after.end_ms)]
        else:
            before = merged[short - 1]
            merged[short - 1 : short + 1] = [
                ChapterMark(before.title, before.start_ms, merged[short].end_ms)
            ]
    if len(merged) < YT_MIN_CHAPTERS:
        return []
    first = merged[0]
    merged[0] = ChapterMark(first.title, 0, first.end_ms)
    return merged



def format_chapters_txt(marks: Sequence[ChapterMark]) -> str:
    """`00:00 開場` lines; every line `H:MM:SS` once the episode reaches an hour, so the column
    stays aligned (YouTube reads both)."""
    if not marks:
        return ""
    with_hours = max(mark.end_ms for mark in marks) >= HOUR_MS
    lines = [
        f"{chapter_time(mark.start_ms, with_hours)} {_one_line(mark.title)}" for mark in marks
    ]
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return clean(" ".join(text.split()))


# ---------------------------------------------------------------- description


def video_title(title: str) -> str:
    """The title on one line, without angle brackets, at most 100 characters (cut with "…",
    at a phrase break in its last 30 characters when there is one)."""
    text = _one_line(title)
    if len(text) <= TITLE_MAX_CHARS:
        return text
    cut = text[: TITLE_MAX_CHARS - 1]
    breaks = [cut.rfind(mark) for mark in TITLE_BREAKS]
    best = max(breaks)
    if best >= TITLE_MAX_CHARS - 30:
        cut = cut[:best]
    return cut.rstrip(TITLE_BREAKS) + ELLIPSIS


def _truncate_bytes(text: str, budget: int) -> str:
    """`text` cut to at most `budget` UTF-8 bytes (with "…" when cut), never mid-character."""
    if len(text.encode("utf-8")) <= budget:
        return text
    room = budget - len(ELLIPSIS.encode("utf-8"))
    if room <= 0:
        return ""
    cut = text.encode("utf-8")[:room].decode("utf-8", "ignore")
    return cut.rstrip() + ELLIPSIS


def description_text(script: Script, marks: Sequence[ChapterMark]) -> str:
    """The YouTube description: title, a blank line, the summary, the chapters (when YouTube
    would accept them), the source and other links. At most 5000 UTF-8 bytes: the summary is
    shortened first, then the extra links, then the chapters go."""
    labels = LABELS.get(script.script, LABELS["hant"])
    title = video_title(script.title)
    summary = clean(script.summary.strip())
    chapters = format_chapters_txt(youtube_chapters(marks)).rstrip("\n")
    source = f"{labels['source']}：{clean(script.source)}" if script.source else ""
    links = [clean(link) for link in script.links if link and link != script.source]

    def compose(summary: str, chapters: str, links: list[str]) -> str:
        blocks = [title]
        if summary:
            blocks.append(summary)
        if chapters:
            blocks.append(f"{labels['chapters']}\n{chapters}")
        tail = [line for line in [source] if line]
        if links:
            tail.append(f"{labels['links']}：")
            tail.extend(links)
        if tail:
            blocks.append("\n".join(tail))
        return "\n\n".join(blocks) + "\n"

    def size(text: str) -> int:
        return len(text.encode("utf-8"))

    full = compose(summary, chapters, links)
    if size(full) <= DESCRIPTION_MAX_BYTES:
        return full
    without_summary = size(compose("", chapters, links))
    # "\n\n" joins the summary to its neighbours.
    budget = DESCRIPTION_MAX_BYTES - without_summary - 2
    if budget > len(ELLIPSIS.encode("utf-8")) * 4:
        return compose(_truncate_bytes(summary, budget), chapters, links)
    no_links: list[str] = []
    for kept_links, kept_chapters in ((no_links, chapters), (no_links, "")):
        text = compose("", kept_chapters, kept_links)
        if size(text) <= DESCRIPTION_MAX_BYTES:
            budget = DESCRIPTION_MAX_BYTES - size(text) - 2
            return compose(_truncate_bytes(summary, budget), kept_chapters, kept_links)
    return _truncate_bytes(compose("", "", []), DESCRIPTION_MAX_BYTES - 1) + "\n"

"""Document -> template data: the Document prepared as plain values for the Jinja2 templates.

The code completes sentences, splits long turns and numbers points; the templates (render.py,
scripts/) do all the wording. The text helpers here are also the templates' filters.
"""

from __future__ import annotations

import re
from typing import Any

from episodekit import chinese
from episodekit.model import Block, Document, Point, Prose, Quote, Section, Table, Turn
from episodekit.narrate.retell import coverage, group_points, point_data, table_data
from episodekit.narrate.text import (
    clause,
    clean,
    is_question,
    short_name,
    split_paragraphs,
)
from episodekit.wording import LABEL_HEADINGS, looks_like_person, matches

EPISODE_TEMPLATE = "episode.j2"
SUMMARY_TEMPLATE = "summary.j2"

# Section titles that mean "the summary's own opening" and "its own closing".
INTRO_TITLES = ("開場", "引言", "前言", "開頭", "導言", "介紹", "簡介", "開篇")
# A first section that sets the scene is the summary's own opening too ("演講背景").
RGX_SCENE_TITLE = re.compile(r"^.{0,4}(?:背景|緣起|事件經過)$")
OUTRO_TITLES = ("結尾", "結語", "總結", "尾聲", "結束語")


# ---------------------------------------------------------------- Document -> template data

# A sentence that already says who: 他/她 (not 其他), or a name.
RGX_SOMEONE = re.compile(r"(?<![其])[他她]")
RGX_SHARES = re.compile(r"(?:和|跟|給|与|與|為|为)大家(?:簡單|简单)?分享")
# A chapter topic that is itself a question ("怎麼選") is asked, not announced.
RGX_ASKS = re.compile(r"怎麼|怎么|如何|為什麼|为什么|什麼|什么|哪|嗎|吗|呢|？|\?")
RGX_RECENTLY = re.compile(r"^(?:最近|近日|近期|日前|最新)")
# A turn this short ("謝謝。", "我不知道。") takes a plain verb.
SHORT_REPLY = 8
# Hook topics: chapter topics at most this long are listed in a hook built from the chapters.
TOPIC_LIMIT = 14
# A chapter whose first block names this share of its topic is entered straight, unannounced.
NAMES_TOPIC = 0.6


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split() if word).upper()


def _speaker_name(turn: Turn, doc: Document) -> str:
    if turn.role == "host":
        return clean(short_name(doc.host)) if doc.host else clean(turn.speaker)
    guest = doc.guest
    if guest and turn.speaker in ("", guest, _initials(guest), short_name(guest)):
        return clean(short_name(guest))
    if not guest and turn.speaker and not looks_like_person(turn.speaker):
        return ""  # a label such as "答" or a product: the narrator names no one
    return clean(turn.speaker)


# An unlabelled line that opens like this, right after the guest, reads as the guest going on.
RGX_GOES_ON = re.compile(
    r"^(?:我的理解是|但|至於|至于|而在|而|所以|因此|首先|其次|第二|另外|同時|同时|當然|当然|這也是|这也是)"
)


def _asks_or_addresses(text: str) -> bool:
    """Does an unlabelled transcript line read like the interviewer: a question anywhere in
    it, or "you" said to the guest? Without that, a line right after the guest's answer may be
    the guest going on (transcripts such as seed 004 do not say), and is not attributed."""
    return any(mark in text for mark in "？?") or "你" in text or "您" in text


def _goes_on(text: str) -> bool:
    return bool(RGX_GOES_ON.match(text)) and not any(mark in text for mark in "？?")


def _turn(block: Turn, doc: Document, after_guest: bool, count: dict[str, int]) -> dict[str, Any]:
    """A turn; `nth` counts turns of its role over the whole episode, so attribution verbs
    rotate across chapters and never repeat back to back."""
    item = {
        "kind": "turn",
        "role": block.role,
        "name": _speaker_name(block, doc),
        # The host is named in full once ("主持人Sonya Huang"), then by the short name.
        "first_mention": block.role == "host" and bool(doc.host) and count["host"] == 0,
        "full_name": clean(doc.host) if block.role == "host" else clean(doc.guest),
        "question": is_question(block.text),
        # "謝謝。" is said, not "pointed out": a short reply takes a plain verb.
        "short": len(block.text) <= SHORT_REPLY,
        "unsure": block.role == "host"
        and not block.speaker
        and after_guest
        and (not _asks_or_addresses(block.text) or _goes_on(block.text)),
        "nth": count[block.role],
        "parts": [clean(part) for part in split_paragraphs(block.text)],
        "text": clean(block.text),
    }
    count[block.role] += 1
    return item


def _blocks(
    blocks: tuple[Block, ...], doc: Document, count: dict[str, int]
) -> list[dict[str, Any]]:
    """Template data for a section's blocks (see scripts/README.md for each kind)."""
    items: list[dict[str, Any]] = []
    for block in blocks:
        if isinstance(block, Point):
            items.append(point_data(block))
        elif isinstance(block, Turn):
            # After the guest, or after a line that may be the guest going on.
            after_guest = bool(items) and (
                items[-1].get("role") == "guest" or bool(items[-1].get("unsure"))
            )
            items.append(_turn(block, doc, after_guest, count))
        elif isinstance(block, Quote):
            items.append(
                {"kind": "quote", "speaker": clean(block.speaker), "text": clean(block.text)}
            )
        elif isinstance(block, Table):
            items.append(table_data(block))
        elif isinstance(block, Prose):
            items.append({"kind": "prose", "text": clean(block.text)})
    items = group_points(items, count)
    for item in items:
        if item["kind"] == "point" and item["label"] and not item["echoed"]:
            item["lead"] = count["label"]  # label lead-ins rotate over the whole episode
            count["label"] += 1
    return items


def _hant(text: str) -> str:
    return chinese.convert(text, "hant")


def _is_titled(section: Section, titles: tuple[str, ...]) -> bool:
    return clause(_hant(section.title)).strip() in titles


def _has_turns(doc: Document) -> bool:
    return any(isinstance(b, Turn) for s in doc.sections for b in s.blocks)


# A summary of an interview says so in its title or headings even when it holds no transcript.
RGX_INTERVIEW = re.compile(r"訪談|专访|專訪|访谈|採訪|采访|對談|对谈|interview", re.IGNORECASE)


def _is_interview(doc: Document) -> bool:
    headings = [doc.title, *(section.title for section in doc.sections)]
    return _has_turns(doc) or any(RGX_INTERVIEW.search(h) for h in headings)


def _topic(title: str) -> str:
    """What a chapter is about, as the narrator says it: a heading's "label：topic" without
    the label and its colon."""
    m = re.match(r"^(.*?)[:：](.+)$", title)
    return clause(m[2] if m and m[2].strip() else title).strip()


def _chapter(section: Section, doc: Document, count: dict[str, int]) -> dict[str, Any]:
    title = clause(section.title).strip()
    blocks = _blocks(section.blocks, doc, count)
    topic = _topic(title)
    label_only = not title or bool(matches(LABEL_HEADINGS, _hant(title)))
    first = blocks[0].get("text", "") if blocks else ""
    straight = label_only or coverage(topic, first) >= NAMES_TOPIC
    labels = [b["label"] for b in blocks if b["kind"] == "point" and b["label"]]
    # A label-only chapter of labelled points ("其他重點": 能源、開源、AGI) is bridged by its
    # labels; a point still leads in with its label when its text does not say it.
    bridge = labels if label_only and title and len(labels) == len(blocks) >= 2 else []
    if count["frames"] >= 0 and not bridge:  # a bridge already says who talked about it
        _attribute_first_view(blocks, doc, count)
    chapter = {
        "title": clean(title or clause(doc.title)),
        "topic": clean(topic),
        "announce": not straight,
        "bridge": bridge,
        "blocks": blocks,
    }
    return chapter


def _attribute_first_view(
    blocks: list[dict[str, Any]], doc: Document, count: dict[str, int]
) -> None:
    """In an interview summary without a transcript, a chapter's points are the guest's views
    but do not say so: the first one that names nobody is framed as his ("在他看來，…"), the
    frames taking turns over the episode (`frame` indexes phrases.j2's view_frames)."""
    for block in blocks:
        if block["kind"] not in ("point", "prose") or block.get("ordinal"):
            continue
        named = RGX_SOMEONE.search(block["text"]) or short_name(doc.guest) in block["text"]
        if (block.get("label") and not block.get("echoed")) or named:
            return
        block["frame"] = count["frames"]
        count["frames"] += 1
        return


def _split_opening(sections: list[Section]) -> tuple[tuple[Block, ...], list[Section]]:
    """The summary's own opening: a 開場/引言 section, or the prose before anything else in an
    untitled first section (one-line summaries, a transcript's introduction)."""
    if not sections:
        return (), sections
    first = sections[0]
    if _is_titled(first, INTRO_TITLES) or RGX_SCENE_TITLE.match(clause(_hant(first.title))):
        return first.blocks, sections[1:]
    if first.title:
        return (), sections
    lead = 0
    while lead < len(first.blocks) and isinstance(first.blocks[lead], Prose):
        lead += 1
    rest = first.blocks[lead:]
    return first.blocks[:lead], ([Section("", rest)] if rest else []) + sections[1:]


def context(doc: Document) -> dict[str, Any]:
    """Everything the templates see (listed in scripts/README.md)."""
    count = {"host": 0, "guest": 0, "label": 0, "ordinals": 0}
    # Views are framed only in an interview summary with a known guest and no transcript.
    count["frames"] = 0 if doc.guest and _is_interview(doc) and not _has_turns(doc) else -1
    opening, sections = _split_opening(list(doc.sections))
    intro = _blocks(opening, doc, count)
    # The summary's own closing words lead into the sign-off instead of making a chapter.
    closing: list[dict[str, Any]] = []
    if len(sections) > 1 and _is_titled(sections[-1], OUTRO_TITLES):
        closing = _blocks(sections.pop().blocks, doc, count)
    chapters = [_chapter(s, doc, count) for s in sections if s.blocks]
    lead = 0  # the first chapter has its own lead-in; the others take turns, once each
    asked = False  # the first chapter whose topic is a question is asked ("那麼，怎麼選呢？")
    for number, chapter in enumerate(chapters, start=1):
        chapter["asks"] = (
            not asked and chapter["announce"] and bool(RGX_ASKS.search(chapter["topic"]))
        )
        asked = asked or chapter["asks"]
        chapter["number"], chapter["lead"] = number, lead
        lead += number > 1 and chapter["announce"] and not chapter["asks"]
    topics = [
        c["topic"]
        for c in chapters
        if c["announce"]
        and not c["bridge"]
        and c["topic"]
        and len(c["topic"]) <= TOPIC_LIMIT
        and not re.search(r"[、，,]", c["topic"])
    ][:3]
    return {
        "title": clean(doc.title),
        "guest": clean(doc.guest),
        "guest_short": clean(short_name(doc.guest)),
        "host": clean(doc.host),
        "script": doc.script,
        "has_turns": _has_turns(doc),
        "is_interview": _is_interview(doc),
        "has_greeting": doc.has_greeting,
        "has_signoff": doc.has_signoff,
        "intro_blocks": intro,
        "intro_text": "".join(b.get("text", "") for b in intro),
        # The opening already hands over ("這次要和大家分享的是…"): no second hand-over.
        "opening_shares": bool(RGX_SHARES.search("".join(b.get("text", "") for b in intro))),
        "hook_topics": topics,
        # The hook does not say 最近 when the summary's first sentence does (no 最近…最近).
        "first_says_recently": bool(chapters and chapters[0]["blocks"])
        and bool(RGX_RECENTLY.match(chapters[0]["blocks"][0].get("text", ""))),
        "chapters": chapters,
        "closing_blocks": closing,
        # For the outro's "did the summary already say this" checks.
        "closing_text": "".join(b.get("text", "") for b in closing),
    }

"""Classified lines -> Document: headings become Sections; bullets, turns, tables and quotes
become their blocks.

Every line of content ends up in some Section block; markup, URLs and emoji never reach a
narratable string.
"""

from __future__ import annotations

import re
from typing import Literal

from episodekit.ingest.inline import EDGE_PUNCT, clean_inline
from episodekit.ingest.lines import (
    GREETING,
    META_TITLES,
    RGX_QUOTE_BY,
    RGX_TITLE_LABEL,
    SIGNOFF,
    _assign_roles,
    _classify,
    _heading_text,
    _is_heading_line,
    _Line,
    _plain_label,
    _point,
    _Section,
    _speakers,
    _table_row,
    find_guest,
)
from episodekit.model import Block, Document, Point, Prose, Quote, Section, Turn
from episodekit.text import RGX_SENTENCE


def _join(parts: list[str]) -> str:
    """Lines of one paragraph joined: Chinese needs no space between them, Latin text does."""
    out = ""
    for part in (p.strip() for p in parts):
        latin = out and out[-1].isascii() and part[:1].isascii()
        out += (" " if latin else "") + part
    return out


def _point_tree(items: list[tuple[int, str]], links: list[str]) -> list[Point]:
    """Points from a run of (indent, text) bullet lines; deeper lines are the children."""
    points: list[Point] = []
    siblings = [text for indent, text in items if indent == min((i for i, _ in items), default=0)]
    # An unmarked "X：" is a label only where most siblings have one; in "人們不禁好奇：…"
    # alone among plain bullets the colon is just punctuation.
    labelled = sum(_plain_label(t) is not None for t in siblings)
    plain_labels = labelled >= 2 and labelled * 2 >= len(siblings)
    index = 0
    while index < len(items):
        indent, text = items[index]
        end = index + 1
        while end < len(items) and items[end][0] > indent:
            end += 1
        point = _point(text, links, plain_labels)
        children = tuple(_point_tree(items[index + 1 : end], links))
        if point.text or children:
            points.append(Point(text=point.text, label=point.label, children=children))
        index = end
    return points


def _table(rows: list[_Line], links: list[str]) -> list[Prose]:
    """Each data row read as a sentence, the header cells as labels; separator rows dropped."""
    cells = [
        [clean_inline(c, links) for c in row.text.split("|")] if row.kind == "table" else []
        for row in rows
    ]
    header: list[str] = []
    if len(rows) > 1 and rows[1].kind == "tsep":
        header, cells = cells[0], cells[2:]
    return [Prose(text) for row in cells if row and (text := _table_row(row, header))]


def _remove_sentences(
    text: str, patterns: tuple[tuple[str, re.Pattern[str]], ...]
) -> tuple[str, bool]:
    kept, found = [], False
    for sentence in RGX_SENTENCE.findall(text):
        if any(p.search(sentence) for _, p in patterns):
            found = True
        else:
            kept.append(sentence)
    return "".join(kept).strip(EDGE_PUNCT), found


def _strip_block(
    block: Block, patterns: tuple[tuple[str, re.Pattern[str]], ...]
) -> tuple[Block | None, bool]:
    text, found = _remove_sentences(block.text, patterns)
    if not found:
        return block, False
    if isinstance(block, Point) and (text or block.children):
        return Point(text=text, label=block.label, children=block.children), True
    if not text:
        return None, True
    if isinstance(block, Turn):
        return Turn(text=text, speaker=block.speaker, role=block.role), True
    if isinstance(block, Quote):
        return Quote(text=text, speaker=block.speaker), True
    return Prose(text), True


def _strip_all(sections: list[_Section], patterns: tuple[tuple[str, re.Pattern[str]], ...]) -> bool:
    """Take the channel's own greeting (or sign-off) out of the content; True if there was one."""
    found = False
    for section in sections:
        blocks: list[Block] = []
        for block in section.blocks:
            kept, hit = _strip_block(block, patterns)
            found = found or hit
            if kept is not None:
                blocks.append(kept)
        section.blocks = blocks
    return found


def _lines(text: str) -> list[_Line]:
    lines = [_classify(raw) for raw in text.split("\n")]
    roles = _speakers(lines)
    for line in lines:
        if line.kind == "speaker" and line.name not in roles:
            line.kind, line.text = "plain", line.raw
    for index, line in enumerate(lines):
        if line.kind == "plain" and _is_heading_line(lines, index):
            line.kind, line.level = "heading", 8
        elif line.kind == "ordinal":
            after = next((ln for ln in lines[index + 1 :] if ln.kind != "blank"), None)
            # "一、…" over bullets or prose is a heading; a run of "一、… 二、…" is a list.
            if after is not None and after.kind != "ordinal" and _is_heading_line(lines, index):
                line.kind, line.level = "heading", 8
    return lines


def parse_document(
    text: str, *, title: str = "", source: str = "", links: tuple[str, ...] = ()
) -> Document:
    """Parse cleaned text (one script, no chatter) into a Document; `title`/`source` come from
    front matter and win over what the text says. The Document may have no sections."""
    found_links = list(links)
    lines = _lines(text)
    label_title = ""
    for line in lines:
        found = line.kind in ("heading", "plain") and RGX_TITLE_LABEL.match(
            clean_inline(line.text, [])
        )
        if found:
            line.kind, label_title = "title", found.group(1)
            break
    roles = _speakers(lines)
    order = list(dict.fromkeys(ln.name for ln in lines if ln.kind == "speaker"))
    first_heading = next((ln.text for ln in lines if ln.kind == "heading"), "")
    guest = find_guest(clean_inline(title or label_title or first_heading, []), text, lines, roles)
    host_unlabelled = _assign_roles(roles, order, guest)
    sections = _build(lines, roles, host_unlabelled, found_links)
    doc_title = clean_inline(title, []) or clean_inline(label_title, found_links)
    if not doc_title:
        sections, doc_title = _title_from_first_heading(sections, lines)
    sections = _fold_empty(sections)
    has_greeting = _strip_all(sections, GREETING)
    has_signoff = _strip_all(sections, SIGNOFF)
    kept = tuple(
        Section(title=s.title, blocks=tuple(s.blocks))
        for s in sections
        if s.blocks and not any(p.match(s.title) for _, p in META_TITLES)
    )
    source = source or ""
    return Document(
        title=doc_title,
        sections=kept,
        source=source,
        links=tuple(u for u in dict.fromkeys(found_links) if u != source),
        guest=clean_inline(guest, []),
        has_greeting=has_greeting,
        has_signoff=has_signoff,
    )


def _title_from_first_heading(
    sections: list[_Section], lines: list[_Line]
) -> tuple[list[_Section], str]:
    """With no explicit title, a first heading that heads nothing (or the only `#`) is the title."""
    if len(sections) < 2 or sections[0].blocks:
        return sections, ""
    first = next(ln for ln in lines if ln.kind == "heading")
    only_h1 = first.level == 1 and sum(ln.kind == "heading" and ln.level == 1 for ln in lines) == 1
    if not sections[1].blocks:
        return sections[2:], sections[1].title
    if only_h1:
        return [_Section("", sections[1].blocks), *sections[2:]], sections[1].title
    return sections, ""


def _fold_empty(sections: list[_Section]) -> list[_Section]:
    """A heading with nothing under it before the next heading (seed 004's "Sam Altman核心觀點")
    is read as the first line of the next section, so no text is lost."""
    result: list[_Section] = []
    pending: list[Block] = []
    for section in sections:
        if (
            not section.blocks
            and section.title
            and not any(p.match(section.title) for _, p in META_TITLES)
        ):
            pending.append(Prose(section.title))
            continue
        section.blocks = [*pending, *section.blocks]
        pending = []
        result.append(section)
    if pending:
        if result:
            result[-1].blocks.extend(pending)
        else:
            result.append(_Section("", pending))
    return result


def _build(
    lines: list[_Line], roles: dict[str, str], host_unlabelled: bool, links: list[str]
) -> list[_Section]:
    # Which headings' sections hold speaker lines: plain lines there belong to the transcript.
    transcript: set[int] = set()
    number = 0
    for line in lines:
        number += line.kind == "heading"
        if line.kind == "speaker":
            transcript.add(number)
    number = 0
    sections = [_Section("")]
    bullets: list[tuple[int, str]] = []
    table: list[_Line] = []
    quote: list[str] = []
    last_turn: Turn | None = None

    def flush() -> None:
        blocks = sections[-1].blocks
        blocks.extend(_point_tree(bullets, links))
        blocks.extend(_table(table, links))
        if quote and (body := clean_inline(_join(quote), links)):
            speaker = ""
            if m := RGX_QUOTE_BY.match(body):
                body, speaker = m.group(1).strip(EDGE_PUNCT), m.group(2).strip()
            blocks.append(Quote(text=body, speaker=speaker) if body else Prose(speaker))
        bullets.clear()
        table.clear()
        quote.clear()

    for line in lines:
        if line.kind == "blank":
            if table or quote:
                flush()
            continue
        if (
            (bullets and line.kind not in ("bullet", "ordinal"))
            or (table and line.kind not in ("table", "tsep"))
            or (quote and line.kind != "quote")
        ):
            flush()
        if line.kind in ("rule", "title"):
            continue
        if line.kind == "heading":
            number += 1
            sections.append(_Section(_heading_text(line.text, links)))
            last_turn = None
            if not sections[-1].title:
                sections.pop()  # a heading of only markup or a timestamp: its content stays put
        elif line.kind in ("bullet", "ordinal"):
            bullets.append((line.indent, line.text))
        elif line.kind in ("table", "tsep"):
            table.append(line)
        elif line.kind == "quote":
            quote.append(line.text)
        elif line.kind == "speaker":
            role: Literal["host", "guest"] = "host" if roles.get(line.name) == "host" else "guest"
            last_turn = Turn(
                text=clean_inline(line.text, links), speaker=clean_inline(line.name, []), role=role
            )
            if last_turn.text:
                sections[-1].blocks.append(last_turn)
        elif body := clean_inline(line.text, links):
            in_transcript = number in transcript
            if in_transcript and host_unlabelled:
                sections[-1].blocks.append(Turn(text=body, speaker="", role="host"))
            elif in_transcript and last_turn is not None:
                sections[-1].blocks.append(
                    Turn(text=body, speaker=last_turn.speaker, role=last_turn.role)
                )
            else:
                sections[-1].blocks.append(Prose(body))
    flush()
    return sections

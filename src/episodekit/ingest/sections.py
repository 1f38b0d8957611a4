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
    HOST_WORDS,
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
from episodekit.model import Block, Document, Point, Prose, Quote, Section, Table, Turn
from episodekit.text import RGX_SENTENCE
from episodekit.wording import (
    CHATTER,
    LABEL_HEADINGS,
    looks_like_person,
    matches,
    strip_title_labels,
)

Patterns = tuple[tuple[str, re.Pattern[str]], ...]
# What the summarizer says to its user, as (name, pattern) like the greeting and sign-off.
_CHATTER: Patterns = tuple((name, pattern) for name, _why, pattern in CHATTER)
RGX_CLAUSE = re.compile(r"[^，,；;]+[，,；;]?")
RGX_LEADING_NAME = re.compile(r"^[A-Z][A-Za-z]*(?:[ ·][A-Z][A-Za-z]*)*\s*(?:的)?")

# Bullets deeper than this are refused: the tree is walked recursively (by the parser, the
# narrator and the templates), and 200 levels ended in RecursionError after minutes of CPU.
MAX_NESTING = 12


class NestingError(ValueError):
    """Bullets nested deeper than MAX_NESTING levels."""


def _check_nesting(items: list[tuple[int, str]]) -> None:
    """Raise NestingError when a run of (indent, text) bullet lines nests too deep."""
    open_indents: list[int] = []
    for indent, text in items:
        while open_indents and open_indents[-1] >= indent:
            open_indents.pop()
        open_indents.append(indent)
        if len(open_indents) > MAX_NESTING:
            preview = text if len(text) <= 20 else text[:20] + "…"
            raise NestingError(
                f"bullets nested more than {MAX_NESTING} levels deep (at {preview!r}); "
                "flatten the list"
            )


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


def _table(rows: list[_Line], links: list[str]) -> list[Table | Prose]:
    """A table with a header row is a Table (narrate retells it by comparison); without one,
    each row is read as a sentence. Separator rows are dropped."""
    cells = [
        [clean_inline(c, links) for c in row.text.split("|")] if row.kind == "table" else []
        for row in rows
    ]
    if len(rows) > 2 and rows[1].kind == "tsep" and len(cells[0]) > 1:
        width = len(cells[0])
        body = [tuple((row + [""] * width)[:width]) for row in cells[2:] if any(row)]
        if body:
            return [Table(header=tuple(cells[0]), rows=tuple(body))]
    return [Prose(text) for row in cells if row and (text := _table_row(row, []))]


def _remove_sentences(text: str, patterns: Patterns) -> tuple[str, bool]:
    """`text` without the sentences (or, when the rest of a sentence is content, the clauses:
    «期待 GPT-5 的到來，我們下期再見。») that match `patterns`; True if any did."""
    kept, found = [], False
    for sentence in RGX_SENTENCE.findall(text):
        if not _hit(sentence, patterns):
            kept.append(sentence)
            continue
        found = True
        body = sentence.rstrip("。！？!?」』”’)）")
        clauses = RGX_CLAUSE.findall(body)
        rest = "".join(c for c in clauses if not _hit(c, patterns)).rstrip("，,；;")
        # What is left must say something on its own («大家好，我是<host>» is still a greeting).
        if rest and len(rest) < len(body) and not _hit(rest, patterns):
            kept.append(rest + sentence[len(body) :])
    return "".join(kept).strip(EDGE_PUNCT), found


def _hit(text: str, patterns: Patterns) -> bool:
    return any(p.search(text) for _, p in patterns)


def _strip_block(block: Block, patterns: Patterns) -> tuple[Block | None, bool]:
    if isinstance(block, Table):
        return block, False
    text, found = _remove_sentences(block.text, patterns)
    if not found:
        return block, False
    if isinstance(block, Turn) and patterns is GREETING:
        # A line that greets as the channel is the narrator speaking, not the host.
        return (Prose(text) if text else None), True
    if isinstance(block, Point) and (text or block.children):
        return Point(text=text, label=block.label, children=block.children), True
    if not text:
        return None, True
    if isinstance(block, Turn):
        return Turn(text=text, speaker=block.speaker, role=block.role), True
    if isinstance(block, Quote):
        return Quote(text=text, speaker=block.speaker), True
    return Prose(text), True


def _strip_all(sections: list[_Section], patterns: Patterns) -> bool:
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
    text: str, *, title: str = "", source: str = "", links: tuple[str, ...] = (),
    channel: tuple[str, ...] = (),
) -> Document:
    """Parse cleaned text (one script, no chatter) into a Document; `title`/`source` come from
    front matter and win over what the text says. The Document may have no sections.
    `channel`: the show's name and host, never a guest nor part of a title."""
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
    heading = clean_inline(title or label_title or first_heading, [])
    guest = find_guest(heading, text, lines, roles, channel)
    host_unlabelled = _assign_roles(roles, order, guest)
    sections = _build(lines, roles, host_unlabelled, found_links)
    doc_title = clean_inline(title, []) or clean_inline(label_title, found_links)
    if not doc_title:
        sections, doc_title = _title_from_first_heading(sections, lines, channel)
    sections = _fold_empty(sections)
    _strip_all(sections, _CHATTER)
    has_greeting = _strip_all(sections, GREETING)
    has_signoff = _strip_all(sections, SIGNOFF)
    if not doc_title:
        doc_title = _title_from_first_sentence(sections)
    kept = tuple(
        Section(title=s.title, blocks=tuple(s.blocks))
        for s in sections
        if s.blocks and not any(p.match(s.title) for _, p in META_TITLES)
    )
    source = source or ""
    guest = clean_inline(guest, [])
    return Document(
        title=strip_title_labels(doc_title, channel) or doc_title,
        sections=kept,
        source=source,
        links=tuple(u for u in dict.fromkeys(found_links) if u != source),
        guest=guest if looks_like_person(guest, channel) else "",
        host=_host_name(lines, roles),
        has_greeting=has_greeting,
        has_signoff=has_signoff,
    )


def _title_from_first_sentence(sections: list[_Section]) -> str:
    """A title-less summary is titled by its first clause (its first sentence when that clause
    is too short to say anything)."""
    first = next((b.text for s in sections for b in s.blocks if b.text.strip()), "")
    sentence = RGX_SENTENCE.findall(first)[0] if RGX_SENTENCE.findall(first) else first
    clause = RGX_CLAUSE.findall(sentence)[0] if RGX_CLAUSE.findall(sentence) else sentence
    title = clause if len(clause) >= 8 else sentence
    return title.strip(EDGE_PUNCT + "。！？!?")[:60]


def _host_name(lines: list[_Line], roles: dict[str, str]) -> str:
    """The interviewer's name when a host line gives it ("主持人（Sonya Huang）：")."""
    for line in lines:
        if line.kind == "speaker" and roles.get(line.name) == "host":
            for name in (line.alias, line.name):
                if looks_like_person(name) and name.lower() not in HOST_WORDS:
                    return clean_inline(name, [])
    return ""


def _title_from_first_heading(
    sections: list[_Section], lines: list[_Line], channel: tuple[str, ...]
) -> tuple[list[_Section], str]:
    """With no explicit title, a first heading that heads nothing (or the only `#`) is the title."""
    if len(sections) < 2 or sections[0].blocks:
        return sections, ""
    first = next(ln for ln in lines if ln.kind == "heading")
    only_h1 = first.level == 1 and sum(ln.kind == "heading" and ln.level == 1 for ln in lines) == 1
    # "<channel>：【2025-10-07】DevDay 精華整理" over the summary's opening: a summarizer's title.
    only_h1 = only_h1 or strip_title_labels(sections[1].title, channel) != sections[1].title
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
            # A bare label ("Sam Altman核心觀點") heads what follows and says nothing itself.
            if not matches(LABEL_HEADINGS, RGX_LEADING_NAME.sub("", section.title)):
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
        _check_nesting(bullets)
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

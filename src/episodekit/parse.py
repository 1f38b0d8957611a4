"""Cleaned summary text -> Document: headings, bullets, transcripts, tables, quotes.

ingest.py has already decoded the bytes, converted the text to one Chinese script and cut away
what surrounds the summary (an assistant's chatter, front matter, newsletter boilerplate). This
module reads what is left line by line. Every line of content ends up in some Section block;
markup, URLs and emoji never reach a narratable string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from episodekit.inline import EDGE_PUNCT, clean_inline
from episodekit.model import Block, Document, Point, Prose, Quote, Section, Turn

# ---------------------------------------------------------------- line shapes

RGX_ATX = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
RGX_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(.+?)\1\s*[:：]?\s*$")
RGX_BULLET = re.compile(r"^(\s*)([-*+•·●○▪]|\d{1,3}[.)、]|[（(]\d{1,3}[)）])\s+(.*)$")
RGX_CJK_ORDINAL = re.compile(
    r"^(\s*)([一二三四五六七八九十百]+、|[（(][一二三四五六七八九十百]+[)）])\s*(.+)$"
)
RGX_QUOTE = re.compile(r"^\s*>\s?(.*)$")
RGX_TABLE = re.compile(r"^\s*\|(.*)\|\s*$")
RGX_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
RGX_RULE = re.compile(r"^\s*(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,}|(?:=\s*){3,})$")
RGX_FENCE = re.compile(r"^\s*(```|~~~)")
RGX_TITLE_LABEL = re.compile(
    r"^(?:標題|標題名稱|题目|題目|主題|标题|主题|Title)\s*[:：]\s*(.+)$", re.I
)
RGX_TIMESTAMP = re.compile(r"^[\[(（]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\])）]?\s*[-–—|:：]?\s*")
RGX_ORDINAL_PREFIX = re.compile(
    r"^(?:[一二三四五六七八九十百]+[、.]|[（(][一二三四五六七八九十百\d]+[)）]|第[一二三四五六七八九十百\d]+[章節节部分]"
    r"[：:、\s]|\d{1,2}[.、)](?!\d)|Part\s+\d+[.:：]?)\s*",
    re.I,
)
RGX_SPEAKER = re.compile(
    r"^(?:\*\*|__)?(?P<name>[^\s:：*_#>|\-\d][^:：*]{0,29}?)(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?\s*(?P<text>.*)$"
)
RGX_ALIAS = re.compile(r"^(.+?)\s*[（(]([^()（）]+)[)）]$")
RGX_BOLD_LABEL = re.compile(r"^(\*\*|__)(.+?)\1\s*([:：]?)\s*(.*)$")
RGX_PLAIN_LABEL = re.compile(r"^([^:：。，,！？!?；;「」“”()（）]{1,24}?)\s*[:：]\s*(.+)$")
RGX_NO_NAME = re.compile(r"[，,。！？!?；;、「」“”《》\[\]【】=<>/]|https?$|www", re.I)
RGX_QUOTE_BY = re.compile(r"^(.*?)\s*(?:——|—|--|－－)\s*([^—\-]{1,30})$")
# Latin names run straight into CJK text ("Sam Altman談…"), where \b sees no boundary.
RGX_NAME = re.compile(r"(?<![A-Za-z])([A-Z][a-z]+(?:[ ·][A-Z][a-z]+)+)(?![A-Za-z])")
RGX_CAPWORD = re.compile(r"(?<![A-Za-z])([A-Z][a-z]+)(?![A-Za-z])")

TERMINAL = "。！？!?….;；,，、"
HOST_WORDS = {
    "主持人",
    "主持",
    "主播",
    "記者",
    "记者",
    "訪問者",
    "访问者",
    "採訪者",
    "采访者",
    "提問",
    "提问",
    "問",
    "问",
    "q",
    "host",
    "interviewer",
}
GUEST_WORDS = {"嘉賓", "嘉宾", "受訪者", "受访者", "答", "a", "guest"}

# Sections that describe the editing, not the talk: dropped with everything under them.
META_TITLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "editing_notes",
        re.compile(
            r"^(?:整理|修改|改寫|改写|編輯|编辑|優化|优化|潤色|润色)(?:說明|说明|要點|要点|思路|重點|重点|記錄|记录)"
        ),
    ),
    ("changes_made", re.compile(r"^(?:changes made|notes on (?:the )?(?:edit|revision))", re.I)),
)

# Sentences the channel's template already says: kept out of the content, remembered as flags.
GREETING: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hello_this_is", re.compile(r"大家好.*(?:最佳拍[檔档]|大[飛飞])")),
    ("welcome_to", re.compile(r"(?:歡迎|欢迎)(?:來到|来到|收看|收聽|收听)最佳拍[檔档]")),
)
SIGNOFF: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("see_you", re.compile(r"下期再[見见]|下次再[見见]")),
    (
        "thanks_watching",
        re.compile(
            r"(?:感謝|感谢|謝謝|谢谢)(?:大家|各位)?(?:的)?(?:收看|觀看|观看|收聽|收听)(?:本期|本集)"
        ),
    ),
)
RGX_SENTENCE = re.compile(r"[^。！？!?]*[。！？!?]+[」』”’)）]*|[^。！？!?]+$")


@dataclass
class _Line:
    kind: str  # heading | title | bullet | ordinal | quote | table | tsep | rule | speaker | plain
    text: str = ""
    indent: int = 0
    level: int = 0
    name: str = ""
    alias: str = ""
    raw: str = ""


@dataclass
class _Section:
    title: str
    blocks: list[Block] = field(default_factory=list)


def _width(text: str) -> float:
    return sum(0.5 if ord(c) < 0x2E80 else 1.0 for c in text)


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip().rstrip("」』”’)）]*_")
    return bool(stripped) and stripped[-1] in TERMINAL and not text.rstrip().endswith(("：", ":"))


def _classify(raw: str) -> _Line:
    if not raw.strip():
        return _Line("blank")
    if RGX_RULE.match(raw) or RGX_FENCE.match(raw):
        return _Line("rule")
    if RGX_TABLE_SEP.match(raw) and "|" in raw:
        return _Line("tsep")
    if m := RGX_TABLE.match(raw):
        return _Line("table", m.group(1))
    if m := RGX_ATX.match(raw):
        return _Line("heading", m.group(2), level=len(m.group(1)))
    if m := RGX_BOLD_LINE.match(raw):
        return _Line("heading", m.group(2), level=7)
    if m := RGX_QUOTE.match(raw):
        return _Line("quote", m.group(1))
    if m := RGX_BULLET.match(raw):
        return _Line("bullet", m.group(3), indent=len(m.group(1).expandtabs(4)))
    if m := RGX_CJK_ORDINAL.match(raw):
        return _Line("ordinal", m.group(3), indent=len(m.group(1).expandtabs(4)))
    if (m := RGX_SPEAKER.match(raw.strip())) and _speaker_shaped(m.group("name"), m.group("text")):
        name, alias = m.group("name").strip(), ""
        if a := RGX_ALIAS.match(name):
            name, alias = a.group(1).strip(), a.group(2).strip()
        return _Line("speaker", m.group("text"), name=name, alias=alias, raw=raw.strip())
    return _Line("plain", raw.strip())


def _speaker_shaped(name: str, text: str) -> bool:
    return bool(text.strip()) and not text.startswith("//") and not RGX_NO_NAME.search(name)


def _heading_text(text: str, links: list[str]) -> str:
    text = clean_inline(text, links)
    text = RGX_TIMESTAMP.sub("", text)
    text = RGX_ORDINAL_PREFIX.sub("", text)
    return text.strip(EDGE_PUNCT + "：:")


def _speakers(lines: list[_Line]) -> dict[str, str]:
    """Which speaker labels are real speakers, and their role ("host"/"guest"/"" for unknown)."""
    counts: dict[str, int] = {}
    for line in lines:
        if line.kind == "speaker":
            counts[line.name] = counts.get(line.name, 0) + 1
    roles: dict[str, str] = {}
    for name, count in counts.items():
        key = name.lower()
        if key in HOST_WORDS:
            roles[name] = "host"
        elif key in GUEST_WORDS:
            roles[name] = "guest"
        elif count >= 2:
            roles[name] = ""
    return roles


def _assign_roles(roles: dict[str, str], order: list[str], guest: str) -> bool:
    """Settle unknown roles; True when unlabelled lines in a transcript are the host's."""
    has_host = "host" in roles.values()
    unknown = [name for name in order if roles.get(name) == ""]
    if not has_host and len(unknown) > 1:
        # Two named speakers and no host label: the guest is the one the title names;
        # failing that, the interviewer is the one who speaks first.
        guests = [n for n in unknown if guest and (n in guest or _initials(guest) == n)]
        host = next((n for n in unknown if n not in guests), unknown[0])
        roles.update({n: "guest" for n in unknown})
        roles[host] = "host"
        return False
    roles.update({n: "guest" for n in unknown})
    return not has_host


def _initials(name: str) -> str:
    return "".join(word[0] for word in re.split(r"[ ·]+", name) if word).upper()


def find_guest(title: str, text: str, lines: list[_Line], roles: dict[str, str]) -> str:
    """The main guest's full name, when the text says it: an alias, initials or the title."""
    for line in lines:
        named = line.kind == "speaker" and line.alias and roles.get(line.name) != "host"
        if named and (RGX_NAME.fullmatch(line.alias) or not line.alias.isascii()):
            return line.alias
    names: dict[str, int] = {}
    for name in RGX_NAME.findall(text):
        names[name] = names.get(name, 0) + 1
    ranked = sorted(names, key=lambda n: -names[n])
    for label in roles:
        if roles[label] != "host" and label.isupper() and label.isascii():
            for name in ranked:
                if _initials(name) == label:
                    return name
    title_words = set(RGX_CAPWORD.findall(title))
    for name in ranked:
        if name in title or (set(name.replace("·", " ").split()) & title_words and names[name] > 1):
            return name
    named = [n for n, r in roles.items() if r != "host" and n.lower() not in GUEST_WORDS]
    return named[0] if len(named) == 1 else ""


def _bold_label(text: str) -> tuple[str, str] | None:
    """(label, text) of a bullet with a bold lead-in ("**革命性飛躍：** text")."""
    if m := RGX_BOLD_LABEL.match(text.strip()):
        bold, colon, rest = m.group(2), m.group(3), m.group(4)
        if colon or bold.rstrip().endswith(("：", ":")) or not rest:
            return bold, rest
    return None


def _plain_label(text: str) -> tuple[str, str] | None:
    """(label, text) of a bullet that starts with a short unmarked `label:` (seed 004)."""
    if (m := RGX_PLAIN_LABEL.match(text.strip())) and not m.group(2).startswith("//"):
        label = m.group(1)
        if not label.strip().isdigit() and not re.search(r"https?$|www", label, re.I):
            return label, m.group(2)
    return None


def _point(text: str, links: list[str], plain_labels: bool) -> Point:
    label, body = _bold_label(text) or (plain_labels and _plain_label(text)) or ("", text)
    label = clean_inline(label, links).strip("：:")
    body = clean_inline(body, links)
    if not body:
        label, body = "", label
    return Point(text=body, label=label)


def _table_row(cells: list[str], header: list[str]) -> str:
    parts = []
    for index, cell in enumerate(cells):
        if not cell:
            continue
        head = header[index] if index < len(header) else ""
        parts.append(f"{head}：{cell}" if head and head != cell else cell)
    return "，".join(parts)


def _is_heading_line(lines: list[_Line], index: int) -> bool:
    """A plain line is a heading when it is short, unfinished, follows a finished line and
    something follows it (seed 004's headings have no markup at all)."""
    line = lines[index]
    text = line.text
    if _width(text) > 48 or _ends_sentence(text) or re.search(r"[。！？!?]", text):
        return False
    after = next((ln for ln in lines[index + 1 :] if ln.kind != "blank"), None)
    if after is None:
        return False
    before = lines[index - 1] if index > 0 else None
    return before is None or before.kind != "plain" or _ends_sentence(before.text)


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
            role = "host" if roles.get(line.name) == "host" else "guest"
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

"""Cleaned summary text, line by line: what shape each line has (heading, bullet, speaker turn,
table row, quote…), who the speakers are, and bold or plain labels.

document.py has already decoded the bytes, converted the text to one Chinese script and cut away
what surrounds the summary (clean.py). sections.py groups the classified lines into Sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from episodekit.ingest.inline import EDGE_PUNCT, clean_inline
from episodekit.model import Block, Point
from episodekit.wording import LABEL_HEADINGS, looks_like_person, matches

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
RGX_PLAIN_LABEL = re.compile(r"^([^:：。，,！？!?；;()（）]{1,24}?)\s*[:：]\s*(.+)$")
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
    (
        "editor_notes",
        re.compile(
            r"^(?:整理者|编者|編者|譯者|译者|筆者|笔者|整理)(?:備註|备注|附註|附注|說明|说明|按)$"
        ),
    ),
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
    # "核心：Altman a16z 訪談重點回顧": a bare label before the colon says nothing.
    label, colon, rest = text.partition("：") if "：" in text else text.partition(":")
    if colon and rest.strip() and matches(LABEL_HEADINGS, label.strip()):
        text = rest
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


def find_guest(
    title: str, text: str, lines: list[_Line], roles: dict[str, str], channel: tuple[str, ...] = ()
) -> str:
    """The main guest's full name, when the text says it: an alias, initials or the title."""
    for line in lines:
        is_guest = line.kind == "speaker" and bool(line.alias) and roles.get(line.name) != "host"
        if is_guest and (RGX_NAME.fullmatch(line.alias) or not line.alias.isascii()):
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
    others = [n for n, r in roles.items() if r != "host" and n.lower() not in GUEST_WORDS]
    if len(others) == 1:
        return others[0]
    # "李飛飛：空間智能是 AI 的下一個前沿": a title that opens with who is speaking.
    m = re.match(r"^([^:：]{2,12})[:：]", title)
    return m[1].strip() if m and looks_like_person(m[1].strip(), channel) else ""


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

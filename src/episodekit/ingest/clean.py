"""Text -> content: cut away what is not the summary.

What is not content is never narrated: an assistant's chatter around the summary, front
matter, collapsed HTML extras, model trailers, a newsletter's subscription boilerplate and the
source line (kept as Document.source for the description). Each kind is a named table of
(why, pattern).
"""

from __future__ import annotations

import re

import yaml

from episodekit.ingest.inline import RGX_URL, RGX_URL_USEFUL, strip_controls
from episodekit.wording import CHATTER, Rule, cut_asides, matches

# Lines an assistant writes to the user before the summary: (name, why, pattern).
OPENING_CHATTER: tuple[Rule, ...] = (
    (
        "ack_then_colon",
        "an assistant acknowledging the request, then handing the text over",
        re.compile(
            r"^(?:好的|好|當然|当然|沒問題|没问题|OK|Okay|Sure)[，,！!。.\s].*(?:[:：]|如下[。.]?)$",
            re.I,
        ),
    ),
    (
        "for_you",
        "the text presented as made for the user",
        re.compile(r"(?:為你|为你|為您|为您|幫你|帮你|幫您|帮您).*(?:[:：]|如下[。.]?)$"),
    ),
    (
        "here_follows",
        "announces the edited text",
        re.compile(
            r"^(?:以下是|下面是|這是|这是).*(?:整理|改寫|改写|潤色|润色|優化|优化|修改|重寫|重写|精簡|精简|版本)"
            r".*[:：]$"
        ),
    ),
    (
        "as_follows",
        "announces the edited text",
        re.compile(r"(?:整理|改寫|改写|修改|優化|优化)後?的?(?:文稿|版本|內容|内容|稿件)如下"),
    ),
    (
        "english_here_is",
        "English assistant hand-over",
        re.compile(r"^(?:Sure|Okay|OK|Certainly)?[,!. ]*(?:here is|here's)\b.*:$", re.I),
    ),
)
# Lines after the summary: an assistant's sign-off to the user (not to the audience: "大家"
# is content), model trailers, and a newsletter's boilerplate after a transcript.
CLOSING_CHATTER: tuple[Rule, ...] = (
    (
        "hope_helps_you",
        "hopes the text helps 您/你: said to the user, not the audience",
        re.compile(r"希望.{0,24}(?:您|你)(?![們们])"),
    ),
    (
        "ask_for_changes",
        "offers to revise the text",
        re.compile(
            r"(?:如果|如|若).{0,12}(?:需要|想要|有).{0,24}(?:修改|調整|调整|幫助|帮助|補充|补充)"
        ),
    ),
    (
        "tell_me",
        "asks the user to reply",
        re.compile(r"(?:請|请)(?:隨時|随时)?(?:告訴|告诉|讓|让)我"),
    ),
    (
        "about_this_version",
        "describes the edited version",
        re.compile(r"^(?:這個|这个|此|以上|這份|这份)(?:版本|整理|文稿)"),
    ),
    (
        "english_hope",
        "English assistant sign-off",
        re.compile(r"\b(?:hope this helps|let me know if)\b", re.I),
    ),
    (
        "model_trailer",
        "the model's name, appended by a tool",
        re.compile(r"^\[(?:model|模型)\s*[=:：][^\]]*\]$", re.I),
    ),
    (
        "as_podcast",
        "a newsletter's note that the interview is also a podcast",
        re.compile(r"可作[為为]播客|播客播放器|available as a podcast", re.I),
    ),
    (
        "single_recipient",
        "a newsletter's forwarding policy",
        re.compile(r"(?:單個|单个)接收者|(?:轉發|转发).{0,8}(?:沒問題|没问题)"),
    ),
    (
        "supporter_thanks",
        "a newsletter thanking its subscribers",
        re.compile(r"作[為为]支持者|訂閱者|订阅者|subscriber", re.I),
    ),
    (
        "subscribe",
        "a newsletter's subscription boilerplate",
        re.compile(r"訂閱|订阅|退訂|退订|subscribe|newsletter|團體折扣|团体折扣", re.I),
    ),
)
RGX_MODEL_TRAILER = re.compile(r"^\s*\[(?:model|模型)\s*[=:：][^\]]*\]\s*$", re.I | re.M)
RGX_SOURCE_LINE = re.compile(
    r"^\s*(?:[-*>]\s*)?(?:\*\*|__)?(?:來源|来源|出處|出处|原文(?:連結|链接|鏈接|網址|网址|地址)?|"
    r"資料來源|资料来源|Source|原始連結|原始链接)(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?\s*(.*)$",
    re.I,
)
RGX_LINK_DEFINITION = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$")
RGX_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
RGX_COLLAPSED = re.compile(
    r"<details\b.*?(?:</details\s*>|\Z)|<(script|style)\b.*?(?:</\1\s*>|\Z)", re.S | re.I
)
RGX_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)


def _plain(line: str) -> str:
    """A line without Markdown markers, for matching chatter patterns against."""
    return re.sub(r"^[\s>*#\-+]+|[*_`]+", "", line).strip()


def _front_matter(text: str) -> tuple[str, str, str]:
    """(text without front matter, its title, its source). Only a YAML mapping counts."""
    m = RGX_FRONT_MATTER.match(text)
    if not m:
        return text, "", ""
    try:
        data = yaml.safe_load(m.group(1) or "")
    except (yaml.YAMLError, ValueError, RecursionError):
        return text, "", ""
    if not isinstance(data, dict):
        return text, "", ""
    fields = {str(k).lower(): v for k, v in data.items()}
    title = str(fields.get("title") or fields.get("標題") or fields.get("标题") or "")
    source = ""
    for key in ("source", "url", "link", "來源", "来源"):
        value = fields.get(key)
        if isinstance(value, str) and (url := RGX_URL.search(value)):
            source = url.group(0)
            break
    return text[m.end() :], title, source


def clean_text(text: str) -> tuple[str, str, str, list[str]]:
    """(content, front-matter title, source URL, other links) of a decoded summary."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_controls(text)
    text, title, source = _front_matter(text)
    text = RGX_COLLAPSED.sub("", text)
    text = RGX_HTML_COMMENT.sub("", text)
    text = RGX_MODEL_TRAILER.sub("", text)
    links: list[str] = []
    lines: list[str] = []
    for line in text.split("\n"):
        if (m := RGX_SOURCE_LINE.match(line)) and (url := RGX_URL.search(m.group(1))):
            if not source and RGX_URL_USEFUL.match(url.group(0)):
                source = url.group(0).rstrip(".,;:!?)]'\"")
            elif RGX_URL_USEFUL.match(url.group(0)):
                links.append(url.group(0))
            continue
        if m := RGX_LINK_DEFINITION.match(line):
            links.append(m.group(1))
            continue
        lines.append(line.rstrip())
    lines = _trim(lines, OPENING_CHATTER, from_end=False)
    lines = _trim(lines, CLOSING_CHATTER, from_end=True)
    # Chatter can also stand after the title or around a `---`; a line that is nothing else
    # goes here, a chatter clause inside a content line goes when sections are built.
    lines = [cut_asides(line) for line in lines if not _only_chatter(line)]
    return "\n".join(lines), title, source, links


RGX_SENTENCE_END = re.compile(r"(?<=[。！？!?])")
RGX_CLAUSE_END = re.compile(r"(?<=[，,；;：:])")


def _only_chatter(line: str) -> bool:
    """Is every sentence of `line` something a summarizer says to its user? A sentence is when
    its first clause is, or each of its clauses is: «以上就是全部內容，希望我的整理對大家有所
    幫助» is content with a chatter clause, cut later (sections.py)."""
    sentences = [s for s in RGX_SENTENCE_END.split(_plain(line)) if s.strip()]
    return bool(sentences) and all(_chatter_sentence(s) for s in sentences)


def _chatter_sentence(sentence: str) -> bool:
    clauses = [c for c in RGX_CLAUSE_END.split(sentence) if c.strip(" 。！？!?")]
    if not clauses:
        return False
    return bool(matches(CHATTER, clauses[0])) or all(matches(CHATTER, c) for c in clauses)


def _trim(lines: list[str], patterns: tuple[Rule, ...], *, from_end: bool) -> list[str]:
    """Drop blank lines and lines matching `patterns` from one end, up to the first content."""
    order = range(len(lines) - 1, -1, -1) if from_end else range(len(lines))
    cut = None
    for index in order:
        plain = _plain(lines[index])
        if plain and not matches(patterns, plain):
            break
        cut = index
    if cut is None:
        return lines
    return lines[:cut] if from_end else lines[cut + 1 :]


# ---------------------------------------------------------------- text -> Document

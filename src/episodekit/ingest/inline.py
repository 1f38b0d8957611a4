"""Inline Markdown and HTML to plain narratable text: links (their URLs kept aside for the
description), emphasis, tags, emoji, control and zero-width characters."""

from __future__ import annotations

import re
import unicodedata

RGX_MD_IMAGE = re.compile(r"!\[[^\[\]]*\]\([^()]*\)")
RGX_MD_LINK = re.compile(r"\[([^\[\]]*)\]\(\s*<?([^()\s<>]*)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
RGX_MD_REF = re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]")
RGX_AUTOLINK = re.compile(r"<((?:https?://|www\.)[^<>\s]+)>", re.I)
RGX_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
RGX_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
# A URL ends at whitespace, quotes or any CJK/full-width punctuation: Chinese text runs straight on.
_URL_BODY = r"[^\s<>\"'`\u3000-\u303f\uff00-\uffef\u2018-\u201f]*"
RGX_URL = re.compile(r"(?:https?:/+|www\.)" + _URL_BODY, re.I)
RGX_URL_USEFUL = re.compile(r"^(?:https?://|www\.)[\w-]+(?:\.[\w-]+)+", re.I)
RGX_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
RGX_EMPHASIS = re.compile(r"(\*\*|__|~~)(.+?)\1")
RGX_UNDERSCORE_EM = re.compile(r"(?<![\w])_(\S(?:.*?\S)?)_(?![\w])")
# *emphasis* (a pair of single stars around text); a lone `*` is content ("7*7", "A*B").
RGX_STAR_EM = re.compile(r"\*(?=[^\s*])([^*\n]*?[^\s*])\*")
# Any other star is markup unless it stands between two letters or digits, as in "7*7".
RGX_STAR_MARKUP = re.compile(r"\*{2,}|(?<![^\W_])\*|\*(?![^\W_])")
# Emoji and pictographs: TTS engines read them out by name or stumble over them.
RGX_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\u25a0-\u25ff"
    "\ufe00-\ufe0f\u20e3\u3030\u303d\u3297\u3299\U000e0020-\U000e007f]"
)
RGX_DANGLING = re.compile(r"[，,、；;：:]\s*([。！？!?])")
RGX_EMPTY_BRACKETS = re.compile(r"\(\s*\)|（\s*）|「\s*」|“\s*”|\[\s*\]|【\s*】")
RGX_SPACE_BEFORE_CJK_PUNCT = re.compile(r"\s+([，。、；：！？」』）])")
RGX_SPACES = re.compile(r"[ \t\u3000\u00a0]+")
EDGE_PUNCT = "，,、；;：:. \u3000"
_HAN = r"\u3400-\u9fff\uf900-\ufaff"
# An English gloss in brackets right after the Chinese term it translates:
# 超級智能(superintelligence).
# The listener needs the Chinese term; the gloss is for readers, so it is said once (dropped),
# unless it is an acronym the channel says itself (通用人工智能（AGI）).
RGX_GLOSS = re.compile(rf"(?<=[{_HAN}」”’])\s*[（(]\s*([A-Za-z][A-Za-z0-9 '’.,\-&/]*?)\s*[)）]")
RGX_ACRONYM = re.compile(r"^[A-Z][A-Za-z0-9\-]{0,7}[A-Z0-9]s?$")
RGX_HALF_BRACKETS = re.compile(r"\s*\(([^()]*)\)\s*")
RGX_WIDE = re.compile(rf"[{_HAN}\u3000-\u303f\uff00-\uffef「」“”]")


def strip_controls(text: str) -> str:
    """Drop control, format (zero-width, bidi) and separator characters; keep `\\n`."""
    text = text.replace("\t", " ")
    return "".join(
        c
        for c in text
        if c == "\n" or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Zl", "Zp")
    )


def clean_inline(text: str, links: list[str]) -> str:
    """Narratable text from one line of Markdown-ish text; URLs found are appended to `links`."""
    text = strip_controls(text)
    text = RGX_HTML_COMMENT.sub("", text)
    text = RGX_AUTOLINK.sub(lambda m: _keep_link(m.group(1), links, ""), text)
    text = RGX_HTML_TAG.sub("", text)
    text = RGX_MD_IMAGE.sub("", text)
    text = RGX_MD_LINK.sub(lambda m: _keep_link(m.group(2), links, m.group(1)), text)
    text = RGX_MD_REF.sub(r"\1", text)
    text = RGX_ESCAPE.sub(r"\1", text)
    for _ in range(3):  # nested emphasis: ***x*** or **_x_**
        text = RGX_EMPHASIS.sub(r"\2", text)
    text = RGX_UNDERSCORE_EM.sub(r"\1", text)
    text = text.replace("#", "").replace("`", "").replace("~~", "")
    text = RGX_EMOJI.sub("", text)
    text = RGX_URL.sub(lambda m: _keep_link(m.group(0), links, ""), text)
    # Stars last: only now is it known which stand between two characters ("7*7").
    text = RGX_STAR_EM.sub(r"\1", text)
    text = RGX_STAR_MARKUP.sub("", text)
    text = RGX_EMPTY_BRACKETS.sub("", text)
    text = RGX_DANGLING.sub(r"\1", text)
    text = spoken_brackets(text)
    text = RGX_SPACES.sub(" ", text)
    text = RGX_SPACE_BEFORE_CJK_PUNCT.sub(r"\1", text)
    return text.strip(EDGE_PUNCT).replace("\n", " ").strip()


def spoken_brackets(text: str) -> str:
    """Brackets as the listener needs them: an English gloss after the Chinese term it translates
    is dropped (an acronym is kept), and brackets next to Chinese are full-width."""
    text = RGX_GLOSS.sub(lambda m: f"（{m[1]}）" if RGX_ACRONYM.match(m[1]) else "", text)

    def widen(m: re.Match[str]) -> str:
        before = text[m.start() - 1 : m.start()] if m.start() else ""
        after = text[m.end() : m.end() + 1]
        if any(RGX_WIDE.match(c) for c in (before, after, m[1][:1], m[1][-1:]) if c):
            return f"（{m[1].strip()}）"
        return m[0]

    return RGX_HALF_BRACKETS.sub(widen, text)


def _keep_link(url: str, links: list[str], replacement: str) -> str:
    url = url.rstrip(".,;:!?)]'\"")
    if RGX_URL_USEFUL.match(url) and url not in links:
        links.append(url)
    return replacement

"""Bytes -> text -> Document: decode, cut away what is not content, parse (parse.py).

What is not content is never narrated: an assistant's chatter around the summary, front
matter, collapsed HTML extras, model trailers, a newsletter's subscription boilerplate and the
source line (kept as Document.source for the description).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import charset_normalizer
import yaml

from episodekit import chinese
from episodekit.errors import InputError
from episodekit.inline import RGX_URL, RGX_URL_USEFUL, strip_controls
from episodekit.model import ChineseScript, Document
from episodekit.parse import parse_document

__all__ = ["clean_text", "decode", "load_document", "parse_text"]

# ---------------------------------------------------------------- decoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# The legacy encodings Chinese text files come in. GB18030 is a superset of GBK and GB2312.
_LEGACY = ("gb18030", "big5")
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "big5hkscs": "big5",
    "cp950": "big5",
}
# The commonest characters of written Chinese in both scripts: a wrong legacy decoding turns
# text into rare characters, a right one is full of these.
_COMMON = set(
    "的一是不了人我在有他這这个個們们中來来上大為为和國国地到以說说時时要就出會会可也你對对生能而子"
    "那得於于著着下自之年過过發发後后作裡里用道行所然家種种事成方多經经麼么去法學学如都同現现當当沒没"
    "動动面起看定天分還还進进好小部其些主樣样理心她本前開开但因只從从想實实日者意無无力它與与長长把"
    "機机十民第公此已工使情明性知全三又關关點点正業业外將将兩两高間间由問问很最重並并物手應应向頭头文"
    "體体相見见被利什二等產产或新己身果加月話话合回特代內内信表化老給给世位次度門门任常先海通教兒儿"
    "原東东聲声提立及比員员解水名真論论處处走義义各入幾几口認认條条平系氣气題题活更別别打女變变四神"
    "總总何電电數数安少報报才結结反受目太量再感建務务做接必場场件計计管期市直資资命山金指許许統统區区"
    "保至形社便空決决治展馬马科司五基眼書书非則则聽听白界達达光放強强即像難难且權权思王象完設设式色"
    "路記记南品住告類类求據据程北邊边張张該该交規规萬万取拉格望覺觉術术領领共確确傳传師师觀观清今切"
    "院讓让識识候帶带導导爭争運运笑飛飞風风步改收根造言聯联持組组每濟济車车親亲極极林服快辦办議议往"
    "元英士證证近失轉转夫令準准布始怎呢存未遠远叫台單单影具羅罗字愛爱擊击流備备兵連连調调深商算質质"
    "團团集百需價价花華华城石級级整府離离況况請请技際际約约示復复病息究線线似官火斷断精滿满支視视消"
    "越器容照須须九增研寫写稱称企八功嗎吗包片史委乎查輕轻易早曾除農农找裝装廣广顯显吧李標标談谈吃圖图"
    "，。、：；？！「」“”（）"
)


def _commonness(text: str) -> float:
    cjk = [c for c in text if ord(c) >= 0x2E80]
    if not cjk:
        return 0.0
    return sum(c in _COMMON for c in cjk) / len(cjk)


def _looks_binary(text: str) -> bool:
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f")
    return controls > max(2, len(text) // 100)


def decode(data: bytes, path: Path) -> str:
    """Text of a summary file: UTF-8 (BOM or not), UTF-16 with a BOM, GB18030/GBK or Big5.

    Strict UTF-8 comes first: it almost never decodes legacy bytes by accident. Between the
    legacy encodings, charset-normalizer misjudges short texts, so a candidate that decodes
    strictly wins by how common its characters are; charset-normalizer breaks ties.
    """
    if not data.strip():
        raise InputError(path, "empty file")
    text: str | None = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise InputError(path, "not valid text in any supported encoding") from None
            break
    if text is None:
        if b"\x00" in data:
            raise InputError(path, "binary file, not text")
        text = _decode_unmarked(data, path)
    if _looks_binary(text):
        raise InputError(path, "binary file, not text")
    if not text.strip():
        raise InputError(path, "empty file")
    return text


def _decode_unmarked(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates: dict[str, str] = {}
    for encoding in _LEGACY:
        try:
            candidates[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise InputError(path, "not valid text in any supported encoding")
    if len(candidates) == 1:
        return next(iter(candidates.values()))
    scores = {enc: _commonness(text) for enc, text in candidates.items()}
    best = max(scores.values())
    leaders = [enc for enc, score in scores.items() if best - score < 0.05]
    if len(leaders) > 1:
        guess = charset_normalizer.from_bytes(data).best()
        named = _CHARSET_ALIASES.get(guess.encoding, guess.encoding) if guess else ""
        if named in leaders:
            return candidates[named]
    return candidates[max(scores, key=lambda enc: scores[enc])]


# ---------------------------------------------------------------- cleaning

# Lines an assistant writes to the user before the summary, patterns by meaning.
OPENING_CHATTER: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "ack_then_colon",
        re.compile(
            r"^(?:好的|好|當然|当然|沒問題|没问题|OK|Okay|Sure)[，,！!。.\s].*(?:[:：]|如下[。.]?)$",
            re.I,
        ),
    ),
    ("for_you", re.compile(r"(?:為你|为你|為您|为您|幫你|帮你|幫您|帮您).*(?:[:：]|如下[。.]?)$")),
    (
        "here_follows",
        re.compile(
            r"^(?:以下是|下面是|這是|这是).*(?:整理|改寫|改写|潤色|润色|優化|优化|修改|重寫|重写|精簡|精简|版本)"
            r".*[:：]$"
        ),
    ),
    (
        "as_follows",
        re.compile(r"(?:整理|改寫|改写|修改|優化|优化)後?的?(?:文稿|版本|內容|内容|稿件)如下"),
    ),
    (
        "english_here_is",
        re.compile(r"^(?:Sure|Okay|OK|Certainly)?[,!. ]*(?:here is|here's)\b.*:$", re.I),
    ),
)
# Lines after the summary: an assistant's sign-off to the user (not to the audience: "大家"
# is content), model trailers, and a newsletter's boilerplate after a transcript.
CLOSING_CHATTER: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hope_helps_you", re.compile(r"希望.{0,24}(?:您|你)(?![們们])")),
    (
        "ask_for_changes",
        re.compile(
            r"(?:如果|如|若).{0,12}(?:需要|想要|有).{0,24}(?:修改|調整|调整|幫助|帮助|補充|补充)"
        ),
    ),
    ("tell_me", re.compile(r"(?:請|请)(?:隨時|随时)?(?:告訴|告诉|讓|让)我")),
    ("about_this_version", re.compile(r"^(?:這個|这个|此|以上|這份|这份)(?:版本|整理|文稿)")),
    ("english_hope", re.compile(r"\b(?:hope this helps|let me know if)\b", re.I)),
    ("model_trailer", re.compile(r"^\[(?:model|模型)\s*[=:：][^\]]*\]$", re.I)),
    ("as_podcast", re.compile(r"可作[為为]播客|播客播放器|available as a podcast", re.I)),
    ("single_recipient", re.compile(r"(?:單個|单个)接收者|(?:轉發|转发).{0,8}(?:沒問題|没问题)")),
    ("supporter_thanks", re.compile(r"作[為为]支持者|訂閱者|订阅者|subscriber", re.I)),
    ("subscribe", re.compile(r"訂閱|订阅|退訂|退订|subscribe|newsletter|團體折扣|团体折扣", re.I)),
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
    return "\n".join(lines), title, source, links


def _trim(
    lines: list[str], patterns: tuple[tuple[str, re.Pattern[str]], ...], *, from_end: bool
) -> list[str]:
    """Drop blank lines and lines matching `patterns` from one end, up to the first content."""
    order = range(len(lines) - 1, -1, -1) if from_end else range(len(lines))
    cut = None
    for index in order:
        plain = _plain(lines[index])
        if plain and not any(p.search(plain) for _, p in patterns):
            break
        cut = index
    if cut is None:
        return lines
    return lines[:cut] if from_end else lines[cut + 1 :]


# ---------------------------------------------------------------- text -> Document


def parse_text(text: str, path: Path) -> Document:
    """The Document of a decoded summary, all of it in its dominant Chinese script."""
    if not text.strip():
        raise InputError(path, "empty file")
    content, title, source, links = clean_text(text)
    script = chinese.dominant_script(content + title)
    # One conversion of the whole text, before parsing: every string then follows.
    content = to_script(content, script)
    title = to_script(title, script)
    document = parse_document(content, title=title, source=source, links=tuple(links))
    if not document.sections:
        raise InputError(path, "nothing to narrate after cleaning")
    return replace(document, script=script)


def to_script(text: str, script: ChineseScript) -> str:
    """`text` in one script, changing only characters that belong to the other one.

    OpenCC converts by phrase, and on text already in the target script it "fixes" characters
    both scripts share (s2tw turns 只相信 into 隻相信, 注重 into 註重). So a character changes
    only if, on its own, it converts: it is specific to the other script.
    """
    converted = chinese.convert(text, script)
    if converted == text or len(converted) != len(text):
        return converted
    singles = chinese.each_on_its_own(text, script)
    if singles is None:
        return converted
    specific = {c for c, single in singles.items() if c != single}
    return "".join(
        new if old in specific else old for old, new in zip(text, converted, strict=True)
    )


def read_text(path: Path) -> str:
    """Read and decode an input file (a summary or a script); InputError naming it if refused."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a file") from None
    except OSError as error:
        raise InputError(path, f"cannot be read ({error.strerror})") from None
    return decode(data, path)


def load_document(path: Path) -> Document:
    """Read, decode, clean and parse a summary file; InputError for anything refused."""
    return parse_text(read_text(path), path)

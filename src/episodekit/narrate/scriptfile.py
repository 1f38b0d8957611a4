"""script.md: the narration script as users read and edit it.

    ---
    title: OpenAI 的下一步？
    source: https://example.com/talk
    voice: narrator
    script: hant
    summary: 一兩句話的節目簡介。
    link: https://example.com/other
    ---

    ## 開場

    大家好，這裡是矽谷夜話，我是阿明。…

    [guest] 這一段由嘉賓的聲音來讀。

Front matter is a strict `key: value` subset, not YAML: the value is everything after the
first ": ", taken literally, so `title: OpenAI: 下一步` or `title: yes` mean exactly what they
say. A value that would not survive that (empty, surrounding spaces, a line break, a leading
double quote) is written as a JSON string. `link` may repeat, once per link. `writer: llm` and
`model: …` say a language model wrote the narration (the template writer, the default, is not
written).

The body is one `## ` heading per chapter and one paragraph per spoken segment, paragraphs
separated by blank lines. A paragraph may wrap over several lines; they are joined. A paragraph
may start with a speaker tag `[name] ` (a voice profile id); without one it is read by the front
matter's voice. A paragraph whose text itself starts with `#`, `[` or `\\` is written with a
leading backslash, so text can never turn into structure.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from episodekit.errors import ScriptFormatError
from episodekit.files import write_text_atomic
from episodekit.model import Chapter, ChineseScript, Paragraph, Script, Writer
from episodekit.text import SENTENCE_ENDS, is_wide

FENCE = "---"
HEADING = "## "
ESCAPE = "\\"
# Characters a paragraph must not start with unescaped: headings, speaker tags, the escape.
_NEEDS_ESCAPE = ("#", "[", ESCAPE)

_KEYS = ("title", "source", "voice", "script", "writer", "model", "summary", "link")
_SCRIPTS: tuple[ChineseScript, ...] = ("hant", "hans")
_WRITERS: tuple[Writer, ...] = ("template", "llm")

SPEAKER_ID = r"[A-Za-z0-9_-]+"
RGX_SPEAKER_ID = re.compile(rf"{SPEAKER_ID}\Z")
# `[anything]` followed by whitespace or the end of the line is an attempt at a speaker tag.
RGX_TAG = re.compile(r"\[(?P<name>[^\]\n]{0,40})\](?:[ \t]+|\Z)")
RGX_FRONT_LINE = re.compile(r"(?P<key>[A-Za-z_]+):(?: (?P<value>.*))?\Z")

# Spoken-length model (Mandarin narration at edge-tts's default rate, measured on the channel's
# style of text): ~4.5 CJK characters a second, ~2.5 Latin words a second; silences as the
# assembler places them (sentence < paragraph < chapter).
CJK_CHARS_PER_SECOND = 4.5
LATIN_WORDS_PER_SECOND = 2.5
SENTENCE_PAUSE_S = 0.35
PARAGRAPH_PAUSE_S = 0.7
CHAPTER_PAUSE_S = 1.2
RGX_LATIN_WORD = re.compile(r"[A-Za-z0-9]+(?:['’.\-][A-Za-z0-9]+)*")
RGX_SENTENCE_END = re.compile(rf"[{SENTENCE_ENDS}]+")


# ---------------------------------------------------------------- writing


def _front_value(value: str) -> str:
    plain = (
        value
        and value == value.strip()
        and not value.startswith('"')
        and not any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value)
    )
    return value if plain else json.dumps(value, ensure_ascii=False)


def _one_line(text: str) -> str:
    return " ".join(text.replace("\r", "\n").split("\n")).strip()


def _paragraph_line(paragraph: Paragraph, voice: str) -> str:
    text = _one_line(paragraph.text)
    if text.startswith(_NEEDS_ESCAPE):
        text = ESCAPE + text
    if paragraph.speaker != voice:
        return f"[{paragraph.speaker}] {text}"
    return text


def render_script(script: Script) -> str:
    """The canonical script.md text for `script` (what write_script writes)."""
    front = [("title", script.title)]
    if script.source:
        front.append(("source", script.source))
    front += [("voice", script.voice), ("script", script.script)]
    # The template writer is the default and is not written, so its scripts stay as they were.
    if script.writer != "template":
        front.append(("writer", script.writer))
    if script.model:
        front.append(("model", script.model))
    if script.summary:
        front.append(("summary", script.summary))
    front += [("link", link) for link in script.links]
    lines = [FENCE, *(f"{key}: {_front_value(value)}" for key, value in front), FENCE]
    for chapter in script.chapters:
        lines += ["", HEADING + _one_line(chapter.title)]
        for paragraph in chapter.paragraphs:
            lines += ["", _paragraph_line(paragraph, script.voice)]
    return "\n".join(lines) + "\n"


def write_script(path: Path, script: Script) -> None:
    write_text_atomic(path, render_script(script))


# ---------------------------------------------------------------- reading


def _clean_lines(text: str) -> list[str]:
    """Lines without BOM and without CR (users edit on Windows)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def _read_value(raw: str, path: Path, number: int) -> str:
    if not raw.startswith('"'):
        return raw
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, str):
        raise ScriptFormatError(path, number, f"bad quoted value {raw}")
    return value


def _parse_front(lines: list[str], path: Path) -> tuple[dict[str, str], list[str], int]:
    """(single-valued keys, links, index of the first body line)."""
    if not lines or lines[0].strip() != FENCE:
        raise ScriptFormatError(path, 1, "no front matter: a script starts with a '---' line")
    values: dict[str, str] = {}
    links: list[str] = []
    for index in range(1, len(lines)):
        line = lines[index].rstrip()
        number = index + 1
        if line == FENCE:
            if "title" not in values:
                raise ScriptFormatError(path, number, "front matter has no title")
            if not values["title"].strip():
                raise ScriptFormatError(path, number, "front matter title is empty")
            return values, links, index + 1
        if not line:
            continue
        match = RGX_FRONT_LINE.match(line)
        if not match:
            raise ScriptFormatError(path, number, f"front matter line is not 'key: value': {line}")
        key = match["key"]
        if key not in _KEYS:
            raise ScriptFormatError(path, number, f"unknown front matter key '{key}'")
        value = _read_value(match["value"] or "", path, number)
        if key == "link":
            links.append(value)
        elif key in values:
            raise ScriptFormatError(path, number, f"duplicate front matter key '{key}'")
        else:
            values[key] = value
    raise ScriptFormatError(path, 1, "front matter is not closed with a '---' line")


@dataclass
class _Draft:
    title: str
    line: int
    paragraphs: list[Paragraph]


def _join(lines: Iterable[str]) -> str:
    """Join wrapped lines: no space between CJK characters, one space between Latin words."""
    text = ""
    for line in lines:
        if text and not (is_wide(text[-1]) or is_wide(line[0])):
            text += " "
        text += line
    return text



def _paragraph(lines: list[str], voice: str, path: Path, number: int) -> Paragraph:
    text = _join(lines)
    speaker = voice
    tag = RGX_TAG.match(text)
    if tag:
        name = tag["name"]
        if not RGX_SPEAKER_ID.match(name):
            raise ScriptFormatError(
                path, number, f"bad speaker tag '[{name}]': use letters, digits, '-' or '_'"
            )
        text = text[tag.end() :]
        if not text:
            raise ScriptFormatError(path, number, f"speaker tag '[{name}]' has no text after it")
        speaker = name
    if text.startswith(ESCAPE):
        text = text[1:]
    return Paragraph(text=text, speaker=speaker)


def parse_body(
    lines: list[str], path: Path, voice: str, first_line: int = 1
) -> tuple[Chapter, ...]:
    """Parse the chapters of a script body. `first_line` is the file line number of lines[0]."""
    chapters: list[_Draft] = []
    pending: list[str] = []
    pending_line = 0

    def flush() -> None:
        if pending:
            chapters[-1].paragraphs.append(_paragraph(pending, voice, path, pending_line))
            pending.clear()

    for offset, raw in enumerate(lines):
        number = first_line + offset
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#"):
            flush()
            if not line.startswith(HEADING) and line != HEADING.strip():
                raise ScriptFormatError(
                    path, number, f"unexpected heading '{line}': chapters start with '## '"
                )
            title = line[len(HEADING) :].strip() if line != HEADING.strip() else ""
            if not title:
                raise ScriptFormatError(path, number, "chapter heading has no title")
            if chapters and not chapters[-1].paragraphs:
                raise ScriptFormatError(
                    path, chapters[-1].line, f"chapter '{chapters[-1].title}' is empty"
                )
            chapters.append(_Draft(title, number, []))
            continue
        if not chapters:
            raise ScriptFormatError(
                path, number, "text before the first chapter: add a '## ' heading"
            )
        if not pending:
            pending_line = number
        pending.append(line)
    flush()
    if not chapters:
        raise ScriptFormatError(path, first_line, "script has no chapters")
    if not chapters[-1].paragraphs:
        raise ScriptFormatError(path, chapters[-1].line, f"chapter '{chapters[-1].title}' is empty")
    return tuple(Chapter(d.title, tuple(d.paragraphs)) for d in chapters)


def parse_script(text: str, path: Path) -> Script:
    """Parse script.md text; `path` only names the file in errors."""
    lines = _clean_lines(text)
    values, links, body_start = _parse_front(lines, path)
    script = values.get("script", "hant")
    if script not in _SCRIPTS:
        line = next(i + 1 for i, line in enumerate(lines) if line.startswith("script:"))
        raise ScriptFormatError(path, line, f"script must be 'hant' or 'hans', not '{script}'")
    voice = values.get("voice", "narrator")
    if not RGX_SPEAKER_ID.match(voice):
        line = next(i + 1 for i, line in enumerate(lines) if line.startswith("voice:"))
        raise ScriptFormatError(path, line, f"bad voice '{voice}': use letters, digits, '-' or '_'")
    writer = values.get("writer", "template")
    if writer not in _WRITERS:
        line = next(i + 1 for i, line in enumerate(lines) if line.startswith("writer:"))
        raise ScriptFormatError(path, line, f"writer must be 'template' or 'llm', not '{writer}'")
    chapters = parse_body(lines[body_start:], path, voice, first_line=body_start + 1)
    return Script(
        title=values["title"],
        chapters=chapters,
        source=values.get("source", ""),
        voice=voice,
        script=script,
        summary=values.get("summary", ""),
        links=tuple(links),
        writer=writer,
        model=values.get("model", ""),
    )


def read_script(path: Path) -> Script:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ScriptFormatError(path, None, f"cannot read: {error.strerror}") from error
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScriptFormatError(path, None, "not UTF-8 text") from error
    return parse_script(text, path)


# Keys only a script's front matter has: a summary's YAML front matter (title, source, date,
# tags…) never says which voice profile reads it or which Chinese script it is written in.
_SCRIPT_ONLY_KEYS = frozenset({"voice", "script"})


def is_script_text(text: str, file_name: str = "") -> bool:
    """Does `text` look like a script.md rather than a summary? Told by its front matter's keys,
    not by the `---` line alone: every key is a script key, with a title, and one is a key only
    a script has (`voice`, `script`: episodekit always writes both), or the file is named
    script.md (a hand-written script may have a title alone; a summary's YAML front matter
    with title and source, under another name, is a summary)."""
    lines = _clean_lines(text)
    if not lines or lines[0].strip() != FENCE:
        return False
    keys: set[str] = set()
    for line in lines[1:]:
        if line.rstrip() == FENCE:
            return "title" in keys and (bool(keys & _SCRIPT_ONLY_KEYS) or file_name == "script.md")
        if not line.strip():
            continue
        match = RGX_FRONT_LINE.match(line.rstrip())
        if match is None or match["key"] not in _KEYS:
            return False
        keys.add(match["key"])
    return False


# ---------------------------------------------------------------- length


def estimate_seconds(script: Script) -> float:
    """Estimated spoken length of `script` in seconds (see the constants above)."""
    seconds = 0.0
    for chapter in script.chapters:
        seconds += CHAPTER_PAUSE_S
        for paragraph in chapter.paragraphs:
            text = paragraph.text
            cjk = sum(1 for ch in text if is_wide(ch) and ch.isalnum())
            latin = len(RGX_LATIN_WORD.findall(text))
            sentences = len(RGX_SENTENCE_END.findall(text))
            seconds += cjk / CJK_CHARS_PER_SECOND + latin / LATIN_WORDS_PER_SECOND
            seconds += max(sentences - 1, 0) * SENTENCE_PAUSE_S + PARAGRAPH_PAUSE_S
    return seconds

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from episodekit.errors import ScriptFormatError
from episodekit.model import Chapter, Paragraph, Script
from episodekit.narrate.scriptfile import (
    estimate_seconds,
    is_script_text,
    parse_script,
    read_script,
    render_script,
    write_script,
)

PATH = Path("script.md")

CANONICAL = dedent(
    """\
    ---
    title: OpenAI: 下一步
    source: https://example.com/talk?a=1
    voice: narrator
    script: hant
    summary: yes
    link: https://example.com/a
    link: "  spaced  "
    ---

    ## 開場

    大家好，這裡是最佳拍檔，我是大飛。

    [guest] 這一段由嘉賓的聲音來讀。

    ## 第二章：#1 [重點]

    \\# 不是標題。

    \\[guest] 不是標籤。

    \\\\ 反斜線開頭。
    """
)


def test_canonical_text_parses_to_the_script_it_says() -> None:
    script = parse_script(CANONICAL, PATH)
    assert script == Script(
        title="OpenAI: 下一步",
        source="https://example.com/talk?a=1",
        voice="narrator",
        script="hant",
        summary="yes",
        links=("https://example.com/a", "  spaced  "),
        chapters=(
            Chapter(
                "開場",
                (
                    Paragraph("大家好，這裡是最佳拍檔，我是大飛。"),
                    Paragraph("這一段由嘉賓的聲音來讀。", speaker="guest"),
                ),
            ),
            Chapter(
                "第二章：#1 [重點]",
                (
                    Paragraph("# 不是標題。"),
                    Paragraph("[guest] 不是標籤。"),
                    Paragraph("\\ 反斜線開頭。"),
                ),
            ),
        ),
    )
    assert render_script(script) == CANONICAL


def test_crlf_bom_wrapped_lines_and_indentation_are_tolerated() -> None:
    edited = (
        "\ufeff---\r\ntitle: T\r\nscript: hans\r\n---\r\n\r\n\r\n##   第一章  \r\n"
        "  第一行，\r\n第二行。\r\nIt is\r\n  wrapped.\r\n\r\n\r\n\r\n[guest]   嘉賓。\r\n"
    )
    script = parse_script(edited, PATH)
    assert script.voice == "narrator"
    assert script.chapters == (
        Chapter(
            "第一章", (Paragraph("第一行，第二行。It is wrapped."), Paragraph("嘉賓。", "guest"))
        ),
    )


def test_paragraphs_without_a_tag_take_the_front_matter_voice() -> None:
    text = "---\ntitle: T\nvoice: dafei\nscript: hant\n---\n\n## A\n\n一。\n\n[narrator] 二。\n"
    script = parse_script(text, PATH)
    assert [p.speaker for p in script.chapters[0].paragraphs] == ["dafei", "narrator"]
    assert render_script(script) == text


HEAD = "---\ntitle: T\n---\n\n"
VOICE_RULE = "use letters, digits, '-' or '_'"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("## A\n\n一。\n", "1: no front matter: a script starts with a '---' line"),
        ("---\ntitle: T\n", "1: front matter is not closed with a '---' line"),
        ("---\ntitle: T\n\n## A\n", "4: front matter line is not 'key: value': ## A"),
        ("---\ntitle: T\ncolour: red\n---\n", "3: unknown front matter key 'colour'"),
        ("---\ntitle: T\ntitle: U\n---\n", "3: duplicate front matter key 'title'"),
        ("---\ntitle T\n---\n", "2: front matter line is not 'key: value': title T"),
        ('---\ntitle: "T\n---\n', '2: bad quoted value "T'),
        ("---\nvoice: a\n---\n", "3: front matter has no title"),
        ("---\ntitle: T\nscript: zh\n---\n", "3: script must be 'hant' or 'hans', not 'zh'"),
        ("---\ntitle: T\nvoice: my voice\n---\n", f"3: bad voice 'my voice': {VOICE_RULE}"),
        (HEAD, "4: script has no chapters"),
        (
            HEAD + "前言。\n\n## A\n\n一。\n",
            "5: text before the first chapter: add a '## ' heading",
        ),
        (HEAD + "## A\n\n## B\n\n一。\n", "5: chapter 'A' is empty"),
        (HEAD + "## A\n\n一。\n\n## B\n", "9: chapter 'B' is empty"),
        (HEAD + "## \n\n一。\n", "5: chapter heading has no title"),
        (HEAD + "# T\n\n## A\n\n一。\n", "5: unexpected heading '# T': chapters start with '## '"),
        (
            HEAD + "## A\n\n一。\n\n[my guest] 二。\n",
            f"9: bad speaker tag '[my guest]': {VOICE_RULE}",
        ),
        (HEAD + "## A\n\n一。\n\n[guest]\n", "9: speaker tag '[guest]' has no text after it"),
    ],
)
def test_malformed_scripts_are_reported_with_file_line_and_reason(text: str, message: str) -> None:
    with pytest.raises(ScriptFormatError) as caught:
        parse_script(text, PATH)
    assert str(caught.value) == f"script.md:{message}"


def test_read_and_write_round_trip_bytes(tmp_path: Path) -> None:
    path = tmp_path / "out" / "script.md"
    script = parse_script(CANONICAL, PATH)
    write_script(path, script)
    assert path.read_bytes() == CANONICAL.encode("utf-8")
    assert read_script(path) == script


def test_read_script_reports_unreadable_files(tmp_path: Path) -> None:
    path = tmp_path / "script.md"
    path.write_bytes(b"---\ntitle: \xff\n---\n")
    with pytest.raises(ScriptFormatError, match=r"script\.md: not UTF-8 text$"):
        read_script(path)
    with pytest.raises(ScriptFormatError, match=r"missing\.md: cannot read: "):
        read_script(tmp_path / "missing.md")


def test_is_script_text_tells_scripts_from_summaries() -> None:
    assert is_script_text(CANONICAL)
    assert is_script_text("\ufeff---\r\ntitle: T\r\nvoice: narrator\r\n---\r\n")
    # Issue 15 #16: a summary's YAML front matter (title, source) is not a script's: only a
    # script says which voice reads it or which Chinese script it is in.
    assert not is_script_text("---\ntitle: T\nsource: https://a.b/c\n---\n一、要點\n")
    assert not is_script_text("---\ntitle: T\ndate: 2024-01-01\nscript: hant\n---\n")
    assert not is_script_text("**標題：OpenAI 的下一步**\n\n*   大家好\n")
    assert not is_script_text("---\n---\ntitle: T\n")  # a summary that opens with a rule
    assert is_script_text("---\ntitle: T\n---\n## 一\n\n你好。\n", "script.md")  # by hand
    assert not is_script_text("---\ntitle: T\n---\n## 一\n\n你好。\n", "notes.md")
    assert not is_script_text("")


def test_estimate_seconds_counts_cjk_latin_and_pauses() -> None:
    # 9 CJK characters (4.5/s) + 5 Latin words (2.5/s) = 4 s, plus one pause between the two
    # sentences, one after the paragraph and one per chapter.
    script = Script(
        "T", (Chapter("A", (Paragraph("大家好我是大飛。Sam Altman said GPT-4o works，好的！"),)),)
    )
    assert estimate_seconds(script) == pytest.approx(2 + 2 + 0.35 + 0.7 + 1.2)
    longer = Script("T", (Chapter("A", (Paragraph("字" * 450 + "。"),)),))
    assert estimate_seconds(longer) == pytest.approx(100 + 0.7 + 1.2)


# ---------------------------------------------------------------- round-trip properties

_ALPHABET = st.characters(
    blacklist_categories=("Cc", "Cs", "Zl", "Zp"),
    whitelist_characters="#[]\\：:「」\"' ",
)
_RICH = st.one_of(
    st.text(_ALPHABET, min_size=1, max_size=30),
    st.sampled_from(
        ["## 標題", "[guest] 嘉賓", "#", "\\", "[x]", "---", "OpenAI: 下一步", "yes", "  前導空格"]
    ),
)


def _stripped(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return strategy.map(str.strip).filter(bool)


_TEXTS = _stripped(st.lists(_RICH, min_size=1, max_size=4).map("".join))
_IDS = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)
_FRONT = st.text(_ALPHABET | st.sampled_from("\n\t\r"), max_size=30)
_PARAGRAPHS = st.builds(Paragraph, text=_TEXTS, speaker=_IDS)
_CHAPTERS = st.builds(
    Chapter, title=_TEXTS, paragraphs=st.lists(_PARAGRAPHS, min_size=1, max_size=4).map(tuple)
)
_SCRIPTS = st.builds(
    Script,
    title=_FRONT.filter(str.strip),  # an empty title is refused (issue 15 #14)
    chapters=st.lists(_CHAPTERS, min_size=1, max_size=3).map(tuple),
    source=_FRONT,
    voice=_IDS,
    script=st.sampled_from(["hant", "hans"]),
    summary=_FRONT,
    links=st.lists(_FRONT, max_size=2).map(tuple),
    writer=st.sampled_from(["template", "llm"]),
    model=_FRONT,
)


@settings(max_examples=150, deadline=None)
@given(_SCRIPTS)
def test_parse_of_render_is_identity(script: Script) -> None:
    assert parse_script(render_script(script), PATH) == script


@settings(max_examples=80, deadline=None)
@given(_SCRIPTS)
def test_render_of_parse_is_identity_on_canonical_text(script: Script) -> None:
    text = render_script(script)
    assert render_script(parse_script(text, PATH)) == text


def test_an_unknown_writer_is_refused_with_its_line() -> None:
    text = "---\ntitle: t\nwriter: gpt\n---\n\n## 開場\n\n你好。\n"
    with pytest.raises(ScriptFormatError) as caught:
        parse_script(text, PATH)
    assert str(caught.value).endswith(":3: writer must be 'template' or 'llm', not 'gpt'")

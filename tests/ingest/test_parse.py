"""parse: every input shape a summary comes in, and a property over arbitrary text."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from textwrap import dedent

from hypothesis import given, settings
from hypothesis import strategies as st

from episodekit.errors import InputError
from episodekit.ingest.document import parse_text
from episodekit.model import Document, Point, Prose, Quote, Section, Table, Turn
from tests.ingest.test_ingest import all_strings

P = Path("in.txt")


def doc_of(text: str) -> Document:
    return parse_text(dedent(text), P)


def test_atx_headings_and_single_h1_title() -> None:
    doc = doc_of(
        """\
        # 一次訪談
        ## 開場
        - 甲。
        ### 細節
        #### 更細
        - 乙。
        """
    )
    assert doc.title == "一次訪談"
    assert doc.sections == (
        Section("開場", (Point("甲。"),)),
        Section("更細", (Prose("細節"), Point("乙。"))),
    )


def test_bold_label_headings_strip_ordinal_and_colon() -> None:
    doc = doc_of(
        """\
        **標題：AI 的未來**

        **一、GPT-4o：**

        *   **革命性飛躍：** 更自然。
        *   **低延遲：** 兩三百毫秒。
        """
    )
    assert doc.title == "AI 的未來"
    assert doc.sections == (
        Section(
            "GPT-4o", (Point("更自然。", label="革命性飛躍"), Point("兩三百毫秒。", label="低延遲"))
        ),
    )


def test_nested_bullets() -> None:
    doc = doc_of(
        """\
        - Sora 的重要性：
            - 製作產品
            - 推進研究
        - 其他。
        """
    )
    assert doc.sections[0].blocks == (
        Point("Sora 的重要性", children=(Point("製作產品"), Point("推進研究"))),
        Point("其他。"),
    )


def test_plain_heading_over_bullets_and_plain_labels() -> None:
    doc = doc_of(
        """\
        核心觀點
        - 使命:構建通用人工智能。
        - 本質:AI如同晶體管。
        """
    )
    assert doc.sections == (
        Section(
            "核心觀點",
            (Point("構建通用人工智能。", label="使命"), Point("AI如同晶體管。", label="本質")),
        ),
    )


def test_numbered_lists() -> None:
    doc = doc_of(
        """\
        ## 要點
        1. 第一。
        2. 第二。
        (3) 第三。
        一、第四。
        二、第五。
        （一）第六。
        """
    )
    assert [b.text for b in doc.sections[0].blocks] == [
        "第一。",
        "第二。",
        "第三。",
        "第四。",
        "第五。",
        "第六。",
    ]
    assert all(isinstance(b, Point) for b in doc.sections[0].blocks)


def test_cjk_ordinal_heading_over_bullets() -> None:
    doc = doc_of(
        """\
        一、背景
        - 甲。
        二、結論
        - 乙。
        """
    )
    assert doc.sections == (Section("背景", (Point("甲。"),)), Section("結論", (Point("乙。"),)))


def test_block_quote_with_attribution() -> None:
    doc = doc_of(
        """\
        ## 金句
        > 限制肯定是有的，
        > 但還很遙遠。—— Sam Altman
        """
    )
    assert doc.sections[0].blocks == (Quote("限制肯定是有的，但還很遙遠。", speaker="Sam Altman"),)


def test_a_table_with_a_header_is_kept_as_a_table() -> None:
    doc = doc_of(
        """\
        ## 比較
        | 模型 | 延遲 |
        |---|:---:|
        | GPT-4o | 300毫秒 |
        | GPT-4 | |
        """
    )
    # A table with a header is kept whole: narrate retells it by comparison (issue 10).
    assert doc.sections[0].blocks == (
        Table(header=("模型", "延遲"), rows=(("GPT-4o", "300毫秒"), ("GPT-4", ""))),
    )


def test_horizontal_rules_dropped() -> None:
    doc = doc_of("- 甲。\n\n---\n\n***\n- 乙。\n")
    assert doc.sections[0].blocks == (Point("甲。"), Point("乙。"))


def test_timestamp_headings() -> None:
    doc = doc_of(
        """\
        ## 00:12:34 開場
        - 甲。
        **[05:10] 主題**
        - 乙。
        """
    )
    assert [s.title for s in doc.sections] == ["開場", "主題"]


def test_backticks_emphasis_and_escapes() -> None:
    doc = doc_of("- 他說 `AGI` 是 *連續的*，__不是__ 奇點 \\#1。\n")
    assert doc.sections[0].blocks == (Point("他說 AGI 是 連續的，不是 奇點 1。"),)


def test_simplified_document_stays_simplified() -> None:
    doc = doc_of("## 开场\n- 这是简体中文的内容，没有问题。\n")
    assert doc.script == "hans"
    assert doc.sections == (Section("开场", (Point("这是简体中文的内容，没有问题。"),)),)


def test_role_word_speakers() -> None:
    doc = doc_of(
        """\
        ## 訪談
        **主持人**: 你怎麼看？
        嘉賓：很好。
        我補充一點。
        Q: 還有嗎？
        A: 沒有了。
        """
    )
    assert doc.sections[0].blocks == (
        Turn("你怎麼看？", speaker="主持人", role="host"),
        Turn("很好。", speaker="嘉賓", role="guest"),
        Turn("我補充一點。", speaker="嘉賓", role="guest"),
        Turn("還有嗎？", speaker="Q", role="host"),
        Turn("沒有了。", speaker="A", role="guest"),
    )


def test_named_guest_with_unlabelled_host() -> None:
    doc = doc_of(
        """\
        # 黃仁勳談 AI
        今天的嘉賓是誰？
        黃仁勳：是我。
        你好嗎？
        黃仁勳：很好。
        """
    )
    assert doc.guest == "黃仁勳"
    assert doc.sections[0].blocks == (
        Turn("今天的嘉賓是誰？", role="host"),
        Turn("是我。", speaker="黃仁勳", role="guest"),
        Turn("你好嗎？", role="host"),
        Turn("很好。", speaker="黃仁勳", role="guest"),
    )


def test_two_named_speakers_the_title_names_the_guest() -> None:
    doc = doc_of(
        """\
        # Sam Altman 專訪
        Ben Thompson: 歡迎。
        Sam Altman：謝謝。
        Ben Thompson: 第一個問題。
        Sam Altman：請說。
        """
    )
    assert doc.guest == "Sam Altman"
    roles = {b.speaker: b.role for b in doc.sections[0].blocks if isinstance(b, Turn)}
    assert roles == {"Ben Thompson": "host", "Sam Altman": "guest"}


def test_initials_expand_from_title() -> None:
    doc = doc_of(
        """\
        Sam Altman談統一理論
        基礎設施
        你怎麼看？
        SA:很重要。
        還有呢？
        SA:沒有了。
        """
    )
    assert doc.title == "Sam Altman談統一理論"
    assert doc.guest == "Sam Altman"
    assert doc.sections[0].title == "基礎設施"
    assert doc.sections[0].blocks[1] == Turn("很重要。", speaker="SA", role="guest")


def test_single_label_in_prose_is_not_a_speaker() -> None:
    doc = doc_of("- 甲。\n\n核心使命:集中全部精力構建AGI。\n")
    assert doc.sections[0].blocks == (Point("甲。"), Prose("核心使命:集中全部精力構建AGI。"))


def test_greeting_and_signoff_simplified() -> None:
    doc = doc_of(
        """\
        ## 开场
        大家好，这里是最佳拍档，我是大飞。今天聊聊AI。
        ## 结尾
        感谢大家收看本期视频，我们下期再见。
        """
    )
    assert (doc.has_greeting, doc.has_signoff) == (True, True)
    assert doc.sections == (Section("开场", (Prose("今天聊聊AI。"),)),)


def test_leading_content_without_heading() -> None:
    doc = doc_of("開頭一段話。\n## 第一節\n- 甲。\n")
    assert doc.sections == (
        Section("", (Prose("開頭一段話。"),)),
        Section("第一節", (Point("甲。"),)),
    )


# ---------------------------------------------------------------- property

# A star between two letters or digits is content ("7*7", issue 15); any other is markup.
RGX_FORBIDDEN = re.compile(r"[#`]|\*\*|(?<![^\W_])\*|\*(?![^\W_])|https?://|www\.", re.I)

FRAGMENTS = st.sampled_from(
    [
        "# ", "## ", "**", "*", "- ", "  - ", "1. ", "一、", "> ", "|", "---", "```", ":", "：",
        "SA:", "主持人：", "Q: ", "\n", "\n\n", " ", "\t", "http://", "https://x.y/z", "www.a.b",
        "[t](https://u.v/w)", "<details>", "</details>", "<b>", "`",
        "大家好，這裡是最佳拍檔，我是大飛。",
        "我們下期再見", "標題：", "整理說明", "[model=x]", "\u200b", "\x00", "😀", "這是內容。",
        "这是简体。", "Sam Altman", "00:12:34", "來源:", "_", "~~", "\\",
        "好的，這是整理後的文稿：",
    ]
)  # fmt: skip
GRAMMAR = st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=40).map("".join)


def _check(text: str) -> None:
    try:
        doc = parse_text(text, P)
    except InputError:
        return
    assert doc.sections and all(section.blocks for section in doc.sections)
    for string in all_strings(doc):
        assert not RGX_FORBIDDEN.search(string), string
        assert "\n" not in string
        assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in string), string


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_gives_clean_document_or_input_error(text: str) -> None:
    _check(text)


@settings(max_examples=200, deadline=None)
@given(GRAMMAR)
def test_markdownish_text_gives_clean_document_or_input_error(text: str) -> None:
    _check(text)

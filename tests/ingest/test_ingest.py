"""ingest: decoding, refusals, cleaning of what is not content, and the three seeds."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from episodekit.errors import InputError
from episodekit.ingest.decode import decode
from episodekit.ingest.document import load_document, parse_text
from episodekit.model import Document, Point, Prose, Quote, Turn
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "ingest"
SEED_000 = ROOT / "seeds" / "000_c0def597f3ce7aed.txt"
SEED_003 = ROOT / "seeds" / "003_2bac866a80e753f9.txt"
SEED_004 = ROOT / "seeds" / "004_91e8d78da4333a85.txt"
P = Path("in.txt")


def all_strings(doc: Document) -> list[str]:
    out = [doc.title, doc.guest]

    def walk(block: Point | Turn | Quote | Prose) -> None:
        out.append(block.text)
        if isinstance(block, Point):
            out.append(block.label)
            for child in block.children:
                walk(child)
        if isinstance(block, (Turn, Quote)):
            out.append(block.speaker)

    for section in doc.sections:
        out.append(section.title)
        for block in section.blocks:
            walk(block)
    return out


# ---------------------------------------------------------------- decoding


def test_utf8_with_bom_and_crlf() -> None:
    doc = load_document(DATA / "utf8_bom_crlf.txt")
    assert doc.title == "你好"
    assert doc.sections[0].blocks == (Point("第一點內容。"), Point("第二點內容。"))


def test_gb18030_file() -> None:
    doc = load_document(DATA / "gbk.txt")
    assert doc.script == "hans"
    assert doc.title == "测试"
    assert doc.sections[0].blocks == (Point("这是一段简体中文的测试文字。"),)


def test_big5_file() -> None:
    doc = load_document(DATA / "big5.txt")
    assert doc.script == "hant"
    assert doc.title == "測試"
    assert doc.sections[0].blocks == (Point("這是一段繁體中文的測試文字。"),)


@pytest.mark.parametrize(
    "text",
    ["大家好", "人工智慧的未來", "這是一段測試文字。", "我們下期再見", "你好，世界！"],
)
def test_short_big5_texts_decode(text: str) -> None:
    assert decode(text.encode("big5"), P) == text


@pytest.mark.parametrize(
    "text",
    ["大家好", "人工智能的未来", "这是一段测试文字。", "我们下期再见", "你好，世界！", "這是繁體"],
)
def test_short_gb18030_texts_decode(text: str) -> None:
    assert decode(text.encode("gb18030"), P) == text


def test_utf16_with_bom() -> None:
    assert decode("\ufeff你好".encode("utf-16-le"), P).lstrip("\ufeff") == "你好"


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "in.txt: empty file"),
        (b"  \n\t\r\n ", "in.txt: empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "in.txt: binary file, not text"),
        (bytes(range(1, 9)) * 20, "in.txt: binary file, not text"),
        (b"\xff\xfe\x00", "in.txt: not valid text in any supported encoding"),
        (b"abc \x80\x80\xff", "in.txt: not valid text in any supported encoding"),
    ],
)
def test_decode_refusals(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as info:
        decode(data, P)
    assert str(info.value) == message


def test_nothing_to_narrate_after_cleaning() -> None:
    text = dedent(
        """\
        好的，這是經過整理的文稿，重點更清晰，結構更合理：

        **整理說明：**

        *   **精簡：** 刪除重複。

        希望這個版本對您有幫助!

        [model=gemini-2.0-flash,0]
        """
    )
    with pytest.raises(InputError) as info:
        parse_text(text, P)
    assert str(info.value) == "in.txt: nothing to narrate after cleaning"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_document(tmp_path / "nope.txt")
    assert str(info.value) == f"{tmp_path / 'nope.txt'}: no such file"


def test_whitespace_only_text() -> None:
    with pytest.raises(InputError) as info:
        parse_text(" \n\u3000\n", P)
    assert str(info.value) == "in.txt: empty file"


# ---------------------------------------------------------------- cleaning


def test_chatter_traditional_and_simplified() -> None:
    for text in (
        "好的，我為你整理了這篇文稿，並著重於使其更清晰。整理後的文稿如下：\n\n- 內容一。\n\n"
        "如果需要進一步修改，請告訴我。\n希望這個版本對您有幫助!\n",
        "好的，我为你整理了这篇文稿。整理后的文稿如下：\n\n- 内容一。\n\n"
        "如果需要进一步修改，请告诉我。\n希望这个版本对您有帮助！\n",
    ):
        doc = parse_text(text, P)
        assert [b.text for s in doc.sections for b in s.blocks] in (["內容一。"], ["内容一。"])


def test_a_chatter_clause_goes_and_the_content_beside_it_stays() -> None:
    # "希望我的整理對大家有所幫助" is the summarizer speaking (issue 10), even to 大家.
    doc = parse_text("- 以上就是全部內容，希望我的整理對大家有所幫助。\n", P)
    assert doc.sections[0].blocks == (Point("以上就是全部內容。"),)


def test_meta_section_dropped_until_next_section() -> None:
    text = dedent(
        """\
        ## 第一部分
        - 甲。
        ## 整理說明
        - 精簡了重複內容。
        ## 第二部分
        - 乙。
        """
    )
    doc = parse_text(text, P)
    assert [s.title for s in doc.sections] == ["第一部分", "第二部分"]


def test_source_line_model_trailer_and_newsletter_boilerplate() -> None:
    text = dedent(
        """\
        主持人：你好。
        嘉賓：你好。
        這個每日更新訪談也可作為播客。要在你的播客播放器中接收它，訪問Stratechery。
        每日更新是為單個接收者，但偶爾轉發完全沒問題！
        謝謝作為支持者，有美好一天！
        來源:https://example.com/a-talk
        [model=gemini-2.0-flash,0]
        """
    )
    doc = parse_text(text, P)
    assert doc.source == "https://example.com/a-talk"
    assert doc.sections[0].blocks == (
        Turn("你好。", speaker="主持人", role="host"),
        Turn("你好。", speaker="嘉賓", role="guest"),
    )


def test_front_matter_title_and_source() -> None:
    text = dedent(
        """\
        ---
        title: 一次訪談
        source: https://example.com/x
        tags: [a, b]
        ---
        - 內容。
        """
    )
    doc = parse_text(text, P)
    assert (doc.title, doc.source) == ("一次訪談", "https://example.com/x")
    assert doc.sections[0].blocks == (Point("內容。"),)


def test_details_block_not_narrated_and_tags_stripped() -> None:
    text = (
        "- 第<b>一</b>點。\n<details><summary>Original</summary>\nThe English copy.\n"
        "</details>\n- 第二點。\n"
    )
    doc = parse_text(text, P)
    assert doc.sections[0].blocks == (Point("第一點。"), Point("第二點。"))


def test_urls_links_controls_emoji() -> None:
    text = "- 看[這篇文章](https://a.example/post)和 https://b.example/x?q=1。\u200b很好🚀\x07\n"
    doc = parse_text(text, P)
    assert doc.sections[0].blocks == (Point("看這篇文章和。很好"),)
    assert doc.links == ("https://a.example/post", "https://b.example/x?q=1")


def test_mixed_scripts_follow_the_dominant_one() -> None:
    doc = parse_text("- 這個訪談說明了並且關於很多東西，但是这里有简体。\n", P)
    assert doc.script == "hant"
    assert doc.sections[0].blocks == (Point("這個訪談說明了並且關於很多東西，但是這裡有簡體。"),)


def test_traditional_text_is_not_overconverted() -> None:
    doc = parse_text("- 而不是只相信，更加注重了解。\n", P)
    assert doc.sections[0].blocks[0].text == "而不是只相信，更加注重了解。"


# ---------------------------------------------------------------- seeds


def test_seed_000() -> None:
    doc = load_document(SEED_000)
    assert doc.title == "OpenAI 的下一步？Altman 解讀三大核心戰略與未來發展"
    assert [s.title for s in doc.sections] == [
        "開場", "Altman a16z 訪談重點回顧",  # the bare label 核心： is not part of it
        "OpenAI 的三大核心戰略", "Sora 的戰略意義",
        "未來的人機交互界面", "OpenAI 的技術突破", "AI 的個性化",
        "與英偉達、AMD 和 Oracle 等公司的合作",
        "規模擴展的限制", "資源分配", "Altman 的個人看法", "其他重點", "結尾",
    ]  # fmt: skip
    assert doc.has_greeting and doc.has_signoff
    assert doc.guest == "Sam Altman"
    opening = doc.sections[0].blocks
    assert len(opening) == 2 and "大飛" not in opening[0].text
    strategy = doc.sections[2].blocks[0]
    assert strategy == Point("OpenAI 希望成為人們的個人 AI 訂閱服務。", label="個人 AI 訂閱服務")
    sora = doc.sections[3].blocks[1]
    assert isinstance(sora, Point) and sora.text == "Sora 的重要性" and len(sora.children) == 6
    assert doc.sections[-1].blocks == (
        Point(
            "以上就是 Sam Altman 這次訪談的主要內容，"
            "大家對於奧特曼的這些觀點有什麼看法？歡迎在評論區留言。"
        ),
    )


def test_seed_004() -> None:
    doc = load_document(SEED_004)
    assert doc.title == "OpenAI的“統一理論”:Sam Altman詳解AGI願景、基礎設施賭注與ChatGPT生態"
    assert doc.source == (
        "https://stratechery.com/2025/an-interview-with-openai-ceo-sam-altman-about-devday-and-the-ai-buildout/"
    )
    assert doc.guest == "Sam Altman"
    assert not doc.has_greeting and not doc.has_signoff
    titles = [s.title for s in doc.sections]
    assert titles == [
        "願景:AI作為基礎技術,驅動一個統一的智能體", "雙輪驅動:極限投入基礎設施與構建開放生態",
        "務實路徑:商業化、社會進化與樂觀預期", "OpenAI的統一願景", "基礎設施交易", "投資者心態",
        "ChatGPT中的應用", "即時結賬", "Sora", "版權和AI", "反饋和未來",
    ]  # fmt: skip
    first = doc.sections[0].blocks
    # "Sam Altman核心觀點" is a bare label over the points: not narrated (issue 10).
    assert first[0].label == "核心使命"
    vision = doc.sections[3].blocks
    assert vision[0] == Turn("Sam Altman,歡迎再次來到Stratechery。", speaker="", role="host")
    assert vision[1] == Turn("謝謝。", speaker="SA", role="guest")
    turns = [b for s in doc.sections[3:] for b in s.blocks]
    assert all(isinstance(b, Turn) for b in turns)
    sa = [b for b in turns if b.speaker == "SA"]
    assert len(sa) > 60 and all(b.role == "guest" for b in sa)
    assert turns[-1] == Turn("非常感謝。再見。", speaker="SA", role="guest")
    assert any(link.startswith("https://www.google.com/search") for link in doc.links)


@pytest.mark.parametrize("seed", [SEED_000, SEED_003, SEED_004])
def test_seeds_hold_no_chatter_or_markup(seed: Path) -> None:
    doc = load_document(seed)
    for text in all_strings(doc):
        for bad in ("*", "#", "http", "整理說明", "[model=", "希望這個版本", "希望這樣的整理",
                    "經過整理的文稿", "整理後的文稿", "支持者", "播客播放器", "大家好",
                    "下期再見"):  # fmt: skip
            assert bad not in text, (bad, text)

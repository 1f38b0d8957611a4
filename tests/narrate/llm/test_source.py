"""--source: a transcript or captions read into passages, and each chapter given the part
about it within a token budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from episodekit.build import generate_script
from episodekit.errors import InputError
from episodekit.ingest import read_text
from episodekit.model import WriterOptions
from episodekit.narrate.llm.source import estimate_tokens, read_source, relevant
from tests.llm_server import LlmTestServer

SRT = """1
00:00:01,000 --> 00:00:03,000
我們先談談基礎設施，

2
00:00:03,000 --> 00:00:06,000
<i>你宣布一項交易，就能讓股價上漲。</i>

3
00:00:06,500 --> 00:00:09,000
Sora 的用戶在三十天裡增長得很快。
"""
VTT = """WEBVTT
Kind: captions

NOTE a note is not text

intro
00:00:01.000 --> 00:00:03.000 align:start
我們先談談基礎設施，

00:00:03.000 --> 00:00:06.000
<v Sam>你宣布一項交易，就能讓股價上漲。

00:06.500 --> 00:09.000
Sora 的用戶在三十天裡增長得很快。
"""
JOINED = "我們先談談基礎設施，你宣布一項交易，就能讓股價上漲。Sora 的用戶在三十天裡增長得很快。"


@pytest.mark.parametrize(("name", "text"), [("talk.srt", SRT), ("talk.vtt", VTT)])
def test_captions_are_read_as_sentences_not_cues(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert "".join(read_source(path, read_text(path))) == JOINED


def test_a_text_file_keeps_its_paragraphs_apart(tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    path.write_text("第一段說基礎設施。\n\n第二段說 Sora。\n", encoding="utf-8")
    assert read_source(path, read_text(path)) == ["第一段說基礎設施。", "第二段說 Sora。"]


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("talk.pdf", "x", "a source is a .txt, .srt or .vtt file"),
        ("talk.vtt", "1\n00:00:01.000 --> 00:00:02.000\n你好\n", "not a WebVTT file"),
        ("talk.txt", "\n\n", "empty file"),
    ],
)
def test_a_bad_source_is_one_clear_refusal(
    tmp_path: Path, name: str, text: str, reason: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=reason) as refusal:
        read_source(path, read_text(path))
    assert str(refusal.value).startswith(str(path))


PASSAGES = [
    "主持人先問起了基礎設施和數據中心的交易。",
    "Altman 說電力和晶片是最大的瓶頸，數據中心要提前好幾年規劃。",
    "談到 Sora，他說影片模型的用戶增長很快，版權方也開始合作。",
    "最後他們聊到了教育，學生用 ChatGPT 寫作業的問題。",
]


def test_relevant_passages_are_the_ones_about_the_chapter_in_source_order() -> None:
    assert relevant(PASSAGES, "基礎設施：電力、晶片與數據中心") == PASSAGES[:2]
    assert relevant(PASSAGES, "Sora 與版權") == [PASSAGES[2]]


def test_relevant_passages_stay_within_the_budget() -> None:
    long = [p * 20 for p in PASSAGES]
    chosen = relevant(long, "電力、晶片與數據中心", budget=600)
    assert chosen == [long[1]]
    assert sum(estimate_tokens(p) for p in chosen) <= 600


def test_the_source_reaches_only_the_chapter_it_is_about(
    llm_server: LlmTestServer, summary: Path, tmp_path: Path
) -> None:
    source = tmp_path / "talk.txt"
    source.write_text("\n\n".join(PASSAGES), encoding="utf-8")
    generate_script(summary, None, writer=WriterOptions(writer="llm", source=source))
    sora = next(r.prompt for r in llm_server.requests if "這一章：Sora 的意義" in r.prompt)
    assert "> " + PASSAGES[2] in sora
    assert PASSAGES[3] not in sora

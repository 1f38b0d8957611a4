"""upload.json: tags from the episode, deterministic, and every platform's limits kept even for
the longest inputs."""

from __future__ import annotations

import json
from dataclasses import replace

from episodekit.bundle.upload import bilibili_tags, episode_tags, upload_metadata, youtube_tags
from episodekit.model import Chapter, ChapterMark, Paragraph, Script
from episodekit.show import default_show

SHOW = default_show()
SCRIPT = Script(
    title="OpenAI 的下一步？Altman 解讀 GPT-4o 與 Sora",
    chapters=(
        Chapter("開場", (Paragraph("大家好。Sam Altman 談到 OpenAI 和 NVIDIA 的合作。"),)),
        Chapter("OpenAI 的戰略", (
            Paragraph("OpenAI 認為 GPT-4o 是一大步，CEO 說 ChatGPT 用戶很多。"),
            Paragraph("Sora 和 ChatGPT 都是產品，a16z 也投資了。"),
        )),
    ),
    source="https://example.com/talk",
    summary="一段簡介。",
)
MARKS = [ChapterMark("開場", 0, 30_000), ChapterMark("OpenAI 的戰略", 30_000, 60_000),
         ChapterMark("結尾", 60_000, 90_000)]


def test_tags_are_the_show_the_guest_then_names_by_weight() -> None:
    tags = episode_tags(SCRIPT, "最佳拍檔", guest="Sam Altman")
    assert tags[:3] == ["最佳拍檔", "Sam Altman", "OpenAI"]
    assert set(tags) >= {"GPT-4o", "Sora", "ChatGPT", "NVIDIA", "a16z"}
    assert "CEO" not in tags and "Altman" not in tags and "Sam" not in tags  # in the guest
    assert tags == episode_tags(SCRIPT, "最佳拍檔", guest="Sam Altman")  # deterministic


def test_a_full_name_is_one_tag() -> None:
    # Seed 003's host: "Logan" and "Bartlett" as two tags say nothing; the name says who.
    script = replace(SCRIPT, chapters=(
        Chapter("開場", (Paragraph("主持人 Logan Bartlett 問 Sam Altman：OpenAI 下一步？"),)),
    ))
    tags = episode_tags(script, "最佳拍檔", guest="Sam Altman")
    assert "Logan Bartlett" in tags
    assert "Logan" not in tags and "Bartlett" not in tags


def test_youtube_tags_stop_at_500_characters() -> None:
    many = [f"Tag{n:03d} name" for n in range(100)]  # 11 characters, 2 quotes, 1 comma: 14
    kept = youtube_tags(many)
    assert sum(len(t) + 2 for t in kept) + len(kept) - 1 <= 500
    assert kept == many[: len(kept)] and len(kept) == 35  # 35 × 14 - 1 = 489; 36 would be 503


def test_bilibili_takes_ten_tags_of_at_most_20_characters() -> None:
    tags = ["一" * 21, *[f"t{n}" for n in range(12)]]
    assert bilibili_tags(tags) == [f"t{n}" for n in range(10)]


def test_upload_json_keeps_every_limit_for_the_longest_inputs() -> None:
    long_script = replace(
        SCRIPT, title="很長的標題<測試>" * 20, summary="簡介" * 3000,
        chapters=SCRIPT.chapters + tuple(
            Chapter(f"Chapter{n} Topic{n}", (Paragraph(f"Product{n} and Company{n}。"),))
            for n in range(200)
        ),
    )
    data = json.loads(json.dumps(upload_metadata(long_script, MARKS, SHOW, "zh-TW")))
    youtube, bilibili = data["youtube"], data["bilibili"]
    assert len(youtube["title"]) <= 100 and len(youtube["description"].encode()) <= 5000
    assert not any(c in youtube["title"] + youtube["description"] for c in "<>")
    assert sum(len(t) + (2 if " " in t else 0) for t in youtube["tags"]) \
        + len(youtube["tags"]) - 1 <= 500
    assert len(bilibili["title"]) <= 80 and len(bilibili["desc"]) <= 2000
    assert len(bilibili["tags"]) <= 10 and all(len(t) <= 20 for t in bilibili["tags"])
    assert youtube["thumbnail"] == bilibili["cover"] == "cover.jpg"
    assert youtube["default_language"] == "zh-TW"

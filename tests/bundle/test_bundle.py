"""The upload bundle's text files: YouTube chapter rules, chapters.txt, the description's
limits, the manifest's shape, and atomic writes inside the bundle folder only."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from episodekit import files
from episodekit.bundle.manifest import BuildRecord, make_manifest, write_bundle
from episodekit.bundle.youtube import (
    description_text,
    format_chapters_txt,
    video_title,
    youtube_chapters,
)
from episodekit.model import (
    AudioReport,
    BuildStats,
    Chapter,
    ChapterMark,
    ChapterTokens,
    Paragraph,
    Placement,
    Script,
    Segment,
    VoiceSettings,
    WriterReport,
)

EDGE = VoiceSettings(engine="edge", voice="zh-CN-YunxiNeural", rate="+5%")
GUEST = VoiceSettings(engine="edge", voice="zh-CN-YunyangNeural", pitch="-2Hz")


def mark(title: str, start_s: float, end_s: float) -> ChapterMark:
    return ChapterMark(title, int(start_s * 1000), int(end_s * 1000))


def script(**changes: object) -> Script:
    base = {
        "title": "山姆·奧特曼談 AGI",
        "chapters": (Chapter("開場", (Paragraph("大家好"),)),),
        "source": "https://www.youtube.com/watch?v=abc",
        "summary": "這期我們聊聊 OpenAI 的下一步。",
        "links": ("https://openai.com/blog",),
    }
    base.update(changes)
    return Script(**base)  # type: ignore[arg-type]


# ---------------------------------------------------------------- YouTube chapters


def test_youtube_chapters_keep_valid_chapters_as_they_are() -> None:
    marks = [mark("開場", 0, 30), mark("一", 30, 90), mark("二", 90, 200)]
    assert youtube_chapters(marks) == marks


def test_a_short_first_chapter_merges_into_the_next_which_starts_at_zero() -> None:
    marks = [mark("開場", 0, 4), mark("一", 4, 60), mark("二", 60, 120), mark("三", 120, 180)]
    assert youtube_chapters(marks) == [mark("一", 0, 60), mark("二", 60, 120),
                                       mark("三", 120, 180)]


def test_a_short_middle_or_last_chapter_merges_into_the_previous() -> None:
    marks = [mark("開場", 0, 30), mark("一", 30, 35), mark("二", 35, 100),
             mark("三", 100, 160), mark("尾", 160, 165)]
    assert youtube_chapters(marks) == [mark("開場", 0, 35), mark("二", 35, 100),
                                       mark("三", 100, 165)]


def test_fewer_than_three_chapters_after_merging_gives_none() -> None:
    assert youtube_chapters([mark("開場", 0, 30), mark("一", 30, 90)]) == []
    assert youtube_chapters([mark("a", 0, 5), mark("b", 5, 60), mark("c", 60, 65)]) == []
    assert youtube_chapters([]) == []


def test_exactly_ten_seconds_is_long_enough() -> None:
    marks = [mark("a", 0, 10), mark("b", 10, 20), mark("c", 20, 30)]
    assert youtube_chapters(marks) == marks


# ---------------------------------------------------------------- chapters.txt


def test_chapters_txt_in_minutes_under_an_hour() -> None:
    marks = [mark("開場", 0, 65.9), mark("第一章 <AI>", 65.9, 600), mark("結尾", 600, 3599)]
    assert format_chapters_txt(marks) == "00:00 開場\n01:05 第一章 ‹AI›\n10:00 結尾\n"


def test_chapters_txt_with_hours_on_every_line_past_an_hour() -> None:
    marks = [mark("開場", 0, 65), mark("中段", 65, 3725), mark("結尾", 3725, 7300)]
    assert format_chapters_txt(marks) == "0:00:00 開場\n0:01:05 中段\n1:02:05 結尾\n"


# ---------------------------------------------------------------- description


def test_description_layout() -> None:
    marks = [mark("開場", 0, 30), mark("一", 30, 90), mark("二", 90, 200)]
    assert description_text(script(), marks) == (
        "山姆·奧特曼談 AGI\n\n"
        "這期我們聊聊 OpenAI 的下一步。\n\n"
        "章節\n00:00 開場\n00:30 一\n01:30 二\n\n"
        "來源：https://www.youtube.com/watch?v=abc\n"
        "相關連結：\nhttps://openai.com/blog\n"
    )


def test_description_omits_chapters_youtube_would_reject_and_speaks_simplified() -> None:
    s = script(title="山姆谈 AGI", summary="这期聊聊。", script="hans", links=())
    text = description_text(s, [mark("开场", 0, 30), mark("一", 30, 60)])
    assert text == "山姆谈 AGI\n\n这期聊聊。\n\n来源：https://www.youtube.com/watch?v=abc\n"


def test_a_long_title_is_cut_to_100_characters_at_a_phrase_break() -> None:
    title = "山姆·奧特曼" * 12 + "，" + "談論人工智慧的未來" * 5
    cut = video_title(title)
    assert len(cut) <= 100 and cut.endswith("…")
    assert cut == title[: title.index("，")] + "…"
    description = description_text(script(title=title), [])
    assert description.splitlines()[0] == cut


def test_a_long_title_without_breaks_is_cut_hard() -> None:
    cut = video_title("字" * 150)
    assert cut == "字" * 99 + "…"


def test_a_huge_summary_is_truncated_to_fit_5000_bytes_keeping_the_rest() -> None:
    marks = [mark("開場", 0, 30), mark("一", 30, 90), mark("二", 90, 200)]
    text = description_text(script(summary="很長的摘要。" * 2000), marks)
    assert len(text.encode("utf-8")) <= 5000
    assert "很長的摘要" in text and "…\n\n章節\n00:00 開場" in text
    assert text.endswith("https://openai.com/blog\n")


def test_no_angle_brackets_anywhere() -> None:
    s = script(title="<script>alert(1)</script>", summary="a <b> c", links=("https://x/?a<b",))
    text = description_text(s, [])
    assert "<" not in text and ">" not in text
    assert text.startswith("‹script›alert(1)‹/script›\n")


# ---------------------------------------------------------------- manifest and writing


def segment(index: int, chapter: int, speaker: str, voice: VoiceSettings) -> Segment:
    return Segment(
        index=index, chapter=chapter, paragraph=0, speaker=speaker, text=f"第{index}段",
        spoken=f"第{index}段", audio=Path(f"/cache/{index}.wav"), duration_ms=1500,
        words=(), voice=voice, from_cache=index == 1,
    )


PLACEMENTS = (
    Placement(segment(0, 0, "narrator", EDGE), 300),
    Placement(segment(1, 1, "guest", GUEST), 3000),
)
CHAPTERS = [mark("開場", 0, 3), mark("訪談", 3, 5.3)]
REPORT = AudioReport(duration_ms=5300, integrated_lufs=-16.2, true_peak_dbtp=-1.4,
                     target_lufs=-16.0, verified=True)
STATS = BuildStats(synthesized=1, from_cache=1, wall_seconds=12.34567, engine="edge",
                   timings={"speech": 10.1234, "assemble": 2.0})
VOICES = {"narrator": EDGE, "guest": GUEST}


def record() -> BuildRecord:
    return BuildRecord(script=script(), placements=PLACEMENTS, chapters=CHAPTERS,
                       audio_report=REPORT, stats=STATS, engine="edge", voices=VOICES)


def test_manifest_shape_and_values() -> None:
    manifest = make_manifest(record())
    assert manifest == {
        "title": "山姆·奧特曼談 AGI",
        "source": "https://www.youtube.com/watch?v=abc",
        "duration_ms": 5300,
        "engine": "edge",
        "writer": {"writer": "template", "model": ""},
        "voices": {
            "guest": {"engine": "edge", "voice": "zh-CN-YunyangNeural", "rate": "+0%",
                      "pitch": "-2Hz", "volume": "+0%"},
            "narrator": {"engine": "edge", "voice": "zh-CN-YunxiNeural", "rate": "+5%",
                         "pitch": "+0Hz", "volume": "+0%"},
        },
        "chapters": [{"title": "開場", "start_ms": 0, "end_ms": 3000},
                     {"title": "訪談", "start_ms": 3000, "end_ms": 5300}],
        "segments": [
            {"index": 0, "chapter": 0, "paragraph": 0, "speaker": "narrator", "text": "第0段",
             "start_ms": 300, "end_ms": 1800, "engine": "edge", "voice": "zh-CN-YunxiNeural",
             "from_cache": False},
            {"index": 1, "chapter": 1, "paragraph": 0, "speaker": "guest", "text": "第1段",
             "start_ms": 3000, "end_ms": 4500, "engine": "edge",
             "voice": "zh-CN-YunyangNeural", "from_cache": True},
        ],
        "stats": {"synthesized": 1, "from_cache": 1, "wall_seconds": 12.346,
                  "timings": {"speech": 10.123, "assemble": 2.0}},
        "loudness": {
            "target_lufs": -16.0, "integrated_lufs": -16.2, "true_peak_dbtp": -1.4, "encodes": 1,
        },
    }


def test_manifest_records_the_language_models_tokens_per_chapter_and_in_total() -> None:
    account = WriterReport(
        writer="llm",
        model="qwen2.5",
        chapters=(
            ChapterTokens("開場", 900, 120, requests=1, from_cache=0),
            ChapterTokens("訪談", 2100, 640, requests=0, from_cache=2,
                          fallback="has numbers that are not in the material: 87"),
        ),
        requests=1,
        estimated_seconds=95.5,
    )
    llm_script = replace(script(), writer="llm", model="qwen2.5")
    manifest = make_manifest(
        replace(record(), script=llm_script, stats=replace(STATS, writer=account))
    )
    assert manifest["writer"] == {
        "writer": "llm",
        "model": "qwen2.5",
        "requests": 1,
        "from_cache": 2,
        "tokens": {"in": 3000, "out": 760},
        "estimated_seconds": 95.5,
        "chapters": [
            {"chapter": 0, "title": "開場", "tokens": {"in": 900, "out": 120}, "requests": 1,
             "from_cache": 0, "fallback": ""},
            {"chapter": 1, "title": "訪談", "tokens": {"in": 2100, "out": 640}, "requests": 0,
             "from_cache": 2, "fallback": "has numbers that are not in the material: 87"},
        ],
    }


def bundle(folder: Path) -> dict[str, Path]:
    return write_bundle(folder, record(), script_text="---\ntitle: x\n---\n## 開場\n",
                        srt="1\n", vtt="WEBVTT\n\n")


def test_write_bundle_writes_every_file_inside_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "out" / "sam-altman"
    (folder).mkdir(parents=True)
    (folder / "episode.mp3").write_bytes(b"ID3")
    written = bundle(folder)
    assert sorted(written) == ["chapters.json", "chapters.txt", "description.txt", "episode.mp3",
                               "episode.srt", "episode.vtt", "manifest.json", "script.md",
                               "upload.json"]
    assert all(path.parent == folder.resolve() for path in written.values())
    assert written["script.md"].read_text(encoding="utf-8") == "---\ntitle: x\n---\n## 開場\n"
    # Two chapters are too few for YouTube: chapters.txt is empty (the manifest has them).
    assert written["chapters.txt"].read_text(encoding="utf-8") == ""
    assert len(json.loads(written["manifest.json"].read_text("utf-8"))["chapters"]) == 2
    assert "章節" not in written["description.txt"].read_text(encoding="utf-8")
    raw = written["manifest.json"].read_bytes().decode("utf-8")
    assert raw.endswith("}\n") and "山姆" in raw and '\n  "chapters": [' in raw
    assert json.loads(raw)["duration_ms"] == 5300
    assert sorted(p.name for p in folder.iterdir()) == sorted(written)  # nothing else, no temps


def test_a_failure_mid_write_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "script.md").write_text("old script", encoding="utf-8")

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        bundle(folder)
    assert (folder / "script.md").read_text(encoding="utf-8") == "old script"
    assert [p.name for p in folder.iterdir()] == ["script.md"]  # no partial files, no temps

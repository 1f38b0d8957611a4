from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest
from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TDRC, TIT2, TPE1, CTOCFlags

from episodekit.bundle.cover import render_artwork, render_cover
from episodekit.bundle.feed import podcast_chapters_json
from episodekit.bundle.upload import upload_metadata
from episodekit.check.rules import RULES, Violation, check_bundle
from episodekit.media import measure_file
from episodekit.model import Chapter, ChapterMark, Cue, Paragraph, Script
from episodekit.show import default_show
from episodekit.subtitles.formats import to_srt, to_vtt

CHAPTERS = [("開場", 0, 10_000), ("正題", 10_000, 20_000), ("結尾", 20_000, 31_000)]
CUES = [
    Cue(0, 2000, ("大家好　這裡是最佳拍檔",)),
    Cue(2000, 4000, ("我是大飛",)),
    Cue(12_000, 14_500, ("今天聊聊OpenAI的GPT-4o？",)),
]


def make_mp3(path: Path, amplitude: float, seconds: int = 31) -> None:
    """A 1 kHz tone, mono 24 kHz 64 kbps: amplitude 0.224 (-13 dBFS) measures about -16 LUFS."""
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-y", "-v", "error", "-f", "lavfi",
         "-i", f"aevalsrc={amplitude}*sin(2*PI*1000*t):s=24000:d={seconds}",
         "-ac", "1", "-c:a", "libmp3lame", "-b:a", "64k", str(path)],
        check=True,
    )


@pytest.fixture(scope="module")
def mp3s(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("mp3")
    made = {"good": folder / "good.mp3", "loud": folder / "loud.mp3"}
    make_mp3(made["good"], 0.224)
    make_mp3(made["loud"], 0.7)
    return made


SHOW = default_show()
MARKS = [ChapterMark(title, start, end) for title, start, end in CHAPTERS]
COVER = render_cover("測試節目", SHOW, "hant")
ARTWORK = render_artwork(SHOW, "hant")
UPLOAD = upload_metadata(
    Script("測試節目", (Chapter("開場", (Paragraph("今天聊聊OpenAI的GPT-4o？"),)),)),
    MARKS, SHOW, "zh-TW",
)


def tag(
    path: Path, chapters: list[tuple[str, int, int]], *, comment: bool = True,
    artwork: bytes | None = ARTWORK,
) -> None:
    tags = ID3()
    tags.add(TIT2(encoding=3, text="測試節目"))
    tags.add(TPE1(encoding=3, text="最佳拍檔"))
    tags.add(TALB(encoding=3, text="最佳拍檔"))
    tags.add(TDRC(encoding=3, text="2025"))
    if comment:
        tags.add(COMM(encoding=3, lang="zho", desc="", text="一段描述"))
    ids = [f"chp{n}" for n in range(len(chapters))]
    for element_id, (title, start, end) in zip(ids, chapters, strict=True):
        tags.add(CHAP(element_id=element_id, start_time=start, end_time=end,
                      sub_frames=[TIT2(encoding=3, text=title)]))
    tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                  child_element_ids=ids, sub_frames=[]))
    if artwork is not None:
        tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="", data=artwork))
    tags.save(path)


@dataclass
class Spec:
    """What a hand-made bundle holds; tests change one thing and expect one complaint."""

    cues: list[Cue] = field(default_factory=lambda: list(CUES))
    script: list[str] = field(default_factory=lambda: [
        "大家好，這裡是最佳拍檔，", "我是大飛。", "今天聊聊OpenAI的GPT-4o？"])
    chapters_txt: str = "00:00 開場\n00:10 正題\n00:20 結尾\n"
    description: str = "測試節目\n\n一段描述。\n\n00:00 開場\n00:10 正題\n00:20 結尾\n"
    mp3: str = "good"
    comment: bool = True
    srt_prefix: bytes = b""
    vtt_text: str | None = None
    cover: bytes = COVER
    artwork: bytes | None = ARTWORK
    upload: dict[str, Any] = field(default_factory=lambda: json.loads(json.dumps(UPLOAD)))
    podcast_chapters: str = podcast_chapters_json(MARKS)
    identity: dict[str, str] = field(default_factory=lambda: {
        "guid": "urn:uuid:5b0f5d4e-7d0b-5b8e-9d8e-2f3c1f6a7b8c",
        "published": "2026-11-27T14:00:00+00:00",
    })


def make_bundle(folder: Path, mp3s: dict[str, Path], spec: Spec) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(mp3s[spec.mp3], folder / "episode.mp3")
    tag(folder / "episode.mp3", CHAPTERS, comment=spec.comment, artwork=spec.artwork)
    (folder / "cover.jpg").write_bytes(spec.cover)
    (folder / "chapters.json").write_text(spec.podcast_chapters, encoding="utf-8")
    (folder / "upload.json").write_text(json.dumps(spec.upload, ensure_ascii=False), "utf-8")
    (folder / "episode.srt").write_bytes(spec.srt_prefix + to_srt(spec.cues).encode())
    (folder / "episode.vtt").write_text(spec.vtt_text or to_vtt(spec.cues), encoding="utf-8")
    (folder / "script.md").write_text("---\ntitle: 測試節目\n---\n", encoding="utf-8")
    (folder / "chapters.txt").write_text(spec.chapters_txt, encoding="utf-8")
    (folder / "description.txt").write_text(spec.description, encoding="utf-8")
    manifest = {
        "title": "測試節目", "source": "", "duration_ms": 31_000, "engine": "offline",
        "voices": {"narrator": {"engine": "offline", "voice": "cmn"}},
        "chapters": [{"title": t, "start_ms": s, "end_ms": e} for t, s, e in CHAPTERS],
        "segments": [
            {"index": n, "chapter": 0, "paragraph": n, "speaker": "narrator", "text": text,
             "start_ms": 0, "end_ms": 0, "engine": "offline", "voice": "cmn", "from_cache": False}
            for n, text in enumerate(spec.script)
        ],
        "stats": {"synthesized": 3, "from_cache": 0, "wall_seconds": 1.0, "timings": {}},
        "loudness": {"target_lufs": -16.0, "integrated_lufs": -16.0, "true_peak_dbtp": -13.0},
        **spec.identity,
    }
    text = json.dumps(manifest, ensure_ascii=False)
    (folder / "manifest.json").write_text(text, encoding="utf-8")
    return folder


def problems(tmp_path: Path, mp3s: dict[str, Path], spec: Spec) -> list[str]:
    return [str(v) for v in check_bundle(make_bundle(tmp_path / "out", mp3s, spec))]


def test_the_tone_measures_about_minus_16_lufs(mp3s: dict[str, Path]) -> None:
    # BS.1770 for a 1 kHz mono tone: 20*log10(0.224) - 3.01 dB (RMS) - 0.69 + K-weighting ≈ -16.
    measured = measure_file(mp3s["good"])
    assert -16.8 <= measured.integrated_lufs <= -15.8
    assert -13.6 <= measured.true_peak_dbtp <= -12.6


def test_a_good_bundle_passes(tmp_path: Path, mp3s: dict[str, Path]) -> None:
    assert problems(tmp_path, mp3s, Spec()) == []


def test_violation_is_one_line() -> None:
    assert str(Violation("episode.srt", "cue 12 (00:01:02,300)", "line 1 is 17.5 wide (max 16)")) \
        == "episode.srt: cue 12 (00:01:02,300): line 1 is 17.5 wide (max 16)"
    assert str(Violation("episode.srt", "", "starts with a UTF-8 BOM")) \
        == "episode.srt: starts with a UTF-8 BOM"


def test_rules_are_a_named_table() -> None:
    assert [name for name, _, _ in RULES] == [
        "manifest", "srt", "vtt", "text-matches-script", "mp3", "chapters", "description",
        "feed-identity", "cover", "artwork", "podcast-chapters", "upload", "video"]


LONG_LINE = "一二三四五六七八九十一二三四五六七A"  # 17 CJK + one Latin letter: 17.5 wide


def with_cue(n: int, cue: Cue, script: str) -> Spec:
    spec = Spec()
    spec.cues[n] = cue
    spec.script[n] = script
    return spec


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            with_cue(0, Cue(0, 2000, (LONG_LINE,)), LONG_LINE),
            ["episode.srt: cue 1 (00:00:00,000): line 1 is 17.5 wide (max 16)",
             "episode.vtt: cue 1 (00:00:00.000): line 1 is 17.5 wide (max 16)"],
            id="overlong line",
        ),
        pytest.param(
            with_cue(1, Cue(2000, 2500, ("我是大飛",)), "我是大飛"),
            ["episode.srt: cue 2 (00:00:02,000): lasts 0.500 s (min 0.833 s)",
             "episode.vtt: cue 2 (00:00:02.000): lasts 0.500 s (min 0.833 s)"],
            id="short cue",
        ),
        pytest.param(
            with_cue(1, Cue(1500, 4000, ("我是大飛",)), "我是大飛"),
            ["episode.srt: cue 2 (00:00:01,500): overlaps the previous cue by 500 ms",
             "episode.vtt: cue 2 (00:00:01.500): overlaps the previous cue by 500 ms"],
            id="overlap",
        ),
        pytest.param(
            with_cue(0, Cue(0, 1000, ("一二三四五六七八九十",)), "一二三四五六七八九十"),
            ["episode.srt: cue 1 (00:00:00,000): reading speed 10.0 chars/s (max 9)",
             "episode.vtt: cue 1 (00:00:00.000): reading speed 10.0 chars/s (max 9)"],
            id="fast reading",
        ),
        pytest.param(
            with_cue(1, Cue(2000, 4000, ("我是大飛。",)), "我是大飛。"),
            ["episode.srt: cue 2 (00:00:02,000): line 1 ends with '。'",
             "episode.vtt: cue 2 (00:00:02.000): line 1 ends with '。'"],
            id="full stop at line end",
        ),
        pytest.param(
            with_cue(2, Cue(30_500, 31_500, ("今天",)), "今天"),
            ["episode.srt: cue 3 (00:00:30,500): ends at 00:00:31,500, after the audio's end "
             "(00:00:31,000)",
             "episode.vtt: cue 3 (00:00:30.500): ends at 00:00:31.500, after the audio's end "
             "(00:00:31.000)"],
            id="past the audio",
        ),
        pytest.param(
            Spec(srt_prefix=b"\xef\xbb\xbf"), ["episode.srt: starts with a UTF-8 BOM"], id="BOM"
        ),
        pytest.param(
            Spec(vtt_text=to_vtt(CUES).replace("WEBVTT", "WEBVT")),
            ["episode.vtt: line 1: is not 'WEBVTT'"],
            id="bad VTT header",
        ),
        pytest.param(
            Spec(vtt_text=to_vtt(CUES).replace("WEBVTT\n\n", "WEBVTT\nKind: captions\n\n")),
            ["episode.vtt: line 2: is not blank after the WEBVTT header"],
            id="no blank line after VTT header",
        ),
        pytest.param(
            Spec(vtt_text=to_vtt(CUES).replace("我是大飛", "我是大飛 --> 二")),
            ["episode.vtt: cue 2 (00:00:02.000): text contains '-->'",
             "episode.vtt: cue 2 (00:00:02.000): differs from the SRT's"],
            id="arrow in VTT text",
        ),
        pytest.param(
            Spec(comment=False), ["episode.mp3: has no COMM frame (comment)"], id="missing COMM"
        ),
        pytest.param(
            Spec(chapters_txt="00:00 開場\n00:10 正文\n00:20 結尾\n"),
            ["chapters.txt: chapter 2: is '正文' at 00:10, the manifest has '正題' at 00:10"],
            id="chapters not matching",
        ),
        pytest.param(
            Spec(chapters_txt="00:01 開場\n00:10 正題\n00:20 結尾\n"),
            ["chapters.txt: chapter 1: starts at 00:01, not 00:00",
             "chapters.txt: chapter 1: lasts 9 s (min 10 s)",
             "chapters.txt: chapter 1: is '開場' at 00:01, the manifest has '開場' at 00:00"],
            id="first chapter not at 00:00",
        ),
        pytest.param(
            Spec(chapters_txt="00:00 開場\n00:10 正題\n"),
            ["chapters.txt: has 2 chapters (YouTube needs at least 3)",
             "chapters.txt: has 2 chapters, the manifest 3"],
            id="too few chapters",
        ),
        pytest.param(
            Spec(description="測試節目\n" + "長" * 1700),
            ["description.txt: is 5113 bytes (max 5000)"],
            id="description too long",
        ),
        pytest.param(
            Spec(description="測試<節目>\n\n一段描述。\n"),
            ["description.txt: title: contains '<'"],
            id="< in title",
        ),
        pytest.param(
            Spec(script=["大家好，這裡是最佳拍檔，", "我是小飛。", "今天聊聊OpenAI的GPT-4o？"]),
            ["episode.srt: cue 2 (00:00:02,000): shows '我是大飛' where the script has '我是小飛'"],
            id="text mismatch",
        ),
        pytest.param(
            Spec(script=["大家好，這裡是最佳拍檔，", "我是大飛。", "今天聊聊OpenAI的GPT-4o？再見"]),
            ["episode.srt: the cues end before the script: '再見' is not shown"],
            id="text missing at the end",
        ),
    ],
)
def test_each_violation_is_reported(
    tmp_path: Path, mp3s: dict[str, Path], spec: Spec, expected: list[str]
) -> None:
    assert problems(tmp_path, mp3s, spec) == expected


def test_a_too_loud_mp3(tmp_path: Path, mp3s: dict[str, Path]) -> None:
    # The loud tone is 0.7/0.224 = +9.9 dB louder than the good one: about -6.5 LUFS.
    found = problems(tmp_path, mp3s, Spec(mp3="loud"))
    assert len(found) == 1
    pattern = r"episode\.mp3: integrated loudness (-[\d.]+) LUFS \(target -16 ±1 LU\)"
    m = re.fullmatch(pattern, found[0])
    assert m and -7.3 <= float(m.group(1)) <= -5.7


def test_target_can_be_given(tmp_path: Path, mp3s: dict[str, Path]) -> None:
    folder = make_bundle(tmp_path / "out", mp3s, Spec())
    found = [str(v) for v in check_bundle(folder, target_lufs=-14.0)]
    assert len(found) == 1 and found[0].endswith("LUFS (target -14 ±1 LU)")


def test_a_corrupt_mp3_and_missing_files(tmp_path: Path, mp3s: dict[str, Path]) -> None:
    folder = make_bundle(tmp_path / "out", mp3s, Spec())
    data = (folder / "episode.mp3").read_bytes()
    # Garbage in the middle of the audio frames: ffmpeg decodes past it but complains.
    mid = len(data) // 2
    (folder / "episode.mp3").write_bytes(data[:mid] + b"\x00\xff" * 2000 + data[mid + 4000 :])
    (folder / "script.md").unlink()
    found = [str(v) for v in check_bundle(folder)]
    assert found[0] == "script.md: is missing"
    assert any(f.startswith("episode.mp3: does not decode cleanly: ") for f in found), found


def test_manifest_that_does_not_parse(tmp_path: Path, mp3s: dict[str, Path]) -> None:
    folder = make_bundle(tmp_path / "out", mp3s, Spec())
    (folder / "manifest.json").write_text("{not json", encoding="utf-8")
    found = [str(v) for v in check_bundle(folder)]
    assert found[0].startswith("manifest.json: does not parse: Expecting property name")


def test_manifest_missing_fields(tmp_path: Path, mp3s: dict[str, Path]) -> None:
    folder = make_bundle(tmp_path / "out", mp3s, Spec())
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["engine"]
    del manifest["segments"][1]["speaker"]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert [str(v) for v in check_bundle(folder)] == [
        "manifest.json: has no 'engine'", "manifest.json: segment 2: has no 'speaker'"]

"""The video stage on a short episode built offline once per module (`episode build --video`):
what ffmpeg finds in episode.mp4, what the picture shows where, the soft-subtitle variant, the
checker, and an interrupted render."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import srt

from episodekit.check import check_bundle
from episodekit.check.video import probe_and_decode
from episodekit.errors import InputError
from episodekit.fonts import FontError
from episodekit.media import ffmpeg_exe
from episodekit.video import VideoStyle, render_video
from episodekit.video.picture import (
    FRAME_AFTER_CHANGE_MS,
    MAX_FRAME_GAP_MS,
    Timed,
    ass_text,
    ass_time,
    frame_times,
)
from episodekit.video.style import StyleError
from tests.conftest import run_cli

SCRIPT = """---
title: 影片測試：字幕與章節
script: hant
summary: 一集很短的測試節目。
---

## 開場

大家好，這裡是最佳拍檔，我是大飛。今天我們做一個很短的測試。

這一段說完以後，會有一個停頓。

## 第二章：晶片

接下來，我們聊聊晶片和算力。這是第二章的內容。

最後，謝謝大家的收看，我們下期再見。
"""

SUBTITLE_BAND = (860, 1080)  # rows of the frame where the cues are drawn
CARD_BAND = (380, 700)  # rows of the chapter card


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run_cli(args, capsys)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """The bundle folder, and build --video's stdout and stderr."""
    folder = tmp_path_factory.mktemp("video") / "ep"
    folder.mkdir()
    (folder / "script.md").write_text(SCRIPT, encoding="utf-8")
    command = ["build", str(folder / "script.md"), "--engine", "offline", "--video"]
    result = subprocess.run(
        [sys.executable, "-m", "episodekit", *command], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return folder, result.stdout, result.stderr


def cues(folder: Path) -> list[srt.Subtitle]:
    return list(srt.parse((folder / "episode.srt").read_text(encoding="utf-8")))


def frame(video: Path, at_s: float) -> np.ndarray:
    """The picture shown at `at_s`, as 1080 rows of 1920 grey levels.

    A frame of this variable-frame-rate video starts at a change and lasts until the next, so
    `-ss t` alone would drop the frame on screen at t (it starts before t) and return the next
    one; the fps filter first turns the frames into a constant rate, then trim takes t."""
    before = min(at_s, 2.5)  # frames are at most MAX_FRAME_GAP_MS apart
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-ss", f"{at_s - before:.3f}", "-i", str(video),
         "-vf", f"fps=100,trim=start={before:.3f}", "-frames:v", "1",
         "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, check=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(1080, 1920).astype(int)


def band_difference(a: np.ndarray, b: np.ndarray, rows: tuple[int, int]) -> float:
    return float(np.abs(a[rows[0]:rows[1]] - b[rows[0]:rows[1]]).mean())


def test_build_video_reports_progress_and_the_file(built: tuple[Path, str, str]) -> None:
    folder, out, err = built
    assert (folder / "episode.mp4").is_file()
    assert f"wrote {folder / 'episode.mp4'}" in out
    assert "episode: video 0%" in err and "episode: video 100%" in err


def test_streams_decode_and_duration(built: tuple[Path, str, str]) -> None:
    folder, _, _ = built
    streams, duration_ms, errors, _ = probe_and_decode(folder / "episode.mp4")
    assert errors == []
    videos = [text for kind, text in streams if kind == "Video"]
    audios = [text for kind, text in streams if kind == "Audio"]
    assert len(videos) == 1 and len(audios) == 1
    assert videos[0].startswith("h264") and "yuv420p" in videos[0] and "1920x1080" in videos[0]
    assert audios[0].startswith("aac") and "48000 Hz" in audios[0]
    mp3 = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(folder / "episode.mp3")],
        capture_output=True, text=True, check=False,
    ).stderr
    h, m, s = re.search(r"Duration: (\d+):(\d+):([\d.]+)", mp3).groups()  # type: ignore[union-attr]
    mp3_ms = (int(h) * 3600 + int(m) * 60 + float(s)) * 1000
    assert duration_ms is not None
    assert abs(duration_ms - mp3_ms) <= 100


def test_mp4_has_chapters_and_title(built: tuple[Path, str, str]) -> None:
    folder, _, _ = built
    header = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(folder / "episode.mp4")],
        capture_output=True, text=True, check=False,
    ).stderr
    assert re.search(r"title\s+: 影片測試：字幕與章節", header)
    assert re.search(r"artist\s+: \S", header)
    assert re.search(r"title\s+: 第二章：晶片", header)
    assert len(re.findall(r"Chapter #0:\d+", header)) == 2


def test_a_cue_shows_in_the_subtitle_band_and_a_pause_does_not(
    built: tuple[Path, str, str],
) -> None:
    folder, _, _ = built
    subs = cues(folder)
    inside = subs[1].start.total_seconds() + 0.3
    gaps = [(a.end.total_seconds(), b.start.total_seconds()) for a, b in pairwise(subs)]
    pause_start, pause_end = max(gaps, key=lambda gap: gap[1] - gap[0])
    assert pause_end - pause_start >= 0.3, "the script has no pause between cues"
    video = folder / "episode.mp4"
    cue_frame, pause_frame = frame(video, inside), frame(video, (pause_start + pause_end) / 2)
    assert band_difference(cue_frame, pause_frame, SUBTITLE_BAND) > 2.0
    # The title at the top is drawn the same in both.
    assert band_difference(cue_frame, pause_frame, (0, 200)) < 0.5


def test_the_chapter_card_changes_at_a_chapter_start(built: tuple[Path, str, str]) -> None:
    folder, _, _ = built
    second = json.loads((folder / "manifest.json").read_text())["chapters"][1]["start_ms"] / 1000
    video = folder / "episode.mp4"
    before, after = frame(video, second - 0.4), frame(video, second + 0.4)
    assert band_difference(before, after, CARD_BAND) > 2.0


def test_episode_check_accepts_the_video(built: tuple[Path, str, str]) -> None:
    folder, _, _ = built
    assert [str(v) for v in check_bundle(folder)] == []


def test_soft_subtitles_carry_the_cues(
    built: tuple[Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "soft"
    shutil.copytree(built[0], folder)
    (folder / "episode.mp4").unlink()
    code, out, _ = run(["video", str(folder), "--soft-subtitles"], capsys)
    assert code == 0 and "subtitle track" in out
    streams, _, errors, _ = probe_and_decode(folder / "episode.mp4")
    assert errors == []
    assert [kind for kind, _ in streams].count("Subtitle") == 1
    header = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(folder / "episode.mp4")],
        capture_output=True, text=True, check=False,
    ).stderr
    assert re.search(r"Stream #0:\d+\[0x\d+\]\(zho\): Subtitle: mov_text", header)
    track = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(folder / "episode.mp4"), "-map", "0:s:0",
         "-f", "srt", "-"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert [s.content for s in srt.parse(track)] == [s.content for s in cues(folder)]
    assert check_bundle(folder) == []


def test_check_reports_a_broken_video(built: tuple[Path, str, str], tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(built[0], folder)
    data = (folder / "episode.mp4").read_bytes()
    (folder / "episode.mp4").write_bytes(data[: len(data) // 2])
    found = [str(v) for v in check_bundle(folder)]
    assert len(found) == 1 and found[0].startswith("episode.mp4: ")


def test_an_interrupted_render_leaves_no_video(
    built: tuple[Path, str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "interrupted"
    shutil.copytree(built[0], folder)
    (folder / "episode.mp4").unlink()

    def interrupt(done_s: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render_video(folder, on_progress=interrupt)
    assert sorted(p.name for p in folder.iterdir() if "mp4" in p.name) == []


def test_missing_bundle_file_is_one_line(
    built: tuple[Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "nosrt"
    shutil.copytree(built[0], folder)
    (folder / "episode.srt").unlink()
    code, _, err = run(["video", str(folder)], capsys)
    assert code == 1
    assert err == f"episode: {folder / 'episode.srt'}: missing: build the episode first\n"


# ---------------------------------------------------------------- the picture's plan


def test_frames_follow_the_changes() -> None:
    changes = [Timed(0, 3000, "開場"), Timed(250, 1234, "一"), Timed(1234, 1500, "二")]
    times = frame_times(changes, 6000)
    after = FRAME_AFTER_CHANGE_MS
    # Every change (rounded to the 10 ms ASS can time) gets a frame just after it; a long
    # stretch without change still gets a frame every MAX_FRAME_GAP_MS.
    assert times == [0, 250 + after, 1230 + after, 1500 + after, 3000 + after,
                     3000 + after + MAX_FRAME_GAP_MS]


def test_ass_text_is_literal() -> None:
    assert ass_text("a{\\b1}b\nc") == "a｛＼b1｝b\\Nc"
    assert ass_time(3_723_456) == "1:02:03.46"


def test_a_background_image_is_used(built: tuple[Path, str, str], tmp_path: Path) -> None:
    folder = tmp_path / "image"
    shutil.copytree(built[0], folder)
    picture = tmp_path / "bg.png"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=c=0xc04020:s=640x480",
         "-frames:v", "1", str(picture)],
        check=True,
    )
    render_video(folder, VideoStyle(background_image=picture))
    corner = frame(folder / "episode.mp4", 1.0)[0:40, 0:40].mean()
    plain = frame(built[0] / "episode.mp4", 1.0)[0:40, 0:40].mean()
    assert corner > plain + 30  # the orange image, not the dark default colour


def test_bad_style_values_are_one_line(built: tuple[Path, str, str], tmp_path: Path) -> None:
    with pytest.raises(StyleError, match=r"^video colour 'white': give it as #rrggbb"):
        render_video(built[0], VideoStyle(colour="white"))
    missing = tmp_path / "nope.png"
    with pytest.raises(InputError, match="background image not found"):
        render_video(built[0], VideoStyle(background_image=missing))
    with pytest.raises(FontError, match="cannot be used as a font"):
        render_video(built[0], VideoStyle(font=built[0] / "script.md"))
    assert (built[0] / "episode.mp4").is_file()  # the good video is left as it was


@pytest.mark.parametrize(
    ("ffmpeg_args", "expected"),
    [
        (["-c:v", "copy", "-af", "volume=-3dB", "-c:a", "aac", "-ar", "48000"],
         r"^episode\.mp4: audio: integrated loudness -1\d\.\d LUFS, episode\.mp3 -1\d\.\d LUFS"),
        (["-t", "5", "-c", "copy"], r"^episode\.mp4: lasts \d\.\d\d s, episode\.mp3 1\d\.\d\d s"),
        (["-vf", "scale=1280:720", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "copy"],
         r"^episode\.mp4: video: is h264 .*, 1280x720 \(must be H\.264 yuv420p 1920x1080\)"),
    ],
    ids=["quieter", "shorter", "smaller"],
)
def test_check_reports_a_video_unlike_the_mp3(
    built: tuple[Path, str, str], tmp_path: Path, ffmpeg_args: list[str], expected: str
) -> None:
    folder = tmp_path / "unlike"
    shutil.copytree(built[0], folder)
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(built[0] / "episode.mp4"), "-map", "0:v",
         "-map", "0:a", *ffmpeg_args, "-y", str(folder / "episode.mp4")],
        check=True,
    )
    found = [str(v) for v in check_bundle(folder)]
    # (Re-encoding the audio here also shifts the length a little: the rule is what matters.)
    assert any(re.match(expected, line) for line in found), found


def test_the_show_sets_the_style(
    built: tuple[Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "styled"
    shutil.copytree(built[0], folder)
    show = tmp_path / "show.toml"
    show.write_text(
        'name = "測試台"\nhost = "小明"\n\n[video]\nbackground_colour = "#c04020"\n'
        "font_size = 96\n",
        encoding="utf-8",
    )
    code, _, err = run(["video", str(folder), "--show", str(show)], capsys)
    assert code == 0, err
    styled, plain = frame(folder / "episode.mp4", 1.0), frame(built[0] / "episode.mp4", 1.0)
    assert styled[0:40, 0:40].mean() > plain[0:40, 0:40].mean() + 30  # the show's colour
    # A bigger subtitle takes more rows of the subtitle band than the default size does.
    assert text_rows(styled) > 1.3 * text_rows(plain) > 0


def text_rows(picture: np.ndarray) -> int:
    """How many rows of the subtitle band hold text (bright pixels on the dark picture)."""
    band = picture[SUBTITLE_BAND[0] - 100 : SUBTITLE_BAND[1]]
    background = np.median(band)
    return int((np.abs(band - background).max(axis=1) > 80).sum())


def test_ctrl_c_in_a_terminal_leaves_no_video(tmp_path: Path) -> None:
    """SIGINT to the whole process group, as a terminal sends it: ffmpeg and Python both get it
    mid-render (a ten-minute bundle renders for many seconds; the signal follows the first
    progress line), and nothing is left under episode.mp4 or as a temporary file."""
    folder = tmp_path / "long"
    folder.mkdir()
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=24000",
         "-t", "600", "-c:a", "libmp3lame", "-b:a", "32k", str(folder / "episode.mp3")],
        check=True,
    )
    cue_rows = [srt.Subtitle(i + 1, timedelta(seconds=2 * i), timedelta(seconds=2 * i + 1.5),
                             f"第{i + 1}句") for i in range(300)]
    (folder / "episode.srt").write_text(srt.compose(cue_rows), encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({
        "title": "長的", "duration_ms": 600_000,
        "chapters": [{"title": "開場", "start_ms": 0, "end_ms": 600_000}],
    }), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "episodekit", "video", str(folder)],
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    assert process.stderr is not None
    first = process.stderr.readline()
    assert first.startswith("episode: video 0%"), first
    os.killpg(process.pid, signal.SIGINT)
    rest = process.stderr.read()
    assert process.wait(timeout=60) == 130, rest
    assert sorted(p.name for p in folder.iterdir()) == ["episode.mp3", "episode.srt",
                                                         "manifest.json"]

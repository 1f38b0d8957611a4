"""Assembly against real ffmpeg: timeline arithmetic, the PCM join, and the mastered MP3 checked
by decoding it (duration, loudness, true peak, where the voice actually is)."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from episodekit.audio import ffmpeg
from episodekit.audio.mix import join_pcm, render_episode
from episodekit.audio.music import load_music
from episodekit.audio.timeline import chapter_marks, episode_length_ms, plan_timeline
from episodekit.errors import AudioError
from episodekit.media import measure_file
from episodekit.model import (
    ChapterMark,
    Music,
    PauseLevel,
    Pauses,
    Placement,
    Segment,
    Tags,
    VoiceSettings,
)
from tests.audio.id3_read import read_chapters

RATE = 24_000
VOICE = VoiceSettings(engine="offline", voice="cmn")


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE, channels: int = 1) -> Path:
    data = np.clip(np.rint(samples * 32767), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(data.tobytes())
    return path


def tone(ms: int, freq: float, amplitude: float = 0.3, dc: float = 0.0) -> np.ndarray:
    t = np.arange(ms * RATE // 1000) / RATE
    return (amplitude * np.sin(2 * np.pi * freq * t) + dc).astype(np.float32)


def speechlike(ms: int, seed: int) -> np.ndarray:
    """Noise shaped by a syllable-rate envelope: a crest factor like speech, so the limiter
    has work to do."""
    rng = np.random.default_rng(seed)
    n = ms * RATE // 1000
    t = np.arange(n) / RATE
    envelope = 0.3 + 0.7 * np.abs(np.sin(2 * np.pi * 2.5 * t)) ** 3
    carrier = rng.standard_normal(n) * 0.15 + np.sin(2 * np.pi * 180 * t) * 0.4
    return np.clip(envelope * carrier, -0.99, 0.99).astype(np.float32)


def segment(
    path: Path, index: int, duration_ms: int, chapter: int = 0,
    pause_after: PauseLevel = "sentence",
) -> Segment:
    return Segment(
        index=index, chapter=chapter, paragraph=index, speaker="narrator", text=f"第{index}句",
        spoken=f"第{index}句", audio=path, duration_ms=duration_ms, words=(), voice=VOICE,
        pause_after=pause_after,
    )


def make_segments(folder: Path, signals: list[np.ndarray], chapters: list[int]) -> list[Segment]:
    out = []
    for index, (signal, chapter) in enumerate(zip(signals, chapters, strict=True)):
        path = write_wav(folder / f"seg{index}.wav", signal)
        following = chapters[index + 1] if index + 1 < len(chapters) else None
        pause: PauseLevel = "chapter" if following not in (None, chapter) else "sentence"
        out.append(segment(path, index, len(signal) * 1000 // RATE, chapter, pause))
    return out


def decode(path: Path) -> np.ndarray:
    """The MP3 decoded by ffmpeg at 24 kHz mono, as float samples."""
    result = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
         "-ar", str(RATE), "-"],
        capture_output=True, check=True,
    )
    return np.frombuffer(result.stdout, dtype="<i2").astype(np.float32) / 32768


def decode_errors(path: Path) -> str:
    result = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True, check=False,
    )
    return result.stderr.decode() + ("" if result.returncode == 0 else "nonzero exit")


def onset_ms(samples: np.ndarray, around_ms: int, window_ms: int = 150) -> int:
    """Where the signal first rises above a fifth of its local peak, near `around_ms`."""
    lo = max(0, (around_ms - window_ms) * RATE // 1000)
    hi = (around_ms + window_ms) * RATE // 1000
    frame = np.abs(samples[lo:hi])
    above = np.nonzero(frame > 0.2 * frame.max())[0]
    return (lo + int(above[0])) * 1000 // RATE


# ---------------------------------------------------------------- timeline


def test_plan_timeline_puts_each_pause_level_between_segments(tmp_path: Path) -> None:
    levels: list[PauseLevel] = ["sentence", "paragraph", "chapter", "end"]
    segments = [segment(tmp_path / "x.wav", i, 1000 + i, pause_after=lv)
                for i, lv in enumerate(levels)]
    pauses = Pauses(sentence=250, paragraph=600, chapter=1200, lead_in=300, tail=800)
    placements = plan_timeline(segments, pauses)
    assert [p.start_ms for p in placements] == [
        300, 300 + 1000 + 250, 1550 + 1001 + 600, 3151 + 1002 + 1200,
    ]
    assert episode_length_ms(placements, pauses) == 5353 + 1003 + 800


def test_plan_timeline_offset_shifts_everything(tmp_path: Path) -> None:
    segments = [segment(tmp_path / "x.wav", i, 500) for i in range(3)]
    plain = plan_timeline(segments)
    shifted = plan_timeline(segments, offset_ms=4321)
    assert [p.start_ms - q.start_ms for p, q in zip(shifted, plain, strict=True)] == [4321] * 3
    assert episode_length_ms(shifted, outro_ms=2000) == shifted[-1].end_ms + Pauses().tail + 2000


def test_chapter_marks_first_at_zero_and_contiguous(tmp_path: Path) -> None:
    segments = [segment(tmp_path / "x.wav", i, 1000, chapter=c)
                for i, c in enumerate([0, 0, 1, 2, 2])]
    starts = [300, 1500, 2700, 4000, 5200]
    placements = [Placement(s, start) for s, start in zip(segments, starts, strict=True)]
    marks = chapter_marks(placements, ["開場", "第一章", "結尾"], total_ms=7000)
    assert marks == [
        ChapterMark("開場", 0, 2700),
        ChapterMark("第一章", 2700, 4000),
        ChapterMark("結尾", 4000, 7000),
    ]


# ---------------------------------------------------------------- the PCM join


def join_to_array(placements: list[Placement] | tuple[Placement, ...], total_ms: int,
                  music: object = None) -> np.ndarray:
    chunks: list[bytes] = []
    join_pcm(placements, total_ms, chunks.append, music=music)  # type: ignore[arg-type]
    return np.frombuffer(b"".join(chunks), dtype="<i2").astype(np.float32) / 32768


def test_join_is_sample_exact_and_has_no_clicks(tmp_path: Path) -> None:
    # DC-offset tones: without fades each join would jump by half of full scale.
    signals = [tone(700, 300, amplitude=0.1, dc=0.5) for _ in range(4)]
    segments = make_segments(tmp_path, signals, [0, 0, 1, 1])
    placements = plan_timeline(segments)
    total = episode_length_ms(placements)
    pcm = join_to_array(placements, total)
    assert len(pcm) == total * 24
    for placement, signal in zip(placements, signals, strict=True):
        start, end = placement.start_ms * 24, placement.end_ms * 24
        inner = slice(200, len(signal) - 200)  # past the 8 ms (192-sample) fades
        np.testing.assert_allclose(pcm[start:end][inner], signal[inner], atol=1 / 16000)
        assert not pcm[start - 48 : start].any() and not pcm[end : end + 48].any()
    assert pcm.max() > 0.55  # the plateau really is there
    assert np.abs(np.diff(pcm)).max() < 0.02


def test_join_cuts_or_pads_a_wav_to_its_duration(tmp_path: Path) -> None:
    long_path = write_wav(tmp_path / "long.wav", tone(1200, 200))
    short_path = write_wav(tmp_path / "short.wav", tone(300, 200))
    segments = [segment(long_path, 0, 1000), segment(short_path, 1, 500)]
    placements = plan_timeline(segments)
    pcm = join_to_array(placements, episode_length_ms(placements))
    first_end = placements[0].end_ms * 24
    assert not pcm[first_end : placements[1].start_ms * 24].any()  # cut at 1000 ms
    second = placements[1].start_ms * 24
    assert not pcm[second + 300 * 24 : second + 500 * 24].any()  # padded after 300 ms


def test_a_wav_in_the_wrong_format_is_an_audio_error(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "stereo16k.wav", np.zeros(3200), rate=16_000, channels=2)
    placements = plan_timeline([segment(path, 0, 100)])
    with pytest.raises(AudioError, match=r"stereo16k\.wav: expected mono 16-bit 24000 Hz"):
        join_to_array(placements, episode_length_ms(placements))


def test_a_missing_wav_is_an_audio_error(tmp_path: Path) -> None:
    placements = plan_timeline([segment(tmp_path / "gone.wav", 0, 100)])
    with pytest.raises(AudioError, match=r"gone\.wav: cannot read segment audio"):
        join_to_array(placements, episode_length_ms(placements))


# ---------------------------------------------------------------- music


def bed_level_db(pcm: np.ndarray, start_ms: int, end_ms: int, freq: float = 1000.0) -> float:
    """Level of the `freq` component in a stretch of the mix (the voice is at other pitches)."""
    part = pcm[start_ms * 24 : end_ms * 24].astype(np.float64)
    t = np.arange(len(part)) / RATE
    amplitude = 2 * abs(np.mean(part * np.exp(-2j * np.pi * freq * t)))
    return 20 * np.log10(amplitude)


def test_music_intro_shifts_voice_and_bed_ducks_under_it(tmp_path: Path) -> None:
    # The intro is a 44.1 kHz stereo file: it must come out 24 kHz mono and 1500 ms long.
    t = np.arange(int(1.5 * 44_100)) / 44_100
    intro = np.repeat(0.3 * np.sin(2 * np.pi * 600 * t), 2)
    intro_path = write_wav(tmp_path / "intro.wav", intro, rate=44_100, channels=2)
    bed_path = write_wav(tmp_path / "bed.wav", tone(700, 1000, amplitude=0.5))
    tracks = load_music(Music(intro=intro_path, bed=bed_path, bed_gain_db=-10, duck_db=12),
                        tmp_path / "work")
    assert tracks.intro_ms == 1500
    signals = [tone(2000, 200, amplitude=0.3) for _ in range(2)]
    segments = make_segments(tmp_path, signals, [0, 1])
    placements = plan_timeline(segments, offset_ms=tracks.intro_ms)
    assert placements[0].start_ms == 1500 + Pauses().lead_in
    total = episode_length_ms(placements)
    pcm = join_to_array(placements, total, music=tracks)
    assert len(pcm) == total * 24
    first, second = placements
    # The 1200 ms chapter pause is longer than the duck ramps: the bed is back at full level.
    gap = bed_level_db(pcm, first.end_ms + 400, second.start_ms - 400)
    under = bed_level_db(pcm, second.start_ms + 300, second.end_ms - 1200)
    assert gap == pytest.approx(20 * np.log10(0.5) - 10, abs=0.5)
    assert gap - under == pytest.approx(12, abs=0.5)
    assert bed_level_db(pcm, 200, 1300) < -60  # no bed under the intro


def test_render_with_intro_and_outro_lands_voice_where_placed(tmp_path: Path) -> None:
    intro_path = write_wav(tmp_path / "intro.wav", tone(1000, 600))
    outro_path = write_wav(tmp_path / "outro.wav", tone(1500, 700))
    tracks = load_music(Music(intro=intro_path, outro=outro_path), tmp_path / "work")
    segments = make_segments(tmp_path, [speechlike(2000, s) for s in range(3)], [0, 0, 1])
    placements = plan_timeline(segments, offset_ms=tracks.intro_ms)
    total = episode_length_ms(placements, outro_ms=tracks.outro_ms)
    out = tmp_path / "out" / "episode.mp3"
    render_episode(placements, out, total_ms=total, tags=Tags("t"), chapters=[],
                   work_dir=tmp_path / "work", music=tracks)
    audio = decode(out)
    assert abs(len(audio) * 1000 / RATE - total) <= 50
    for placement in placements:
        assert abs(onset_ms(audio, placement.start_ms) - placement.start_ms) <= 30


@pytest.mark.parametrize("which", ["intro", "bed"])
def test_a_missing_music_file_is_an_audio_error_naming_it(tmp_path: Path, which: str) -> None:
    music = Music(**{which: tmp_path / "nowhere" / "theme.mp3"})  # type: ignore[arg-type]
    with pytest.raises(AudioError, match=r"theme\.mp3: music file not found"):
        load_music(music, tmp_path / "work")


def test_an_undecodable_music_file_is_an_audio_error_naming_it(tmp_path: Path) -> None:
    bogus = tmp_path / "片頭.mp3"
    bogus.write_text("not audio at all", encoding="utf-8")
    with pytest.raises(AudioError, match=r"片頭\.mp3: cannot decode music file"):
        load_music(Music(intro=bogus), tmp_path / "work")


# ---------------------------------------------------------------- the mastered MP3


@pytest.mark.parametrize("target", [-16.0, -14.0])
def test_render_meets_loudness_duration_and_placement(tmp_path: Path, target: float) -> None:
    signals = [speechlike(1800, 1), tone(1500, 330, 0.05), speechlike(2200, 2), tone(900, 440)]
    segments = make_segments(tmp_path, signals, [0, 0, 1, 1])
    placements = plan_timeline(segments)
    total = episode_length_ms(placements)
    marks = chapter_marks(placements, ["開場", "正題"], total)
    out = tmp_path / "最佳拍檔" / "episode.mp3"
    report = render_episode(placements, out, total_ms=total, loudness=target,
                            tags=Tags("標題"), chapters=marks, work_dir=tmp_path / "work")

    assert decode_errors(out) == ""
    audio = decode(out)
    assert abs(len(audio) * 1000 / RATE - total) <= 50
    measured = measure_file(out)  # ebur128=peak=true on the decoded file
    assert measured.integrated_lufs == pytest.approx(target, abs=1.0)
    assert measured.true_peak_dbtp is not None and measured.true_peak_dbtp <= -1.0
    assert report.verified and report.duration_ms == total
    assert report.integrated_lufs == pytest.approx(measured.integrated_lufs, abs=0.2)
    assert report.true_peak_dbtp == pytest.approx(measured.true_peak_dbtp, abs=0.2)
    for placement in placements:
        assert abs(onset_ms(audio, placement.start_ms) - placement.start_ms) <= 30
    assert [m.title for m in read_chapters(out)] == ["開場", "正題"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["episode.mp3"]  # no temp left
    assert not list((tmp_path / "work").iterdir())


@pytest.mark.parametrize("target", [-16.0, -14.0])
def test_a_hot_input_is_limited_below_the_true_peak(tmp_path: Path, target: float) -> None:
    # Speech-like noise with sharp full-scale clicks: +1.2 dBTP at -18.4 LUFS, so reaching the
    # target by gain alone would put the peaks 3-6 dB over full scale.
    clicks = (np.arange(96_000) % 6000 < 24) * 0.99
    hot = np.clip(speechlike(4000, 7) * 0.5 + clicks, -0.99, 0.99).astype(np.float32)
    segments = make_segments(tmp_path, [hot], [0])
    before = measure_file(segments[0].audio)
    assert before.true_peak_dbtp is not None and before.true_peak_dbtp > 0
    assert before.true_peak_dbtp - before.integrated_lufs > 19  # peaks to loudness
    placements = plan_timeline(segments)
    out = tmp_path / "episode.mp3"
    render_episode(placements, out, total_ms=episode_length_ms(placements), loudness=target,
                   tags=Tags("t"), chapters=[], work_dir=tmp_path / "work")
    measured = measure_file(out)
    assert measured.true_peak_dbtp is not None and measured.true_peak_dbtp <= -1.0
    assert measured.integrated_lufs == pytest.approx(target, abs=1.0)


def test_a_failed_render_leaves_the_existing_episode_untouched(tmp_path: Path) -> None:
    out = tmp_path / "episode.mp3"
    out.write_bytes(b"previous episode")
    good = write_wav(tmp_path / "good.wav", tone(1000, 200))
    segments = [segment(good, 0, 1000), segment(tmp_path / "missing.wav", 1, 1000)]
    placements = plan_timeline(segments)
    with pytest.raises(AudioError, match=r"missing\.wav"):
        render_episode(placements, out, total_ms=episode_length_ms(placements),
                       tags=Tags("t"), chapters=[], work_dir=tmp_path / "work")
    assert out.read_bytes() == b"previous episode"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["episode.mp3", "good.wav", "work"]
    assert not list((tmp_path / "work").iterdir())


def test_render_without_verify_reports_predicted_values(tmp_path: Path) -> None:
    segments = make_segments(tmp_path, [speechlike(3500, 5)], [0])
    placements = plan_timeline(segments)
    out = tmp_path / "episode.mp3"
    report = render_episode(placements, out, total_ms=episode_length_ms(placements),
                            tags=Tags("t"), chapters=[], work_dir=tmp_path / "w", verify=False)
    assert not report.verified and report.attempts == 1
    # Predicted from the PCM measured through the limiter at two gains.
    assert report.integrated_lufs == pytest.approx(-16.0, abs=0.05)
    assert measure_file(out).integrated_lufs == pytest.approx(-16.0, abs=1.0)


def test_real_speech_lands_on_target_in_one_encode(tmp_path: Path) -> None:
    # eSpeak's speech is peaky: the limiter takes ~1.5 LU away. That is measured on the PCM
    # and made up before encoding, so one MP3 encode suffices (it took three before).
    from episodekit.speech.engines.offline import synthesize_sync

    text = "大家好，這裡是最佳拍檔，我是大飛。今天我們來聊一聊人工智能的發展，以及它對生活的影響。"
    wav = tmp_path / "speech.wav"
    synthesis = synthesize_sync(text, VoiceSettings("offline", "cmn"))
    wav.write_bytes(synthesis.wav)
    speech = Segment(
        index=0, chapter=0, paragraph=0, speaker="narrator", text=text, spoken=text, audio=wav,
        duration_ms=synthesis.duration_ms, words=synthesis.words, voice=VOICE, pause_after="end",
    )
    placements = plan_timeline([speech])
    out = tmp_path / "episode.mp3"
    report = render_episode(placements, out, total_ms=episode_length_ms(placements),
                            tags=Tags("t"), chapters=[], work_dir=tmp_path / "w")
    assert report.attempts == 1
    assert report.integrated_lufs == pytest.approx(-16.0, abs=0.5)
    assert report.true_peak_dbtp <= -1.0
    measured = measure_file(out)
    assert measured.integrated_lufs == pytest.approx(report.integrated_lufs, abs=0.05)

"""The offline engine against the real eSpeak NG library, and the audio helpers it uses."""

from __future__ import annotations

import asyncio
import io
import re
import unicodedata
import wave

import numpy as np
import pytest

from episodekit.errors import AudioError
from episodekit.media import decode_mp3, encode_mp3, read_wav, resample, wav_bytes
from episodekit.model import VoiceSettings
from episodekit.speech.engines import PermanentEngineError, Synthesis, get_engine
from episodekit.speech.engines.offline import OfflineEngine, list_offline_voices, synthesize_sync

MIXED = "OpenAI的CEO Sam Altman說，GPT-4o很快。"
MANDARIN = "大家好，這裡是最佳拍檔，我是大飛。今天我們來聊一聊人工智能的發展，以及它對生活的影響。"
CMN = VoiceSettings("offline", "cmn")


def speak(text: str, voice: VoiceSettings = CMN) -> Synthesis:
    return asyncio.run(OfflineEngine().synthesize(text, voice))


def spoken_chars(text: str) -> set[int]:
    return {i for i, c in enumerate(text) if unicodedata.category(c)[0] in "LN"}


def test_wav_is_mono_16bit_24khz_and_duration_matches_samples() -> None:
    result = speak(MIXED)
    with wave.open(io.BytesIO(result.wav)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 24000)
        frames = wav.getnframes()
    assert result.duration_ms == round(frames * 1000 / 24000)
    # 31 spoken characters of mixed text: seconds, not milliseconds or minutes.
    assert 1500 < result.duration_ms < 8000


def test_words_cover_every_spoken_character_in_order() -> None:
    result = speak(MIXED)
    covered: set[int] = set()
    previous_end_ms, previous_text_end = 0, 0
    for word in result.words:
        assert previous_text_end <= word.text_start < word.text_end <= len(MIXED)
        assert previous_end_ms <= word.start_ms <= word.end_ms <= result.duration_ms
        span = MIXED[word.text_start : word.text_end]
        assert span[0] not in "，。 -" and span[-1] not in "，。 -", span
        covered.update(range(word.text_start, word.text_end))
        previous_end_ms, previous_text_end = word.end_ms, word.text_end
    assert spoken_chars(MIXED) <= covered
    texts = [MIXED[w.text_start : w.text_end] for w in result.words]
    # Character positions, not UTF-8 byte offsets: the Latin words after CJK land exactly.
    assert {"Sam", "Altman", "說", "很", "快"} <= set(texts)


def test_word_times_line_up_with_speech_in_the_audio() -> None:
    result = speak(MANDARIN)
    samples, rate = read_wav(result.wav)
    x = samples.astype(np.float64)
    overall = np.sqrt(np.mean(x**2))

    def rms(start_ms: int, end_ms: int) -> float:
        part = x[start_ms * rate // 1000 : end_ms * rate // 1000]
        return float(np.sqrt(np.mean(part**2))) if len(part) else 0.0

    loud = [rms(w.start_ms, w.end_ms) > 0.25 * overall for w in result.words]
    assert sum(loud) >= 0.9 * len(loud)
    # The comma pauses fall between words, not inside them: the gap after 好 is quiet.
    hao = next(w for w in result.words if MANDARIN[w.text_start : w.text_end] == "好")
    following = result.words[result.words.index(hao) + 1]
    assert following.start_ms - hao.end_ms >= 30
    assert rms(hao.end_ms, following.start_ms) < 0.25 * overall


def test_default_rate_is_a_clear_mandarin_pace() -> None:
    result = speak(MANDARIN)
    cjk = len(re.findall(r"[\u4e00-\u9fff]", MANDARIN))
    per_second = cjk / (result.duration_ms / 1000)
    assert 4.5 <= per_second <= 6.0, per_second


def test_long_english_runs_are_slow_enough_to_subtitle() -> None:
    # Subtitles allow 9 characters a second, half-width letters counting half: eSpeak's English
    # at the Mandarin rate ran near 20 letters a second (seed 004), which no cue can show.
    text = "他提到了解綁(decoupling of idea and materialization of idea)這個想法。"
    result = speak(text)
    latin = [w for w in result.words if text[w.text_start].isascii()]
    assert [text[w.text_start : w.text_end] for w in latin] == [
        "decoupling", "of", "idea", "and", "materialization", "of", "idea"
    ]
    seconds = (latin[-1].end_ms - latin[0].start_ms) / 1000
    width = len("decoupling of idea and materialization of idea") * 0.5
    assert width / seconds <= 8.0


def test_faster_rate_is_shorter() -> None:
    fast = speak(MANDARIN, VoiceSettings("offline", "cmn", rate="+50%"))
    slow = speak(MANDARIN, VoiceSettings("offline", "cmn", rate="-30%"))
    assert fast.duration_ms < 0.7 * slow.duration_ms


def test_pitch_and_volume_change_the_audio() -> None:
    plain = read_wav(speak("你好").wav)[0].astype(np.float64)
    quiet = read_wav(speak("你好", VoiceSettings("offline", "cmn", volume="-50%")).wav)[0]
    assert np.abs(quiet).max() < 0.8 * np.abs(plain).max()
    higher = speak("你好", VoiceSettings("offline", "cmn", pitch="+20Hz")).wav
    assert higher != speak("你好").wav


def test_voice_variant_is_accepted() -> None:
    assert speak("你好", VoiceSettings("offline", "cmn+m3")).words


@pytest.mark.parametrize(
    ("voice", "message"),
    [
        (VoiceSettings("offline", "no-such-voice"), "unknown eSpeak voice 'no-such-voice'"),
        (VoiceSettings("offline", "cmn+nosuchvariant"), "variant 'cmn+nosuchvariant'"),
        (VoiceSettings("offline", "cmn", rate="fast"), "malformed rate 'fast'"),
        (VoiceSettings("offline", "cmn", pitch="+5%"), "malformed pitch '+5%'"),
    ],
)
def test_bad_voice_settings_are_permanent_errors(voice: VoiceSettings, message: str) -> None:
    with pytest.raises(PermanentEngineError, match=re.escape(message)):
        speak("你好", voice)


def test_same_text_gives_the_same_audio_whatever_was_spoken_before() -> None:
    # eSpeak's wave generator carries state from one synthesis to the next; each synthesis
    # runs in a freshly loaded library, so the history of a worker cannot change its audio.
    first = synthesize_sync(MANDARIN, CMN)
    synthesize_sync(MIXED, VoiceSettings("offline", "cmn", pitch="-8Hz", rate="+20%"))
    synthesize_sync("你好", CMN)
    again = synthesize_sync(MANDARIN, CMN)
    assert again.wav == first.wav
    assert again.words == first.words


def test_punctuation_only_text_gives_no_words() -> None:
    result = synthesize_sync("。，", CMN)
    assert result.words == ()


def test_lists_mandarin_voices_and_registers_as_offline() -> None:
    voices = list_offline_voices()
    assert "cmn" in voices and "yue" in voices
    assert "en" not in voices and "en" in list_offline_voices("")
    engine = get_engine("offline")
    assert isinstance(engine, OfflineEngine) and engine.id == "offline"
    asyncio.run(engine.probe())


# ---------------------------------------------------------------- media (shared audio helpers)


def test_resample_keeps_a_tone_and_its_timing() -> None:
    t = np.arange(22050) / 22050
    tone = 10000 * np.sin(2 * np.pi * 1000 * t)
    out = resample(tone, 22050, 24000)
    assert len(out) == 24000
    expected = 10000 * np.sin(2 * np.pi * 1000 * np.arange(24000) / 24000)
    error = out[100:-100] - expected[100:-100]
    assert np.sqrt(np.mean(error**2)) < 1e-3 * 10000


def test_resample_removes_nothing_but_passes_dc() -> None:
    out = resample(np.full(1000, 1234.0), 22050, 24000)
    # soxr's steep filter rings for a few milliseconds after the hard edges of this signal.
    assert np.allclose(out[100:-100], 1234.0, atol=0.01)
    assert resample(np.full(1000, 1234, dtype=np.int16), 22050, 24000).dtype == np.float64


def test_mp3_round_trip_and_wav_errors() -> None:
    tone = 8000 * np.sin(2 * np.pi * 440 * np.arange(24000) / 24000)
    mp3 = encode_mp3(wav_bytes(tone, 24000))
    assert 5500 <= len(mp3) <= 6600  # 48 kbit/s: 6000 bytes a second
    samples, rate = read_wav(decode_mp3(mp3))
    assert rate == 24000 and abs(len(samples) - 24000) < 24000 * 0.1
    with pytest.raises(AudioError, match="not a WAV file"):
        read_wav(b"RIFF nonsense")
    with pytest.raises(AudioError, match="ffmpeg failed"):
        decode_mp3(b"this is not an mp3")

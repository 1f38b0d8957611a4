"""The segment cache: keys, complete entries only, where it lives."""

from __future__ import annotations

from pathlib import Path

import pytest

from episodekit.model import VoiceSettings
from episodekit.speech.cache import SegmentCache, cache_key, default_cache_dir, resolve_cache_dir
from tests.fakes import speak

VOICE = VoiceSettings("offline", "cmn")


def test_key_depends_on_engine_voice_and_text() -> None:
    key = cache_key("offline", VOICE, "你好")
    assert key == cache_key("offline", VoiceSettings("offline", "cmn"), "你好")
    assert (
        len(
            {
                key,
                cache_key("edge", VOICE, "你好"),
                cache_key("offline", VoiceSettings("offline", "cmn", rate="+5%"), "你好"),
                cache_key("offline", VOICE, "你好。"),
            }
        )
        == 4
    )


def test_put_then_get_round_trips(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    synthesis = speak("大家好")
    key = cache_key("offline", VOICE, "大家好")
    assert cache.get(key) is None
    wav = cache.put(key, synthesis, engine="offline", voice=VOICE)
    assert wav == cache.path_for(key) == tmp_path / key[:2] / f"{key}.wav"
    assert cache.get(key) == synthesis
    assert wav.with_suffix(".json").is_file()
    assert not list(tmp_path.rglob("*.part"))


@pytest.mark.parametrize(
    "damage",
    [
        lambda wav: wav.with_suffix(".json").write_text("{not json", encoding="utf-8"),
        lambda wav: wav.with_suffix(".json").unlink(),  # killed between the two writes
        lambda wav: wav.unlink(),
        lambda wav: wav.write_bytes(wav.read_bytes()[:100]),  # truncated audio
        lambda wav: wav.write_bytes(b"JUNK" + wav.read_bytes()[4:]),
    ],
    ids=["corrupt-json", "no-json", "no-wav", "short-wav", "not-riff"],
)
def test_damaged_entry_is_a_miss_and_is_overwritten(tmp_path: Path, damage) -> None:
    cache = SegmentCache(tmp_path)
    key = cache_key("offline", VOICE, "測試")
    wav = cache.put(key, speak("測試"))
    damage(wav)
    assert cache.get(key) is None
    cache.put(key, speak("測試"))
    assert cache.get(key) == speak("測試")


def test_disabled_cache_reads_nothing_but_still_writes(tmp_path: Path) -> None:
    key = cache_key("offline", VOICE, "測試")
    SegmentCache(tmp_path).put(key, speak("測試"))
    off = SegmentCache(tmp_path, enabled=False)
    assert off.get(key) is None
    off.put(key, speak("測試"))
    assert SegmentCache(tmp_path).get(key) == speak("測試")


def test_cache_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EPISODEKIT_CACHE_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "env"
    assert resolve_cache_dir(tmp_path / "option") == tmp_path / "option"
    assert resolve_cache_dir(None) == tmp_path / "env"
    monkeypatch.delenv("EPISODEKIT_CACHE_DIR")
    assert default_cache_dir() == tmp_path / "xdg" / "episodekit"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "episodekit"

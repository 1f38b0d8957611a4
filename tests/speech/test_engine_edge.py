"""The edge engine: the real edge-tts client against the loopback Edge server (tests/edge_server.py)
and the pure pieces (word mapping, completeness check, service address)."""

from __future__ import annotations

import asyncio
import io
import itertools
import unicodedata
import wave
from typing import Any

import aiohttp
import edge_tts
import pytest

from episodekit.model import VoiceSettings, Word
from episodekit.speech.engines import (
    EngineUnavailable,
    PermanentEngineError,
    Synthesis,
    TransientEngineError,
    get_engine,
)
from episodekit.speech.engines.edge import (
    EdgeEngine,
    check_complete,
    list_edge_voices,
    map_words,
    service_url,
)
from tests.edge_server import EdgeTestServer, render

SENTENCE = "OpenAI的CEO Sam Altman說，GPT-4o很快。"
YUNXI = VoiceSettings("edge", "zh-CN-YunxiNeural")


def speak(text: str, voice: VoiceSettings = YUNXI, **options: Any) -> Synthesis:
    return asyncio.run(EdgeEngine(**options).synthesize(text, voice))


def spoken_chars(text: str) -> set[int]:
    return {i for i, c in enumerate(text) if unicodedata.category(c)[0] in "LN"}


# ---------------------------------------------------------------- against the loopback server


def test_sentence_gives_decoded_audio_and_words_covering_the_text(
    edge_server: EdgeTestServer,
) -> None:
    result = speak(SENTENCE)
    with wave.open(io.BytesIO(result.wav)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 24000)
        assert result.duration_ms == round(wav.getnframes() * 1000 / 24000)
    mp3_ms = len(render(SENTENCE).mp3) / 6  # 48 kbit/s CBR: 6 bytes a millisecond
    assert abs(result.duration_ms - mp3_ms) <= 0.03 * mp3_ms
    covered = {i for w in result.words for i in range(w.text_start, w.text_end)}
    assert spoken_chars(SENTENCE) <= covered
    served = [word for _, _, word in render(SENTENCE).words]
    assert [SENTENCE[w.text_start : w.text_end] for w in result.words] == served
    assert all(a.end_ms <= b.start_ms for a, b in itertools.pairwise(result.words))
    (request,) = edge_server.requests
    assert request.text == SENTENCE
    assert "zh-CN, YunxiNeural" in request.voice
    assert request.path_qs.startswith("/edge/v1?TrustedClientToken=test&ConnectionId=")


def test_prosody_reaches_the_service(edge_server: EdgeTestServer) -> None:
    speak("你好", VoiceSettings("edge", "zh-CN-YunxiNeural", rate="+10%", pitch="-5Hz"))
    assert "pitch='-5Hz' rate='+10%' volume='+0%'" in edge_server.requests[0].ssml


def test_markup_characters_are_spoken_as_text_not_escaped_twice(
    edge_server: EdgeTestServer,
) -> None:
    text = '<speak>&"quotes" 你好'
    result = speak(text)
    (request,) = edge_server.requests
    assert "&lt;speak&gt;&amp;" in request.ssml and "&amp;amp;" not in request.ssml
    assert request.text == text
    assert {text[w.text_start : w.text_end] for w in result.words} >= {"speak", "quotes"}


def test_a_single_403_is_retried_by_edge_tts_itself(edge_server: EdgeTestServer) -> None:
    edge_server.script_faults(["http403"])
    assert speak("你好").words
    assert edge_server.connections == ["http403", "ok"]


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        (["http403", "http403"], "HTTP 403"),
        (["http429"], "HTTP 429"),
        (["http503"], "HTTP 503"),
        (["drop"], "stream cut short"),
        (["noaudio"], "no audio received"),
        (["refuse", "refuse"], "Server disconnected"),
    ],
)
def test_service_faults_are_transient(
    edge_server: EdgeTestServer, faults: list[str], message: str
) -> None:
    edge_server.script_faults(faults)
    with pytest.raises(TransientEngineError, match=message):
        speak(SENTENCE)
    assert edge_server.connections == faults
    # The next request is answered normally again.
    assert speak("你好").words


def test_a_client_error_status_is_permanent(edge_server: EdgeTestServer) -> None:
    edge_server.script_faults(["http404"])
    with pytest.raises(PermanentEngineError, match="HTTP 404"):
        speak("你好")


def test_slow_answer_beyond_the_receive_timeout_is_transient(
    edge_server: EdgeTestServer,
) -> None:
    edge_server.script_faults(["slow:1500"])
    with pytest.raises(TransientEngineError, match=r"no answer within 0\.3 s"):
        speak("你好", receive_timeout=0.3)


def test_slow_answer_within_the_receive_timeout_succeeds(edge_server: EdgeTestServer) -> None:
    edge_server.script_faults(["slow:200"])
    assert speak("你好", receive_timeout=5).words


def test_closed_port_fails_synthesize_and_probe() -> None:
    # conftest points EPISODEKIT_EDGE_URL at 127.0.0.1:9, where nothing listens.
    with pytest.raises(TransientEngineError, match=r"cannot connect to ws://127\.0\.0\.1:9/"):
        speak("你好")
    with pytest.raises(EngineUnavailable, match="voice service unreachable"):
        asyncio.run(EdgeEngine().probe())


@pytest.mark.parametrize("fault", ["http503", "drop", "noaudio"])
def test_probe_counts_a_transient_answer_as_reachable(
    edge_server: EdgeTestServer, fault: str
) -> None:
    # The service answered, badly: the build should go on with edge and let its per-segment
    # retries deal with it, not switch the whole episode to another voice.
    edge_server.script_faults([fault, fault])
    asyncio.run(EdgeEngine().probe())
    assert edge_server.connections[0] == fault


def test_stopped_server_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    with EdgeTestServer() as server:
        monkeypatch.setenv("EPISODEKIT_EDGE_URL", server.url)
        asyncio.run(get_engine("edge").probe())
    with pytest.raises(EngineUnavailable):
        asyncio.run(EdgeEngine().probe())


def test_malformed_settings_are_permanent(edge_server: EdgeTestServer) -> None:
    with pytest.raises(PermanentEngineError, match="rate"):
        speak("你好", VoiceSettings("edge", "zh-CN-YunxiNeural", rate="fast"))
    assert edge_server.connections == []


# ---------------------------------------------------------------- service address


@pytest.mark.parametrize(
    ("configured", "used"),
    [
        ("ws://127.0.0.1:1/edge/v1?X=1", "ws://127.0.0.1:1/edge/v1?X=1"),
        ("ws://127.0.0.1:1/edge/v1", "ws://127.0.0.1:1/edge/v1?TrustedClientToken="),
        ("", "wss://speech.platform.bing.com/"),
    ],
)
def test_service_url(monkeypatch: pytest.MonkeyPatch, configured: str, used: str) -> None:
    monkeypatch.setenv("EPISODEKIT_EDGE_URL", configured)
    assert service_url().startswith(used)


def test_service_url_must_be_a_websocket(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EPISODEKIT_EDGE_URL", "http://example.com/x?y=1")
    with pytest.raises(PermanentEngineError, match="must be a ws:// or wss:// URL"):
        speak("你好")


# ---------------------------------------------------------------- word mapping


def ticks(ms: int) -> int:
    return ms * 10_000


def test_map_words_converts_ticks_and_skips_punctuation() -> None:
    text = "你好，世界！"
    words = map_words(text, [(ticks(100), ticks(300), "你好"), (ticks(600), ticks(400), "世界")])
    assert words == (Word(100, 400, 0, 2), Word(600, 1000, 3, 5))


def test_map_words_tolerates_width_and_case_changes() -> None:
    text = "ＧＰＴ４ｏ和OpenAI"
    words = map_words(text, [(0, ticks(100), "gpt4o"), (ticks(100), ticks(50), "和"),
                             (ticks(150), ticks(100), "OPENAI")])
    assert [text[w.text_start : w.text_end] for w in words] == ["ＧＰＴ４ｏ", "和", "OpenAI"]


def test_map_words_places_an_unknown_word_and_keeps_going() -> None:
    text = "今天2024年很好"
    words = map_words(text, [(0, ticks(100), "今天"), (ticks(100), ticks(300), "二零二四"),
                             (ticks(400), ticks(100), "年"), (ticks(500), ticks(100), "很好")])
    spans = [text[w.text_start : w.text_end] for w in words]
    assert spans[0] == "今天" and spans[-1] == "很好"
    assert spans[1].startswith("2024")
    assert all(a.text_end <= b.text_start for a, b in itertools.pairwise(words))


def test_map_words_never_overlaps_in_time() -> None:
    words = map_words("一二", [(ticks(100), ticks(300), "一"), (ticks(200), ticks(300), "二")])
    assert words[1].start_ms == words[0].end_ms == 400


def test_check_complete() -> None:
    text = "你好，世界。"
    whole = (Word(0, 300, 0, 2), Word(400, 700, 3, 5))
    check_complete(text, whole, 800)
    check_complete("。。", (), 0)
    with pytest.raises(TransientEngineError, match="word timings stop at character 2 of 5"):
        check_complete(text, whole[:1], 800)
    with pytest.raises(TransientEngineError, match="audio ends at 500 ms"):
        check_complete(text, whole, 500)


# ---------------------------------------------------------------- voice list


def test_list_edge_voices_filters_and_sorts(monkeypatch: pytest.MonkeyPatch) -> None:
    async def fake_list_voices() -> list[dict[str, str]]:
        return [{"ShortName": "zh-TW-YunJheNeural", "Locale": "zh-TW"},
                {"ShortName": "en-US-EmmaNeural", "Locale": "en-US"},
                {"ShortName": "zh-CN-YunxiNeural", "Locale": "zh-CN"}]

    monkeypatch.setattr(edge_tts, "list_voices", fake_list_voices)
    monkeypatch.delenv("EPISODEKIT_EDGE_URL")  # the list exists only on the real service
    names = [v["ShortName"] for v in asyncio.run(list_edge_voices("zh"))]
    assert names == ["zh-CN-YunxiNeural", "zh-TW-YunJheNeural"]


def test_voice_list_is_not_fetched_from_microsoft_when_another_service_is_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Issue 15 #6: with the service at a loopback address, a profile naming an unknown voice
    # made the build ask Microsoft's host for the voice list (a DNS query left the machine).
    asked: list[str] = []

    async def fake_list_voices() -> list[dict[str, str]]:
        asked.append("list")
        return []

    monkeypatch.setattr(edge_tts, "list_voices", fake_list_voices)
    with pytest.raises(EngineUnavailable, match="not Microsoft's service"):
        asyncio.run(list_edge_voices("zh"))
    assert asked == []


def test_list_edge_voices_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    async def offline() -> list[dict[str, str]]:
        raise aiohttp.ClientConnectionError("no route")

    monkeypatch.setattr(edge_tts, "list_voices", offline)
    monkeypatch.delenv("EPISODEKIT_EDGE_URL")
    with pytest.raises(EngineUnavailable, match="voice list unreachable: no route"):
        asyncio.run(list_edge_voices("zh"))

"""The loopback Edge server itself, spoken to with a raw websocket client, so the engine tests
rest on a server that really follows the protocol."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field

import aiohttp
import pytest

from episodekit.media import decode_mp3, read_wav
from tests.conftest import ROOT
from tests.edge_server import EdgeTestServer

TEXT = "大家好，這裡是最佳拍檔，我是大飛。"
SSML = (
    "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang='en-US'>"
    "<voice name='Microsoft Server Speech Text to Speech Voice (zh-CN, YunxiNeural)'>"
    "<prosody pitch='+0Hz' rate='+0%' volume='+0%'>{}</prosody></voice></speak>"
)


@dataclass
class Answer:
    paths: list[str] = field(default_factory=list)  # every frame's Path, in order
    audio: bytearray = field(default_factory=bytearray)
    chunk_sizes: list[int] = field(default_factory=list)
    boundaries: list[dict] = field(default_factory=list)


def headers(block: str) -> dict[str, str]:
    return dict(line.split(":", 1) for line in block.split("\r\n") if line)


async def converse(url: str, text: str) -> Answer:
    answer = Answer()
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        await ws.send_str("Path:speech.config\r\n\r\n{}")
        await ws.send_str(f"X-RequestId:1\r\nPath:ssml\r\n\r\n{SSML.format(text)}")
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                head, _, body = message.data.partition("\r\n\r\n")
                path = headers(head)["Path"]
                answer.paths.append(path)
                if path == "audio.metadata":
                    answer.boundaries.extend(json.loads(body)["Metadata"])
            elif message.type == aiohttp.WSMsgType.BINARY:
                size = int.from_bytes(message.data[:2], "big")
                head = headers(message.data[2 : 2 + size].decode())
                answer.paths.append(head["Path"])
                assert head["Content-Type"] == "audio/mpeg"
                answer.audio += message.data[2 + size :]
                answer.chunk_sizes.append(len(message.data) - 2 - size)
    return answer


def test_answers_real_mp3_in_chunks_with_word_boundaries(edge_server: EdgeTestServer) -> None:
    answer = asyncio.run(converse(edge_server.url.replace("/edge/v1", "/any/path"), TEXT))
    assert answer.paths[0] == "turn.start" and answer.paths[-1] == "turn.end"
    assert len(answer.chunk_sizes) >= 2 and max(answer.chunk_sizes) <= 4096
    samples, rate = read_wav(decode_mp3(bytes(answer.audio)))
    assert rate == 24000
    mp3_ms = len(answer.audio) / 6  # 48 kbit/s constant bitrate
    assert abs(len(samples) / 24 - mp3_ms) < 0.05 * mp3_ms
    words = [b["Data"]["text"]["Text"] for b in answer.boundaries]
    assert all(b["Type"] == "WordBoundary" for b in answer.boundaries)
    assert "".join(words) == TEXT.replace("，", "").replace("。", "")
    offsets = [b["Data"]["Offset"] for b in answer.boundaries]
    assert offsets == sorted(offsets)
    last = answer.boundaries[-1]["Data"]
    assert (last["Offset"] + last["Duration"]) / 10_000 <= mp3_ms
    assert edge_server.requests[0].text == TEXT
    assert edge_server.requests[0].voice.endswith("(zh-CN, YunxiNeural)")


def test_drop_closes_mid_stream_without_turn_end(edge_server: EdgeTestServer) -> None:
    whole = asyncio.run(converse(edge_server.url, TEXT))
    edge_server.script_faults(["drop"])
    cut = asyncio.run(converse(edge_server.url, TEXT))
    assert "turn.end" not in cut.paths and cut.paths[0] == "turn.start"
    assert 0 < len(cut.audio) < len(whole.audio)


def test_noaudio_sends_turn_start_and_end_only(edge_server: EdgeTestServer) -> None:
    edge_server.script_faults(["noaudio"])
    answer = asyncio.run(converse(edge_server.url, TEXT))
    assert answer.paths == ["turn.start", "turn.end"]


def test_scripted_faults_come_in_order_then_always(edge_server: EdgeTestServer) -> None:
    edge_server.script_faults(["http503", "http429"])
    edge_server.always("noaudio")
    for status in (503, 429):
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            asyncio.run(converse(edge_server.url, TEXT))
        assert caught.value.status == status
    assert asyncio.run(converse(edge_server.url, TEXT)).paths == ["turn.start", "turn.end"]
    assert edge_server.connections == ["http503", "http429", "noaudio"]


def test_unknown_fault_is_refused(edge_server: EdgeTestServer) -> None:
    with pytest.raises(ValueError, match="unknown fault 'explode'"):
        edge_server.script_faults(["explode"])


def test_stop_closes_the_port() -> None:
    server = EdgeTestServer().start()
    url = server.url
    server.stop()
    with pytest.raises(aiohttp.ClientConnectorError):
        asyncio.run(converse(url, TEXT))


def test_cli_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.edge_server", "--port", "0", "--fault", "noaudio"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("ws://127.0.0.1:") and url.endswith("?TrustedClientToken=test")
        assert asyncio.run(converse(url, TEXT)).paths == ["turn.start", "turn.end"]
        assert asyncio.run(converse(url, "你好")).paths[-1] == "turn.end"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0

"""A loopback server speaking the Edge read-aloud websocket protocol, for tests and benchmarks.

It answers the real edge-tts client the way the service does (turn.start, audio frames with
a 2-byte header length, audio.metadata WordBoundary frames in 100 ns ticks, turn.end) with
REAL audio: the SSML's text spoken by the offline eSpeak engine and encoded as 24 kHz mono
48 kbit/s CBR MP3, the service's own format. Faults are scripted per request:

    ok         answer normally
    refuse     drop the TCP connection before answering the handshake
    http403 / http429 / http503 (any httpNNN)   reject the websocket handshake with that status
    drop       turn.start and part of the audio, then close without turn.end
    noaudio    turn.start then turn.end, no audio
    slow:<ms>  wait that long after the request, then answer normally

Use:  with EdgeTestServer() as server: server.script_faults(["http503", "ok"]); server.url
CLI:  python -m tests.edge_server --port 8765 [--delay-ms 300] [--fault drop --fault ok ...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from xml.sax.saxutils import unescape

import pytest
from aiohttp import WSMsgType, web

from episodekit.media import encode_mp3
from episodekit.model import VoiceSettings
from episodekit.speech.engines.offline import synthesize_sync
from tests.loopback import HOST, LoopbackServer

CHUNK_BYTES = 4096
TICKS_PER_MS = 10_000
MP3_BYTES_PER_MS = 6  # 48 kbit/s
FAULT = re.compile(r"^(ok|refuse|drop|noaudio|http[1-5]\d\d|slow:\d+)$")
PROSODY = re.compile(r"<prosody[^>]*>(.*)</prosody>", re.DOTALL)
VOICE = re.compile(r"<voice name='([^']*)'>")


@dataclass(frozen=True)
class EdgeRequest:
    """What one connection asked for, and the fault it was answered with."""

    text: str  # the SSML's text, unescaped: what the client meant to have spoken
    voice: str
    ssml: str
    path_qs: str
    fault: str


@dataclass(frozen=True)
class _Rendered:
    mp3: bytes
    words: tuple[tuple[int, int, str], ...]  # (offset ticks, duration ticks, word text)


_RENDERED: dict[str, _Rendered] = {}
_RENDER_LOCK = threading.Lock()


def render(text: str) -> _Rendered:
    """The MP3 and word boundaries for `text`, memoized for the whole process."""
    with _RENDER_LOCK:
        if text in _RENDERED:
            return _RENDERED[text]
    speech = synthesize_sync(text, VoiceSettings("offline", "cmn"))
    words = tuple(
        (w.start_ms * TICKS_PER_MS, (w.end_ms - w.start_ms) * TICKS_PER_MS,
         text[w.text_start : w.text_end])
        for w in speech.words
    )
    rendered = _Rendered(encode_mp3(speech.wav), words)
    with _RENDER_LOCK:
        _RENDERED[text] = rendered
    return rendered


def _text_frame(request_id: str, path: str, body: str) -> str:
    return (
        f"X-RequestId:{request_id}\r\nContent-Type:application/json; charset=utf-8\r\n"
        f"Path:{path}\r\n\r\n{body}"
    )


def _audio_frame(request_id: str, data: bytes) -> bytes:
    header = f"X-RequestId:{request_id}\r\nContent-Type:audio/mpeg\r\nPath:audio\r\n".encode()
    return len(header).to_bytes(2, "big") + header + data


def _metadata(offset: int, duration: int, word: str) -> str:
    return json.dumps(
        {"Metadata": [{"Type": "WordBoundary", "Data": {
            "Offset": offset, "Duration": duration,
            "text": {"Text": word, "Length": len(word), "BoundaryType": "WordBoundary"},
        }}]},
        ensure_ascii=False,
    )


class EdgeTestServer(LoopbackServer):
    """The server, running its own event loop in a background thread."""

    thread_name = "edge-test-server"

    def __init__(self, port: int = 0, delay_ms: int = 0, chunk_bytes: int = CHUNK_BYTES) -> None:
        super().__init__(port, _check)
        self.delay_ms = delay_ms
        self.chunk_bytes = chunk_bytes
        self.requests: list[EdgeRequest] = []  # connections that got as far as sending SSML
        self.connections: list[str] = []  # the fault each handshake met, in order

    # ------------------------------------------------------------ control (any thread)

    @property
    def url(self) -> str:
        return f"ws://{HOST}:{self.port}/edge/v1?TrustedClientToken=test"

    # ------------------------------------------------------------ serving (server thread)

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_route("GET", "/{tail:.*}", self._handle)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        fault = self._next_fault()
        with self._lock:
            self.connections.append(fault)
        if fault == "refuse":
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=503)
        if fault.startswith("http"):
            return web.Response(status=int(fault[4:]), text=f"scripted {fault}")
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        ssml = await _read_ssml(ws)
        if ssml is None:
            return ws
        text = unescape(m.group(1)) if (m := PROSODY.search(ssml)) else ""
        voice = m.group(1) if (m := VOICE.search(ssml)) else ""
        with self._lock:
            self.requests.append(EdgeRequest(text, voice, ssml, request.path_qs, fault))
        delay = self.delay_ms + (int(fault[5:]) if fault.startswith("slow:") else 0)
        if delay:
            await asyncio.sleep(delay / 1000)
        # The client may have given up (its receive timeout): then there is no one to answer.
        with contextlib.suppress(ConnectionResetError):
            await self._answer(ws, text, fault)
        return ws

    async def _answer(self, ws: web.WebSocketResponse, text: str, fault: str) -> None:
        request_id = uuid.uuid4().hex
        await ws.send_str(_text_frame(request_id, "turn.start", '{"context":{}}'))
        # Like the service: punctuation-only text gets no audio.
        if fault != "noaudio" and any(c.isalnum() for c in text):
            rendered = await asyncio.to_thread(render, text)
            audio = rendered.mp3[: len(rendered.mp3) // 2] if fault == "drop" else rendered.mp3
            words = list(rendered.words)
            for begin in range(0, len(audio), self.chunk_bytes):
                # Each word's timing goes out just before the audio that holds its start.
                until_ms = (begin + self.chunk_bytes) / MP3_BYTES_PER_MS
                while words and words[0][0] / TICKS_PER_MS < until_ms:
                    await ws.send_str(_text_frame(request_id, "audio.metadata",
                                                  _metadata(*words.pop(0))))
                chunk = audio[begin : begin + self.chunk_bytes]
                await ws.send_bytes(_audio_frame(request_id, chunk))
            if fault == "drop":
                await ws.close()
                return
            for word in words:
                await ws.send_str(_text_frame(request_id, "audio.metadata", _metadata(*word)))
        await ws.send_str(_text_frame(request_id, "turn.end", "{}"))
        await ws.close()


async def _read_ssml(ws: web.WebSocketResponse) -> str | None:
    """Read the client's speech.config and ssml messages; the SSML, or None if it hung up."""
    async for message in ws:
        if message.type != WSMsgType.TEXT:
            continue
        head, _, body = message.data.partition("\r\n\r\n")
        if "Path:ssml" in head:
            return body
    return None


def _check(fault: str) -> None:
    if not FAULT.match(fault):
        raise ValueError(f"unknown fault {fault!r}; expected {FAULT.pattern}")


@pytest.fixture
def edge_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[EdgeTestServer]:
    """A running EdgeTestServer with EPISODEKIT_EDGE_URL pointing at it."""
    with EdgeTestServer() as server:
        monkeypatch.setenv("EPISODEKIT_EDGE_URL", server.url)
        yield server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.edge_server", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay-ms", type=int, default=0, help="latency added to every answer")
    parser.add_argument("--fault", action="append", default=[], help="scripted, in order")
    parser.add_argument("--always", default="ok", help="behaviour after the scripted faults")
    args = parser.parse_args(argv)
    server = EdgeTestServer(port=args.port, delay_ms=args.delay_ms)
    server.script_faults(args.fault)
    server.always(args.always)
    server.start()
    print(server.url, flush=True)
    print(f"EPISODEKIT_EDGE_URL='{server.url}' episode build ... --engine edge", flush=True)
    server.serve_until_interrupted()


if __name__ == "__main__":
    main()

"""The online engine: Microsoft Edge's read-aloud service through edge-tts 7.x.

The service answers 24 kHz mono MP3 and, with boundary="WordBoundary", one timing per word
(100 ns ticks; for zh-CN words, without punctuation). We decode the MP3 to WAV with ffmpeg and
map each timed word back onto the text we were given.
"""

from __future__ import annotations

import asyncio
import bisect
import os
import unicodedata
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import edge_tts
import edge_tts.communicate
from edge_tts.exceptions import EdgeTTSException, NoAudioReceived

from episodekit.errors import AudioError
from episodekit.media import decode_mp3, read_wav
from episodekit.model import SAMPLE_RATE, VoiceSettings, Word
from episodekit.speech.engines import (
    EngineUnavailable,
    PermanentEngineError,
    Synthesis,
    TransientEngineError,
)
from episodekit.text import is_spoken, spoken_span

URL_ENV = "EPISODEKIT_EDGE_URL"
DEFAULT_URL = edge_tts.constants.WSS_URL
TOKEN = edge_tts.constants.TRUSTED_CLIENT_TOKEN
TICKS_PER_MS = 10_000
CONNECT_TIMEOUT_S = 10
RECEIVE_TIMEOUT_S = 60
PROBE_TEXT = "你好"
PROBE_VOICE = "zh-CN-YunxiNeural"

# The statuses worth another try: clock skew (403), rate limiting (429), server trouble (5xx).
_TRANSIENT_STATUSES = frozenset({403, 408, 429})


def service_url() -> str:
    """The websocket address to use: $EPISODEKIT_EDGE_URL if set, else the real service.

    edge-tts appends `&ConnectionId=...` itself, so the address must already carry a query.
    """
    url = os.environ.get(URL_ENV, "").strip() or DEFAULT_URL
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        raise PermanentEngineError(
            f"{URL_ENV}={url!r}: the voice service address must be a ws:// or wss:// URL"
        )
    if not parts.query:
        url = f"{url}?TrustedClientToken={TOKEN}"
    return url


def uses_real_service() -> bool:
    """Is the configured address Microsoft's own service? (A loopback test server or a proxy
    is not: the voice list, which edge-tts always fetches from Microsoft, is then skipped.)"""
    configured = os.environ.get(URL_ENV, "").strip() or DEFAULT_URL
    return urlsplit(configured).netloc == urlsplit(DEFAULT_URL).netloc


def shown_url() -> str:
    """The configured address without its query (the token), as messages show it."""
    parts = urlsplit(os.environ.get(URL_ENV, "").strip() or DEFAULT_URL)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _use_url(url: str) -> None:
    # edge-tts reads this module global when it connects. Every task of a run reads the same
    # environment, so concurrent syntheses all write the same value before they connect.
    edge_tts.communicate.WSS_URL = url



def _normalized(text: str) -> tuple[str, list[int]]:
    """`text` folded for matching (NFKC, casefolded) and, per folded character, the index of
    the original character it came from."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = unicodedata.normalize("NFKC", char).casefold()
        folded.append(piece)
        origin.extend([index] * len(piece))
    return "".join(folded), origin


def map_words(text: str, boundaries: list[tuple[int, int, str]]) -> tuple[Word, ...]:
    """Place the service's (offset ticks, duration ticks, word) boundaries onto `text`.

    Each word is searched for forward from the previous one's end, tolerant of width and
    case; a word that cannot be found takes the next characters of the text, so one odd word
    never shifts or breaks the rest.
    """
    folded, origin = _normalized(text)
    origin.append(len(text))
    cursor = 0  # in folded characters
    words: list[Word] = []
    for offset, duration, word in boundaries:
        needle = "".join(unicodedata.normalize("NFKC", c).casefold() for c in word).strip()
        if not needle:
            continue
        found = folded.find(needle, cursor)
        if found >= 0:
            start, end = origin[found], origin[found + len(needle)]
            cursor = found + len(needle)
        else:
            start = origin[min(cursor, len(folded))]
            while start < len(text) and not is_spoken(text[start]):
                start += 1
            end = min(len(text), start + len(word))
            cursor = bisect.bisect_left(origin, end, 0, len(folded))
        start, end = spoken_span(text, start, end)
        if start == end:
            continue
        start_ms = round(offset / TICKS_PER_MS)
        end_ms = round((offset + duration) / TICKS_PER_MS)
        if words:
            start_ms = max(start_ms, words[-1].end_ms)
        words.append(Word(start_ms, max(end_ms, start_ms), start, end))
    return tuple(words)


def check_complete(text: str, words: tuple[Word, ...], duration_ms: int) -> None:
    """Raise TransientEngineError unless the timings reach the text's last spoken character
    and the audio lasts past the last word: a stream closed mid-way ends without an error."""
    last = max((i for i, char in enumerate(text) if is_spoken(char)), default=-1)
    if last < 0:
        return
    if not words or words[-1].text_end <= last:
        reached = words[-1].text_end if words else 0
        raise TransientEngineError(
            f"stream cut short: word timings stop at character {reached} of {last + 1}"
        )
    if duration_ms < words[-1].end_ms:
        raise TransientEngineError(
            f"stream cut short: audio ends at {duration_ms} ms, "
            f"before the last word ends at {words[-1].end_ms} ms"
        )


async def _chunks(
    communicate: edge_tts.Communicate, idle_timeout: float
) -> AsyncIterator[dict[str, Any]]:
    """communicate.stream() with a limit on the wait for each chunk. aiohttp drops the read
    timeout once a websocket is open, so without this a stalled service hangs forever."""
    stream = communicate.stream()
    try:
        while True:
            try:
                chunk = await asyncio.wait_for(stream.__anext__(), idle_timeout)
            except StopAsyncIteration:
                return
            yield dict(chunk)
    finally:
        await stream.aclose()


def _reason(error: aiohttp.ClientConnectorError) -> str:
    # str(error) drags in the SSL context's repr; the OS reason is what a user needs.
    return error.os_error.strerror or str(error.os_error)


def _transient_status(status: int) -> bool:
    return status in _TRANSIENT_STATUSES or status >= 500


class EdgeEngine:
    """The Edge read-aloud service. `receive_timeout` is the longest wait, in seconds, for the
    next piece of an answer; the service can take 90-150 s when degraded."""

    id = "edge"
    default_jobs = 8
    max_jobs = 16

    def __init__(
        self,
        *,
        connect_timeout: int = CONNECT_TIMEOUT_S,
        receive_timeout: float = RECEIVE_TIMEOUT_S,
    ) -> None:
        self.connect_timeout = connect_timeout
        self.receive_timeout = receive_timeout

    async def synthesize(self, text: str, voice: VoiceSettings) -> Synthesis:
        url = service_url()
        _use_url(url)
        try:
            communicate = edge_tts.Communicate(
                text,
                voice.voice,
                rate=voice.rate,
                pitch=voice.pitch,
                volume=voice.volume,
                boundary="WordBoundary",
                connect_timeout=int(self.connect_timeout),
                receive_timeout=max(1, int(self.receive_timeout)),
            )
        except (ValueError, TypeError) as error:
            raise PermanentEngineError(f"edge engine: {error}") from error
        audio = bytearray()
        boundaries: list[tuple[int, int, str]] = []
        try:
            async for chunk in _chunks(communicate, self.receive_timeout):
                if chunk["type"] == "audio":
                    audio += chunk["data"]
                elif chunk["type"] == "WordBoundary":
                    boundaries.append((chunk["offset"], chunk["duration"], chunk["text"]))
        except NoAudioReceived as error:
            raise TransientEngineError("no audio received") from error
        except aiohttp.ClientResponseError as error:
            if _transient_status(error.status):
                raise TransientEngineError(f"HTTP {error.status} from {url}") from error
            raise PermanentEngineError(f"HTTP {error.status} from {url}") from error
        except EdgeTTSException as error:
            raise TransientEngineError(f"service error: {error}") from error
        except asyncio.TimeoutError as error:
            raise TransientEngineError(
                f"no answer within {self.receive_timeout:g} s from {url}"
            ) from error
        except aiohttp.ClientConnectorError as error:
            raise TransientEngineError(f"cannot connect to {url}: {_reason(error)}") from error
        except (aiohttp.ClientError, OSError) as error:
            raise TransientEngineError(f"connection to {url} failed: {error}") from error
        if not audio:
            raise TransientEngineError("no audio received")
        try:
            wav = await asyncio.to_thread(decode_mp3, bytes(audio), SAMPLE_RATE)
        except AudioError as error:
            raise TransientEngineError(f"undecodable audio: {error}") from error
        duration_ms = round(len(read_wav(wav)[0]) * 1000 / SAMPLE_RATE)
        words = map_words(text, boundaries)
        check_complete(text, words, duration_ms)
        return Synthesis(wav=wav, duration_ms=duration_ms, words=words)

    @property
    def url(self) -> str:
        """The configured service address, as messages show it."""
        return shown_url()

    async def probe(self) -> None:
        """Does the service answer? Speak a two-character text, with the same timeouts as
        every request (a slow service that requests would wait for is not "unreachable").

        Only "no answer at all" (no connection, no reply in time, a refusal no retry cures) is
        EngineUnavailable. A transient answer (HTTP 503, a dropped stream, no audio) shows the
        service is there: the build goes ahead and its per-segment retries deal with it, rather
        than falling back to another voice for a whole episode because of one blip.
        """
        try:
            await self.synthesize(PROBE_TEXT, VoiceSettings("edge", PROBE_VOICE))
        except TransientEngineError as error:
            if isinstance(error.__cause__, (aiohttp.ClientConnectorError, asyncio.TimeoutError)):
                raise EngineUnavailable(f"voice service unreachable: {error}") from error
        except PermanentEngineError as error:
            raise EngineUnavailable(f"voice service unreachable: {error}") from error


async def list_edge_voices(language_prefix: str = "zh") -> list[dict[str, Any]]:
    """The service's voices whose Locale starts with `language_prefix` ("zh", "zh-CN"), as
    edge-tts describes them (ShortName, Gender, Locale, ...), sorted by ShortName.

    edge-tts always asks Microsoft's host for the list: when the configured service is another
    address, nothing is asked (EngineUnavailable), so no request leaves for a host not chosen."""
    if not uses_real_service():
        raise EngineUnavailable(
            f"voice list not fetched: {URL_ENV} points at {shown_url()}, not Microsoft's service"
        )
    try:
        voices = await edge_tts.list_voices()
    except aiohttp.ClientConnectorError as error:
        raise EngineUnavailable(f"voice list unreachable: {_reason(error)}") from error
    except (EdgeTTSException, aiohttp.ClientError, OSError, asyncio.TimeoutError) as error:
        raise EngineUnavailable(f"voice list unreachable: {error}") from error
    chosen = [dict(v) for v in voices if str(v.get("Locale", "")).startswith(language_prefix)]
    return sorted(chosen, key=lambda v: str(v.get("ShortName", "")))

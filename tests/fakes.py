"""A scripted fake speech engine: real small WAVs, one Word per spoken character, a queue of
outcomes per matching text, a history of calls and the most calls it saw at once."""

from __future__ import annotations

import asyncio
import io
import math
import struct
import wave
from collections import deque
from dataclasses import dataclass, field

from episodekit.model import VoiceSettings, Word
from episodekit.speech.engines import EngineUnavailable, Synthesis

SAMPLE_RATE = 24_000
CHAR_MS = 40  # each spoken character lasts this long


def make_wav(duration_ms: int, frequency: float = 220.0) -> bytes:
    """A mono 16-bit 24 kHz sine of `duration_ms`, as a complete WAV file."""
    count = SAMPLE_RATE * duration_ms // 1000
    period = max(1, round(SAMPLE_RATE / frequency))
    # One period repeated: building long tones sample by sample would slow the tests.
    cycle = b"".join(
        struct.pack("<h", int(3000 * math.sin(2 * math.pi * i / period))) for i in range(period)
    )
    frames = (cycle * (count // period + 1))[: count * 2]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(frames)
    return buffer.getvalue()


def speak(text: str) -> Synthesis:
    """What the fake says for `text`: one word per non-space character, CHAR_MS each."""
    words = tuple(
        Word(i * CHAR_MS, (i + 1) * CHAR_MS, i, i + 1)
        for i, char in enumerate(text)
        if not char.isspace()
    )
    duration = max(CHAR_MS, len(text) * CHAR_MS)
    return Synthesis(make_wav(duration), duration, words)


@dataclass
class FakeEngine:
    """`outcomes[match]` is a queue of exceptions (or None for a success) used, in order, by the
    calls whose text contains `match`; any other call succeeds."""

    id: str = "offline"
    default_jobs: int = 1
    max_jobs: int = 16
    delay: float = 0.0
    unavailable: str | None = None  # probe() raises EngineUnavailable with this text
    outcomes: dict[str, deque[BaseException | None]] = field(default_factory=dict)
    history: list[tuple[str, VoiceSettings]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    probes: int = 0

    def script(self, match: str, *outcomes: BaseException | None) -> None:
        self.outcomes.setdefault(match, deque()).extend(outcomes)

    def calls_for(self, match: str) -> int:
        return sum(1 for text, _ in self.history if match in text)

    async def probe(self) -> None:
        self.probes += 1
        if self.unavailable is not None:
            raise EngineUnavailable(self.unavailable)

    async def synthesize(self, text: str, voice: VoiceSettings) -> Synthesis:
        self.history.append((text, voice))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            for match, queue in self.outcomes.items():
                if match in text and queue:
                    outcome = queue.popleft()
                    if outcome is not None:
                        raise outcome
                    break
            return speak(text)
        finally:
            self.in_flight -= 1

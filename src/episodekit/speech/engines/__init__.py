"""Speech engines: one small contract, engines registered by id.

An engine turns text into speech: a WAV (mono, 16-bit, 24 kHz) and word timings whose text spans
index into the text it was given. The speech stage (episodekit.speech) does everything around
that: segmenting, the lexicon, the cache, concurrency, retries and progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from episodekit.model import VoiceSettings, Word


@dataclass(frozen=True)
class Synthesis:
    """What an engine returns for one piece of text."""

    wav: bytes  # a complete RIFF/WAVE file: mono, 16-bit PCM, SAMPLE_RATE Hz
    duration_ms: int
    words: tuple[Word, ...]  # text_start/text_end index into the text given to the engine


class TransientEngineError(Exception):
    """A failure worth retrying (connection trouble, timeouts, 403/429/5xx, no audio)."""


class PermanentEngineError(Exception):
    """A failure no retry will cure (a voice that does not exist, a malformed setting)."""


class EngineUnavailable(Exception):
    """The engine cannot run here at all (service unreachable, library missing)."""


class Engine(Protocol):
    id: str
    default_jobs: int  # how many syntheses to run at once by default
    max_jobs: int

    async def synthesize(self, text: str, voice: VoiceSettings) -> Synthesis:
        """Speak `text` with `voice`. Raises TransientEngineError, PermanentEngineError or
        EngineUnavailable; anything else is a bug."""
        ...

    async def probe(self) -> None:
        """Return if the engine can be used now; raise EngineUnavailable otherwise."""
        ...


def get_engine(engine_id: str) -> Engine:
    """The engine registered under `engine_id` ("edge" or "offline")."""
    # Imported here so that using one engine never loads the other's dependencies.
    if engine_id == "edge":
        from episodekit.speech.engines.edge import EdgeEngine

        return EdgeEngine()
    if engine_id == "offline":
        from episodekit.speech.engines.offline import OfflineEngine

        return OfflineEngine()
    raise KeyError(engine_id)


ENGINE_IDS = ("edge", "offline")

# Bump an engine's revision whenever a change to it alters the audio or word timings it makes:
# the segment cache is keyed by it, so a build never reuses what the old code said.
# offline 2: long Latin runs spoken slower (engines/offline.py LATIN_RATE_FACTOR).
REVISIONS = {"edge": 1, "offline": 2}

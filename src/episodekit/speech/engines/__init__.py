"""Speech engines: one small contract, engines registered by id.

An engine turns text into speech: a WAV (mono, 16-bit, 24 kHz) and word timings whose text spans
index into the text it was given. The speech stage (episodekit.speech) does everything around
that: segmenting, the lexicon, the cache, concurrency, retries and progress.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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


# ---------------------------------------------------------------- the registry


def _make_edge() -> Engine:
    # Imported here so that using one engine never loads the other's dependencies.
    from episodekit.speech.engines.edge import EdgeEngine

    return EdgeEngine()


def _make_offline() -> Engine:
    from episodekit.speech.engines.offline import OfflineEngine

    return OfflineEngine()


async def _edge_voices(language: str) -> list[str]:
    from episodekit.speech.engines.edge import list_edge_voices

    return [str(voice["ShortName"]) for voice in await list_edge_voices(language)]


async def _offline_voices(language: str) -> list[str]:
    from episodekit.speech.engines.offline import list_offline_voices

    return list_offline_voices(language)


@dataclass(frozen=True)
class EngineEntry:
    """Everything the rest of episodekit knows about one engine."""

    make: Callable[[], Engine]
    # Bump whenever a change to the engine alters the audio or word timings it makes: the
    # segment cache is keyed by it, so a build never reuses what the old code said.
    revision: int
    list_voices: Callable[[str], Awaitable[list[str]]]  # voice names for a language prefix
    # True: "unavailable" means its online service did not answer (exit 3, "auto" falls back);
    # False: the engine's software cannot run on this machine (a bad install, exit 1).
    is_service: bool
    # True: it reads numbers, dates and units right by itself; False: it is given them as
    # words (speech/normalize.py): eSpeak reads 2024年 as 二千二十四年 and 50% in English.
    reads_numbers: bool


ENGINES: dict[str, EngineEntry] = {
    "edge": EngineEntry(
        make=_make_edge, revision=1, list_voices=_edge_voices, is_service=True, reads_numbers=True
    ),
    # offline 2: long Latin runs spoken slower (engines/offline.py LATIN_RATE_FACTOR).
    # offline 3: resampled by soxr; each segment spoken by a freshly loaded eSpeak (deterministic).
    "offline": EngineEntry(
        make=_make_offline, revision=3, list_voices=_offline_voices, is_service=False,
        reads_numbers=False,
    ),
}


def get_engine(engine_id: str) -> Engine:
    """A new engine of the kind registered under `engine_id`; KeyError if there is none."""
    return ENGINES[engine_id].make()

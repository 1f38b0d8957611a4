"""The offline engine: eSpeak NG (from the espeakng-loader wheel) bound with ctypes.

eSpeak keeps global state (one voice, one callback, one set of parameters), so one synthesis
runs at a time per process, behind `_LOCK`; it speaks ~900x real time, so that costs nothing.

Its wave generator also keeps state across syntheses that no call resets (not espeak_Initialize,
the voice, the parameters or espeak_ng_SetRandSeed), so audio depended on what a worker spoke
before. Each synthesis runs in a freshly loaded library (2-5 ms): the same bytes every time.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import os
import re
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from episodekit.media import resample, wav_bytes
from episodekit.model import SAMPLE_RATE, VoiceSettings, Word
from episodekit.speech.engines import (
    EngineUnavailable,
    PermanentEngineError,
    Synthesis,
)
from episodekit.text import spoken_span
from episodekit.workers import process_pool as workers_pool

# eSpeak's Mandarin at its default 175 wpm runs ~3.8 CJK characters/s, slow and drawn out;
# 230 gives ~5.2/s (measured), clear and well under the 9 characters/s subtitle limit.
BASE_WPM = 230
MIN_WPM, MAX_WPM = 80, 450
# eSpeak's pitch parameter runs 0..100 around 50 and is not in hertz; one unit per hertz keeps
# Edge-style offsets ("+5Hz" -> 55) small and in the same direction, which is all a profile needs.
BASE_PITCH = 50

RATE = re.compile(r"^([+-]\d+)%$")
PITCH = re.compile(r"^([+-]\d+)Hz$")
VOLUME = RATE

# speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_EVENT_END = 5  # end of a clause: where the last word before a pause stops
_EVENT_MSG_TERMINATED = 6
_RATE, _VOLUME, _PITCH = 1, 2, 3
_EE_OK = 0

_FRAME_MS = 10
_SILENCE_RATIO = 0.03  # a frame quieter than this fraction of the loudest frame is a pause
_MIN_WORD_MS = 40

_LOCK = threading.Lock()


class _Event(ctypes.Structure):
    # struct espeak_EVENT; on 64-bit, user_data starts at offset 24 and the union is 8 bytes.
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),  # 1-based, in characters (checked on CJK + Latin)
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # milliseconds from the start of this synthesis
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),  # (priority byte, NUL-terminated name) pairs, then 0
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass
class _Run:
    """What the synth callback collects during one synthesis."""

    chunks: list[np.ndarray]
    words: list[tuple[int, int]]  # (text_position, audio_position ms)
    clause_ends: list[int]  # audio_position ms


class _Library:
    """The loaded libespeak-ng, initialized, its callback kept alive with it."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as error:
            raise EngineUnavailable(f"espeakng-loader is not installed: {error}") from error
        try:
            self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        except OSError as error:
            raise EngineUnavailable(f"cannot load libespeak-ng: {error}") from error
        self.data_path = espeakng_loader.get_data_path()
        lib = self.lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetSynthCallback.argtypes = [_Callback]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]
        lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, self.data_path.encode(), _INITIALIZE_DONT_EXIT
        )
        if rate <= 0:
            raise EngineUnavailable(f"eSpeak NG failed to initialize with data {self.data_path}")
        self.sample_rate = rate
        self.used = False  # a synthesis has run: the wave generator holds state from it
        self.run: _Run | None = None
        self.callback = _Callback(self._on_synth)
        lib.espeak_SetSynthCallback(self.callback)

    def _on_synth(self, wav: ctypes.Array, count: int, events: ctypes.Array) -> int:
        run = self.run
        if run is None:
            return 1  # not ours: ask eSpeak to stop
        if count > 0:
            run.chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        i = 0
        while events[i].type not in (_EVENT_LIST_TERMINATED, _EVENT_MSG_TERMINATED):
            event = events[i]
            if event.type == _EVENT_WORD:
                run.words.append((event.text_position, event.audio_position))
            elif event.type == _EVENT_END:
                run.clause_ends.append(event.audio_position)
            i += 1
        return 0

    def variants(self) -> set[str]:
        folder = os.path.join(self.data_path, "voices", "!v")
        return set(os.listdir(folder)) if os.path.isdir(folder) else set()

    def unload(self) -> None:
        """Free eSpeak and unload the library: the next load starts from pristine state."""
        import _ctypes

        self.lib.espeak_Terminate()
        if sys.platform == "win32":
            _ctypes.FreeLibrary(self.lib._handle)
        else:
            _ctypes.dlclose(self.lib._handle)


_loaded: list[_Library] = []  # the library loaded in this process, if any


def _library(*, fresh: bool = False) -> _Library:
    """The library (loaded on first use; `fresh`: one that has not spoken). Hold _LOCK."""
    if _loaded and fresh and _loaded[0].used:
        _loaded.pop().unload()
    if not _loaded:
        _loaded.append(_Library())
    return _loaded[0]


def list_offline_voices(language: str = "zh") -> list[str]:
    """eSpeak voice names (usable as VoiceSettings.voice) for languages starting with
    `language` ("zh" gives cmn, yue, hak, ...); "" lists every voice."""
    names: set[str] = set()
    with _LOCK:
        lib = _library()
        voices = lib.lib.espeak_ListVoices(None)
        i = 0
        while voices[i]:
            voice = voices[i].contents
            if not language or any(
                lang.startswith(language) for lang in _languages(voice.languages)
            ):
                names.add(os.path.basename((voice.identifier or b"").decode()))
            i += 1
    return sorted(name for name in names if name)


def _languages(pointer: int | None) -> list[str]:
    languages: list[str] = []
    if not pointer:
        return languages
    offset = 0
    while ctypes.c_ubyte.from_address(pointer + offset).value != 0:  # priority byte; 0 ends
        name = ctypes.string_at(pointer + offset + 1)
        languages.append(name.decode("ascii", "replace"))
        offset += len(name) + 2
    return languages


def _percent(value: str, pattern: re.Pattern[str], what: str) -> int:
    match = pattern.match(value)
    if match is None:
        raise PermanentEngineError(f"offline engine: malformed {what} {value!r}")
    return int(match.group(1))


def _parameters(voice: VoiceSettings, base_wpm: int) -> tuple[int, int, int]:
    rate = round(base_wpm * (100 + _percent(voice.rate, RATE, "rate")) / 100)
    pitch = BASE_PITCH + _percent(voice.pitch, PITCH, "pitch")
    volume = 100 + _percent(voice.volume, VOLUME, "volume")
    return (
        min(max(rate, MIN_WPM), MAX_WPM),
        min(max(pitch, 0), 100),
        min(max(volume, 0), 200),
    )


def _set_voice(lib: _Library, name: str) -> None:
    base, _, variant = name.partition("+")
    # eSpeak accepts "cmn+nonsense" silently (the variant is just not applied): check it here.
    if not base or lib.lib.espeak_SetVoiceByName(base.encode()) != _EE_OK:
        raise PermanentEngineError(f"offline engine: unknown eSpeak voice {name!r}")
    if variant:
        if variant not in lib.variants():
            raise PermanentEngineError(f"offline engine: unknown eSpeak voice variant {name!r}")
        if lib.lib.espeak_SetVoiceByName(name.encode()) != _EE_OK:
            raise PermanentEngineError(f"offline engine: unknown eSpeak voice {name!r}")


# eSpeak reads English at the Mandarin rate far faster than Mandarin: "decoupling of idea and
# materialization" came out at ~20 letters/s, past what a subtitle can show (9 characters/s,
# letters counting half). Longer Latin runs are spoken on their own at this fraction of the rate.
LATIN_RATE_FACTOR = 0.65
RGX_LATIN_RUN = re.compile(
    r"[A-Za-z][A-Za-z0-9'’.\-]*(?:[ \t]+[A-Za-z0-9][A-Za-z0-9'’.\-]*)+"  # two words or more
    r"|[A-Za-z][A-Za-z0-9'’.\-]{6,}"  # or one long word
)


def _pieces(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is a Latin run) spans covering `text` in order."""
    pieces: list[tuple[int, int, bool]] = []
    cursor = 0
    for match in RGX_LATIN_RUN.finditer(text):
        if match.start() > cursor:
            pieces.append((cursor, match.start(), False))
        pieces.append((match.start(), match.end(), True))
        cursor = match.end()
    if cursor < len(text) or not pieces:
        pieces.append((cursor, len(text), False))
    return pieces


def _synth_piece(lib: _Library, text: str, rate: int, pitch: int, volume: int) -> _Run:
    encoded = text.encode("utf-8") + b"\0"
    run = _Run([], [], [])
    for parameter, value in ((_RATE, rate), (_PITCH, pitch), (_VOLUME, volume)):
        lib.lib.espeak_SetParameter(parameter, value, 0)
    lib.run = run
    try:
        status = lib.lib.espeak_Synth(
            encoded, len(encoded), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
        )
    finally:
        lib.run = None
    if status != _EE_OK:
        raise PermanentEngineError(f"offline engine: eSpeak failed ({status}) on {text[:20]!r}")
    return run


def synthesize_sync(text: str, voice: VoiceSettings, base_wpm: int = BASE_WPM) -> Synthesis:
    """Speak `text` (blocking). The Synthesis's words index into `text`."""
    rate, pitch, volume = _parameters(voice, base_wpm)
    run = _Run([], [], [])
    samples_so_far = 0
    with _LOCK:
        lib = _library(fresh=True)
        lib.used = True
        _set_voice(lib, voice.voice)
        for start, end, latin in _pieces(text):
            piece_rate = max(MIN_WPM, round(rate * LATIN_RATE_FACTOR)) if latin else rate
            part = _synth_piece(lib, text[start:end], piece_rate, pitch, volume)
            # Positions and times of each piece continue where the previous piece ended.
            offset_ms = samples_so_far * 1000 // lib.sample_rate
            run.chunks.extend(part.chunks)
            run.words.extend((position + start, ms + offset_ms) for position, ms in part.words)
            run.clause_ends.extend(ms + offset_ms for ms in part.clause_ends)
            samples_so_far += sum(len(chunk) for chunk in part.chunks)
    raw = np.concatenate(run.chunks) if run.chunks else np.zeros(0, dtype=np.int16)
    samples = resample(raw, lib.sample_rate, SAMPLE_RATE)
    duration_ms = round(len(samples) * 1000 / SAMPLE_RATE)
    words = _words(text, run, samples, duration_ms)
    return Synthesis(wav=wav_bytes(samples, SAMPLE_RATE), duration_ms=duration_ms, words=words)



def _words(text: str, run: _Run, samples: np.ndarray, duration_ms: int) -> tuple[Word, ...]:
    """Turn eSpeak's word events into Words: a word runs from its character to the next
    event's character (Mandarin compounds get one event), minus punctuation and spaces; in time
    from its event to the next word's, then trimmed to where the audio is not silent."""
    starts: list[tuple[int, int]] = []  # (text index, ms), one per distinct position
    for position, ms in run.words:
        index = min(max(position - 1, 0), len(text))
        # eSpeak spells an acronym letter by letter with the same position: keep the first.
        if not starts or index > starts[-1][0]:
            starts.append((index, min(max(ms, 0), duration_ms)))
    loud = _loud_frames(samples)
    words: list[Word] = []
    for i, (index, start_ms) in enumerate(starts):
        next_index = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        next_ms = starts[i + 1][1] if i + 1 < len(starts) else duration_ms
        end_ms = min([next_ms, *(e for e in run.clause_ends if e > start_ms)])
        text_start, text_end = spoken_span(text, index, next_index)
        if text_start == text_end:
            continue
        start_ms, end_ms = _trim(loud, start_ms, max(end_ms, start_ms))
        if words and start_ms < words[-1].end_ms:
            start_ms = words[-1].end_ms
        words.append(Word(start_ms, max(end_ms, start_ms), text_start, text_end))
    return tuple(words)


def _loud_frames(samples: np.ndarray) -> np.ndarray:
    """One boolean per 10 ms frame: is there speech in it?"""
    size = SAMPLE_RATE * _FRAME_MS // 1000
    count = len(samples) // size
    if count == 0:
        return np.zeros(0, dtype=bool)
    frames = samples[: count * size].reshape(count, size)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    return rms > _SILENCE_RATIO * max(float(rms.max()), 1.0)


def _trim(loud: np.ndarray, start_ms: int, end_ms: int) -> tuple[int, int]:
    """Move a word's start forward and end back over silence (the pause after a comma lands
    inside eSpeak's word interval), keeping at least _MIN_WORD_MS."""
    first, last = start_ms // _FRAME_MS, -(-end_ms // _FRAME_MS)
    span = loud[first:last]
    if not span.any():
        return start_ms, end_ms
    voiced = np.flatnonzero(span)
    new_start = max(start_ms, (first + int(voiced[0])) * _FRAME_MS)
    new_end = min(end_ms, (first + int(voiced[-1]) + 1) * _FRAME_MS)
    if new_end - new_start < _MIN_WORD_MS:
        new_end = min(end_ms, new_start + _MIN_WORD_MS)
    return new_start, new_end


@functools.cache
def _pool(workers: int) -> ProcessPoolExecutor:
    # Each worker process has its own eSpeak (its state is per process). "spawn", not fork:
    # the build may already run threads (the edge test server, asyncio's executor). Workers
    # die with the build (workers.py).
    return workers_pool(workers)


class OfflineEngine:
    """eSpeak NG, offline. `base_wpm` is the speaking rate VoiceSettings.rate is relative to.

    eSpeak keeps global state, so one synthesis runs at a time per process: with `workers`
    above 1 (default: one per core), syntheses run in that many worker processes at once.
    """

    id = "offline"

    def __init__(self, base_wpm: int = BASE_WPM, workers: int | None = None) -> None:
        self.base_wpm = base_wpm
        self.workers = max(1, workers if workers is not None else os.cpu_count() or 1)
        self.default_jobs = self.max_jobs = self.workers

    async def synthesize(self, text: str, voice: VoiceSettings) -> Synthesis:
        if self.workers == 1:
            return await asyncio.to_thread(synthesize_sync, text, voice, self.base_wpm)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            _pool(self.workers), synthesize_sync, text, voice, self.base_wpm
        )

    async def probe(self) -> None:
        await asyncio.to_thread(list_offline_voices)  # loads the library

"""Render the placed segments into the mastered, tagged episode MP3.

Positions are integer milliseconds, and at 24 kHz a millisecond is exactly 24 samples, so every
placement's start_ms is exactly where its first sample lands in the rendered audio: the renderer
pads silence up to `start_ms * 24` samples and cuts or pads each segment to `duration_ms * 24`.

Rendering is one pass over the samples, segment by segment, straight into a raw PCM file in the
work folder (and, through a pipe, into the loudness meter): memory stays flat however long the
episode is. See ffmpeg.py for why measuring, limiting and encoding are split the way they are.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
import wave
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from episodekit.audio import ffmpeg
from episodekit.audio.id3 import write_tags
from episodekit.audio.music import SAMPLES_PER_MS, MusicTracks, _Bed
from episodekit.errors import AudioError
from episodekit.media import SILENCE_LUFS
from episodekit.model import SAMPLE_RATE, AudioReport, ChapterMark, Placement, Segment, Tags

FADE_MS = 8  # raised-cosine edge fade: long enough to kill clicks, too short to hear
CHUNK = SAMPLE_RATE * 10  # silence and music are written in pieces of at most this many samples
LIMITER_PROBE_DB = 2.0  # the second gain the limiter's effect is measured at
# 64 kbps MP3 comes out quieter than its PCM, the more so the harder the limiter works: 0.4 to
# 0.8 LU on eSpeak speech (seeds, measured). The PCM is fitted this much above the target so
# the first encode lands within tolerance (seeds: -16.3) instead of needing a second one.
MP3_LOSS_LU = 0.6

# ---------------------------------------------------------------- rendering


def render_episode(
    placements: Sequence[Placement],
    out_mp3: Path,
    *,
    total_ms: int,
    tags: Tags,
    chapters: Sequence[ChapterMark],
    work_dir: Path,
    loudness: float = -16.0,
    true_peak: float = -1.0,
    music: MusicTracks | None = None,
    verify: bool = True,
    on_step: Callable[[str], None] = lambda stage: None,
    on_progress: Callable[[float], None] = lambda fraction: None,
) -> AudioReport:
    """Render `placements` to a tagged MP3 at `out_mp3`, normalized to `loudness` LUFS with true
    peak at most `true_peak` dBTP.

    With `verify` (the default) the loudness is measured on the decoded MP3 while it is encoded,
    and if it misses (integrated off by more than 0.5 LU or true peak over), it is encoded again
    with corrected gain and limiter ceiling (at most twice more). Without it the report gives
    the values predicted from the PCM measurement. The MP3 is tagged under a temporary name in
    its folder and renamed into place: `out_mp3` is never a half-written or untagged file.
    `on_step` is told each stage as it starts (mixing, loudness, encoding, tagging), and
    `on_progress` how much of the mixing is done (0 to 1, every 5%).
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    out_mp3.parent.mkdir(parents=True, exist_ok=True)
    steps: dict[str, float] = {}
    raw = work_dir / f"episode-{secrets.token_hex(4)}.s16"
    tmp = out_mp3.parent / f".episodekit-{secrets.token_hex(6)}.mp3.part"
    try:
        clock = time.perf_counter()
        on_step("mixing and measuring")
        measured = _join_and_measure(placements, total_ms, raw, music, on_progress)
        steps["join_and_measure"] = time.perf_counter() - clock

        clock = time.perf_counter()
        on_step("fitting loudness")
        margin = 1.5  # sample-peak limiting plus MP3 overshoot: start 1.5 dB under the target
        gain, expected = _fit_gain(raw, measured, loudness, true_peak - margin)
        steps["limiter_fit"] = time.perf_counter() - clock

        clock = time.perf_counter()
        on_step("encoding and verifying")
        integrated, peak, attempts = _encode_on_target(
            raw, tmp, gain, margin, expected, loudness, true_peak, verify
        )
        steps["encode_and_verify"] = time.perf_counter() - clock

        clock = time.perf_counter()
        on_step("tagging")
        _tag_into_place(tmp, out_mp3, tags, chapters)
        steps["tag"] = time.perf_counter() - clock
    finally:
        tmp.unlink(missing_ok=True)
        raw.unlink(missing_ok=True)
    return AudioReport(
        duration_ms=total_ms,
        integrated_lufs=round(integrated, 1),
        true_peak_dbtp=round(peak, 1),
        target_lufs=loudness,
        verified=verify,
        attempts=attempts,
        seconds_by_step=steps,
    )


def _fit_gain(raw: Path, measured: float, loudness: float, ceiling: float) -> tuple[float, float]:
    """The gain that brings the PCM at `raw` (measured at `measured` LUFS) to `loudness` through
    the limiter at `ceiling` dBFS, and the loudness the MP3 is then expected at."""
    gain = loudness - measured if measured > SILENCE_LUFS else 0.0
    if not gain:
        return 0.0, measured
    gain, expected = _gain_through_limiter(raw, loudness + MP3_LOSS_LU, gain, ceiling)
    return gain, expected - MP3_LOSS_LU


def _tag_into_place(
    tmp: Path, out_mp3: Path, tags: Tags, chapters: Sequence[ChapterMark]
) -> None:
    """Tag the encoded MP3 and rename it over `out_mp3`: never an untagged file under the name."""
    write_tags(tmp, tags, chapters)
    with tmp.open("rb+") as tagged:
        os.fsync(tagged.fileno())
    os.replace(tmp, out_mp3)


def _join_and_measure(
    placements: Sequence[Placement], total_ms: int, raw: Path, music: MusicTracks | None,
    on_progress: Callable[[float], None] = lambda fraction: None,
) -> float:
    """Write the joined PCM to `raw` while the meter hears it; its integrated loudness."""
    meter = ffmpeg.PcmMeter()
    total_bytes = max(1, total_ms * SAMPLES_PER_MS * 2)
    written = [0, 0]  # bytes so far, last twentieth reported
    try:
        with raw.open("wb") as handle:

            def write(data: bytes) -> None:
                handle.write(data)
                meter.write(data)
                written[0] += len(data)
                twentieth = 20 * written[0] // total_bytes
                if twentieth > written[1]:
                    written[1] = twentieth
                    on_progress(min(1.0, written[0] / total_bytes))

            join_pcm(placements, total_ms, write, music=music)
        return meter.result().integrated_lufs
    finally:
        meter.kill()


def _encode_on_target(
    raw: Path, tmp: Path, gain: float, margin: float, expected: float,
    loudness: float, true_peak: float, verify: bool,
) -> tuple[float, float, int]:
    """Encode `raw` to `tmp`; measured (integrated, true peak, attempts), re-encoding at most
    twice with a corrected gain or ceiling when the decoded MP3 misses its targets."""
    attempts = 0
    while True:
        attempts += 1
        result = ffmpeg.encode_mp3(
            raw, tmp, gain_db=gain, ceiling_dbfs=true_peak - margin, verify=verify
        )
        if result is None or result.true_peak_dbtp is None:
            return expected, true_peak - margin, attempts
        integrated, peak = result.integrated_lufs, result.true_peak_dbtp
        off = abs(integrated - loudness) > 0.5 and integrated > SILENCE_LUFS
        over = peak > true_peak
        if attempts == 3 or not (off or over):
            return integrated, peak, attempts
        if off:
            gain += loudness - integrated
        if over:
            margin += peak - true_peak + 0.3


def _gain_through_limiter(
    raw: Path, target: float, gain: float, ceiling_dbfs: float
) -> tuple[float, float]:
    """The gain that lands `target` LUFS after the limiter, and the loudness expected with it.

    What the limiter takes away depends on the voice (peaky eSpeak loses ~1.5 LU, and half of
    any further gain), so it is measured on the PCM, which costs a fraction of an MP3 encode:
    at two gains at once, one per core, and the answer read off the line through both points.
    """
    gains = (gain, gain + LIMITER_PROBE_DB)
    with ThreadPoolExecutor(max_workers=2) as pool:
        low, high = pool.map(
            lambda g: ffmpeg.measure_limited(raw, gain_db=g, ceiling_dbfs=ceiling_dbfs), gains
        )
    if low <= SILENCE_LUFS:
        return gain, low
    # Each dB of gain adds at most 1 LU (no limiting) and, in practice, no less than 0.2.
    slope = min(1.0, max(0.2, (high - low) / LIMITER_PROBE_DB))
    return gain + (target - low) / slope, target


def _to_pcm16(samples: np.ndarray) -> bytes:
    if samples.dtype == np.int16:
        return samples.astype("<i2", copy=False).tobytes()
    return np.clip(np.rint(samples * 32768.0), -32768, 32767).astype("<i2").tobytes()


def join_pcm(
    placements: Sequence[Placement],
    total_ms: int,
    write: Callable[[bytes], None],
    *,
    music: MusicTracks | None = None,
) -> None:
    """Write the episode as 16-bit mono PCM through `write`, in order, one segment (or at most
    CHUNK samples of silence or music) at a time: `total_ms * 24` samples in all."""
    total_samples = total_ms * SAMPLES_PER_MS
    speech = [
        (p.start_ms * SAMPLES_PER_MS, p.end_ms * SAMPLES_PER_MS, p.segment) for p in placements
    ]
    bed = _Bed(music, total_samples, speech) if music is not None else None
    cursor = 0
    intro = music.intro if music is not None else None
    outro = music.outro if music is not None else None
    if intro is not None:
        write(_to_pcm16(_faded(np.asarray(intro, dtype=np.float32))))
        cursor = len(intro)
    for start, end, segment in speech:
        if start < cursor:
            raise ValueError(f"segment {segment.index} starts at sample {start}, before {cursor}")
        _write_gap(write, cursor, start, bed)
        voice = _read_segment(segment, end - start)
        if bed is not None:
            voice = voice + bed.samples(start, end)
        write(_to_pcm16(voice))
        cursor = end
    outro_start = total_samples - (len(outro) if outro is not None else 0)
    if outro_start < cursor:
        raise ValueError(f"the episode ends at sample {total_samples}, before its voice and outro")
    _write_gap(write, cursor, outro_start, bed)
    if outro is not None:
        write(_to_pcm16(_faded(np.asarray(outro, dtype=np.float32))))


def _write_gap(write: Callable[[bytes], None], start: int, end: int, bed: _Bed | None) -> None:
    for a, b in _pieces(start, end):
        write(_to_pcm16(np.zeros(b - a, np.int16) if bed is None else bed.samples(a, b)))


def _pieces(start: int, end: int) -> Iterator[tuple[int, int]]:
    for a in range(start, end, CHUNK):
        yield a, min(a + CHUNK, end)


def _raised_cosine(n: int) -> np.ndarray:
    return (0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / n)).astype(np.float32)


def _faded(samples: np.ndarray, fade_ms: int = FADE_MS) -> np.ndarray:
    """`samples` (a new array) with raised-cosine fades in and out, so joins never click."""
    out = np.array(samples, dtype=np.float32)
    n = min(fade_ms * SAMPLES_PER_MS, len(out) // 2)
    if n:
        ramp = _raised_cosine(n)
        out[:n] *= ramp
        out[-n:] *= ramp[::-1]
    return out


def _read_segment(segment: Segment, length: int) -> np.ndarray:
    """The segment's WAV as float32, cut or padded to exactly `length` samples, faded."""
    path = segment.audio
    try:
        with contextlib.closing(wave.open(str(path), "rb")) as wav:
            shape = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
            if shape != (1, 2, SAMPLE_RATE):
                raise AudioError(
                    f"{path}: expected mono 16-bit {SAMPLE_RATE} Hz WAV, got {shape[0]} "
                    f"channel(s), {8 * shape[1]}-bit, {shape[2]} Hz"
                )
            data = wav.readframes(length)
    except (OSError, EOFError, wave.Error) as error:
        raise AudioError(f"{path}: cannot read segment audio: {error}") from error
    samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    # Fade the audio's own edges (a cut or a short file gets its fade where the sound stops).
    samples = _faded(samples)
    if len(samples) < length:
        samples = np.concatenate([samples, np.zeros(length - len(samples), np.float32)])
    return samples

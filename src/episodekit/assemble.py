"""Assembly: place the spoken segments on a timeline and render the mastered episode MP3.

Positions are integer milliseconds, and at 24 kHz a millisecond is exactly 24 samples, so every
placement's start_ms is exactly where its first sample lands in the rendered audio: the renderer
pads silence up to `start_ms * 24` samples and cuts or pads each segment to `duration_ms * 24`.

Rendering is one pass over the samples, segment by segment, straight into a raw PCM file in the
work folder (and, through a pipe, into the loudness meter): memory stays flat however long the
episode is. See master.py for why measuring, limiting and encoding are split the way they are.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
import wave
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from episodekit import master
from episodekit.engines import SAMPLE_RATE
from episodekit.errors import AudioError
from episodekit.model import ChapterMark, PauseLevel, Placement, Segment
from episodekit.tags import Tags, write_tags

SAMPLES_PER_MS = SAMPLE_RATE // 1000
FADE_MS = 8  # raised-cosine edge fade: long enough to kill clicks, too short to hear
CHUNK = SAMPLE_RATE * 10  # silence and music are written in pieces of at most this many samples
DUCK_RAMP_MS = 250  # how long the music bed takes to come back up after the voice stops
BED_FADE_MS = 1000  # the bed fades in after the intro and out before the outro / the end
LIMITER_PROBE_DB = 2.0  # the second gain the limiter's effect is measured at
# 64 kbps MP3 comes out quieter than its PCM, the more so the harder the limiter works: 0.4 to
# 0.8 LU on eSpeak speech (seeds, measured). The PCM is fitted this much above the target so
# the first encode lands within tolerance (seeds: -16.3) instead of needing a second one.
MP3_LOSS_LU = 0.6


@dataclass(frozen=True)
class Pauses:
    """Silence, in ms, after a segment by its `pause_after`, and around the whole voice track."""

    sentence: int = 250
    paragraph: int = 600
    chapter: int = 1200
    lead_in: int = 300  # before the first segment, so players that fade in do not clip it
    tail: int = 800  # after the last segment; the last subtitle may run into it

    def after(self, level: PauseLevel) -> int:
        # "end" on a segment that is not the last is treated as a chapter break.
        return {"sentence": self.sentence, "paragraph": self.paragraph}.get(level, self.chapter)


@dataclass(frozen=True)
class Music:
    """User-named music files (any format ffmpeg reads). Gains are relative to the file."""

    intro: Path | None = None
    outro: Path | None = None
    bed: Path | None = None  # looped under the voice, from the intro's end to the outro
    bed_gain_db: float = -20.0
    duck_db: float = 12.0  # how much further the bed goes down while the voice speaks


@dataclass(frozen=True)
class MusicTracks:
    """Music decoded to 24 kHz mono float32 (memory-mapped files in the work folder)."""

    intro: np.ndarray | None
    outro: np.ndarray | None
    bed: np.ndarray | None
    bed_gain_db: float
    duck_db: float

    @property
    def intro_ms(self) -> int:
        return _ceil_ms(self.intro)

    @property
    def outro_ms(self) -> int:
        return _ceil_ms(self.outro)


@dataclass(frozen=True)
class AudioReport:
    duration_ms: int
    integrated_lufs: float
    true_peak_dbtp: float
    target_lufs: float
    verified: bool  # True: both values were measured on the decoded final MP3
    attempts: int = 1  # encoding passes needed to land within tolerance
    seconds_by_step: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- timeline (pure)


def plan_timeline(
    segments: Sequence[Segment], pauses: Pauses = Pauses(), offset_ms: int = 0
) -> tuple[Placement, ...]:
    """Place `segments` in order: `offset_ms` (an intro's length) + lead-in, then each segment
    followed by the pause its `pause_after` asks for (none after the last)."""
    cursor = offset_ms + pauses.lead_in
    placements = []
    for index, segment in enumerate(segments):
        placements.append(Placement(segment=segment, start_ms=cursor))
        cursor += segment.duration_ms
        if index < len(segments) - 1:
            cursor += pauses.after(segment.pause_after)
    return tuple(placements)


def episode_length_ms(
    placements: Sequence[Placement], pauses: Pauses = Pauses(), outro_ms: int = 0,
    offset_ms: int = 0,
) -> int:
    """The episode's length: the voice, its tail of silence, then the outro (if any)."""
    voice_end = placements[-1].end_ms if placements else offset_ms + pauses.lead_in
    return voice_end + pauses.tail + outro_ms


def chapter_marks(
    placements: Sequence[Placement], titles: Sequence[str], total_ms: int
) -> list[ChapterMark]:
    """One mark per chapter that has segments: it starts at its first segment (the first mark
    at 0, so an intro belongs to it) and ends where the next starts, the last at `total_ms`."""
    starts: dict[int, int] = {}
    for placement in placements:
        starts.setdefault(placement.segment.chapter, placement.start_ms)
    ordered = sorted(starts.items(), key=lambda item: item[1])
    marks = []
    for position, (chapter, start) in enumerate(ordered):
        begin = 0 if position == 0 else start
        end = ordered[position + 1][1] if position + 1 < len(ordered) else total_ms
        title = titles[chapter] if chapter < len(titles) else ""
        marks.append(ChapterMark(title=title, start_ms=begin, end_ms=end))
    return marks


# ---------------------------------------------------------------- music


def load_music(music: Music, work_dir: Path) -> MusicTracks:
    """Decode the music files into `work_dir`. Raises AudioError naming an unusable file."""

    def decode(path: Path | None, name: str) -> np.ndarray | None:
        if path is None:
            return None
        target = work_dir / f"music-{name}.f32"
        count = master.decode_to_f32(path, target)
        return np.memmap(target, dtype=np.float32, mode="r", shape=(count,))

    work_dir.mkdir(parents=True, exist_ok=True)
    return MusicTracks(
        intro=decode(music.intro, "intro"),
        outro=decode(music.outro, "outro"),
        bed=decode(music.bed, "bed"),
        bed_gain_db=music.bed_gain_db,
        duck_db=music.duck_db,
    )


def _ceil_ms(samples: np.ndarray | None) -> int:
    return 0 if samples is None else -(-len(samples) // SAMPLES_PER_MS)


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
) -> AudioReport:
    """Render `placements` to a tagged MP3 at `out_mp3`, normalized to `loudness` LUFS with true
    peak at most `true_peak` dBTP.

    With `verify` (the default) the loudness is measured on the decoded MP3 while it is encoded,
    and if it misses (integrated off by more than 0.5 LU or true peak over), it is encoded again
    with corrected gain and limiter ceiling (at most twice more). Without it the report gives
    the values predicted from the PCM measurement. The MP3 is tagged under a temporary name in
    its folder and renamed into place: `out_mp3` is never a half-written or untagged file.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    out_mp3.parent.mkdir(parents=True, exist_ok=True)
    steps: dict[str, float] = {}
    raw = work_dir / f"episode-{secrets.token_hex(4)}.s16"
    tmp = out_mp3.parent / f".episodekit-{secrets.token_hex(6)}.mp3.part"
    try:
        clock = time.perf_counter()
        meter = master.PcmMeter()
        try:
            with raw.open("wb") as handle:

                def write(data: bytes) -> None:
                    handle.write(data)
                    meter.write(data)

                join_pcm(placements, total_ms, write, music=music)
            measured = meter.result().integrated_lufs
        finally:
            meter.kill()
        steps["join_and_measure"] = time.perf_counter() - clock

        clock = time.perf_counter()
        gain = loudness - measured if measured > master.SILENCE_LUFS else 0.0
        margin = 1.5  # sample-peak limiting plus MP3 overshoot: start 1.5 dB under the target
        expected = measured + gain  # the PCM's loudness after gain and limiter
        if gain:
            gain, expected = _gain_through_limiter(
                raw, loudness + MP3_LOSS_LU, gain, true_peak - margin
            )
            expected -= MP3_LOSS_LU
        steps["limiter_fit"] = time.perf_counter() - clock

        clock = time.perf_counter()
        attempts = 0
        while True:
            attempts += 1
            result = master.encode_mp3(
                raw, tmp, gain_db=gain, ceiling_dbfs=true_peak - margin, verify=verify
            )
            if result is None or result.true_peak_dbtp is None:
                integrated, peak = expected, true_peak - margin
                break
            integrated, peak = result.integrated_lufs, result.true_peak_dbtp
            off = abs(integrated - loudness) > 0.5 and integrated > master.SILENCE_LUFS
            over = peak > true_peak
            if attempts == 3 or not (off or over):
                break
            if off:
                gain += loudness - integrated
            if over:
                margin += peak - true_peak + 0.3
        steps["encode_and_verify"] = time.perf_counter() - clock

        clock = time.perf_counter()
        write_tags(tmp, tags, chapters)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, out_mp3)
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
            lambda g: master.measure_limited(raw, gain_db=g, ceiling_dbfs=ceiling_dbfs), gains
        )
    if low <= master.SILENCE_LUFS:
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


class _Bed:
    """A music bed looped from the intro's end to the outro's start, ducked under speech."""

    def __init__(
        self, music: MusicTracks, total_samples: int, speech: list[tuple[int, int, Segment]]
    ) -> None:
        self.loop = music.bed
        self.begin = len(music.intro) if music.intro is not None else 0
        self.end = total_samples - (len(music.outro) if music.outro is not None else 0)
        self.gain = 10 ** (music.bed_gain_db / 20)
        self.duck_db = music.duck_db
        self.starts = np.array([s for s, _, _ in speech], dtype=np.int64)
        self.ends = np.array([e for _, e, _ in speech], dtype=np.int64)

    def samples(self, a: int, b: int) -> np.ndarray:
        """The bed's contribution to samples [a, b), float32 (zeros outside the bed)."""
        t = np.arange(a, b, dtype=np.int64)
        if self.loop is None or len(self.loop) == 0 or b <= self.begin or a >= self.end:
            return np.zeros(b - a, np.float32)
        inside = (t >= self.begin) & (t < self.end)
        music = np.asarray(self.loop[(t - self.begin) % len(self.loop)], dtype=np.float32)
        edge = np.minimum(t - self.begin, self.end - 1 - t) / (BED_FADE_MS * SAMPLES_PER_MS)
        envelope = np.clip(edge, 0.0, 1.0) * inside
        duck_db = self.duck_db * self._duck_weight(t)
        return (music * envelope * self.gain * 10 ** (-duck_db / 20)).astype(np.float32)

    def _duck_weight(self, t: np.ndarray) -> np.ndarray:
        """1 while the voice speaks, easing to 0 within DUCK_RAMP_MS of silence around it."""
        if len(self.starts) == 0:
            return np.zeros(len(t))
        far = np.iinfo(np.int64).max // 4
        following = np.searchsorted(self.starts, t, side="right")
        prev_end = np.where(following > 0, self.ends[np.maximum(following - 1, 0)], -far)
        next_start = np.where(
            following < len(self.starts), self.starts[np.minimum(following, len(self.starts) - 1)],
            far,
        )
        distance = np.maximum(np.minimum(t - prev_end, next_start - t), 0)
        in_speech = (following > 0) & (t < prev_end)
        ramp = DUCK_RAMP_MS * SAMPLES_PER_MS
        weight = 0.5 + 0.5 * np.cos(np.pi * np.minimum(distance, ramp) / ramp)
        return np.where(in_speech, 1.0, weight)

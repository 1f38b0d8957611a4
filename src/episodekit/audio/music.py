"""Music around and under the voice: intro, outro and a ducked bed, decoded once to float32
memory-mapped files in the work folder, so a long bed costs no memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from episodekit.audio import ffmpeg
from episodekit.model import SAMPLE_RATE, Music, Segment

SAMPLES_PER_MS = SAMPLE_RATE // 1000
DUCK_RAMP_MS = 250  # how long the music bed takes to come back up after the voice stops
BED_FADE_MS = 1000  # the bed fades in after the intro and out before the outro / the end


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



# ---------------------------------------------------------------- music


def load_music(music: Music, work_dir: Path) -> MusicTracks:
    """Decode the music files into `work_dir`. Raises AudioError naming an unusable file."""

    def decode(path: Path | None, name: str) -> np.ndarray | None:
        if path is None:
            return None
        target = work_dir / f"music-{name}.f32"
        count = ffmpeg.decode_to_f32(path, target)
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

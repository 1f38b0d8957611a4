"""Stage 4, placed segments -> Cues: where each subtitle breaks, and the SRT and WebVTT files."""

from episodekit.subtitles.breaking import make_cues
from episodekit.subtitles.formats import convert_cues, to_srt, to_vtt

__all__ = [
    "convert_cues",
    "make_cues",
    "to_srt",
    "to_vtt",
]

"""Stage 5, Segments -> episode.mp3: the timeline, music, mastering through ffmpeg, ID3 tags."""

from episodekit.audio.mix import render_episode
from episodekit.audio.music import MusicTracks, load_music
from episodekit.audio.timeline import chapter_marks, episode_length_ms, plan_timeline

__all__ = [
    "MusicTracks",
    "chapter_marks",
    "episode_length_ms",
    "load_music",
    "plan_timeline",
    "render_episode",
]

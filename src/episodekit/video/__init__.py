"""The video stage: episode.mp4 for YouTube and Bilibili from a finished bundle (issue 14)."""

from episodekit.video.render import VideoReport, read_facts, render_for_show, render_video
from episodekit.video.style import VideoStyle

__all__ = ["VideoReport", "VideoStyle", "read_facts", "render_for_show", "render_video"]

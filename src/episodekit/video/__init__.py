"""The video stage: episode.mp4 for YouTube and Bilibili from a finished bundle (issue 14)."""

from episodekit.video.render import VIDEO_NAME, VideoReport, read_facts, render_video
from episodekit.video.style import VideoStyle

__all__ = ["VIDEO_NAME", "VideoReport", "VideoStyle", "read_facts", "render_video"]

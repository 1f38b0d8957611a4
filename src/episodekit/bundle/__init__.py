"""Stage 6, everything -> out/<stem>/: YouTube chapters and description, the manifest."""

from episodekit.bundle.manifest import write_bundle
from episodekit.bundle.youtube import youtube_chapters

__all__ = [
    "write_bundle",
    "youtube_chapters",
]

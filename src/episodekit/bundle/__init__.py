"""Stage 6, everything -> out/<stem>/: YouTube chapters and description, the manifest, the
cover and the show's artwork, upload.json, chapters.json, and the podcast feed over out/."""

from episodekit.bundle.cover import ensure_artwork, write_cover
from episodekit.bundle.feed import write_feed
from episodekit.bundle.manifest import BuildRecord, write_bundle
from episodekit.bundle.youtube import youtube_chapters

__all__ = [
    "BuildRecord",
    "ensure_artwork",
    "write_bundle",
    "write_cover",
    "write_feed",
    "youtube_chapters",
]

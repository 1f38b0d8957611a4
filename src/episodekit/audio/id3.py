"""ID3v2 tags and chapters for the episode MP3, written with mutagen.

ffmpeg would write a `comment` as a TXXX frame, which players do not show, so the encoder writes
no tags at all and this module writes them afterwards: TIT2, TPE1, TALB, TDRC, a real COMM frame,
TLAN, TCOP, the source page as WOAS, the show's artwork as the front cover (APIC), one CHAP frame
per chapter and a top-level ordered CTOC (Apple Podcasts, Pocket Casts, Overcast read these).
Saved as ID3v2.3, which every podcast player reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCOP,
    TDRC,
    TIT2,
    TLAN,
    TPE1,
    WOAS,
    CTOCFlags,
    Encoding,
)

from episodekit.errors import AudioError
from episodekit.model import MAX_ID3_CHAPTERS, ChapterMark, Tags

TOC_ID = "toc"
# "No byte offset given" in a CHAP frame (ID3v2 chapter spec): players then use the times.
NO_OFFSET = 0xFFFFFFFF
FRONT_COVER = 3  # APIC picture type


def chapter_id(index: int) -> str:
    # Zero-padded: mutagen writes frames sorted by their key, and "chp10" sorts before "chp2";
    # tools that read CHAP frames in file order (ffmpeg) then list chapters shuffled.
    return f"chp{index:03d}"


def write_tags(path: Path, tags: Tags, chapters: Sequence[ChapterMark] = ()) -> None:
    """Replace any ID3 tag of the MP3 at `path` with `tags` and `chapters` (in time order; the
    first MAX_ID3_CHAPTERS of them)."""
    id3 = ID3()
    id3.add(TIT2(encoding=Encoding.UTF8, text=[tags.title]))
    if tags.artist:
        id3.add(TPE1(encoding=Encoding.UTF8, text=[tags.artist]))
    if tags.album:
        id3.add(TALB(encoding=Encoding.UTF8, text=[tags.album]))
    if tags.date:
        id3.add(TDRC(encoding=Encoding.UTF8, text=[tags.date]))
    if tags.comment:
        id3.add(COMM(encoding=Encoding.UTF8, lang=tags.language, desc="", text=[tags.comment]))
    if tags.language:
        id3.add(TLAN(encoding=Encoding.UTF8, text=[tags.language]))
    if tags.copyright:
        id3.add(TCOP(encoding=Encoding.UTF8, text=[tags.copyright]))
    if tags.url:
        id3.add(WOAS(url=tags.url))
    if tags.artwork is not None:
        id3.add(_cover(tags.artwork))
    ordered = sorted(chapters, key=lambda mark: mark.start_ms)[:MAX_ID3_CHAPTERS]
    for index, mark in enumerate(ordered):
        id3.add(
            CHAP(
                element_id=chapter_id(index),
                start_time=mark.start_ms,
                end_time=mark.end_ms,
                start_offset=NO_OFFSET,
                end_offset=NO_OFFSET,
                sub_frames=[TIT2(encoding=Encoding.UTF8, text=[mark.title])],
            )
        )
    if ordered:
        id3.add(
            CTOC(
                element_id=TOC_ID,
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=[chapter_id(i) for i in range(len(ordered))],
                sub_frames=[TIT2(encoding=Encoding.UTF8, text=["Chapters"])],
            )
        )
    try:
        id3.save(path, v2_version=3)
    except OSError as error:
        raise AudioError(f"{path}: cannot write ID3 tags: {error}") from error


def _cover(artwork: Path) -> APIC:
    try:
        data = artwork.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        raise AudioError(f"{artwork}: cannot read the artwork: {reason}") from error
    return APIC(encoding=Encoding.UTF8, mime="image/jpeg", type=FRONT_COVER, desc="", data=data)

"""Reading an episode's ID3 frames back, for the tests: what a podcast app would see.

Only the tests read tags back (the checker reads with mutagen on its own), so these live here
rather than in the audio stage."""

from __future__ import annotations

from pathlib import Path

from mutagen.id3 import ID3, ID3NoHeaderError, PictureType

from episodekit.model import ChapterMark, Tags

FRONT_COVER = PictureType.COVER_FRONT


def _load(path: Path) -> ID3:
    try:
        return ID3(path)
    except ID3NoHeaderError:
        return ID3()


def read_cover(path: Path) -> tuple[str, int, bytes] | None:
    """The embedded front cover of the MP3 at `path`: (MIME type, picture type, bytes)."""
    for frame in _load(path).getall("APIC"):
        if frame.type == FRONT_COVER:
            return str(frame.mime), int(frame.type), bytes(frame.data)
    return None


def read_tags(path: Path) -> Tags:
    id3 = _load(path)

    def text(frame_id: str) -> str:
        frame = id3.get(frame_id)
        return str(frame.text[0]) if frame is not None and frame.text else ""

    comments = id3.getall("COMM")
    sources = id3.getall("WOAS")
    return Tags(
        title=text("TIT2"),
        artist=text("TPE1"),
        album=text("TALB"),
        date=text("TDRC"),
        comment=str(comments[0].text[0]) if comments and comments[0].text else "",
        language=comments[0].lang if comments else "zho",
        copyright=text("TCOP"),
        url=str(sources[0].url) if sources else "",
    )


def read_chapters(path: Path) -> list[ChapterMark]:
    """The CHAP frames of `path` in time order (mutagen returns frames in its own order)."""
    marks = []
    for chap in _load(path).getall("CHAP"):
        title_frame = chap.sub_frames.get("TIT2")
        title = str(title_frame.text[0]) if title_frame is not None and title_frame.text else ""
        marks.append(ChapterMark(title=title, start_ms=chap.start_time, end_ms=chap.end_time))
    return sorted(marks, key=lambda mark: mark.start_ms)


def read_toc(path: Path) -> list[str]:
    """The child element ids of the top-level table of contents, in its order."""
    tocs = _load(path).getall("CTOC")
    return list(tocs[0].child_element_ids) if tocs else []

"""ID3 tags and chapters on a real MP3 made by ffmpeg, read back with mutagen."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from mutagen.id3 import ID3, CTOCFlags

from episodekit.audio import ffmpeg
from episodekit.audio.id3 import write_tags
from episodekit.model import ChapterMark, Tags
from tests.audio.id3_read import read_chapters, read_cover, read_tags, read_toc


@pytest.fixture
def mp3(tmp_path: Path) -> Path:
    path = tmp_path / "episode.mp3"
    subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
         "sine=frequency=440:sample_rate=24000:duration=3", *ffmpeg.MP3_ARGS,
         "-metadata", "comment=from ffmpeg", str(path)],
        check=True,
    )
    return path


TAGS = Tags(title="山姆·奧特曼訪談", artist="大飛", album="最佳拍檔", date="2024-05-01",
            comment="本期聊 AI 的下一步")
MARKS = [ChapterMark("開場", 0, 900), ChapterMark("第一章", 900, 2000),
         ChapterMark("結尾", 2000, 3000)]


def test_tags_read_back_with_a_real_comm_frame(mp3: Path) -> None:
    write_tags(mp3, TAGS, MARKS)
    assert read_tags(mp3) == TAGS
    id3 = ID3(mp3)
    assert id3.version[:2] == (2, 3)
    comments = id3.getall("COMM")
    assert [c.text for c in comments] == [["本期聊 AI 的下一步"]]
    assert comments[0].lang == "zho"
    assert not id3.getall("TXXX")  # ffmpeg's own comment tag was replaced, not kept


def test_chapters_read_back_in_time_order_with_an_ordered_toc(mp3: Path) -> None:
    write_tags(mp3, TAGS, list(reversed(MARKS)))  # order given must not matter
    assert read_chapters(mp3) == MARKS
    assert read_toc(mp3) == ["chp000", "chp001", "chp002"]
    id3 = ID3(mp3)
    chaps = {c.element_id: c for c in id3.getall("CHAP")}
    assert [chaps[i].start_time for i in read_toc(mp3)] == [0, 900, 2000]
    assert str(chaps["chp001"].sub_frames["TIT2"]) == "第一章"
    toc = id3.getall("CTOC")[0]
    assert toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED


def test_rewriting_replaces_old_chapters_and_keeps_the_audio_decodable(mp3: Path) -> None:
    write_tags(mp3, TAGS, MARKS)
    write_tags(mp3, Tags(title="新標題"), [ChapterMark("全部", 0, 3000)])
    assert read_chapters(mp3) == [ChapterMark("全部", 0, 3000)]
    assert read_tags(mp3) == Tags(title="新標題")
    decoded = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-v", "error", "-i", str(mp3), "-f", "null", "-"],
        capture_output=True, check=True,
    )
    assert decoded.stderr == b""


def test_no_chapters_means_no_toc(mp3: Path) -> None:
    write_tags(mp3, TAGS)
    assert read_chapters(mp3) == []
    assert read_toc(mp3) == []


def test_show_tags_and_artwork_read_back_with_mutagen(mp3: Path, tmp_path: Path) -> None:
    import io

    from PIL import Image

    artwork = tmp_path / "artwork.jpg"
    Image.new("RGB", (3000, 3000), "#14182a").save(artwork, "JPEG")
    tags = Tags(title="標題", artist="阿明", album="矽谷夜話", copyright="2026 矽谷夜話",
                url="https://example.com/talk", artwork=artwork)
    write_tags(mp3, tags, MARKS)
    assert read_tags(mp3) == Tags(title="標題", artist="阿明", album="矽谷夜話",
                                  copyright="2026 矽谷夜話", url="https://example.com/talk")
    [apic] = ID3(mp3).getall("APIC")
    assert (apic.mime, apic.type) == ("image/jpeg", 3)  # JPEG, front cover
    assert apic.data == artwork.read_bytes()
    assert Image.open(io.BytesIO(apic.data)).size == (3000, 3000)
    assert read_cover(mp3) == ("image/jpeg", 3, artwork.read_bytes())
    assert [str(f) for f in ID3(mp3).getall("TLAN")] == ["zho"]


def test_more_than_255_chapters_id3_takes_the_first_255_in_file_order(mp3: Path) -> None:
    # Issue 15 #7: a CTOC counts its children in one byte; 300 chapters ended in "internal
    # error: ValueError: bytes must be in range(0, 256)". #22: frames were stored ch0, ch1,
    # ch10, ch11, ch2…, so tools reading frames in file order listed chapters shuffled.
    marks = [ChapterMark(f"第{i}章", i * 10, (i + 1) * 10) for i in range(300)]
    write_tags(mp3, TAGS, marks)
    id3 = ID3(mp3)
    chaps = [frame for frame in id3.getall("CHAP")]
    assert len(chaps) == len(read_toc(mp3)) == 255
    assert [c.start_time for c in chaps] == [i * 10 for i in range(255)]  # file order = time
    assert read_chapters(mp3) == marks[:255]

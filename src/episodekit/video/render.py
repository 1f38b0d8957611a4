"""episode.mp4 from a finished bundle (episode.mp3, episode.srt, manifest.json), in one ffmpeg
run with the ffmpeg of the imageio-ffmpeg wheel (libx264, AAC, libass).

Why this shape (measured on the 2-core build machine, bench/RESULTS.md): the picture changes
only when a cue or a chapter starts or ends, so the video holds one frame per change (variable
frame rate; ~2 000 frames for 42 minutes) instead of 25 a second. The frames are one background
still repeated by ffmpeg's concat demuxer at the change times, and libass draws title, chapter
card and subtitles on each: no Python image work, no PNG per cue. A constant 25 fps costs about
25x more; x264's `stillimage` tune and AAC's fast coder keep the rest cheap.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import srt
from mutagen.easyid3 import EasyID3
from mutagen.id3 import ID3NoHeaderError

from episodekit.chinese import dominant_script
from episodekit.errors import EpisodeError, InputError
from episodekit.files import atomic_path
from episodekit.media import ffmpeg_exe
from episodekit.progress import SecondsProgress
from episodekit.show import load_show
from episodekit.video.picture import Timed, ass_document, frame_times
from episodekit.video.style import HEIGHT, WIDTH, VideoStyle, ffmpeg_colour, resolve_font

VIDEO_NAME = "episode.mp4"
AUDIO_RATE = 48_000
# ISO 639-2 code of the soft subtitle track (MP4 stores three letters).
SUBTITLE_LANGUAGE = "zho"
X264_ARGS = ("-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage", "-crf", "20",
             "-g", "120", "-colorspace", "bt709", "-color_primaries", "bt709",
             "-color_trc", "bt709")
AAC_ARGS = ("-c:a", "aac", "-aac_coder", "fast", "-b:a", "128k", "-ar", str(AUDIO_RATE))

OnProgress = Callable[[float], None]  # seconds of the episode rendered so far


class VideoError(EpisodeError):
    """ffmpeg could not make the video from a bundle."""


@dataclass(frozen=True)
class EpisodeFacts:
    """What the video needs from a bundle."""

    title: str
    artist: str
    album: str
    duration_ms: int
    chapters: tuple[Timed, ...]
    cues: tuple[Timed, ...]


@dataclass(frozen=True)
class VideoReport:
    path: Path
    seconds: float
    frames: int
    duration_ms: int
    soft_subtitles: bool = False

    def describe(self) -> str:
        """One line for the user: "wrote out/x/episode.mp4 in 98.8 s: 42:21, 2015 frames, ..."."""
        minutes, seconds = divmod(round(self.duration_ms / 1000), 60)
        kind = "subtitle track" if self.soft_subtitles else "burned-in subtitles"
        return (f"wrote {self.path} in {self.seconds:.1f} s: {minutes}:{seconds:02d}, "
                f"{self.frames} frames, {kind}")


def read_facts(folder: Path) -> EpisodeFacts:
    """Title, chapters, cues and length from the bundle in `folder` (InputError if missing)."""
    for name in ("manifest.json", "episode.srt", "episode.mp3"):
        if not (folder / name).is_file():
            raise InputError(folder / name, "missing: build the episode first")
    try:
        manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text("utf-8"))
        chapters = tuple(
            Timed(int(c["start_ms"]), int(c["end_ms"]), str(c["title"]))
            for c in manifest.get("chapters", [])
        )
        duration_ms = int(manifest["duration_ms"])
    except (ValueError, KeyError, TypeError) as error:
        raise InputError(folder / "manifest.json", f"unreadable: {error}") from error
    try:
        subs = srt.parse((folder / "episode.srt").read_text("utf-8-sig"))
        cues = tuple(
            Timed(round(s.start.total_seconds() * 1000), round(s.end.total_seconds() * 1000),
                  s.content)
            for s in subs
        )
    except (srt.SRTParseError, UnicodeDecodeError) as error:
        raise InputError(folder / "episode.srt", f"does not parse: {error}") from error
    try:
        tags = EasyID3(folder / "episode.mp3")
    except ID3NoHeaderError:
        tags = EasyID3()
    return EpisodeFacts(
        title=str(manifest.get("title", "")) or "".join(tags.get("title", [])),
        artist="".join(tags.get("artist", [])),
        album="".join(tags.get("album", [])),
        duration_ms=duration_ms,
        chapters=chapters,
        cues=cues,
    )


def _metadata_value(text: str) -> str:
    for char in ("\\", "=", ";", "#", "\n"):
        text = text.replace(char, "\\" + char)
    return text


def ffmetadata(facts: EpisodeFacts) -> str:
    """The MP4's title/artist/album and chapters in ffmpeg's metadata file format."""
    lines = [";FFMETADATA1"]
    for key in ("title", "artist", "album"):
        value = getattr(facts, key)
        if value:
            lines.append(f"{key}={_metadata_value(value)}")
    for chapter in facts.chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={chapter.start_ms}",
                  f"END={chapter.end_ms}", f"title={_metadata_value(chapter.text)}"]
    return "\n".join(lines) + "\n"


def frames_list(image: str, times: list[int], duration_ms: int) -> str:
    """An ffconcat script showing `image` from each time in `times` to the next (ms)."""
    rows = ["ffconcat version 1.0"]
    for start, end in zip(times, [*times[1:], duration_ms], strict=True):
        # framerate 1000 makes the frame's time base 1 ms (the default 1/25 s would move
        # every change to a multiple of 40 ms, before the cue it shows).
        rows += [f"file '{image}'", "option framerate 1000", f"duration {(end - start) / 1000:.3f}"]
    # The last entry's duration is only honoured when another file follows it.
    rows += [f"file '{image}'", "option framerate 1000"]
    return "\n".join(rows) + "\n"


def background_still(style: VideoStyle, target: Path) -> None:
    """The still behind everything, 1920x1080: the style's image (scaled to cover, centre
    cropped) or its plain colour. BMP, because the concat demuxer decodes it once per frame."""
    size = f"{WIDTH}x{HEIGHT}"
    if style.background_image is not None:
        if not style.background_image.is_file():
            raise InputError(style.background_image, "background image not found")
        source = ["-i", str(style.background_image), "-vf",
                  f"scale={WIDTH}:{HEIGHT}:force_original_aspect_ratio=increase,"
                  f"crop={WIDTH}:{HEIGHT}"]
    else:
        source = ["-f", "lavfi", "-i", f"color=c={ffmpeg_colour(style.background_colour)}:s={size}"]
    result = subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *source, "-frames:v", "1",
         "-pix_fmt", "bgr24", str(target)],
        capture_output=True, text=True, errors="replace", check=False,
    )
    if result.returncode != 0:
        where = style.background_image or style.background_colour
        raise InputError(str(where), f"cannot be used as the video background: "
                                     f"{result.stderr.strip()[-200:]}")


def _link_font(font_path: Path, folder: Path) -> None:
    """Put the one font libass may use into `folder` (a link where the file system allows)."""
    target = folder / f"font{font_path.suffix}"
    try:
        target.symlink_to(font_path.resolve())
    except OSError:
        target.write_bytes(font_path.read_bytes())


def _prepare(
    folder: Path, facts: EpisodeFacts, style: VideoStyle, soft_subtitles: bool, work: Path
) -> tuple[list[str], int]:
    """Write the inputs of the render into `work`; return ffmpeg's arguments and frame count.

    ffmpeg runs in `work`, so the filter graph only names files there (no path escaping)."""
    script = dominant_script("".join(cue.text for cue in facts.cues) or facts.title)
    font = resolve_font(style, script)
    _link_font(font.path, work)
    background_still(style, work / "background.bmp")
    burned = () if soft_subtitles else facts.cues
    picture = ass_document(facts.title, facts.chapters, burned, facts.duration_ms, style, font)
    (work / "picture.ass").write_text(picture, encoding="utf-8")
    times = frame_times([*facts.chapters, *burned], facts.duration_ms)
    (work / "frames.ffconcat").write_text(
        frames_list("background.bmp", times, facts.duration_ms), encoding="utf-8"
    )
    (work / "metadata.txt").write_text(ffmetadata(facts), encoding="utf-8")
    chapter_starts = ",".join(f"{c.start_ms / 1000:.3f}" for c in facts.chapters) or "0"
    inputs = ["-f", "concat", "-safe", "0", "-i", "frames.ffconcat",
              "-i", str((folder / "episode.mp3").resolve()),
              "-f", "ffmetadata", "-i", "metadata.txt"]
    maps = ["-map", "0:v", "-map", "1:a", "-map_metadata", "2", "-map_chapters", "2"]
    subtitle_args: list[str] = []
    if soft_subtitles:
        inputs += ["-i", str((folder / "episode.srt").resolve())]
        maps += ["-map", "3:s"]
        subtitle_args = ["-c:s", "mov_text", "-metadata:s:s:0", f"language={SUBTITLE_LANGUAGE}"]
    video_filter = ("subtitles=filename=picture.ass:fontsdir=.,"
                    "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,"
                    "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709")
    args = [*inputs, *maps, "-vf", video_filter, *X264_ARGS,
            "-force_key_frames", chapter_starts, "-fps_mode", "vfr",
            "-video_track_timescale", "1000", *AAC_ARGS, *subtitle_args,
            "-movflags", "+faststart", "-f", "mp4"]
    return args, len(times) + 1


def _run(args: list[str], output: Path, work: Path, on_progress: OnProgress | None) -> None:
    """Run ffmpeg in `work`, reporting its progress; stop it on any exception (Ctrl-C too)."""
    command = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error", "-nostats",
               "-progress", "pipe:1", "-y", *args, str(output)]
    with open(work / "ffmpeg.log", "w+b") as log:
        process = subprocess.Popen(command, cwd=work, stdout=subprocess.PIPE, stderr=log)
        try:
            assert process.stdout is not None
            for raw in process.stdout:
                key, _, value = raw.decode("ascii", "replace").strip().partition("=")
                if key == "out_time_us" and value.isdigit() and on_progress is not None:
                    on_progress(int(value) / 1_000_000)
            code = process.wait()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        log.seek(0)
        complaint = log.read().decode("utf-8", "replace").strip()
    if code != 0:
        last = complaint.splitlines()[-1] if complaint else f"exit status {code}"
        raise VideoError(f"{output.name}: ffmpeg could not render the video: {last}")


def render_video(
    folder: Path,
    style: VideoStyle | None = None,
    *,
    soft_subtitles: bool = False,
    on_progress: OnProgress | None = None,
) -> VideoReport:
    """Write `folder`/episode.mp4 from the bundle there. Nothing is left under that name
    unless the render finished (an interrupted one leaves no file, nor its temporary)."""
    started = time.perf_counter()
    facts = read_facts(folder)
    with tempfile.TemporaryDirectory(prefix="episode-video-") as tmp:
        work = Path(tmp)
        args, frames = _prepare(folder, facts, style or VideoStyle(), soft_subtitles, work)
        with atomic_path(folder / VIDEO_NAME) as partial:
            _run(args, partial.resolve(), work, on_progress)
    return VideoReport(
        path=folder / VIDEO_NAME,
        seconds=time.perf_counter() - started,
        frames=frames,
        duration_ms=facts.duration_ms,
        soft_subtitles=soft_subtitles,
    )


def render_for_show(
    folder: Path, show_file: Path | None, *, soft_subtitles: bool = False
) -> VideoReport:
    """`render_video` in the style of the show's [video] table (show.toml, or `show_file`),
    with progress on stderr: a bar on a terminal, a line every tenth otherwise."""
    style = load_show(show_file).video
    total_s = read_facts(folder).duration_ms / 1000
    with SecondsProgress(total_s, "video") as progress:
        return render_video(
            folder, style, soft_subtitles=soft_subtitles, on_progress=progress.update
        )

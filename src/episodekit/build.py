"""The main job: a summary or a script in, a finished bundle out.

This module only wires the stages together (ingest -> narrate -> speech -> audio -> subtitles ->
bundle) and decides which script a build uses. Every stage lives in its own package.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from episodekit import audio, bundle, files, narrate, speech, subtitles
from episodekit.errors import BuildInterrupted, Terminated
from episodekit.files import GENERATED_MARK, script_was_edited, text_sha256
from episodekit.files import bundle_folder as output_folder
from episodekit.ingest import check_summary, parse_text, read_text
from episodekit.model import (
    AudioReport,
    BuildStats,
    ChapterMark,
    Cue,
    Music,
    Pauses,
    Placement,
    Script,
    Tags,
    WriterOptions,
    WriterReport,
)
from episodekit.progress import StepReport
from episodekit.resources import find_dir
from episodekit.show import Show, load_show
from episodekit.speech import (
    SegmentCache,
    SpeechResult,
    VoiceProfile,
    load_profiles,
    resolve_cache_dir,
)

Report = Callable[[str], None]


@dataclass(frozen=True)
class BuildOptions:
    engine: str = "auto"
    jobs: int | None = None
    cache_dir: Path | None = None
    use_cache: bool = True
    templates: Path | None = None
    voices: Path | None = None
    show: Path | None = None  # show.toml; None: ./show.toml, else the shipped default
    loudness_lufs: float | None = None  # None: the show's [defaults] loudness
    subtitle_script: Literal["hans", "hant", "keep"] | None = None  # None: the show's
    subtitle_lines: int = 1
    music: Music | None = None
    pauses: Pauses = field(default_factory=Pauses)
    regenerate_script: bool = False
    writer: WriterOptions = field(default_factory=WriterOptions)
    progress: bool | None = None  # False: no progress display (--quiet)
    force: bool = False  # build input that does not look like a Chinese summary, with a warning


@dataclass(frozen=True)
class BuildResult:
    folder: Path
    files: dict[str, Path]
    duration_ms: int
    chapters: int
    cues: int
    integrated_lufs: float
    true_peak_dbtp: float
    engine: str
    stats: BuildStats
    notes: tuple[str, ...] = field(default=())


def generate_script(
    input_path: Path,
    templates: Path | None,
    text: str | None = None,
    show: Show | None = None,
    *,
    writer: WriterOptions | None = None,
    report: Report = lambda line: None,
    force: bool = False,
) -> tuple[Script, WriterReport | None]:
    """Narrate a summary file (its already decoded `text`, if given) into a Script for `show`,
    with the templates or a language model; the model's account (tokens, fallbacks) comes
    with it. What the narrator could not retell in full (a table too large) goes to
    `report`. Input that is not a Chinese summary is refused unless `force`."""
    show = show or load_show()
    text = read_text(input_path) if text is None else text
    document = parse_text(text, input_path, channel=show.names)
    document = check_summary(text, document, input_path, force, report)
    folder = find_dir("scripts", templates)
    writer = writer or WriterOptions()
    if writer.writer == "template":
        for line in narrate.retelling_notes(document):
            report(line)
        return narrate.narrate(document, folder, voice=show.voice, show=show), None
    from episodekit.narrate import llm

    settings = llm.settings_from(writer.model, writer.jobs)
    cache = llm.AnswerCache(
        resolve_cache_dir(writer.cache_dir) / "llm", read=not writer.ask_again
    )
    passages = None
    if writer.source is not None:
        llm.check_source_name(writer.source)  # before decoding a file of the wrong kind
        passages = llm.read_source(writer.source, read_text(writer.source))
    return llm.write(
        document,
        folder,
        settings,
        cache,
        minutes=writer.minutes,
        passages=passages,
        strict=writer.strict,
        on_warning=report,
        show=show,
    )


def guest_of(input_path: Path, show: Show) -> str:
    """The main guest named by a summary ("" for a script, which does not say)."""
    text = read_text(input_path)
    if narrate.is_script_text(text, input_path.name):
        return ""
    return parse_text(text, input_path, channel=show.names).guest


def write_generated_script(script_path: Path, script: Script) -> str:
    """Write a freshly generated script.md and remember its hash; returns the text."""
    text = narrate.render_script(script)
    files.write_in_folder(script_path.parent, script_path.name, text.encode("utf-8"))
    files.write_in_folder(script_path.parent, GENERATED_MARK, f"{text_sha256(text)}\n".encode())
    return text


def resolve_script(
    input_path: Path, folder: Path, options: BuildOptions, report: Report, show: Show | None = None
) -> tuple[Script, str, Path, WriterReport | None]:
    """The script this build speaks, script.md's text, the file it came from, and the language
    model's account when one wrote it in this build.

    A script file is used as it is. A summary is narrated, unless the folder already holds a
    script.md its user edited: that one wins (their edits are never thrown away), with a note.
    """
    text = read_text(input_path)
    if narrate.is_script_text(text, input_path.name):
        if options.writer.writer == "llm":
            report(f"{input_path} is a script: it is spoken as it is (--writer llm not used)")
        return narrate.parse_script(text, input_path), text, input_path, None
    script_path = folder / "script.md"
    if script_was_edited(script_path) and not options.regenerate_script:
        report(
            f"using your edited {script_path} (pass --regenerate-script to narrate "
            f"{input_path.name} again)"
        )
        edited = read_text(script_path)
        return narrate.parse_script(edited, script_path), edited, script_path, None
    writer = replace(
        options.writer,
        cache_dir=options.writer.cache_dir or options.cache_dir,
        jobs=options.writer.jobs or options.jobs,
        ask_again=options.writer.ask_again or options.regenerate_script,
    )
    script, account = generate_script(
        input_path, options.templates, text, show, writer=writer, report=report,
        force=options.force,
    )
    return script, write_generated_script(script_path, script), script_path, account


def spoken_segments(path: Path, engine: str, options: BuildOptions) -> list[speech.Spoken]:
    """Each segment's chapter title and engine text, for a script or a summary narrated now."""
    text = read_text(path)
    script = narrate.parse_script(text, path) if narrate.is_script_text(text) else (
        generate_script(path, options.templates, text, load_show(options.show))[0])
    return speech.planned_speech(script, find_dir("voices", options.voices), engine, str(path))


@dataclass(frozen=True)
class _Timeline:
    """Where everything sits in the finished episode (music, segments, chapters)."""

    tracks: audio.MusicTracks | None
    placements: tuple[Placement, ...]
    total_ms: int
    marks: list[ChapterMark]


def _speak(
    script: Script, script_source: Path, options: BuildOptions, note: Report, cache: SegmentCache
) -> tuple[dict[str, VoiceProfile], SpeechResult]:
    profiles = load_profiles(find_dir("voices", options.voices))
    spoken = speech.synthesize(
        script,
        profiles=profiles,
        engine=options.engine,
        cache=cache,
        jobs=options.jobs,
        progress=options.progress,
        on_warning=note,
        script_source=str(script_source),
    )
    return profiles, spoken


def _lay_out(
    script: Script, spoken: SpeechResult, options: BuildOptions, scratch: Path
) -> _Timeline:
    tracks = audio.load_music(options.music, scratch) if options.music else None
    offset_ms = tracks.intro_ms if tracks else 0
    placements = audio.plan_timeline(spoken.segments, options.pauses, offset_ms=offset_ms)
    total_ms = audio.episode_length_ms(
        placements, options.pauses, outro_ms=tracks.outro_ms if tracks else 0, offset_ms=offset_ms
    )
    # One set of chapters for everything (ID3, chapters.txt, manifest): YouTube's rules, where
    # they can be met, merge a chapter shorter than 10 s into its neighbour.
    all_marks = audio.chapter_marks(placements, [c.title for c in script.chapters], total_ms)
    return _Timeline(tracks, placements, total_ms, bundle.youtube_chapters(all_marks) or all_marks)


def _subtitle(timeline: _Timeline, options: BuildOptions, show: Show) -> list[Cue]:
    cues = subtitles.make_cues(
        timeline.placements, audio_end_ms=timeline.total_ms, max_lines=options.subtitle_lines
    )
    return subtitles.convert_cues(cues, options.subtitle_script or show.subtitles)


def episode_tags(script: Script, show: Show, artwork: Path) -> Tags:
    """The MP3's ID3 tags: the episode's title and summary, the show's name and credits."""
    written = show.in_script(script.script)
    return Tags(
        title=script.title,
        artist=written.credited,
        album=written.name,
        date=time.strftime("%Y-%m-%d"),
        comment=script.summary or script.title,
        copyright=f"{time.strftime('%Y')} {written.copyright or written.name}",
        url=script.source,
        artwork=artwork,
    )


def _render(
    script: Script, timeline: _Timeline, options: BuildOptions,
    where: tuple[Path, Path, StepReport], show: Show,
) -> AudioReport:
    """The pictures (the show's artwork beside the bundles, the episode's cover.jpg), then the
    MP3 with the artwork embedded; cover.jpg and the MP3 go to the scratch folder, which the
    bundle commit moves in (`where`: the bundle, the scratch folder, the stage display)."""
    folder, scratch, steps = where
    artwork = bundle.ensure_artwork(folder.parent, show)
    bundle.write_cover(scratch, script.title, show.in_script(script.script), script.script)
    loudness = options.loudness_lufs if options.loudness_lufs is not None else show.loudness
    return audio.render_episode(
        timeline.placements,
        scratch / "episode.mp3",
        total_ms=timeline.total_ms,
        loudness=loudness,
        music=timeline.tracks,
        tags=episode_tags(script, show, artwork),
        chapters=timeline.marks,
        work_dir=scratch,
        on_step=steps.start,
        on_progress=steps.progress,
    )


def build(
    input_path: Path, options: BuildOptions, *, out_root: Path | None = None,
    report: Report = lambda line: None,
) -> BuildResult:
    """Build the bundle for `input_path`: scratch in one folder per build, the files committed
    together (files.commit); Ctrl-C, SIGTERM: BuildInterrupted. Refused input leaves no folder."""
    started = time.perf_counter()
    notes: list[str] = []

    def note(line: str) -> None:
        notes.append(line)
        report(line)

    is_script = narrate.is_script_text(read_text(input_path), input_path.name)
    folder = output_folder(input_path, out_root, is_script=is_script)
    show = load_show(options.show)
    files.recover_commit(folder, note)
    files.sweep_scratch(folder)
    cache = SegmentCache(resolve_cache_dir(options.cache_dir), enabled=options.use_cache)
    try:
        result = _build(input_path, folder, options, (cache, show, note), started)
    except KeyboardInterrupt as error:
        raise BuildInterrupted(cache.written, isinstance(error, Terminated)) from error
    return replace(result, notes=tuple(notes))


@contextlib.contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    """Add the seconds the `with` block took to `timings[step]` (the manifest's stage times)."""
    tick = time.perf_counter()
    yield
    timings[step] = time.perf_counter() - tick


def _build(
    input_path: Path, folder: Path, options: BuildOptions,
    helpers: tuple[SegmentCache, Show, Report], started: float,
) -> BuildResult:
    cache, show, note = helpers
    timings: dict[str, float] = {}
    with _timed(timings, "script"):
        script, script_text, script_source, account = resolve_script(
            input_path, folder, options, note, show
        )
    with _timed(timings, "synthesis"):
        profiles, spoken = _speak(script, script_source, options, note, cache)

    with files.scratch_folder(folder) as scratch, StepReport(options.progress) as steps:
        steps.start("music" if options.music else "timeline")
        timeline = _lay_out(script, spoken, options, scratch)
        with _timed(timings, "subtitles"):
            steps.start("subtitles")
            cues = _subtitle(timeline, options, show)

        report_audio = _render(script, timeline, options, (folder, scratch, steps), show)
        timings.update(report_audio.seconds_by_step)

        steps.start("bundle")
        stats = BuildStats(
            synthesized=spoken.synthesized,
            from_cache=spoken.from_cache,
            wall_seconds=round(time.perf_counter() - started, 3),
            engine=spoken.engine_id,
            timings={name: round(seconds, 3) for name, seconds in timings.items()},
            writer=account,
        )
        voices = {name: p.settings_for(spoken.engine_id) for name, p in profiles.items()}
        record = bundle.BuildRecord(  # what manifest.json records
            script, timeline.placements, timeline.marks, report_audio, stats, spoken.engine_id,
            voices,
        )
        written = bundle.write_bundle(
            folder,
            record,
            staging=scratch,
            script_text=script_text,
            srt=subtitles.to_srt(cues),
            vtt=subtitles.to_vtt(cues),
            show=show.in_script(script.script),
            guest=guest_of(input_path, show),
        )
    return BuildResult(
        folder=folder,
        files=written,
        duration_ms=report_audio.duration_ms,
        chapters=len(timeline.marks),
        cues=len(cues),
        integrated_lufs=report_audio.integrated_lufs,
        true_peak_dbtp=report_audio.true_peak_dbtp,
        engine=spoken.engine_id,
        stats=stats,
    )

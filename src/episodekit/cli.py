"""The `episode` command. Thin: parse options, call a stage, print a short report.

Every error meant for a user is an EpisodeError: one line on stderr, exit code non-zero, no
traceback unless --verbose.
"""

from __future__ import annotations

import shutil
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from episodekit import __version__
from episodekit.cli_options import (
    MinutesOption,
    ModelOption,
    ShowOption,
    SoftSubtitlesOption,
    SourceOption,
    StrictOption,
    WriterChoice,
)
from episodekit.errors import EpisodeError, InputError

if TYPE_CHECKING:
    from episodekit.model import WriterReport

app = typer.Typer(
    name="episode",
    help="Turn a summary into a narrated episode: script, audio, subtitles, bundle, feed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

def _say(line: str) -> None:
    """A plain line on stdout (never rich markup: script text has [brackets])."""
    sys.stdout.write(line + "\n")


def _warn(line: str) -> None:
    sys.stderr.write(f"episode: {line}\n")


def _version(value: bool) -> None:
    if value:
        _say(f"episodekit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show details and tracebacks.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Options every command shares (main() reads --verbose from the arguments itself)."""


def _minutes(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _edited(target: Path) -> EpisodeError:
    return EpisodeError(
        f"{target}: you have edited this script; pass --force to overwrite it "
        "(or -o to write elsewhere)"
    )


def _writer_line(account: WriterReport) -> str:
    fallbacks = sum(1 for c in account.chapters if c.fallback)
    return (
        f"llm {account.model} ({account.requests} requests, {account.from_cache} from cache; "
        f"tokens {account.prompt_tokens} in, {account.completion_tokens} out"
        + (f"; {fallbacks} chapter(s) from the templates" if fallbacks else "")
        + ")"
    )


@app.command()
def script(
    input: Annotated[Path, typer.Argument(help="A summary file (.txt or .md).")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where to write the script.")
    ] = None,
    templates: Annotated[
        Path | None, typer.Option(help="Template folder (default: ./scripts or the built-in).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite a script.md you have edited.")] = False,
    show: ShowOption = None,
    writer: WriterChoice = "template",
    model: ModelOption = None,
    source: SourceOption = None,
    minutes: MinutesOption = None,
    strict: StrictOption = False,
    jobs: Annotated[
        int | None, typer.Option(help="Requests to the language model at once (default 4).")
    ] = None,
) -> None:
    """Write the narration script (default out/<stem>/script.md) for you to read and edit."""
    from episodekit import build, narrate
    from episodekit.show import load_show

    target = output or build.output_folder(input) / "script.md"
    if target.resolve() == input.resolve():
        raise InputError(input, "the script would overwrite its own input; pass -o FILE")
    options = build.writer_options(writer, model, source, minutes, strict, jobs)
    edited = build.script_was_edited(target) and not force
    # A model is paid by the token: refuse before asking it for a script that cannot be written.
    if edited and options.writer == "llm":
        raise _edited(target)
    script_obj, account = build.generate_script(
        input, templates, show=load_show(show), writer=options, report=_warn
    )
    if edited:
        raise _edited(target)
    build.write_generated_script(target, script_obj)
    segments = sum(len(c.paragraphs) for c in script_obj.chapters)
    _say(
        f"wrote {target}: {len(script_obj.chapters)} chapters, {segments} segments, "
        f"about {_minutes(narrate.estimate_seconds(script_obj))} spoken"
    )
    if account is not None:
        _say(f"  writer     {_writer_line(account)}")


@app.command(name="build")
def build_command(
    input: Annotated[Path, typer.Argument(help="A summary, or a script.md you edited.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder for out/<stem>/ (default ./out).")
    ] = None,
    engine: Annotated[
        str, typer.Option(help="Voice engine: auto (edge when reachable), edge or offline.")
    ] = "auto",
    jobs: Annotated[
        int | None, typer.Option(help="Segments synthesized at once (edge default 8, max 16).")
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(help="Segment cache folder (env EPISODEKIT_CACHE_DIR; default ~/.cache)."),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Synthesize every segment again.")
    ] = False,
    templates: Annotated[Path | None, typer.Option(help="Template folder.")] = None,
    voices: Annotated[Path | None, typer.Option(help="Voice profile folder.")] = None,
    show: ShowOption = None,
    loudness: Annotated[
        float | None,
        typer.Option(help="Loudness target in LUFS (default: the show's, -16; YouTube plays -14)."),
    ] = None,
    subtitles: Annotated[
        str | None,
        typer.Option(help="Subtitle characters: keep, hans, hant (default: the show's, keep)."),
    ] = None,
    lines: Annotated[int, typer.Option(help="Lines per subtitle cue: 1 or 2.")] = 1,
    pauses: Annotated[
        str,
        typer.Option(help="Silence in ms after a sentence, a paragraph, a chapter."),
    ] = "250,600,1200",
    intro_music: Annotated[Path | None, typer.Option(help="Music before the voice.")] = None,
    outro_music: Annotated[Path | None, typer.Option(help="Music after the voice.")] = None,
    bed: Annotated[Path | None, typer.Option(help="Music ducked under the voice.")] = None,
    regenerate_script: Annotated[
        bool,
        typer.Option(
            help="Narrate the summary again even if you edited script.md (the model is asked "
            "again, not its cached answers)."
        ),
    ] = False,
    writer: WriterChoice = "template",
    model: ModelOption = None,
    source: SourceOption = None,
    minutes: MinutesOption = None,
    strict: StrictOption = False,
    video: Annotated[bool, typer.Option(help="Also render the video, episode.mp4.")] = False,
    soft_subtitles: SoftSubtitlesOption = False,
) -> None:
    """Build the episode: script, audio, subtitles and upload files in out/<stem>/."""
    from episodekit.build import BuildOptions, build, writer_options
    from episodekit.model import Music, Pauses
    from episodekit.speech.engines import ENGINES
    from episodekit.video import render_for_show

    if engine not in ("auto", *ENGINES):
        *others, last = ("auto", *ENGINES)
        raise EpisodeError(f"--engine {engine!r}: choose {', '.join(others)} or {last}")
    if subtitles not in (None, "keep", "hans", "hant"):
        raise EpisodeError(f"--subtitles {subtitles!r}: choose keep, hans or hant")
    if lines not in (1, 2):
        raise EpisodeError(f"--lines {lines}: a cue has 1 or 2 lines")
    if jobs is not None and not 1 <= jobs <= 16:
        raise EpisodeError(f"--jobs {jobs}: choose 1 to 16")
    pause_ms = _parse_pauses(pauses)
    music = None
    if intro_music or outro_music or bed:
        music = Music(intro=intro_music, outro=outro_music, bed=bed)
    options = BuildOptions(
        engine=engine,
        jobs=jobs,
        cache_dir=cache_dir,
        use_cache=not no_cache,
        templates=templates,
        voices=voices,
        show=show,
        loudness_lufs=loudness,
        subtitle_script=subtitles,  # type: ignore[arg-type]
        subtitle_lines=lines,
        music=music,
        pauses=Pauses(*pause_ms),
        regenerate_script=regenerate_script,
        writer=writer_options(writer, model, source, minutes, strict, jobs),
    )
    result = build(input, options, out_root=output, report=_warn)
    stats = result.stats
    _say(
        f"built {result.folder}/ in {stats.wall_seconds:.1f} s\n"
        f"  duration   {_minutes(result.duration_ms / 1000)}\n"
        f"  chapters   {result.chapters}\n"
        f"  cues       {result.cues}\n"
        f"  loudness   {result.integrated_lufs:.1f} LUFS, "
        f"true peak {result.true_peak_dbtp:.1f} dBTP\n"
        f"  engine     {result.engine} "
        f"({stats.synthesized} synthesized, {stats.from_cache} from cache)\n"
        + (f"  writer     {_writer_line(stats.writer)}\n" if stats.writer else "")
        + f"  files      {', '.join(sorted(result.files))}"
    )
    if video:
        _say(render_for_show(result.folder, show, soft_subtitles=soft_subtitles).describe())


@app.command(name="video")
def video_command(
    folder: Annotated[Path, typer.Argument(help="A built bundle folder, e.g. out/<stem>/.")],
    soft_subtitles: SoftSubtitlesOption = False, show: ShowOption = None,
) -> None:
    """Render episode.mp4 (1920x1080 H.264 + AAC) from a built bundle, in the show's style."""
    from episodekit.video import render_for_show

    _say(render_for_show(folder, show, soft_subtitles=soft_subtitles).describe())


@app.command()
def spoken(
    input: Annotated[Path, typer.Argument(help="A script.md, or a summary (narrated now).")],
    engine: Annotated[str, typer.Option(help="Whose input to show: offline or edge.")] = "offline",
    voices: Annotated[Path | None, typer.Option(help="Voice profile folder.")] = None,
) -> None:
    """Print the exact text the voice engine is given, segment by segment. Writes nothing."""
    from episodekit.build import BuildOptions, spoken_segments

    for title, plan in spoken_segments(input, engine, BuildOptions(voices=voices)):
        _say(f"{plan.index + 1}  {title} · {plan.paragraph + 1} · {plan.speaker}")
        _say(f"   {plan.spoken}")


def _parse_pauses(text: str) -> tuple[int, int, int]:
    """'250,600,1200' -> (250, 600, 1200): sentence <= paragraph <= chapter, in ms."""
    parts = text.split(",")
    if len(parts) == 3 and all(p.strip().isdigit() for p in parts):
        sentence, paragraph, chapter = (int(p) for p in parts)
        if sentence <= paragraph <= chapter:
            return sentence, paragraph, chapter
    raise EpisodeError(
        f"--pauses {text!r}: give three silences in ms, sentence <= paragraph <= chapter, "
        "like 250,600,1200"
    )


@app.command()
def check(
    folder: Annotated[
        Path, typer.Argument(help="A bundle folder (out/<stem>/), or out/ to check feed.xml.")
    ],
    loudness: Annotated[
        float | None, typer.Option(help="Loudness target (default: the manifest's, else -16).")
    ] = None,
) -> None:
    """Check a bundle, or the feed in a folder of bundles, against the published rules; exit 1
    on any violation (warnings about where cues break, e.g. a word split, do not count)."""
    from episodekit.check import check_bundle, warning_lines
    from episodekit.check.feed import check_feed

    if not folder.is_dir():
        raise InputError(folder, "no such bundle folder")
    kwargs = {} if loudness is None else {"target_lufs": loudness}
    if (folder / "feed.xml").is_file() and not (folder / "manifest.json").is_file():
        violations = check_feed(folder)
    else:
        violations = check_bundle(folder, **kwargs)
    for line in [*map(str, violations), *warning_lines(folder)]:
        _say(line)
    if violations:
        _say(f"{len(violations)} problem(s) in {folder}")
        raise typer.Exit(1)
    _say(f"{folder}: meets the standards")


@app.command(name="voices")
def voices_command(
    voices: Annotated[Path | None, typer.Option(help="Voice profile folder.")] = None,
    language: Annotated[str, typer.Option(help="Language of the online voices to list.")] = "zh",
    online: Annotated[bool, typer.Option(help="Also list the voice service's voices.")] = True,
) -> None:
    """List the voice profiles and, when the service answers, its voices for a language."""
    from episodekit.resources import find_dir
    from episodekit.speech import load_profiles

    folder = find_dir("voices", voices)
    for name, profile in sorted(load_profiles(folder).items()):
        engines = ", ".join(f"{e}: {s.voice}" for e, s in sorted(profile.settings.items()))
        _say(f"{name:<12} {engines}  {profile.description}")
    if online:
        import asyncio

        from episodekit.speech.engines import EngineUnavailable
        from episodekit.speech.engines.edge import list_edge_voices

        try:
            found = asyncio.run(list_edge_voices(language))
        except EngineUnavailable as error:
            _warn(f"voice service unreachable ({error}); only profiles listed")
            return
        _say(f"\nonline voices for {language}:")
        for voice in found:
            _say(f"  {voice['ShortName']:<28} {voice.get('Gender', '')}")


@app.command()
def init(folder: Annotated[Path, typer.Argument(help="A folder for a new show.")]) -> None:
    """Write a commented show.toml and copy the default templates (scripts/) and voice profiles
    (voices/) into FOLDER: edit them, then run episode from FOLDER."""
    from episodekit.resources import default_dir, default_file
    from episodekit.show import SHOW_FILE

    targets = [folder / "scripts", folder / "voices", folder / SHOW_FILE]
    for target in targets:
        if target.exists():
            raise EpisodeError(f"{target}: already exists; not overwriting your {target.name}")
    for kind in ("scripts", "voices"):
        shutil.copytree(default_dir(kind), folder / kind)
        _say(f"created {folder / kind}/")
    shutil.copyfile(default_file(SHOW_FILE), folder / SHOW_FILE)
    _say(f"created {folder / SHOW_FILE} (your show's name, host and feed: edit it first)")


@app.command()
def feed(
    out: Annotated[Path, typer.Argument(help="The folder holding the built bundles.")] = Path(
        "out"
    ),
    show: ShowOption = None,
) -> None:
    """Write OUT/feed.xml, a podcast feed (RSS 2.0, Apple, Podcasting 2.0) of every bundle."""
    from episodekit.bundle import write_feed
    from episodekit.check.feed import check_feed
    from episodekit.show import load_show

    if not out.is_dir():
        raise InputError(out, "no such folder of bundles")
    path, count = write_feed(out, load_show(show))
    _say(f"wrote {path}: {count} episode(s)")
    # What Apple would refuse is said now, not when the feed is submitted.
    for violation in check_feed(out):
        _warn(str(violation))


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning every EpisodeError into one line and an exit code.

    Typer (standalone mode) prints usage errors itself and exits 2; what reaches us here is
    ours: a user's error (one line) or a bug (one line too, the traceback with --verbose).
    """
    args = sys.argv[1:] if argv is None else argv
    verbose = "--verbose" in args or "-v" in args
    try:
        app(args=args, prog_name="episode")
    except EpisodeError as error:
        if verbose:
            traceback.print_exc()
        _warn(str(error))
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        _warn("interrupted; finished segments are kept in the cache")
        sys.exit(130)
    except Exception as error:  # a bug: still one line, with the way to the details
        if verbose:
            traceback.print_exc()
        _warn(f"internal error: {type(error).__name__}: {error} (run with --verbose for details)")
        sys.exit(2)

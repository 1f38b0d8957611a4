"""The `episode` command. Thin: parse options, call a stage, print a short report.

The error contract (README): a user's error is one line naming the file or option, exit 1; an
option Typer refuses exits 2; the voice service 3; a bug ("internal error") 4; Ctrl-C 130 and
SIGTERM 143. `--verbose` and `--quiet` work before or after the subcommand.
"""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
import traceback
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from episodekit import __version__
from episodekit import cli_options as opts
from episodekit.errors import EpisodeError, InputError, Terminated, exit_line

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
    if not opts.quiet_mode():
        sys.stdout.write(line + "\n")


def _warn(line: str) -> None:
    sys.stderr.write(f"episode: {line}\n")


def _version(value: bool) -> None:
    if value:
        _say(f"episodekit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    verbose: opts.Verbose = False, quiet: opts.Quiet = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Options every command shares; they also work after the subcommand (main() reads
    --verbose from the arguments itself)."""


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
    force: Annotated[bool, typer.Option(
        help="Overwrite a script.md you have edited; narrate input that is not a Chinese summary."
    )] = False,
    show: opts.ShowOption = None,
    writer: opts.WriterChoice = "template",
    model: opts.ModelOption = None,
    source: opts.SourceOption = None,
    minutes: opts.MinutesOption = None,
    strict: opts.StrictOption = False,
    jobs: Annotated[
        int | None, typer.Option(help="Requests to the language model at once (default 4).")
    ] = None,
    verbose: opts.Verbose = False, quiet: opts.Quiet = False,
) -> None:
    """Write the narration script (default out/<stem>/script.md) for you to read and edit."""
    from episodekit import build, narrate
    from episodekit.show import load_show

    if output is not None and output.is_dir():
        raise InputError(output, "is a folder; -o takes the script's file name")
    target = output or build.output_folder(input, is_script=False) / "script.md"
    if target.resolve() == input.resolve():
        raise InputError(input, "the script would overwrite its own input; pass -o FILE")
    options = opts.writer_options(writer, model, source, minutes, strict, jobs)
    edited = build.script_was_edited(target) and not force
    # A model is paid by the token: refuse before asking it for a script that cannot be written.
    if edited and options.writer == "llm":
        raise _edited(target)
    script_obj, account = build.generate_script(
        input, templates, show=load_show(show), writer=options, report=_warn, force=force
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


def engine_choice(value: str) -> str:
    from episodekit.speech.engines import ENGINES

    return opts.one_of(value, ("auto", *ENGINES))


@app.command(name="build")
def build_command(
    input: Annotated[Path, typer.Argument(help="A summary, or a script.md you edited.")],
    output: opts.OutputFolderOption = None,
    engine: Annotated[
        str,
        typer.Option(
            callback=engine_choice,
            help="Voice engine: auto (edge when reachable), edge or offline.",
        ),
    ] = "auto",
    jobs: opts.JobsOption = None,
    cache_dir: opts.CacheDirOption = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Synthesize every segment again.")
    ] = False,
    templates: opts.TemplatesOption = None,
    voices: opts.VoicesOption = None,
    show: opts.ShowOption = None,
    loudness: opts.LoudnessOption = None,
    subtitles: opts.SubtitlesOption = None,
    lines: opts.LinesOption = 1,
    pauses: Annotated[
        str,
        typer.Option(help="Silence in ms after a sentence, a paragraph, a chapter."),
    ] = "250,600,1200",
    intro_music: Annotated[Path | None, opts.music_option("Music before the voice.")] = None,
    outro_music: Annotated[Path | None, opts.music_option("Music after the voice.")] = None,
    bed: Annotated[Path | None, opts.music_option("Music ducked under the voice.")] = None,
    regenerate_script: Annotated[
        bool,
        typer.Option(
            help="Narrate the summary again even if you edited script.md (the model is asked "
            "again, not its cached answers)."
        ),
    ] = False,
    writer: opts.WriterChoice = "template",
    model: opts.ModelOption = None,
    source: opts.SourceOption = None,
    minutes: opts.MinutesOption = None,
    strict: opts.StrictOption = False,
    video: Annotated[bool, typer.Option(help="Also render the video, episode.mp4.")] = False,
    soft_subtitles: opts.SoftSubtitlesOption = False,
    force: Annotated[
        bool, typer.Option(help="Narrate input that does not look like a Chinese summary.")
    ] = False,
    verbose: opts.Verbose = False, quiet: opts.Quiet = False,
) -> None:
    """Build the episode: script, audio, subtitles and upload files in out/<stem>/."""
    from episodekit.build import BuildOptions, build
    from episodekit.model import Music, Pauses
    from episodekit.video import render_for_show

    pause_ms = opts.parse_pauses(pauses)
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
        writer=opts.writer_options(writer, model, source, minutes, strict, jobs),
        progress=False if opts.quiet_mode() else None,
        force=force,
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
    soft_subtitles: opts.SoftSubtitlesOption = False, show: opts.ShowOption = None,
    verbose: opts.Verbose = False, quiet: opts.Quiet = False,
) -> None:
    """Render episode.mp4 (1920x1080 H.264 + AAC) from a built bundle, in the show's style."""
    from episodekit.video import render_for_show

    _say(render_for_show(folder, show, soft_subtitles=soft_subtitles).describe())


@app.command()
def spoken(
    input: Annotated[Path, typer.Argument(help="A script.md, or a summary (narrated now).")],
    engine: Annotated[str, typer.Option(help="Whose input to show: offline or edge.")] = "offline",
    voices: Annotated[Path | None, typer.Option(help="Voice profile folder.")] = None,
    verbose: opts.Verbose = False, quiet: opts.Quiet = False,
) -> None:
    """Print the exact text the voice engine is given, segment by segment. Writes nothing."""
    from episodekit.build import BuildOptions, spoken_segments

    for title, plan in spoken_segments(input, engine, BuildOptions(voices=voices)):
        _say(f"{plan.index + 1}  {title} · {plan.paragraph + 1} · {plan.speaker}")
        _say(f"   {plan.spoken}")


@app.command()
def check(
    folder: Annotated[
        Path, typer.Argument(help="A bundle folder (out/<stem>/), or out/ to check feed.xml.")
    ],
    loudness: Annotated[
        float | None,
        typer.Option(
            min=-30.0, max=-5.0, callback=opts.finite,
            help="Loudness target (default: the manifest's, else -16).",
        ),
    ] = None,
    verbose: opts.Verbose = False, quiet: opts.Quiet = False,
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
    verbose: opts.Verbose = False, quiet: opts.Quiet = False,
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
def init(
    folder: Annotated[Path, typer.Argument(file_okay=False, help="A folder for a new show.")],
    verbose: opts.Verbose = False, quiet: opts.Quiet = False,
) -> None:
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
    show: opts.ShowOption = None,
    verbose: opts.Verbose = False, quiet: opts.Quiet = False,
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


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    # An exception, so every `finally` runs: scratch folders removed, worker processes ended.
    raise Terminated()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning every error into one line and an exit code.

    Typer prints usage errors itself (exit 2); the rest is errors.exit_line's: a user's (1, 3
    for a service), a bug (4, traceback with --verbose), Ctrl-C 130, SIGTERM 143."""
    args = sys.argv[1:] if argv is None else argv
    verbose = "--verbose" in args or "-v" in args
    opts.reset_quiet()
    # The stdlib's first use probes the temp folder with a file: now, never under a SIGTERM.
    tempfile.gettempdir()
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (an embedding program): leave signals alone
        previous = None
    try:
        app(args=args, prog_name="episode")
    except (Exception, KeyboardInterrupt) as error:
        if verbose and not isinstance(error, KeyboardInterrupt):
            traceback.print_exc()
        line, code = exit_line(error)
        _warn(line)
        sys.exit(code)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)

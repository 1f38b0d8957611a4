"""Command-line options that several `episode` commands share, declared once (cli.py keeps the
commands themselves), and their checks as Typer callbacks: a value out of range or not among
the choices is refused by Typer (exit 2, naming the option) before any work starts."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from episodekit.errors import EpisodeError, InputError
from episodekit.model import WriterOptions


def _regular_file(value: Path | None) -> Path | None:
    if value is not None and not value.is_file():
        raise typer.BadParameter(f"{value}: not a regular file")
    return value


def finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number of LUFS")
    return value


def one_of(value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(map(repr, choices))}")
    return value


def subtitle_choice(value: str | None) -> str | None:
    return value if value is None else one_of(value, ("keep", "hans", "hant"))


def music_option(help: str) -> typer.models.OptionInfo:
    """A music file option: an existing, readable regular file, checked before any work."""
    return typer.Option(
        exists=True, dir_okay=False, readable=True, callback=_regular_file, help=help
    )


def parse_pauses(text: str) -> tuple[int, int, int]:
    """'250,600,1200' -> (250, 600, 1200): sentence <= paragraph <= chapter, in ms."""
    parts = text.split(",")
    if len(parts) == 3 and all(p.strip().isdigit() for p in parts):
        sentence, paragraph, chapter = (int(p) for p in parts)
        if sentence <= paragraph <= chapter:
            return sentence, paragraph, chapter
    raise typer.BadParameter(
        f"{text!r}: give three silences in ms, sentence <= paragraph <= chapter, "
        "like 250,600,1200",
        param_hint="--pauses",
    )


_state = {"quiet": False}


def quiet_mode() -> bool:
    """--quiet was given (before or after the subcommand): print only errors and warnings."""
    return _state["quiet"]


def reset_quiet() -> None:
    _state["quiet"] = False


def _set_quiet(value: bool) -> None:
    _state["quiet"] = _state["quiet"] or value


# Taken by the app and by every subcommand, so `episode build x --verbose` works as well as
# `episode --verbose build x` (main() reads --verbose from the arguments, wherever it is).
Verbose = Annotated[bool, typer.Option(
    "--verbose", "-v", expose_value=False, help="Details and tracebacks when something goes wrong."
)]
Quiet = Annotated[bool, typer.Option(
    "--quiet", "-q", callback=_set_quiet, expose_value=False,
    help="Print only errors and warnings (no progress, no report).",
)]


# The options of `build` (and the writer's, shared by `script` and `build`).
WriterChoice = Annotated[
    str, typer.Option("--writer", help="Who writes the narration: template or llm.")
]
ShowOption = Annotated[Path | None, typer.Option(help="Show file (default ./show.toml, built-in)")]
SoftSubtitlesOption = Annotated[
    bool, typer.Option(help="With the video: a subtitle track instead of burned-in text.")
]
ModelOption = Annotated[
    str | None, typer.Option(help="The language model for --writer llm (env EPISODEKIT_LLM_MODEL).")
]
SourceOption = Annotated[
    Path | None,
    typer.Option(help="The transcript or captions (.txt, .srt, .vtt) the model may draw on."),
]
MinutesOption = Annotated[
    float | None, typer.Option(help="Target spoken length in minutes for --writer llm (±20%).")
]
StrictOption = Annotated[
    bool, typer.Option(help="A chapter the model fails twice is an error, not a template fallback.")
]
OutputFolderOption = Annotated[Path | None, typer.Option(
    "--output", "-o", file_okay=False, help="Folder for out/<stem>/ (default ./out)."
)]
JobsOption = Annotated[int | None, typer.Option(
    min=1, max=16, help="Segments synthesized at once (edge default 8, max 16)."
)]
CacheDirOption = Annotated[Path | None, typer.Option(
    file_okay=False, help="Segment cache folder (env EPISODEKIT_CACHE_DIR; default ~/.cache)."
)]
TemplatesOption = Annotated[
    Path | None, typer.Option(exists=True, file_okay=False, help="Template folder.")
]
VoicesOption = Annotated[
    Path | None, typer.Option(exists=True, file_okay=False, help="Voice profile folder.")
]
LoudnessOption = Annotated[float | None, typer.Option(
    min=-30.0, max=-5.0, callback=finite,
    help="Loudness target in LUFS, -30 to -5 (default: the show's, -16; YouTube -14).",
)]
SubtitlesOption = Annotated[str | None, typer.Option(
    callback=subtitle_choice,
    help="Subtitle characters: keep, hans, hant (default: the show's, keep).",
)]
LinesOption = Annotated[int, typer.Option(min=1, max=2, help="Lines per subtitle cue: 1 or 2.")]


def writer_options(
    writer: str, model: str | None, source: Path | None, minutes: float | None, strict: bool,
    jobs: int | None,
) -> WriterOptions:
    """The writer's options as the command line gives them, checked (one line when wrong)."""
    if writer not in ("template", "llm"):
        raise EpisodeError(f"--writer {writer!r}: choose template or llm")
    if minutes is not None and not 0 < minutes <= 600:
        raise EpisodeError(f"--minutes {minutes:g}: give a length between 0 and 600 minutes")
    if source is not None and not source.is_file():
        raise InputError(source, "no such source file")
    return WriterOptions(
        writer=writer,  # type: ignore[arg-type]  # checked above
        model=model,
        source=source,
        minutes=minutes,
        strict=strict,
        jobs=jobs,
    )

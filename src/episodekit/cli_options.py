"""Command-line options that several `episode` commands share, declared once (cli.py keeps the
commands themselves)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# The writer's options, shared by `script` and `build`.
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

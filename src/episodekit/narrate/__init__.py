"""Stage 2, Document -> Script: the Jinja2 narrator, and script.md (read, write, estimate)."""

from episodekit.narrate.render import narrate
from episodekit.narrate.retell import retelling_notes
from episodekit.narrate.scriptfile import (
    estimate_seconds,
    is_script_text,
    parse_script,
    read_script,
    render_script,
    write_script,
)

__all__ = [
    "estimate_seconds",
    "is_script_text",
    "narrate",
    "parse_script",
    "read_script",
    "render_script",
    "retelling_notes",
    "write_script",
]

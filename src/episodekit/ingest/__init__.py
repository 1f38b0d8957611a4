"""Stage 1, summary file -> Document: decode the bytes, cut away what is not content, parse."""

from episodekit.ingest.decode import read_text
from episodekit.ingest.document import (
    check_summary,
    load_document,
    not_a_summary,
    parse_text,
    to_script,
)

__all__ = [
    "check_summary",
    "load_document",
    "not_a_summary",
    "parse_text",
    "read_text",
    "to_script",
]

"""`episode check`: a finished bundle against the published standards."""

from episodekit.check.rules import check_bundle, check_warnings, warning_lines

__all__ = [
    "check_bundle",
    "check_warnings",
    "warning_lines",
]

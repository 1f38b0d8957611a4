"""`episode check`: a finished bundle against the published standards."""

from episodekit.check.rules import check_bundle

__all__ = [
    "check_bundle",
]

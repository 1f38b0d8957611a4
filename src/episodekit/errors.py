"""One exception root. The CLI catches `EpisodeError`, prints `str(error)` as one line on
stderr and exits with `error.exit_code`; `--verbose` adds the traceback.

Each subclass keeps what went wrong as attributes and composes its own message, so tests can
assert the exact text a user sees.
"""

from __future__ import annotations

from pathlib import Path


class EpisodeError(Exception):
    """Anything a user can fix: bad input, a bad template, a bad voice profile."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(EpisodeError):
    """An input file that cannot be read or holds nothing to narrate."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class TemplateError(EpisodeError):
    """A script template that does not parse or render."""

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line else f"{self.path}"
        super().__init__(f"{where}: template error: {reason}")


class ScriptFormatError(EpisodeError):
    """A script.md that does not follow the script format."""

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line else f"{self.path}"
        super().__init__(f"{where}: {reason}")


class VoiceError(EpisodeError):
    """A voice profile that is malformed or names a voice that does not exist."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class SynthesisError(EpisodeError):
    """A segment that still failed after the last retry. Finished segments stay cached."""

    exit_code = 3

    def __init__(self, segment: int, text: str, cause: str) -> None:
        self.segment = segment
        self.text = text
        self.cause = cause
        preview = text if len(text) <= 20 else text[:20] + "…"
        super().__init__(f"segment {segment} ({preview!r}) failed: {cause}")


class ServiceUnreachable(EpisodeError):
    """The online voice service could not be reached at all."""

    def __init__(self, url: str, cause: str) -> None:
        self.url = url
        self.cause = cause
        super().__init__(f"voice service {url} unreachable: {cause}")


class AudioError(EpisodeError):
    """ffmpeg failed on audio we gave it, or a music file the user named is unusable."""


class WriterServiceError(EpisodeError):
    """The language model service is unreachable, refuses us, or kept failing. Every answer
    that had arrived stays cached, so a rerun resumes."""

    exit_code = 3

    def __init__(self, url: str, cause: str) -> None:
        self.url = url
        self.cause = cause
        super().__init__(f"language model service {url}: {cause}")


class WriterCheckError(EpisodeError):
    """With --strict: a chapter the model wrote twice and that failed the checks both times."""

    def __init__(self, chapter: int, title: str, reason: str) -> None:
        self.chapter = chapter
        self.title = title
        self.reason = reason
        super().__init__(
            f"chapter {chapter} «{title}»: the model's answer failed the checks twice ({reason})"
        )

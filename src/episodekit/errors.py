"""One exception root. The CLI catches `EpisodeError`, prints `str(error)` as one line on
stderr and exits with `error.exit_code`; `--verbose` adds the traceback.

Each subclass keeps what went wrong as attributes and composes its own message, so tests can
assert the exact text a user sees.
"""

from __future__ import annotations

import errno
import os
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
    """The online voice service could not be reached at all (exit 3, like a service that kept
    failing: the README's contract)."""

    exit_code = 3

    def __init__(self, url: str, cause: str) -> None:
        self.url = url
        self.cause = cause
        cause = cause.removeprefix("voice service unreachable: ")
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


class BuildInterrupted(EpisodeError):
    """Ctrl-C (exit 130) or SIGTERM (exit 143) during a build: says what was kept."""

    def __init__(self, cached: int, terminated: bool = False) -> None:
        self.cached = cached
        self.exit_code = 143 if terminated else 130
        what = "terminated" if terminated else "interrupted"
        super().__init__(
            f"{what}; {cached} segment(s) synthesized in this run are cached, the bundle was "
            "left as it was: run the same command again to resume"
        )


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised by the CLI's signal handler so that every `finally` (scratch folders,
    worker processes) runs as it does for Ctrl-C."""


# "internal error" (a bug) has its own exit code, distinct from 1 (a user's error), 2 (Typer's
# usage errors: a mistyped option) and 3 (the voice service).
INTERNAL_ERROR_EXIT = 4

_FIXABLE_OS_ERRORS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "disk quota exceeded",
    errno.ENOTDIR: "a file is in the way where a folder is needed",
    errno.EEXIST: "already exists",
    errno.EISDIR: "is a folder",
    errno.ENOENT: "no such file or folder",
    errno.ENAMETOOLONG: "file name too long",
}


def os_error_line(error: OSError) -> str | None:
    """One line for an OSError a user can fix (a read-only or full disk, a missing permission,
    a file where a folder must be), naming the path; None for anything else (a bug)."""
    reason = _FIXABLE_OS_ERRORS.get(error.errno or 0)
    if reason is None:
        return None
    where = error.filename or os.getcwd()
    return f"{where}: {reason}; fix that and run the command again"


def exit_line(error: BaseException) -> tuple[str, int]:
    """The one line and the exit code for what ended a command: a user's error (its own code),
    Ctrl-C or SIGTERM, an OSError a user can fix (exit 1), else a bug (internal error, 4)."""
    if isinstance(error, EpisodeError):
        return str(error), error.exit_code
    if isinstance(error, KeyboardInterrupt):  # outside a build (which says what it kept)
        terminated = isinstance(error, Terminated)
        return f"{'terminated' if terminated else 'interrupted'}; nothing was lost", (
            143 if terminated else 130
        )
    line = os_error_line(error) if isinstance(error, OSError) else None
    if line is not None:
        return line, 1
    return (
        f"internal error: {type(error).__name__}: {error} (run with --verbose for details)",
        INTERNAL_ERROR_EXIT,
    )

"""Where the templates (scripts/), voice profiles (voices/) and show.toml come from.

A folder of that name in the current directory wins; otherwise the defaults that ship inside the
wheel; in a source checkout installed in editable mode, the project's own top-level folders.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str, exists: Callable[[Path], bool], what: str) -> Path:
    """A shipped default: inside the wheel, or (editable install) at the checkout's top."""
    packaged = _PACKAGE / "defaults" / name
    if exists(packaged):
        return packaged
    # Editable install: src/episodekit/ -> project root.
    checkout = _PACKAGE.parent.parent / name
    if exists(checkout):
        return checkout
    raise FileNotFoundError(f"episodekit's default {what} is missing from {_PACKAGE}")


def default_dir(kind: str) -> Path:
    """The shipped defaults for `kind` ("scripts" or "voices")."""
    return _shipped(kind, Path.is_dir, f"{kind}/ folder")


def default_file(name: str) -> Path:
    """A shipped default file such as show.toml."""
    return _shipped(name, Path.is_file, name)


def find_dir(kind: str, explicit: Path | None = None, cwd: Path | None = None) -> Path:
    """The folder to use for `kind`: an explicit one, else ./kind, else the shipped defaults."""
    if explicit is not None:
        return explicit
    local = (cwd or Path.cwd()) / kind
    if local.is_dir():
        return local
    return default_dir(kind)

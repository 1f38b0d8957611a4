"""Where the templates (scripts/), voice profiles (voices/) and show.toml come from.

A folder of that name in the current directory wins; otherwise the defaults that ship inside the
wheel; in a source checkout installed in editable mode, the project's own top-level folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def default_dir(kind: str) -> Path:
    """The shipped defaults for `kind` ("scripts" or "voices")."""
    packaged = _PACKAGE / "defaults" / kind
    if packaged.is_dir():
        return packaged
    # Editable install: src/episodekit/ -> project root.
    checkout = _PACKAGE.parent.parent / kind
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"episodekit's default {kind}/ folder is missing from {_PACKAGE}")


def default_file(name: str) -> Path:
    """A shipped default file such as show.toml (in the wheel, or at the checkout's top)."""
    packaged = _PACKAGE / "defaults" / name
    if packaged.is_file():
        return packaged
    checkout = _PACKAGE.parent.parent / name
    if checkout.is_file():
        return checkout
    raise FileNotFoundError(f"episodekit's default {name} is missing from {_PACKAGE}")


def find_dir(kind: str, explicit: Path | None = None, cwd: Path | None = None) -> Path:
    """The folder to use for `kind`: an explicit one, else ./kind, else the shipped defaults."""
    if explicit is not None:
        return explicit
    local = (cwd or Path.cwd()) / kind
    if local.is_dir():
        return local
    return default_dir(kind)

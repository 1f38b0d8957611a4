"""File helpers every writer uses.

- Atomic writes: a failed or killed build never leaves a half-written file under a final name.
  A temporary file is made beside the target (O_EXCL, so it never follows a planted link) and
  renamed over it; a rename replaces a symlink at the target instead of writing through it.
- One function writes into a bundle (`write_in_folder`): it refuses any name that is not a plain
  file name inside the folder.
- One scratch folder per build (`scratch_folder`), inside the bundle folder so that staged files
  can be renamed into place; removed on every exit path, and by the next build when its owner
  was killed (`sweep_scratch`).
- The bundle is committed together (`commit`): every file is staged in the scratch folder, a
  marker naming them is written, they are renamed into place, then the marker goes. A marker
  left behind tells `check` and the next build (`recover_commit`) that a commit was cut short.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from episodekit.errors import EpisodeError, InputError

# mkstemp makes files only their owner can read; the bundle, the artwork and the feed are meant
# to be uploaded and served, so a written file gets the mode any new file would (0644 under the
# usual umask). The umask is read once, at import, while nothing else runs.
_UMASK = os.umask(0)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK

SCRATCH_PREFIX = ".episodekit-build-"
COMMIT_MARKER = ".episodekit-commit"
PART_SUFFIX = ".part"

Note = Callable[[str], None]


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """Open a temporary file beside `path`; on success fsync it and rename it over `path`.

    On any exception the temporary file is removed and `path` is untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PART_SUFFIX, dir=path.parent)
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    with atomic_output(path) as handle:
        handle.write(data)


def write_text_atomic(path: Path, text: str) -> None:
    """Write UTF-8 text (no BOM) with `\\n` line ends, atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` for a program that writes files itself (ffmpeg); on
    success it is renamed over `path`, on any exception (Ctrl-C too) it is removed.

    The temporary name keeps `path`'s suffix, so a writer that picks its format by the file
    name still sees `.mp4`.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{path.stem}.part.", suffix=path.suffix, dir=path.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def inside(folder: Path, name: str) -> Path:
    """`folder / name` for a plain file name; EpisodeError for anything that could land
    elsewhere (a separator, `.`/`..`, an empty name)."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise EpisodeError(f"{folder}: refusing to write {name!r}: not a file name in the bundle")
    return folder / name


def write_in_folder(folder: Path, name: str, data: bytes) -> Path:
    """Write `data` as `folder/name`, atomically. Never writes through a symlink at that name
    (the rename replaces the link itself) and never outside `folder`."""
    path = inside(folder, name)
    if path.is_dir() and not path.is_symlink():
        raise EpisodeError(f"{path}: is a folder; move it away so the bundle can be written")
    write_bytes_atomic(path, data)
    return path


def bundle_folder(
    input_path: Path, out_root: Path | None = None, *, is_script: bool = True
) -> Path:
    """out/<input file stem>/ — named after the file, never after text inside it.

    A script.md given as input (`is_script`: its text is a script) is built in the folder it
    sits in; a summary saved as script.md goes to out/script/, never onto itself. A stem that
    names no folder (`..txt` gives `.`, `...txt` gives `..`) or a folder that is a symlink or a
    file is refused.
    """
    if input_path.name == "script.md" and out_root is None and is_script:
        return input_path.parent
    if not input_path.stem.strip(". "):
        raise InputError(input_path, "the file name gives no folder name for the bundle "
                         f"(stem {input_path.stem!r}); rename the file")
    folder = (out_root or Path("out")) / input_path.stem
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise InputError(folder, "is not a folder episodekit made; move it away")
    return folder


# Beside script.md, the hash of the script episodekit last generated there. A script.md whose
# hash differs was edited by its user: a later build keeps it rather than regenerating it.
GENERATED_MARK = ".generated-script.sha256"


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def script_was_edited(script_path: Path) -> bool:
    """True when script.md exists and is not the one episodekit last generated there."""
    if not script_path.exists():
        return False
    mark = script_path.parent / GENERATED_MARK
    if not mark.exists():
        return True
    current = hashlib.sha256(script_path.read_bytes()).hexdigest()
    return mark.read_text(encoding="utf-8").strip() != current


# ---------------------------------------------------------------- scratch


@contextlib.contextmanager
def scratch_folder(bundle: Path) -> Iterator[Path]:
    """A fresh folder for one build's scratch files, inside `bundle`; removed on exit, whatever
    the exit (an error, Ctrl-C, SIGTERM turned into an exception by the CLI)."""
    bundle.mkdir(parents=True, exist_ok=True)
    scratch = bundle / f"{SCRATCH_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    scratch.mkdir()
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _scratch_owner(name: str) -> int | None:
    pid = name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
    return int(pid) if pid.isdigit() else None


def leftovers(bundle: Path) -> list[Path]:
    """Scratch folders and partial files in `bundle` that no running build owns."""
    if not bundle.is_dir():
        return []
    found = []
    for path in sorted(bundle.iterdir()):
        if path.name.startswith(SCRATCH_PREFIX):
            owner = _scratch_owner(path.name)
            if owner is None or owner == os.getpid() or not _alive(owner):
                found.append(path)
        elif path.name.startswith(".") and path.name.endswith(PART_SUFFIX):
            found.append(path)
    return found


def sweep_scratch(bundle: Path) -> None:
    """Remove what killed builds left in `bundle` (scratch folders, partial files)."""
    for path in leftovers(bundle):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


# ---------------------------------------------------------------- commit


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def commit(bundle: Path, staged: Path, names: Sequence[str]) -> None:
    """Move the files `names` from `staged` (a scratch folder in `bundle`) into `bundle`.

    The marker written first names the staged folder and the files; it is removed last. A
    kill in between leaves the marker, and `recover_commit` finishes the job.
    """
    for name in names:
        inside(bundle, name)
    listing = "\n".join([staged.name, *names]) + "\n"
    write_in_folder(bundle, COMMIT_MARKER, listing.encode("utf-8"))
    try:
        _move_all(bundle, staged, names)
    except BaseException:
        # Ctrl-C or SIGTERM in the middle: the remaining renames take microseconds, so finish
        # them rather than leave two builds' files side by side (only kill -9 can).
        _move_all(bundle, staged, names)
        raise
    finally:
        if not any((staged / name).is_file() for name in names):
            (bundle / COMMIT_MARKER).unlink(missing_ok=True)
    _fsync_dir(bundle)


def _move_all(bundle: Path, staged: Path, names: Sequence[str]) -> None:
    for name in names:
        source = staged / name
        if source.is_file():
            # os.replace renames over a symlink at the target: it never writes through it.
            os.replace(source, inside(bundle, name))
    _fsync_dir(bundle)


def recover_commit(bundle: Path, note: Note) -> None:
    """Finish a commit a killed build left half done (its marker is still there)."""
    marker = bundle / COMMIT_MARKER
    if not marker.is_file() or marker.is_symlink():
        return
    lines = [line for line in marker.read_text(encoding="utf-8").splitlines() if line]
    if lines and lines[0].startswith(SCRATCH_PREFIX) and "/" not in lines[0]:
        staged = bundle / lines[0]
        if staged.is_dir() and not staged.is_symlink():
            _move_all(bundle, staged, [name for name in lines[1:] if "/" not in name])
            shutil.rmtree(staged, ignore_errors=True)
            note(f"finished writing {bundle}/, which an interrupted build had left half written")
        else:
            note(f"{bundle}/ was left half written by an interrupted build; writing it anew")
    marker.unlink()
    _fsync_dir(bundle)

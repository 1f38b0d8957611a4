"""The segment cache: content-addressed synthesized speech, so a rerun (or a build after editing
one paragraph of script.md) only sends what changed.

An entry is `<key[:2]>/<key>.wav` plus `<key>.json`, each written atomically, the JSON last: an
entry counts only when both exist and agree, so a build killed at any moment leaves nothing a
later build would trust. The JSON records a SHA-256 of the audio and the timings, checked on
every read: an entry damaged or edited afterwards is discarded (and synthesized again), never
used. An entry without the hash (an older episodekit) is a plain miss and is overwritten.

The words stored are the engine's own (spans of the spoken text): the key is the spoken text, and
mapping onto the script's text is the speech stage's business.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from episodekit.files import write_bytes_atomic, write_text_atomic
from episodekit.model import VoiceSettings, Word
from episodekit.speech.engines import ENGINES, Synthesis

# Bump when what an engine produces for the same input changes (a new WAV layout, new timing
# rules), so old entries stop matching instead of being misread.
FORMAT_VERSION = 1

ENV_CACHE_DIR = "EPISODEKIT_CACHE_DIR"


def default_cache_dir() -> Path:
    """$EPISODEKIT_CACHE_DIR, else $XDG_CACHE_HOME/episodekit, else ~/.cache/episodekit."""
    explicit = os.environ.get(ENV_CACHE_DIR)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg).expanduser() / "episodekit"
    return Path.home() / ".cache" / "episodekit"


def resolve_cache_dir(option: Path | None = None) -> Path:
    """The `--cache-dir` option when given, else `default_cache_dir()`."""
    return option.expanduser() if option is not None else default_cache_dir()


def _revision(engine_id: str) -> int:
    entry = ENGINES.get(engine_id)
    return entry.revision if entry else 0  # a test's fake engine


def cache_key(engine_id: str, voice: VoiceSettings, spoken: str) -> str:
    """The entry for `spoken` said by `voice` on `engine_id`: the same input, the same key."""
    payload = json.dumps(
        [FORMAT_VERSION, engine_id, _revision(engine_id), asdict(voice), spoken],
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    """A complete entry, without its audio read into memory."""

    wav: Path
    duration_ms: int
    words: tuple[Word, ...]


def _words_from_json(raw: Any) -> tuple[Word, ...]:
    return tuple(Word(int(a), int(b), int(c), int(d)) for a, b, c, d in raw)


def content_hash(wav: bytes, duration_ms: int, words: Any) -> str:
    """SHA-256 of what an entry holds: the audio, its duration and its word timings."""
    digest = hashlib.sha256(wav)
    digest.update(json.dumps([duration_ms, words], separators=(",", ":")).encode("ascii"))
    return digest.hexdigest()


class SegmentCache:
    """Entries under `root`. With `enabled=False` nothing is read (every lookup is a miss) but
    results are still written: the segments' audio lives here either way, and a build run with
    --no-cache that gets interrupted can still be resumed."""

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.root = root
        self.enabled = enabled
        self.written = 0  # entries stored by this run (what an interrupted build kept)
        self.discarded: list[str] = []  # keys of damaged entries removed by lookup()

    def path_for(self, key: str) -> Path:
        """The WAV file of entry `key` (which may not exist yet)."""
        return self.root / key[:2] / f"{key}.wav"

    def _meta_path(self, key: str) -> Path:
        return self.path_for(key).with_suffix(".json")

    def lookup(self, key: str) -> CacheEntry | None:
        """The complete entry `key`, or None (missing, partial, corrupt or cache disabled)."""
        if not self.enabled:
            return None
        wav = self.path_for(key)
        try:
            meta = json.loads(self._meta_path(key).read_text(encoding="utf-8"))
            if meta["format"] != FORMAT_VERSION or meta["key"] != key or "sha256" not in meta:
                return None
            data = wav.read_bytes()
            if meta["sha256"] != content_hash(data, meta["duration_ms"], meta["words"]):
                self._discard(key)
                return None
            return CacheEntry(wav, int(meta["duration_ms"]), _words_from_json(meta["words"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            self._discard(key)
            return None

    def _discard(self, key: str) -> None:
        """Remove a damaged entry, so it can never be used (nor fail a build) again."""
        self.discarded.append(key)
        for path in (self._meta_path(key), self.path_for(key)):
            with contextlib.suppress(OSError):
                path.unlink()

    def get(self, key: str) -> Synthesis | None:
        entry = self.lookup(key)
        if entry is None:
            return None
        try:
            return Synthesis(entry.wav.read_bytes(), entry.duration_ms, entry.words)
        except OSError:
            return None

    def put(
        self,
        key: str,
        synthesis: Synthesis,
        *,
        engine: str = "",
        voice: VoiceSettings | None = None,
    ) -> Path:
        """Store `synthesis` under `key` and return its WAV path."""
        wav = self.path_for(key)
        write_bytes_atomic(wav, synthesis.wav)
        words = [[w.start_ms, w.end_ms, w.text_start, w.text_end] for w in synthesis.words]
        meta = {
            "format": FORMAT_VERSION,
            "key": key,
            "wav_bytes": len(synthesis.wav),
            "sha256": content_hash(synthesis.wav, synthesis.duration_ms, words),
            "duration_ms": synthesis.duration_ms,
            "words": words,
            "engine": engine,
            "voice": asdict(voice) if voice is not None else None,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        # Written last: its presence is what makes the entry count.
        write_text_atomic(self._meta_path(key), json.dumps(meta, ensure_ascii=False))
        self.written += 1
        return wav

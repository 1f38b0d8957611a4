"""Voice profiles: one TOML file per speaker in voices/, with per-engine voice settings and a
pronunciation lexicon. Everything here is checked before the first request is sent.

The narrator's lexicon is shared: every profile starts from it, and a profile's own [lexicon]
table overrides single entries (users expect "a16z" to be read the same whoever says it).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from episodekit.errors import VoiceError
from episodekit.model import VoiceSettings
from episodekit.speech.engines import ENGINES
from episodekit.speech.lexicon import Lexicon, respell

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = [
    "KNOWN_EDGE_VOICES",
    "SHARED_LEXICON_PROFILE",
    "VoiceProfile",
    "check_voice_name",
    "load_profiles",
    "offline_voice_names",
    "respell",
    "validate_profiles",
]

SHARED_LEXICON_PROFILE = "narrator"

RGX_RATE = re.compile(r"^[+-]\d+%$")  # rate and volume
RGX_PITCH = re.compile(r"^[+-]\d+Hz$")
RGX_EDGE_VOICE = re.compile(r"^[a-z]{2,3}-[A-Z]{2}(-[A-Za-z]+)?-[A-Za-z]+Neural$")
_RGX_TOML_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)")

# The Mandarin voices of the Edge list (STANDARDS.md); the online list extends it when reachable.
KNOWN_EDGE_VOICES = frozenset(
    {
        "zh-CN-YunxiNeural",
        "zh-CN-YunyangNeural",
        "zh-CN-YunjianNeural",
        "zh-CN-XiaoxiaoNeural",
        "zh-CN-XiaoyiNeural",
        "zh-TW-HsiaoChenNeural",
        "zh-TW-YunJheNeural",
    }
)

# Policy as data: (setting, pattern, the accepted form shown to the user).
_PROSODY_RULES = (
    ("rate", RGX_RATE, "use a signed percentage like +10% or -5%"),
    ("volume", RGX_RATE, "use a signed percentage like +10% or -5%"),
    ("pitch", RGX_PITCH, "use a signed frequency like +5Hz or -10Hz"),
)


# What each engine can say and a subtitle can still show (at most 9 characters a second):
# eSpeak's Mandarin runs ~5.2 characters/s at +0% (+50%: ~7.8), Edge's ~4.5 (+80%: ~8.1).
# Outside these a build would exit 0 with subtitles `episode check` rejects.
PROSODY_RANGES: dict[str, dict[str, tuple[int, int]]] = {
    "edge": {"rate": (-50, 80), "pitch": (-50, 50), "volume": (-100, 100)},
    "offline": {"rate": (-50, 50), "pitch": (-50, 50), "volume": (-100, 100)},
}
_UNITS = {"rate": "%", "volume": "%", "pitch": "Hz"}


@dataclass(frozen=True)
class VoiceProfile:
    name: str  # the file stem: what a script's speaker tag names
    description: str
    settings: Mapping[str, VoiceSettings]  # engine id -> settings
    lexicon: Lexicon
    source: str = ""  # the file, as shown in error messages

    def settings_for(self, engine_id: str) -> VoiceSettings:
        try:
            return self.settings[engine_id]
        except KeyError:
            raise VoiceError(
                self.source or self.name, f"has no [{engine_id}] table with a voice"
            ) from None


def _display(path: Path) -> str:
    """The path as a user would type it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read_toml(path: Path) -> dict[str, Any]:
    source = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise VoiceError(source, f"cannot be read: {error}") from error
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        line = _RGX_TOML_LINE.search(message)
        where = f"{source}:{line.group(1)}" if line else source
        raise VoiceError(where, f"malformed TOML: {_RGX_TOML_LINE.sub('', message)}") from error


def _string(table: Mapping[str, Any], key: str, default: str, source: str, where: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise VoiceError(source, f"{where}{key} must be a string in quotes, like \"{default}\"")
    return value


def _parse_lexicon(table: Any, source: str) -> dict[str, str]:
    if not isinstance(table, dict):
        raise VoiceError(source, '[lexicon] must be a table of "written" = "spoken" lines')
    entries: dict[str, str] = {}
    for written, spoken in table.items():
        if not isinstance(spoken, str) or not written.strip() or not spoken.strip():
            raise VoiceError(
                source, f'lexicon entry {written!r} must be "written" = "spoken", both non-empty'
            )
        entries[written] = spoken
    return entries


def _parse_profile(path: Path) -> tuple[VoiceProfile, dict[str, str]]:
    data = _read_toml(path)
    source = _display(path)
    settings: dict[str, VoiceSettings] = {}
    for engine_id in ENGINES:
        table = data.get(engine_id)
        if table is None:
            continue
        if not isinstance(table, dict) or not isinstance(table.get("voice"), str):
            raise VoiceError(source, f'[{engine_id}] needs voice = "…" (a voice name in quotes)')
        where = f"[{engine_id}] "
        settings[engine_id] = VoiceSettings(
            engine=engine_id,
            voice=table["voice"],
            rate=_string(table, "rate", "+0%", source, where),
            pitch=_string(table, "pitch", "+0Hz", source, where),
            volume=_string(table, "volume", "+0%", source, where),
        )
    description = data.get("description", "")
    if not isinstance(description, str):
        raise VoiceError(source, "description must be a string in quotes")
    lexicon = _parse_lexicon(data.get("lexicon", {}), source)
    profile = VoiceProfile(path.stem, description, settings, (), source)
    return profile, lexicon


def _merge(shared: dict[str, str], own: dict[str, str]) -> Lexicon:
    # ASCII keys match in any case, so "AI" in a guest profile overrides the narrator's "ai".
    merged: dict[str, tuple[str, str]] = {}
    for key, value in [*shared.items(), *own.items()]:
        merged[key.casefold() if key.isascii() else key] = (key, value)
    return tuple(sorted(merged.values()))


def load_profiles(voices_dir: Path) -> dict[str, VoiceProfile]:
    """Every `*.toml` profile in `voices_dir`, by name; lexicons merged with the narrator's."""
    parsed = {path.stem: _parse_profile(path) for path in sorted(voices_dir.glob("*.toml"))}
    shared = parsed[SHARED_LEXICON_PROFILE][1] if SHARED_LEXICON_PROFILE in parsed else {}
    profiles: dict[str, VoiceProfile] = {}
    for name, (profile, own) in parsed.items():
        lexicon = _merge(shared, own)
        profiles[name] = VoiceProfile(
            profile.name, profile.description, profile.settings, lexicon, profile.source
        )
    return profiles


def check_voice_name(engine_id: str, voice: str, known: Collection[str] | None) -> str | None:
    """Why `voice` is not a usable voice of `engine_id`, or None when it is.

    `known` is the set of voices the engine has; None when it cannot be told (the check then
    only covers the form of the name).
    """
    if engine_id == "edge" and not RGX_EDGE_VOICE.match(voice):
        return f"edge voice {voice!r} is malformed; use a name like zh-CN-YunxiNeural"
    if known is not None and voice not in known:
        choices = ", ".join(sorted(known)[:12])
        more = ", …" if len(known) > 12 else ""
        return f"{engine_id} voice {voice!r} does not exist; use one of {choices}{more}"
    return None


def offline_voice_names() -> frozenset[str] | None:
    """The eSpeak NG voices installed, or None when the offline engine cannot list them."""
    try:
        from episodekit.speech.engines.offline import list_offline_voices
    except ImportError:
        return None
    try:
        return frozenset(list_offline_voices(""))  # every language: "en" is a valid voice too
    except Exception:  # a listing failure must not block a build the engine may still run
        return None


def _prosody_problems(settings: VoiceSettings) -> Iterable[str]:
    ranges = PROSODY_RANGES.get(settings.engine, {})
    for field, pattern, accepted in _PROSODY_RULES:
        value = getattr(settings, field)
        if not pattern.match(value):
            yield f"{field} {value!r} is malformed; {accepted}"
            continue
        low, high = ranges.get(field, (-(10**6), 10**6))
        number = int(value.removesuffix(_UNITS[field]))
        if not low <= number <= high:
            unit = _UNITS[field]
            yield (
                f"[{settings.engine}] {field} {value!r} is out of range; "
                f"the {settings.engine} voice takes {low:+d}{unit} to {high:+d}{unit}"
            )


def validate_profiles(
    profiles: Mapping[str, VoiceProfile],
    engine_id: str,
    needed: Iterable[str],
    *,
    known_voices: Collection[str] | None = None,
    script_source: str = "script.md",
) -> None:
    """Refuse, with one VoiceError, anything that would fail once synthesis started: a speaker
    with no profile, a profile without settings for `engine_id`, malformed prosody, a voice
    name that is malformed or not in `known_voices` (None skips the existence check)."""
    for speaker in sorted(set(needed)):
        if speaker not in profiles:
            have = ", ".join(sorted(profiles)) or "none"
            sources = sorted({str(Path(p.source).parent) for p in profiles.values() if p.source})
            folder = f"{sources[0]}/" if len(sources) == 1 else "voices/"
            raise VoiceError(
                script_source,
                f"speaker [{speaker}] has no voice profile in {folder} (have: {have})",
            )
        profile = profiles[speaker]
        settings = profile.settings_for(engine_id)
        for problem in _prosody_problems(settings):
            raise VoiceError(profile.source or profile.name, problem)
        unknown = check_voice_name(engine_id, settings.voice, known_voices)
        if unknown:
            raise VoiceError(profile.source or profile.name, unknown)


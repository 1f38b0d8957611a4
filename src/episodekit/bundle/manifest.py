"""The upload bundle: script.md, chapters.txt, description.txt, manifest.json, chapters.json
(Podcasting 2.0 chapters), upload.json (the YouTube and Bilibili forms) and the subtitle files.
episode.mp3 is rendered by the audio stage into the build's scratch folder and cover.jpg made
by bundle.cover.

The manifest keeps the episode's feed identity: a guid and a publication date made by the first
build and carried over by every rebuild, so a podcast app never sees a rebuilt episode as new.

The folder is computed by the caller from the input file's name; this module only writes into
it, through files.write_in_folder and files.commit: every file is staged first, then all are
moved into place together, so a kill never leaves new audio beside old subtitles unnoticed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from episodekit import files
from episodekit.bundle.feed import podcast_chapters_json
from episodekit.bundle.upload import upload_metadata
from episodekit.bundle.youtube import description_text, format_chapters_txt, youtube_chapters
from episodekit.model import (
    AudioReport,
    BuildStats,
    ChapterMark,
    Placement,
    Script,
    VoiceSettings,
    WriterReport,
)
from episodekit.show import Show, default_show

MANIFEST = "manifest.json"

# ---------------------------------------------------------------- manifest


def _voice_entry(voice: VoiceSettings) -> dict[str, str]:
    return {
        "engine": voice.engine,
        "voice": voice.voice,
        "rate": voice.rate,
        "pitch": voice.pitch,
        "volume": voice.volume,
    }


def _writer_entry(script: Script, account: WriterReport | None) -> dict[str, Any]:
    """Who wrote the narration; with a language model in this build, its tokens per chapter
    (0 is the opening) and in total, and which chapters fell back to the templates."""
    entry: dict[str, Any] = {"writer": script.writer, "model": script.model}
    if account is None:
        return entry
    entry.update(
        requests=account.requests,
        from_cache=account.from_cache,
        tokens={"in": account.prompt_tokens, "out": account.completion_tokens},
        estimated_seconds=account.estimated_seconds,
        chapters=[
            {
                "chapter": number,
                "title": chapter.title,
                "tokens": {"in": chapter.prompt_tokens, "out": chapter.completion_tokens},
                "requests": chapter.requests,
                "from_cache": chapter.from_cache,
                "fallback": chapter.fallback,
            }
            for number, chapter in enumerate(account.chapters)
        ],
    )
    return entry


@dataclass(frozen=True)
class BuildRecord:
    """What a build made and how: everything manifest.json records."""

    script: Script
    placements: Sequence[Placement]
    chapters: Sequence[ChapterMark]
    audio_report: AudioReport
    stats: BuildStats
    engine: str
    voices: Mapping[str, VoiceSettings]


def make_manifest(record: BuildRecord) -> dict[str, Any]:
    """The machine-readable record of the build (the shape the checker reads)."""
    script, stats, audio_report = record.script, record.stats, record.audio_report
    placements, chapters, voices, engine = (
        record.placements, record.chapters, record.voices, record.engine
    )
    return {
        "title": script.title,
        "source": script.source,
        "duration_ms": audio_report.duration_ms,
        "engine": engine,
        "writer": _writer_entry(script, stats.writer),
        "voices": {speaker: _voice_entry(voices[speaker]) for speaker in sorted(voices)},
        "chapters": [
            {"title": mark.title, "start_ms": mark.start_ms, "end_ms": mark.end_ms}
            for mark in sorted(chapters, key=lambda mark: mark.start_ms)
        ],
        "segments": [
            {
                "index": p.segment.index,
                "chapter": p.segment.chapter,
                "paragraph": p.segment.paragraph,
                "speaker": p.segment.speaker,
                "text": p.segment.text,
                "start_ms": p.start_ms,
                "end_ms": p.end_ms,
                "engine": p.segment.voice.engine,
                "voice": p.segment.voice.voice,
                "from_cache": p.segment.from_cache,
            }
            for p in sorted(placements, key=lambda p: (p.start_ms, p.segment.index))
        ],
        "stats": {
            "synthesized": stats.synthesized,
            "from_cache": stats.from_cache,
            "wall_seconds": round(stats.wall_seconds, 3),
            "timings": {stage: round(seconds, 3) for stage, seconds in stats.timings.items()},
        },
        "loudness": {
            "target_lufs": audio_report.target_lufs,
            "integrated_lufs": audio_report.integrated_lufs,
            "true_peak_dbtp": audio_report.true_peak_dbtp,
            "encodes": audio_report.attempts,
        },
    }


def episode_identity(folder: Path, show: Show, now: datetime | None = None) -> dict[str, str]:
    """The guid and first publication date of the episode in `folder`: the ones its manifest
    already has, else new ones. The guid is a name-based UUID (the show's name and the folder),
    so even a bundle rebuilt from nothing gets the guid it had."""
    try:
        old = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    old = old if isinstance(old, dict) else {}
    guid, published = old.get("guid"), old.get("published")
    if not isinstance(guid, str) or not guid:
        name = f"episodekit:{show.name}/{folder.name}"
        guid = "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    try:
        datetime.fromisoformat(str(published))
    except ValueError:
        stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
        published = stamp.replace(microsecond=0).isoformat()
    return {"guid": guid, "published": str(published)}


def manifest_json(manifest: Mapping[str, Any]) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# ---------------------------------------------------------------- writing


def write_bundle(
    folder: Path,
    record: BuildRecord,
    *,
    script_text: str,
    srt: str | None = None,
    vtt: str | None = None,
    show: Show | None = None,
    guest: str = "",
    staging: Path | None = None,
) -> dict[str, Path]:
    """Write the bundle's files into `folder` together; return them by name (with cover.jpg
    when it is already there).

    The text files are staged in `staging` (a scratch folder inside `folder`, which may already
    hold episode.mp3 from the audio stage) and committed with it; without `staging` a scratch
    folder of its own is used."""
    if staging is None:
        with files.scratch_folder(folder) as scratch:
            return write_bundle(
                folder, record, script_text=script_text, srt=srt, vtt=vtt, show=show,
                guest=guest, staging=scratch,
            )
    script, chapters = record.script, record.chapters
    show = show or default_show()
    identity = episode_identity(folder, show)
    # YouTube form or nothing: a list YouTube would refuse (fewer than 3 chapters of 10 s) is
    # no use pasted into the upload form, and the ID3 chapters and manifest keep them all.
    chapter_lines = youtube_chapters(chapters)
    manifest = make_manifest(record)
    language = show.language_for(script.script)
    manifest.update(identity)
    manifest.update(
        script=script.script, language=language, summary=script.summary,
        show={"name": show.name, "host": show.host},
    )
    upload = upload_metadata(script, chapters, show, language, guest)
    contents = {
        "script.md": script_text,
        "chapters.txt": format_chapters_txt(chapter_lines),
        "description.txt": description_text(script, chapters),
        "manifest.json": manifest_json(manifest),
        "chapters.json": podcast_chapters_json(chapters),
        "upload.json": json.dumps(upload, ensure_ascii=False, indent=2) + "\n",
    }
    if srt is not None:
        contents["episode.srt"] = srt
    if vtt is not None:
        contents["episode.vtt"] = vtt
    for name, text in contents.items():
        files.write_in_folder(staging, name, text.encode("utf-8"))
    made = [name for name in ("episode.mp3", "cover.jpg") if (staging / name).is_file()]
    names = sorted([*contents, *made])
    files.commit(folder, staging, names)
    written = {name: folder / name for name in names}
    for name in ("episode.mp3", "cover.jpg"):  # made by this build or kept from the last one
        if (folder / name).is_file():
            written[name] = folder / name
    return dict(sorted(written.items()))

"""The upload bundle: script.md, chapters.txt, description.txt, manifest.json (and the subtitle
files the caller hands over). episode.mp3 itself is written by the audio stage.

The folder is computed by the caller from the input file's name; this module only writes into
it, atomically, and refuses any path that would land outside it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from episodekit.bundle.youtube import description_text, format_chapters_txt, youtube_chapters
from episodekit.files import write_text_atomic
from episodekit.model import AudioReport, BuildStats, ChapterMark, Placement, Script, VoiceSettings

# ---------------------------------------------------------------- manifest


def _voice_entry(voice: VoiceSettings) -> dict[str, str]:
    return {
        "engine": voice.engine,
        "voice": voice.voice,
        "rate": voice.rate,
        "pitch": voice.pitch,
        "volume": voice.volume,
    }


def make_manifest(
    *,
    script: Script,
    placements: Sequence[Placement],
    chapters: Sequence[ChapterMark],
    audio_report: AudioReport,
    stats: BuildStats,
    engine: str,
    voices: Mapping[str, VoiceSettings],
) -> dict[str, Any]:
    """The machine-readable record of the build (the shape the checker reads)."""
    return {
        "title": script.title,
        "source": script.source,
        "duration_ms": audio_report.duration_ms,
        "engine": engine,
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


def manifest_json(manifest: Mapping[str, Any]) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# ---------------------------------------------------------------- writing


def _target(folder: Path, name: str) -> Path:
    """`folder / name`, refusing anything that resolves outside `folder`."""
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise ValueError(f"refusing to write {path}: outside the bundle folder {folder}")
    return path


def write_bundle(
    folder: Path,
    *,
    script: Script,
    script_text: str,
    placements: Sequence[Placement],
    chapters: Sequence[ChapterMark],
    audio_report: AudioReport,
    stats: BuildStats,
    engine: str,
    voices: Mapping[str, VoiceSettings],
    srt: str | None = None,
    vtt: str | None = None,
) -> dict[str, Path]:
    """Write the bundle's text files into `folder`, each atomically; return them by name
    (with episode.mp3 when render_episode already put it there)."""
    folder.mkdir(parents=True, exist_ok=True)
    # YouTube form or nothing: a list YouTube would refuse (fewer than 3 chapters of 10 s) is
    # no use pasted into the upload form, and the ID3 chapters and manifest keep them all.
    chapter_lines = youtube_chapters(chapters)
    manifest = make_manifest(
        script=script, placements=placements, chapters=chapters, audio_report=audio_report,
        stats=stats, engine=engine, voices=voices,
    )
    contents = {
        "script.md": script_text,
        "chapters.txt": format_chapters_txt(chapter_lines),
        "description.txt": description_text(script, chapters),
        "manifest.json": manifest_json(manifest),
    }
    if srt is not None:
        contents["episode.srt"] = srt
    if vtt is not None:
        contents["episode.vtt"] = vtt
    written: dict[str, Path] = {}
    for name, text in contents.items():
        path = _target(folder, name)
        write_text_atomic(path, text)
        written[name] = path
    mp3 = _target(folder, "episode.mp3")
    if mp3.is_file():
        written["episode.mp3"] = mp3
    return dict(sorted(written.items()))

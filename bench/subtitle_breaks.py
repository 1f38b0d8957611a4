"""Where the subtitles of built bundles break, as a Chinese subtitler judges it (issue 12).

    python bench/subtitle_breaks.py out/000_c0def597f3ce7aed [more bundle folders...]
    python bench/subtitle_breaks.py --speed out/004_91e8d78da4333a85

The first prints one Markdown table, a column per bundle: the share of cue breaks that split a
word (by the segmenter the breaker uses, rjieba), of cues that end at a clause end (and the most
that can, given the cue width: a clause wider than a cue needs a break inside), the cues that
end inside a clause that would fit one (and of those, the ones that open with a lead-in clause
of at most 4 characters, 首先，他認為，, too short to be a cue of its own), of cues that run
across a sentence end, of breaks inside a Latin name or term or another span that stays whole,
and the cues that open or close on a binding particle. The counts come from
episodekit.check.breaks, the code behind `episode check`'s warnings.

`--speed` times make_cues on 300 segments made from the bundle's script texts (one timed event
per character, as the offline voice gives), one and two lines, best of 5 runs of CPU time.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import srt

from episodekit.check.breaks import BreakAudit, audit_breaks
from episodekit.model import Cue, Placement, Segment, VoiceSettings, Word
from episodekit.subtitles import make_cues
from episodekit.text import is_content


def read_bundle(folder: Path) -> tuple[list[str], list[Cue]]:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    texts = [str(s["text"]) for s in manifest["segments"]]
    raw = (folder / "episode.srt").read_text(encoding="utf-8-sig")
    one_ms = timedelta(milliseconds=1)
    cues = [
        Cue(s.start // one_ms, s.end // one_ms, tuple(s.content.split("\n")))
        for s in srt.parse(raw)
    ]
    return texts, cues


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "–"


ROWS: tuple[tuple[str, Callable[[BreakAudit], str]], ...] = (
    ("cue breaks that split a word",
     lambda a: f"{_pct(a.word_splits, a.breaks)} ({a.word_splits}/{a.breaks})"),
    ("cues that end at a clause end (most possible)",
     lambda a: f"{_pct(a.clause_end_cues, a.cues)} ({_pct(a.clause_end_possible, a.cues)})"),
    ("cues ending inside a clause that fits a cue (of them, after a lead-in such as 首先，)",
     lambda a: f"{a.inside_fitting} ({a.after_lead_in})"),
    ("cues that run across a sentence end",
     lambda a: f"{_pct(a.sentence_spans, a.cues)} ({a.sentence_spans})"),
    ("breaks inside a Latin name or term",
     lambda a: f"{_pct(a.name_splits, a.breaks)} ({a.name_splits})"),
    ("breaks inside a number+unit, bracket/quote, label+value",
     lambda a: f"{_pct(a.span_splits, a.breaks)} ({a.span_splits})"),
    ("cues opening/closing on a binding particle",
     lambda a: f"{a.particle_edges} of {a.cues}"),
    ("line breaks that split a word (two-line cues)",
     lambda a: f"{a.line_word_splits} of {a.line_breaks}"),
)


def table(folders: list[Path]) -> str:
    audits = [(folder.name.split("_")[0], audit_breaks(*read_bundle(folder))) for folder in folders]
    out = ["| | " + " | ".join(name for name, _ in audits) + " |",
           "|---|" + "---|" * len(audits)]
    for label, cell in ROWS:
        out.append(f"| {label} | " + " | ".join(cell(a) for _, a in audits) + " |")
    return "\n".join(out)


def synthetic_episode(texts: list[str], count: int = 300) -> tuple[list[Placement], int]:
    """`count` segments cycling through `texts`, 200 ms a character, 150 ms at punctuation."""
    voice = VoiceSettings(engine="offline", voice="cmn")
    placements, clock = [], 0
    for index in range(count):
        text = texts[index % len(texts)]
        words, t = [], 0
        for i, ch in enumerate(text):
            if is_content(ch):
                words.append(Word(t, t + 200, i, i + 1))
                t += 200
            else:
                t += 150
        segment = Segment(
            index=index, chapter=index // 20, paragraph=index, speaker="narrator", text=text,
            spoken=text, audio=Path("unused.wav"), duration_ms=t, words=tuple(words), voice=voice,
        )
        placements.append(Placement(segment, clock))
        clock += t + 600
    return placements, clock + 1000


def speed(folder: Path) -> str:
    texts, _ = read_bundle(folder)
    placements, end = synthetic_episode(texts)
    chars = sum(len(p.segment.text) for p in placements)
    lines = []
    for max_lines in (1, 2):
        best = float("inf")
        for _ in range(5):
            tick = time.process_time()
            cues = make_cues(placements, audio_end_ms=end, max_lines=max_lines)
            best = min(best, time.process_time() - tick)
        lines.append(f"300 segments ({chars} characters), {max_lines} line(s): "
                     f"{len(cues)} cues in {best:.3f} s CPU (best of 5)")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    folders = [Path(a) for a in argv if a != "--speed"]
    if not folders:
        print(__doc__)
        return 2
    print(speed(folders[0]) if "--speed" in argv else table(folders))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

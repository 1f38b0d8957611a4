"""Figures of ../shared/NARRATION.md for script.md files, and the checks every script must pass.

    PYTHONPATH=src python bench/narration_stats.py out/*/script.md [--summary seed.txt]

Per 1000 Chinese characters of body: ordinals opening a sentence, contrast words (但是、不過、
然而), attribution verbs (all, and how many distinct), questions. Then each problem the narrate
stage's checks find (episodekit.narrate.checks), one per line.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from episodekit.ingest import load_document
from episodekit.narrate.checks import check_script, narration_stats
from episodekit.narrate.scriptfile import read_script

# The channel's own figures (NARRATION.md), for comparison.
CHANNEL = {
    "ordinals": "0.0–0.2",
    "contrast": "但是 3.6–5.4, 不過 1.6",
    "attribution": "6–8",
    "questions": "1–2.4 (explainer)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scripts", nargs="+", type=Path)
    parser.add_argument("--summary", type=Path, help="the summary the script was made from")
    args = parser.parse_args()
    doc = load_document(args.summary) if args.summary else None
    for path in args.scripts:
        script = read_script(path)
        stats = narration_stats(script)
        print(f"{path}: " + ", ".join(f"{k} {v}" for k, v in stats.items()))
        for problem in check_script(script, doc):
            print(f"  {problem}")
    print("channel: " + ", ".join(f"{k} {v}" for k, v in CHANNEL.items()))


if __name__ == "__main__":
    main()

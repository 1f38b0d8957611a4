"""The speech stage alone, as `episode build` runs it (same functions, same defaults), for the
edge concurrency figure: what is measured is synthesis, not assembly. Prints one JSON line.

    python bench/synth_only.py SCRIPT.md --engine edge --jobs 8
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from episodekit import speech
from episodekit.narrate.scriptfile import read_script
from episodekit.resources import find_dir
from episodekit.speech.cache import SegmentCache, resolve_cache_dir
from episodekit.speech.voices import load_profiles


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("script", type=Path)
    parser.add_argument("--engine", default="edge")
    parser.add_argument("--jobs", type=int)
    args = parser.parse_args()
    script = read_script(args.script)
    profiles = load_profiles(find_dir("voices"))
    start = time.perf_counter()
    result = speech.synthesize(
        script, profiles=profiles, engine=args.engine, cache=SegmentCache(resolve_cache_dir()),
        jobs=args.jobs, progress=False,
    )
    seconds = time.perf_counter() - start
    print(json.dumps({"synthesized": result.synthesized, "seconds": round(seconds, 3)}))


if __name__ == "__main__":
    main()

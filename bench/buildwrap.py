"""`episode` exactly as the CLI runs it, plus one observation: how many MP3 encoding passes the
build made and how long each took (render_episode re-encodes when the verified loudness misses;
the manifest does not say so). Written as JSON to $BENCH_ENCODE_LOG.

    python bench/buildwrap.py build INPUT -o OUT --engine offline
"""

from __future__ import annotations

import json
import os
import sys
import time

from episodekit.audio import ffmpeg as master
from episodekit.cli import main

_real_encode = master.encode_mp3
_passes: list[float] = []


def _counting_encode(*args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    try:
        return _real_encode(*args, **kwargs)
    finally:
        _passes.append(round(time.perf_counter() - start, 3))
        log = os.environ.get("BENCH_ENCODE_LOG")
        if log:
            with open(log, "w", encoding="utf-8") as handle:
                json.dump(_passes, handle)


master.encode_mp3 = _counting_encode

if __name__ == "__main__":
    sys.argv[0] = "episode"
    main()

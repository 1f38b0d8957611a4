"""Synthetic scripts (script.md format) made of the seeds' own Chinese clauses."""

from __future__ import annotations

import random
import re
from pathlib import Path

from common import ROOT

RGX_CLAUSE = re.compile(r"[，。！？；：、,;:!?\n（）()“”「」\"]+")
RGX_CJK = re.compile(r"[\u4e00-\u9fff]")
RGX_CLEAN = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9 ]+$")


def clauses() -> list[str]:
    """Distinct clauses of the seeds: 6 to 18 characters, mostly CJK, no markup."""
    found: dict[str, None] = {}
    for seed in sorted((ROOT / "seeds").glob("*.txt")):
        for piece in RGX_CLAUSE.split(seed.read_text(encoding="utf-8-sig")):
            piece = piece.strip().lstrip("-*# ").strip()
            cjk = len(RGX_CJK.findall(piece))
            if 6 <= len(piece) <= 18 and cjk >= 0.8 * len(piece) and RGX_CLEAN.match(piece):
                found[piece] = None
    return list(found)


def paragraphs(count: int, chars: int) -> list[str]:
    """`count` distinct one-sentence paragraphs of about `chars` characters each."""
    pool = clauses()
    pick = random.Random(0)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        parts: list[str] = []
        while sum(len(p) for p in parts) < chars - 4:
            parts.append(pick.choice(pool))
        text = "，".join(parts) + "。"
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def script_text(title: str, texts: list[str], per_chapter: int) -> str:
    lines = ["---", f"title: {title}", "voice: narrator", "script: hant", "---", ""]
    for start in range(0, len(texts), per_chapter):
        lines += [f"## 第{start // per_chapter + 1}章", ""]
        for text in texts[start : start + per_chapter]:
            lines += [text, ""]
    return "\n".join(lines)


def write_script(path: Path, title: str, count: int, chars: int, per_chapter: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(script_text(title, paragraphs(count, chars), per_chapter), encoding="utf-8")
    return path

"""`episode check` warns about cue breaks a Chinese subtitler would not make."""

from __future__ import annotations

import json
from pathlib import Path

from episodekit.check import check_warnings
from episodekit.check.breaks import audit_breaks
from episodekit.model import Cue
from episodekit.subtitles.formats import to_srt

TEXTS = [
    "大家好，這裡是最佳拍檔。我們今天聊聊計算機，和OpenAI CEO Sam Altman的訪談。",
    "他將在「最佳拍檔」節目裡說明。",
]
BAD = [
    "大家好　這裡是最佳拍檔　我們今天",  # runs past the sentence end
    "聊聊計",  # splits 計算機
    "算機　和OpenAI CEO",  # splits the name
    "Sam Altman",
    "的訪談",  # opens with 的
    "他將",  # ends on 將
    "在「最佳",  # splits a quote that fits a line
    "拍檔」節目裡說明",
]
GOOD = [
    "大家好　這裡是最佳拍檔",
    "我們今天聊聊計算機",
    "和OpenAI CEO Sam Altman的訪談",  # 和 after a comma binds to nothing before it
    "他將在「最佳拍檔」節目裡說明",
]


def bundle(folder: Path, lines: list[str]) -> Path:
    folder.mkdir()
    segments = [{"index": k, "text": text} for k, text in enumerate(TEXTS)]
    (folder / "manifest.json").write_text(json.dumps({"segments": segments}), encoding="utf-8")
    (folder / "episode.srt").write_text(to_srt(cues(lines)), encoding="utf-8")
    return folder


def cues(lines: list[str]) -> list[Cue]:
    return [Cue(k * 2000, k * 2000 + 1500, (line,)) for k, line in enumerate(lines)]


def test_badly_broken_cues_get_one_warning_each(tmp_path: Path) -> None:
    assert [str(w) for w in check_warnings(bundle(tmp_path / "bad", BAD))] == [
        "episode.srt: cue 1 (00:00:00,000): sentence spanned: runs on past '最佳拍檔。'",
        "episode.srt: cue 2 (00:00:02,000): word split: ends inside '計算機'",
        "episode.srt: cue 3 (00:00:04,000): name split: ends inside 'OpenAI CEO Sam Altman'",
        "episode.srt: cue 5 (00:00:08,000): particle at an edge: starts with '的'",
        "episode.srt: cue 6 (00:00:10,000): particle at an edge: ends on '將'",
        "episode.srt: cue 7 (00:00:12,000): bracket split: ends inside '「最佳拍檔」'",
    ]


def test_well_broken_cues_get_no_warning(tmp_path: Path) -> None:
    assert check_warnings(bundle(tmp_path / "good", GOOD)) == []


def test_the_audit_counts_what_the_bench_table_shows() -> None:
    bad, good = audit_breaks(TEXTS, cues(BAD)), audit_breaks(TEXTS, cues(GOOD))
    assert (bad.cues, bad.breaks, good.cues, good.breaks) == (8, 7, 4, 3)
    assert (bad.sentence_spans, bad.word_splits, bad.name_splits, bad.span_splits) == (1, 1, 1, 1)
    assert (bad.particle_edges, good.particle_edges) == (2, 0)
    # Only 的訪談 and the last cue end at a clause or sentence end; every good cue does.
    assert (bad.clause_end_cues, good.clause_end_cues) == (2, 4)
    # No clause is wider than a line: every cue could end at one.
    assert (bad.clause_end_possible, good.clause_end_possible) == (8, 4)


def test_a_line_break_is_judged_like_a_cue_break() -> None:
    two_lines = [
        Cue(0, 1500, ("大家好　這裡是最佳拍檔",)),
        Cue(2000, 3500, ("我們今天聊聊計", "算機")),
        Cue(4000, 5500, ("和OpenAI CEO Sam", "Altman的訪談")),
        Cue(6000, 7500, ("他將在「最佳拍檔」節目裡說明",)),
    ]
    found = audit_breaks(TEXTS, two_lines)
    assert (found.line_breaks, found.line_word_splits) == (2, 1)
    assert [(f.cue, f.kind, f.detail) for f in found.faults] == [
        (2, "word split", "line 1 ends inside '計算機'"),
        (3, "name split", "line 1 ends inside 'OpenAI CEO Sam Altman'"),
    ]

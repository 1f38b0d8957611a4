from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import srt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from episodekit.model import Cue, Placement, Segment, VoiceSettings, Word
from episodekit.subtitles.breaking import make_cues
from episodekit.subtitles.formats import convert_cues, to_srt, to_vtt
from episodekit.subtitles.pieces import LATIN_TOKEN
from episodekit.text import content_letters, display_width, is_content

VOICE = VoiceSettings(engine="edge", voice="zh-CN-YunxiNeural")
MS_PER_WIDTH = 170  # slower than 9 cps, as real Mandarin speech is (4-6 chars/s)


def segment(index: int, text: str, words: list[tuple[int, int, int, int]], duration: int,
            chapter: int = 0) -> Segment:
    return Segment(
        index=index, chapter=chapter, paragraph=index, speaker="narrator", text=text, spoken=text,
        audio=Path("unused.wav"), duration_ms=duration,
        words=tuple(Word(*w) for w in words), voice=VOICE,
    )


# ---------------------------------------------------------------- generated episodes

CJK = "我們今天聊人工智能模型的未來大家好這裡是最佳拍檔飛說"
LATIN = ["OpenAI", "GPT-4o", "3.5", "U.S", "AI", "Sam", "ChatGPT"]
SEPARATORS = ["", "", "", "，", "。", "、", "？", "！", " ", "：", "；", "「", "」", ", ", "……"]


@dataclass
class Episode:
    placements: list[Placement]
    audio_end_ms: int


@st.composite
def episodes(draw: st.DrawFn) -> Episode:
    placements: list[Placement] = []
    clock = draw(st.integers(0, 2000))
    for index in range(draw(st.integers(1, 4))):
        text, words, t = "", [], 0
        for _ in range(draw(st.integers(1, 14))):
            text += draw(st.sampled_from(SEPARATORS))
            if draw(st.booleans()):
                token = draw(st.sampled_from(LATIN))
            else:
                token = "".join(draw(st.lists(st.sampled_from(CJK), min_size=1, max_size=4)))
            start = len(text)
            text += token
            # Pauses at punctuation; each width unit of text gets enough time to be read.
            t += draw(st.integers(120, 400))
            duration = round(display_width(token) * MS_PER_WIDTH) + draw(st.integers(0, 200))
            if draw(st.integers(0, 9)) == 0:
                t += duration  # the engine gave no timing for this token
                continue
            if draw(st.booleans()) and len(token) > 1:
                # eSpeak style: one event per character (Latin tokens arrive split too).
                step = duration // len(token)
                for k in range(len(token)):
                    if is_content(token[k]):
                        words.append((t + k * step, t + (k + 1) * step, start + k, start + k + 1))
            else:
                words.append((t, t + duration, start, start + len(token)))
            t += duration
        text += draw(st.sampled_from(["", "。", "？", "！」"]))
        t += draw(st.integers(120, 300))
        chapter = index // 2
        placements.append(Placement(segment(index, text, words, t, chapter), clock))
        clock += t + draw(st.integers(300, 1200))
    return Episode(placements, clock + draw(st.integers(800, 2000)))


def letters_with_words(placements: list[Placement]) -> list[tuple[str, Word | None, int]]:
    """Each content character of the script, with the word that times it, and the offset."""
    out = []
    for p in placements:
        for i, ch in enumerate(p.segment.text):
            if is_content(ch):
                word = next((w for w in p.segment.words if w.text_start <= i < w.text_end), None)
                out.append((ch, word, p.start_ms))
    return out


def unbreakable(placements: list[Placement]) -> set[int]:
    """Letter positions k where a cue may not begin (k is inside a word or a Latin token)."""
    cuts: set[int] = set()
    base = 0
    for p in placements:
        text = p.segment.text
        index_of = {}
        for i, ch in enumerate(text):
            if is_content(ch):
                index_of[i] = base + len(index_of)
        spans = [(w.text_start, w.text_end) for w in p.segment.words]
        spans += [(m.start(), m.end()) for m in LATIN_TOKEN.finditer(text)]
        for a, b in spans:
            inner = [index_of[i] for i in range(a, b) if i in index_of]
            cuts.update(inner[1:])
        base += len(index_of)
    return cuts


def check_rules(ep: Episode, cues: list[Cue], max_lines: int) -> None:
    script = letters_with_words(ep.placements)
    shown = "".join(content_letters("".join(c.lines)) for c in cues)
    assert shown == "".join(c for c, _, _ in script)
    forbidden = unbreakable(ep.placements)
    position = 0
    for n, cue in enumerate(cues):
        assert 1 <= len(cue.lines) <= max_lines
        for line in cue.lines:
            assert line and display_width(line) <= 16, line
            assert line[0] not in "，。、；：" and line[-1] not in "，。、；：", line
            assert "，" not in line and "。" not in line, line
        duration = cue.end_ms - cue.start_ms
        assert 833 <= duration <= 7000
        assert sum(map(display_width, cue.lines)) * 1000 / duration <= 9.0 + 1e-9
        if n + 1 < len(cues):
            assert cue.end_ms <= cues[n + 1].start_ms
        shown = len(content_letters("".join(cue.lines)))
        assert position not in forbidden, (position, cue)
        _, first, offset = script[position]
        if first is not None:
            assert abs(cue.start_ms - (offset + first.start_ms)) <= 150, cue
        _, last, offset = script[position + shown - 1]
        if last is not None:
            assert cue.end_ms >= offset + last.end_ms
        position += shown
    assert cues[-1].end_ms <= ep.audio_end_ms


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(episodes(), st.sampled_from([1, 2]))
def test_generated_episodes_meet_every_rule(ep: Episode, max_lines: int) -> None:
    cues = make_cues(ep.placements, audio_end_ms=ep.audio_end_ms, max_lines=max_lines)
    check_rules(ep, cues, max_lines)


@settings(max_examples=60, deadline=None)
@given(episodes())
def test_srt_round_trips(ep: Episode) -> None:
    cues = make_cues(ep.placements, audio_end_ms=ep.audio_end_ms)
    parsed = list(srt.parse(to_srt(cues)))
    assert [s.index for s in parsed] == list(range(1, len(cues) + 1))
    assert [
        Cue(s.start // timedelta(milliseconds=1), s.end // timedelta(milliseconds=1),
            tuple(s.content.split("\n")))
        for s in parsed
    ] == cues


# ---------------------------------------------------------------- a small hand-made episode


def hand_made() -> tuple[list[Placement], int]:
    # 大家好，這裡是最佳拍檔，我是大飛。 spoken at 250 ms per character, commas 200 ms.
    first = segment(0, "大家好，這裡是最佳拍檔，我是大飛。", [
        (0, 750, 0, 3), (950, 1450, 4, 6), (1450, 1700, 6, 7), (1700, 2700, 7, 11),
        (2900, 3400, 12, 14), (3400, 3900, 14, 16)], 4100)
    # The engine gave one word for "GPT-4o" and none for 的 (it joins 聊聊's neighbour).
    second = segment(1, "今天聊聊OpenAI的GPT-4o？", [
        (0, 500, 0, 2), (500, 1000, 2, 4), (1000, 1600, 4, 10), (1850, 2600, 11, 17)], 2900)
    return [Placement(first, 500), Placement(second, 5400)], 9000


def test_hand_made_episode_srt_and_vtt() -> None:
    placements, end = hand_made()
    cues = make_cues(placements, audio_end_ms=end)
    assert to_srt(cues) == textwrap.dedent("""\
        1
        00:00:00,400 --> 00:00:04,400
        大家好　這裡是最佳拍檔　我是大飛

        2
        00:00:05,300 --> 00:00:08,000
        今天聊聊OpenAI的GPT-4o？

        """)
    assert to_vtt(cues) == textwrap.dedent("""\
        WEBVTT

        00:00:00.400 --> 00:00:04.400
        大家好　這裡是最佳拍檔　我是大飛

        00:00:05.300 --> 00:00:08.000
        今天聊聊OpenAI的GPT-4o？
        """)


def test_narrow_lines_break_at_commas_and_drop_them() -> None:
    placements, _ = hand_made()
    cues = make_cues(placements[:1], audio_end_ms=5000, max_line_width=8)
    assert [c.lines for c in cues] == [("大家好",), ("這裡是最佳拍檔",), ("我是大飛",)]
    assert [(c.start_ms, c.end_ms) for c in cues] == [(400, 1350), (1350, 3300), (3300, 4400)]


def test_two_lines_break_after_punctuation() -> None:
    placements, _ = hand_made()
    cues = make_cues(placements[:1], audio_end_ms=5000, max_line_width=10, max_lines=2)
    # A layout breaking only at the commas exists, so no line may break inside a clause.
    assert {line for c in cues for line in c.lines} == {"大家好", "這裡是最佳拍檔", "我是大飛"}
    assert any(len(c.lines) == 2 for c in cues)


def test_vtt_escapes_arrows_and_markup() -> None:
    cues = [Cue(0, 1000, ("A --> B <i>",))]
    assert to_vtt(cues) == "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nA --&gt; B &lt;i&gt;\n"


def test_segment_without_words_is_timed_by_width() -> None:
    seg = segment(0, "沒有時間資訊的句子。", [], 2000)
    cues = make_cues([Placement(seg, 0)], audio_end_ms=3000)
    assert [c.lines for c in cues] == [("沒有時間資訊的句子",)]
    assert cues[0].start_ms == 0


def test_too_fast_speech_still_keeps_every_character() -> None:
    # 30 characters in one second: no legal cue exists; the text and order survive.
    text = "快" * 30
    seg = segment(0, text, [(i * 33, i * 33 + 33, i, i + 1) for i in range(30)], 1000)
    cues = make_cues([Placement(seg, 0)], audio_end_ms=1000)
    assert "".join(line for c in cues for line in c.lines) == text
    assert all(c.end_ms <= 1000 and c.start_ms < c.end_ms for c in cues)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("hans", "这里是最佳拍档"), ("hant", "這裡是最佳拍檔"), ("keep", "这裡是最佳拍檔")],
)
def test_convert_cues(mode: str, expected: str) -> None:
    cues = [Cue(0, 1000, ("这裡是最佳拍檔",))]
    assert convert_cues(cues, mode)[0].lines == (expected,)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "width"), [("大家好", 3.0), ("GPT-4o", 3.0), ("AI 模型", 3.5), ("　？“”", 4.0)]
)
def test_line_width(text: str, width: float) -> None:
    assert display_width(text) == width


def spoken(text: str, pauses: dict[int, int], ms: int = 250) -> list[Placement]:
    """`text` as one segment, one timed character at a time; `pauses` adds silence (ms) before
    the character at an index (punctuation is otherwise silent)."""
    words, t = [], 0
    for i, char in enumerate(text):
        t += pauses.get(i, 0)
        if is_content(char):
            words.append((t, t + ms, i, i + 1))
            t += ms
    return [Placement(segment(0, text, words, t + 300), 0)]


@pytest.mark.parametrize("pause_at_comma", [True, False])
def test_a_clause_end_wins_over_a_pause_inside_the_clause(pause_at_comma: bool) -> None:
    # 18 wide: one cue cannot hold it. The voice pauses at the "、" or (a speaker drawing breath)
    # before 還有; either way the cue ends at the clause end, where a subtitler breaks.
    text = "第一是人工智能、第二是模型還有能源的發展"
    placed = spoken(text, {text.index("、"): 300} if pause_at_comma else {text.index("還"): 400})
    cues = [c.lines[0] for c in make_cues(placed, audio_end_ms=8000)]
    assert cues == ["第一是人工智能", "第二是模型還有能源的發展"]


def test_inside_a_long_clause_the_break_goes_to_a_pause() -> None:
    # One clause 25 wide: it must break somewhere inside; the voice pauses before 在.
    text = "我們今天要聊的是人工智能模型在未來十年裡的發展方向"
    cues = [c.lines[0] for c in make_cues(spoken(text, {text.index("在"): 400}),
                                          audio_end_ms=12000)]
    assert cues == ["我們今天要聊的是人工智能模型", "在未來十年裡的發展方向"]


def test_no_cue_opens_with_a_particle_even_after_a_pause() -> None:
    text = "我們今天要聊的是人工智能模型在未來十年裡的發展方向"
    cues = [c.lines[0] for c in make_cues(spoken(text, {text.rindex("的"): 400}),
                                          audio_end_ms=12000)]
    assert len(cues) == 2
    assert not cues[1].startswith("的"), cues

"""Voice profiles, their validation, and the lexicon's respelling and mapping back."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from textwrap import dedent

import pytest
from hypothesis import given
from hypothesis import strategies as st

from episodekit.errors import VoiceError
from episodekit.model import Word
from episodekit.resources import default_dir
from episodekit.speech.lexicon import map_words, respell, to_script_span
from episodekit.speech.voices import (
    KNOWN_EDGE_VOICES,
    check_voice_name,
    load_profiles,
    offline_voice_names,
    validate_profiles,
)

NARRATOR = dedent(
    """\
    description = "host"
    [edge]
    voice = "zh-CN-YunxiNeural"
    [offline]
    voice = "cmn"
    rate = "+0%"
    [lexicon]
    "a16z" = "A十六Z"
    "Altman" = "奧特曼"
    """
)


def write_profiles(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "voices"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.toml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ---------------------------------------------------------------- loading


def test_shipped_profiles_load_and_validate_for_both_engines() -> None:
    profiles = load_profiles(default_dir("voices"))
    assert {"narrator", "guest"} <= set(profiles)
    assert profiles["narrator"].settings_for("edge").voice == "zh-CN-YunxiNeural"
    assert profiles["guest"].settings_for("edge").voice != "zh-CN-YunxiNeural"
    assert (
        profiles["guest"].settings_for("offline").pitch
        != profiles["narrator"].settings_for("offline").pitch
    )
    # The guest has no lexicon of its own: it reads names the way the narrator does.
    assert ("Altman", "奧特曼") in profiles["guest"].lexicon
    validate_profiles(profiles, "edge", {"narrator", "guest"}, known_voices=KNOWN_EDGE_VOICES)
    validate_profiles(
        profiles, "offline", {"narrator", "guest"}, known_voices=offline_voice_names()
    )


def test_profile_lexicon_overrides_the_narrators_entry(in_tmp: Path) -> None:
    guest = '[edge]\nvoice = "zh-CN-YunjianNeural"\n[lexicon]\n"ALTMAN" = "阿特曼"\n'
    folder = write_profiles(in_tmp, narrator=NARRATOR, guest=guest)
    profiles = load_profiles(folder)
    assert respell("Altman", profiles["guest"].lexicon)[0] == "阿特曼"
    assert respell("a16z", profiles["guest"].lexicon)[0] == "A十六Z"
    assert respell("Altman", profiles["narrator"].lexicon)[0] == "奧特曼"


def test_malformed_toml_names_file_and_line(in_tmp: Path) -> None:
    folder = write_profiles(in_tmp, narrator='description = "x"\n[edge]\nvoice = zh-CN\n')
    with pytest.raises(VoiceError) as caught:
        load_profiles(folder)
    assert str(caught.value).startswith("voices/narrator.toml:3: malformed TOML: ")
    assert "(at line" not in str(caught.value)


def test_malformed_rate_is_refused_with_the_accepted_form(in_tmp: Path) -> None:
    folder = write_profiles(in_tmp, narrator=NARRATOR.replace('rate = "+0%"', 'rate = "10%"'))
    profiles = load_profiles(folder)
    with pytest.raises(VoiceError) as caught:
        validate_profiles(profiles, "offline", {"narrator"})
    assert str(caught.value) == (
        "voices/narrator.toml: rate '10%' is malformed; use a signed percentage like +10% or -5%"
    )
    # The edge settings are fine, so an edge build is not blocked by the offline table.
    validate_profiles(profiles, "edge", {"narrator"}, known_voices=KNOWN_EDGE_VOICES)


def test_malformed_pitch_is_refused(in_tmp: Path) -> None:
    folder = write_profiles(in_tmp, narrator=NARRATOR.replace('rate = "+0%"', 'pitch = "+5"'))
    with pytest.raises(VoiceError) as caught:
        validate_profiles(load_profiles(folder), "offline", {"narrator"})
    assert str(caught.value) == (
        "voices/narrator.toml: pitch '+5' is malformed; use a signed frequency like +5Hz or -10Hz"
    )


def test_speaker_without_profile_lists_what_there_is(in_tmp: Path) -> None:
    folder = write_profiles(in_tmp, narrator=NARRATOR, guest=NARRATOR)
    with pytest.raises(VoiceError) as caught:
        validate_profiles(load_profiles(folder), "edge", {"narrator", "host2"})
    assert str(caught.value) == (
        "script.md: speaker [host2] has no voice profile in voices/ (have: guest, narrator)"
    )


def test_profile_without_engine_table(in_tmp: Path) -> None:
    folder = write_profiles(in_tmp, narrator='[edge]\nvoice = "zh-CN-YunxiNeural"\n')
    with pytest.raises(VoiceError) as caught:
        validate_profiles(load_profiles(folder), "offline", {"narrator"})
    assert str(caught.value) == "voices/narrator.toml: has no [offline] table with a voice"


def test_unknown_edge_voices(in_tmp: Path) -> None:
    assert check_voice_name("edge", "zh-CN-YunxiNeural", KNOWN_EDGE_VOICES) is None
    assert check_voice_name("edge", "zh-CN-Yunxi", KNOWN_EDGE_VOICES) == (
        "edge voice 'zh-CN-Yunxi' is malformed; use a name like zh-CN-YunxiNeural"
    )
    reason = check_voice_name("edge", "zh-CN-NobodyNeural", KNOWN_EDGE_VOICES)
    assert reason is not None
    assert reason.startswith("edge voice 'zh-CN-NobodyNeural' does not exist; use one of ")
    # A voice the online list adds is accepted.
    assert (
        check_voice_name("edge", "en-US-GuyNeural", {*KNOWN_EDGE_VOICES, "en-US-GuyNeural"}) is None
    )
    folder = write_profiles(in_tmp, narrator=NARRATOR.replace("YunxiNeural", "NobodyNeural"))
    with pytest.raises(VoiceError, match=r"^voices/narrator.toml: edge voice 'zh-CN-NobodyNeural'"):
        validate_profiles(
            load_profiles(folder), "edge", {"narrator"}, known_voices=KNOWN_EDGE_VOICES
        )


def test_unknown_offline_voice_checked_against_espeak(in_tmp: Path) -> None:
    installed = offline_voice_names()
    assert installed is not None and "cmn" in installed
    folder = write_profiles(in_tmp, narrator=NARRATOR.replace('"cmn"', '"klingon"'))
    with pytest.raises(
        VoiceError, match=r"^voices/narrator.toml: offline voice 'klingon' does not"
    ):
        validate_profiles(load_profiles(folder), "offline", {"narrator"}, known_voices=installed)


# ---------------------------------------------------------------- respelling

LEXICON = (
    ("a16z", "A十六Z"),
    ("Altman", "奧特曼"),
    ("GPT", "G P T"),
    ("GPT-4", "G P T 4"),
    ("GPT-4o", "G P T 4 o"),
    ("最佳拍檔", "最佳拍当"),
)


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Altman說", "奧特曼說"),
        ("ALTMAN and altman", "奧特曼 and 奧特曼"),
        ("Altmania", "Altmania"),  # not a whole word
        ("GPT-4o和GPT-4和GPT", "G P T 4 o和G P T 4和G P T"),  # longest match first
        ("a16z的", "A十六Z的"),
        ("歡迎來到最佳拍檔頻道", "歡迎來到最佳拍当頻道"),  # CJK keys match anywhere
        ("欢迎来到最佳拍档", "欢迎来到最佳拍当"),  # and in the other script too
        ("GPT5", "GPT5"),
    ],
)
def test_respell(text: str, spoken: str) -> None:
    assert respell(text, LEXICON)[0] == spoken


def test_regions_and_span_mapping() -> None:
    spoken, regions = respell("我和Altman聊", LEXICON)
    assert spoken == "我和奧特曼聊"
    assert regions == ((2, 8, 2, 5),)
    assert to_script_span(0, 1, regions) == (0, 1)
    assert to_script_span(3, 4, regions) == (2, 8)  # "特" is part of "Altman"
    assert to_script_span(5, 6, regions) == (8, 9)  # "聊" after the region shifts by 3


def test_words_inside_a_respelling_merge_into_one() -> None:
    text = "我和Altman聊"
    spoken, regions = respell(text, LEXICON)
    engine_words = [Word(i * 100, i * 100 + 90, i, i + 1) for i in range(len(spoken))]
    words = map_words(engine_words, regions, len(text))
    assert [text[w.text_start : w.text_end] for w in words] == ["我", "和", "Altman", "聊"]
    assert (words[2].start_ms, words[2].end_ms) == (200, 490)


# Text built from pieces that exercise the lexicon: keys in various cases, CJK, punctuation.
PIECES = st.sampled_from(
    ["Altman", "altman", "a16z", "GPT-4o", "GPT", "最佳拍檔", "我", "說", "，", "。", " ", "x", "4"]
)


@given(st.lists(PIECES, max_size=20))
def test_mapping_back_stays_in_text_ordered_and_covers_it(pieces: list[str]) -> None:
    text = "".join(pieces)
    spoken, regions = respell(text, LEXICON)
    # An engine that speaks every character of the spoken text, one word each.
    engine_words = [Word(i * 10, i * 10 + 10, i, i + 1) for i in range(len(spoken))]
    words = map_words(engine_words, regions, len(text))
    covered: set[int] = set()
    previous = (0, 0)
    for word in words:
        assert 0 <= word.text_start < word.text_end <= len(text)
        assert (word.text_start, word.start_ms) >= previous
        previous = (word.text_end, word.end_ms)
        covered.update(range(word.text_start, word.text_end))
    for i, char in enumerate(text):
        if not unicodedata.category(char).startswith("P"):
            assert i in covered, (text, i)

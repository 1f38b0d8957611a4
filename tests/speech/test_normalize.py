"""Numbers, dates and units as the offline voice is given them (speech/normalize.py), and the
word timings of the normalized text mapped back onto the script's own characters."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from episodekit.model import Chapter, ChineseScript, Paragraph, Script, Word
from episodekit.speech.lexicon import compose, map_words, respell
from episodekit.speech.normalize import normalize
from episodekit.speech.plan import plan_segments
from episodekit.speech.voices import load_profiles
from tests.conftest import ROOT

# (Simplified input, its readings, Traditional input, its readings); "a|b": either is right.
# Inputs are what summaries of tech talks hold; readings are what a Mandarin speaker says.
CASES = [
    ("2024年发布", "二零二四年发布", "2024年發佈", "二零二四年發佈"),
    ("在2025年初", "在二零二五年初", "在2025年初", "在二零二五年初"),
    ("1999年的互联网泡沫", "一九九九年的互联网泡沫",
     "1999年的互聯網泡沫", "一九九九年的互聯網泡沫"),
    ("从2023年到2025年", "从二零二三年到二零二五年",
     "從2023年到2025年", "從二零二三年到二零二五年"),
    ("2024-2025年", "二零二四到二零二五年", "2024-2025年", "二零二四到二零二五年"),
    ("5月2日", "五月二日", "5月2日", "五月二日"),
    ("12月31日", "十二月三十一日", "12月31日", "十二月三十一日"),
    ("2024年11月6日", "二零二四年十一月六日", "2024年11月6日", "二零二四年十一月六日"),
    ("2025-01-15", "二零二五年一月十五日", "2025-01-15", "二零二五年一月十五日"),
    ("在10月发布", "在十月发布", "在10月發佈", "在十月發佈"),
    ("3月份", "三月份", "3月份", "三月份"),
    ("5000亿美元", "五千亿美元", "5000億美元", "五千億美元"),
    ("1.5万亿美元", "一点五万亿美元", "1.5萬億美元", "一點五萬億美元"),
    ("300万美元", "三百万美元", "300萬美元", "三百萬美元"),
    ("66亿美元", "六十六亿美元", "66億美元", "六十六億美元"),
    ("$10", "十美元", "$10", "十美元"),
    ("1570亿美元的估值", "一千五百七十亿美元的估值",
     "1570億美元的估值", "一千五百七十億美元的估值"),
    ("每月200美元", "每月两百美元|每月二百美元", "每月200美元", "每月兩百美元|每月二百美元"),
    ("100亿", "一百亿", "100億", "一百億"),
    ("50%", "百分之五十", "50%", "百分之五十"),
    ("79.4%", "百分之七十九点四", "79.4%", "百分之七十九點四"),
    ("100%", "百分之百|百分之一百", "100%", "百分之百|百分之一百"),
    ("0.5%", "百分之零点五", "0.5%", "百分之零點五"),
    ("10%到20%", "百分之十到百分之二十", "10%到20%", "百分之十到百分之二十"),
    ("增长率为-2.5%", "增长率为负百分之二点五", "增長率為-2.5%", "增長率為負百分之二點五"),
    ("2-3年", "两到三年|二到三年", "2-3年", "兩到三年|二到三年"),
    ("5-10年", "五到十年", "5-10年", "五到十年"),
    ("3~5天", "三到五天", "3~5天", "三到五天"),
    ("10-20%的提升", "百分之十到二十的提升|百分之十到百分之二十的提升",
     "10-20%的提升", "百分之十到二十的提升|百分之十到百分之二十的提升"),
    ("版本1.0", "版本一点零", "版本1.0", "版本一點零"),
    ("iOS 18", "iOS 十八", "iOS 18", "iOS 十八"),
    ("Python 3.12", "Python 三点一二", "Python 3.12", "Python 三點一二"),
    ("v2.5", "v二点五", "v2.5", "v二點五"),
    ("1.2.3版", "一点二点三版", "1.2.3版", "一點二點三版"),
    ("4.0版本", "四点零版本", "4.0版本", "四點零版本"),
    ("GPT-4o", "GPT四o", "GPT-4o", "GPT四o"),
    ("GPT-5", "GPT五", "GPT-5", "GPT五"),
    ("Claude 3.7", "Claude 三点七", "Claude 3.7", "Claude 三點七"),
    ("M4芯片", "M四芯片", "M4芯片", "M四芯片"),
    ("A16z", "A十六z", "A16z", "A十六z"),
    ("H100", "H一百", "H100", "H一百"),
    ("Llama 3.1 405B", "Llama 三点一 四百零五B", "Llama 3.1 405B", "Llama 三點一 四百零五B"),
    ("o3模型", "o三模型", "o3模型", "o三模型"),
    ("Gemini 2.5 Pro", "Gemini 二点五 Pro", "Gemini 2.5 Pro", "Gemini 二點五 Pro"),
    ("RTX 4090", "RTX 四零九零", "RTX 4090", "RTX 四零九零"),
    ("B200", "B两百|B二百", "B200", "B兩百|B二百"),
    ("Qwen2.5", "Qwen二点五", "Qwen2.5", "Qwen二點五"),
    ("12.9英寸", "十二点九英寸", "12.9英寸", "十二點九英寸"),
    ("16GB内存", "十六GB内存", "16GB內存", "十六GB內存"),
    ("2TB", "两TB|二TB", "2TB", "兩TB|二TB"),
    ("200毫秒", "两百毫秒|二百毫秒", "200毫秒", "兩百毫秒|二百毫秒"),
    ("5G网络", "五G网络", "5G網絡", "五G網絡"),
    ("3纳米工艺", "三纳米工艺", "3納米工藝", "三納米工藝"),
    ("1000亿参数", "一千亿参数", "1000億參數", "一千億參數"),
    ("70B参数", "七十B参数", "70B參數", "七十B參數"),
    ("120Hz", "一百二十Hz", "120Hz", "一百二十Hz"),
    ("40度", "四十度", "40度", "四十度"),
    ("8K视频", "八K视频", "8K視頻", "八K視頻"),
    ("24小时", "二十四小时", "24小時", "二十四小時"),
    ("3:30", "三点三十分|三点半", "3:30", "三點三十分|三點半"),
    ("下午2:00", "下午两点|下午两点整", "下午2:00", "下午兩點|下午兩點整"),
    ("10:45", "十点四十五分", "10:45", "十點四十五分"),
    ("1/3", "三分之一", "1/3", "三分之一"),
    ("2/3的用户", "三分之二的用户", "2/3的用戶", "三分之二的用戶"),
    ("3/4", "四分之三", "3/4", "四分之三"),
    ("-5度", "零下五度|负五度", "-5度", "零下五度|負五度"),
    ("-10", "负十", "-10", "負十"),
    ("13800138000", "一三八零零一三八零零零|幺三八零零幺三八零零零",
     "13800138000", "一三八零零一三八零零零|幺三八零零幺三八零零零"),
    ("400-820-8820", "四零零八二零八八二零", "400-820-8820", "四零零八二零八八二零"),
    ("拨打110", "拨打幺幺零|拨打一一零", "撥打110", "撥打幺幺零|撥打一一零"),
    ("第3名", "第三名", "第3名", "第三名"),
    ("第1章", "第一章", "第1章", "第一章"),
    ("第10届", "第十届", "第10屆", "第十屆"),
    ("第2代", "第二代", "第2代", "第二代"),
    ("10万个", "十万个", "10萬個", "十萬個"),
    ("2个", "两个", "2個", "兩個"),
    ("1,000人", "一千人", "1,000人", "一千人"),
    ("3.5倍", "三点五倍", "3.5倍", "三點五倍"),
    ("增长了3倍", "增长了三倍", "增長了3倍", "增長了三倍"),
    ("100多家", "一百多家", "100多家", "一百多家"),
    ("20世纪90年代", "二十世纪九十年代", "20世紀90年代", "二十世紀九十年代"),
    ("90后", "九零后", "90後", "九零後"),
    ("每秒1000次", "每秒一千次", "每秒1000次", "每秒一千次"),
    ("2.5万人", "二点五万人", "2.5萬人", "二點五萬人"),
    ("7×24小时", "七乘二十四小时", "7×24小時", "七乘二十四小時"),
    ("WWDC 2024", "WWDC 二零二四", "WWDC 2024", "WWDC 二零二四"),
    ("iOS 17.4.1", "iOS 十七点四点一", "iOS 17.4.1", "iOS 十七點四點一"),
    ("M2 Ultra", "M二 Ultra", "M2 Ultra", "M二 Ultra"),
    ("2024年Q3", "二零二四年Q三", "2024年Q3", "二零二四年Q三"),
    ("活跃用户的30多%", "活跃用户的百分之三十多", "活躍用戶的30多%", "活躍用戶的百分之三十多"),
    ("90/9/1规则", "九十、九、一规则", "90/9/1規則", "九十、九、一規則"),
    ("Stargate 5000亿美元", "Stargate 五千亿美元", "Stargate 5000億美元", "Stargate 五千億美元"),
    ("OpenAI 2024年的收入", "OpenAI 二零二四年的收入",
     "OpenAI 2024年的收入", "OpenAI 二零二四年的收入"),
]


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize(("written", "readings"), [(c[0], c[1]) for c in CASES])
def test_simplified(written: str, readings: str) -> None:
    assert normalize(written, "hans")[0] in readings.split("|")


@pytest.mark.parametrize(("written", "readings"), [(c[2], c[3]) for c in CASES])
def test_traditional(written: str, readings: str) -> None:
    assert normalize(written, "hant")[0] in readings.split("|")


def test_text_without_digits_is_left_alone() -> None:
    text = "大家好，這裡是最佳拍檔，我是大飛。OpenAI的CEO說："
    assert normalize(text, "hant") == (text, ())


def test_full_width_digits_and_signs_are_read_too() -> None:
    assert normalize("增長了５０％，ＧＰＴ－４ｏ", "hant")[0] == "增長了百分之五十，ＧＰＴ四ｏ"


def test_regions_cover_exactly_what_changed() -> None:
    text = "在2024年5月2日，GPT-4o的估值達到1570億美元。"
    spoken, regions = normalize(text, "hant")
    assert spoken == "在二零二四年五月二日，GPT四o的估值達到一千五百七十億美元。"
    changed = [(text[a:b], spoken[c:d]) for a, b, c, d in regions]
    assert changed == [
        ("2024", "二零二四"), ("5", "五"), ("2", "二"), ("-4", "四"), ("1570", "一千五百七十"),
    ]
    # Between the regions both texts hold the same characters.
    ends = [(0, 0), *((b, d) for _, b, _, d in regions)]
    starts = [*((a, c) for a, _, c, _ in regions), (len(text), len(spoken))]
    for (written_end, spoken_end), (written_start, spoken_start) in zip(ends, starts, strict=True):
        assert text[written_end:written_start] == spoken[spoken_end:spoken_start]


SCRIPTS: list[ChineseScript] = ["hans", "hant"]
PIECES = [*"0123456789", *".-~/%:×年月日號億萬亿万元美第的在 ，。", "GPT-", "Claude ", "H", "$"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=20), st.sampled_from(SCRIPTS))
def test_any_text_keeps_what_it_does_not_rewrite(pieces: list[str], script: ChineseScript) -> None:
    """Regions are in order, non-empty on both sides, and between them the spoken text is the
    written text, character for character (so every timing maps back)."""
    text = "".join(pieces)
    spoken, regions = normalize(text, script)
    written_at = spoken_at = 0
    for a, b, c, d in regions:
        assert written_at <= a < b <= len(text) and spoken_at <= c < d <= len(spoken)
        assert text[written_at:a] == spoken[spoken_at:c]
        written_at, spoken_at = b, d
    assert text[written_at:] == spoken[spoken_at:]


def test_word_timings_map_back_onto_the_written_characters() -> None:
    """A word the engine says inside 二零二四 or GPT四o covers the script's 2024 or GPT-4o; with
    the lexicon's respellings composed in, the names map back too."""
    text = "Altman說GPT-4o在2024年發布。"
    lexicon = (("Altman", "奧特曼"),)
    respelled, first = respell(text, lexicon)
    spoken, second = normalize(respelled, "hant")
    assert spoken == "奧特曼說GPT四o在二零二四年發布。"
    regions = compose(first, second)
    one_word_per_char = [Word(10 * i, 10 * i + 10, i, i + 1) for i in range(len(spoken))]
    words = map_words(one_word_per_char, regions, len(text))
    said = [text[w.text_start : w.text_end] for w in words]
    assert said == ["Altman", "說", "G", "P", "T", "-4", "o", "在", "2024", "年", "發", "布", "。"]
    year = words[said.index("2024")]
    assert (year.start_ms, year.end_ms) == (100, 140)  # spoken characters 10-13: 二零二四


def test_compose_merges_overlapping_regions() -> None:
    # "ab" -> "xyz" by the first step, then "yz1" -> "yz one" by the second.
    first = ((0, 2, 0, 3),)  # ab -> xyz in "ab1" -> "xyz1"
    second = ((1, 4, 1, 7),)  # yz1 -> "yz one" in "xyz1" -> "xyz one"
    assert compose(first, second) == ((0, 3, 0, 7),)
    assert compose((), second) == second
    assert compose(first, ()) == first


def test_only_the_offline_voice_is_given_normalized_text() -> None:
    profiles = load_profiles(ROOT / "voices")
    script = Script(
        title="t", script="hant",
        chapters=(Chapter("開場", (Paragraph("GPT-4o在2024年增長了50%。"),)),),
    )
    offline = plan_segments(script, profiles, "offline")[0]
    edge = plan_segments(script, profiles, "edge")[0]
    assert offline.spoken == "G P T 四 o在二零二四年增長了百分之五十。"
    assert edge.spoken == "G P T 4 o在2024年增長了50%。"  # the online voice reads these right
    assert offline.text == edge.text == "GPT-4o在2024年增長了50%。"
    assert offline.key != edge.key

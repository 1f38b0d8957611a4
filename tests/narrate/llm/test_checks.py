"""What a model's chapter must be before it is used: each check refuses what it names, and a
plain retelling passes them all."""

from __future__ import annotations

import pytest

from episodekit import chinese
from episodekit.narrate.llm import checks

POINTS = checks.points_with_terms(
    [
        ("個人 AI 訂閱服務", "OpenAI 希望成為人們的個人 AI 訂閱服務。"),
        ("海量基礎設施", "OpenAI 必須構建海量的基礎設施，目前只支持自用。"),
        ("", "他以 iPhone 為例，指出它是極其垂直整合的產品，Sora 2 上線 30 天就有 500 萬用戶。"),
    ]
)
MATERIAL = "Sam Altman\n" + "\n".join(p.text for p in POINTS)
GOOD = (
    "在Altman看來，OpenAI 想成為每個人的個人 AI 訂閱服務。不過，要做到這一點，"
    "就得先構建海量的基礎設施，眼下這些設施只給自己用。\n\n"
    "他拿 iPhone 舉例，說它是極其垂直整合的產品。那麼，Sora 呢？它上線 30 天就有 500 萬用戶。"
)


def problems(answer: str, target: int | None = None) -> list[str]:
    length = checks.spoken_length(GOOD) if target is None else target
    return checks.problems(
        answer, material=MATERIAL, points=POINTS, script="hant", target_chars=length
    )


def test_a_plain_retelling_passes() -> None:
    assert problems(GOOD) == []


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("## 三大戰略\n\n" + GOOD, "has a heading"),
        ("- " + GOOD, "has a bullet or a numbered list"),
        ("1. " + GOOD, "has a bullet or a numbered list"),
        (GOOD.replace("個人 AI", "**個人 AI**"), "has Markdown"),
        (GOOD + "詳見 https://openai.com", "has a URL"),
        (GOOD + "🚀", "has an emoji"),
        ("大家好，" + GOOD, "greets the audience"),
        ("歡迎收看最佳拍檔。" + GOOD, "introduces the show"),
        (GOOD + "感謝大家收看，我們下期再見。", "signs off"),
        ("好的，以下是這一章的口播稿：\n\n" + GOOD, "introduces its answer"),
        ("好的，" + GOOD, "answers the request"),
        ("作為一個AI，" + GOOD, "speaks as an AI"),
        (GOOD + "希望這對你有幫助！", "hopes it helped"),
        (GOOD + "如需調整請告訴我。", "offers more help"),
        # Simplified chatter is refused too: the tables are matched on Traditional text.
        (GOOD + "希望这对你有帮助。", "hopes it helped"),
    ],
)
def test_what_a_spoken_chapter_never_has(answer: str, reason: str) -> None:
    assert any(p.startswith(reason) for p in problems(answer, checks.spoken_length(answer)))


def test_an_invented_number_is_named() -> None:
    found = problems(GOOD + "據統計，有87%的人每天都用。", None)
    assert "has numbers that are not in the material: 87" in found


def test_numbers_of_the_material_in_full_width_digits_are_not_invented() -> None:
    assert problems(GOOD.replace("500", "５００")) == []


def test_an_invented_name_is_named() -> None:
    found = problems(GOOD + "Google 也在做同樣的事。")
    assert "has names that are not in the material: google" in found


def test_a_dropped_point_is_named() -> None:
    dropped = GOOD.split("\n\n")[0]
    found = problems(dropped, checks.spoken_length(dropped))
    assert found == ["leaves out the point «他以 iPhone 為例，指出它是極其垂直整合的…»"]


def test_an_answer_in_the_other_script_is_named() -> None:
    simplified = chinese.convert(GOOD, "hans")
    found = problems(simplified)
    assert any(p.startswith("is written in Simplified characters") for p in found)


def test_a_few_characters_opencc_calls_simplified_are_not_a_wrong_script() -> None:
    # 台 and 后 are standard in Taiwan, but OpenCC on its own converts them.
    assert problems(GOOD.replace("眼下", "台上皇后")) == []


def test_length_within_a_fifth_of_the_target() -> None:
    length = checks.spoken_length(GOOD)
    assert problems(GOOD, round(length / 1.19)) == []
    assert problems(GOOD, round(length / 1.3)) == [
        f"is {length} characters long; about {round(length / 1.3)} were asked for (±20%)"
    ]


def test_an_empty_answer() -> None:
    assert problems("  \n") == ["is empty"]


def test_part_of_a_name_of_the_material_is_not_invented() -> None:
    assert problems(GOOD.replace("iPhone", "iPhone‑GPT"), None) != []  # GPT is not there
    assert problems(GOOD.replace("Sora 2", "Sora‑2")) == []  # a non-breaking hyphen

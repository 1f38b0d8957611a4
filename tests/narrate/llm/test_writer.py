"""The writer: chapters the model wrote and the checks passed, asked again once with what was
wrong, the template's narration with one warning line (or exit 1 with --strict) when it fails
twice; the show's own words from the templates; cached; recorded in the front matter."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from episodekit import chinese
from episodekit.build import generate_script
from episodekit.errors import WriterCheckError
from episodekit.model import Script, WriterOptions
from episodekit.narrate import estimate_seconds, parse_script, render_script
from tests.conftest import ROOT
from tests.llm_server import LlmTestServer, Messages, retell
from tests.narrate.llm.conftest import REQUESTS

LLM = WriterOptions(writer="llm")
SORA = "這一章：Sora 的意義"
GREETING = "大家好，這裡是最佳拍檔，我是大飛。"
HAND_OVER = "今天大飛就來給大家簡單分享一下。"
SIGN_OFF = "感謝大家收看本期視頻，我們下期再見。"


def answers(server: LlmTestServer, match: str, change: Callable[[str], str], times: int) -> None:
    """The first `times` answers to a prompt holding `match` are retell's, changed."""
    left = [times]

    def respond(messages: Messages) -> str:
        text = retell(messages)
        if match in messages[-1]["content"] and left[0] > 0:
            left[0] -= 1
            return change(text)
        return text

    server.responder = respond


def write(
    summary: Path, options: WriterOptions = LLM, warnings: list[str] | None = None
) -> Script:
    report = (warnings.append if warnings is not None else lambda line: None)
    script, account = generate_script(summary, None, writer=options, report=report)
    assert account is not None
    return script


def retries(server: LlmTestServer) -> list[str]:
    return [r.prompt for r in server.requests if "沒有通過檢查" in r.prompt]


def test_every_chapter_is_the_models_between_the_shows_own_words(
    llm_server: LlmTestServer, summary: Path
) -> None:
    script = write(summary)
    template, _ = generate_script(summary, None)
    assert [c.title for c in script.chapters] == [c.title for c in template.chapters]
    opening = [p.text for p in script.chapters[0].paragraphs]
    assert opening[0].startswith(GREETING) and opening[0] != template.chapters[0].paragraphs[0]
    assert opening[-1] == HAND_OVER
    # The sign-off is the template's, word for word, after the model's last chapter.
    outro = [p.text for p in template.chapters[-1].paragraphs][-1:]
    assert [p.text for p in script.chapters[-1].paragraphs][-1:] == outro
    assert outro[0].endswith(SIGN_OFF)
    body = "".join(p.text for c in script.chapters for p in c.paragraphs)
    assert body.count("大家好") == 1 and body.count("下期再見") == 1
    assert "Sora 2 上線 30 天就有 500 萬用戶" in body
    assert len(llm_server.requests) == REQUESTS and retries(llm_server) == []


def test_front_matter_records_writer_and_model_and_round_trips(
    llm_server: LlmTestServer, summary: Path
) -> None:
    script = write(summary)
    text = render_script(script)
    assert "\nwriter: llm\nmodel: test-model\n" in text
    again = parse_script(text, Path("script.md"))
    assert again == script and render_script(again) == text


def test_a_second_run_makes_no_request_and_gives_the_same_script(
    llm_server: LlmTestServer, summary: Path
) -> None:
    first = write(summary)
    sent = len(llm_server.requests)
    assert write(summary) == first
    assert len(llm_server.requests) == sent
    asked_again = write(summary, WriterOptions(writer="llm", ask_again=True))
    assert len(llm_server.requests) == 2 * sent and asked_again == first


CHATTER = ("好的，以下是這一章的口播稿：\n\n{}".format, "introduces its answer")
INVENTED = ("{}據統計，已有87%的人每天都在用。".format,
            "has numbers that are not in the material: 87")
WORLD_MODEL = "建立一個真正出色的世界模型，對 AGI 的重要性將超出人們的想像。"
DROPPED = (lambda text: text.replace(WORLD_MODEL, ""), "leaves out the point «" + WORLD_MODEL[:12])
WRONG_SCRIPT = (lambda text: chinese.convert(text, "hans"), "is written in Simplified characters")
GREETS = ("大家好，歡迎收看。{}".format, "greets the audience")
MARKDOWN = ("## Sora\n\n- {}".format, "has a heading")


@pytest.mark.parametrize(
    ("change", "reason"), [CHATTER, INVENTED, DROPPED, WRONG_SCRIPT, GREETS, MARKDOWN]
)
def test_a_failing_chapter_is_asked_again_with_what_was_wrong(
    llm_server: LlmTestServer, summary: Path, change: Callable[[str], str], reason: str
) -> None:
    answers(llm_server, SORA, change, times=1)
    warnings: list[str] = []
    script = write(summary, warnings=warnings)
    [again] = retries(llm_server)
    assert SORA in again and reason in again
    assert warnings == []
    assert len(llm_server.requests) == REQUESTS + 1
    assert "87%" not in render_script(script)


def test_a_chapter_failing_twice_is_the_templates_with_one_warning(
    llm_server: LlmTestServer, summary: Path
) -> None:
    answers(llm_server, SORA, CHATTER[0], times=2)
    warnings: list[str] = []
    script = write(summary, warnings=warnings)
    template, _ = generate_script(summary, None)
    assert script.chapters[2] == template.chapters[2]
    assert script.chapters[1] != template.chapters[1]
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "chapter 2 «Sora 的意義»: the model's answer failed the checks twice (introduces its answer"
    )
    assert warnings[0].endswith("; using the template narration")


def test_strict_makes_a_chapter_failing_twice_an_error(
    llm_server: LlmTestServer, summary: Path
) -> None:
    answers(llm_server, SORA, INVENTED[0], times=2)
    with pytest.raises(WriterCheckError) as failure:
        write(summary, WriterOptions(writer="llm", strict=True))
    assert failure.value.exit_code == 1
    assert str(failure.value).startswith(
        "chapter 2 «Sora 的意義»: the model's answer failed the checks twice "
        "(has numbers that are not in the material: 87"
    )


@pytest.mark.parametrize(
    ("seed", "minutes"), [("003_2bac866a80e753f9", 9), ("004_91e8d78da4333a85", 15)]
)
def test_minutes_are_honoured_within_a_fifth(
    llm_server: LlmTestServer, seed: str, minutes: int
) -> None:
    """With a model that writes the length it is asked for, the episode is as long as asked:
    seed 004's transcript of 15 000 characters is condensed to a quarter of an hour."""
    warnings: list[str] = []
    script = write(ROOT / "seeds" / f"{seed}.txt", WriterOptions(writer="llm", minutes=minutes),
                   warnings)
    assert warnings == []
    assert abs(estimate_seconds(script) - minutes * 60) <= 0.2 * minutes * 60


def test_the_users_prompts_are_used_and_an_old_scripts_folder_still_works(
    llm_server: LlmTestServer, summary: Path, tmp_path: Path
) -> None:
    import shutil

    from episodekit.resources import default_dir

    old = tmp_path / "old" / "scripts"
    shutil.copytree(default_dir("scripts"), old, ignore=shutil.ignore_patterns("llm"))
    generate_script(summary, old, writer=LLM)
    assert len(llm_server.requests) == REQUESTS  # the shipped prompts, no error

    mine = tmp_path / "mine" / "scripts"
    shutil.copytree(default_dir("scripts"), mine)
    system = mine / "llm" / "system.j2"
    system.write_text("你是大飛的撰稿人。用{{ guest or '嘉賓' }}的名字。\n", encoding="utf-8")
    generate_script(summary, mine, writer=LLM)
    assert llm_server.requests[-1].messages[0]["content"] == "你是大飛的撰稿人。用嘉賓的名字。"


def test_the_narration_checks_every_script_passes_apply_to_each_chapter(
    llm_server: LlmTestServer, summary: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seam for the template narrator's script checks: each registered check sees every
    chapter as a script, and what it finds is asked again like any other problem."""
    from episodekit.narrate.llm import checks

    def no_ordinals(script: Script) -> list[str]:
        text = "".join(p.text for c in script.chapters for p in c.paragraphs)
        return ["too_many_ordinals: 首先"] if "首先" in text else []

    monkeypatch.setattr(checks, "SHARED_CHECKS", (no_ordinals,))
    answers(llm_server, SORA, "首先，{}".format, times=1)
    write(summary)
    [again] = retries(llm_server)
    assert SORA in again and "too_many_ordinals: 首先" in again


def test_a_script_given_to_build_is_spoken_as_it_is_with_a_note(tmp_path: Path) -> None:
    from episodekit.build import BuildOptions, resolve_script

    path = tmp_path / "script.md"
    path.write_text("---\ntitle: 我的稿子\n---\n\n## 開場\n\n你好。\n", encoding="utf-8")
    notes: list[str] = []
    options = BuildOptions(writer=WriterOptions(writer="llm"))
    script, _, source, account = resolve_script(path, tmp_path, options, notes.append)
    assert (script.title, source, account) == ("我的稿子", path, None)
    assert notes == [f"{path} is a script: it is spoken as it is (--writer llm not used)"]


def test_a_reasoning_models_thinking_is_not_narrated(
    llm_server: LlmTestServer, summary: Path
) -> None:
    thinking = "<think>\nThe user wants 120 words about Sora.\n</think>\n\n{}"
    answers(llm_server, SORA, thinking.format, times=1)
    script = write(summary)
    assert retries(llm_server) == []
    assert "think" not in render_script(script) and "120" not in render_script(script)


def test_the_shows_name_and_host_are_in_the_prompts_and_never_in_an_answer(
    llm_server: LlmTestServer, summary: Path, tmp_path: Path
) -> None:
    from episodekit.show import load_show

    toml = tmp_path / "show.toml"
    toml.write_text('name = "科技早知道"\nhost = "小明"\n', encoding="utf-8")
    show = load_show(toml)
    answers(llm_server, SORA, "歡迎回到科技早知道。{}".format, times=1)
    script, _ = generate_script(summary, None, None, show, writer=LLM)
    system = llm_server.requests[0].messages[0]["content"]
    assert "「科技早知道」的撰稿人，替主持人小明寫口播稿" in system
    assert script.chapters[0].paragraphs[0].text.startswith("大家好，這裡是科技早知道，我是小明。")
    [again] = retries(llm_server)
    assert "introduces the show (the greeting does that): «科技早知道»" in again


def test_half_width_marks_next_to_chinese_are_made_full_width() -> None:
    from episodekit.narrate.llm.writer import _paragraphs

    answer = "它叫 AGI (通用人工智慧) ,是目標:長期的\n\n那麼它什麼時候來?沒人知道債務(debt)"
    assert _paragraphs(answer) == [
        "它叫 AGI（通用人工智慧），是目標：長期的。",
        "那麼它什麼時候來？沒人知道債務（debt）。",
    ]

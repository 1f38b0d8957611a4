"""Failures of the language model service follow the voice service's rules: retries with
backoff on 429 (its Retry-After first), 5xx, timeouts and broken bodies; one line and exit 3
when it is unreachable, refuses us or keeps failing; bounded concurrency; nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from episodekit.build import generate_script
from episodekit.cli import main
from episodekit.errors import WriterServiceError
from episodekit.model import WriterOptions
from episodekit.narrate.llm import settings_from
from tests.llm_server import LlmTestServer
from tests.narrate.llm.conftest import REQUESTS

LLM = WriterOptions(writer="llm", jobs=1)


def write(summary: Path, options: WriterOptions = LLM) -> None:
    generate_script(summary, None, writer=options)


@pytest.mark.parametrize("fault", ["http429", "http500", "http503", "malformed", "refuse"])
def test_a_transient_failure_is_retried_and_the_script_written(
    llm_server: LlmTestServer, summary: Path, fault: str
) -> None:
    llm_server.script_faults([fault])
    write(summary)
    assert [r.fault for r in llm_server.requests] == [fault] + ["ok"] * REQUESTS
    assert len(llm_server.waits) == 1 and 0 <= llm_server.waits[0] <= 0.5


@pytest.mark.parametrize(("fault", "wait"), [("retry:3", 3.0), ("retryms:1500", 1.5)])
def test_a_429_waits_as_long_as_the_server_says(
    llm_server: LlmTestServer, summary: Path, fault: str, wait: float
) -> None:
    llm_server.script_faults([fault])
    write(summary)
    assert llm_server.waits == [wait]
    assert len(llm_server.requests) == REQUESTS + 1


def test_a_timeout_is_retried(
    llm_server: LlmTestServer, summary: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EPISODEKIT_LLM_TIMEOUT", "1")
    llm_server.script_faults(["slow:2500"])
    write(summary)
    faults = [r.fault for r in llm_server.requests]
    # (On a loaded machine an ordinary answer may time out too: it is retried like the first.)
    assert faults[0] == "slow:2500" and faults[1:] == ["ok"] * (len(faults) - 1)
    assert len(faults) >= REQUESTS + 1 and len(llm_server.waits) == len(faults) - REQUESTS


def one_line_exit(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[str]]:
    with pytest.raises(SystemExit) as stop:
        main(args)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return int(stop.value.code or 0), err.strip().splitlines()


def test_unauthorised_is_one_line_exit_3_at_once(
    llm_server: LlmTestServer, summary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    llm_server.always("http401")
    code, lines = one_line_exit(
        ["script", str(summary), "--writer", "llm", "-o", str(summary.with_name("s.md"))], capsys
    )
    assert code == 3
    assert lines == [
        f"episode: language model service {llm_server.base_url}: unauthorised (HTTP 401): "
        "check EPISODEKIT_LLM_API_KEY"
    ]
    assert len(llm_server.requests) <= 4  # no retries: at most the first wave of requests
    assert not summary.with_name("s.md").exists()


def test_an_unknown_model_is_one_line_exit_3(
    llm_server: LlmTestServer, summary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    llm_server.always("http404")
    code, lines = one_line_exit(["script", str(summary), "--writer", "llm"], capsys)
    assert code == 3
    assert lines[0].endswith("no model 'test-model' there (HTTP 404)")


def test_an_unreachable_service_is_one_line_exit_3(
    summary: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_wait(seconds: float) -> None:
        return None

    monkeypatch.setattr("episodekit.narrate.llm.client._pause", no_wait)
    monkeypatch.setenv("EPISODEKIT_LLM_MODEL", "m")  # the base URL is a closed port (conftest)
    code, lines = one_line_exit(["script", str(summary), "--writer", "llm"], capsys)
    assert code == 3
    assert len(lines) == 1
    assert lines[0].startswith(
        "episode: language model service http://127.0.0.1:9/v1: cannot connect"
    )
    assert lines[0].endswith("(after 5 attempts)")


def test_a_service_that_keeps_failing_is_exit_3_after_the_retries(
    llm_server: LlmTestServer, summary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    llm_server.always("http500")
    code, lines = one_line_exit(["script", str(summary), "--writer", "llm", "--jobs", "1"], capsys)
    assert code == 3
    assert lines == [
        f"episode: language model service {llm_server.base_url}: HTTP 500 (after 5 attempts)"
    ]
    # Each chapter is tried five times at most; the build stops at the first to fail for good.
    prompts = [r.prompt for r in llm_server.requests]
    assert max(prompts.count(p) for p in prompts) == 5


def test_nothing_answered_is_lost_and_a_rerun_resumes(
    llm_server: LlmTestServer, summary: Path
) -> None:
    llm_server.script_faults(["ok", "ok", "http401"])
    with pytest.raises(WriterServiceError) as failure:
        write(summary)
    assert failure.value.exit_code == 3
    llm_server.requests.clear()
    write(summary)
    assert len(llm_server.requests) == REQUESTS - 2  # only what had not been answered


def test_requests_in_flight_never_exceed_jobs(llm_server: LlmTestServer, summary: Path) -> None:
    llm_server.always("slow:1000")
    write(summary, WriterOptions(writer="llm", jobs=2))
    assert llm_server.most_in_flight == 2


def test_settings_fall_back_to_the_conventional_variables() -> None:
    env = {"OPENAI_BASE_URL": "http://localhost:11434/v1", "OPENAI_API_KEY": "sk-x",
           "EPISODEKIT_LLM_MODEL": "qwen2.5"}
    settings = settings_from(None, None, env)
    assert (settings.base_url, settings.api_key, settings.model) == (
        "http://localhost:11434/v1", "sk-x", "qwen2.5")
    ours = {**env, "EPISODEKIT_LLM_BASE_URL": "https://api.deepseek.com/v1",
            "EPISODEKIT_LLM_API_KEY": "sk-ours"}
    settings = settings_from("deepseek-chat", None, ours)
    assert (settings.base_url, settings.api_key, settings.model) == (
        "https://api.deepseek.com/v1", "sk-ours", "deepseek-chat")
    assert "sk-ours" not in repr(settings)


def test_a_local_server_needs_no_key_but_openai_does() -> None:
    local = settings_from("llama3", None, {"EPISODEKIT_LLM_BASE_URL": "http://localhost:11434/v1"})
    assert local.api_key == "no-key"
    with pytest.raises(Exception, match="needs an API key: set EPISODEKIT_LLM_API_KEY"):
        settings_from("gpt-4o-mini", None, {})
    with pytest.raises(Exception, match="needs a model: pass --model NAME"):
        settings_from(None, None, {"OPENAI_API_KEY": "k"})


def test_an_edited_script_is_refused_before_the_model_is_asked(
    llm_server: LlmTestServer, summary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = summary.with_name("script.md")
    target.write_text("---\ntitle: 我改過的\n---\n\n## 開場\n\n我自己寫的。\n", encoding="utf-8")
    code, lines = one_line_exit(
        ["script", str(summary), "--writer", "llm", "-o", str(target)], capsys
    )
    assert code == 1 and "you have edited this script" in lines[0]
    assert llm_server.requests == []

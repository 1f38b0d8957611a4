"""The loopback chat-completions server itself, spoken to with plain HTTP, so the writer's
tests rest on a server that answers as the services do (and fails as they do)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.llm_server import LlmTestServer, retell

ASK = {"model": "m", "temperature": 0.3,
       "messages": [{"role": "system", "content": "繁體"},
                    {"role": "user", "content": "- 第一點\n- 第二點\n長度約 40 字"}]}


def post(server: LlmTestServer, body: dict) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        server.base_url + "/chat/completions", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer k"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def server() -> LlmTestServer:
    with LlmTestServer() as running:
        yield running


def test_an_answer_is_a_chat_completion_with_usage(server: LlmTestServer) -> None:
    status, _, body = post(server, ASK)
    answer = json.loads(body)
    assert status == 200 and answer["object"] == "chat.completion"
    content = answer["choices"][0]["message"]["content"]
    assert content == retell(ASK["messages"]) and content.startswith("第一點。第二點。")
    usage = answer["usage"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] >= 40
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    [request] = server.requests
    assert request.authorization == "Bearer k" and request.prompt.startswith("- 第一點")


def test_scripted_replies_go_to_the_prompts_that_hold_their_text(server: LlmTestServer) -> None:
    server.reply("只給第二章的答案。", to="第二點")
    server.reply("不會用到。", to="第三點")
    contents = [json.loads(post(server, ASK)[2])["choices"][0]["message"]["content"]
                for _ in range(2)]
    assert contents == ["只給第二章的答案。", retell(ASK["messages"])]


def test_faults(server: LlmTestServer) -> None:
    server.script_faults(["http401", "retry:7", "http500", "malformed"])
    status, _, body = post(server, ASK)
    assert status == 401 and json.loads(body)["error"]["code"] == "invalid_api_key"
    status, headers, _ = post(server, ASK)
    assert status == 429 and headers["Retry-After"] == "7"
    assert post(server, ASK)[0] == 500
    status, _, body = post(server, ASK)
    assert status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    assert [r.fault for r in server.requests] == ["http401", "retry:7", "http500", "malformed"]


def test_an_unknown_fault_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault 'http9'"):
        LlmTestServer().script_faults(["http9"])

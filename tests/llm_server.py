"""A loopback server speaking the OpenAI chat-completions protocol, for tests and hand runs.

It answers POST /v1/chat/completions the way OpenAI, DeepSeek, Qwen, Moonshot, Ollama or vLLM
do (a `chat.completion` object with one choice and `usage` token counts), from scripted replies,
and injects faults per request:

    ok              answer normally: the next scripted reply, else the responder's answer
    http401 / http429 / http500 (any httpNNN)   an error status with an OpenAI error body
    retry:<s>       HTTP 429 with `Retry-After: <s>` (seconds)
    retryms:<ms>    HTTP 429 with OpenAI's `retry-after-ms: <ms>`
    slow:<ms>       wait that long, then answer normally (a shorter client timeout times out)
    malformed       HTTP 200, JSON content type, a body that is not JSON
    refuse          drop the TCP connection without answering

The replies' *content* (chatter, a dropped point, an invented number, the wrong script) is what
the tests script with `reply()`: those are answers the service gives happily, and it is the
writer's checks that must refuse them. Without a scripted reply the `responder` writes one: by
default `retell`, a plain echo of the prompt's points padded to the asked length, which passes
the writer's checks.

Use:  with LlmTestServer() as server: server.script_faults(["http429", "ok"]); server.base_url
CLI:  python -m tests.llm_server --port 8766 [--fault http500 --fault ok ...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import opencc
import pytest
from aiohttp import web

from tests.loopback import HOST, LoopbackServer

FAULT = re.compile(
    r"^(ok|refuse|malformed|http[1-5]\d\d|retry:\d+(\.\d+)?|retryms:\d+|slow:\d+)$"
)
# What `retell` reads in a prompt: the points as "- " lines, the length as "約 N 字" / "约 N 字".
RGX_POINT = re.compile(r"^\s*- (.+)$", re.MULTILINE)
RGX_TARGET = re.compile(r"[約约]\s*(\d+)\s*字")
RGX_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-+.'’][A-Za-z0-9]+)*")
RGX_HANS = re.compile(r"简体|簡體|Simplified", re.IGNORECASE)
FILLERS = (
    "這一點其實很值得大家細細體會。",
    "換句話說，背後的思路並不複雜。",
    "不過，真正的難處往往在細節裡。",
    "那麼，這對我們又意味著什麼呢？",
    "在他看來，這正是問題的關鍵所在。",
)

Messages = list[dict[str, str]]
Responder = Callable[[Messages], str]


@dataclass(frozen=True)
class LlmRequest:
    """What one request asked for, and the fault it was answered with."""

    model: str
    messages: Messages
    temperature: float | None
    authorization: str
    fault: str

    @property
    def prompt(self) -> str:
        """The last user message: the chapter's prompt."""
        return next((m["content"] for m in reversed(self.messages) if m["role"] == "user"), "")


def retell(messages: Messages) -> str:
    """An answer that passes the writer's checks: every point of the prompt as one sentence,
    padded with number-free filler to the length the prompt asks for, in the prompt's script."""
    prompt = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    target = int(m[1]) if (m := RGX_TARGET.search(prompt)) else 200
    points = [_sentence(p) for p in RGX_POINT.findall(prompt)]
    if sum(_spoken(p) for p in points) > target:  # condense: the start of every point
        share = max(8, target // max(1, len(points)))
        points = [_sentence(_cut(p, share)) for p in points]
    paragraphs = [""]
    for index, point in enumerate(points):
        if index and index % 3 == 0:
            paragraphs.append("")
        paragraphs[-1] += point
    filler = 0
    while sum(_spoken(p) for p in paragraphs) < target:
        # Each round adds the next filler to every paragraph: never one sentence twice in a row.
        paragraphs[filler % len(paragraphs)] += FILLERS[filler // len(paragraphs) % len(FILLERS)]
        filler += 1
    text = "\n\n".join(p for p in paragraphs if p)
    hans = RGX_HANS.search(next((m["content"] for m in messages if m["role"] == "system"), ""))
    return _convert(text, "t2s" if hans else "s2tw")


def _spoken(text: str) -> int:
    """Length as the writer counts it: Chinese characters, plus one per Latin word."""
    return sum(1 for ch in text if "\u3400" <= ch <= "\u9fff") + len(RGX_LATIN.findall(text))


def _cut(text: str, size: int) -> str:
    """The first `size` characters of `text`, not ending inside a Latin word, and the names
    the rest held (what a condensing writer keeps)."""
    if len(text) <= size:
        return text
    head = re.sub(r"[A-Za-z0-9]+$", "", text[:size]) if text[size].isascii() else text[:size]
    if "。" in head:  # a writer that condenses stops at a sentence end, not one word into the next
        head = head[: head.rindex("。") + 1]
    names = [n for n in dict.fromkeys(RGX_LATIN.findall(text)) if n not in head]
    return head.rstrip("，、") + ("，提到" + "、".join(names) if names else "")


def _sentence(text: str) -> str:
    text = text.strip().replace("**", "").rstrip("：:，,；;")
    return text if text.endswith(("。", "？", "！")) else text + "。"


_CONVERTERS: dict[str, opencc.OpenCC] = {}


def _convert(text: str, config: str) -> str:
    if config not in _CONVERTERS:
        _CONVERTERS[config] = opencc.OpenCC(config)
    return str(_CONVERTERS[config].convert(text))


def completion(content: str, model: str, prompt_tokens: int, completion_tokens: int) -> dict:
    """A chat.completion object as the services send it."""
    return {
        "id": f"chatcmpl-test{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def count_tokens(text: str) -> int:
    """A stand-in for the service's tokenizer: one token a CJK character, one per 4 others."""
    wide = sum(1 for ch in text if ord(ch) > 0x2E7F)
    return wide + (len(text) - wide + 3) // 4


class LlmTestServer(LoopbackServer):
    """The server, running its own event loop in a background thread."""

    thread_name = "llm-test-server"

    def __init__(self, port: int = 0, responder: Responder = retell) -> None:
        super().__init__(port, _check)
        self.responder = responder
        self.requests: list[LlmRequest] = []  # every request that reached the handler
        self._replies: list[tuple[str, deque[str]]] = []  # (text the prompt holds, contents)
        self.in_flight = 0
        self.waits: list[float] = []  # the client's waits between attempts (see llm_server())
        self.most_in_flight = 0  # the most requests it was answering at once

    # ------------------------------------------------------------ control (any thread)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    def reply(self, *contents: str, to: str = "") -> None:
        """The next answered requests whose prompt (last user message) holds `to` get these
        contents, in order, instead of the responder's answer."""
        with self._lock:
            self._replies.append((to, deque(contents)))

    def _scripted(self, prompt: str) -> str | None:
        with self._lock:
            for match, contents in self._replies:
                if match in prompt and contents:
                    return contents.popleft()
        return None

    # ------------------------------------------------------------ serving (server thread)

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._handle)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        fault = self._next_fault()
        record = LlmRequest(
            model=str(body.get("model", "")),
            messages=list(body.get("messages", [])),
            temperature=body.get("temperature"),
            authorization=request.headers.get("Authorization", ""),
            fault=fault,
        )
        with self._lock:
            self.requests.append(record)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return await self._answer(request, record)
        finally:
            with self._lock:
                self.in_flight -= 1

    async def _answer(self, request: web.Request, record: LlmRequest) -> web.StreamResponse:
        fault = record.fault
        if fault == "refuse":
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        if fault.startswith("http"):
            return _error(int(fault[4:]))
        if fault.startswith("retryms:"):
            return _error(429, {"retry-after-ms": fault[8:]})
        if fault.startswith("retry:"):
            return _error(429, {"Retry-After": fault[6:]})
        if fault == "malformed":
            return web.Response(text='{"id": "x", "choices": [', content_type="application/json")
        if fault.startswith("slow:"):
            await asyncio.sleep(int(fault[5:]) / 1000)
        content = self._scripted(record.prompt)
        if content is None:
            content = self.responder(record.messages)
        prompt_tokens = sum(count_tokens(m.get("content", "")) for m in record.messages)
        answer = completion(content, record.model, prompt_tokens, count_tokens(content))
        return web.json_response(answer, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _error(status: int, headers: dict[str, str] | None = None) -> web.Response:
    kinds = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}
    body = {"error": {"message": f"scripted HTTP {status}", "type": "test",
                      "param": None, "code": kinds.get(status, "server_error")}}
    return web.json_response(body, status=status, headers=headers)


def _check(fault: str) -> None:
    if not FAULT.match(fault):
        raise ValueError(f"unknown fault {fault!r}; expected {FAULT.pattern}")


@pytest.fixture
def llm_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LlmTestServer]:
    """A running LlmTestServer with the writer's settings pointing at it, and the retries'
    backoff made short (the server's Retry-After still applies)."""
    with LlmTestServer() as server:

        async def record(seconds: float) -> None:
            server.waits.append(seconds)

        monkeypatch.setattr("episodekit.narrate.llm.client._pause", record)
        monkeypatch.setenv("EPISODEKIT_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("EPISODEKIT_LLM_MODEL", "test-model")
        monkeypatch.setenv("EPISODEKIT_LLM_API_KEY", "test-key")
        yield server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.llm_server", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--fault", action="append", default=[], help="scripted, in order")
    parser.add_argument("--always", default="ok", help="behaviour after the scripted faults")
    args = parser.parse_args(argv)
    server = LlmTestServer(port=args.port)
    server.script_faults(args.fault)
    server.always(args.always)
    server.start()
    print(server.base_url, flush=True)
    print(f"EPISODEKIT_LLM_BASE_URL={server.base_url} EPISODEKIT_LLM_MODEL=test "
          "episode build ... --writer llm", flush=True)
    server.serve_until_interrupted()


if __name__ == "__main__":
    main()

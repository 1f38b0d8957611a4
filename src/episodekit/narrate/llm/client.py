"""Asking an OpenAI-compatible chat-completions service, with the voice service's rules:
bounded concurrency, retries with backoff and full jitter on 429, 5xx, timeouts and broken
answers (a server's Retry-After wins over our backoff), one clear line (exit 3) when the service
is unreachable, refuses us or keeps failing, and every answer cached the moment it arrives.

The `openai` client does the protocol and speaks to every compatible server through
`base_url`. Its own retries are turned off (max_retries=0): ours count attempts the same way as
the speech stage, also retry a 200 whose body is not JSON (the client raises ValueError there,
not one of its errors), and tests can make the backoff short.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import openai
from openai.types.chat import ChatCompletion

from episodekit.errors import EpisodeError, WriterServiceError
from episodekit.files import write_text_atomic
from episodekit.retry import BACKOFF_BASE, backoff_seconds

# Bump when what is stored for an answer changes, so old entries stop matching.
CACHE_FORMAT = 1
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_JOBS = 4
MAX_JOBS = 16
DEFAULT_TEMPERATURE = 0.3
RETRY_AFTER_CAP_S = 120.0  # a server asking for longer than this is as good as down

# Each setting: our variable first, then the ecosystem's conventional one.
ENV_BASE_URL = ("EPISODEKIT_LLM_BASE_URL", "OPENAI_BASE_URL")
ENV_MODEL = ("EPISODEKIT_LLM_MODEL",)
ENV_API_KEY = ("EPISODEKIT_LLM_API_KEY", "OPENAI_API_KEY")
ENV_TIMEOUT = "EPISODEKIT_LLM_TIMEOUT"
OPENAI_URL = "https://api.openai.com/v1"
# Local servers (Ollama, llama.cpp, vLLM) ignore the key, but the client insists on one.
NO_KEY = "no-key"

Messages = list[dict[str, str]]


@dataclass(frozen=True)
class LlmSettings:
    """Where and how to ask. The key is never printed (repr=False)."""

    model: str
    base_url: str = OPENAI_URL
    api_key: str = field(default=NO_KEY, repr=False)
    temperature: float = DEFAULT_TEMPERATURE
    timeout_s: float = DEFAULT_TIMEOUT_S
    jobs: int = DEFAULT_JOBS
    retries: int = 4
    backoff_base: float = BACKOFF_BASE
    use_cache: bool = True  # False: ask again (--regenerate-script), still store the answers


def _first(env: Mapping[str, str], names: tuple[str, ...]) -> str:
    return next((env[name].strip() for name in names if env.get(name, "").strip()), "")


def settings_from(
    model: str | None = None, jobs: int | None = None, env: Mapping[str, str] | None = None
) -> LlmSettings:
    """The settings from `--model`/`--jobs` and the environment; a missing model or key is
    one line naming the variable to set."""
    env = os.environ if env is None else env
    model = (model or "").strip() or _first(env, ENV_MODEL)
    if not model:
        raise EpisodeError(
            "--writer llm needs a model: pass --model NAME or set EPISODEKIT_LLM_MODEL"
        )
    base_url = _first(env, ENV_BASE_URL) or OPENAI_URL
    if not base_url.startswith(("http://", "https://")):
        raise EpisodeError(f"language model address {base_url!r} is not an http(s) URL")
    api_key = _first(env, ENV_API_KEY)
    if not api_key and base_url.rstrip("/") == OPENAI_URL:
        raise EpisodeError(
            "--writer llm needs an API key: set EPISODEKIT_LLM_API_KEY or OPENAI_API_KEY "
            "(or EPISODEKIT_LLM_BASE_URL for a local server)"
        )
    timeout = env.get(ENV_TIMEOUT, "").strip()
    try:
        timeout_s = float(timeout) if timeout else DEFAULT_TIMEOUT_S
    except ValueError:
        raise EpisodeError(f"{ENV_TIMEOUT}={timeout!r}: give seconds, like 120") from None
    if jobs is not None and not 1 <= jobs <= MAX_JOBS:
        raise EpisodeError(f"--jobs {jobs}: choose 1 to {MAX_JOBS}")
    return LlmSettings(
        model=model,
        base_url=base_url,
        api_key=api_key or NO_KEY,
        timeout_s=timeout_s,
        jobs=jobs or DEFAULT_JOBS,
    )


@dataclass(frozen=True)
class Answer:
    """One answer of the model, as used and as cached."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str
    from_cache: bool = False


# ---------------------------------------------------------------- cache


def request_key(settings: LlmSettings, messages: Messages) -> str:
    """The cache key of a request: its model, its prompt text and the parameters that change
    the answer. Not the address: the same model behind another server answers the same."""
    payload = json.dumps(
        [CACHE_FORMAT, settings.model, messages, {"temperature": settings.temperature}],
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AnswerCache:
    """Answers under `root` (<key[:2]>/<key>.json, written atomically)."""

    def __init__(self, root: Path, read: bool = True) -> None:
        self.root = root
        self.read = read

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Answer | None:
        if not self.read:
            return None
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            if data["format"] != CACHE_FORMAT or data["key"] != key:
                return None
            return Answer(
                str(data["text"]),
                int(data["prompt_tokens"]),
                int(data["completion_tokens"]),
                str(data["finish_reason"]),
                from_cache=True,
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, answer: Answer, model: str) -> None:
        data = {
            "format": CACHE_FORMAT,
            "key": key,
            "model": model,
            "text": answer.text,
            "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens,
            "finish_reason": answer.finish_reason,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        write_text_atomic(self._path(key), json.dumps(data, ensure_ascii=False))


# ---------------------------------------------------------------- asking


class _Transient(Exception):
    """A failure worth another try; `wait_s` is the server's Retry-After when it sent one."""

    def __init__(self, cause: str, wait_s: float | None = None) -> None:
        super().__init__(cause)
        self.wait_s = wait_s


class Asker:
    """Sends requests to one service, at most `settings.jobs` at a time, through the cache.
    `requests` counts what was sent (attempts included), for tests and the build report."""

    def __init__(self, settings: LlmSettings, cache: AnswerCache) -> None:
        self.settings = settings
        self.cache = cache
        self.requests = 0
        self._semaphore = asyncio.Semaphore(settings.jobs)
        self._client = openai.AsyncOpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key,
            timeout=settings.timeout_s,
            max_retries=0,
        )

    async def close(self) -> None:
        await self._client.close()

    async def ask(self, messages: Messages) -> Answer:
        """The answer to `messages`, from the cache or the service (then cached at once)."""
        key = request_key(self.settings, messages)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        answer = await self._attempts(messages)
        await asyncio.to_thread(self.cache.put, key, answer, self.settings.model)
        return answer

    async def _attempts(self, messages: Messages) -> Answer:
        retries = self.settings.retries
        for attempt in range(retries + 1):
            async with self._semaphore:
                try:
                    return await self._once(messages)
                except _Transient as error:
                    if attempt == retries:
                        tries = f"{retries + 1} attempt{'s' if retries else ''}"
                        raise WriterServiceError(
                            self.settings.base_url, f"{error} (after {tries})"
                        ) from error
                    wait = error.wait_s
            if wait is None or not 0 <= wait <= RETRY_AFTER_CAP_S:
                wait = backoff_seconds(attempt, self.settings.backoff_base)
            await _pause(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _once(self, messages: Messages) -> Answer:
        self.requests += 1
        url = self.settings.base_url
        try:
            response: Any = await self._client.chat.completions.create(
                model=self.settings.model,
                messages=messages,  # type: ignore[arg-type]
                temperature=self.settings.temperature,
            )
        except (openai.AuthenticationError, openai.PermissionDeniedError) as error:
            raise WriterServiceError(
                url, f"unauthorised (HTTP {error.status_code}): check EPISODEKIT_LLM_API_KEY"
            ) from error
        except openai.NotFoundError as error:
            raise WriterServiceError(
                url, f"no model {self.settings.model!r} there (HTTP 404)"
            ) from error
        except openai.APITimeoutError as error:
            raise _Transient(f"no answer within {self.settings.timeout_s:g} s") from error
        except openai.APIConnectionError as error:
            raise _Transient(f"cannot connect ({_reason(error)})") from error
        except openai.APIStatusError as error:
            if error.status_code in (408, 409, 429) or error.status_code >= 500:
                raise _Transient(f"HTTP {error.status_code}", _retry_after(error)) from error
            raise WriterServiceError(url, f"refused the request (HTTP {error.status_code}: "
                                          f"{error.message})") from error
        except (ValueError, openai.APIResponseValidationError) as error:
            raise _Transient("the answer was not valid JSON") from error
        return _answer(response)


async def _pause(seconds: float) -> None:
    """The wait between attempts (one place, so tests can record it instead of waiting)."""
    await asyncio.sleep(seconds)


def _answer(response: Any) -> Answer:
    """The text and token counts of a chat completion; a body of another shape is transient."""
    if not isinstance(response, ChatCompletion) or not response.choices:
        raise _Transient("the answer was not a chat completion")
    choice = response.choices[0]
    text = choice.message.content
    if not isinstance(text, str):
        raise _Transient("the answer had no text")
    usage = response.usage
    return Answer(
        text=text,
        prompt_tokens=usage.prompt_tokens if usage else 0,
        completion_tokens=usage.completion_tokens if usage else 0,
        finish_reason=str(choice.finish_reason or ""),
    )


def _retry_after(error: openai.APIStatusError) -> float | None:
    """The server's wait in seconds: OpenAI's `retry-after-ms`, else `Retry-After` in seconds;
    None when absent or an HTTP date (our own backoff then)."""
    headers = error.response.headers
    for name, divisor in (("retry-after-ms", 1000), ("retry-after", 1)):
        try:
            return float(headers.get(name, "")) / divisor
        except ValueError:
            continue
    return None


def _reason(error: openai.APIConnectionError) -> str:
    cause = error.__cause__
    return str(cause) if cause is not None and str(cause) else str(error)

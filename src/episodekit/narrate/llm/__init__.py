"""The language-model writer (`--writer llm`): the channel's retelling from any
OpenAI-compatible chat model, checked, cached, with the template narration as fallback.

    client   settings, requests with retries and bounded concurrency, the answer cache
    prompts  each chapter's material, length target and rendered prompts (scripts/llm/*.j2)
    source   --source: the relevant part of a transcript or captions for each chapter
    checks   what an answer must be before it is used
    writer   Document -> Script, chapter by chapter
"""

from episodekit.narrate.llm.client import AnswerCache, LlmSettings, settings_from
from episodekit.narrate.llm.source import check_source_name, read_source
from episodekit.narrate.llm.writer import write

__all__ = [
    "AnswerCache",
    "LlmSettings",
    "check_source_name",
    "read_source",
    "settings_from",
    "write",
]

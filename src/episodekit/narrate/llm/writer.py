"""The language-model writer: Document -> Script, chapter by chapter, through a chat model.

The template narration is made first: it is the fallback of every chapter and holds the show's
own words (the greeting, the hand-over, the sign-off), which the model never writes. Each chapter
the model returns is checked (checks.py); one that fails is asked again once with what was
wrong, and if it fails again the template's narration of that chapter is used, with one warning
line (or, with `strict`, the build stops: exit 1).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from episodekit import resources
from episodekit.errors import EpisodeError, WriterCheckError
from episodekit.model import Chapter, ChapterTokens, Document, Paragraph, Script, WriterReport
from episodekit.narrate.context import context
from episodekit.narrate.llm import checks, prompts
from episodekit.narrate.llm.checks import LENGTH_TOLERANCE
from episodekit.narrate.llm.client import AnswerCache, Asker, LlmSettings
from episodekit.narrate.render import environment, narrate, render
from episodekit.narrate.scriptfile import estimate_seconds, parse_body
from episodekit.narrate.text import HALF_TO_FULL_INLINE, RGX_HALF_BY_CJK, sentence
from episodekit.show import Show, default_show

Warn = Callable[[str], None]
OUTRO_TEMPLATE = "outro.j2"
RGX_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")
# Reasoning models served by Ollama or vLLM (DeepSeek-R1, Qwen3) put their thinking in the
# answer's text; it is not the answer.
RGX_THINKING = re.compile(r"<think>.*?</think>", re.DOTALL)
# Half-width brackets around Chinese or right after it ("AGI (通用人工智慧)", "債務(debt)",
# often copied from a summary or a transcript) are written full-width, as in the whole script.
RGX_CJK_BRACKETS = re.compile(
    r" ?\(([^()]*[\u3400-\u9fff][^()]*)\) ?|(?<=[\u3400-\u9fff])\(([^()]*)\) ?"
)


@dataclass(frozen=True)
class _Written:
    paragraphs: tuple[str, ...] | None  # None: fall back to the template's narration
    tokens: ChapterTokens


def prompt_folder(folder: Path) -> Path:
    """The folder whose llm/ prompts are used: the user's templates when they have them, else the
    shipped defaults (a scripts/ folder made before the writer existed still works)."""
    return folder if (folder / "llm").is_dir() else resources.default_dir("scripts")


def _fixed_parts(folder: Path, doc: Document, show: Show) -> tuple[str, str, tuple[str, ...]]:
    """The show's own words from the templates: greeting, hand-over, sign-off paragraphs."""
    env = environment(folder, doc.script, show)
    phrases = env.from_string('{% import "phrases.j2" as p %}{{ p.greeting }}\n{{ p.share }}')
    greeting, share = phrases.render().split("\n")
    outro = render(folder, OUTRO_TEMPLATE, context(doc), doc.script, show)
    chapters = parse_body(["## x", *outro.split("\n")], folder / OUTRO_TEMPLATE, "narrator")
    return greeting.strip(), share.strip(), tuple(p.text for p in chapters[0].paragraphs)


def _full_width(match: re.Match[str]) -> str:
    return HALF_TO_FULL_INLINE[match[0]]


def _paragraphs(answer: str) -> list[str]:
    """The answer as spoken paragraphs: one per line or blank-line block, half-width marks next
    to Chinese made full-width, each ending as a sentence."""
    parts = [p.strip() for p in RGX_PARAGRAPH_BREAK.split(RGX_THINKING.sub("", answer).strip())]
    return [sentence(_typography(part)) for part in parts if part]


def _typography(text: str) -> str:
    bracketed = RGX_CJK_BRACKETS.sub(lambda m: f"（{m[1] or m[2]}）", text)
    return RGX_HALF_BY_CJK.sub(_full_width, bracketed)


async def _write_one(
    job: prompts.Job, asker: Asker, folder: Path, doc: Document, show: Show
) -> _Written:
    """Ask for `job`, check, ask again once with the problems; None paragraphs on a 2nd failure."""
    found: list[str] = []
    tokens_in = tokens_out = sent = cached = 0
    for _attempt in range(2):
        answer = await asker.ask(prompts.messages(folder, job, doc.script, found, show))
        tokens_in += answer.prompt_tokens
        tokens_out += answer.completion_tokens
        cached += answer.from_cache
        sent += not answer.from_cache
        paragraphs = _paragraphs(answer.text)
        found = checks.problems(
            "\n\n".join(paragraphs),
            material=job.material,
            points=job.points,
            script=doc.script,
            target_chars=job.target_chars,
            kept=job.kept,
            show_words=_show_words(show, doc),
        )
        found += checks.shared_problems(job.title, paragraphs, doc.script)
        if answer.finish_reason == "length":
            found.append("was cut off by the service's length limit")
        if not found:
            break
    tokens = ChapterTokens(job.title, tokens_in, tokens_out, sent, cached, "; ".join(found))
    return _Written(None if found else tuple(paragraphs), tokens)


def _show_words(show: Show, doc: Document) -> tuple[str, ...]:
    """What only the show's greeting says: its name, and its host introducing himself."""
    written = show.in_script(doc.script)
    return (written.name, f"我是{written.host}")


async def _write_all(
    jobs: list[prompts.Job], settings: LlmSettings, cache: AnswerCache, folder: Path,
    doc: Document, show: Show,
) -> tuple[list[_Written], int]:
    """Every job at once (the asker bounds how many requests are in flight). The first service
    failure cancels the rest; what had arrived is already cached."""
    asker = Asker(settings, cache)
    tasks = [asyncio.create_task(_write_one(job, asker, folder, doc, show)) for job in jobs]
    try:
        await asyncio.gather(*tasks)
        return [task.result() for task in tasks], asker.requests
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asker.close()


def write(
    doc: Document,
    templates: Path,
    settings: LlmSettings,
    cache: AnswerCache,
    *,
    minutes: float | None = None,
    passages: list[str] | None = None,
    strict: bool = False,
    on_warning: Warn = lambda line: None,
    show: Show | None = None,
) -> tuple[Script, WriterReport]:
    """The script of `doc` written by the model of `settings` for `show` (or the shipped default
    show); see the module's docstring."""
    show = show or default_show()
    voice = show.voice
    fallback = narrate(doc, templates, voice=voice, show=show)
    greeting, share, outro = _fixed_parts(templates, doc, show)
    data = context(doc)
    if len(fallback.chapters) != len(data["chapters"]) + 1:
        raise EpisodeError("the template narration and the summary's chapters do not line up")
    fixed = checks.spoken_length(greeting + share + "".join(outro))
    jobs = prompts.plan(
        data, minutes=minutes, fixed_chars=fixed, passages=passages,
        phrases={"greeting": greeting, "hand_over": share},
    )
    written, requests = asyncio.run(
        _write_all(jobs, settings, cache, prompt_folder(templates), doc, show)
    )
    chapters = []
    for job, result, template in zip(jobs, written, fallback.chapters, strict=True):
        if result.paragraphs is None:
            reason = result.tokens.fallback
            if strict:
                raise WriterCheckError(job.number, job.title, reason)
            on_warning(
                f"chapter {job.number} «{job.title}»: the model's answer failed the checks twice "
                f"({reason}); using the template narration"
            )
            chapters.append(template)
        else:
            texts = result.paragraphs
            chapters.append(_chapter(job, texts, template.title, greeting, share, voice))
    chapters[-1] = _with_outro(chapters[-1], fallback.chapters[-1], outro, voice)
    script = replace(fallback, chapters=tuple(chapters), writer="llm", model=settings.model)
    seconds = estimate_seconds(script)
    if minutes is not None and abs(seconds - minutes * 60) > LENGTH_TOLERANCE * minutes * 60:
        on_warning(
            f"--minutes {minutes:g}: the script is about {seconds / 60:.1f} minutes long "
            "(more than a fifth off: chapters that fell back to the templates, or too many "
            "chapters for so short an episode)"
        )
    report = WriterReport(
        writer="llm",
        model=settings.model,
        chapters=tuple(w.tokens for w in written),
        requests=requests,
        estimated_seconds=round(seconds, 1),
    )
    return script, report


def _chapter(
    job: prompts.Job, texts: tuple[str, ...], title: str, greeting: str, share: str, voice: str
) -> Chapter:
    """A chapter of the model's paragraphs; the opening between the greeting and hand-over."""
    if job.number == 0:
        texts = (greeting + texts[0], *texts[1:], share)
    return Chapter(title, tuple(Paragraph(text, voice) for text in texts))


def _with_outro(chapter: Chapter, template: Chapter, outro: tuple[str, ...], voice: str) -> Chapter:
    """The last chapter followed by the show's sign-off (a template chapter already has it)."""
    if chapter is template:
        return chapter
    return Chapter(chapter.title, chapter.paragraphs + tuple(Paragraph(t, voice) for t in outro))

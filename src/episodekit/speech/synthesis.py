"""The speech stage: Script -> Segment[], through an engine, the segment cache, bounded
concurrency and retries.

Everything that can be refused is refused before the first request (profiles, voices). Each
segment is cached the moment it arrives, so a failed or interrupted build loses nothing it had
finished, and a rerun only sends what is missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sys
from collections.abc import Callable, Collection, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from episodekit.errors import EpisodeError, ScriptFormatError, ServiceUnreachable, SynthesisError
from episodekit.model import Script, Segment, Word
from episodekit.progress import Progress
from episodekit.retry import BACKOFF_BASE, backoff_seconds
from episodekit.speech.cache import SegmentCache
from episodekit.speech.engines import (
    ENGINES,
    Engine,
    EngineUnavailable,
    PermanentEngineError,
    Synthesis,
    TransientEngineError,
    get_engine,
)
from episodekit.speech.lexicon import map_words
from episodekit.speech.plan import SegmentPlan, needed_profiles, plan_segments
from episodekit.speech.voices import (
    KNOWN_EDGE_VOICES,
    VoiceProfile,
    check_voice_name,
    load_profiles,
    offline_voice_names,
    validate_profiles,
)

Warn = Callable[[str], None]
_P = ParamSpec("_P")
_R = TypeVar("_R")

# After one segment has failed for good, in-flight requests get this long to finish (and be
# cached) before they are cancelled.
GRACE_SECONDS = 15.0
VOICE_LIST_TIMEOUT = 10.0  # the online voice list only widens a check: never wait long for it


@dataclass(frozen=True)
class SpeechResult:
    segments: tuple[Segment, ...]
    engine_id: str
    synthesized: int  # segments sent to the engine in this run
    from_cache: int


def warn_stderr(message: str) -> None:
    print(f"episode: {message}", file=sys.stderr, flush=True)


async def choose_engine(engine_id: str, on_warning: Warn) -> Engine:
    """The engine to use. "auto" is edge when its service answers, else offline with one
    warning; an engine named explicitly must work or the build stops here."""
    if engine_id == "auto":
        try:
            edge = _load_engine("edge")
            await edge.probe()
            return edge
        except EngineUnavailable as error:
            reason = str(error).removeprefix("voice service unreachable: ")
            on_warning(f"voice service unreachable ({reason}); using the offline voice")
        engine_id = "offline"
    engine = _load_engine(engine_id)
    try:
        await engine.probe()
    except EngineUnavailable as error:
        if ENGINES[engine_id].is_service:
            raise ServiceUnreachable(str(getattr(engine, "url", "edge")), str(error)) from error
        raise EpisodeError(f"the {engine_id} voice cannot run here: {error}") from error
    return engine


def _load_engine(engine_id: str) -> Engine:
    try:
        return get_engine(engine_id)
    except KeyError:
        raise EpisodeError(
            f"unknown voice engine {engine_id!r}; use auto or one of {', '.join(ENGINES)}"
        ) from None
    except ImportError as error:
        raise EngineUnavailable(f"the {engine_id} engine is not installed: {error}") from error


async def _known_voices(
    engine: Engine, wanted: Collection[str], on_warning: Warn = warn_stderr
) -> Collection[str] | None:
    """The voice names `engine` accepts, as far as can be told without a needless request.

    The online list comes from Microsoft's host whatever the configured address; when the
    service is another address, it is not asked, and names outside the known list are only
    checked for their form (None), with a note."""
    if engine.id == "offline":
        return offline_voice_names()
    if engine.id != "edge":
        return None
    known = set(KNOWN_EDGE_VOICES)
    # Only ask the service when a profile names a well-formed voice outside the Mandarin list;
    # the list is a help, not a requirement, so a failure keeps the known ones.
    unknown = [v for v in wanted if check_voice_name("edge", v, None) is None and v not in known]
    if unknown:
        from episodekit.speech.engines.edge import uses_real_service

        if not uses_real_service():
            on_warning(
                f"voice {', '.join(sorted(unknown))} is not on the known list and the configured "
                "service cannot list its voices; the service will say if it does not exist"
            )
            return None
        with contextlib.suppress(ImportError, EngineUnavailable, asyncio.TimeoutError, OSError):
            for language in sorted({v.split("-")[0] for v in unknown}):
                listing = ENGINES["edge"].list_voices(language)
                known.update(await asyncio.wait_for(listing, VOICE_LIST_TIMEOUT))
    return known


def _clamp_jobs(engine: Engine, jobs: int | None, on_warning: Warn) -> int:
    if jobs is None:
        return max(1, engine.default_jobs)
    if jobs > engine.max_jobs:
        on_warning(f"--jobs {jobs} is above the {engine.id} voice's limit; using {engine.max_jobs}")
        return engine.max_jobs
    return max(1, jobs)


def to_segment(
    plan: SegmentPlan, wav: Path, duration_ms: int, words: tuple[Word, ...], *, from_cache: bool
) -> Segment:
    """The segment for `plan`, its engine words mapped onto the script's text."""
    return Segment(
        index=plan.index,
        chapter=plan.chapter,
        paragraph=plan.paragraph,
        speaker=plan.speaker,
        text=plan.text,
        spoken=plan.spoken,
        audio=wav,
        duration_ms=duration_ms,
        words=map_words(words, plan.regions, len(plan.text)),
        voice=plan.voice,
        pause_after=plan.pause_after,
        from_cache=from_cache,
    )


# One segment as `episode spoken` shows it: its chapter's title and what the engine is given.
Spoken = tuple[str, SegmentPlan]


def planned_speech(
    script: Script, voices: Path, engine_id: str, script_source: str = "script.md"
) -> list[Spoken]:
    """Each segment of `script` with its chapter's title, and the exact text `engine_id` would
    be given for it; the profiles in `voices` checked as a build checks them (no service is
    asked)."""
    if engine_id not in ENGINES:
        raise EpisodeError(f"unknown voice engine {engine_id!r}; use edge or offline")
    profiles = load_profiles(voices)
    validate_profiles(profiles, engine_id, needed_profiles(script), script_source=script_source)
    plans = plan_segments(script, profiles, engine_id)
    return [(script.chapters[plan.chapter].title, plan) for plan in plans]


async def synthesize_async(
    script: Script,
    *,
    profiles: Mapping[str, VoiceProfile],
    engine: str = "auto",
    cache: SegmentCache,
    jobs: int | None = None,
    retries: int = 5,
    progress: bool | None = None,
    on_warning: Warn = warn_stderr,
    backoff_base: float = BACKOFF_BASE,
    script_source: str = "script.md",
) -> SpeechResult:
    """Speak every segment of `script`; cache hits are never sent to the engine.

    Raises VoiceError before any request for a profile problem, SynthesisError when a segment
    still fails after `retries` retries (everything finished by then stays cached).
    """
    chosen = await choose_engine(engine, on_warning)
    needed = needed_profiles(script)
    wanted = [
        profiles[name].settings[chosen.id].voice
        for name in needed
        if name in profiles and chosen.id in profiles[name].settings
    ]
    validate_profiles(
        profiles,
        chosen.id,
        needed,
        known_voices=await _known_voices(chosen, wanted, on_warning),
        script_source=script_source,
    )
    plans = plan_segments(script, profiles, chosen.id)
    if not plans:
        raise ScriptFormatError(
            script_source, None, "nothing to speak: no paragraph holds a letter or a digit"
        )
    limit = _clamp_jobs(chosen, jobs, on_warning)

    done, misses = _from_cache(plans, cache)
    hits = len(done)
    if cache.discarded:
        count = len(cache.discarded)
        on_warning(
            f"{count} damaged cache entr{'y' if count == 1 else 'ies'} in {cache.root} (audio or "
            "timings changed since they were stored) discarded; synthesizing again"
        )

    with Progress(len(plans), hits, enabled=progress) as bar:
        await _run(chosen, misses, cache, done, bar, limit, retries, backoff_base)
    segments = tuple(done[plan.index] for plan in plans)
    return SpeechResult(segments, chosen.id, len(misses), hits)


def _from_cache(
    plans: list[SegmentPlan], cache: SegmentCache
) -> tuple[dict[int, Segment], list[SegmentPlan]]:
    """The segments the cache already holds, by index, and the plans still to synthesize."""
    done: dict[int, Segment] = {}
    misses: list[SegmentPlan] = []
    for plan in plans:
        entry = cache.lookup(plan.key)
        if entry is None:
            misses.append(plan)
        else:
            done[plan.index] = to_segment(
                plan, entry.wav, entry.duration_ms, entry.words, from_cache=True
            )
    return done, misses


async def _run(
    engine: Engine,
    plans: list[SegmentPlan],
    cache: SegmentCache,
    done: dict[int, Segment],
    bar: Progress,
    jobs: int,
    retries: int,
    backoff_base: float,
) -> None:
    semaphore = asyncio.Semaphore(jobs)
    stop = asyncio.Event()  # set when a segment has failed for good: start nothing new

    async def one(plan: SegmentPlan) -> None:
        try:
            synthesis = await _attempts(engine, plan, semaphore, stop, retries, backoff_base)
        except SynthesisError:
            # Set before any other task can take the freed slot, so nothing new is sent.
            stop.set()
            raise
        if synthesis is None:
            return
        # The cache write runs in a thread, which a cancel (Ctrl-C) would abandon half-way: the
        # build would return while the entry is still being written, and a finished segment could
        # be lost. So a cancel waits for the write of a segment the engine has already spoken.
        write = asyncio.ensure_future(
            asyncio.to_thread(cache.put, plan.key, synthesis, engine=engine.id, voice=plan.voice)
        )
        try:
            wav = await asyncio.shield(write)
        except asyncio.CancelledError:
            await write
            raise
        done[plan.index] = to_segment(
            plan, wav, synthesis.duration_ms, synthesis.words, from_cache=False
        )
        bar.advance()

    tasks = [asyncio.create_task(one(plan)) for plan in plans]
    try:
        pending: set[asyncio.Task[None]] = set(tasks)
        failure: BaseException | None = None
        while pending and failure is None:
            finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
            failure = next((t.exception() for t in finished if t.exception()), None)
        if failure is not None:
            stop.set()
            if pending:
                await asyncio.wait(pending, timeout=GRACE_SECONDS)
            raise failure
    finally:
        # Cancel whatever is left (an error, Ctrl-C) and wait for it, so no task is destroyed
        # while pending; what had finished is already in the cache.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _attempts(
    engine: Engine,
    plan: SegmentPlan,
    semaphore: asyncio.Semaphore,
    stop: asyncio.Event,
    retries: int,
    backoff_base: float,
) -> Synthesis | None:
    """The engine's answer for `plan`, retrying transient failures with exponential backoff and
    full jitter; None when the build stopped before this segment was sent."""
    for attempt in range(retries + 1):
        async with semaphore:
            if stop.is_set():
                return None
            try:
                synthesis = await engine.synthesize(plan.spoken, plan.voice)
                if synthesis.duration_ms <= 0 or not synthesis.wav:
                    raise TransientEngineError("the engine returned no audio")
                return synthesis
            except PermanentEngineError as error:
                raise SynthesisError(plan.index, plan.text, _cause(error)) from error
            except (TransientEngineError, EngineUnavailable) as error:
                if attempt == retries:
                    tries = f"{retries + 1} attempt{'s' if retries else ''}"
                    cause = f"{_cause(error)} (after {tries})"
                    raise SynthesisError(plan.index, plan.text, cause) from error
        if stop.is_set():
            return None
        await asyncio.sleep(backoff_seconds(attempt, backoff_base))
    return None  # unreachable: the last attempt returns or raises


def _cause(error: BaseException) -> str:
    return str(error) or type(error).__name__


def _blocking(
    coroutine: Callable[_P, Coroutine[Any, Any, _R]],
) -> Callable[_P, _R]:
    """A blocking twin of `coroutine` with the same parameters, for callers with no loop."""

    @functools.wraps(coroutine)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        return asyncio.run(coroutine(*args, **kwargs))

    return run


# The CLI's entry: `synthesize_async` run to completion (same parameters, same result).
synthesize = _blocking(synthesize_async)
